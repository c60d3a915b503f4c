"""The audit trail of admin actions: one function writes it."""

from __future__ import annotations

from typing import Any

from django.db import models

from community.models import AuditEntry, User


def audit_record(
    *, actor: User | None, action: str, target: models.Model, reason: str = "", **details: Any
) -> AuditEntry:
    """Write one entry, inside the caller's transaction so it lands only if the action does."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_repr=(actor.email if actor else "system")[:254],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:254],
        reason=reason,
        details=details,
    )
