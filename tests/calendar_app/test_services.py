"""Writing calendars: who may propose, change, cancel and answer (member, non-member,
blocked pair member, admin who is not a member, the author and the room's moderators);
each change takes the room's next rev, raises the event's SEQUENCE where calendars must
hear it, and rings the room after commit; catch-up tells the same; a removed member's
agenda drops the room; "this and following" keeps the earlier occurrences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from calendar_app import changes, selectors
from calendar_app.models import Event, Occurrence, Rsvp
from calendar_app.services import answers
from calendar_app.services import events as event_services
from rooms import catchup
from rooms import services as room_services
from rooms.models import Membership, Room
from tests.calendar_app.factories import event_data, make_event
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

MARCH = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))


@pytest.fixture
def published(monkeypatch):
    """The room events the calendar publishes, recorded when their transaction commits."""
    sent: list[dict] = []
    monkeypatch.setattr(changes.protocol, "publish", lambda room_id, event: transaction.on_commit(
        lambda: sent.append(event)))
    return sent


@pytest.fixture
def group():
    ana, bea, mod = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Mo")
    room = make_room(ana, bea, mod, name="Circle")
    Membership.objects.filter(room=room, user=mod).update(role=Membership.Role.MODERATOR)
    return ana, bea, mod, room


def test_a_member_proposes_and_the_room_hears_it_after_commit(
        group, published, django_capture_on_commit_callbacks):
    ana, bea, _mod, room = group
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(bea, room, rrule="FREQ=WEEKLY;COUNT=3")
        assert published == []  # nothing before commit
    room.refresh_from_db()
    assert (event.rev, room.last_rev, event.sequence, event.created_by) == (1, 1, 0, bea)
    assert [(e["type"], e["rev"], e["event"]["id"]) for e in published] == [
        ("calendar.changed", 1, event.pk)]
    assert published[0]["event"] == selectors.event_payload(
        selectors.room_events(room.pk).get(pk=event.pk))
    assert [i.start_date.isoformat() for i in selectors.agenda(ana, *MARCH)] == [
        "2027-03-02", "2027-03-09", "2027-03-16"]


def test_nothing_is_stored_or_heard_for_bad_input(group, published,
                                                   django_capture_on_commit_callbacks):
    _ana, bea, _mod, room = group
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        make_event(bea, room, end="2027-03-02T17:00")
    assert (Event.objects.count(), published) == (0, [])


def test_outsiders_get_404_and_a_blocked_pair_member_may_not_propose_or_answer(group):
    ana, bea, _mod, room = group
    event = make_event(ana, room)
    for outsider in (UserFactory(), AdminFactory()):
        with pytest.raises(Http404):
            make_event(outsider, room)
        with pytest.raises(Http404):
            answers.rsvp_set(user=outsider, event_id=event.pk, answer="going")
        with pytest.raises(Http404):
            event_services.event_cancel(user=outsider, event_id=event.pk)
        assert selectors.agenda(outsider, *MARCH) == []
    pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
    meeting = make_event(ana, pair, title="Our session")
    BlockFactory(blocker=ana, blocked=bea)
    with pytest.raises(PermissionDenied):
        make_event(bea, pair)
    with pytest.raises(PermissionDenied):
        answers.rsvp_set(user=bea, event_id=meeting.pk, answer="going")
    with pytest.raises(PermissionDenied):
        event_services.event_cancel(user=ana, event_id=meeting.pk)
    assert [i.title for i in selectors.agenda(bea, *MARCH)] == [
        "Mentoring circle", "Our session"]  # she still sees both
    assert not Rsvp.objects.filter(user=bea).exists()
    assert not Event.objects.filter(cancelled_at__isnull=False).exists()


def test_the_author_and_moderators_change_an_event_other_members_do_not(group):
    ana, bea, mod, room = group
    event = make_event(bea, room)
    cy = UserFactory(name="Cy")
    Membership.objects.create(room=room, user=cy, role=Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        event_services.event_update(user=cy, event_id=event.pk, data=event_data(title="Mine"))
    updated = event_services.event_update(user=bea, event_id=event.pk,
                                          data=event_data(title="Renamed"))
    assert (updated.title, updated.sequence) == ("Renamed", 1)
    for manager in (ana, mod):  # the owner and a moderator
        updated = event_services.event_update(
            user=manager, event_id=event.pk, data=event_data(title=f"By {manager.name}"))
    assert (updated.title, updated.sequence) == ("By Mo", 3)
    event_services.event_cancel(user=mod, event_id=event.pk)
    event.refresh_from_db()
    assert event.is_cancelled and event.sequence == 4


def test_each_change_takes_the_next_rev_and_raises_the_sequence_when_calendars_care(
        group, published, django_capture_on_commit_callbacks):
    ana, bea, _mod, room = group
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room, rrule="FREQ=WEEKLY;COUNT=4")
        answers.rsvp_set(user=bea, event_id=event.pk, answer="maybe")
        event_services.occurrence_change(
            user=ana, event_id=event.pk,
            recurrence_id=datetime(2027, 3, 9, 17, tzinfo=UTC),
            data={"start": "2027-03-10T18:00", "end": "2027-03-10T19:00"})
        event_services.occurrence_cancel(
            user=ana, event_id=event.pk, recurrence_id=datetime(2027, 3, 16, 17, tzinfo=UTC))
    event.refresh_from_db()
    assert [(e["rev"], e["event"]["sequence"], e["event"]["rsvp"]["maybe"])
            for e in published] == [(1, 0, 0), (2, 0, 1), (3, 1, 1), (4, 2, 1)]
    assert event.rev == 4 and event.sequence == 2
    assert [i.start_date.isoformat() for i in selectors.agenda(bea, *MARCH)] == [
        "2027-03-02", "2027-03-10", "2027-03-23"]


def test_answering_again_replaces_the_answer_and_a_bad_one_is_refused(group):
    _ana, bea, _mod, room = group
    event = make_event(bea, room)
    answers.rsvp_set(user=bea, event_id=event.pk, answer="going")
    answers.rsvp_set(user=bea, event_id=event.pk, answer="not_going")
    with pytest.raises(ValidationError):
        answers.rsvp_set(user=bea, event_id=event.pk, answer="perhaps")
    assert list(Rsvp.objects.values_list("answer", flat=True)) == ["not_going"]
    event.refresh_from_db()
    assert selectors.rsvp_counts(event) == {"going": 0, "maybe": 0, "not_going": 1}
    assert [u.name for u in selectors.not_answered(event)] == ["Ana", "Mo"]


def test_catch_up_returns_what_changed_after_a_rev(group):
    ana, bea, _mod, room = group
    first = make_event(ana, room, title="First")
    second = make_event(ana, room, title="Second")
    answers.rsvp_set(user=bea, event_id=first.pk, answer="going")
    events, too_many, head = catchup.events_after(bea, room.pk, second.rev)
    assert (too_many, head) == (False, 3)
    assert [(e["type"], e["rev"], e["event"]["title"], e["event"]["rsvp"]["going"])
            for e in events] == [("calendar.changed", 3, "First", 2)]  # Ana (author) and Bea
    outsider = UserFactory()
    with pytest.raises(catchup.NotVisible):
        catchup.events_after(outsider, room.pk, 0)


def test_a_removed_member_s_agenda_drops_the_room_at_once(group):
    ana, bea, _mod, room = group
    make_event(ana, room, title="Circle meeting")
    assert [i.title for i in selectors.agenda(bea, *MARCH)] == ["Circle meeting"]
    room_services.member_remove(actor=ana, room=room, user=bea)
    assert selectors.agenda(bea, *MARCH) == []
    assert [i.title for i in selectors.agenda(ana, *MARCH)] == ["Circle meeting"]


def test_this_and_following_keeps_the_earlier_occurrences(group, published,
                                                        django_capture_on_commit_callbacks):
    ana, bea, _mod, room = group
    event = make_event(ana, room, title="Weekly", rrule="FREQ=WEEKLY;COUNT=5")
    event_services.occurrence_change(
        user=ana, event_id=event.pk, recurrence_id=datetime(2027, 3, 9, 17, tzinfo=UTC),
        data={"title": "Moved", "start": "2027-03-09T20:00", "end": "2027-03-09T21:00"})
    with django_capture_on_commit_callbacks(execute=True):
        following = event_services.series_split(
            user=ana, event_id=event.pk, recurrence_id=datetime(2027, 3, 16, 17, tzinfo=UTC),
            data=event_data(title="Later", start="2027-03-16T19:00", end="2027-03-16T20:00",
                            rrule="FREQ=WEEKLY;COUNT=3"))
    event.refresh_from_db()
    assert following.split_from_id == event.pk and event.sequence == 2
    assert [(e["event"]["id"], e["rev"]) for e in published] == [
        (event.pk, following.rev - 1), (following.pk, following.rev)]
    seen = [(i.title, i.starts_at.strftime("%m-%d %H:%M"))
            for i in selectors.agenda(bea, *MARCH)]
    assert seen == [("Weekly", "03-02 17:00"), ("Moved", "03-09 19:00"),
                    ("Later", "03-16 18:00"), ("Later", "03-23 18:00"),
                    ("Later", "03-30 17:00")]
    assert Occurrence.objects.filter(event=event).count() == 1  # the move before the split
    with pytest.raises(ValidationError):
        event_services.occurrence_cancel(user=ana, event_id=event.pk,
                                         recurrence_id=datetime(2027, 3, 23, 17, tzinfo=UTC))
