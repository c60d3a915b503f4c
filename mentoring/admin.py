"""Mentoring in the Django admin: statuses and dates, the ending reason meant for the
programme team, and the matching weights. Never the pair's notes, goals or messages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from community.admin import AuditedAdmin, ReadOnlyAdmin
from mentoring.models import MatchWeights, Mentorship


@admin.register(Mentorship)
class MentorshipAdmin(ReadOnlyAdmin):
    """Read-only: the lifecycle moves through the mentoring services only."""

    list_display = ("mentee", "mentor", "status", "created_at", "answered_at", "ended_at",
                    "outcome")
    list_filter = ("status", "outcome", "created_at")
    search_fields = ("mentor__email", "mentor__name", "mentee__email", "mentee__name")
    fields = ("mentee", "mentor", "status", "created_at", "expires_at", "reminded_at",
              "question_at", "answered_at", "ended_at", "ended_by", "outcome", "end_reason")
    readonly_fields = fields


@admin.register(MatchWeights)
class MatchWeightsAdmin(AuditedAdmin):
    """One row of weights; each factor of a recommendation is multiplied by its weight."""

    fields = MatchWeights.FIELDS

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        MatchWeights.current()  # the one row exists before anyone is recommended
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
