"""axe-core on every page of the app, signed in as the demo's mentee, mentor and admin,
and signed out: no violation of any rule axe runs by default (WCAG 2 A and AA, and its
best practices). A failure lists each violation with the page, the rule and the elements.

The data is the demo community (`seed_demo`) with a shared document and an invitation
added, so that every page has something on it. Error pages are rendered as production
renders them (this process runs with DEBUG off) and served at the live server's address,
so they load the real stylesheet.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.markup]

AXE = Axe()


def _report(results: dict) -> list[str]:
    lines = []
    for violation in results["violations"]:
        targets = "; ".join(" ".join(node["target"]) + " -> " + node["html"][:160]
                            for node in violation["nodes"][:6])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} "
                     f"[{len(violation['nodes'])}] {targets}")
    return lines


class Checker:
    """Runs axe on each page it is given and remembers the violations."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}
        self.pages = 0

    def check(self, page, label: str) -> None:
        page.wait_for_load_state("load")
        results = AXE.run(page).response
        self.pages += 1
        lines = _report(results)
        if lines:
            self.found[f"{label} ({page.url})"] = lines

    def visit(self, page, base: str, path: str, label: str, ready: str | None = None) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status < 500, f"{label}: {response}"
        if ready:
            page.locator(ready).first.wait_for()
        self.check(page, label)

    def message(self) -> str:
        return "\n".join(f"{page}:\n  " + "\n  ".join(lines)
                         for page, lines in self.found.items())


@pytest.fixture
def demo(live_daphne, settings, tmp_path: Path):
    """The demo community, everyone's password known, a document and an invitation
    (made before Playwright starts its event loop: the services publish after commit)."""
    from calendar_app.models import Event
    from community import services as community_services
    from community.models import Topic, User
    from documents import services as document_services
    from documents.models import Document
    from mentoring.models import Mentorship

    settings.MEDIA_ROOT = tmp_path / "media"  # where the live server reads them
    call_command("seed_demo", stdout=io.StringIO())
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    people = {u.email.split("@")[0]: u for u in User.objects.all()}
    lea, nadia = people["lea.mentee"], people["nadia.mentor"]
    mentorship = Mentorship.objects.get(mentee=lea, mentor=nadia)
    pair = mentorship.room
    document_services.document_upload(
        user=lea, room_id=pair.pk, stream=io.BytesIO(b"Three projects I am proud of.\n"),
        name="promotion-case.txt", note="First draft")
    _invitation, token = community_services.invitation_create(
        admin=people["admin"], email="newcomer@example.org", name="Nora Newcomer")
    return {
        "people": people, "mentorship": mentorship, "pair": pair,
        "event": Event.objects.filter(room=pair).first(),
        "document": Document.objects.get(), "token": token,
        "topic": Topic.objects.order_by("pk").first(),
    }


def _send_invalid(page, button: str) -> None:
    """Send the form of `button` as typed, past the browser's own checks, so that the
    server's errors show."""
    form = page.get_by_role("button", name=button).locator("xpath=ancestor::form")
    form.evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name=button).click()
    page.locator(".error, .errors").first.wait_for()


def _error_page(page, base: str, path: str, html: bytes, status: int) -> None:
    """Serve `html` (what production answers) at `path` of the live server."""
    page.route(base + path, lambda route: route.fulfill(
        status=status, body=html, content_type="text/html; charset=utf-8"))
    page.goto(base + path)


def test_every_page_has_no_axe_violation(live_daphne, demo, browser):
    base = live_daphne.url
    people = demo["people"]
    lea, nadia, mei = people["lea.mentee"], people["nadia.mentor"], people["mei.mentor"]
    pair, m, event, document = demo["pair"], demo["mentorship"], demo["event"], demo["document"]
    axe = Checker()
    context = {"viewport": {"width": 1280, "height": 900}}

    # Signed out.
    page = browser.new_context(**context).new_page()
    axe.visit(page, base, "/accounts/login/", "sign-in")
    axe.visit(page, base, "/accounts/password/reset/", "password reset")
    axe.visit(page, base, "/accounts/signup/", "sign-up")
    axe.visit(page, base, f"/invite/{demo['token']}/", "invitation accept")
    axe.visit(page, base, "/invite/not-a-token/", "invitation invalid")
    axe.visit(page, base, "/privacy/", "privacy")
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".error, .errors").first.wait_for()
    axe.check(page, "sign-in with errors")
    page.context.close()

    # The mentee.
    page = browser.new_context(**context).new_page()
    sign_in(page, base, lea.email)
    for path, label, ready in [
        ("/", "home", None), ("/people/", "people", None),
        ("/people/?q=negotiation&role=mentor", "people search", None),
        (f"/people/{nadia.pk}/", "a mentor's profile", None),
        (f"/people/{lea.pk}/", "my profile", None),
        ("/profile/edit/", "profile edit", None),
        ("/mentor/apply/", "mentor application", None),
        ("/rooms/", "rooms", None),
        (f"/rooms/{pair.pk}/", "a room open", ".messages-list li"),
        (f"/rooms/{pair.pk}/documents/", "a room's documents", None),
        (f"/rooms/{pair.pk}/calendar/", "a room's calendar", None),
        ("/calendar/", "calendar", None),
        ("/calendar/?view=week", "calendar week", None),
        ("/calendar/?view=list", "calendar list", None),
        (f"/calendar/events/{event.pk}/", "an event", None),
        ("/calendar/settings/", "calendar settings", None),
        (f"/mentors/{nadia.pk}/book/", "booking", None),
        ("/documents/", "documents", None),
        (f"/documents/{document.pk}/", "a document", None),
        ("/mentoring/", "mentoring", None),
        ("/mentoring/find/", "find a mentor", None),
        (f"/mentoring/{m.pk}/", "a mentorship", None),
        (f"/mentoring/request/{mei.pk}/", "a mentorship request", None),
        ("/notifications/", "notifications", None),
        ("/notifications/preferences/", "notification preferences", None),
        ("/settings/privacy/", "her data and account", None),
        ("/settings/tokens/", "her access tokens", None),
        ("/search/?q=promotion", "search", None),
    ]:
        axe.visit(page, base, path, f"mentee: {label}", ready)
    # Forms answered with errors.
    page.goto(f"{base}/mentoring/request/{mei.pk}/")
    _send_invalid(page, "Send my request")
    axe.check(page, "mentee: a request with errors")
    page.goto(f"{base}/profile/edit/")
    page.get_by_label("Years of experience").fill("200")
    _send_invalid(page, "Save my profile")
    axe.check(page, "mentee: profile edit with errors")
    # The same pages in French.
    page.goto(f"{base}/")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("link", name="Accueil").wait_for()
    for path, label in [("/", "home"), ("/mentoring/find/", "find a mentor"),
                        (f"/mentoring/{m.pk}/", "a mentorship"), ("/calendar/", "calendar"),
                        ("/profile/edit/", "profile edit"), (f"/rooms/{pair.pk}/", "a room")]:
        axe.visit(page, base, path, f"mentee, in French: {label}")
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    page.get_by_role("link", name="Home").wait_for()
    page.set_viewport_size({"width": 390, "height": 844})
    axe.visit(page, base, f"/rooms/{pair.pk}/", "mentee: a room open, phone", ".messages-list li")
    screenshot(page, "90-room-open")
    axe.visit(page, base, "/calendar/", "mentee: calendar, phone")
    axe.visit(page, base, "/people/", "mentee: people, phone")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Notifications").wait_for()
    axe.check(page, "mentee: the menu open, phone")
    page.context.close()

    # The mentor.
    page = browser.new_context(**context).new_page()
    sign_in(page, base, nadia.email)
    for path, label in [
        ("/", "home"), ("/mentoring/", "mentoring"), ("/mentoring/find/", "mentees for her"),
        (f"/mentoring/{m.pk}/", "a mentorship"), ("/mentoring/cohorts/new/", "new cohort"),
        ("/calendar/hours/", "her hours"), ("/rooms/new/", "new room"),
        (f"/rooms/{pair.pk}/manage/", "room settings"),
        (f"/rooms/{pair.pk}/calendar/new/", "new event"),
        (f"/calendar/events/{event.pk}/edit/", "event edit"),
    ]:
        axe.visit(page, base, path, f"mentor: {label}")
    page.context.close()

    # The admin.
    page = browser.new_context(**context).new_page()
    sign_in(page, base, people["admin"].email)
    for path, label in [
        ("/manage/programme/", "programme"), ("/manage/applications/", "applications"),
        ("/manage/invitations/", "invitations"), ("/manage/audit/", "audit log"),
        ("/manage/topics/", "topics"), (f"/manage/topics/{demo['topic'].pk}/", "a topic"),
        ("/manage/retention/", "retention"),
        ("/manage/bots/", "bots"), ("/manage/tokens/", "access tokens"),
        ("/manage/matching/", "matching"),  # last: the preview below is on it
    ]:
        axe.visit(page, base, path, f"admin: {label}")
    page.get_by_label("Preview for").select_option(label=lea.name)
    page.get_by_role("button", name="Preview with these weights").click()
    page.locator(".preview-result").wait_for()
    axe.check(page, "admin: matching preview")
    page.get_by_label("Same city").fill("-2")
    page.get_by_role("button", name="Save the weights").click()
    page.locator(".error").first.wait_for()
    axe.check(page, "admin: matching with errors")
    axe.visit(page, base, "/manage/matching/rounds/", "admin: matching rounds")
    page.get_by_role("button", name="Propose pairs").click()
    page.locator(".round-stats").wait_for()
    axe.check(page, "admin: a matching round, draft")
    page.get_by_role("link", name="Send the proposals…").click()
    page.locator(".confirm").wait_for()
    axe.check(page, "admin: a matching round, asked before sending")
    page.goto(f"{base}/manage/invitations/")
    _send_invalid(page, "Send the invitation")
    axe.check(page, "admin: invitation with errors")
    page.goto(f"{base}/manage/topics/")
    _send_invalid(page, "Add the topic")
    axe.check(page, "admin: new topic with errors")
    page.goto(f"{base}/manage/topics/{demo['topic'].pk}/")
    page.get_by_role("button", name="Retire…").click()
    page.locator(".confirm").wait_for()
    axe.check(page, "admin: retire a topic, asked first")

    # Error pages, as production renders them.
    client = Client()
    client.force_login(lea)
    not_found = client.get("/no-such-page/")
    forbidden = client.get("/manage/programme/")
    assert (not_found.status_code, forbidden.status_code) == (404, 403)
    _error_page(page, base, "/no-such-page/", not_found.content, 404)
    axe.check(page, "error: not found")
    screenshot(page, "91-error-not-found")
    _error_page(page, base, "/forbidden-page/", forbidden.content, 403)
    axe.check(page, "error: forbidden")
    broken = server_error(RequestFactory().get("/broken-page/"))
    _error_page(page, base, "/broken-page/", broken.content, 500)
    axe.check(page, "error: server error")
    screenshot(page, "92-error-server")
    expired = Client(enforce_csrf_checks=True).post("/accounts/login/")
    assert expired.status_code == 403
    _error_page(page, base, "/expired-form/", expired.content, 403)
    axe.check(page, "error: expired form")
    for response, heading in ((not_found, "We cannot find this page"),
                              (forbidden, "You cannot do this here"),
                              (broken, "Something went wrong on our side"),
                              (expired, "Your form has expired")):
        assert f"<h1>{heading}</h1>" in response.content.decode()
    page.context.close()

    assert axe.pages >= 50
    assert not axe.found, f"axe found violations on {len(axe.found)} pages:\n{axe.message()}"
