"""Across a block in a group room: mentions record and alert nothing, and the page says
whose messages to fold (the members she blocked, in a group room only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chat import permissions, services
from chat.models import Mention
from community import services as community_services
from notifications.models import Notification
from rooms.models import Room
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
    room = make_room(ana, bea, cleo)
    BlockFactory(blocker=ana, blocked=bea)
    return ana, bea, cleo, room


@pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
def test_a_mention_across_a_block_is_not_recorded_counted_or_told(
        group, direction, django_capture_on_commit_callbacks):
    ana, bea, cleo, room = group
    author, named = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = services.message_send(
            author=author, room_id=room.pk, client_id="x1",
            text=f"@**{named.name}** and @**Cleo**")
    assert set(Mention.objects.filter(message=message).values_list("user_id", flat=True)) \
        == {cleo.pk}
    assert not Notification.objects.filter(user=named).exists()
    assert Notification.objects.filter(user=cleo, kind="chat_mention").count() == 1


def test_a_reply_across_a_block_tells_nothing(group):
    ana, bea, _cleo, room = group
    parent, _ = services.message_send(author=ana, room_id=room.pk, client_id="p", text="q?")
    services.message_send(author=bea, room_id=room.pk, client_id="r", text="a!",
                          reply_to=parent.pk)
    assert not Notification.objects.filter(user=ana).exists()


@pytest.mark.parametrize("who,expected", [
    ("member", set()), ("blocker", {"Bea"}), ("blocked member", {"Ana"}), ("admin", set())])
def test_mentionable_by_is_symmetric(group, who, expected):
    ana, bea, cleo, _room = group
    author = {"member": cleo, "blocker": ana, "blocked member": bea,
              "admin": AdminFactory()}[who]
    everyone = {ana.pk: "Ana", bea.pk: "Bea", cleo.pk: "Cleo"}
    reached = permissions.mentionable_by(author, everyone)
    assert {everyone[pk] for pk in set(everyone) - reached - {author.pk}} == expected


def test_the_page_folds_whom_she_blocked_in_a_group_room_only(client, group):
    ana, bea, _cleo, room = group
    client.force_login(ana)
    boot = client.get(reverse("room", args=[room.pk])).context["boot"]
    assert boot["collapse_blocked"] is True and boot["blocked"] == [bea.pk]
    page = client.get(reverse("room", args=[room.pk])).content.decode()
    assert 'data-key="show-anyway"' in page
    pair = make_room(ana, bea, kind=Room.Kind.DIRECT, name="")
    assert client.get(reverse("room", args=[pair.pk])).context["boot"]["collapse_blocked"] \
        is False
    client.force_login(bea)  # blocked, she folds nothing of Ana's
    assert client.get(reverse("room", args=[room.pk])).context["boot"]["blocked"] == []


def test_unblocking_unfolds(client, group):
    ana, bea, _cleo, room = group
    community_services.block_remove(user=ana, other=bea)
    client.force_login(ana)
    assert client.get(reverse("room", args=[room.pk])).context["boot"]["blocked"] == []
