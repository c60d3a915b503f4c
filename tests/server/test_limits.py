"""Every write and every costly read over HTTP has a limit: past it, 429 with Retry-After
(a page in her language, or JSON for the API), and nothing changes. Limits are lowered
here (COHORT_RATE_LIMITS); the clock is frozen, so no count straddles two windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from community.models import Invitation
from rooms.models import Membership, Room
from tests.community.factories import AdminFactory, MentorFactory, UserFactory
from tests.community.test_services import image_upload
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

# 12:00:10 UTC: 50 seconds left in its minute, 3,590 in its hour.
NOON = datetime(2026, 12, 4, 12, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def low_limits(settings):
    settings.COHORT_RATE_LIMITS = {action: (1, seconds) for action, (_uses, seconds)
                                   in settings.COHORT_RATE_LIMITS.items()}
    with time_machine.travel(NOON, tick=False):
        yield


def signed_in(client, user):
    client.force_login(user)
    return client


def assert_refused(response, seconds: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds)


def assert_page_says_when(response, words: str) -> None:
    text = response.content.decode()
    assert "Slow down a little" in text and f"Try again in {words}." in text


class TestReads:
    def test_search_page(self, client):
        signed_in(client, UserFactory())
        assert client.get("/search/?q=budget").status_code == 200
        refused = client.get("/search/?q=budget")
        assert_refused(refused, 50)
        assert_page_says_when(refused, "50 seconds")
        assert client.get("/search/").status_code == 200  # the empty form is no search

    def test_people_search(self, client):
        signed_in(client, UserFactory())
        assert client.get("/people/?q=ana").status_code == 200
        assert_refused(client.get("/people/?q=ana"), 50)

    def test_document_searches(self, client):
        ana = UserFactory()
        room = make_room(ana)
        signed_in(client, ana)
        assert client.get(f"/rooms/{room.pk}/documents/?q=cv").status_code == 200
        assert_refused(client.get(f"/rooms/{room.pk}/documents/?q=cv"), 50)
        assert_refused(client.get("/documents/?q=cv"), 50)
        assert client.get("/documents/").status_code == 200  # listing without words is free

    def test_history_pages_answer_json(self, client):
        ana = UserFactory()
        room = make_room(ana)
        signed_in(client, ana)
        assert client.get(f"/api/v1/rooms/{room.pk}/messages").status_code == 200
        refused = client.get(f"/api/v1/rooms/{room.pk}/messages?page_size=5")
        assert_refused(refused, 50)
        assert [e["code"] for e in refused.json()["errors"]] == ["rate_limited"]


class TestWrites:
    def test_new_rooms(self, client):
        mentor = MentorFactory()
        signed_in(client, mentor)
        assert client.post("/rooms/new/", {"name": "One"}).status_code == 302
        refused = client.post("/rooms/new/", {"name": "Two"})
        assert_refused(refused, 3590)
        assert_page_says_when(refused, "60 minutes")
        assert list(Room.objects.values_list("name", flat=True)) == ["One"]

    def test_new_direct_conversations_but_not_opening_one_again(self, client):
        ana, bea, cleo = UserFactory(), UserFactory(), UserFactory()
        signed_in(client, ana)
        assert client.post(f"/people/{bea.pk}/message").status_code == 302
        assert client.post(f"/people/{bea.pk}/message").status_code == 302  # the same one
        assert_refused(client.post(f"/people/{cleo.pk}/message"), 3590)
        assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1

    def test_members_added_to_a_room(self, client):
        mentor, bea, cleo = MentorFactory(), UserFactory(), UserFactory()
        room = make_room(mentor)
        signed_in(client, mentor)
        url = f"/rooms/{room.pk}/manage/"
        assert client.post(url, {"user": bea.pk}).status_code == 302
        assert_refused(client.post(url, {"user": cleo.pk}), 3590)
        assert not Membership.objects.filter(room=room, user=cleo).exists()

    def test_invitations(self, client):
        signed_in(client, AdminFactory())
        url = reverse("invitations")
        assert client.post(url, {"form": "one", "one-email": "a@example.org",
                                 "one-role": "member"}).status_code == 302
        mail.outbox.clear()
        refused = client.post(url, {"form": "one", "one-email": "b@example.org",
                                    "one-role": "member"})
        assert_refused(refused, 43190)  # a day's window ends at midnight UTC
        assert_page_says_when(refused, "12 hours")
        assert not Invitation.objects.filter(email="b@example.org").exists()
        assert mail.outbox == []

    def test_profile_photos(self, client):
        member = UserFactory()
        signed_in(client, member)
        form = {"name": "Mira", "contact_visibility": "members"}
        first = client.post(reverse("profile_edit"), {**form, "photo_upload": image_upload()})
        assert first.status_code == 302
        member.profile.refresh_from_db()
        photo = member.profile.photo.name
        refused = client.post(reverse("profile_edit"), {**form, "headline": "New",
                                                         "photo_upload": image_upload()})
        assert_refused(refused, 3590)
        member.profile.refresh_from_db()
        assert member.profile.photo.name == photo and member.profile.headline == ""

    def test_document_and_chat_attachment_uploads(self, client, settings):
        settings.DOCUMENTS_WRITE_LIMIT = 1
        ana = UserFactory()
        room = make_room(ana)
        signed_in(client, ana)
        url = f"/rooms/{room.pk}/documents/upload"
        json = {"HTTP_ACCEPT": "application/json"}  # as the chat's attach button asks

        def send(name: str):
            return client.post(url, {"file": SimpleUploadedFile(name, b"notes\n")}, **json)
        assert send("a.txt").status_code in (200, 201)
        refused = send("b.txt")
        assert_refused(refused, 50)
        assert refused.json()["error"] == "rate_limited"


class TestEmailAddresses:
    """allauth's own limit (ACCOUNT_RATE_LIMITS["manage_email"]), answered with our 429."""

    def test_adding_addresses_is_limited_per_day(self, client, settings):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                        "manage_email": "100/m/user,2/d/user"}
        member = UserFactory()
        signed_in(client, member)
        for n in range(2):
            response = client.post("/accounts/email/", {"action_add": "", "email":
                                                        f"other{n}@example.org"})
            assert response.status_code == 302
        sent = len(mail.outbox)
        refused = client.post("/accounts/email/", {"action_add": "",
                                                   "email": "victim@example.org"})
        assert refused.status_code == 429 and refused["Retry-After"]
        assert "Slow down a little" in refused.content.decode()
        assert not EmailAddress.objects.filter(email="victim@example.org").exists()
        assert len(mail.outbox) == sent


def test_the_429_page_is_in_french(client):
    signed_in(client, UserFactory())
    client.get("/search/?q=a", HTTP_ACCEPT_LANGUAGE="fr")
    refused = client.get("/search/?q=a", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 429
    assert '<html lang="fr' in refused.content.decode()
