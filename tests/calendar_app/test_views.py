"""The calendar pages over HTTP: who sees what (member, non-member, blocked pair member,
admin who is not a member), times on the viewer's clock across daylight-saving changes,
the event form refusing bad input without storing anything, answers, and changing one
occurrence, the following ones or all."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from calendar_app.models import Event, Occurrence, Rsvp
from rooms.models import Room
from tests.calendar_app.factories import make_event
from tests.community.factories import AdminFactory, BlockFactory, UserFactory, profile_fill
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's words, without tags and runs of spaces."""
    html = re.sub(r"<(script|template)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def days_with(response, title: str) -> dict[str, str]:
    """The days of an agenda that show `title`: {date: the day's words}."""
    found = {}
    for chunk in response.content.decode().split('<li class="cal-day')[1:]:
        day = re.search(r'data-date="([\d-]+)"', chunk)
        if day and title in chunk:
            found[day.group(1)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chunk)).strip()
    return found


@pytest.fixture
def circle():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea, name="Spring circle")
    event = make_event(ana, room, title="Weekly circle", rrule="FREQ=WEEKLY;COUNT=6",
                       video_call="on")
    return ana, bea, room, event


def pages(room, event) -> list[str]:
    return ["/calendar/?date=2027-03-01", f"/rooms/{room.pk}/calendar/",
            f"/rooms/{room.pk}/calendar/?view=month&date=2027-03-01",
            f"/calendar/events/{event.pk}/"]


def test_a_member_sees_her_agenda_the_room_tab_and_the_event(circle):
    _ana, bea, room, event = circle
    client = client_of(bea)
    answers = [client.get(url) for url in pages(room, event)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert "Weekly circle" in text_of(answers[0]) and "Weekly circle" in text_of(answers[2])
    assert "New event" in text_of(answers[1])
    assert "Every week, 6 times" in text_of(answers[3])
    assert client.get(f"/rooms/{room.pk}/calendar/new/").status_code == 200


def test_a_non_member_and_an_admin_outside_the_room_get_404_and_see_nothing(circle):
    _ana, _bea, room, event = circle
    for outsider in (UserFactory(), AdminFactory()):
        client = client_of(outsider)
        agenda = client.get("/calendar/?date=2027-03-01")
        assert agenda.status_code == 200 and "Weekly circle" not in text_of(agenda)
        assert [client.get(url).status_code for url in pages(room, event)[1:]] == [404, 404, 404]
        assert client.get(f"/rooms/{room.pk}/calendar/new/").status_code == 404
        assert client.post(f"/calendar/events/{event.pk}/answer",
                           {"answer": "going"}).status_code == 404
        assert client.post(f"/calendar/events/{event.pk}/cancel").status_code == 404
    # Only the author's own answer (she proposed it, so she comes) is stored.
    assert list(Rsvp.objects.values_list("user", flat=True)) == [event.created_by_id]
    assert Event.objects.get().cancelled_at is None


def test_a_blocked_pair_member_reads_the_calendar_but_proposes_and_answers_nothing():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
    event = make_event(ana, pair, title="Our session")
    BlockFactory(blocker=bea, blocked=ana)
    client = client_of(ana)
    tab = client.get(f"/rooms/{pair.pk}/calendar/")
    page = client.get(f"/calendar/events/{event.pk}/")
    assert (tab.status_code, page.status_code) == (200, 200)
    assert "New event" not in text_of(tab) and "Going" not in re.sub(
        r"Going: \d", "", text_of(page))
    assert "Edit" not in text_of(page)
    assert client.get(f"/rooms/{pair.pk}/calendar/new/").status_code == 403
    assert client.post(f"/rooms/{pair.pk}/calendar/new/", {
        "title": "More", "time_zone": "UTC", "start": "2027-03-03T10:00",
        "end": "2027-03-03T11:00"}).status_code == 403
    assert client.post(f"/calendar/events/{event.pk}/answer",
                       {"answer": "going"}).status_code == 403
    assert client.get(f"/calendar/events/{event.pk}/edit/").status_code == 403
    assert Event.objects.count() == 1 and not Rsvp.objects.exclude(user=event.created_by).exists()


def new_event_post(**fields) -> dict[str, str]:
    data = {"title": "Career talk", "time_zone": "Europe/Paris", "start": "2027-03-02T18:00",
            "end": "2027-03-02T19:00", "repeat": "none", "ends": "never"}
    data.update(fields)
    return data


@pytest.mark.parametrize(("fields", "sentence"), [
    ({"end": "2027-03-02T17:00"}, "An event must end after it starts."),
    ({"time_zone": "Mars/Olympus"}, "Mars/Olympus is not a known time zone."),
    ({"title": "  "}, "A title cannot be empty."),
    ({"start": "2027-03-28T02:30", "end": "2027-03-28T03:30"}, "02:30 does not exist"),
    ({"repeat": "weekly", "ends": "after", "count": "5000"}, "repeats at most 1000 times"),
    ({"repeat": "weekly", "ends": "on", "until": "2027-01-01"}, "cannot end before"),
    ({"all_day": "on", "start_day": "2027-03-05", "end_day": "2027-03-01"},
     "cannot end before it starts"),
])
def test_the_form_says_what_is_wrong_keeps_what_she_typed_and_stores_nothing(
        circle, fields, sentence):
    _ana, bea, room, _event = circle
    answer = client_of(bea).post(f"/rooms/{room.pk}/calendar/new/", new_event_post(**fields))
    assert answer.status_code == 400
    assert sentence in text_of(answer) and "Nothing was saved." in text_of(answer)
    typed = new_event_post(**fields)
    assert f'name="title" required maxlength="200" value="{typed["title"]}"' in (
        answer.content.decode())  # what she typed is still there
    assert Event.objects.count() == 1


def test_the_zone_is_a_box_that_searches_the_one_list_and_forgives_case(circle):
    from community import time_zones

    _ana, bea, room, _event = circle
    page = client_of(bea).get(f"/rooms/{room.pk}/calendar/new/").content.decode()
    box = re.search(r'<input type="text" id="ev-zone" name="time_zone"[^>]*>', page).group(0)
    assert 'list="ev-zone-zones"' in box
    listed = re.findall(r'<option value="([^"]+)"></option>',
                        page.split('<datalist id="ev-zone-zones">')[1].split("</datalist>")[0])
    assert listed == time_zones.names()
    assert client_of(bea).post(f"/rooms/{room.pk}/calendar/new/", new_event_post(
        title="Typed zone", time_zone=" america/new york ")).status_code == 302
    assert Event.objects.get(title="Typed zone").time_zone == "America/New_York"


def test_a_monthly_event_on_the_second_tuesday_is_proposed_from_the_form(circle):
    _ana, bea, room, _event = circle
    answer = client_of(bea).post(f"/rooms/{room.pk}/calendar/new/", new_event_post(
        start="2027-03-09T18:00", end="2027-03-09T19:30", repeat="monthly_weekday",
        ends="after", count="4", location="Library", video_call="on",
        description="Bring **questions**"))
    event = Event.objects.get(title="Career talk")
    assert answer.status_code == 302 and answer["Location"] == f"/calendar/events/{event.pk}/"
    assert (event.rrule, event.location, event.video_call, event.duration) == (
        "FREQ=MONTHLY;COUNT=4;BYDAY=2TU", "Library", True, timedelta(minutes=90))
    page = text_of(client_of(bea).get(f"/calendar/events/{event.pk}/"))
    assert "Every month on the second Tuesday, 4 times" in page
    assert "Library" in page and "questions" in page


def test_answers_show_counts_and_names_and_the_author_sees_who_has_not_answered(circle):
    ana, bea, room, event = circle
    cy = UserFactory(name="Cy Diaz")
    room.memberships.create(user=cy, role="member")
    assert client_of(bea).post(f"/calendar/events/{event.pk}/answer",
                               {"answer": "going"}).status_code == 302
    assert client_of(bea).post(f"/calendar/events/{event.pk}/answer",
                               {"answer": "sometimes"}).status_code == 302
    assert Rsvp.objects.get(user=bea).answer == "going"
    seen_by_bea = text_of(client_of(bea).get(f"/calendar/events/{event.pk}/"))
    seen_by_ana = text_of(client_of(ana).get(f"/calendar/events/{event.pk}/"))
    # Ana proposed it: she comes, as calendars count an organiser.
    assert "Going: 2 · Ana Ruiz, Bea Kim" in seen_by_bea and "Not answered" not in seen_by_bea
    assert "Not answered: 1 · Cy Diaz" in seen_by_ana


def test_the_author_moves_one_occurrence_changes_the_following_and_then_all(circle):
    ana, bea, _room, event = circle
    client = client_of(ana)
    key = f"{event.pk}-20270309T170000Z"
    form = client.get(f"/calendar/events/{event.pk}/edit/?scope=this&occurrence={key}")
    assert form.status_code == 200 and 'value="2027-03-09T18:00"' in form.content.decode()
    moved = client.post(f"/calendar/events/{event.pk}/edit/", {
        "scope": "this", "occurrence": key, "title": "Circle (moved)",
        "start": "2027-03-10T18:00", "end": "2027-03-10T19:00", "time_zone": "Europe/Paris"})
    assert moved.status_code == 302
    week = client_of(bea).get("/calendar/?view=week&date=2027-03-08")
    assert list(days_with(week, "Circle (moved)")) == ["2027-03-10"]
    assert list(days_with(week, "Weekly circle")) == []

    following = client.post(f"/calendar/events/{event.pk}/edit/", {
        "scope": "following", "occurrence": f"{event.pk}-20270323T170000Z",
        "title": "Late circle", "time_zone": "Europe/Paris", "start": "2027-03-23T19:00",
        "end": "2027-03-23T20:00", "repeat": "weekly", "ends": "after", "count": "3"})
    assert following.status_code == 302
    later = Event.objects.get(title="Late circle")
    event.refresh_from_db()
    assert later.split_from_id == event.pk and later.rrule == "FREQ=WEEKLY;COUNT=3;BYDAY=TU"
    # 10 March to 8 April: the moved one, one left of the first series, three of the new.
    month = text_of(client_of(bea).get("/calendar/?view=list&date=2027-03-10"))
    assert month.count("Weekly circle") == 1 and month.count("Late circle") == 3
    assert month.count("Circle (moved)") == 1

    everything = client.post(f"/calendar/events/{later.pk}/edit/", {
        "scope": "all", "title": "Evening circle", "time_zone": "Europe/Paris",
        "start": "2027-03-23T19:00", "end": "2027-03-23T20:30", "repeat": "weekly",
        "ends": "after", "count": "3"})
    assert everything.status_code == 302
    later.refresh_from_db()
    assert (later.title, later.duration, later.sequence) == (
        "Evening circle", timedelta(minutes=90), 1)


def test_cancelling_one_occurrence_then_the_whole_event(circle):
    ana, bea, room, event = circle
    client = client_of(ana)
    key = f"{event.pk}-20270316T170000Z"
    answer = client.post(f"/calendar/events/{event.pk}/cancel",
                         {"scope": "this", "occurrence": key})
    assert answer.status_code == 302
    assert Occurrence.objects.get(event=event).cancelled
    listing = text_of(client_of(bea).get("/calendar/?view=list&date=2027-03-01"))
    assert listing.count("Weekly circle") == 4  # of 2, 9, 16, 23 and 30 March
    assert client_of(bea).post(f"/calendar/events/{event.pk}/cancel",
                               {"scope": "all"}).status_code == 403
    assert client.post(f"/calendar/events/{event.pk}/cancel",
                       {"scope": "all"}).status_code == 302
    assert client_of(bea).get(f"/calendar/events/{event.pk}/").status_code == 404
    listing = text_of(client_of(bea).get(f"/rooms/{room.pk}/calendar/?date=2027-03-01"))
    assert "Weekly circle" not in listing


def test_times_are_on_her_clock_across_both_daylight_saving_changes():
    """18:00 in Paris, weekly from 9 March 2027: Toronto moves its clocks on 14 March and
    Paris on 28 March, so for two weeks the session is an hour later in Toronto."""
    ana = profile_fill(UserFactory(name="Ana Ruiz"), time_zone="Europe/Paris")
    bea = profile_fill(UserFactory(name="Bea Kim"), time_zone="America/Toronto")
    room = make_room(ana, bea)
    make_event(ana, room, title="Paris circle", start="2027-03-09T18:00",
               end="2027-03-09T19:00", rrule="FREQ=WEEKLY;COUNT=4")
    listing = client_of(bea).get("/calendar/?view=list&date=2027-03-08")
    shown = {day: re.search(r"(\d\d:\d\d) – \d\d:\d\d Paris circle \((.*?)\)", words).groups()
             for day, words in days_with(listing, "Paris circle").items()}
    assert shown == {"2027-03-09": ("12:00", "18:00 Paris time"),
                     "2027-03-16": ("13:00", "18:00 Paris time"),
                     "2027-03-23": ("13:00", "18:00 Paris time"),
                     "2027-03-30": ("12:00", "18:00 Paris time")}
    assert "Times are in your time zone, America/Toronto." in text_of(listing)
    own = text_of(client_of(ana).get("/calendar/?view=day&date=2027-03-16"))
    assert "18:00 – 19:00 Paris circle" in own and "Paris time" not in own


def test_month_week_and_day_show_the_occurrences_of_their_days(circle):
    _ana, bea, _room, _event = circle
    client = client_of(bea)

    def titled(url: str) -> list[str]:
        return list(days_with(client.get(url), "Weekly circle"))

    assert titled("/calendar/?view=month&date=2027-03-01") == [
        "2027-03-02", "2027-03-09", "2027-03-16", "2027-03-23", "2027-03-30"]
    # April's grid starts with the end of March's last week (Sunday first, in English).
    assert titled("/calendar/?view=month&date=2027-04-01") == ["2027-03-30", "2027-04-06"]
    assert titled("/calendar/?view=week&date=2027-03-18") == ["2027-03-16"]
    assert titled("/calendar/?view=day&date=2027-03-16") == ["2027-03-16"]
    assert titled("/calendar/?view=day&date=2027-03-17") == []
    month = client.get("/calendar/?view=month&date=2027-03-01").content.decode()
    assert 'href="?view=month&amp;date=2027-02-01"' in month
    assert 'href="?view=month&amp;date=2027-04-01"' in month


def test_an_all_day_event_stays_on_its_date_whatever_her_zone(circle):
    ana, _bea, room, _event = circle
    tokyo = profile_fill(UserFactory(name="Kei"), time_zone="Asia/Tokyo")
    room.memberships.create(user=tokyo, role="member")
    make_event(ana, room, title="Retreat", all_day="on", start="2027-05-01",
               end="2027-05-02", time_zone="America/Vancouver")
    month = client_of(tokyo).get("/calendar/?view=month&date=2027-05-01")
    assert list(days_with(month, "Retreat")) == ["2027-05-01", "2027-05-02"]


def test_join_call_shows_from_ten_minutes_before_until_the_end(circle):
    _ana, bea, _room, event = circle
    start = event.starts_at

    def join_shown(at) -> bool:
        with time_machine.travel(at, tick=False):
            html = client_of(bea).get(f"/calendar/events/{event.pk}/").content.decode()
        button = re.search(r'<a class="button primary join-call"[^>]*>', html)
        assert button is not None and 'href="/rooms/' in button.group(0)
        return " hidden" not in button.group(0)

    assert [join_shown(start - timedelta(minutes=11)), join_shown(start - timedelta(minutes=5)),
            join_shown(start + timedelta(minutes=59)), join_shown(start + timedelta(minutes=61))
            ] == [False, True, True, False]
    assert timezone.now() < start


def test_a_busy_day_of_the_month_shows_three_and_a_link_to_the_rest(circle):
    ana, bea, room, _event = circle
    for hour in range(8, 14):  # six meetings on 10 March, four on 11 March
        make_event(ana, room, title=f"Busy {hour}", start=f"2027-03-10T{hour:02d}:00",
                   end=f"2027-03-10T{hour:02d}:30")
    for hour in range(8, 12):
        make_event(ana, room, title=f"Full {hour}", start=f"2027-03-11T{hour:02d}:00",
                   end=f"2027-03-11T{hour:02d}:30")
    client = client_of(bea)
    month = client.get("/calendar/?view=month&date=2027-03-01")
    busy = days_with(month, "Busy")["2027-03-10"]
    assert [f"Busy {h}" in busy for h in range(8, 14)] == [True] * 3 + [False] * 3
    assert "+3 more" in busy
    assert 'href="?view=day&amp;date=2027-03-10"' in month.content.decode()
    full = days_with(month, "Full")["2027-03-11"]
    assert all(f"Full {h}" in full for h in range(8, 12)) and "more" not in full
    # The day and the week show every one.
    day = text_of(client.get("/calendar/?view=day&date=2027-03-10"))
    assert all(f"Busy {h}" in day for h in range(8, 14)) and "+3 more" not in day
    week = text_of(client.get("/calendar/?view=week&date=2027-03-10"))
    assert all(f"Busy {h}" in week for h in range(8, 14))
