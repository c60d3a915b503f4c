"""The server's own check of open sockets' rights (rooms.liveness.rights_of): the same
answer as Django's per-session check, in a fixed number of queries for a whole batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from community.models import User
from rooms import liveness
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def sockets():
    """Eight members with a session each, in rooms, then each session spoiled one way."""
    members = [UserFactory() for _ in range(8)]
    make_room(*members[:4])
    make_room(*members[3:])
    keys = [signed_in(member) for member in members]
    members[1].is_active = False
    members[1].save()
    members[2].set_password("changed passphrase 11")
    members[2].save()
    Session.objects.filter(session_key=keys[3]).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    Session.objects.filter(session_key=keys[4]).delete()  # signed out
    wanted = [(m.pk, k) for m, k in zip(members, keys, strict=True)]
    wanted.append((members[6].pk, keys[7]))  # another member's session
    wanted.append((members[5].pk, None))  # no session at all
    return members, wanted


def test_the_batch_answers_as_djangos_own_check(sockets, settings):
    members, wanted = sockets
    together = liveness.rights_of(wanted)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # one by one
    one_by_one = liveness.rights_of(wanted)
    assert together == one_by_one
    alive = sorted(user_id for (user_id, _), rights in together.items() if rights.user)
    assert alive == sorted([members[0].pk, members[5].pk, members[6].pk, members[7].pk])
    assert together[(members[0].pk, wanted[0][1])].room_ids  # her rooms, read now


def test_a_whole_batch_of_valid_sockets_costs_four_queries(django_assert_num_queries):
    """Sessions, accounts, rooms, and whom a block hides from each (rooms.permissions)."""
    members = [UserFactory() for _ in range(30)]
    make_room(*members)
    wanted = [(m.pk, signed_in(m)) for m in members]
    with django_assert_num_queries(4):
        found = liveness.rights_of(wanted)
    assert all(rights.user is not None for rights in found.values())
