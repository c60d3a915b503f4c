"""Personal access tokens (community.tokens): made on her settings page and shown once,
stored as a digest, listed with their last use, revoked after a confirmation; the API's
token authentication and scopes (community.api_auth); the admins' list."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import tokens
from community.models import AccessToken, AuditEntry
from tests.community.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(raw: str, **headers: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", **headers}


def make(user, *scopes: str, days: int = 30, name: str = "Script") -> tuple[AccessToken, str]:
    return tokens.token_create(user=user, name=name, scopes=scopes or ("read",), days=days)


class TestStorage:
    def test_the_secret_is_never_stored_only_its_digest(self):
        member = UserFactory()
        token, raw = make(member)
        assert raw.startswith("cohort_pat_") and len(raw) == len("cohort_pat_") + 43
        assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
        row = AccessToken.objects.filter(pk=token.pk).values()[0]
        assert all(raw not in str(value) for value in row.values())
        assert token.hint == raw[:15]  # its first characters, to recognise it

    def test_each_token_is_new(self):
        member = UserFactory()
        assert make(member)[1] != make(member)[1]

    def test_write_implies_read_and_admin_is_refused_to_a_member(self):
        member = UserFactory()
        token, _raw = make(member, "write")
        assert token.scopes == ["read", "write"] and token.has_scope("read")
        with pytest.raises(ValidationError):
            make(member, "admin")
        assert AccessToken.objects.filter(user=member).count() == 1

    def test_expiry_has_a_maximum_and_a_default(self):
        member = UserFactory()
        with pytest.raises(ValidationError):
            make(member, days=366)
        token, _raw = tokens.token_create(user=member, name="x", scopes=["read"])
        assert abs(token.expires_at - timezone.now() - timedelta(days=30)) < timedelta(minutes=1)

    def test_at_most_twenty_live_tokens(self):
        member = UserFactory()
        for n in range(tokens.MAX_PER_MEMBER):
            make(member, name=f"t{n}")
        with pytest.raises(ValidationError):
            make(member, name="one too many")
        first = AccessToken.objects.filter(user=member).last()
        tokens.token_revoke(actor=member, token=first)
        make(member, name="room again")  # a revoked one no longer counts


class TestSettingsPage:
    def test_reachable_from_her_account_page(self):
        page = signed_in(UserFactory()).get(reverse("my_data")).content.decode()
        assert reverse("access_tokens") in page

    def test_create_shows_the_token_once(self):
        member = UserFactory()
        client = signed_in(member)
        answer = client.post(reverse("access_tokens"),
                             {"name": "Weekly report", "scopes": ["read"], "days": "90"})
        assert answer.status_code == 200
        token = AccessToken.objects.get(user=member)
        page = answer.content.decode()
        shown = [word for word in page.split('"') if word.startswith("cohort_pat_")]
        assert len(shown) == 1 and tokens.digest(shown[0]) == token.digest
        assert "Copy the token" in page and "no-store" in answer["Cache-Control"]
        again = client.get(reverse("access_tokens")).content.decode()
        assert "Weekly report" in again and shown[0] not in again and token.hint in again

    def test_a_bad_form_makes_nothing(self):
        member = UserFactory()
        answer = signed_in(member).post(reverse("access_tokens"),
                                        {"name": "", "scopes": ["read"], "days": "3650"})
        assert answer.status_code == 400
        assert not AccessToken.objects.exists()

    def test_admin_scope_is_offered_to_admins_only_and_refused_when_forged(self):
        assert 'value="admin"' not in signed_in(UserFactory()).get(
            reverse("access_tokens")).content.decode()
        assert 'value="admin"' in signed_in(AdminFactory()).get(
            reverse("access_tokens")).content.decode()
        member = UserFactory()
        answer = signed_in(member).post(reverse("access_tokens"),
                                        {"name": "x", "scopes": ["admin"], "days": "30"})
        assert answer.status_code == 400 and not AccessToken.objects.exists()

    def test_list_shows_last_use_and_address(self):
        member = UserFactory()
        token, raw = make(member)
        Client().get("/api/v1/tokens", **bearer(raw, REMOTE_ADDR="203.0.113.9"))
        page = signed_in(member).get(reverse("access_tokens")).content.decode()
        assert "203.0.113.9" in page and "Never" not in page

    def test_revoke_asks_then_revokes(self):
        member = UserFactory()
        token, raw = make(member, name="Old script")
        client = signed_in(member)
        url = reverse("access_token_revoke", args=[token.pk])
        confirm = client.get(url)
        assert "Revoke the token" in confirm.content.decode()
        token.refresh_from_db()
        assert token.revoked_at is None  # asking changes nothing
        assert client.post(url).status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert Client().get("/api/v1/tokens", **bearer(raw)).status_code == 401

    def test_another_member_cannot_revoke_hers(self):
        token, _raw = make(UserFactory())
        other = signed_in(UserFactory())
        assert other.post(reverse("access_token_revoke", args=[token.pk])).status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None


class TestAdmins:
    def test_admin_sees_and_revokes_any_members_token_audited(self):
        member, admin = UserFactory(name="Ines"), AdminFactory()
        token, raw = make(member, name="Ines's script")
        client = signed_in(admin)
        page = client.get(reverse("manage_tokens")).content.decode()
        assert "Ines's script" in page or "Ines&#x27;s script" in page
        client.post(reverse("access_token_revoke", args=[token.pk]))
        token.refresh_from_db()
        assert token.revoked_at is not None
        entry = AuditEntry.objects.get(action="token.revoke")
        assert entry.actor == admin and entry.details["member"] == member.email

    def test_members_cannot_see_the_admins_list(self):
        assert signed_in(UserFactory()).get(reverse("manage_tokens")).status_code == 403


class TestApiAuthentication:
    def test_a_token_reads_as_her(self):
        member = UserFactory()
        token, raw = make(member, name="Mine")
        answer = Client().get("/api/v1/tokens", **bearer(raw))
        assert answer.status_code == 200
        assert [row["name"] for row in answer.json()["results"]] == ["Mine"]
        assert "digest" not in answer.json()["results"][0]

    @pytest.mark.parametrize("case", ["another_install", "malformed", "revoked", "expired",
                                      "inactive", "empty"])
    def test_bad_tokens_are_401_with_one_answer_and_change_nothing(self, case):
        member = UserFactory()
        token, raw = make(member, "write")
        if case == "another_install":  # well formed, but this database never made it
            raw = tokens.mint()
        elif case == "malformed":
            raw = raw[:-1] + "!"
        elif case == "revoked":
            tokens.token_revoke(actor=member, token=token)
        elif case == "expired":
            AccessToken.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1))
        elif case == "inactive":
            member.is_active = False
            member.save(update_fields=["is_active"])
        elif case == "empty":
            raw = ""
        answer = Client().delete(f"/api/v1/tokens/{token.pk}", **bearer(raw))
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
        assert answer.json() == {"errors": [{"field": None, "code": "invalid_token",
                                             "message": "Invalid or expired token."}]}
        token.refresh_from_db()
        assert token.revoked_at is None or case == "revoked"
        assert token.last_used_at is None

    def test_no_credentials_is_401_naming_the_scheme(self):
        answer = Client().get("/api/v1/tokens")
        assert answer.status_code == 401 and answer["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_read_token_cannot_write_write_token_can(self):
        member = UserFactory()
        target, _ = make(member, name="target")
        _read, read_raw = make(member, "read", name="reader")
        _write, write_raw = make(member, "write", name="writer")
        assert Client().post("/api/v1/tokens", **bearer(read_raw)).status_code == 403
        assert Client().delete(f"/api/v1/tokens/{target.pk}",
                               **bearer(read_raw)).status_code == 403
        target.refresh_from_db()
        assert target.revoked_at is None
        assert Client().delete(f"/api/v1/tokens/{target.pk}",
                               **bearer(write_raw)).status_code == 204
        target.refresh_from_db()
        assert target.revoked_at is not None

    def test_admin_views_need_the_admin_scope_and_an_admin(self):
        admin = AdminFactory()
        _plain, plain = make(admin, "write", name="plain")
        _admin, with_admin = make(admin, "read", "admin", name="admin")
        assert Client().get("/api/v1/admin/tokens", **bearer(plain)).status_code == 403
        assert Client().get("/api/v1/admin/tokens", **bearer(with_admin)).status_code == 200
        admin.role = "member"  # no longer an admin: her admin token fails altogether
        admin.is_superuser = False
        admin.save()
        assert Client().get("/api/v1/admin/tokens", **bearer(with_admin)).status_code == 401
        assert Client().get("/api/v1/admin/tokens", **bearer(plain)).status_code == 403

    def test_token_requests_need_no_csrf_session_ones_do(self):
        member = UserFactory()
        target, raw = make(member, "write")
        strict = Client(enforce_csrf_checks=True)
        assert strict.delete(f"/api/v1/tokens/{target.pk}", **bearer(raw)).status_code == 204
        other, _ = make(member, name="other")
        strict.force_login(member)
        assert strict.delete(f"/api/v1/tokens/{other.pk}").status_code == 403
        other.refresh_from_db()
        assert other.revoked_at is None

    def test_last_use_is_written_at_most_once_a_minute(self):
        member = UserFactory()
        token, raw = make(member)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            Client().get("/api/v1/tokens", **bearer(raw))
            token.refresh_from_db()
            first = token.last_used_at
            clock.shift(30)
            Client().get("/api/v1/tokens", **bearer(raw))
            token.refresh_from_db()
            assert token.last_used_at == first
            clock.shift(31)
            Client().get("/api/v1/tokens", **bearer(raw))
            token.refresh_from_db()
            assert token.last_used_at > first

    def test_failed_attempts_are_limited_per_address(self, settings):
        settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "token.failed": (3, 300)}
        member = UserFactory()
        _token, raw = make(member)
        for _ in range(3):
            assert Client().get("/api/v1/tokens", **bearer(tokens.mint(),
                                REMOTE_ADDR="198.51.100.7")).status_code == 401
        refused = Client().get("/api/v1/tokens", **bearer(raw, REMOTE_ADDR="198.51.100.7"))
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        # Another address is not held back.
        assert Client().get("/api/v1/tokens", **bearer(
            raw, REMOTE_ADDR="198.51.100.8")).status_code == 200


def test_an_admins_token_without_the_admin_scope_acts_as_a_plain_member():
    from tests.rooms.factories import make_room

    ana, bea, admin = UserFactory(name="Ana"), UserFactory(name="Bea"), AdminFactory()
    room = make_room(ana, bea, name="Not hers")
    _token, raw = make(admin, "write")
    client = Client()
    listed = client.get(f"/api/v1/rooms/{room.pk}/members", **bearer(raw))
    removed = client.delete(f"/api/v1/rooms/{room.pk}/members/{ana.pk}", **bearer(raw))
    added = client.post(f"/api/v1/rooms/{room.pk}/members", {"user_id": admin.pk},
                        content_type="application/json", **bearer(raw))
    assert (listed.status_code, removed.status_code, added.status_code) == (404, 404, 404)
    assert b"Ana" not in listed.content
    assert set(room.memberships.values_list("user__name", flat=True)) == {"Ana", "Bea"}
    # With the admin scope, as on the pages, she manages the room's members.
    _token, full = make(admin, "write", "admin", name="Admin script")
    assert client.get(f"/api/v1/rooms/{room.pk}/members", **bearer(full)).status_code == 200
