"""The per-room order of numbered events on a socket (rooms.ordering), as properties.

A simulated room: every rev creates an item (a message) or changes one, or is a change the
record keeps nothing of (item -1: it returns nothing for that rev); the record returns,
after a rev, each changed item once at its latest rev (superseded revs never come back).
The transport loses, duplicates and reorders live events; the client reconnects now and
then (a new socket starting from the last rev she holds). Whatever happens, the client
receives each rev at most once, in increasing order, and ends holding every item in its
latest state.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.ordering import RoomOrder

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)

Item = tuple[int, int]  # (item id, the rev that gave it this state)


class Room:
    def __init__(self, changes: list[int]) -> None:
        # changes[i] is the item that rev i + 1 touches (a new id creates one).
        self.touched = changes
        self.head = 0

    def commit(self) -> Item:
        self.head += 1
        return (self.touched[self.head - 1], self.head)

    def read_after(self, after: int) -> list[tuple[int, Item]]:
        """What the record returns now: each item changed after `after`, at its latest."""
        latest: dict[int, int] = {}
        for rev in range(1, self.head + 1):
            latest[self.touched[rev - 1]] = rev
        return sorted((rev, (item, rev)) for item, rev in latest.items()
                      if rev > after and item >= 0)


class Client:
    def __init__(self) -> None:
        self.received: list[int] = []
        self.items: dict[int, int] = {}

    def take(self, sent: list[Item]) -> None:
        for item, rev in sent:
            assert not self.received or rev > self.received[-1], "a rev twice or out of order"
            self.received.append(rev)
            if item >= 0:
                self.items[item] = rev


changes_strategy = st.lists(st.integers(min_value=-1, max_value=12), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(changes=changes_strategy, seed=st.integers(min_value=0, max_value=2**32 - 1),
       loss=st.floats(0, 0.5), duplication=st.floats(0, 0.5), restarts=st.floats(0, 0.1),
       max_held=st.integers(min_value=1, max_value=8))
def test_each_rev_once_in_order_and_every_item_in_its_latest_state(
        changes, seed, loss, duplication, restarts, max_held):
    rng = random.Random(seed)
    room = Room(changes)
    client = Client()
    order: RoomOrder[Item] = RoomOrder(0, max_held=max_held)
    in_flight: list[tuple[int, Item]] = []
    wants_fetch = False

    def fetch() -> None:
        nonlocal wants_fetch
        step = order.fetched(room.read_after(order.delivered), read_at=room.head)
        client.take(step.send)
        wants_fetch = step.fetch

    while room.head < len(changes) or in_flight:
        action = rng.random()
        if room.head < len(changes) and (action < 0.4 or not in_flight):
            event = room.commit()
            if rng.random() >= loss:
                in_flight.append((event[1], event))
                if rng.random() < duplication:
                    in_flight.insert(rng.randrange(len(in_flight) + 1), (event[1], event))
        elif in_flight:
            rev, event = in_flight.pop(rng.randrange(len(in_flight)))  # reordered
            if rng.random() < 0.3:
                order.hold(rev, event)  # arrives while the socket reads the record
                step = order.release()
            else:
                step = order.offer(rev, event)
            client.take(step.send)
            wants_fetch = wants_fetch or step.fetch
        if wants_fetch and rng.random() < 0.5:
            fetch()
        if rng.random() < restarts:  # the client reconnects: a new socket, a `sync`
            held = client.received[-1] if client.received else 0
            order = RoomOrder(held, max_held=max_held)
            in_flight.clear()  # what was on its way to the old socket is gone
            fetch()
    # The heartbeat: the socket reads what it is behind on (the room's latest rev).
    if order.delivered < room.head or wants_fetch:
        fetch()
    assert order.delivered == room.head
    assert client.items == {item: rev for rev, (item, _) in room.read_after(0)}


def test_a_duplicate_is_dropped_and_the_next_goes_at_once():
    order: RoomOrder[str] = RoomOrder(3)
    assert order.offer(3, "old").send == []
    step = order.offer(4, "four")
    assert (step.send, step.fetch) == (["four"], False)


def test_a_gap_holds_later_events_until_the_record_fills_it():
    order: RoomOrder[str] = RoomOrder(1)
    step = order.offer(3, "three")
    assert (step.send, step.fetch) == ([], True)
    step = order.fetched([(2, "two"), (3, "three from the record")], read_at=3)
    assert (step.send, step.fetch) == (["two", "three from the record"], False)
    assert order.offer(3, "three, late").send == []


def test_too_many_held_are_dropped_and_the_record_read():
    order: RoomOrder[str] = RoomOrder(0, max_held=2)
    for rev in (2, 3, 4):
        order.hold(rev, str(rev))
    step = order.release()
    assert (step.send, step.fetch) == ([], True)
    step = order.fetched([(1, "1"), (2, "2"), (3, "3"), (4, "4")], read_at=4)
    assert (step.send, step.fetch) == (["1", "2", "3", "4"], False)
