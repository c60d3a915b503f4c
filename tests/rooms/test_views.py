"""Room pages as a member reads them."""

from __future__ import annotations

import pytest
from django.test import Client

from rooms import services
from tests.community.factories import BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("direction", ["she blocked", "she was blocked"])
def test_the_members_page_shows_no_presence_across_a_block(direction):
    ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
    room = make_room(ana, bea, cleo)
    blocker, blocked = (ana, bea) if direction == "she blocked" else (bea, ana)
    BlockFactory(blocker=blocker, blocked=blocked)
    services.connection_open(user=bea, channel_name="bea-tab")
    services.connection_open(user=cleo, channel_name="cleo-tab")  # the sentinel
    page = client_of(ana).get(f"/rooms/{room.pk}/manage/")
    assert page.status_code == 200
    statuses = {member.user.name: status for member, status, _removable in page.context["members"]}
    assert statuses == {"Ana": "offline", "Bea": "offline", "Cleo": "online"}
    assert client_of(cleo).get(f"/rooms/{room.pk}/manage/").context["members"][1][1] == "online"
