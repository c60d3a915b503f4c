"""Invitations and feeds as calendar programs read them: parsed back with icalendar, and
expanded with recurring-ical-events to the same occurrences as the member's agenda."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime

import icalendar
import pytest
import recurring_ical_events
from django.test import Client

from calendar_app import ics, ics_feed, selectors, tasks
from calendar_app.services import answers
from calendar_app.services import events as event_services
from calendar_app.services import settings as calendar_settings
from notifications.models import Notification, Preference
from rooms import services as room_services
from tests.calendar_app.factories import event_data, make_event
from tests.community.factories import BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TORONTO = zoneinfo.ZoneInfo("America/Toronto")
MARCH_9 = datetime(2027, 3, 9, 17, 0, tzinfo=UTC)  # 18:00 in Paris (winter time)
MARCH_16 = datetime(2027, 3, 16, 17, 0, tzinfo=UTC)


def invitations(mailoutbox, to: str) -> list[tuple[str, icalendar.Calendar]]:
    """(the attachment's method parameter, the calendar) of each invitation to `to`."""
    found = []
    for message in mailoutbox:
        if message.to != [to]:
            continue
        parts = [p for p in message.attachments if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1, message.subject
        assert parts[0].get_filename() == "invite.ics"
        found.append((parts[0].get_param("method"),
                      icalendar.Calendar.from_ical(parts[0].get_content())))
    return found


def vevents(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


@pytest.fixture
def pair():
    ana = UserFactory(name="Ana Ruiz")
    bea = UserFactory(name="Bea Kim")
    bea.profile.time_zone = "America/Toronto"
    bea.profile.save(update_fields=["time_zone"])
    return ana, bea, make_room(ana, bea)


def test_invitation_then_update_then_cancel_replace_each_other(
        pair, django_capture_on_commit_callbacks, mailoutbox):
    ana, bea, room = pair
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room, location="Café Lumière")
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_update(user=ana, event_id=event.pk, data=event_data(
            start="2027-03-02T18:30", end="2027-03-02T19:30", location="Café Lumière"))
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_cancel(user=ana, event_id=event.pk)

    sent = invitations(mailoutbox, bea.email)
    assert [method for method, _cal in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [str(cal["METHOD"]) for _method, cal in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    firsts = [vevents(cal)[0] for _method, cal in sent]
    assert len({str(v["UID"]) for v in firsts}) == 1
    assert str(firsts[0]["UID"]) == event.uid
    sequences = [int(v["SEQUENCE"]) for v in firsts]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert firsts[1]["DTSTART"].dt.strftime("%H:%M") == "18:30"
    assert str(firsts[2]["STATUS"]) == "CANCELLED"
    assert str(firsts[0]["LOCATION"]) == "Café Lumière"
    for _method, cal in sent:  # each carries the definition of the zone it names
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
        assert firsts[0]["DTSTART"].params["TZID"] == "Europe/Paris"
    # Bea reads the time in her zone in the e-mail's text, the organiser's beside it.
    first = next(m for m in mailoutbox if m.to == [bea.email])
    assert "When: March 2, 2027, noon America/Toronto (6 p.m. Europe/Paris)" in first.body


def test_every_member_gets_it_her_answer_written_in_and_the_organiser_in_the_app_no_more(
        pair, django_capture_on_commit_callbacks, mailoutbox):
    ana, bea, room = pair
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ana.email, bea.email])
    # Told in the app: Bea, not Ana who proposed it; and no second, plain e-mail.
    assert list(Notification.objects.filter(kind="event_invitation")
                .values_list("user_id", flat=True)) == [bea.pk]
    assert len(mailoutbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        answers.rsvp_set(user=bea, event_id=event.pk, answer="maybe")
        tasks.invitations_send.enqueue(event_id=event.pk, method="request",
                                       sequence=event.sequence)
    _method, cal = invitations(mailoutbox, bea.email)[-1]
    attendee = vevents(cal)[0]["ATTENDEE"]
    assert str(attendee) == f"mailto:{bea.email}"
    assert attendee.params["PARTSTAT"] == "TENTATIVE"
    # Ana's address is not given away: the organiser is named with the site's address.
    assert ana.email not in cal.to_ical().decode()
    assert vevents(cal)[0]["ORGANIZER"].params["CN"] == "Ana Ruiz"


def test_no_email_for_who_turned_it_off_and_nothing_for_who_left_the_room(
        pair, django_capture_on_commit_callbacks, mailoutbox):
    ana, bea, room = pair
    cleo = UserFactory()
    room_services.member_add(actor=ana, room=room, user=cleo)
    Preference.objects.create(user=bea, kind="event_invitation", in_app=True, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ana.email, cleo.email])
    assert Notification.objects.filter(user=bea, kind="event_invitation").exists()

    room_services.member_remove(actor=ana, room=room, user=cleo)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_update(user=ana, event_id=event.pk,
                                    data=event_data(title="Circle, new time"))
    assert [m.to[0] for m in mailoutbox] == [ana.email]  # the sentinel: the task did run
    assert not Notification.objects.filter(user=cleo, kind="event_invitation") \
        .exclude(params__title="Mentoring circle").exists()


def test_a_request_overtaken_by_a_later_change_sends_nothing_a_cancellation_always_goes(
        pair, django_capture_on_commit_callbacks, mailoutbox):
    ana, _bea, room = pair
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room)
        event_services.event_update(user=ana, event_id=event.pk,
                                    data=event_data(title="Renamed"))
    mailoutbox.clear()
    assert tasks.invitations_send.call(event_id=event.pk, method="request", sequence=0) == 0
    assert tasks.invitations_send.call(event_id=event.pk, method="request", sequence=1) == 2
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_cancel(user=ana, event_id=event.pk)
    mailoutbox.clear()
    assert tasks.invitations_send.call(event_id=event.pk, method="request", sequence=2) == 0
    assert tasks.invitations_send.call(event_id=event.pk, method="cancel", sequence=1) == 2


def _series(ana, room, django_capture_on_commit_callbacks):
    """A weekly 18:00 Paris series across both spring changes (North America on
    2027-03-14, Europe on 03-28), one occurrence cancelled and one moved; and a weekly
    all-day event ending on a date."""
    with django_capture_on_commit_callbacks(execute=True):
        series = make_event(ana, room, rrule="FREQ=WEEKLY;COUNT=8", video_call=True,
                            description="Bring **one** question.")
        event_services.occurrence_cancel(user=ana, event_id=series.pk, recurrence_id=MARCH_9)
        event_services.occurrence_change(user=ana, event_id=series.pk,
                                         recurrence_id=MARCH_16,
                                         data={"start": "2027-03-17T10:00",
                                               "end": "2027-03-17T11:30",
                                               "title": "Circle (Wednesday)"})
        make_event(ana, room, title="Office day", all_day=True, start="2027-03-05",
                   end="2027-03-05", rrule="FREQ=WEEKLY;UNTIL=20270402")
    return series


def feed_of(user) -> icalendar.Calendar:
    token = calendar_settings.feed_token_make(user=user)
    response = Client().get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def test_feed_writes_the_series_with_its_rule_exception_and_moved_occurrence(
        pair, django_capture_on_commit_callbacks):
    ana, bea, room = pair
    series = _series(ana, room, django_capture_on_commit_callbacks)
    cal = feed_of(bea)
    mine = [v for v in vevents(cal) if str(v["UID"]) == series.uid]
    assert len(mine) == 2
    main = next(v for v in mine if "RECURRENCE-ID" not in v)
    moved = next(v for v in mine if "RECURRENCE-ID" in v)
    assert main["RRULE"]["FREQ"] == ["WEEKLY"] and main["RRULE"]["COUNT"] == [8]
    exdates = [d.dt for d in (main["EXDATE"] if isinstance(main["EXDATE"], list)
                             else [main["EXDATE"]]) for d in d.dts]
    assert [d.astimezone(UTC) for d in exdates] == [MARCH_9]
    assert moved["RECURRENCE-ID"].dt.astimezone(UTC) == MARCH_16
    assert moved["DTSTART"].dt.strftime("%Y-%m-%d %H:%M") == "2027-03-17 10:00"
    assert str(moved["SUMMARY"]) == "Circle (Wednesday)"
    assert "Bring **one** question." in str(main["DESCRIPTION"])
    assert "Video call in the room" in str(main["DESCRIPTION"])
    assert f"/rooms/{room.pk}/" in str(main["LOCATION"])
    office = next(v for v in vevents(cal) if str(v["SUMMARY"]) == "Office day")
    assert office["DTSTART"].dt == date(2027, 3, 5) and office["DTSTART"].params.get(
        "VALUE", "DATE") == "DATE"
    assert office["RRULE"]["UNTIL"] == [date(2027, 4, 2)]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_the_feed_expands_to_the_same_occurrences_as_her_agenda(
        pair, django_capture_on_commit_callbacks):
    ana, bea, room = pair
    _series(ana, room, django_capture_on_commit_callbacks)
    start, end = datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)

    agenda = {(i.title, i.starts_at, i.ends_at) for i in selectors.agenda(bea, start, end)}
    expanded = set()
    for component in recurring_ical_events.of(feed_of(bea)).between(start, end):
        begin, finish = component["DTSTART"].dt, component["DTEND"].dt
        if not isinstance(begin, datetime):  # all day: the organiser's midnight
            begin = datetime.combine(begin, datetime.min.time(), tzinfo=PARIS)
            finish = datetime.combine(finish, datetime.min.time(), tzinfo=PARIS)
        expanded.add((str(component["SUMMARY"]), begin.astimezone(UTC),
                      finish.astimezone(UTC)))
    assert expanded == agenda
    assert len(agenda) == 7 + 5  # 8 weekly minus the cancelled one, 5 Fridays

    # In Toronto: 12:00 before 03-14, 13:00 while only North America has changed,
    # 12:00 again from 03-28; the moved one at 10:00 Paris.
    toronto = {s.astimezone(TORONTO).date().isoformat(): s.astimezone(TORONTO).strftime("%H:%M")
               for title, s, _e in agenda if title.startswith("Mentoring")}
    assert toronto["2027-03-02"] == "12:00"
    assert "2027-03-09" not in toronto
    assert toronto["2027-03-23"] == "13:00"
    assert toronto["2027-03-30"] == "12:00"
    assert any(title == "Circle (Wednesday)" and s == datetime(2027, 3, 17, 9, tzinfo=UTC)
               for title, s, _e in agenda)


def test_a_date_or_local_until_is_written_in_utc_beside_a_zoned_start(pair):
    ana, _bea, room = pair
    event = make_event(ana, room, rrule="FREQ=WEEKLY;UNTIL=20270323")
    rule = vevents(ics.calendar([event]))[0]["RRULE"]
    assert rule["UNTIL"] == [datetime(2027, 3, 23, 22, 59, 59, tzinfo=UTC)]
    assert len(list(recurring_ical_events.of(ics.calendar([event])).between(
        datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC)))) == 4


def _feed_written(user) -> bytes:
    rows = selectors.feed_rows(user)
    return ics_feed.feed_bytes(rows, selectors.events_for_feed, reader=user,
                          answers=selectors.answers_of(user, rows), name="Cohort")


def _icalendar_written(user) -> bytes:
    events = selectors.feed_events(user)
    return icalendar.Calendar.to_ical(ics.calendar(
        events, reader=user, answers=selectors.answers_of(user, events), name="Cohort"))


def test_the_feed_from_the_cache_is_byte_for_byte_what_icalendar_writes(
        pair, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    ana, bea, room = pair
    series = _series(ana, room, django_capture_on_commit_callbacks)
    make_event(ana, room, title="Tokyo « café » " + "long words " * 12, time_zone="Asia/Tokyo",
               description="Ünïcode line " * 20 + "\nsecond\\line; with, commas",
               location="Room 2; by the lift, left")
    in_utc = make_event(ana, room, title="UTC weekly", time_zone="UTC", rrule="FREQ=WEEKLY")
    for week in (1, 2):
        event_services.occurrence_cancel(user=ana, event_id=in_utc.pk, recurrence_id=datetime(
            2027, 3, 2 + 7 * week, 18, tzinfo=UTC))
    days = make_event(ana, room, title="Retreat", all_day=True, start="2027-05-01",
                      end="2027-05-02", rrule="FREQ=MONTHLY;COUNT=3",
                      time_zone="America/Argentina/Buenos_Aires")
    event_services.occurrence_cancel(user=ana, event_id=days.pk,
                                     recurrence_id=datetime(2027, 6, 1, 3, tzinfo=UTC))
    answers.rsvp_set(user=bea, event_id=series.pk, answer="going")

    def same() -> bytes:
        written, expected = _feed_written(bea), _icalendar_written(bea)
        zone = re.compile(rb"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", re.S)
        assert zone.sub(b"", written) == zone.sub(b"", expected)  # zones in another order
        assert sorted(zone.findall(written)) == sorted(zone.findall(expected))
        return written

    cache.clear()
    cold = same()
    assert same() == cold  # warm: from the cache
    assert b"PARTSTAT=ACCEPTED" in cold and b"TZID:Asia/Tokyo" in cold
    assert cold.count(b"EXDATE") == 3 and b"RECURRENCE-ID" in cold

    # A change of the event, of her answer, or of the author's name shows at once.
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_update(user=ana, event_id=series.pk,
                                    data=event_data(title="Renamed circle",
                                                    rrule="FREQ=WEEKLY;COUNT=8"))
    answers.rsvp_set(user=bea, event_id=series.pk, answer="not_going")
    ana.name = "Ana R. Ruiz"
    ana.save(update_fields=["name"])
    changed = same()
    assert b"Renamed circle" in changed and b"PARTSTAT=DECLINED" in changed
    assert b"Ana R. Ruiz" in changed and b"CN=Ana Ruiz" not in changed


def test_invitations_read_the_room_in_as_many_queries_for_3_members_as_for_12(
        pair, django_capture_on_commit_callbacks, mailoutbox, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calendar_app import hooks

    # The notification centre's own work (one row per member) is not the calendar's:
    # it is replaced by a recorder here, so what is counted is what the task reads.
    told: list[int] = []
    monkeypatch.setattr(hooks, "_tell", lambda user, *args, **kwargs: told.append(user.pk))
    monkeypatch.setattr(hooks, "_email_wanted", lambda user, kind: True)
    ana, _bea, room = pair

    def queries(members: int) -> int:
        big = make_room(ana, *[UserFactory() for _ in range(members - 1)])
        for user in big.memberships.exclude(user=ana).select_related("user")[:2]:
            user.user.profile.time_zone = "Asia/Tokyo"
            user.user.profile.save(update_fields=["time_zone"])
        event = make_event(ana, big)
        mailoutbox.clear()
        told.clear()
        with CaptureQueriesContext(connection) as captured:
            sent = tasks.invitations_send.call(event_id=event.pk, method="request",
                                               sequence=event.sequence, by_id=ana.pk)
        assert sent == members == len(mailoutbox) and len(told) == members - 1
        assert any("Asia/Tokyo" in m.body or "Tokyo" in m.body for m in mailoutbox)
        return len(captured)

    assert queries(3) == queries(12)


@pytest.mark.parametrize("direction", ["she blocked the organiser", "the organiser blocked her"])
def test_no_invitation_email_crosses_a_block_with_the_organiser(
        pair, direction, django_capture_on_commit_callbacks, mailoutbox):
    ana, bea, room = pair
    cleo = UserFactory()
    room_services.member_add(actor=ana, room=room, user=cleo)
    blocker, blocked = (bea, ana) if direction == "she blocked the organiser" else (ana, bea)
    BlockFactory(blocker=blocker, blocked=blocked)
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(ana, room)
    # Cleo is the sentinel: the task ran and wrote to everyone else.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ana.email, cleo.email])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_cancel(user=ana, event_id=event.pk)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ana.email, cleo.email])
