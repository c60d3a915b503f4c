"""Rooms in the Django admin: who is in which room, never what they wrote.

Admins see no private content of rooms they are not members of, so messages are not in
the admin at all; membership changes made here land in the audit log.
"""

from __future__ import annotations

from django.contrib import admin

from community.admin import AdminRoleOnly, AuditedAdmin
from rooms.models import Connection, Membership, Room


class MembershipInline(AdminRoleOnly, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "joined_at")
    readonly_fields = ("joined_at",)


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = ("__str__", "kind", "created_by", "created_at", "archived_at", "last_seq")
    list_filter = ("kind", "archived_at", "created_at")
    search_fields = ("name", "topic", "memberships__user__email")
    readonly_fields = ("direct_key", "last_seq", "last_rev", "created_at")
    raw_id_fields = ("created_by",)
    inlines = [MembershipInline]


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
