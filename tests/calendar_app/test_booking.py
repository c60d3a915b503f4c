"""Booking a mentor's time: who may, what a booking makes (an event in their room, the
invitation), bad input that stores nothing, two people racing for one slot, cancelling,
and a session that took place reaching the mentorship's log once."""

from __future__ import annotations

import threading
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from calendar_app import availability, invitations
from calendar_app.models import AvailabilityWindow, Booking, BookingSettings, Event
from calendar_app.permissions import booking_way, can_book, can_open_hours
from calendar_app.services import booking as booking_services
from calendar_app.services import events as event_services
from mentoring.models import Session
from rooms.models import Room
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory
from tests.mentoring.factories import active

SETTINGS = {"time_zone": "Europe/Paris", "slot_minutes": "60", "window_days": "28",
            "notice_hours": "2", "enabled": "on"}


def open_hours(mentor, **changes):
    booking_services.booking_settings_update(user=mentor, data={**SETTINGS, **changes})
    booking_services.windows_set(user=mentor, windows=[
        {"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)])


@pytest.fixture
def invited(monkeypatch):
    """The invitations queued (event id, method), in order."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(invitations, "send_soon",
                        lambda event, *, method, by=None: sent.append((event.pk, method)))
    return sent


def first_free(mentor):
    """Her first free time an hour clear of the notice: a slot right at the notice's edge
    would leave it while a slow test runs."""
    clear = timezone.now() + timedelta(hours=availability.settings_of(mentor).notice_hours + 1)
    return next(slot for slot in availability.free_slots(mentor) if slot.starts_at >= clear)


def counts():
    return (Booking.objects.count(), Event.objects.count(), Room.objects.count(),
            list(BookingSettings.objects.values_list("slot_minutes", "time_zone")),
            list(AvailabilityWindow.objects.values_list("weekday", "start", "end")))


@pytest.mark.django_db
class TestWho:
    def test_the_permission_matrix(self):
        mentor = MentorFactory(name="Nadia", capacity=3)
        open_hours(mentor)
        mentee, stranger, blocked = UserFactory(), UserFactory(), UserFactory()
        admin = AdminFactory()
        mentorship = active(mentee, mentor)
        BlockFactory(blocker=mentor, blocked=blocked)
        assert booking_way(mentee, mentor) == ("mentorship", mentorship.room)
        assert [can_book(u, mentor) for u in (stranger, blocked, admin, mentor)] == [
            False, False, False, False]
        BookingSettings.objects.filter(mentor=mentor).update(first_conversations=True)
        assert booking_way(stranger, mentor) == ("first", None)
        assert booking_way(admin, mentor) == ("first", None)
        assert [can_book(u, mentor) for u in (blocked, mentor)] == [False, False]
        BookingSettings.objects.filter(mentor=mentor).update(enabled=False)
        assert not can_book(mentee, mentor)
        assert [can_open_hours(u) for u in (mentor, mentee, admin)] == [True, False, False]

    def test_who_may_not_book_gets_not_found_and_nothing_is_stored(self):
        mentor = MentorFactory()
        open_hours(mentor)
        slot = first_free(mentor)
        for who in (UserFactory(), AdminFactory(), mentor):
            before = counts()
            with pytest.raises(Http404):
                booking_services.book(booker=who, mentor_id=mentor.pk, starts_at=slot.starts_at)
            assert counts() == before

    def test_only_a_mentor_opens_hours(self):
        for who in (UserFactory(), AdminFactory()):
            with pytest.raises(PermissionDenied):
                booking_services.booking_settings_update(user=who, data=SETTINGS)
            with pytest.raises(PermissionDenied):
                booking_services.windows_set(user=who, windows=[])
        assert not BookingSettings.objects.exists()


@pytest.mark.django_db
class TestBook:
    def test_her_mentee_books_a_video_call_in_their_room_both_invited(
            self, invited, django_capture_on_commit_callbacks):
        mentor = MentorFactory(name="Nadia Mentor")
        mentee = UserFactory(name="Bea Chen")
        room = active(mentee, mentor).room
        open_hours(mentor)
        slot = first_free(mentor)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            booking = booking_services.book(booker=mentee, mentor_id=mentor.pk,
                                            starts_at=slot.starts_at.isoformat())
        event = booking.event
        assert (event.room_id, event.title, event.video_call, event.time_zone,
                event.starts_at, event.duration, event.created_by) == (
            room.pk, "Mentoring session: Nadia & Bea", True, "Europe/Paris",
            slot.starts_at, timedelta(hours=1), mentor)
        assert invited == [(event.pk, "request")]
        assert callbacks  # calendar.changed rang the room
        assert slot.starts_at not in {s.starts_at for s in availability.free_slots(mentor)}

    def test_a_first_conversation_opens_their_direct_room(self, invited):
        mentor, member = MentorFactory(), UserFactory()
        open_hours(mentor, first_conversations="on")
        booking = booking_services.book(booker=member, mentor_id=mentor.pk,
                                        starts_at=first_free(mentor).starts_at)
        assert booking.event.room.kind == Room.Kind.DIRECT
        assert set(booking.event.room.memberships.values_list("user_id", flat=True)) == {
            mentor.pk, member.pk}

    @pytest.mark.parametrize(("when", "message"), [
        (lambda s: s.starts_at + timedelta(minutes=20), "not one of her free times"),
        (lambda s: timezone.now() - timedelta(hours=1), "in the past"),
        (lambda s: timezone.now() + timedelta(minutes=30), "outside her booking window"),
        (lambda s: s.starts_at + timedelta(days=40), "outside her booking window"),
        (lambda s: "tomorrow at ten", "not one of her free times"),
        (lambda s: s.starts_at.replace(tzinfo=None).isoformat(), "not one of her free times"),
    ])
    def test_a_time_that_is_not_free_is_refused_and_nothing_stored(self, invited, when,
                                                                    message):
        mentor, mentee = MentorFactory(), UserFactory()
        active(mentee, mentor)
        open_hours(mentor)
        slot = first_free(mentor)
        before = counts()
        with pytest.raises(ValidationError, match=message):
            booking_services.book(booker=mentee, mentor_id=mentor.pk, starts_at=when(slot))
        assert counts() == before and invited == []

    def test_outside_her_hours(self):
        mentor, mentee = MentorFactory(), UserFactory()
        active(mentee, mentor)
        open_hours(mentor)
        slot = first_free(mentor)
        night = slot.starts_at.replace(hour=2) + timedelta(days=2)  # 03:00 or 04:00 in Paris
        with pytest.raises(ValidationError, match="not one of her free times"):
            booking_services.book(booker=mentee, mentor_id=mentor.pk, starts_at=night)
        assert not Booking.objects.exists()

    def test_a_slot_taken_since_the_page_showed_it_is_just_taken(self, invited):
        mentor, first, second = MentorFactory(capacity=2), UserFactory(), UserFactory()
        active(first, mentor)
        active(second, mentor)
        open_hours(mentor)
        slot = first_free(mentor)
        booking_services.book(booker=first, mentor_id=mentor.pk, starts_at=slot.starts_at)
        with pytest.raises(ValidationError, match="just taken"):
            booking_services.book(booker=second, mentor_id=mentor.pk, starts_at=slot.starts_at)
        assert Booking.objects.count() == 1


@pytest.mark.django_db
class TestSettings:
    def test_bad_settings_change_nothing(self):
        mentor = MentorFactory()
        open_hours(mentor)
        before = counts()
        for changes, message in [
            ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
            ({"slot_minutes": "10"}, "between 15 and 240"),
            ({"slot_minutes": "ten"}, "whole number"),
            ({"window_days": "91"}, "between 1 and 90"),
            ({"notice_hours": "200"}, "between 0 and 168"),
        ]:
            with pytest.raises(ValidationError, match=message):
                booking_services.booking_settings_update(user=mentor,
                                                         data={**SETTINGS, **changes})
        for windows, message in [
            ([{"weekday": 1, "start": "10:00", "end": "12:00"},
              {"weekday": 1, "start": "11:00", "end": "13:00"}], "overlap"),
            ([{"weekday": 1, "start": "12:00", "end": "10:00"}], "end after they start"),
            ([{"weekday": 7, "start": "10:00", "end": "12:00"}], "between 0 and 6"),
            ([{"weekday": 1, "start": "noon", "end": "13:00"}], "HH:MM"),
            ([{"weekday": d % 7, "start": f"{h:02d}:00", "end": f"{h:02d}:30"}
              for d in range(7) for h in range(5)], "At most 30"),
        ]:
            with pytest.raises(ValidationError, match=message):
                booking_services.windows_set(user=mentor, windows=windows)
        assert counts() == before

    def test_exceptions_are_added_and_removed_by_her_only(self):
        mentor, other = MentorFactory(), MentorFactory()
        day = timezone.localdate() + timedelta(days=3)
        off = booking_services.exception_add(user=mentor, day=day.isoformat())
        hours = booking_services.exception_add(user=mentor, day=day, start="10:00", end="11:00")
        assert (off.start, hours.start, hours.end) == (None, time(10), time(11))
        with pytest.raises(ValidationError, match="both times"):
            booking_services.exception_add(user=mentor, day=day, start="10:00")
        with pytest.raises(Http404):
            booking_services.exception_remove(user=other, exception_id=off.pk)
        booking_services.exception_remove(user=mentor, exception_id=off.pk)
        assert list(mentor.availability_exceptions.all()) == [hours]


@pytest.mark.django_db
class TestAfterBooking:
    @pytest.fixture
    def booked(self, invited):
        mentor, mentee = MentorFactory(name="Nadia"), UserFactory(name="Bea")
        active(mentee, mentor)
        open_hours(mentor)
        booking = booking_services.book(booker=mentee, mentor_id=mentor.pk,
                                        starts_at=first_free(mentor).starts_at)
        invited.clear()
        return booking

    @pytest.mark.parametrize("who", ["mentor", "booker"])
    def test_either_cancels_the_event_goes_too_and_the_slot_is_free(self, booked, invited, who):
        user = getattr(booked, who)
        booking_services.booking_cancel(user=user, booking_id=booked.pk)
        booked.refresh_from_db()
        booked.event.refresh_from_db()
        assert booked.status == "cancelled" and booked.event.is_cancelled
        assert invited == [(booked.event.pk, "cancel")]
        assert booked.starts_at in {s.starts_at for s in availability.free_slots(booked.mentor)}
        with pytest.raises(ValidationError, match="already cancelled"):
            booking_services.booking_cancel(user=user, booking_id=booked.pk)

    def test_someone_else_cannot_touch_it(self, booked):
        stranger = UserFactory()
        with pytest.raises(Http404):
            booking_services.booking_cancel(user=stranger, booking_id=booked.pk)
        with pytest.raises(Http404):
            booking_services.outcome_set(user=stranger, booking_id=booked.pk, outcome="held",
                                         now=booked.ends_at)
        booked.refresh_from_db()
        assert (booked.status, booked.outcome) == ("booked", "")

    def test_held_is_logged_in_the_mentorship_once(self, booked):
        with pytest.raises(ValidationError, match="once its time has come"):
            booking_services.outcome_set(user=booked.booker, booking_id=booked.pk,
                                         outcome="held")
        assert not Session.objects.exists()
        after = booked.starts_at + timedelta(minutes=5)
        booking_services.outcome_set(user=booked.booker, booking_id=booked.pk, outcome="held",
                                     now=after)
        booking_services.outcome_set(user=booked.mentor, booking_id=booked.pk,
                                     outcome="not_held", now=after)
        booking_services.outcome_set(user=booked.mentor, booking_id=booked.pk, outcome="held",
                                     now=after)
        session = Session.objects.get()
        assert (session.minutes, session.topics, session.booking_id) == (
            60, "Mentoring session: Nadia & Bea", booked.pk)
        with pytest.raises(ValidationError, match="whether it happened"):
            booking_services.outcome_set(user=booked.mentor, booking_id=booked.pk,
                                         outcome="maybe", now=after)

    def test_not_held_logs_nothing(self, booked):
        booking_services.outcome_set(user=booked.mentor, booking_id=booked.pk,
                                     outcome="not_held", now=booked.ends_at)
        assert not Session.objects.exists()


def race(mentor, bookers, starts_at) -> list[str]:
    """Every booker books the same slot at the same moment, each on her own connection."""
    barrier = threading.Barrier(len(bookers))
    outcomes: list[str] = []

    def attempt(booker) -> None:
        try:
            barrier.wait()
            booking_services.book(booker=booker, mentor_id=mentor.pk, starts_at=starts_at)
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append("just taken" if "just taken" in error.messages[0] else
                            error.messages[0])
        except Exception as error:  # noqa: BLE001  (shown in the failure, not hidden)
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(b,)) for b in bookers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)


def _race_on_one_slot(n: int) -> None:
    mentor = MentorFactory()
    open_hours(mentor, first_conversations="on")
    bookers = [UserFactory() for _ in range(n)]
    slot = first_free(mentor)
    assert race(mentor, bookers, slot.starts_at) == ["booked"] + ["just taken"] * (n - 1)
    assert Booking.objects.filter(mentor=mentor, status="booked").count() == 1
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_at_once_exactly_one_gets_the_slot():
    _race_on_one_slot(8)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_at_once_on_postgresql_exactly_one_gets_the_slot():
    _race_on_one_slot(20)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_overlapping_bookings_itself():
    """The exclusion constraint, with the service's checks out of the way."""
    from django.db import IntegrityError, transaction

    mentor, a, b = MentorFactory(), UserFactory(), UserFactory()
    start = timezone.now() + timedelta(days=2)
    Booking.objects.create(mentor=mentor, booker=a, starts_at=start,
                           ends_at=start + timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(mentor=mentor, booker=b, starts_at=start + timedelta(minutes=30),
                               ends_at=start + timedelta(minutes=90))
    Booking.objects.create(mentor=mentor, booker=b, starts_at=start + timedelta(hours=1),
                           ends_at=start + timedelta(hours=2))
    assert Booking.objects.count() == 2


@pytest.mark.django_db
class TestPages:
    @staticmethod
    def client_of(user):
        from django.test import Client

        client = Client()
        client.force_login(user)
        return client

    def test_book_page_in_her_zone_names_the_mentors_and_books(self, invited):
        mentor, mentee = MentorFactory(name="Nadia"), UserFactory(name="Bea")
        mentee.profile.time_zone = "America/Toronto"
        mentee.profile.save(update_fields=["time_zone"])
        active(mentee, mentor)
        open_hours(mentor)
        slot = first_free(mentor)
        client = self.client_of(mentee)
        page = client.get(f"/mentors/{mentor.pk}/book/").content.decode()
        assert "Times in your time zone, America/Toronto." in page
        assert "Nadia is in Europe/Paris." in page
        toronto = slot.starts_at.astimezone(ZoneInfo("America/Toronto"))
        assert f'value="{toronto.isoformat()}"' in page
        assert f'>{toronto:%H:%M}</button>' in page
        answer = client.post(f"/mentors/{mentor.pk}/book/", {"starts_at": toronto.isoformat()})
        booking = Booking.objects.get()
        assert answer.status_code == 302
        assert answer["Location"] == f"/calendar/events/{booking.event_id}/"
        assert booking.starts_at == slot.starts_at
        again = client.post(f"/mentors/{mentor.pk}/book/", {"starts_at": toronto.isoformat()})
        assert again.status_code == 409
        assert "Sorry, this time was just taken." in again.content.decode()
        assert Booking.objects.count() == 1
        mentor_page = self.client_of(mentor).get("/calendar/hours/").content.decode()
        assert "with Bea" in mentor_page and "Cancel this booking" in mentor_page

    def test_the_weekly_hours_editor_saves_rows_and_refuses_overlaps(self):
        mentor = MentorFactory()
        client = self.client_of(mentor)
        client.post("/calendar/hours/", {**SETTINGS, "action": "settings"})
        answer = client.post("/calendar/hours/", {
            "action": "windows", "weekday": ["1", "3", ""], "start": ["09:00", "14:00", ""],
            "end": ["12:00", "16:30", ""]})
        assert answer.status_code == 302
        assert list(AvailabilityWindow.objects.values_list("weekday", "start", "end")) == [
            (1, time(9), time(12)), (3, time(14), time(16, 30))]
        answer = client.post("/calendar/hours/", {
            "action": "windows", "weekday": ["1", "1"], "start": ["09:00", "10:00"],
            "end": ["12:00", "11:00"]}, follow=True)
        assert "Two periods on the same day overlap" in answer.content.decode()
        assert AvailabilityWindow.objects.count() == 2

    def test_only_who_may_book_sees_the_page(self):
        mentor, mentee, stranger = MentorFactory(), UserFactory(), UserFactory()
        active(mentee, mentor)
        open_hours(mentor)
        url = f"/mentors/{mentor.pk}/book/"
        assert self.client_of(mentee).get(url).status_code == 200
        for who in (stranger, AdminFactory(), mentor):
            assert self.client_of(who).get(url).status_code == 404
        assert self.client_of(mentee).get("/calendar/hours/").status_code == 404
        assert self.client_of(mentor).get("/calendar/hours/").status_code == 200


@pytest.mark.django_db
class TestMovedOnTheCalendar:
    """A booked session changed from the calendar keeps its booking true."""

    def test_moved_event_moves_the_booking_and_cancelled_event_frees_it(
            self, invited, django_capture_on_commit_callbacks):
        mentor, mentee = MentorFactory(), UserFactory()
        active(mentee, mentor)
        open_hours(mentor)
        slot = first_free(mentor)
        with django_capture_on_commit_callbacks(execute=True):
            booking = booking_services.book(booker=mentee, mentor_id=mentor.pk,
                                            starts_at=slot.starts_at)
        event = booking.event
        local = slot.starts_at.astimezone(ZoneInfo(event.time_zone)) \
            + timedelta(hours=1)
        end = local + (slot.ends_at - slot.starts_at)
        with django_capture_on_commit_callbacks(execute=True):
            event_services.event_update(user=mentor, event_id=event.pk, data={
                "title": event.title, "time_zone": event.time_zone, "video_call": True,
                "start": local.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M")})
        booking.refresh_from_db()
        assert booking.starts_at == slot.starts_at + timedelta(hours=1)
        with pytest.raises(ValidationError, match="cannot repeat"):
            event_services.event_update(user=mentor, event_id=event.pk, data={
                "title": event.title, "time_zone": event.time_zone, "rrule": "FREQ=WEEKLY",
                "start": local.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M")})
        with django_capture_on_commit_callbacks(execute=True):
            event_services.event_cancel(user=mentor, event_id=event.pk)
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED


@pytest.mark.django_db
def test_weekly_hours_refused_are_shown_as_she_typed_them_and_nothing_is_saved():
    from django.test import Client

    mentor = MentorFactory()
    open_hours(mentor)
    saved = list(AvailabilityWindow.objects.filter(mentor=mentor).values_list("weekday", "start"))
    client = Client()
    client.force_login(mentor)
    response = client.post("/calendar/hours/", {
        "action": "windows", "weekday": ["0", "4"], "start": ["09:00", "15:00"],
        "end": ["11:00", "14:00"]})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Hours end after they start" in page
    for typed in ('value="09:00"', 'value="11:00"', 'value="15:00"', 'value="14:00"'):
        assert typed in page
    assert list(AvailabilityWindow.objects.filter(mentor=mentor).values_list(
        "weekday", "start")) == saved


@pytest.mark.django_db
def test_a_booked_session_says_who_booked_it_and_a_mentor_finds_her_hours(invited):
    from django.test import Client

    mentor, mentee = MentorFactory(name="Nadia Mentor"), UserFactory(name="Bea Chen")
    active(mentee, mentor)
    open_hours(mentor)
    booking = booking_services.book(booker=mentee, mentor_id=mentor.pk,
                                    starts_at=first_free(mentor).starts_at)
    clients = {}
    for person in (mentor, mentee):
        clients[person.pk] = Client()
        clients[person.pk].force_login(person)
    page = clients[mentee.pk].get(f"/calendar/events/{booking.event_id}/").content.decode()
    assert "Booked by" in page and "Bea Chen" in page and "Proposed by" not in page
    assert 'href="/calendar/hours/"' in clients[mentor.pk].get("/calendar/").content.decode()
    assert 'href="/calendar/hours/"' not in clients[mentee.pk].get("/calendar/").content.decode()
