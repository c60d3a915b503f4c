"""The protocol declared once: every type the server handles or sends is declared in
rooms.protocol, documented in docs/protocol.md, checked on its way out, and sent through
rooms.protocol's doors only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest
from channels.db import database_sync_to_async

from rooms import consumers, protocol
from server import routing
from tests.chat.wsclient import open_socket, receive_until
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room
from video import consumers as video_consumers

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "protocol.md").read_text()
# The requests the consumer answers itself; the features' come from server.routing's tables.
CONSUMER_OWN = set(consumers.OWN_REQUESTS)


def handled() -> set[str]:
    return CONSUMER_OWN | set(routing.HANDLERS) | set(video_consumers.SOCKET_HANDLERS)


def test_every_request_the_server_handles_is_declared_and_every_declared_one_handled():
    assert sorted(handled() - set(protocol.REQUESTS)) == [], "handled but undeclared"
    assert sorted(set(protocol.REQUESTS) - handled()) == [], "declared but unhandled"


@pytest.mark.parametrize("name", sorted(protocol.REQUESTS))
def test_every_request_type_is_documented(name: str):
    assert f'{{"type": "{name}"' in DOCS, f"docs/protocol.md shows no {name} frame"


@pytest.mark.parametrize("name", sorted(protocol.EVENTS))
def test_every_event_type_is_documented(name: str):
    assert f"`{name}`" in DOCS, f"docs/protocol.md does not mention `{name}`"


def test_the_documented_error_codes_are_the_declared_ones():
    table = DOCS[DOCS.index("## Errors"):DOCS.index("## Close codes")]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))
    assert documented == set(get_args(protocol.ErrorCodeName))
    assert {value for name, value in vars(protocol.ErrorCode).items()
            if name.isupper()} == set(get_args(protocol.ErrorCodeName))


def test_each_type_travels_one_way_through_its_doors():
    """A type is declared once per way: a room, personal or socket event, or an answer."""
    assert {d.direction for d in protocol.REQUESTS.values()} == {protocol.Direction.REQUEST}
    assert protocol.Direction.REQUEST not in {d.direction for d in protocol.EVENTS.values()}
    for name, declaration in {**protocol.REQUESTS, **protocol.EVENTS}.items():
        assert declaration.type == name


# --- Every event checked on its way out (tests/conftest.py) ------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("send, event, why", [
    (lambda e: protocol.publish(1, e), {"type": "chat.typing", "room_id": 1, "user_id": 2},
     "name is missing"),
    (lambda e: protocol.publish(1, e), {"type": "rooms.read", "room_id": 1,
                                        "last_read_seq": 1, "unread": 0, "mentions": 0},
     "a personal event, sent as a room event"),
    (lambda e: protocol.publish_to_user(1, e),
     {"type": "notifications.read", "ids": None, "unread": "3"},
     "unread must be a whole number"),
    (lambda e: protocol.publish_to_socket("c", e), {"type": "call.left", "room_id": 1,
                                                    "reason": "bored"}, "reason"),
    (lambda e: protocol.publish_to_socket("c", e), {"type": "call.whisper", "room_id": 1},
     "'call.whisper' is not a declared event"),
    (lambda e: protocol.encode(e), {"type": "chat.reset", "room_id": 1, "rev": 2, "why": 1},
     "why is not a field of chat.reset"),
    (lambda e: protocol.encode(e), {"type": "hello", "user_id": True,
                                    "heartbeat_seconds": 25},
     "user_id must be a whole number"),
])
def test_an_event_unlike_its_declaration_fails_the_test_that_sent_it(
        send: Any, event: dict[str, Any], why: str, sent_events_checked: list[str],
        django_capture_on_commit_callbacks: Any):
    with django_capture_on_commit_callbacks(execute=False):
        send(event)
    assert len(sent_events_checked) == 1 and why in sent_events_checked[0]
    sent_events_checked.clear()  # seen: this test passes


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_consumers_own_frames_are_checked(sent_events_checked: list[str],
                                                    monkeypatch: pytest.MonkeyPatch):
    """`hello` and the answers the consumer writes itself go through the same check."""
    seen: list[str] = []
    monkeypatch.setattr(protocol, "event_check",
                        lambda event, direction: seen.append(event["type"]))
    ana = await database_sync_to_async(UserFactory)()
    await database_sync_to_async(make_room)(ana)
    socket = await open_socket(ana, sync={})
    await receive_until(socket, "sync.done")
    await socket.disconnect()
    assert {"hello", "sync.done"} <= set(seen) | set(sent_events_checked)


# --- One door ----------------------------------------------------------------------------
FEATURES = ("chat", "video", "notifications", "mentoring", "community")
# Listens on a channel of its own (new_channel, receive); it sends through rooms.protocol.
LISTENERS = {"video/relay/host.py"}


def test_no_feature_sends_on_the_channel_layer_itself():
    """Every send to a client, or after a commit, goes through rooms.protocol."""
    for app in FEATURES:
        for path in (ROOT / app).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            text = path.read_text()
            assert not re.search(r"\.(group_)?send\(", text) or "migrations" in name, \
                f"{name} sends on a channel layer: use rooms.protocol"
            if name not in LISTENERS:
                assert "channels.layers" not in text, \
                    f"{name} uses the channel layer: use rooms.protocol"
