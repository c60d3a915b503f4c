"""Reminders of events with a frozen clock: at the times she chose (1 day and 15 minutes
before by default), in her zone, once, never for what is cancelled or for a member who
left the room or is not going, caught up after a short outage and never sent late."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendar_app import permissions, reminders
from calendar_app.models import MemberCalendar, ReminderSent
from calendar_app.reminders import reminders_sweep
from calendar_app.services import answers
from calendar_app.services import events as event_services
from community.models import Block
from notifications.models import Notification, Preference
from rooms import services as room_services
from rooms.models import Room
from tests.calendar_app.factories import make_event
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

# A weekly circle on Tuesdays at 18:00 in Paris from 2 March 2027 (17:00 UTC until Paris
# changes to summer time on 28 March; Toronto changes on 14 March).
FIRST = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
DAY = timedelta(days=1)
QUARTER = timedelta(minutes=15)


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def circle() -> Iterator[dict[str, Any]]:
    """Ana runs a weekly circle with Bea and Cy; the same three have a one-off "Sentinel"
    at the circle's first time in another room, which shows that a sweep ran."""
    with at(FIRST - 30 * DAY):
        ana, bea, cy = (UserFactory(name=name) for name in ("Ana", "Bea", "Cy"))
        room = make_room(ana, bea, cy, name="Circle")
        series = make_event(ana, room, rrule="FREQ=WEEKLY;COUNT=5")
        other = make_room(ana, bea, cy, name="Other")
        sentinel = make_event(ana, other, title="Sentinel")
    yield {"ana": ana, "bea": bea, "cy": cy, "room": room, "series": series,
           "sentinel": sentinel}


def sweep(capture: Any, moment: datetime) -> int:
    """One sweep at `moment`, its e-mails sent (the task backend runs them at once)."""
    with at(moment), capture(execute=True):
        return reminders_sweep()


def told() -> list[tuple[str, str, str]]:
    """(member, title, when) of every reminder in the notification centre, in order."""
    return [(n.user.name, n.params["title"], n.params["when"]) for n in
            Notification.objects.filter(kind="event_reminder").select_related("user")
            .order_by("pk")]


def titles_for(name: str) -> list[str]:
    return [title for member, title, _ in told() if member == name]


def test_a_day_and_a_quarter_of_an_hour_before_each_occurrence_by_default(
        circle, django_capture_on_commit_callbacks, mailoutbox):
    assert sweep(django_capture_on_commit_callbacks, FIRST - DAY - timedelta(seconds=1)) == 0
    assert told() == [] and mailoutbox == []

    assert sweep(django_capture_on_commit_callbacks, FIRST - DAY) == 6
    when = "2027-03-02 17:00 (UTC)"  # members without a zone see the server's
    assert sorted(told()) == sorted(
        (name, title, when) for name in ("Ana", "Bea", "Cy")
        for title in ("Mentoring circle", "Sentinel"))
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [circle[name].email for name in ("ana", "bea", "cy")] * 2)
    assert all("Mentoring circle" in m.body or "Sentinel" in m.body for m in mailoutbox)

    assert sweep(django_capture_on_commit_callbacks, FIRST - QUARTER) == 6
    assert len(told()) == 12 and len(mailoutbox) == 12

    # The next week's occurrence, a day before: its own link.
    assert sweep(django_capture_on_commit_callbacks, FIRST + WEEK - DAY) == 3
    latest = Notification.objects.filter(user=circle["bea"]).order_by("-pk").first()
    assert latest is not None
    assert latest.params == {"title": "Mentoring circle", "when": "2027-03-09 17:00 (UTC)"}
    assert latest.url == (f"/calendar/events/{circle['series'].pk}/"
                          f"?occurrence={circle['series'].pk}-20270309T170000Z")


def test_her_own_choices(circle, django_capture_on_commit_callbacks):
    MemberCalendar.objects.create(user=circle["bea"], reminders=[60])
    MemberCalendar.objects.create(user=circle["cy"], reminders=[])

    sweep(django_capture_on_commit_callbacks, FIRST - DAY)
    assert sorted({name for name, _, _ in told()}) == ["Ana"]
    sweep(django_capture_on_commit_callbacks, FIRST - timedelta(hours=1))
    assert sorted(titles_for("Bea")) == ["Mentoring circle", "Sentinel"]
    sweep(django_capture_on_commit_callbacks, FIRST - QUARTER)
    assert len(titles_for("Ana")) == 4 and len(titles_for("Bea")) == 2
    assert titles_for("Cy") == []


def test_at_the_start_goes_within_a_minute_of_it_and_never_later(
        circle, django_capture_on_commit_callbacks):
    MemberCalendar.objects.create(user=circle["bea"], reminders=[0])
    MemberCalendar.objects.create(user=circle["cy"], reminders=[0])
    assert sweep(django_capture_on_commit_callbacks, FIRST - timedelta(seconds=1)) == 0
    sweep(django_capture_on_commit_callbacks, FIRST + timedelta(seconds=30))
    assert sorted(titles_for("Bea")) == ["Mentoring circle", "Sentinel"]
    # The next week, the sweeper is back 2 minutes after the start: too late.
    MemberCalendar.objects.filter(user=circle["bea"]).update(reminders=[0, 15])
    sweep(django_capture_on_commit_callbacks, FIRST + WEEK - QUARTER)
    assert sweep(django_capture_on_commit_callbacks, FIRST + WEEK + timedelta(minutes=2)) == 0
    assert titles_for("Bea").count("Mentoring circle") == 2
    assert titles_for("Cy").count("Mentoring circle") == 1


def test_none_twice_however_often_it_sweeps(circle, django_capture_on_commit_callbacks,
                                            mailoutbox):
    assert sweep(django_capture_on_commit_callbacks, FIRST - DAY) == 6
    assert sweep(django_capture_on_commit_callbacks, FIRST - DAY) == 0
    assert sweep(django_capture_on_commit_callbacks, FIRST - DAY + timedelta(minutes=5)) == 0
    assert len(told()) == 6 and len(mailoutbox) == 6
    assert ReminderSent.objects.count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_reminder_once(circle, mailoutbox):
    mailoutbox.clear()  # the invitations of the circle and the sentinel
    start = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(reminders_sweep(now=FIRST - DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 6 and len(results) == 2
    assert len(told()) == 6 and len(mailoutbox) == 6


def test_none_for_a_cancelled_occurrence(circle, django_capture_on_commit_callbacks):
    with at(FIRST - 10 * DAY):
        event_services.occurrence_cancel(user=circle["ana"], event_id=circle["series"].pk,
                                         recurrence_id=FIRST)
    sweep(django_capture_on_commit_callbacks, FIRST - DAY)
    sweep(django_capture_on_commit_callbacks, FIRST - QUARTER)
    assert {title for _, title, _ in told()} == {"Sentinel"}
    # The series goes on.
    sweep(django_capture_on_commit_callbacks, FIRST + WEEK - DAY)
    assert titles_for("Bea").count("Mentoring circle") == 1


def test_none_for_a_cancelled_event(circle, django_capture_on_commit_callbacks):
    with at(FIRST - 10 * DAY):
        event_services.event_cancel(user=circle["ana"], event_id=circle["series"].pk)
    sweep(django_capture_on_commit_callbacks, FIRST - DAY)
    assert {title for _, title, _ in told()} == {"Sentinel"}


def test_none_for_a_member_who_left_the_room_or_is_not_going(
        circle, django_capture_on_commit_callbacks):
    with at(FIRST - 10 * DAY):
        room_services.member_remove(actor=circle["ana"], room=circle["room"], user=circle["cy"])
        answers.rsvp_set(user=circle["bea"], event_id=circle["series"].pk, answer="not_going")
    sweep(django_capture_on_commit_callbacks, FIRST - DAY)
    assert sorted(titles_for("Ana")) == ["Mentoring circle", "Sentinel"]
    assert titles_for("Bea") == ["Sentinel"]
    assert titles_for("Cy") == ["Sentinel"]

    # "Maybe" is still reminded.
    with at(FIRST - DAY + timedelta(minutes=1)):
        answers.rsvp_set(user=circle["bea"], event_id=circle["series"].pk, answer="maybe")
    sweep(django_capture_on_commit_callbacks, FIRST - QUARTER)
    assert titles_for("Bea").count("Mentoring circle") == 1


def test_a_moved_occurrence_reminds_at_its_new_time(circle, django_capture_on_commit_callbacks):
    second = FIRST + WEEK
    with at(FIRST):
        event_services.occurrence_change(
            user=circle["ana"], event_id=circle["series"].pk, recurrence_id=second,
            data={"start": "2027-03-10T19:00", "end": "2027-03-10T20:00"})
    moved = datetime(2027, 3, 10, 18, 0, tzinfo=UTC)  # 19:00 in Paris

    assert sweep(django_capture_on_commit_callbacks, second - DAY) == 0
    assert sweep(django_capture_on_commit_callbacks, second - QUARTER) == 0
    assert sweep(django_capture_on_commit_callbacks, moved - DAY) == 3
    assert sweep(django_capture_on_commit_callbacks, moved - QUARTER) == 3
    assert {when for _, _, when in told()} == {"2027-03-10 18:00 (UTC)"}
    assert Notification.objects.filter(url__endswith="-20270309T170000Z").count() == 6


def test_a_short_outage_is_caught_up(circle, django_capture_on_commit_callbacks):
    sweep(django_capture_on_commit_callbacks, FIRST - DAY - timedelta(minutes=1))
    # Down for 5 minutes: the day-before reminders go out when it returns.
    assert sweep(django_capture_on_commit_callbacks, FIRST - DAY + timedelta(minutes=4)) == 6


def test_none_once_the_meeting_has_started(circle, django_capture_on_commit_callbacks):
    MemberCalendar.objects.create(user=circle["bea"], reminders=[5])
    sweep(django_capture_on_commit_callbacks, FIRST - timedelta(minutes=6))
    # Down from 16:54 to 17:00:30 (or 17:02): her 5-minute reminder (16:55) is within the
    # grace, but the meeting has started.
    assert sweep(django_capture_on_commit_callbacks, FIRST + timedelta(seconds=30)) == 0
    assert sweep(django_capture_on_commit_callbacks, FIRST + timedelta(minutes=2)) == 0
    assert titles_for("Bea") == []


def test_a_long_outage_drops_what_is_late(circle, django_capture_on_commit_callbacks, settings):
    with at(FIRST - 30 * DAY):
        make_event(circle["ana"], circle["room"], title="Tomorrow",
                              start="2027-03-03T17:00", end="2027-03-03T18:00")
    starts = datetime(2027, 3, 3, 16, 0, tzinfo=UTC)
    assert sweep(django_capture_on_commit_callbacks, FIRST - timedelta(hours=1, minutes=30)) == 0
    # Down for 2 hours: the circle's quarter-hour reminder (16:45) belongs to a meeting
    # that has started, and "Tomorrow"'s day-before one (16:00) is 90 minutes late.
    back = FIRST + timedelta(minutes=30)
    assert sweep(django_capture_on_commit_callbacks, back) == 0
    assert told() == []
    # What comes after is sent on time.
    assert sweep(django_capture_on_commit_callbacks, starts - QUARTER) == 3
    assert {title for _, title, _ in told()} == {"Tomorrow"}
    # The grace is a setting: with 3 hours, "Tomorrow"'s late one would have gone.
    settings.CALENDAR_REMINDER_GRACE = 3 * 3600
    Notification.objects.all().delete()
    ReminderSent.objects.all().delete()
    assert sweep(django_capture_on_commit_callbacks, back) == 3
    assert {title for _, title, _ in told()} == {"Tomorrow"}


def test_the_time_is_hers(circle, django_capture_on_commit_callbacks):
    profile = circle["bea"].profile
    profile.time_zone = "America/Toronto"
    profile.save()
    sweep(django_capture_on_commit_callbacks, FIRST - DAY)
    # 18:00 in Paris is 12:00 in Toronto on 2 March...
    assert ("Bea", "Mentoring circle", "2027-03-02 12:00 (America/Toronto)") in told()
    # ...and 13:00 on 16 March, when Toronto has moved to summer time and Paris not yet.
    sweep(django_capture_on_commit_callbacks, FIRST + 2 * WEEK - QUARTER)
    assert ("Bea", "Mentoring circle", "2027-03-16 13:00 (America/Toronto)") in told()
    assert ("Ana", "Mentoring circle", "2027-03-16 17:00 (UTC)") in told()


def test_e_mail_follows_her_preference_and_her_calendar_switch(
        circle, django_capture_on_commit_callbacks, mailoutbox):
    MemberCalendar.objects.create(user=circle["bea"], reminder_email=False)
    Preference.objects.create(user=circle["cy"], kind="event_reminder", in_app=True,
                              email=False)
    sweep(django_capture_on_commit_callbacks, FIRST - DAY)
    assert len(told()) == 6
    assert sorted({m.to[0] for m in mailoutbox}) == [circle["ana"].email]


def test_who_is_reminded_is_who_may_see_the_room_now():
    member, other, blocked, admin = (UserFactory(), UserFactory(), UserFactory(),
                                     AdminFactory())
    room = make_room(member, blocked, kind=Room.Kind.ONE_TO_ONE)
    Block.objects.create(blocker=member, blocked=blocked)
    reminded = {m.user_id for m in permissions.reminded_in([room.pk])}
    assert reminded == {member.pk, blocked.pk}  # a block leaves the room visible to both
    assert other.pk not in reminded and admin.pk not in reminded
    for user in (member, other, blocked, admin):
        assert (user.pk in reminded) == permissions.can_view(user, room)
    blocked.is_active = False
    blocked.save()
    assert {m.user_id for m in permissions.reminded_in([room.pk])} == {member.pk}


def test_a_sweep_reads_as_much_for_many_rooms_as_for_one():
    def build(rooms: int) -> None:
        with at(FIRST - 30 * DAY):
            for number in range(rooms):
                people = [UserFactory() for _ in range(3)]
                room = make_room(*people, name=f"Room {number}")
                MemberCalendar.objects.create(user=people[1], reminders=[30])
                make_event(people[0], room, rrule="FREQ=WEEKLY;COUNT=5")

    def queries() -> int:
        # Occurrences ahead, their members and settings read, nothing due.
        with at(FIRST - DAY + timedelta(hours=1)), CaptureQueriesContext(connection) as seen:
            assert reminders_sweep() == 0
        return len(seen)

    build(1)
    one = queries()
    build(6)
    assert queries() == one


def test_a_sweep_expands_a_bounded_number_of_occurrences(
        circle, django_capture_on_commit_callbacks, monkeypatch, caplog):
    monkeypatch.setattr(reminders, "MAX_OCCURRENCES", 1)
    with caplog.at_level("WARNING", logger="calendar_app.reminders"):
        assert sweep(django_capture_on_commit_callbacks, FIRST - DAY) == 3
    assert "occurrences ahead" in caplog.text


def test_the_command_sweeps_once(circle, capsys):
    with at(FIRST - DAY):
        call_command("calendar_sweep")
    assert "6 event reminders sent" in capsys.readouterr().out


def test_the_reminder_opens_its_occurrence(circle, django_capture_on_commit_callbacks, client):
    sweep(django_capture_on_commit_callbacks, FIRST + WEEK - DAY)
    reminder = Notification.objects.get(user=circle["bea"], kind="event_reminder")
    with at(FIRST + WEEK - DAY):
        client.force_login(circle["bea"])
        page = client.get(reminder.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mentoring circle" in text and "no longer in the calendar" not in text
