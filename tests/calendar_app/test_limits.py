"""What a member cannot make the calendar do: far dates and rules that would make the
server search for ever, a booked session moved by someone else, an agenda cut that
hides events, a lost booking race that leaves a room behind, a deadlock between two
cancellations, a series made longer by "this and following", an occurrence moved out of
reach."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.utils import timezone

from calendar_app import availability, fields, selectors
from calendar_app.models import Booking, Event
from calendar_app.services import booking as booking_services
from calendar_app.services import events as event_services
from rooms import services as room_services
from rooms.models import Room
from tests.calendar_app.factories import event_data, make_event
from tests.calendar_app.test_booking import first_free, open_hours
from tests.community.factories import MentorFactory, UserFactory
from tests.mentoring.factories import active
from tests.rooms.factories import make_room


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def circle():
    ana, bea = UserFactory(), UserFactory()
    room = make_room(ana, bea)
    event = make_event(ana, room, title="Weekly", rrule="FREQ=WEEKLY;COUNT=6")
    return ana, bea, room, event


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["view=month&date=9999-12-31", "view=day&date=9999-12-31",
                                   "view=month&date=0001-01-01", "view=list&date=0001-01-01"])
def test_agenda_far_dates_answer_without_a_server_error(circle, query):
    _ana, bea, _room, _event = circle
    assert client_of(bea).get(f"/calendar/?{query}").status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("stamp", ["00010101T000000Z", "9999-12-31T23:00:00-05:00"])
def test_event_page_far_occurrence_key_answers_without_a_server_error(circle, stamp):
    _ana, bea, _room, event = circle
    response = client_of(bea).get(f"/calendar/events/{event.pk}/",
                                  {"occurrence": f"{event.pk}-{stamp}"})
    assert response.status_code < 500


@pytest.mark.django_db
def test_booking_a_far_start_is_a_sentence_not_a_server_error():
    mentor, mentee = MentorFactory(), UserFactory()
    active(mentee, mentor)
    open_hours(mentor)
    response = client_of(mentee).post(f"/mentors/{mentor.pk}/book/",
                                      {"starts_at": "9999-12-31T23:00:00-05:00"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_rule_until_year_9999_is_a_validation_error():
    with pytest.raises(ValidationError, match="ends within 10 years"):
        fields.clean(event_data(rrule="FREQ=DAILY;UNTIL=99991231T235959Z"))


@pytest.mark.parametrize("rule", [
    "FREQ=DAILY;INTERVAL=366;BYMONTH=2;BYMONTHDAY=29",  # first date in 2508
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # no date at all
])
def test_a_rule_whose_first_date_is_past_ten_years_is_refused(rule):
    with pytest.raises(ValidationError, match="no date in the next 10 years"):
        fields.clean(event_data(rrule=rule))


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=WEEKLY;BYDAY=2TU", "monthly or yearly"),
    ("FREQ=MONTHLY;BYDAY=+6MO", "monthly or yearly"),
    ("FREQ=DAILY;BYSETPOS=1", "position"),
    ("FREQ=MONTHLY;BYMONTHDAY=0", "between 1 and 31"),
    ("FREQ=YEARLY;BYMONTH=13", "between 1 and 12"),
    ("FREQ=WEEKLY;COUNT=400;INTERVAL=52", "ends within 10 years"),
])
def test_rules_calendar_programs_would_read_differently_are_refused(rule, message):
    with pytest.raises(ValidationError, match=message):
        fields.clean(event_data(rrule=rule))


@pytest.mark.django_db
def test_only_the_mentor_moves_a_booked_session(monkeypatch):
    """Her mentee owns their room too, but the booked time is the mentor's."""
    from calendar_app import invitations
    monkeypatch.setattr(invitations, "send_soon", lambda *a, **k: None)
    mentor, mentee = MentorFactory(), UserFactory()
    active(mentee, mentor)
    open_hours(mentor)  # 08:00-20:00 Paris
    booking = booking_services.book(booker=mentee, mentor_id=mentor.pk,
                                    starts_at=first_free(mentor).starts_at)
    day = booking.starts_at.astimezone(ZoneInfo("Europe/Paris")).date() + timedelta(days=2)
    with pytest.raises(PermissionDenied):
        event_services.event_update(user=mentee, event_id=booking.event_id, data={
            "title": "x", "time_zone": "Europe/Paris", "video_call": True,
            "start": f"{day}T03:00", "end": f"{day}T04:00"})
    booking.refresh_from_db()
    assert booking.starts_at.astimezone(ZoneInfo("Europe/Paris")).hour != 3


@pytest.mark.django_db
def test_agenda_cap_keeps_every_event_on_the_first_day(settings):
    """60 daily events over 40 days is past the cap: the answer is cut at a time, and
    every event is there before it."""
    settings.CALENDAR_WRITE_LIMIT = 1000
    ana = UserFactory()
    room = make_room(ana)
    events = [make_event(ana, room, title=f"Daily {n}", rrule="FREQ=DAILY")
              for n in range(60)]
    start = timezone.datetime(2027, 3, 1, tzinfo=timezone.UTC)
    found = selectors.agenda(ana, start, start + timedelta(days=40))
    first_day = {i.event.pk for i in found if i.starts_at < start + timedelta(days=2)}
    assert first_day == {e.pk for e in events}


@pytest.mark.django_db
def test_a_first_conversation_lost_to_a_race_opens_no_room(monkeypatch):
    from calendar_app import invitations
    monkeypatch.setattr(invitations, "send_soon", lambda *a, **k: None)
    mentor, winner, loser = MentorFactory(), UserFactory(), UserFactory()
    open_hours(mentor, first_conversations="on")
    slot = first_free(mentor)
    real = availability.slot_check

    def checked_then_taken(*args, **kwargs):
        found = real(*args, **kwargs)
        monkeypatch.setattr(booking_services.availability, "slot_check", real)
        booking_services.book(booker=winner, mentor_id=mentor.pk, starts_at=slot.starts_at)
        return found

    monkeypatch.setattr(booking_services.availability, "slot_check", checked_then_taken)
    rooms_before = Room.objects.count()
    with pytest.raises(ValidationError):
        booking_services.book(booker=loser, mentor_id=mentor.pk, starts_at=slot.starts_at)
    assert Room.objects.count() == rooms_before + 1  # the winner's room only


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_booking_cancel_and_event_cancel_at_once_do_not_deadlock(monkeypatch):
    """Both lock the room first, then the event, then the booking: one waits for the
    other, neither fails."""
    from calendar_app import invitations
    monkeypatch.setattr(invitations, "send_soon", lambda *a, **k: None)
    mentor, mentee = MentorFactory(), UserFactory()
    active(mentee, mentor)
    open_hours(mentor)
    booking = booking_services.book(booker=mentee, mentor_id=mentor.pk,
                                    starts_at=first_free(mentor).starts_at)
    both = threading.Barrier(2, timeout=10)
    real_lock = room_services.room_lock
    roles: dict[int, str] = {}

    def room_lock(*, room_id):
        if roles.get(threading.get_ident()) == "booking":
            both.wait()  # both are about to lock: the room decides who goes first
        else:
            both.wait()
        return real_lock(room_id=room_id)

    monkeypatch.setattr(room_services, "room_lock", room_lock)
    errors: list[BaseException] = []

    def run(role, action):
        roles[threading.get_ident()] = role
        try:
            action()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("booking", lambda: booking_services.booking_cancel(
            user=mentee, booking_id=booking.pk))),
        threading.Thread(target=run, args=("event", lambda: event_services.event_cancel(
            user=mentor, event_id=booking.event_id))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # The second to get the room finds it done already and says so; nothing failed.
    assert len(errors) <= 1
    assert all(isinstance(error, ValidationError | Http404) for error in errors), errors
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    assert Event.objects.get(pk=booking.event_id).cancelled_at is not None


@pytest.mark.django_db
def test_this_and_following_keeps_the_series_length():
    """The form offers what is left of a counted series (3 of 6), so saving it as it is
    keeps six meetings."""
    import re
    ana = UserFactory()
    room = make_room(ana)
    event = make_event(ana, room, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=6")  # from 2 March 2027
    key = f"{event.pk}-20270323T170000Z"  # the 4th
    html = client_of(ana).get(f"/calendar/events/{event.pk}/edit/",
                              {"scope": "following", "occurrence": key}).content.decode()
    assert re.search(r'name="count" value="(\d*)"', html).group(1) == "3"


@pytest.mark.django_db
def test_one_occurrence_moves_at_most_a_month_and_stays_reachable(circle):
    ana, _bea, _room, event = circle
    key = f"{event.pk}-20270309T170000Z"
    client = client_of(ana)
    far = client.post(f"/calendar/events/{event.pk}/edit/", {
        "scope": "this", "occurrence": key, "title": "Far",
        "start": "2027-06-10T18:00", "end": "2027-06-10T19:00", "time_zone": "Europe/Paris"})
    assert far.status_code == 400 and "moves at most 31 days" in far.content.decode()
    moved = client.post(f"/calendar/events/{event.pk}/edit/", {
        "scope": "this", "occurrence": key, "title": "Later",
        "start": "2027-04-07T18:00", "end": "2027-04-07T19:00", "time_zone": "Europe/Paris"})
    assert moved.status_code == 302
    again = client.get(f"/calendar/events/{event.pk}/edit/", {"scope": "this", "occurrence": key})
    assert again.status_code == 200 and 'value="2027-04-07T18:00"' in again.content.decode()


@pytest.mark.django_db
def test_cancelling_this_and_following_ends_the_series_and_invites_no_one_to_a_new_one(
        circle, monkeypatch):
    from calendar_app import invitations
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(invitations, "send_soon",
                        lambda event, *, method, by=None: sent.append((event.pk, method)))
    ana, _bea, _room, event = circle
    events_before = Event.objects.count()
    response = client_of(ana).post(f"/calendar/events/{event.pk}/cancel", {
        "scope": "following", "occurrence": f"{event.pk}-20270323T170000Z"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert Event.objects.count() == events_before
    assert event.rrule == "FREQ=WEEKLY;UNTIL=20270316T170000Z"  # the last one left
    start = timezone.datetime(2027, 3, 1, tzinfo=timezone.UTC)
    assert len(selectors.agenda(ana, start, start + timedelta(days=60))) == 3
    assert sent == [(event.pk, "request")]
