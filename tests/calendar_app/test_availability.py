"""A mentor's free slots: her hours on her own clock across daylight-saving changes, seen
from another zone; exceptions; notice and window; what she already has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendar_app import availability
from calendar_app.models import AvailabilityException, AvailabilityWindow, Booking, BookingSettings
from tests.calendar_app.factories import make_event
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

PARIS, TORONTO = ZoneInfo("Europe/Paris"), ZoneInfo("America/Toronto")
TUESDAY = 1


@dataclass
class Window:
    weekday: int
    start: time
    end: time


@dataclass
class Exception_:
    date: date
    start: time | None = None
    end: time | None = None


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_tuesday_evenings_in_paris_stay_at_18_in_paris_and_move_for_toronto():
    # Toronto changes on 14 March 2027, Paris on 28 March.
    slots = availability.slots_between(
        where=PARIS, windows=[Window(TUESDAY, time(18), time(20))], exceptions=[],
        slot_minutes=60, start=utc(2027, 3, 1), end=utc(2027, 4, 7))
    paris = sorted({s.starts_at.astimezone(PARIS).strftime("%H:%M") for s in slots})
    assert paris == ["18:00", "19:00"]
    firsts = {s.starts_at.astimezone(TORONTO).date().isoformat():
              s.starts_at.astimezone(TORONTO).strftime("%H:%M")
              for s in slots if s.local_start.hour == 18}
    assert firsts == {"2027-03-02": "12:00", "2027-03-09": "12:00",
                      "2027-03-16": "13:00", "2027-03-23": "13:00",
                      "2027-03-30": "12:00", "2027-04-06": "12:00"}
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in slots)


def test_a_slot_the_clock_skips_is_left_out_and_a_repeated_one_is_the_first():
    sunday = 6
    spring = availability.slots_between(
        where=PARIS, windows=[Window(sunday, time(1), time(4))], exceptions=[],
        slot_minutes=60, start=utc(2027, 3, 27), end=utc(2027, 3, 29))
    assert [s.local_start.strftime("%H:%M") for s in spring] == ["01:00", "03:00"]
    autumn = availability.slots_between(
        where=PARIS, windows=[Window(sunday, time(2), time(3))], exceptions=[],
        slot_minutes=30, start=utc(2027, 10, 30), end=utc(2027, 11, 1))
    # 02:00 happens twice on 31 October 2027: the first (summer time, UTC+2) is meant.
    assert [s.starts_at for s in autumn] == [utc(2027, 10, 31, 0, 0), utc(2027, 10, 31, 0, 30)]


def test_a_day_off_and_a_day_with_other_hours():
    windows = [Window(d, time(9), time(11)) for d in range(7)]
    exceptions = [Exception_(date(2027, 5, 4)),  # a day off
                  Exception_(date(2027, 5, 5), time(14), time(15))]
    slots = availability.slots_between(
        where=PARIS, windows=windows, exceptions=exceptions, slot_minutes=60,
        start=utc(2027, 5, 3, 22), end=utc(2027, 5, 6, 22))
    days: dict[str, list[str]] = {}
    for slot in slots:
        days.setdefault(slot.local_start.date().isoformat(), []).append(
            slot.local_start.strftime("%H:%M"))
    assert days == {"2027-05-05": ["14:00"], "2027-05-06": ["09:00", "10:00"]}


def test_busy_time_takes_every_slot_it_touches():
    slots = availability.slots_between(
        where=PARIS, windows=[Window(TUESDAY, time(9), time(13))], exceptions=[],
        slot_minutes=60, start=utc(2027, 5, 3), end=utc(2027, 5, 5))
    # 09:30-10:15 Paris (UTC+2) overlaps 09:00 and 10:00; 12:00-12:00 touches none.
    busy = [(utc(2027, 5, 4, 7, 30), utc(2027, 5, 4, 8, 15)),
            (utc(2027, 5, 4, 10, 0), utc(2027, 5, 4, 10, 0))]
    kept = availability.free(slots, busy)
    assert [s.local_start.strftime("%H:%M") for s in kept] == ["11:00", "12:00"]


@pytest.mark.django_db
class TestFreeSlots:
    @pytest.fixture
    def mentor(self):
        mentor = MentorFactory(name="Nadia")
        BookingSettings.objects.create(mentor=mentor, time_zone="Europe/Paris", slot_minutes=60,
                                       window_days=14, notice_hours=24)
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(mentor=mentor, weekday=d, start=time(9), end=time(12))
            for d in range(7))
        return mentor

    def test_notice_and_window_bound_what_she_offers(self, mentor):
        now = utc(2027, 5, 3, 8)  # 10:00 in Paris, a Monday
        slots = availability.free_slots(mentor, now=now)
        # 24 hours' notice: 09:00 tomorrow is too soon, 10:00 is the first.
        assert slots[0].local_start == datetime(2027, 5, 4, 10)
        assert slots[0].starts_at == utc(2027, 5, 4, 8)
        # 14 days ahead: 10:00 on the 17th is the last start.
        assert slots[-1].local_start == datetime(2027, 5, 17, 10)
        assert len(slots) == 2 + 12 * 3 + 2

    def test_her_bookings_and_her_events_are_taken_others_are_not(self, mentor):
        now = utc(2027, 5, 3, 10)
        mentee, other = UserFactory(), UserFactory()
        room = make_room(mentor, mentee, other, name="Pair")
        Booking.objects.create(mentor=mentor, booker=mentee, starts_at=utc(2027, 5, 5, 7),
                               ends_at=utc(2027, 5, 5, 8))
        make_event(mentor, room, start="2027-05-06T10:30", end="2027-05-06T11:15")
        make_event(other, room, start="2027-05-07T09:00", end="2027-05-07T12:00")
        free = {s.local_start for s in availability.free_slots(
            mentor, start=utc(2027, 5, 5), end=utc(2027, 5, 8), now=now)}
        assert datetime(2027, 5, 5, 9) not in free  # booked
        assert {datetime(2027, 5, 6, 10), datetime(2027, 5, 6, 11)}.isdisjoint(free)  # hers
        assert datetime(2027, 5, 7, 9) in free  # someone else's, and she has not answered

    def test_an_event_she_said_she_goes_to_is_taken(self, mentor):
        from calendar_app.services import answers

        other = UserFactory()
        room = make_room(other, mentor, name="Cohort")
        event = make_event(other, room, start="2027-05-07T09:00", end="2027-05-07T10:00")
        answers.rsvp_set(user=mentor, event_id=event.pk, answer="going")
        free = {s.local_start for s in availability.free_slots(
            mentor, start=utc(2027, 5, 7), end=utc(2027, 5, 8), now=utc(2027, 5, 3))}
        assert datetime(2027, 5, 7, 9) not in free and datetime(2027, 5, 7, 10) in free

    def test_a_day_off_in_the_database(self, mentor):
        AvailabilityException.objects.create(mentor=mentor, date=date(2027, 5, 6))
        days = {s.local_start.date() for s in availability.free_slots(
            mentor, now=utc(2027, 5, 3, 10))}
        assert date(2027, 5, 6) not in days and date(2027, 5, 7) in days

    def test_closed_hours_offer_nothing(self, mentor):
        BookingSettings.objects.filter(mentor=mentor).update(enabled=False)
        assert availability.free_slots(mentor, now=utc(2027, 5, 3)) == []
