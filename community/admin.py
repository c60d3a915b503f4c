"""The Django admin for every community model. Every change made here lands in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from community import names, permissions
from community.audit import audit_record
from community.models import (
    AuditEntry,
    Block,
    Invitation,
    MentorApplication,
    Profile,
    Role,
    SignupDomain,
    Topic,
    User,
)


class AdminRoleOnly:
    """Community admins manage every model here, without per-model Django permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_administer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_administer(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return permissions.can_administer(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_administer(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_administer(request.user)


class AuditedAdmin(AdminRoleOnly, admin.ModelAdmin):
    """Writes an audit entry beside Django's own admin log for each add, change and delete."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        audit_record(actor=request.user, action=f"admin.add.{obj._meta.model_name}",  # type: ignore[arg-type]
                     target=obj, changes=str(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        audit_record(actor=request.user, action=f"admin.change.{obj._meta.model_name}",  # type: ignore[arg-type]
                     target=obj, changes=str(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            audit_record(actor=request.user, action=f"admin.delete.{obj._meta.model_name}",  # type: ignore[arg-type]
                         target=obj)
        return super().log_deletions(request, queryset)


class ProfileInline(AdminRoleOnly, admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ("expertise", "skills")


class MemberChangeForm(UserChangeForm):
    """An admin renaming a member meets the same rules as the member herself."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_name(self) -> str:
        return names.form_name_clean(self.cleaned_data["name"], member=self.instance)


class MemberCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "name")

    def clean_name(self) -> str:
        return names.form_name_clean(self.cleaned_data["name"])


class LookAlikeNameFilter(admin.SimpleListFilter):
    """Members whose name looks like another member's (given before names were checked)."""

    title = _("name")
    parameter_name = "look_alike"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Looks like another member’s"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() != "yes":
            return queryset
        keys = [group[0].name_key for group in names.confusable_pairs()]
        return queryset.filter(name_key__in=keys)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    form = MemberChangeForm
    add_form = MemberCreationForm
    ordering = ("name", "email")
    list_display = ("email", "name", "role", "is_active", "date_joined", "last_login")
    list_filter = (LookAlikeNameFilter, "role", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "name", "profile__headline")
    readonly_fields = ("date_joined", "last_login")
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        (_("Role"), {"fields": ("role", "is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """The admin role is what opens the Django admin: keep is_staff in step with it."""
        obj.is_staff = obj.role == Role.ADMIN or obj.is_superuser
        super().save_model(request, obj, form, change)

    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "role", "password1",
                                                   "password2")}),
    )


@admin.register(Topic)
class TopicAdmin(AuditedAdmin):
    list_display = ("name", "name_fr", "kind", "retired_at")
    list_filter = ("kind", "retired_at")
    # Retiring takes the topic off profiles: only Manage -> Topics does it, with its count.
    readonly_fields = ("retired_at",)
    search_fields = ("name", "name_fr")


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    list_display = ("email", "name", "role", "status", "invited_by", "created_at", "expires_at")
    list_filter = ("role", "created_at", "accepted_at", "revoked_at")
    search_fields = ("email", "name")
    readonly_fields = ("token_hash", "created_at", "accepted_at", "accepted_by", "invited_by")


@admin.register(SignupDomain)
class SignupDomainAdmin(AuditedAdmin):
    list_display = ("domain",)
    search_fields = ("domain",)


@admin.register(MentorApplication)
class MentorApplicationAdmin(AuditedAdmin):
    list_display = ("applicant", "status", "capacity", "created_at", "decided_by", "decided_at")
    list_filter = ("status", "created_at")
    search_fields = ("applicant__email", "applicant__name", "motivation")
    readonly_fields = ("created_at", "decided_at", "decided_by")
    filter_horizontal = ("expertise",)


@admin.register(Block)
class BlockAdmin(AuditedAdmin):
    list_display = ("blocker", "blocked", "created_at")
    search_fields = ("blocker__email", "blocked__email")
    list_filter = ("created_at",)
    raw_id_fields = ("blocker", "blocked")


class ReadOnlyAdmin(AdminRoleOnly, admin.ModelAdmin):
    """Admins look; the rows change through the services (or never)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the trail cannot be edited or deleted from the admin."""

    list_display = ("created_at", "actor_repr", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("actor_repr", "target_repr", "reason")
    date_hierarchy = "created_at"
