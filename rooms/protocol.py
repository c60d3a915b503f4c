"""Every WebSocket message type, both directions, and the one door to live clients.

One socket per browser tab (`/ws/`) carries the events of all the member's rooms and her
personal events. Client requests are verbs (`chat.send`); server events are facts
(`chat.message.created`). `docs/protocol.md` explains each with an example.

Ordering: every change in a room (a message created, edited, deleted, reacted to) takes
the room's next revision number `rev`, gapless and in commit order; messages also carry
their own gapless `seq`. The database is the record and the channel layer only rings the
bell: the consumer sends each room's events in `rev` order, fetching from the database
whatever the layer lost or delivered late, so a client sees each change once, in order.
"""

from __future__ import annotations

import json
from typing import Any, Literal, NotRequired, TypedDict

from channels.layers import get_channel_layer
from django.db import transaction

from rooms import outbox

# --- Limits -----------------------------------------------------------------------------
MAX_FRAME_BYTES = 64 * 1024
HEARTBEAT_SECONDS = 25

# --- Close codes ------------------------------------------------------------------------
CLOSE_UNAUTHENTICATED = 4401
CLOSE_SIGNED_OUT = 4403  # signed out, a new password, session expired or deactivated
CLOSE_TOO_SLOW = 4408  # too much not read in time: reconnect and `sync`


# --- Error codes (in `error` events) ------------------------------------------------------
class ErrorCode:
    BAD_FRAME = "bad_frame"  # not JSON, not an object, or too large
    UNKNOWN_TYPE = "unknown_type"
    INVALID = "invalid"  # a field is missing or wrong; `detail` says which
    NOT_FOUND = "not_found"  # the room or message does not exist for you
    FORBIDDEN = "forbidden"  # you see it but may not do this (archived room, not author...)
    RATE_LIMITED = "rate_limited"  # slow down; `retry_after` seconds
    SERVER_ERROR = "server_error"


# --- Payloads ---------------------------------------------------------------------------
class AuthorPayload(TypedDict):
    id: int
    name: str


class ReactionPayload(TypedDict):
    emoji: str
    count: int
    user_ids: list[int]


class ReplyPayload(TypedDict):
    id: int
    seq: int
    author_name: str
    excerpt: str


class MessagePayload(TypedDict):
    id: int
    room_id: int
    seq: int
    rev: int
    client_id: str
    author: AuthorPayload
    text: str
    html: str
    reply_to: ReplyPayload | None
    reactions: list[ReactionPayload]
    mentions: list[int]
    created_at: str
    edited_at: str | None
    deleted: bool


class RoomStatePayload(TypedDict):
    room_id: int
    last_seq: int
    last_rev: int
    last_read_seq: int
    unread: int
    mentions: int


# --- Client -> server -------------------------------------------------------------------
class ClientSync(TypedDict):
    """After (re)connecting: the last `rev` the client holds per room ("0" for none)."""

    type: Literal["sync"]
    request_id: NotRequired[str]
    rooms: dict[str, int]


class ClientChatSend(TypedDict):
    type: Literal["chat.send"]
    request_id: NotRequired[str]
    room_id: int
    client_id: str  # the client's own id for this message: a resend stores nothing new
    text: str
    reply_to: NotRequired[int | None]


class ClientChatEdit(TypedDict):
    type: Literal["chat.edit"]
    request_id: NotRequired[str]
    message_id: int
    text: str


class ClientChatDelete(TypedDict):
    type: Literal["chat.delete"]
    request_id: NotRequired[str]
    message_id: int


class ClientChatReact(TypedDict):
    type: Literal["chat.react"]
    request_id: NotRequired[str]
    message_id: int
    emoji: str
    on: bool


class ClientChatRead(TypedDict):
    type: Literal["chat.read"]
    request_id: NotRequired[str]
    room_id: int
    seq: int


class ClientChatHistory(TypedDict):
    type: Literal["chat.history"]
    request_id: NotRequired[str]
    room_id: int
    before_seq: NotRequired[int | None]
    after_seq: NotRequired[int | None]
    limit: NotRequired[int]


class ClientChatTyping(TypedDict):
    type: Literal["chat.typing"]
    room_id: int


class ClientPresenceSet(TypedDict):
    type: Literal["presence.set"]
    state: Literal["active", "idle"]


class ClientPing(TypedDict):
    type: Literal["ping"]
    request_id: NotRequired[str]


# --- Server -> client -------------------------------------------------------------------
class Hello(TypedDict):
    type: Literal["hello"]
    user_id: int
    heartbeat_seconds: int


class Ack(TypedDict):
    type: Literal["ack"]
    request_id: str | None
    result: dict[str, Any]


class Error(TypedDict):
    type: Literal["error"]
    request_id: str | None
    code: str
    detail: str
    retry_after: NotRequired[float]


class SyncDone(TypedDict):
    type: Literal["sync.done"]
    request_id: str | None
    rooms: list[RoomStatePayload]


class ChatMessageCreated(TypedDict):
    type: Literal["chat.message.created"]
    room_id: int
    rev: int
    message: MessagePayload


class ChatMessageUpdated(TypedDict):
    """An edit, a deletion (`message.deleted`) or a change of reactions."""

    type: Literal["chat.message.updated"]
    room_id: int
    rev: int
    message: MessagePayload


class ChatTyping(TypedDict):
    type: Literal["chat.typing"]
    room_id: int
    user_id: int
    name: str


class RoomsRead(TypedDict):
    """Personal: her read position moved (in any of her tabs)."""

    type: Literal["rooms.read"]
    room_id: int
    last_read_seq: int
    unread: int
    mentions: int


class NotifyMention(TypedDict):
    """Personal: someone mentioned her."""

    type: Literal["notify.mention"]
    room_id: int
    message_id: int
    seq: int
    author: AuthorPayload
    excerpt: str


class NotificationPayload(TypedDict):
    id: int
    kind: str
    text: str  # in the recipient's language at the time it was sent
    url: str
    created_at: str


class NotificationCreated(TypedDict):
    """Personal: a new entry in her notification centre; `unread` is her new count."""

    type: Literal["notification.created"]
    notification: NotificationPayload
    unread: int


class NotificationsRead(TypedDict):
    """Personal: she read notifications (in any tab); `unread` is her new count."""

    type: Literal["notifications.read"]
    unread: int


class PresenceChanged(TypedDict):
    type: Literal["presence.changed"]
    room_id: int
    user_id: int
    status: Literal["online", "away", "offline"]


class RoomsJoined(TypedDict):
    """Personal: she was added to a room; her sockets subscribe to it."""

    type: Literal["rooms.joined"]
    room_id: int


class RoomsRemoved(TypedDict):
    """Personal: she left or was removed; her sockets stop receiving the room at once."""

    type: Literal["rooms.removed"]
    room_id: int


class AccountChanged(TypedDict):
    """Personal, internal: her account or session changed (sign-out, a new password,
    deactivation). Her sockets check their rights again; never sent to a client."""

    type: Literal["account.changed"]


class RoomsMemberChanged(TypedDict):
    type: Literal["rooms.member.changed"]
    room_id: int
    user_id: int
    change: Literal["joined", "left", "removed", "role"]


class RoomsArchived(TypedDict):
    type: Literal["rooms.archived"]
    room_id: int


class Pong(TypedDict):
    """Each room's latest `rev`: a client that holds less asks with `sync` again."""

    type: Literal["pong"]
    request_id: str | None
    rooms: dict[str, int]


# --- Calls (video/) ---------------------------------------------------------------------
class IceServerPayload(TypedDict):
    urls: list[str]
    username: NotRequired[str]
    credential: NotRequired[str]


class CallParticipantPayload(TypedDict):
    peer_id: str  # what signalling addresses: one per joined socket
    user_id: int
    name: str
    audio: bool  # microphone on
    video: bool  # camera (or screen) on
    screen: bool  # sharing a screen instead of the camera
    joined_at: str


class CallPayload(TypedDict):
    id: int
    version: int  # raised by every change: a client keeps the newest (id, version)
    mode: Literal["p2p", "relay"]
    started_at: str
    participants: list[CallParticipantPayload]


class ClientCallJoin(TypedDict):
    type: Literal["call.join"]
    request_id: NotRequired[str]
    room_id: int
    audio: NotRequired[bool]
    video: NotRequired[bool]


class ClientCallLeave(TypedDict):
    type: Literal["call.leave"]
    request_id: NotRequired[str]
    room_id: int


class ClientCallUpdate(TypedDict):
    type: Literal["call.update"]
    request_id: NotRequired[str]
    room_id: int
    audio: NotRequired[bool]
    video: NotRequired[bool]
    screen: NotRequired[bool]


class ClientCallSignal(TypedDict):
    """One of `description` (an SDP offer or answer) or `candidate` (an ICE candidate)."""

    type: Literal["call.signal"]
    request_id: NotRequired[str]
    room_id: int
    to: str  # a participant's peer_id, or "relay"
    description: NotRequired[dict[str, str]]
    candidate: NotRequired[dict[str, Any] | None]
    streams: NotRequired[dict[str, str]]  # relay offers: mid -> "self" or a peer_id


class ClientCallIce(TypedDict):
    type: Literal["call.ice"]
    request_id: NotRequired[str]
    room_id: int


class CallChanged(TypedDict):
    """Room: the room's call started, ended (`call` null) or someone in it changed."""

    type: Literal["call.changed"]
    room_id: int
    call_id: int
    version: int  # (call_id, version) orders descriptions: drop one older than you hold
    call: CallPayload | None


# Socket: signalling from another participant ("from" is her peer_id) or from the relay.
CallSignal = TypedDict("CallSignal", {
    "type": Literal["call.signal"], "room_id": int, "from": str,
    "description": NotRequired[dict[str, str]],
    "candidate": NotRequired[dict[str, Any] | None],
})


class CallLeft(TypedDict):
    """Socket: this socket is no longer in the call (joined elsewhere, or removed)."""

    type: Literal["call.left"]
    room_id: int
    reason: Literal["joined_elsewhere", "removed", "ended"]


RoomEvent = (ChatMessageCreated | ChatMessageUpdated | ChatTyping | PresenceChanged
             | RoomsMemberChanged | RoomsArchived | CallChanged)
UserEvent = (RoomsRead | NotifyMention | RoomsJoined | RoomsRemoved | NotificationCreated
             | NotificationsRead | AccountChanged)

SocketEvent = CallSignal | CallLeft

CLIENT_TYPES = ("sync", "chat.send", "chat.edit", "chat.delete", "chat.react", "chat.read",
                "chat.history", "chat.typing", "presence.set", "ping", "call.join",
                "call.leave", "call.update", "call.signal", "call.ice")


# --- Groups and publishing --------------------------------------------------------------
ROOM_LAYER = "rooms"  # the channel layer of room events (settings.CHANNEL_LAYERS)


def room_layer() -> Any:
    """Room events travel on a layer of their own: with Redis, its publish/subscribe
    layer (one PUBLISH per event, each process subscribed once per room, rooms.hub)."""
    return get_channel_layer(ROOM_LAYER)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def encode(event: RoomEvent | UserEvent | SocketEvent | dict[str, Any]) -> str:
    """The event as the text frame every socket receives: serialised once, when published."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def room_message(room_id: int, event: RoomEvent | dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for a room event (rooms.hub hands `text` to each socket)."""
    return {"type": "room.event", "room_id": room_id, "rev": event.get("rev"),
            "text": encode(event)}


def _send_later(layer: Any, group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: outbox.send_soon(layer.group_send, group, message))


def publish(room_id: int, event: RoomEvent) -> None:
    """Ring every live member of the room once the transaction commits.

    The event is serialised here, once for every recipient, so a bad payload fails inside
    the service's transaction instead of after it.
    """
    _send_later(room_layer(), room_group(room_id), room_message(room_id, event))


def user_message(user_id: int, event: UserEvent | dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for a personal event (rooms.hub, like room events)."""
    return {"type": "user.event", "user_id": user_id, "kind": event["type"],
            "text": encode(event)}


def publish_to_user(user_id: int, event: UserEvent) -> None:
    """Ring every open socket of one member (all her tabs, on every server process)."""
    _send_later(room_layer(), user_group(user_id), user_message(user_id, event))


def publish_to_socket(channel_name: str, event: SocketEvent | dict[str, Any]) -> None:
    """Ring one socket (one tab of one member), once the transaction commits."""
    payload = json.loads(encode(event))
    layer = get_channel_layer()
    message = {"type": "socket.event", "event": payload}
    transaction.on_commit(lambda: outbox.send_soon(layer.send, channel_name, message))


async def publish_ephemeral(room_id: int, event: RoomEvent) -> None:
    """For events that are never stored (typing, presence), sent from the consumer."""
    await room_layer().group_send(room_group(room_id), room_message(room_id, event))
