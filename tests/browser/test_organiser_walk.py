"""The programme team's day, clicked through in Chromium: the home page's next steps for an
admin, a mentor and a new mentee; an invitation sent again, its link copied, withdrawn after
a confirmation; the audit log read in sentences and filtered; the Manage tables on a phone.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community import services
from community.models import Invitation
from tests.browser.conftest import screenshot
from tests.browser.test_calendar import outside_the_page_loop
from tests.browser.test_community_walk import sign_in
from tests.community.factories import (
    AdminFactory,
    ApplicationFactory,
    MentorFactory,
    UserFactory,
)
from tests.mentoring.factories import active, pending

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> None:
    """At 390 px the page never scrolls sideways (a table may scroll inside its box)."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide at 390 px"
    finally:
        page.set_viewport_size(size)


def test_next_steps_invitations_and_the_audit_log(live_daphne, browser):
    base = live_daphne.url

    def build() -> tuple[object, Invitation]:
        amelie = AdminFactory(email="amelie@example.org", name="Amélie Tremblay")
        nadia = MentorFactory(email="nadia@example.org", name="Nadia Haddad", capacity=4)
        UserFactory(email="maya@example.org", name="Maya Chen")  # new, no mentor
        pending(UserFactory(name="Léa Martin"), nadia)
        pending(UserFactory(name="Inès Roy"), nadia)
        ApplicationFactory(applicant=UserFactory(name="Sofia Rossi"))
        with time_machine.travel(timezone.now() - timedelta(days=45)):
            active(UserFactory(name="Chloé Dubois"), MentorFactory(name="Olga Petrova"))
            joy, _token = services.invitation_create(admin=amelie, email="joy@example.org",
                                                     name="Joy Okafor")
        services.invitation_create(admin=amelie, email="kim.long.address@example.org",
                                   name="Kim Nguyen", role="mentor")
        # Sent an hour ago: it may go again.
        Invitation.objects.filter(pk=joy.pk).update(
            sent_at=timezone.now() - timedelta(hours=1),
            expires_at=timezone.now() + timedelta(days=3))
        return amelie, joy

    amelie, joy = outside_the_page_loop(build)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    admin = context.new_page()
    sign_in(admin, base, "amelie@example.org")

    # The admin's next steps: an application to decide, a quiet pair to look at.
    steps = admin.locator(".next-step")
    admin.locator("#next-applications").get_by_text(
        "1 mentor application waits for a decision.").wait_for()
    admin.locator("#next-inactive").get_by_text(
        "1 active mentorship has shown no activity for 30 days.").wait_for()
    assert steps.count() == 2
    screenshot(admin, "70-home-admin")
    admin.locator("#next-inactive").get_by_role("link", name="See who").click()
    admin.wait_for_url(re.compile(r"/manage/programme/#inactive$"))
    quiet = admin.locator("table.inactive")
    assert "Chloé Dubois" in quiet.inner_text() and "Olga Petrova" in quiet.inner_text()
    screenshot(admin, "71-programme-quiet")
    fits_the_phone(admin)

    # Invitations: send Joy's again.
    admin.get_by_role("link", name="Invitations").click()
    mails_before = len(live_daphne.emails())
    admin.get_by_role("button", name="Send again to joy@example.org").click()
    admin.get_by_text("The invitation is sent again to joy@example.org.").wait_for()
    joy_row = admin.locator(f"#invitation-{joy.pk}")
    joy_row.get_by_text("sent 2 times").wait_for()
    joy_row.get_by_text(re.compile("Can be sent again at")).wait_for()
    emails = live_daphne.emails()
    assert len(emails) == mails_before + 1 and "joy@example.org" in emails[-1]
    link = re.search(r"(http://127\.0\.0\.1:\d+/invite/\S+/)", emails[-1]).group(1)

    # Copy its link: the clipboard holds the link of the e-mail.
    joy_row.get_by_role("button", name="Copy link").click()
    admin.get_by_text("The link for joy@example.org is copied.").wait_for()  # seen, not only heard
    assert admin.evaluate("() => navigator.clipboard.readText()") == link
    fits_the_phone(admin)

    # Withdraw Kim's, after saying no once.
    kim_row = admin.locator("tr", has_text="kim.long.address@example.org")
    kim_row.get_by_role("link", name="Withdraw…").click()
    dialog = admin.get_by_role("dialog", name="Withdraw this invitation?")
    dialog.get_by_text(
        "The link sent to kim.long.address@example.org will stop working.").wait_for()
    screenshot(admin, "72-invitations-withdraw-dialog")
    dialog.get_by_role("button", name="Keep it").click()
    dialog.wait_for(state="hidden")
    assert "Pending" in kim_row.inner_text()
    kim_row.get_by_role("link", name="Withdraw…").click()
    dialog.get_by_role("button", name="Withdraw the invitation").click()
    admin.get_by_text("The invitation to kim.long.address@example.org is withdrawn.").wait_for()
    assert "Withdrawn" in admin.locator(
        "tr", has_text="kim.long.address@example.org").inner_text()
    screenshot(admin, "73-invitations")

    # Without scripts the same question is a page of its own.
    outside_the_page_loop(lambda: services.invitation_create(
        admin=amelie, email="zoe@example.org", name="Zoé"))
    zoe = Invitation.objects.get(email="zoe@example.org")
    admin.goto(f"{base}/manage/invitations/{zoe.pk}/withdraw")
    admin.get_by_role("heading", name="Withdraw this invitation?").wait_for()
    screenshot(admin, "74-invitation-withdraw-page")
    admin.get_by_role("link", name="Keep it").click()
    admin.wait_for_url(f"{base}/manage/invitations/")

    # The audit log in sentences, filtered.
    admin.get_by_role("link", name="Audit log").click()
    log = admin.locator("table.audit")
    log.get_by_text("Amélie Tremblay sent the invitation to Joy Okafor (joy@example.org) "
                    "again").wait_for()
    log.get_by_text("Amélie Tremblay withdrew the invitation to Kim Nguyen "
                    "(kim.long.address@example.org)").wait_for()
    today = timezone.localtime()
    assert f"{today.day} {today:%b} {today.year}, " in log.inner_text()
    assert "invitation.create" not in log.inner_text()
    fits_the_phone(admin)
    admin.get_by_label("What").select_option(label="Invitation withdrawn")
    admin.get_by_role("button", name="Filter").click()
    admin.wait_for_url(re.compile(r"action=invitation.revoke"))
    assert log.locator("tbody tr").count() == 1
    admin.get_by_label("What").select_option(label="Invitation sent")
    admin.get_by_label("Who").select_option(label="Amélie Tremblay")
    admin.get_by_label("From").fill((today - timedelta(days=50)).date().isoformat())
    admin.get_by_label("To").fill((today - timedelta(days=40)).date().isoformat())
    admin.get_by_role("button", name="Filter").click()
    admin.wait_for_url(re.compile(r"date_to="))
    assert log.locator("tbody tr").count() == 1  # Joy's, 45 days ago
    assert "Joy Okafor" in log.inner_text() and "Kim" not in log.inner_text()
    screenshot(admin, "75-audit-log")
    admin.get_by_role("link", name="Show everything").click()
    admin.get_by_text("Amélie Tremblay invited Zoé (zoe@example.org)").wait_for()

    # The mentor's next step: her waiting requests.
    mentor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(mentor, base, "nadia@example.org")
    mentor.locator("#next-requests").get_by_text(
        "2 mentees are waiting for your answer.").wait_for()
    screenshot(mentor, "76-home-mentor")
    mentor.get_by_role("link", name="Answer the requests").click()
    mentor.wait_for_url(re.compile(r"/mentoring/#requests-waiting$"))
    mentor.locator("#requests-waiting").get_by_text("Léa Martin").wait_for()

    # The new mentee's next step: find a mentor.
    mentee = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(mentee, base, "maya@example.org")
    step = mentee.locator("#next-find-mentor")
    step.get_by_text("You have no mentor yet.").wait_for()
    screenshot(mentee, "77-home-mentee")
    step.get_by_role("link", name="Find a mentor").click()
    mentee.wait_for_url(f"{base}/mentoring/find/")
