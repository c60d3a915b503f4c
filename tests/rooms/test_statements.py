"""Each statement of rooms written as SQL text (rooms/statements.py, and
rooms.permissions.membership_locking_room) against the ORM queryset it replaces, on a
varied data set: both must find, and leave, the same rows. Runs in both configurations
(SQLite, PostgreSQL), each with its own SQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from community.models import User
from rooms import permissions, statements
from rooms.models import Connection, Membership, Room
from tests.community.factories import UserFactory
from tests.parity import fields_of, outcome

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 5, 4, 12, 0, tzinfo=timezone.UTC)


@dataclass
class Community:
    people: list[User]
    rooms: list[Room]
    inactive: User


@pytest.fixture
def community() -> Community:
    """Four rooms with varied counters; members in several rooms, one in none, one who was
    deactivated; read positions behind, at and (for a room whose messages were counted
    differently) level with the room; sockets fresh, stale and idle."""
    ana, bea, cy, dee = (UserFactory(name=n) for n in ("Ana", "Bea", "Cy", "Dee"))
    loner, gone = UserFactory(name="Loner"), UserFactory(name="Gone", is_active=False)
    rooms = [Room.objects.create(kind=kind, name=name, created_by=ana, last_seq=seq,
                                 last_rev=rev)
             for kind, name, seq, rev in [(Room.Kind.GROUP, "Cohort", 12, 20),
                                          (Room.Kind.DIRECT, "", 3, 3),
                                          (Room.Kind.ONE_TO_ONE, "Pair", 0, 0),
                                          (Room.Kind.GROUP, "Quiet", 7, 9)]]
    rooms[3].archived_at = NOW
    rooms[3].save()
    for room, user, role, read in [
            (rooms[0], ana, Membership.Role.OWNER, 12), (rooms[0], bea, Membership.Role.MEMBER, 4),
            (rooms[0], cy, Membership.Role.MODERATOR, 0), (rooms[0], gone, "member", 2),
            (rooms[1], bea, Membership.Role.MEMBER, 3), (rooms[1], cy, Membership.Role.MEMBER, 1),
            (rooms[2], ana, Membership.Role.OWNER, 0), (rooms[2], dee, Membership.Role.OWNER, 0),
            (rooms[3], dee, Membership.Role.OWNER, 7), (rooms[3], bea, Membership.Role.MEMBER, 5)]:
        Membership.objects.create(room=room, user=user, role=role, last_read_seq=read,
                                  joined_at=NOW - timedelta(days=read))
    for name, user, state, age in [("a1", ana, "active", 5), ("a2", ana, "idle", 200),
                                   ("b1", bea, "idle", 10), ("b2", bea, "idle", 30),
                                   ("c1", cy, "active", 500), ("g1", gone, "active", 1)]:
        Connection.objects.create(channel_name=name, user=user, state=state,
                                  seen_at=NOW - timedelta(seconds=age))
    return Community([ana, bea, cy, dee, loner, gone], rooms, gone)


def room_ids(community: Community) -> Iterator[int]:
    yield from (room.pk for room in community.rooms)
    yield max(room.pk for room in community.rooms) + 1  # no such room


def test_her_room_ids(community):
    for user in community.people:
        orm = Membership.objects.filter(user_id=user.pk).values_list("room_id", flat=True)
        assert sorted(statements.room_ids_of(user.pk)) == sorted(orm)


def test_the_presence_of_members(community):
    everyone = [u.pk for u in community.people]
    for user_ids in (everyone, everyone[:2], [everyone[2]], [everyone[4]], []):
        for age in (0, 20, 100, 1000):
            since = NOW - timedelta(seconds=age)
            orm = Connection.objects.filter(user_id__in=user_ids, seen_at__gte=since)
            assert sorted(statements.connection_states(user_ids, since)) == sorted(
                orm.values_list("user_id", "state"))


def test_a_socket_opens(community):
    ana = community.people[0]
    for state in Connection.State.values:
        def sql(state: str = state) -> None:
            statements.connection_insert(channel_name="new", user_id=ana.pk, state=state,
                                         seen_at=NOW)

        def orm(state: str = state) -> None:
            Connection.objects.create(channel_name="new", user_id=ana.pk, state=state,
                                      seen_at=NOW)
        assert outcome(sql, Connection) == outcome(orm, Connection)


def test_a_socket_closes(community):
    for name in ("a1", "b2", "never-opened"):
        def sql(name: str = name) -> None:
            statements.connection_delete(name)

        def orm(name: str = name) -> None:
            Connection.objects.filter(channel_name=name).delete()
        assert outcome(sql, Connection) == outcome(orm, Connection)


def test_a_new_message_s_place_in_the_log(community):
    """`place_write` (SQLite's way; PostgreSQL runs the same updates inside the insert:
    tests/chat/test_statements.py)."""
    for membership in Membership.objects.select_related("room"):
        def sql(membership: Membership = membership) -> None:
            room = membership.room
            statements.place_write(statements.MessagePlace(
                room=room, reader=membership, seq=room.last_seq + 1, rev=room.last_rev + 1))

        def orm(membership: Membership = membership) -> None:
            room = membership.room
            Room.objects.filter(pk=room.pk).update(last_seq=room.last_seq + 1,
                                                   last_rev=room.last_rev + 1)
            Membership.objects.filter(pk=membership.pk).update(last_read_seq=room.last_seq + 1)
        assert outcome(sql, Room, Membership) == outcome(orm, Room, Membership)


def test_the_writers_lookup(community):
    """`membership_locking_room`: her membership and its room, the room locked."""
    for user in community.people:
        for room_id in room_ids(community):
            with transaction.atomic():
                found = permissions.membership_locking_room(user, room_id)
                orm = (Membership.objects.select_related("room")
                       .select_for_update(of=("room",))
                       .filter(room_id=room_id, user_id=user.pk).first())
            if user == community.inactive:
                assert found is None  # the rule, before any SQL: no write for her
                continue
            assert fields_of(found) == fields_of(orm)
            assert fields_of(found and found.room) == fields_of(orm and orm.room)
