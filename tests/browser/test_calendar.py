"""The calendar in Chromium: a member proposes a weekly session in her room and another
member, her room's Calendar tab open, sees it arrive; she answers "going"; the author
moves one occurrence and the open tab follows; "Join call" shows on a session starting in
5 minutes and opens the room's call. Screenshots of the month view, the event page and
the form at desktop and phone width."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import Event, Occurrence
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.calendar_app.factories import make_event
from tests.community.factories import MentorFactory, UserFactory, profile_fill
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser


def outside_the_page_loop[T](work: Callable[[], T]) -> T:
    """Run a service from another thread: it publishes through async_to_sync, which
    refuses the thread where Playwright's event loop runs."""
    from django.db import connection

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()
            # The fixture closes every connection opened meanwhile, from its own thread.
            connection.inc_thread_sharing()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_propose_see_it_live_answer_move_and_join_the_call(live_daphne, video_browser):
    base = live_daphne.url
    ana = profile_fill(MentorFactory(email="ana@example.org", name="Ana Lopez"),
                       time_zone="Europe/Paris")
    bea = profile_fill(UserFactory(email="bea@example.org", name="Bea Chen"),
                       time_zone="America/Toronto")
    room = make_room(ana, bea, name="Spring cohort")
    ana_page = video_browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    bea_page = video_browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(ana_page, base, "ana@example.org")
    sign_in(bea_page, base, "bea@example.org")

    # Bea opens her room's Calendar tab from the room, as a member would.
    bea_page.goto(f"{base}/rooms/{room.pk}/")
    bea_page.locator(".chat-head").get_by_role("link", name="Calendar").click()
    bea_page.wait_for_url(f"{base}/rooms/{room.pk}/calendar/")
    bea_page.get_by_text("Nothing on the calendar for these dates.").wait_for()

    # Ana proposes a weekly session, next Tuesday-ish at 18:00 Paris time.
    first = (timezone.now() + timedelta(days=2)).date()
    ana_page.goto(f"{base}/rooms/{room.pk}/calendar/")
    ana_page.get_by_role("link", name="New event").click()
    ana_page.get_by_label("Title").fill("Weekly circle")
    ana_page.get_by_label("Starts").fill(f"{first.isoformat()}T18:00")
    ana_page.get_by_label("Ends").fill(f"{first.isoformat()}T19:00")
    assert ana_page.get_by_label("Time zone").input_value() == "Europe/Paris"
    ana_page.locator("#ev-repeat").select_option("weekly")
    ana_page.get_by_label("after").check()
    ana_page.get_by_label("Number of times").fill("4")
    ana_page.get_by_label("Video call in this room").check()
    ana_page.get_by_label("Description").fill("Bring **one question** each.")
    screenshot(ana_page, "calendar-form")
    ana_page.get_by_role("button", name="Propose the event").click()
    ana_page.get_by_text("Every week on", exact=False).wait_for()
    event = Event.objects.get(title="Weekly circle")

    # It reaches Bea's open tab, on her clock (Toronto), with Paris's beside it.
    bea_page.locator(".cal-item", has_text="Weekly circle").first.wait_for()
    assert bea_page.locator(".cal-item", has_text="Weekly circle").count() == 4
    assert "18:00 Paris time" in bea_page.locator(".cal-item").first.inner_text()
    assert bea_page.get_by_role("status").filter(has_text="The calendar has changed.").count()

    # She answers "going".
    bea_page.locator(".cal-item a", has_text="Weekly circle").first.click()
    bea_page.get_by_role("button", name="Going", exact=True).click()
    bea_page.get_by_text("Going: 2 · Ana Lopez, Bea Chen").wait_for()
    going = bea_page.get_by_role("button", name="Going", exact=True)
    assert going.get_attribute("aria-pressed") == "true"
    screenshot(bea_page, "calendar-event")

    # Bea back on the tab; Ana moves the second occurrence to the next day.
    bea_page.goto(f"{base}/rooms/{room.pk}/calendar/")
    ana_page.goto(f"{base}/calendar/events/{event.pk}/")
    ana_page.locator(".event-next a").nth(1).click()
    ana_page.get_by_role("link", name="Edit this occurrence").click()
    second = first + timedelta(days=8)
    ana_page.get_by_label("Starts").fill(f"{second.isoformat()}T17:00")
    ana_page.get_by_label("Ends").fill(f"{second.isoformat()}T18:00")
    ana_page.get_by_role("button", name="Save").click()
    ana_page.get_by_text("The event is changed.").wait_for()
    assert Occurrence.objects.filter(event=event).count() == 1
    bea_page.locator(f'.cal-day[data-date="{second.isoformat()}"] .cal-item').wait_for()
    assert bea_page.locator(
        f'.cal-day[data-date="{(first + timedelta(days=7)).isoformat()}"]').count() == 0

    # The month view, looked at on both widths.
    bea_page.goto(f"{base}/calendar/?view=month&date={first.isoformat()}")
    bea_page.locator(".cal-item").first.wait_for()
    screenshot(bea_page, "calendar-month")

    # A session starting in 5 minutes: "Join call" is there and opens the room's call.
    soon = (timezone.now() + timedelta(minutes=5)).astimezone(timezone.get_fixed_timezone(0))
    later = soon + timedelta(hours=1)
    call = outside_the_page_loop(lambda: make_event(
        ana, room, title="Quick call", time_zone="UTC", video_call="on",
        start=f"{soon:%Y-%m-%dT%H:%M}", end=f"{later:%Y-%m-%dT%H:%M}"))
    bea_page.goto(f"{base}/calendar/events/{call.pk}/")
    join = bea_page.get_by_role("link", name="Join call")
    join.wait_for()
    join.click()
    bea_page.wait_for_url(f"{base}/rooms/{room.pk}/")
    # The call link opens the pre-join panel first.
    bea_page.locator("#call-prejoin").get_by_role("button", name="Join now").click()
    bea_page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local")


def test_a_busy_day_of_the_month_shows_more_and_opens_the_day(live_daphne, browser):
    base = live_daphne.url
    ana = profile_fill(MentorFactory(email="ana@example.org", name="Ana Lopez"),
                       time_zone="Europe/Paris")
    room = make_room(ana, UserFactory(), name="Busy cohort")
    day = (timezone.now() + timedelta(days=3)).date()
    outside_the_page_loop(lambda: [make_event(
        ana, room, title=f"Session {hour}", start=f"{day.isoformat()}T{hour:02d}:00",
        end=f"{day.isoformat()}T{hour:02d}:45") for hour in range(8, 15)])
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ana@example.org")
    page.goto(f"{base}/calendar/?view=month&date={day.isoformat()}")
    cell = page.locator(f'.cal-day[data-date="{day.isoformat()}"]')
    assert cell.locator(".cal-item").count() == 3
    more = cell.get_by_role("link", name="+4 more")
    assert more.is_visible()
    screenshot(page, "calendar-month-busy")
    page.set_viewport_size({"width": 390, "height": 844})
    assert more.is_visible()
    more.click()
    page.wait_for_url(f"**view=day&date={day.isoformat()}")
    assert page.locator(".cal-item").count() == 7
