"""Sign-in through the organisation, clicked in Chromium: Cohort's sign-in page offers
"Sign in with Example Org", the test provider (tests/oidc_provider, a real OpenID Connect
provider) asks for her password, and she lands signed in on Cohort's home page; a
stranger lands on "You need an invitation"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from community import services
from community.models import Invitation, Role, User
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_accessibility import Checker
from tests.community.factories import AdminFactory
from tests.oidc_provider import PASSWORD, OidcProvider
from tests.servers import ServerProcess, free_port

pytestmark = pytest.mark.browser

PROVIDER_ID = "example-org"
SHOTS = Path("/work/notes/shots")


@pytest.fixture
def provider_and_cohort(transactional_db: None,
                        tmp_path: Path) -> Iterator[tuple[OidcProvider, LiveServer]]:
    """The provider, with Cohort's callback registered, and a Cohort server configured
    for it by the environment, as a deployment is (COHORT_OIDC_*)."""
    port = free_port()
    provider = OidcProvider(tmp_path, redirect_uris=[
        f"http://127.0.0.1:{port}/accounts/oidc/{PROVIDER_ID}/login/callback/"])
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = ServerProcess(
        tmp_path, port, MEDIA_ROOT=str(tmp_path / "media"), EMAIL_FILE_PATH=str(mail_dir),
        COHORT_OIDC_NAME="Example Org", COHORT_OIDC_SERVER_URL=provider.issuer,
        COHORT_OIDC_CLIENT_ID=OidcProvider.CLIENT_ID,
        COHORT_OIDC_CLIENT_SECRET=OidcProvider.CLIENT_SECRET, COHORT_OIDC_ID=PROVIDER_ID)
    try:
        server.launch()
        provider.start()
        yield provider, LiveServer(server=server, mail_dir=mail_dir)
    finally:
        server.stop()
        provider.stop()


def shot(page, name: str) -> None:
    screenshot(page, f"oidc-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"oidc-{name}.png"), full_page=True)


def through_the_provider(page, base: str, username: str, *, axe: Checker | None = None,
                         name: str | None = None) -> None:
    page.goto(f"{base}/accounts/login/")
    if name:
        shot(page, name)
    if axe:
        axe.check(page, "sign-in with a provider")
    page.get_by_role("button", name="Sign in with Example Org").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in to Example Org").click()


def test_an_invited_person_signs_in_with_her_organisation(provider_and_cohort, browser):
    provider, cohort = provider_and_cohort
    base = cohort.url
    admin = AdminFactory(email="ada@example.org", name="Ada Admin")
    services.invitation_create(admin=admin, email="zora@example.org", role=Role.MENTOR)
    provider.person("zora", email="zora@example.org", verified=True, name="Zora Ndiaye")

    axe = Checker()
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    through_the_provider(page, base, "zora", axe=axe, name="sign-in")
    page.wait_for_url(f"{base}/")
    page.get_by_role("button", name="Sign out").wait_for()
    shot(page, "home")

    zora = User.objects.get(email="zora@example.org")
    assert (zora.name, zora.role) == ("Zora Ndiaye", Role.MENTOR)
    assert Invitation.objects.get(email="zora@example.org").status == "accepted"

    page.goto(f"{base}/accounts/3rdparty/")
    page.get_by_text("Example Org (zora@example.org)").wait_for()
    shot(page, "connections")
    axe.check(page, "organisation sign-ins")
    page.goto(f"{base}/settings/privacy/")
    page.get_by_role("link", name="See, link or unlink your organisation sign-in").wait_for()
    shot(page, "my-data")
    assert not axe.found, axe.message()

    # Signed out, the same button signs her in again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/accounts/login/")
    page.get_by_role("button", name="Sign in with Example Org").click()
    page.wait_for_url(f"{base}/")  # the provider remembers her: no password asked
    page.get_by_role("button", name="Sign out").wait_for()


def test_a_stranger_is_told_she_needs_an_invitation(provider_and_cohort, browser):
    provider, cohort = provider_and_cohort
    base = cohort.url
    provider.person("eve", email="eve@elsewhere.example", verified=True, name="Eve")

    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    through_the_provider(page, base, "eve")
    page.get_by_role("heading", name="You need an invitation").wait_for()
    shot(page, "refused")
    axe = Checker()
    axe.check(page, "refused")
    assert not axe.found, axe.message()
    assert not User.objects.filter(email="eve@elsewhere.example").exists()
    page.goto(f"{base}/people/")
    assert "/accounts/login/" in page.url
