"""Occurrences on the organiser's wall clock, across daylight-saving changes, seen from
other zones; rules refused when they cannot be read or would not end."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from calendar_app import fields, recurrence, selectors
from tests.calendar_app.factories import event_data, make_event
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TORONTO = zoneinfo.ZoneInfo("America/Toronto")
NOW = datetime(2027, 1, 10, tzinfo=UTC)


def expand(**data):
    cleaned = fields.clean(event_data(**data), now=NOW)

    class Row:  # the fields as an event row has them
        pk = 1
        cancelled_at = None
        title = cleaned.title
        time_zone = cleaned.time_zone
        start_date = cleaned.start_date
        start_time = cleaned.start_time
        duration = cleaned.duration
        rrule = cleaned.rrule
        all_day = cleaned.all_day

        class occurrences:  # noqa: N801
            @staticmethod
            def all():
                return []

    return cleaned, Row()


def test_weekly_session_stays_at_18_in_paris_across_both_changes():
    cleaned, row = expand(start="2027-03-16T18:00", end="2027-03-16T19:00",
                          rrule="FREQ=WEEKLY;COUNT=40")
    found = recurrence.instances([row], datetime(2027, 3, 1, tzinfo=UTC),
                                 datetime(2027, 12, 31, tzinfo=UTC))
    assert len(found) == 40
    assert {i.starts_at.astimezone(PARIS).strftime("%H:%M") for i in found} == {"18:00"}
    # Paris moves to summer time on 2027-03-28 and back on 2027-10-31.
    by_day = {i.starts_at.astimezone(PARIS).date().isoformat(): i for i in found}
    assert by_day["2027-03-23"].starts_at.hour == 17  # 18:00 CET is 17:00 UTC
    assert by_day["2027-03-30"].starts_at.hour == 16  # 18:00 CEST is 16:00 UTC
    assert by_day["2027-11-02"].starts_at.hour == 17


def test_toronto_sees_the_paris_session_move_when_only_one_zone_has_changed():
    """North America changes on 2027-03-14 and 2027-11-07, Europe on 03-28 and 10-31."""
    _cleaned, row = expand(start="2027-03-02T18:00", end="2027-03-02T19:00",
                           rrule="FREQ=WEEKLY;UNTIL=20271130T000000Z")
    found = recurrence.instances([row], datetime(2027, 3, 1, tzinfo=UTC),
                                 datetime(2027, 12, 1, tzinfo=UTC))
    toronto = {i.starts_at.astimezone(PARIS).date().isoformat():
               i.starts_at.astimezone(TORONTO).strftime("%H:%M") for i in found}
    assert toronto["2027-03-09"] == "12:00"  # both on winter time: six hours apart
    assert toronto["2027-03-16"] == "13:00"  # Toronto changed, Paris not yet: five
    assert toronto["2027-03-30"] == "12:00"  # both on summer time
    assert toronto["2027-11-02"] == "13:00"  # Paris back on winter time, Toronto not yet
    assert toronto["2027-11-09"] == "12:00"


def test_monthly_on_the_second_tuesday():
    _cleaned, row = expand(start="2027-01-12T18:00", end="2027-01-12T19:00",
                           rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=4")
    found = recurrence.instances([row], datetime(2027, 1, 1, tzinfo=UTC),
                                 datetime(2028, 1, 1, tzinfo=UTC))
    assert [i.start_date.isoformat() for i in found] == [
        "2027-01-12", "2027-02-09", "2027-03-09", "2027-04-13"]


def test_every_other_week_starts_on_its_first_date():
    """A rule on Tuesdays with a Monday start begins on the first Tuesday."""
    cleaned, _row = expand(start="2027-03-01T18:00", end="2027-03-01T19:00",
                           rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3")
    assert cleaned.start_date.isoformat() == "2027-03-02"
    assert cleaned.series_ends_at == datetime(2027, 3, 30, 17, 0, tzinfo=UTC)


def test_a_rule_without_end_is_cut_to_the_window():
    cleaned, row = expand(rrule="FREQ=DAILY")
    assert cleaned.series_ends_at is None
    found = recurrence.instances([row], datetime(2027, 3, 1, tzinfo=UTC),
                                 datetime(2037, 3, 1, tzinfo=UTC), limit=500)
    assert len(found) == 500


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=WEEKLY;COUNT=10000", "at most 1000 times"),
    ("FREQ=MINUTELY", "daily, weekly, monthly or yearly"),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20270401T000000Z", "not both"),
    ("FREQ=WEEKLY;BYHOUR=9,10", "cannot use BYHOUR"),
    ("NOT A RULE", "cannot be read"),
    ("FREQ=DAILY;UNTIL=20330101T000000Z", "at most 1000 times"),
])
def test_rules_refused_with_a_reason(rule, message):
    with pytest.raises(ValidationError, match=message):
        fields.clean(event_data(rrule=rule), now=NOW)


@pytest.mark.parametrize(("data", "message"), [
    ({"end": "2027-03-02T17:00"}, "end after it starts"),
    ({"end": "2037-03-02T17:00"}, "at most 31 days"),
    ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
    ({"start": "2027-03-28T02:30", "end": "2027-03-28T04:00"}, "does not exist"),
    ({"title": "  "}, "title cannot be empty"),
    ({"start": "tomorrow"}, "YYYY-MM-DD"),
    ({"start": "2040-03-02T18:00", "end": "2040-03-02T19:00"}, "10 years after"),
])
def test_bad_fields_refused_with_a_reason(data, message):
    with pytest.raises(ValidationError, match=message):
        fields.clean(event_data(**data), now=NOW)


def test_a_time_that_happens_twice_is_the_first():
    cleaned = fields.clean(event_data(start="2027-10-31T02:30", end="2027-10-31T03:30"),
                           now=NOW)
    assert cleaned.starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # CEST, +02:00


def test_an_occurrence_in_the_spring_gap_moves_forward_by_the_gap():
    _cleaned, row = expand(start="2027-03-21T02:30", end="2027-03-21T03:00",
                           rrule="FREQ=WEEKLY;COUNT=2")
    second = recurrence.instances([row], datetime(2027, 3, 1, tzinfo=UTC),
                                  datetime(2027, 4, 1, tzinfo=UTC))[1]
    assert second.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2027-03-28 03:30"


@pytest.mark.django_db
def test_agenda_shows_a_series_from_the_database(django_capture_on_commit_callbacks):
    ana, bea = UserFactory(), UserFactory()
    room = make_room(ana, bea)
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room, start="2027-03-02T18:00", end="2027-03-02T19:00",
                           rrule="FREQ=WEEKLY;COUNT=4")
    march = selectors.agenda(bea, datetime(2027, 3, 1, tzinfo=UTC),
                             datetime(2027, 4, 1, tzinfo=UTC))
    assert [i.start_date.day for i in march] == [2, 9, 16, 23]
    assert all(i.event.pk == event.pk for i in march)
    outsider = UserFactory()
    assert selectors.agenda(outsider, datetime(2027, 3, 1, tzinfo=UTC),
                            datetime(2027, 4, 1, tzinfo=UTC)) == []
