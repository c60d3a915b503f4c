"""Answering an event: going, maybe, not going (for the whole series)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_app import permissions
from calendar_app.changes import publish_change
from calendar_app.models import Event, Rsvp
from calendar_app.services.events import limited
from community.models import User
from rooms import services as room_services


def rsvp_set(*, user: User, event_id: int, answer: object) -> Rsvp:
    """Her answer; answering again replaces it. The room hears the new counts."""
    if answer not in Rsvp.Answer.values:
        raise ValidationError(_("Answer going, maybe or not going."))
    event = permissions.access_event(user, event_id)
    if not permissions.can_answer(user, event):
        raise PermissionDenied(_("You cannot answer this event."))
    limited(user)
    with transaction.atomic():
        room = room_services.room_lock(room_id=event.room_id)
        event = Event.objects.select_for_update().get(pk=event.pk)
        event.room = room
        if not permissions.can_answer(user, event):
            raise PermissionDenied(_("You cannot answer this event."))
        rsvp, created = Rsvp.objects.get_or_create(
            event=event, user=user, defaults={"answer": str(answer)})
        if not created and rsvp.answer == answer:
            return rsvp
        rsvp.answer = str(answer)
        rsvp.answered_at = timezone.now()
        rsvp.save()
        event.rev = room_services.rev_take(room=room)
        event.save(update_fields=["rev"])
        publish_change(event)
    return rsvp
