"""An event proposed, answered, moved or cancelled reaches every member's open socket in
the room's order; a socket that was away catches up through `sync`; a removed member
hears none of it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from calendar_app.services import answers
from calendar_app.services import events as event_services
from chat import services as chat_services
from rooms import services as room_services
from rooms.models import Room
from tests.calendar_app.factories import event_data
from tests.chat.wsclient import open_socket, receive_until
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def test_members_hear_each_change_and_a_removed_member_hears_none():
    def build():
        ana, bea, cy = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Cy")
        return ana, bea, cy, make_room(ana, bea, cy, name="Cohort")
    ana, bea, cy, room = await db(build)()
    b = await open_socket(bea, sync={})
    await receive_until(b, "sync.done")
    c = await open_socket(cy, sync={})
    await receive_until(c, "sync.done")

    event = await db(event_services.event_create)(
        user=ana, room_id=room.pk, data=event_data(rrule="FREQ=WEEKLY;COUNT=5"))
    for socket in (b, c):
        frame, _ = await receive_until(socket, "calendar.changed")
        assert (frame["room_id"], frame["rev"], frame["event"]["title"],
                frame["event"]["rrule"], frame["event"]["start"]) == (
            room.pk, event.rev, "Mentoring circle", "FREQ=WEEKLY;COUNT=5", "2027-03-02T18:00")

    await db(answers.rsvp_set)(user=bea, event_id=event.pk, answer="going")
    frame, _ = await receive_until(b, "calendar.changed")
    assert frame["event"]["rsvp"] == {"going": 2, "maybe": 0, "not_going": 0}  # Ana and Bea

    await db(room_services.member_remove)(actor=ana, room=room, user=cy)
    await receive_until(c, "rooms.removed")
    moved = await db(event_services.occurrence_change)(
        user=ana, event_id=event.pk,
        recurrence_id=event_services.parse_recurrence_id("20270309T170000Z"),
        data={"start": "2027-03-10T18:00", "end": "2027-03-10T19:00"})
    frame, _ = await receive_until(b, "calendar.changed")
    assert frame["event"]["occurrences"] == [{
        "recurrence_id": "2027-03-09T17:00:00Z", "cancelled": False,
        "start": "2027-03-10T18:00", "starts_at": "2027-03-10T17:00:00Z",
        "duration_minutes": 60, "title": ""}]
    assert moved.starts_at is not None
    await db(event_services.event_cancel)(user=ana, event_id=event.pk)
    frame, _ = await receive_until(b, "calendar.changed")
    assert frame["event"]["cancelled"] is True

    # Cy, removed, hears none of it: the next thing she hears is the sentinel.
    other = await db(make_room)(ana, cy, name="Sentinel")
    await c.send_json_to({"type": "sync", "rooms": {}})
    await receive_until(c, "sync.done")
    await db(chat_services.message_send)(author=ana, room_id=other.pk, text="sentinel",
                                         client_id="s1")
    while True:
        frame = await c.receive_json_from(timeout=5)
        assert frame["type"] != "calendar.changed"
        if frame["type"] == "chat.message.created":
            assert frame["message"]["text"] == "sentinel"
            break
    await b.disconnect()
    await c.disconnect()


async def test_a_socket_that_was_away_catches_up_with_the_event_as_it_is_now():
    def build():
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        return ana, bea, make_room(ana, bea, name="Pair", kind=Room.Kind.GROUP)
    ana, bea, room = await db(build)()
    b = await open_socket(bea, sync={})
    await receive_until(b, "sync.done")
    head = (await db(Room.objects.get)(pk=room.pk)).last_rev
    await b.disconnect()
    watcher = await open_socket(ana, sync={})  # sees each change leave, live
    await receive_until(watcher, "sync.done")

    event = await db(event_services.event_create)(user=ana, room_id=room.pk,
                                                  data=event_data())
    await db(event_services.event_update)(user=ana, event_id=event.pk,
                                          data=event_data(title="Moved circle",
                                                          start="2027-03-03T18:00",
                                                          end="2027-03-03T19:30"))
    for rev in (event.rev, event.rev + 1):
        frame, _ = await receive_until(watcher, "calendar.changed")
        assert frame["rev"] == rev
    # Both changes have left: what Bea's new socket gets of them is the catch-up's (the
    # process's recent events, or the record).
    b = await open_socket(bea, sync={str(room.pk): head})
    frames = []
    while True:
        frame = await b.receive_json_from(timeout=5)
        if frame["type"] == "sync.done":
            break
        frames.append(frame)
    changed = [f for f in frames if f["type"] == "calendar.changed"]
    # In the room's order, each rev once, ending with the event as it is now.
    revs = [f["rev"] for f in changed]
    assert revs == sorted(set(revs)) and revs[-1] == event.rev + 1
    assert (changed[-1]["event"]["title"], changed[-1]["event"]["start"],
            changed[-1]["event"]["duration_minutes"], changed[-1]["event"]["sequence"]) == (
        "Moved circle", "2027-03-03T18:00", 90, 1)
    await b.disconnect()
    await watcher.disconnect()
