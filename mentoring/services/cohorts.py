"""Group mentoring: a mentor with chosen mentees in one group room."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.audit import audit_record
from community.models import User
from community.permissions import is_blocked_between
from mentoring import permissions
from rooms.models import Room
from rooms.services import room_create_group


def cohort_create(
    *, actor: User, mentor: User, mentees: Iterable[User], name: str, topic: str = ""
) -> Room:
    """The mentor owns the room; an admin who creates it for her does not join it."""
    if not permissions.can_lead_cohort(actor, mentor):
        raise PermissionDenied
    chosen = [m for m in dict.fromkeys(mentees) if m.pk != mentor.pk]
    if not chosen:
        raise ValidationError({"mentees": _("Choose at least one mentee.")})
    blocked = [m.name for m in chosen if is_blocked_between(mentor, m) or not m.is_active]
    if blocked:
        raise ValidationError({"mentees": _("These members cannot join this mentor's cohort: "
                                            "%(names)s") % {"names": ", ".join(blocked)}})
    with transaction.atomic():
        room = room_create_group(creator=mentor, name=name, topic=topic, members=chosen)
        if actor.pk != mentor.pk:
            audit_record(actor=actor, action="cohort.create", target=room,
                         mentor=mentor.pk, mentees=[m.pk for m in chosen])
    return room
