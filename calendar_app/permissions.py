"""Who may see or do what with calendars: the only place these rules live.

A room's calendar follows the room (rooms.permissions), asked now, at every read: who may
not see the room gets the same 404 as for an event that does not exist, and a removed
member loses the room's events at once (her agenda, her feed, her reminders). Her agenda,
feed and busy times hold her rooms only (`events_on_her_calendar`): an admin reading a
pair's room through break-glass sees its calendar page, never its events in her own. Proposing
an event, answering one and changing one need the right to post in the room: nothing
changes in an archived room or, in a pair room, across a block. The author changes her
own events; the room's owners and moderators change any. Admins see no room they are not
a member of.

Feeds: every member has one (calendar programs read it with its secret and no session);
`access_feed` answers one 404 for a wrong or revoked secret and a deactivated member.

Booking: a mentor opens her hours (the mentor role); her mentees in an active mentorship
book them, and other members only if she allows first conversations (calendar_app.hooks
asks mentoring which room a pair meets in).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from calendar_app import hooks
from calendar_app.models import Booking, BookingSettings, Event, MemberCalendar
from community import permissions as community_permissions
from community.models import User
from community.permissions import Viewer
from rooms import permissions as room_permissions
from rooms.models import Membership, Room


def can_view(user: Viewer, room: Room) -> bool:
    return room_permissions.can_view_room(user, room)


def can_propose(user: Viewer, room: Room) -> bool:
    return room_permissions.can_post(user, room)


def can_edit(user: Viewer, event: Event) -> bool:
    """The author edits or cancels her own events; owners and moderators any. A booked
    session is the mentor's alone to move or cancel (her booker cancels the booking)."""
    if event.is_cancelled or not room_permissions.can_post(user, event.room):
        return False
    booked_with = (Booking.objects.filter(event=event, status=Booking.Status.BOOKED)
                   .values_list("mentor_id", flat=True).first())
    if booked_with is not None:  # a booked session: the mentor's time, hers to move
        return booked_with == getattr(user, "pk", None)
    return (event.created_by_id == getattr(user, "pk", None)
            or room_permissions.can_moderate(user, event.room))


def can_answer(user: Viewer, event: Event) -> bool:
    """RSVP: a member who may post in the room."""
    return not event.is_cancelled and room_permissions.can_post(user, event.room)


def can_see_answers(user: Viewer, event: Event) -> bool:
    """Who answered what: every member of the room."""
    return can_view(user, event.room)


def reminded_in(room_ids: Iterable[int]) -> QuerySet[Membership]:
    """Who is reminded of a room's events: whoever may see the room now (`can_view` for
    many rooms at once, one query). Her "not going" is the sweeper's to read."""
    return room_permissions.memberships_viewing(room_ids)


def invitation_withheld_from(event: Event) -> set[int]:
    """The members an event's invitation is never e-mailed to: those a block stands
    between with its organiser, either way (the e-mail names her). One query."""
    if event.created_by_id is None:
        return set()
    return community_permissions.blocked_either_way(event.created_by_id)


def events_visible_to(user: Viewer) -> QuerySet[Event]:
    """Every event of every room she may read now, an admin's break-glass rooms included
    (cancelled ones too: callers filter). For a room's own calendar page."""
    return Event.objects.filter(room__in=room_permissions.rooms_visible_to(user))


def events_on_her_calendar(user: Viewer) -> QuerySet[Event]:
    """Every event of every room she is a member of now (cancelled ones too: callers
    filter): her agenda, her private feed, her busy times. Never a room an admin reads
    through break-glass: the feed goes to calendar programs outside the site, and a
    pair's sessions are not her time."""
    if not community_permissions.is_member(user):
        return Event.objects.none()
    return Event.objects.filter(room__memberships__user_id=int(user.pk or 0))


def access_event(user: Viewer, event_id: int | str) -> Event:
    """The event, if she may see it now; else the one 404 of a missing event."""
    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        raise Http404("No such event.") from None
    event = (Event.objects.select_related("room", "created_by")
             .filter(pk=pk, cancelled_at__isnull=True).first())
    if event is None or not can_view(user, event.room):
        raise Http404("No such event.")
    return event


def access_room(user: Viewer, room_id: int | str) -> Room:
    return room_permissions.access_room(user, room_id)


# --- Feeds ----------------------------------------------------------------------------
def can_have_feed(user: Viewer) -> bool:
    """Every member has calendar settings and may have a private feed."""
    return community_permissions.is_member(user)


def access_feed(token_digest: str) -> User:
    """The member whose feed has this sha256 (calendar_app.services.settings), if she is
    still a member; else the one 404. One indexed query whatever the token, and the
    digest found is compared in constant time, so a wrong token and a revoked one take
    the same path."""
    row = (MemberCalendar.objects.select_related("user")
           .filter(feed_token_hash=token_digest).exclude(feed_token_hash="").first())  # nosec B106  # not a password: a hash that matches no token
    stored = row.feed_token_hash if row is not None else "0" * 64
    if not hmac.compare_digest(stored.encode(), token_digest.encode()) or row is None \
            or not can_have_feed(row.user):
        raise Http404("No such feed.")
    return row.user


# --- Booking --------------------------------------------------------------------------
def can_open_hours(user: Viewer) -> bool:
    """A mentor publishes bookable hours."""
    return community_permissions.is_member(user) and bool(getattr(user, "is_mentor", False))


def booking_way(booker: Viewer, mentor: User) -> tuple[str, Room | None]:
    """Whether `booker` may book `mentor`'s hours, and where they would meet:
    ("mentorship", their room) for a mentee in an active mentorship, ("first", None) for
    a first conversation (she allows them; their direct room is opened when booked), or
    ("", None) when she may not."""
    if (not community_permissions.is_member(booker) or not mentor.is_active
            or getattr(booker, "pk", None) == mentor.pk
            or community_permissions.is_blocked_between(booker, mentor)):  # type: ignore[arg-type]
        return "", None
    settings = BookingSettings.objects.filter(mentor=mentor, enabled=True).first()
    if settings is None:
        return "", None
    room = hooks.mentorship_room(mentor, booker)  # type: ignore[arg-type]
    if room is not None:
        return ("mentorship", room) if room_permissions.can_post(booker, room) else ("", None)
    if settings.first_conversations and room_permissions.can_open_direct(booker, mentor):
        return "first", None
    return "", None


def can_book(booker: Viewer, mentor: User) -> bool:
    return booking_way(booker, mentor)[0] != ""


def can_cancel_booking(user: Viewer, booking: Booking) -> bool:
    return (booking.status == Booking.Status.BOOKED
            and getattr(user, "pk", None) in (booking.mentor_id, booking.booker_id))


def can_say_outcome(user: Viewer, booking: Booking) -> bool:
    """Either of the two says whether a booked session took place."""
    return getattr(user, "pk", None) in (booking.mentor_id, booking.booker_id)
