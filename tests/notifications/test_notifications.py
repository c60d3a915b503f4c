"""The notification centre: preferences per kind, live delivery, read state, privacy."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core import mail
from django.urls import reverse

from notifications import services
from notifications.models import Notification
from rooms import protocol
from tests.community.factories import PASSWORD, AdminFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notify(user, kind="request_received"):
    return services.notify(user=user, kind=kind, params={"mentee": "Léa"}, url="/mentoring/")


def test_default_is_in_app_and_email(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    assert Notification.objects.filter(user=user).count() == 1
    assert len(mail.outbox) == 1
    assert "Léa asked you to be her mentor." in mail.outbox[0].body
    assert "/notifications/preferences/" in mail.outbox[0].body


def test_preferences_per_kind_turn_each_channel_off(client, django_capture_on_commit_callbacks):
    user = MentorFactory()
    client.login(email=user.email, password=PASSWORD)
    client.post(reverse("notification_preferences"), {
        "request_received:in_app": "on", "request_expired:in_app": "on",
        "request_expired:email": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)  # in-app only now
        _notify(user, "request_expired")  # both
    assert Notification.objects.filter(user=user).count() == 2
    assert len(mail.outbox) == 1
    client.post(reverse("notification_preferences"), {})
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(user) is None
    assert Notification.objects.filter(user=user).count() == 2 and len(mail.outbox) == 1


def test_the_live_event_reaches_her_user_group(django_capture_on_commit_callbacks):
    user = UserFactory()
    layer = protocol.room_layer()  # personal events travel as room events do (rooms.hub)

    def notify() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            _notify(user)

    async def listen() -> dict:
        channel = await layer.new_channel()
        await layer.group_add(protocol.user_group(user.pk), channel)
        await asyncio.sleep(0.1)  # Redis has taken the subscription
        await sync_to_async(notify)()
        async with asyncio.timeout(5):
            return await layer.receive(channel)

    message = async_to_sync(listen)()
    assert message["user_id"] == user.pk and message["kind"] == "notification.created"
    event = json.loads(message["text"])
    assert event["type"] == "notification.created" and event["unread"] == 1
    assert event["notification"]["text"] == "Léa asked you to be her mentor."


def test_centre_shows_count_marks_read_and_opens_local_links_only(client):
    user = UserFactory()
    first = _notify(user)
    services.notify(user=user, kind="request_received", params={"mentee": "X"},
                    url="https://evil.example/")
    client.login(email=user.email, password=PASSWORD)
    page = client.get(reverse("notifications")).content.decode()
    assert "Léa asked you to be her mentor." in page
    assert client.get(reverse("api_v1_notifications_unread")).json()["unread"] == 2
    assert client.get(reverse("notification_open", args=[first.pk])).url == "/mentoring/"
    evil = Notification.objects.exclude(pk=first.pk).get()
    assert client.get(reverse("notification_open", args=[evil.pk])).url == "/notifications/"
    assert client.get(reverse("api_v1_notifications_unread")).json()["unread"] == 0


def test_nobody_else_sees_or_reads_them(client):
    owner = UserFactory()
    notification = _notify(owner)
    for other in (UserFactory(), AdminFactory()):
        client.login(email=other.email, password=PASSWORD)
        assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 404
        assert client.post(reverse("api_v1_notifications_read"), {"ids": [notification.pk]},
                           content_type="application/json").json() == {"unread": 0}
        assert "Léa" not in client.get(reverse("notifications")).content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_unknown_kinds_and_bad_ids_are_refused(client):
    user = UserFactory()
    with pytest.raises(ValueError):
        services.notify(user=user, kind="nope", params={})
    client.login(email=user.email, password=PASSWORD)
    assert client.post(reverse("api_v1_notifications_read"), {"ids": ["x"]},
                       content_type="application/json").status_code == 400
