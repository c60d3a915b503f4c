"""A mentor opens her hours; her mentee books a time from their mentorship's page; both
find it; the mentor cancels it, and says a past session took place."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from calendar_app.models import Booking
from mentoring.models import Session
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.mentoring.factories import active

pytestmark = pytest.mark.browser

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.fixture
def pair(live_daphne):
    """Built before Playwright's event loop starts: accepting a mentorship rings sockets."""
    nadia = MentorFactory(email="nadia@example.org", name="Nadia Mentor")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    bea.profile.time_zone = "America/Toronto"
    bea.profile.save(update_fields=["time_zone"])
    mentorship = active(bea, nadia)
    earlier = Booking.objects.create(
        mentor=nadia, booker=bea, starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(minutes=45))
    return nadia, bea, mentorship, earlier


def test_hours_booked_seen_cancelled_and_a_past_one_said_to_have_happened(live_daphne, pair,
                                                                          browser):
    base = live_daphne.url
    nadia, bea, mentorship, earlier = pair

    nadia_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    bea_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(nadia_page, base, "nadia@example.org")
    sign_in(bea_page, base, "bea@example.org")

    # Nadia: settings, then three days of hours in the week editor.
    nadia_page.goto(f"{base}/calendar/hours/")
    nadia_page.get_by_label("My time zone").fill("Europe/Paris")
    nadia_page.get_by_label("Length of a session (minutes)").fill("60")
    nadia_page.get_by_label("Minimum notice (hours)").fill("1")
    nadia_page.get_by_role("button", name="Save settings").click()
    nadia_page.get_by_text("Your booking settings are saved.").wait_for()
    rows = nadia_page.locator("tr.window-row")
    today = timezone.localdate()
    for index in range(3):
        day = WEEKDAYS[(today + timedelta(days=index + 1)).weekday()]
        rows.nth(index).get_by_label("Day").select_option(label=day)
        rows.nth(index).get_by_label("From").fill("09:00")
        rows.nth(index).get_by_label("To").fill("17:00")
    nadia_page.get_by_role("button", name="Save weekly hours").click()
    nadia_page.get_by_text("Your weekly hours are saved.").wait_for()
    assert rows.count() == 6  # three saved, three empty
    screenshot(nadia_page, "booking-my-hours")

    # Bea: from the mentorship's page to Nadia's free times, in her own zone.
    bea_page.goto(base + reverse("mentorship_detail", args=[mentorship.pk]))
    bea_page.get_by_role("link", name="Book a time").click()
    bea_page.wait_for_url(f"{base}/mentors/{nadia.pk}/book/")
    assert bea_page.get_by_text("Times in your time zone, America/Toronto.").is_visible()
    assert bea_page.get_by_text("Nadia is in Europe/Paris.").is_visible()
    screenshot(bea_page, "booking-book-a-time")
    first = bea_page.locator("button.slot").first
    chosen = first.inner_text()
    first.click()  # one step more: she confirms the time she chose
    bea_page.get_by_role("heading", name=f"{chosen} –").wait_for()
    screenshot(bea_page, "booking-confirm")
    bea_page.get_by_role("button", name="Book this time").click()
    bea_page.get_by_role("heading", name="Mentoring session: Nadia & Bea").wait_for()
    assert bea_page.get_by_text("Booked: Mentoring session: Nadia & Bea.").is_visible()
    screenshot(bea_page, "booking-booked-event")
    booking = Booking.objects.exclude(pk=earlier.pk).get()
    assert chosen == f"{booking.starts_at.astimezone(ZoneInfo('America/Toronto')):%H:%M}"
    assert booking.event is not None and booking.event.video_call

    # Nadia finds it in her hours and on its event page.
    nadia_page.goto(f"{base}/calendar/hours/")
    coming = nadia_page.locator("li.booking", has_text="with Bea Chen").filter(
        has=nadia_page.get_by_role("button", name="Cancel this booking"))
    coming.get_by_role("link", name="Open the event").click()
    nadia_page.get_by_role("heading", name="Mentoring session: Nadia & Bea").wait_for()

    # Bea keeps her agenda open; Nadia moves the session an hour later, and Bea's agenda
    # follows, on Bea's clock.
    toronto = ZoneInfo("America/Toronto")
    day = booking.starts_at.astimezone(toronto).date()
    bea_page.goto(f"{base}/calendar/?view=day&date={day}")
    session = bea_page.locator(".cal-item", has_text="Mentoring session: Nadia & Bea")
    assert chosen in session.inner_text()
    nadia_page.get_by_role("link", name="Edit").click()
    paris = ZoneInfo("Europe/Paris")
    later = booking.starts_at + timedelta(hours=1)
    nadia_page.get_by_label("Starts").fill(f"{later.astimezone(paris):%Y-%m-%dT%H:%M}")
    nadia_page.get_by_label("Ends").fill(
        f"{(later + timedelta(hours=1)).astimezone(paris):%Y-%m-%dT%H:%M}")
    nadia_page.get_by_role("button", name="Save").click()
    nadia_page.get_by_text("The event is changed.").wait_for()
    moved_to = f"{later.astimezone(toronto):%H:%M}"
    bea_page.locator(".cal-item", has_text=moved_to).filter(
        has_text="Mentoring session: Nadia & Bea").wait_for()
    screenshot(bea_page, "booking-moved-in-her-agenda")
    first_start, first_end = booking.starts_at, booking.ends_at
    booking.refresh_from_db()
    assert booking.starts_at == later

    # The past session: it happened, and the mentorship's log has it.
    nadia_page.goto(f"{base}/calendar/hours/")
    nadia_page.get_by_role("button", name="It happened").click()
    nadia_page.get_by_text("Noted: it happened.").wait_for()
    assert Session.objects.filter(booking=earlier).count() == 1
    assert nadia_page.get_by_role("button", name="It happened").count() == 0

    # Nadia cancels the coming one; Bea's page offers the time again.
    nadia_page.get_by_role("button", name="Cancel this booking").click()
    nadia_page.get_by_text("The booking is cancelled").wait_for()
    screenshot(nadia_page, "booking-after-cancel")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    bea_page.goto(f"{base}/mentors/{nadia.pk}/book/")
    assert bea_page.locator("button.slot").first.inner_text() == chosen

    # Someone else takes it while Bea's page still shows it: she is told, plainly.
    Booking.objects.create(mentor=nadia, booker=UserFactory(), starts_at=first_start,
                           ends_at=first_end)
    bea_page.locator("button.slot").first.click()
    bea_page.get_by_role("alert").wait_for()
    assert bea_page.get_by_role("alert").inner_text() == (
        "Sorry, this time was just taken. Choose another one.")
    assert bea_page.locator("button.slot").first.inner_text() != chosen
    screenshot(bea_page, "booking-just-taken")
