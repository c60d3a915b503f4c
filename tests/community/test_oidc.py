"""Sign-in through an organisation (OpenID Connect) against a real provider: the test
provider of tests/oidc_provider (django-oauth-toolkit) runs in a subprocess; Cohort runs
in this process (Django's test client) and talks to it over HTTP as in production.

Invitation-only stays the rule: a linked member, a member whose address the provider
verified, an invited person and (while domain sign-up is open) someone of an allowed
domain come in; anyone else is refused and nothing is created or linked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import environ
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.utils import timezone

from community import services
from community.models import AuditEntry, Invitation, Role, SignupDomain, User
from server.settings import oidc_apps
from tests.community.factories import PASSWORD, AdminFactory, UserFactory
from tests.oidc_provider import OidcProvider

PROVIDER_ID = "example-org"
CALLBACK = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"
ADMIN_CALLBACK = "/accounts/oidc/staff-sso/login/callback/"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    started = OidcProvider(tmp_path_factory.mktemp("oidc"),
                           redirect_uris=[f"http://testserver{CALLBACK}",
                                          f"http://testserver{ADMIN_CALLBACK}"]).start()
    yield started
    started.stop()


def env_apps(monkeypatch: pytest.MonkeyPatch, provider: OidcProvider) -> list[dict]:
    """What the COHORT_OIDC_* variables of a deployment make of this provider (and
    COHORT_OIDC_VERIFIED_DOMAINS, if the test set it)."""
    monkeypatch.setenv("COHORT_OIDC_NAME", "Example Org")
    monkeypatch.setenv("COHORT_OIDC_SERVER_URL", provider.issuer)
    monkeypatch.setenv("COHORT_OIDC_CLIENT_ID", provider.CLIENT_ID)
    monkeypatch.setenv("COHORT_OIDC_CLIENT_SECRET", provider.CLIENT_SECRET)
    monkeypatch.setenv("COHORT_OIDC_ID", PROVIDER_ID)
    return oidc_apps(environ.Env())


@pytest.fixture
def cohort(settings, monkeypatch: pytest.MonkeyPatch, provider: OidcProvider) -> Client:
    monkeypatch.delenv("COHORT_OIDC_VERIFIED_DOMAINS", raising=False)
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": env_apps(monkeypatch, provider)}}
    return Client()


def at_provider(client: Client, provider: OidcProvider, username: str,
                provider_id: str = PROVIDER_ID) -> str:
    """Press "Sign in with Example Org" on Cohort, sign in at the provider: the address
    the provider sends her browser back to (Cohort's callback, with code and state)."""
    start = client.post(f"/accounts/oidc/{provider_id}/login/")
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    browser = requests.Session()
    to_login = browser.get(authorize, allow_redirects=False, timeout=10)
    login_url = provider.url + to_login.headers["Location"]
    browser.get(login_url, timeout=10)
    signed_in = browser.post(login_url, allow_redirects=False, timeout=10, data={
        "username": username, "password": "provider-pass-1",
        "csrfmiddlewaretoken": browser.cookies["provider_csrf"],
        "next": parse_qs(urlparse(login_url).query)["next"][0]})
    assert signed_in.status_code == 302, "the provider refused the password"
    back = browser.get(provider.url + signed_in.headers["Location"], allow_redirects=False,
                       timeout=10)
    assert back.status_code == 302
    assert back.headers["Location"].startswith(
        f"http://testserver/accounts/oidc/{provider_id}/login/callback/?")
    return back.headers["Location"]


def come_back(client: Client, location: str):
    parsed = urlparse(location)
    return client.get(f"{parsed.path}?{parsed.query}")


def sign_in_through(client: Client, provider: OidcProvider, username: str):
    return come_back(client, at_provider(client, provider, username))


def signed_in_as(client: Client) -> User | None:
    home = client.get("/")
    return home.wsgi_request.user if home.status_code == 200 else None  # type: ignore[return-value]


def invite(email: str, role: str = Role.MEMBER) -> Invitation:
    invitation, _token = services.invitation_create(
        admin=AdminFactory(email="ada@example.org", name="Ada Admin"), email=email, role=role)
    return invitation


@pytest.mark.django_db
class TestWhoComesIn:
    def test_an_invited_person_joins_with_the_invited_role(self, cohort, provider):
        invitation = invite("zora@example.org", Role.MENTOR)
        provider.person("zora", email="Zora@Example.org", verified=True, name="Zora Ndiaye")

        answer = sign_in_through(cohort, provider, "zora")

        assert answer.status_code == 302 and answer["Location"] == "/"
        zora = User.objects.get(email="zora@example.org")
        assert (zora.name, zora.role, zora.is_active) == ("Zora Ndiaye", Role.MENTOR, True)
        assert not zora.has_usable_password()
        assert signed_in_as(cohort) == zora
        invitation.refresh_from_db()
        assert invitation.status == "accepted" and invitation.accepted_by == zora
        assert EmailAddress.objects.get(user=zora).verified  # no e-mail to confirm
        assert SocialAccount.objects.get(user=zora).provider == PROVIDER_ID

        # Next time, the linked account signs her in (her provider address may change).
        provider.person("zora", email="zora.n@example.org", verified=True, name="Zora N.")
        fresh = Client()
        assert sign_in_through(fresh, provider, "zora")["Location"] == "/"
        assert signed_in_as(fresh) == zora
        assert User.objects.count() == 2  # Ada and Zora

    def test_joining_through_the_provider_tells_the_webhooks(self, cohort, provider):
        from community.models import Webhook, WebhookDelivery

        Webhook.objects.create(url="https://hr.example.org/hook", events=["member.joined"],
                               secret="whsec_test")
        invite("zora@example.org", Role.MENTOR)
        provider.person("zora", email="zora@example.org", verified=True, name="Zora Ndiaye")

        assert sign_in_through(cohort, provider, "zora")["Location"] == "/"

        zora = User.objects.get(email="zora@example.org")
        (delivery,) = WebhookDelivery.objects.all()
        sent = json.loads(delivery.body)
        assert delivery.event_type == "member.joined"
        assert (sent["data"]["member"]["id"], sent["data"]["via"]) == (zora.pk, "invitation")

    def test_an_invited_admin_gets_the_admin_role(self, cohort, provider):
        invite("grace@example.org", Role.ADMIN)
        provider.person("grace", email="grace@example.org", verified=True, name="Grace H")
        sign_in_through(cohort, provider, "grace")
        grace = User.objects.get(email="grace@example.org")
        assert grace.is_admin and grace.is_staff

    def test_a_member_with_a_verified_matching_address_is_linked_and_audited(
            self, cohort, provider):
        amal = UserFactory(email="amal@example.org", name="Amal Haddad")
        provider.person("amal", email="amal@example.org", verified=True, name="Amal H.")

        answer = sign_in_through(cohort, provider, "amal")

        assert answer.status_code == 302 and answer["Location"] == "/"
        assert signed_in_as(cohort) == amal
        assert SocialAccount.objects.get(user=amal).provider == PROVIDER_ID
        amal.refresh_from_db()
        assert amal.name == "Amal Haddad"  # her own name, not the provider's
        assert amal.check_password(PASSWORD)  # her password still works too
        entry = AuditEntry.objects.get(action="account.provider_link")
        assert (entry.actor, entry.target_id) == (amal, str(amal.pk))
        assert entry.details["provider"] == "Example Org"

    def test_an_unverified_matching_address_is_refused_and_not_linked(self, cohort, provider):
        amal = UserFactory(email="amal@example.org", name="Amal Haddad")
        for verified in (False, None):
            provider.person("mallory", email="amal@example.org", verified=verified,
                            name="Amal Haddad")
            answer = sign_in_through(cohort, provider, "mallory")
            assert answer.status_code == 403
            assert "Your address is not confirmed" in answer.content.decode()
            assert signed_in_as(cohort) is None
        assert not SocialAccount.objects.exists()
        assert not AuditEntry.objects.filter(action="account.provider_link").exists()
        amal.refresh_from_db()
        assert amal.check_password(PASSWORD)

    def test_a_look_alike_address_opens_no_account_and_takes_no_invitation(
            self, cohort, provider):
        """Unicode's case rules make "\u212aate" (a Kelvin sign) lower-case to "kate" and
        PostgreSQL's UPPER() make "admın" (a dotless i) equal "admin": a provider's
        verified look-alike is another address, not hers."""
        kate = UserFactory(email="kate@example.org", name="Kate")
        admin = AdminFactory(email="admin@example.org", name="Admin")
        invitation = invite("irene@example.org", Role.ADMIN)
        for email in ("\u212aate@example.org", "adm\u0131n@example.org",
                      "\u0131rene@example.org"):
            provider.person("mallory", email=email, verified=True, name="Mallory")
            client = Client()
            sign_in_through(client, provider, "mallory")
            assert signed_in_as(client) not in (kate, admin)
        assert not SocialAccount.objects.filter(user__in=[kate, admin]).exists()
        assert not User.objects.filter(role=Role.ADMIN).exclude(
            pk__in=[admin.pk, invitation.invited_by_id]).exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_an_unverified_address_gets_one_answer_whoever_it_belongs_to(
            self, cohort, provider):
        """Member, invited or unknown: the page says nothing about the address's owner."""
        UserFactory(email="amal@example.org")
        invite("zora@example.org")
        pages = []
        for email in ("amal@example.org", "zora@example.org", "nobody@example.org"):
            provider.person("mallory", email=email, verified=False, name="Mallory")
            answer = sign_in_through(Client(), provider, "mallory")
            assert answer.status_code == 403
            main = answer.content.decode().split("<main")[1].split("</main>")[0]
            pages.append(main.replace(email, "<address>"))
        assert pages[0] == pages[1] == pages[2]
        assert "Your address is not confirmed" in pages[0]
        assert User.objects.count() == 2 and not SocialAccount.objects.exists()

    def test_a_provider_without_email_verified_can_vouch_for_its_domains(
            self, settings, monkeypatch, provider):
        """Entra ID sends no `email_verified`: COHORT_OIDC_VERIFIED_DOMAINS says which
        addresses it is trusted for."""
        monkeypatch.setenv("COHORT_OIDC_VERIFIED_DOMAINS", "Example.org, ")
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {
            "OAUTH_PKCE_ENABLED": True, "APPS": env_apps(monkeypatch, provider)}}
        amal = UserFactory(email="amal@example.org")
        UserFactory(email="eve@partner.example")
        provider.person("amal", email="amal@example.org", verified=None, name="Amal")
        provider.person("eve", email="eve@partner.example", verified=None, name="Eve")

        client = Client()
        assert sign_in_through(client, provider, "amal")["Location"] == "/"
        assert signed_in_as(client) == amal
        assert sign_in_through(Client(), provider, "eve").status_code == 403  # not vouched
        assert list(SocialAccount.objects.values_list("user", flat=True)) == [amal.pk]

    def test_a_stranger_is_refused_and_nothing_is_created(self, cohort, provider):
        UserFactory(email="amal@example.org")
        provider.person("eve", email="eve@elsewhere.example", verified=True, name="Eve")

        answer = sign_in_through(cohort, provider, "eve")

        assert answer.status_code == 403
        page = answer.content.decode()
        assert "You need an invitation" in page and "No account was created." in page
        assert signed_in_as(cohort) is None
        assert list(User.objects.values_list("email", flat=True)) == ["amal@example.org"]
        assert not SocialAccount.objects.exists()

    def test_the_refusal_is_translated(self, cohort, provider):
        provider.person("eve", email="eve@elsewhere.example", verified=True, name="Eve")
        cohort.cookies["django_language"] = "fr"
        location = at_provider(cohort, provider, "eve")
        answer = come_back(cohort, location)
        assert answer.status_code == 403
        assert 'lang="fr"' in answer.content.decode()

    def test_an_allowed_domain_joins_only_while_domain_sign_up_is_on(self, cohort, provider):
        provider.person("lina", email="lina@partner.example", verified=True, name="Lina Ortiz")

        refused = sign_in_through(cohort, provider, "lina")  # no domain listed: closed
        assert refused.status_code == 403
        assert not User.objects.filter(email="lina@partner.example").exists()

        SignupDomain.objects.create(domain="partner.example")
        answer = sign_in_through(Client(), provider, "lina")
        assert answer.status_code == 302 and answer["Location"] == "/"
        lina = User.objects.get(email="lina@partner.example")
        assert (lina.name, lina.role) == ("Lina Ortiz", Role.MEMBER)

    def test_an_unverified_allowed_domain_address_must_be_confirmed_by_mail(
            self, cohort, provider, mailoutbox):
        SignupDomain.objects.create(domain="partner.example")
        provider.person("noor", email="noor@partner.example", verified=False, name="Noor")

        answer = sign_in_through(cohort, provider, "noor")

        assert answer.status_code == 302 and "confirm-email" in answer["Location"]
        assert signed_in_as(cohort) is None
        noor = User.objects.get(email="noor@partner.example")
        assert not EmailAddress.objects.get(user=noor).verified
        assert [m.to for m in mailoutbox] == [["noor@partner.example"]]

    def test_another_domain_is_refused_while_domain_sign_up_is_on(self, cohort, provider):
        SignupDomain.objects.create(domain="partner.example")
        provider.person("eve", email="eve@elsewhere.example", verified=True, name="Eve")
        assert sign_in_through(cohort, provider, "eve").status_code == 403
        assert not User.objects.filter(email="eve@elsewhere.example").exists()

    def test_an_invitation_needs_a_verified_address(self, cohort, provider):
        invitation = invite("zora@example.org")
        provider.person("zora", email="zora@example.org", verified=False, name="Zora")
        answer = sign_in_through(cohort, provider, "zora")
        assert answer.status_code == 403
        assert "Your address is not confirmed" in answer.content.decode()
        invitation.refresh_from_db()
        assert invitation.status == "pending"
        assert not User.objects.filter(email="zora@example.org").exists()

    def test_an_expired_or_withdrawn_invitation_lets_nobody_in(self, cohort, provider):
        invitation = invite("zora@example.org")
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1))
        provider.person("zora", email="zora@example.org", verified=True, name="Zora")
        assert sign_in_through(cohort, provider, "zora").status_code == 403
        assert not User.objects.filter(email="zora@example.org").exists()

    def test_a_deactivated_or_suspended_member_is_refused(self, cohort, provider):
        amal = UserFactory(email="amal@example.org", is_active=False)
        provider.person("amal", email="amal@example.org", verified=True, name="Amal")

        answer = sign_in_through(cohort, provider, "amal")  # by her verified address
        assert answer.status_code == 403
        assert "This account is not active" in answer.content.decode()
        assert signed_in_as(cohort) is None

        # Even once linked (she signed in through it before her suspension).
        amal.is_active = True
        amal.save()
        sign_in_through(Client(), provider, "amal")
        assert SocialAccount.objects.filter(user=amal).exists()
        amal.is_active = False
        amal.save()
        again = Client()
        assert sign_in_through(again, provider, "amal").status_code == 403
        assert signed_in_as(again) is None

    def test_a_member_waiting_for_erasure_is_back_as_with_her_password(
            self, cohort, provider):
        from community import erasure

        amal = UserFactory(email="amal@example.org")
        erasure.account_delete_request(user=amal, password=PASSWORD)
        provider.person("amal", email="amal@example.org", verified=True, name="Amal")
        assert sign_in_through(cohort, provider, "amal")["Location"] == "/"
        amal.refresh_from_db()
        assert amal.is_active and erasure.deletion_of(amal) is None
        assert "Your account will not be deleted." in cohort.get("/").content.decode()

    def test_a_name_the_checks_refuse_is_not_taken(self, cohort, provider):
        UserFactory(email="amal@example.org", name="Amal Haddad")
        invite("twin@example.org")
        # Cyrillic "А": looks like Amal's name, so it is refused as it would be anywhere.
        provider.person("twin", email="twin@example.org", verified=True, name="\u0410mal Haddad")
        answer = sign_in_through(cohort, provider, "twin")
        assert answer.status_code == 302
        twin = User.objects.get(email="twin@example.org")
        assert twin.name == "twin"
        home = cohort.get("/")
        assert "cannot be used here" in home.content.decode()


@pytest.mark.django_db
class TestTheExchangeIsChecked:
    def test_a_forged_state_is_refused(self, cohort, provider):
        provider.person("amal", email="amal@example.org", verified=True, name="Amal")
        UserFactory(email="amal@example.org")
        location = at_provider(cohort, provider, "amal")
        parsed = urlparse(location)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        query["state"] = "forged-state-value"
        answer = cohort.get(f"{parsed.path}?{urlencode(query)}")
        assert answer.status_code == 401
        assert "Third-Party Login Failure" in answer.content.decode()
        assert signed_in_as(cohort) is None
        assert not SocialAccount.objects.exists()

    def test_a_replayed_callback_is_refused(self, cohort, provider):
        member = UserFactory(email="amal@example.org")
        provider.person("amal", email="amal@example.org", verified=True, name="Amal")
        location = at_provider(cohort, provider, "amal")
        assert come_back(cohort, location)["Location"] == "/"
        assert signed_in_as(cohort) == member

        # The same callback again, in another browser (a stolen address bar) and in hers.
        thief = Client()
        assert "Third-Party Login Failure" in come_back(thief, location).content.decode()
        assert signed_in_as(thief) is None
        cohort.post("/accounts/logout/")
        assert "Third-Party Login Failure" in come_back(cohort, location).content.decode()
        assert signed_in_as(cohort) is None

    def test_a_callback_from_another_browser_is_refused(self, cohort, provider):
        UserFactory(email="amal@example.org")
        provider.person("amal", email="amal@example.org", verified=True, name="Amal")
        location = at_provider(cohort, provider, "amal")
        other = Client()
        assert "Third-Party Login Failure" in come_back(other, location).content.decode()
        assert signed_in_as(other) is None


@pytest.mark.django_db
class TestHerConnections:
    def test_she_sees_her_organisation_login_and_cannot_remove_her_last_way_in(
            self, cohort, provider):
        invite("zora@example.org")
        provider.person("zora", email="zora@example.org", verified=True, name="Zora Ndiaye")
        sign_in_through(cohort, provider, "zora")
        account = SocialAccount.objects.get()

        page = cohort.get("/accounts/3rdparty/")
        assert page.status_code == 200 and "Example Org" in page.content.decode()
        removed = cohort.post("/accounts/3rdparty/", {"account": account.pk})
        assert SocialAccount.objects.filter(pk=account.pk).exists()
        assert "Your account has no password set up." in removed.content.decode()

    def test_with_a_password_she_can_unlink_it(self, cohort, provider):
        UserFactory(email="amal@example.org")
        provider.person("amal", email="amal@example.org", verified=True, name="Amal")
        sign_in_through(cohort, provider, "amal")
        account = SocialAccount.objects.get()
        answer = cohort.post("/accounts/3rdparty/", {"account": account.pk})
        assert answer.status_code == 302
        assert not SocialAccount.objects.exists()


    def test_her_account_page_leads_to_it_and_to_a_password(self, cohort, provider):
        invite("zora@example.org")
        provider.person("zora", email="zora@example.org", verified=True, name="Zora Ndiaye")
        sign_in_through(cohort, provider, "zora")
        page = cohort.get("/settings/privacy/").content.decode()
        assert 'href="/accounts/3rdparty/"' in page
        assert 'href="/accounts/password/set/"' in page  # she has none yet
        assert cohort.get("/accounts/password/set/").status_code == 200


@pytest.mark.django_db
class TestTheSignInPage:
    def test_it_offers_the_organisation_when_one_is_configured(self, cohort):
        page = cohort.get("/accounts/login/").content.decode()
        assert "Sign in with Example Org" in page
        assert f'action="/accounts/oidc/{PROVIDER_ID}/login/?process=login"' in page

    def test_it_offers_nothing_when_none_is(self, settings):
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
        page = Client().get("/accounts/login/").content.decode()
        assert "Sign in with" not in page
        assert "/accounts/oidc/" not in page

    def test_its_forms_may_lead_on_to_the_provider_and_no_other_page_s(self, cohort, provider):
        login = cohort.get("/accounts/login/")
        form_action = [d for d in login["Content-Security-Policy"].split("; ")
                       if d.startswith("form-action")]
        assert form_action == [f"form-action 'self' {provider.url}"]
        UserFactory(email="amal@example.org")
        cohort.login(email="amal@example.org", password=PASSWORD)
        assert provider.url not in cohort.get("/people/")["Content-Security-Policy"]

    def test_it_is_translated(self, cohort):
        page = cohort.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert 'lang="fr"' in page
        assert f'action="/accounts/oidc/{PROVIDER_ID}/login/?process=login"' in page

    def test_a_provider_added_in_the_admin_works_as_well(self, settings, provider):
        """The admin's way: a Social application row instead of the variables."""
        from allauth.socialaccount.models import SocialApp

        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []}}
        root = UserFactory(email="root@example.org", is_superuser=True, is_staff=True,
                           role=Role.ADMIN)
        admin_client = Client()
        admin_client.force_login(root)
        assert admin_client.get("/admin/socialaccount/socialapp/add/").status_code == 200
        SocialApp.objects.create(
            provider="openid_connect", provider_id="staff-sso", name="Staff SSO",
            client_id=provider.CLIENT_ID, secret=provider.CLIENT_SECRET,
            settings={"server_url": provider.issuer})
        client = Client()
        assert "Sign in with Staff SSO" in client.get("/accounts/login/").content.decode()

        invite("zora@example.org", Role.MENTOR)
        provider.person("zora", email="zora@example.org", verified=True, name="Zora Ndiaye")
        location = at_provider(client, provider, "zora", "staff-sso")  # PKCE checked there
        assert come_back(client, location)["Location"] == "/"
        assert signed_in_as(client) == User.objects.get(email="zora@example.org",
                                                        role=Role.MENTOR)


@pytest.mark.pure
class TestTheEnvironment:
    def test_the_variables_make_one_provider(self, monkeypatch):
        monkeypatch.delenv("COHORT_OIDC_VERIFIED_DOMAINS", raising=False)
        provider = OidcProvider.__new__(OidcProvider)
        provider.issuer = "https://login.example.org/realms/staff"
        [app] = env_apps(monkeypatch, provider)
        assert app == {
            "provider_id": PROVIDER_ID, "name": "Example Org",
            "client_id": OidcProvider.CLIENT_ID, "secret": OidcProvider.CLIENT_SECRET,
            "settings": {"server_url": "https://login.example.org/realms/staff",
                         "oauth_pkce_enabled": True}}

    def test_verified_domains_are_passed_on_lower_case(self, monkeypatch):
        monkeypatch.setenv("COHORT_OIDC_VERIFIED_DOMAINS", "Example.org,staff.example.org")
        provider = OidcProvider.__new__(OidcProvider)
        provider.issuer = "https://login.example.org"
        [app] = env_apps(monkeypatch, provider)
        assert app["settings"]["verified_email"] == ["example.org", "staff.example.org"]

    @pytest.mark.parametrize("issuer", [
        "https://login.microsoftonline.com/common/v2.0",
        "https://login.microsoftonline.com/organizations/v2.0",
        "https://login.microsoftonline.com/Common"])
    def test_verified_domains_are_refused_with_a_multi_tenant_issuer(self, monkeypatch,
                                                                      issuer):
        """Any tenant's administrator sets its users' `email`: trusting a domain there
        would let another organisation in as members of it."""
        from django.core.exceptions import ImproperlyConfigured

        monkeypatch.setenv("COHORT_OIDC_VERIFIED_DOMAINS", "example.org")
        provider = OidcProvider.__new__(OidcProvider)
        provider.issuer = issuer
        with pytest.raises(ImproperlyConfigured, match="COHORT_OIDC_VERIFIED_DOMAINS needs "
                                                       "the organisation's own issuer"):
            env_apps(monkeypatch, provider)
        provider.issuer = "https://login.microsoftonline.com/0b6f-tenant/v2.0"
        assert env_apps(monkeypatch, provider)[0]["settings"]["verified_email"] == [
            "example.org"]

    def test_no_server_url_no_provider(self, monkeypatch):
        monkeypatch.delenv("COHORT_OIDC_SERVER_URL", raising=False)
        assert oidc_apps(environ.Env()) == []

    @pytest.mark.parametrize(("variable", "value", "says"), [
        ("COHORT_OIDC_CLIENT_ID", "", "COHORT_OIDC_CLIENT_ID"),
        ("COHORT_OIDC_ID", "Example Org", "COHORT_OIDC_ID"),
        ("COHORT_OIDC_SERVER_URL", "login.example.org", "COHORT_OIDC_SERVER_URL"),
    ])
    def test_a_wrong_value_stops_the_start_with_a_clear_error(
            self, monkeypatch, variable, value, says):
        from django.core.exceptions import ImproperlyConfigured

        monkeypatch.setenv("COHORT_OIDC_SERVER_URL", "https://login.example.org")
        monkeypatch.setenv("COHORT_OIDC_CLIENT_ID", "cohort")
        monkeypatch.setenv(variable, value)
        with pytest.raises(ImproperlyConfigured, match=says):
            oidc_apps(environ.Env())

    def test_form_action_gains_the_origins_and_nothing_else_changes(self):
        from community.middleware import form_action_with

        policy = "default-src 'self'; form-action 'self'; base-uri 'none'"
        assert form_action_with(policy, ["https://idp.example", "https://idp.example"]) == (
            "default-src 'self'; form-action 'self' https://idp.example; base-uri 'none'")
        assert form_action_with("form-action 'none'", ["https://idp.example"]) == (
            "form-action https://idp.example")
        assert form_action_with("default-src 'self'", ["https://idp.example"]) == (
            "default-src 'self'")

    def test_the_provider_and_its_settings_are_wired(self):
        from django.conf import settings

        assert "allauth.socialaccount.providers.openid_connect" in settings.INSTALLED_APPS
        assert settings.SOCIALACCOUNT_ADAPTER == "community.adapters.SocialAccountAdapter"
        assert settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["OAUTH_PKCE_ENABLED"]


