"""Her private feed and one event's .ics over HTTP: the secret URL (wrong, revoked,
made again), access asked now (a removed member, a non-member, a blocked pair, an admin
who is not a member), and the settings page's forms."""

from __future__ import annotations

import icalendar
import pytest
import time_machine
from django.http import Http404
from django.test import Client

from calendar_app import permissions
from calendar_app.models import MemberCalendar
from calendar_app.services import events as event_services
from calendar_app.services import settings as calendar_settings
from rooms import services as room_services
from rooms.models import Room
from tests.calendar_app.factories import make_event
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def titles(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(v["SUMMARY"]) for v in cal.walk("VEVENT")}


@pytest.fixture
def cohort():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea)
    event = make_event(ana, room, title="Cohort circle")
    return ana, bea, room, event


def test_the_feed_opens_with_its_secret_alone_and_is_not_kept_by_caches(cohort):
    _ana, bea, _room, _event = cohort
    token = calendar_settings.feed_token_make(user=bea)
    response = Client().get(f"/calendar/feed/{token}.ics")  # no session: a calendar program
    assert titles(response) == {"Cohort circle"}
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    row = MemberCalendar.objects.get(user=bea)
    assert token not in row.feed_token_hash and len(row.feed_token_hash) == 64


def test_a_wrong_revoked_or_replaced_secret_gets_the_same_404(cohort):
    _ana, bea, _room, _event = cohort
    old = calendar_settings.feed_token_make(user=bea)
    new = calendar_settings.feed_token_make(user=bea)
    client = Client()
    assert client.get(f"/calendar/feed/{old}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new[:-1]}x.ics").status_code == 404
    assert client.get("/calendar/feed/nothing.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new}.ics").status_code == 200
    calendar_settings.feed_token_revoke(user=bea)
    assert client.get(f"/calendar/feed/{new}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new}.ics").content == \
        client.get(f"/calendar/feed/{old}.ics").content


def test_a_wrong_and_a_revoked_secret_take_the_same_path(cohort, django_assert_num_queries):
    _ana, bea, _room, _event = cohort
    token = calendar_settings.feed_token_make(user=bea)
    calendar_settings.feed_token_revoke(user=bea)
    for digest in (calendar_settings.token_hash(token), calendar_settings.token_hash("x")):
        with django_assert_num_queries(1), pytest.raises(Http404):
            permissions.access_feed(digest)


def test_a_removed_member_feed_drops_the_room_at_once(cohort):
    ana, bea, room, _event = cohort
    other = make_room(bea, UserFactory(), name="Other room")
    make_event(bea, other, title="Elsewhere")
    token = calendar_settings.feed_token_make(user=bea)
    assert titles(Client().get(f"/calendar/feed/{token}.ics")) == {"Cohort circle", "Elsewhere"}
    room_services.member_remove(actor=ana, room=room, user=bea)
    assert titles(Client().get(f"/calendar/feed/{token}.ics")) == {"Elsewhere"}


def test_a_deactivated_member_feed_is_gone(cohort):
    _ana, bea, _room, _event = cohort
    token = calendar_settings.feed_token_make(user=bea)
    bea.is_active = False
    bea.save(update_fields=["is_active"])
    assert Client().get(f"/calendar/feed/{token}.ics").status_code == 404


def test_cancelled_events_and_those_over_a_year_ago_are_left_out(cohort):
    ana, bea, room, event = cohort
    make_event(ana, room, title="Called off")
    event_services.event_cancel(user=ana, event_id=room.calendar_events.get(
        title="Called off").pk)
    token = calendar_settings.feed_token_make(user=bea)
    assert titles(Client().get(f"/calendar/feed/{token}.ics")) == {"Cohort circle"}
    # The circle ends on 2027-03-02 at 19:00 in Paris: in the feed for a year after.
    with time_machine.travel("2028-03-01T00:00:00Z", tick=False):
        assert titles(Client().get(f"/calendar/feed/{token}.ics")) == {"Cohort circle"}
    with time_machine.travel("2028-03-03T00:00:00Z", tick=False):
        response = Client().get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200 and titles(response) == set()


@pytest.mark.parametrize("who", ["member", "non_member", "blocked", "admin"])
def test_one_event_ics_asks_the_permission_layer(cohort, who):
    ana, bea, room, event = cohort
    viewer, expected = {
        "member": (bea, 200),
        "non_member": (UserFactory(), 404),
        "admin": (AdminFactory(), 404),  # admins read no room they are not in
        "blocked": (None, 200),
    }[who]
    if who == "blocked":  # a pair room across a block: its history stays hers to read
        pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
        event = make_event(ana, pair, title="Pair session")
        BlockFactory(blocker=ana, blocked=bea)
        viewer = bea
    response = client_of(viewer).get(f"/calendar/events/{event.pk}.ics")
    assert response.status_code == expected
    if expected == 200:
        assert "attachment" in response["Content-Disposition"]
        assert titles(response) == {event.title}
        token = calendar_settings.feed_token_make(user=viewer)
        assert event.title in titles(Client().get(f"/calendar/feed/{token}.ics"))
    else:
        token = calendar_settings.feed_token_make(user=viewer)
        assert titles(Client().get(f"/calendar/feed/{token}.ics")) == set()


def test_one_event_ics_needs_a_session():
    ana = UserFactory()
    event = make_event(ana, make_room(ana))
    response = Client().get(f"/calendar/events/{event.pk}.ics")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The settings page ------------------------------------------------------------------
def test_making_a_feed_shows_its_full_address_once_and_it_works(cohort):
    _ana, bea, _room, _event = cohort
    client = client_of(bea)
    page = client.get("/calendar/settings/")
    assert page.status_code == 200 and b"/calendar/feed/" not in page.content
    made = client.post("/calendar/settings/feed/", {"action": "make"})
    assert made.status_code == 200
    text = made.content.decode()
    start = text.index("http://127.0.0.1:8000/calendar/feed/")
    url = text[start:text.index('"', start)]
    assert "Copy the address" in text and "Google Calendar" in text and "Thunderbird" in text
    assert titles(Client().get(url.removeprefix("http://127.0.0.1:8000"))) == {"Cohort circle"}
    again = client.get("/calendar/settings/").content.decode()
    assert url not in again and "Make a new address" in again

    revoked = client.post("/calendar/settings/feed/", {"action": "revoke"}, follow=True)
    assert "turned off" in revoked.content.decode()
    assert Client().get(url.removeprefix("http://127.0.0.1:8000")).status_code == 404


def test_reminders_are_saved_from_the_menu(cohort):
    _ana, bea, _room, _event = cohort
    client = client_of(bea)
    response = client.post("/calendar/settings/reminders/",
                           {"minutes": ["15", "1440", "60"]}, follow=True)
    assert "Your reminders are saved." in response.content.decode()
    row = MemberCalendar.objects.get(user=bea)
    assert row.reminders == [1440, 60, 15] and row.reminder_email is False
    page = client.get("/calendar/settings/").content.decode()
    assert 'id="reminder-60" name="minutes" value="60" checked' in page
    assert 'id="reminder-5" name="minutes" value="5">' in page


@pytest.mark.parametrize(("minutes", "error"), [
    (["999"], "Choose reminders from the list."),
    (["soon"], "Choose reminders from the list."),
    (["0", "5", "10", "15", "30", "60"], "Choose at most 5 reminders."),
])
def test_bad_reminders_are_refused_clearly_and_change_nothing(cohort, minutes, error):
    _ana, bea, _room, _event = cohort
    client = client_of(bea)
    response = client.post("/calendar/settings/reminders/", {"minutes": minutes,
                                                             "email": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    row = MemberCalendar.objects.get(user=bea)
    assert row.reminders == [1440, 15] and row.reminder_email is True
    # What she ticked is shown again, to untick one, not the saved choices.
    for value in (m for m in minutes if m.isdigit() and m != "999"):
        assert f'value="{value}" checked' in page


def test_settings_forms_need_csrf_and_a_known_action(cohort):
    _ana, bea, _room, _event = cohort
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bea)
    assert strict.post("/calendar/settings/feed/", {"action": "make"}).status_code == 403
    assert strict.post("/calendar/settings/reminders/", {"minutes": ["5"]}).status_code == 403
    assert not MemberCalendar.objects.filter(user=bea).exclude(feed_token_hash="").exists()
    response = client_of(bea).post("/calendar/settings/feed/", {"action": "steal"})
    assert response.status_code == 400
    assert "Choose to make a new feed address" in response.content.decode()
    assert Client().get("/calendar/settings/").status_code == 302


def test_a_room_read_through_break_glass_stays_out_of_her_feed_and_agenda(cohort):
    """Her feed goes to calendar programs outside the site, her agenda is her own
    time: a pair's room she reads for a while (break-glass) is in neither. The room's
    own calendar page stays readable while the grant lasts."""
    from datetime import UTC, datetime

    from calendar_app import availability, selectors

    admin = AdminFactory()
    mentor, mentee = UserFactory(), UserFactory()
    pair = room_services.room_create_one_to_one(mentor=mentor, mentee=mentee)
    make_event(mentor, pair, title="Pair session")
    own = make_room(admin, name="Admins")
    make_event(admin, own, title="Admins circle")  # the sentinel: her own room's event
    room_services.break_glass_open(admin=admin, room=pair, reason="A safety concern")
    token = calendar_settings.feed_token_make(user=admin)
    assert titles(Client().get(f"/calendar/feed/{token}.ics")) == {"Admins circle"}
    start, end = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
    assert {i.event.title for i in selectors.agenda(admin, start, end)} == {"Admins circle"}
    assert {i.event.title for i in selectors.agenda(admin, start, end, room_id=pair.pk)} == \
        {"Pair session"}
    assert client_of(admin).get(f"/rooms/{pair.pk}/calendar/").status_code == 200
    assert len(availability.busy_times(admin, start, end)) == 1  # her own event only
