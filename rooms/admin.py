"""Rooms in the Django admin: who is in which room, never what they wrote.

Admins see no private content of rooms they are not members of, so messages are not in
the admin at all. Every change to who is in a room, and every archive, goes through the
rooms services, as on Cohort's own pages: the members' open sockets are told
(`rooms.joined`, `rooms.removed`, `rooms.archived`) after commit, the same permission
rules apply and the services write the audit entries. Nothing here saves a membership
or a room's state with the ORM: an existing row's member and role are shown disabled
(changing them would remove one member and add another, telling neither), and rooms are
neither added nor deleted here (their services open them; a deletion would take the
memberships with no event).

A mentoring pair's room and a direct room are their two members' alone: their
memberships are read-only here (no row added, changed or deleted), and a row posted
anyway is refused with a message. An admin who must read one (a report, a safety concern)
opens break-glass access from the room's page here ("Break-glass access"): read-only, time
limited, audited, and both members are told in the room.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from community.admin import AdminRoleOnly, AuditedAdmin
from community.models import User
from rooms import permissions, services
from rooms.models import Connection, Membership, Room

AUDIT_REASON = "Django admin"  # the `reason` of the audit entries the services write


class MembershipForm(forms.ModelForm[Membership]):
    """One row of the inline: a new row picks a member and her role; an existing row only
    shows them (and can be deleted)."""

    class Meta:
        model = Membership
        fields = ("user", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("user", "role"):
                self.fields[name].disabled = True


class MembershipFormSet(BaseInlineFormSet[Membership, Room, forms.ModelForm[Membership]]):
    """The rows of a room's memberships, saved through `rooms.services` as `actor`.

    `clean` asks the permission layer first, so a change the services would refuse is
    shown on the form and nothing is saved (a row added to a direct room, the owner of a
    pair removed). Deleted rows are removed before new rows are added.
    """

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        room, refused = self.instance, []
        if room.kind in permissions.PAIR_KINDS and self._rows_posted():
            raise ValidationError(_("Nobody joins or leaves a mentoring pair's or a direct "
                                    "conversation. To read it, open break-glass access."))
        for form in self.deleted_forms:
            membership = form.instance
            if membership.pk is not None and not permissions.can_remove_member(
                    self.actor, room, membership):
                refused.append(_("You cannot remove %(name)s from this room here.")
                               % {"name": membership.user})
        for form in self.extra_forms:
            user = form.cleaned_data.get("user") if form.has_changed() else None
            if user is not None and form not in self.deleted_forms \
                    and not permissions.can_add_member(self.actor, room, user):
                refused.append(_("You cannot add %(name)s to this room here.")
                               % {"name": user})
        if refused:
            raise ValidationError(refused)

    def _rows_posted(self) -> bool:
        """A new row or a deletion in the posted data, whether the read-only inline drew
        a field for it or not."""
        data = self.data
        total = data.get(f"{self.prefix}-TOTAL_FORMS", "0")
        count = int(total) if str(total).isdigit() else 0
        return any(data.get(f"{self.prefix}-{index}-DELETE")
                   or (data.get(f"{self.prefix}-{index}-user") and not data.get(
                       f"{self.prefix}-{index}-id"))
                   for index in range(min(count, 1000)))

    def save_new(self, form: forms.ModelForm[Membership], commit: bool = True) -> Membership:
        return services.member_add(actor=self.actor, room=self.instance,
                                   user=form.cleaned_data["user"],
                                   role=form.cleaned_data["role"])

    def save_existing(self, form: forms.ModelForm[Membership], obj: Membership,
                      commit: bool = True) -> Membership:
        """An existing row's fields are disabled: nothing of it changes here."""
        return obj

    def delete_existing(self, obj: Membership, commit: bool = True) -> None:
        services.member_remove(actor=self.actor, room=self.instance, user=obj.user,
                               reason=AUDIT_REASON)


class MembershipInline(AdminRoleOnly, admin.TabularInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "joined_at")
    readonly_fields = ("joined_at",)

    # A pair's or a direct room: its two members, shown, never changed here.
    def _pair(self, obj: Any) -> bool:
        return isinstance(obj, Room) and obj.kind in permissions.PAIR_KINDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._pair(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._pair(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._pair(obj) and super().has_delete_permission(request, obj)


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = ("__str__", "kind", "created_by", "created_at", "archived_at", "last_seq")
    list_filter = ("kind", "archived_at", "created_at")
    search_fields = ("name", "topic", "memberships__user__email")
    # The kind decides who may join (a direct room is two people's); archiving is an action.
    readonly_fields = ("kind", "break_glass", "archived_at", "direct_key", "last_seq",
                       "last_rev", "created_at")
    raw_id_fields = ("created_by",)
    inlines = [MembershipInline]
    actions = ["archive_rooms"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Break-glass access"))
    def break_glass(self, obj: Room) -> str:
        """The way to read a pair's or a direct room: never by joining it."""
        if obj.pk is None or obj.kind not in permissions.PAIR_KINDS:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("break_glass", args=[obj.pk]),
                           _("Read this conversation (break-glass access)…"))

    def get_formset_kwargs(self, request: HttpRequest, obj: Any, inline: Any,
                           prefix: str) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, MembershipInline):
            kwargs["actor"] = cast(User, request.user)
        return kwargs

    @admin.action(description=gettext_lazy("Archive the selected rooms"))
    def archive_rooms(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        """Each room through `rooms.services.room_archive`; those it refuses (archived
        already, or a pair's or a direct room, which only their owners archive) are named."""
        actor, archived, refused = cast(User, request.user), 0, []
        for room in queryset:
            try:
                services.room_archive(actor=actor, room=room)
            except PermissionDenied:
                refused.append(str(room))
            else:
                archived += 1
        if archived:
            self.message_user(request, ngettext("%(count)d room archived.",
                                                "%(count)d rooms archived.", archived)
                              % {"count": archived})
        if refused:
            self.message_user(request, _("Not archived (archived already, or not yours to "
                                         "archive): %(rooms)s") % {"rooms": ", ".join(refused)},
                              messages.WARNING)


@admin.register(Connection)
class ConnectionAdmin(AdminRoleOnly, admin.ModelAdmin):
    """Open sockets, for looking into presence; read-only."""

    list_display = ("user", "state", "seen_at", "channel_name")
    list_filter = ("state",)
    search_fields = ("user__email",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
