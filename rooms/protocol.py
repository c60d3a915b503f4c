"""Every WebSocket message type, both directions, and the one door to live clients.

One socket per browser tab (`/ws/`) carries the events of all the member's rooms and her
personal events. Client requests are verbs (`chat.send`); server events are facts
(`chat.message.created`). `docs/protocol.md` explains each with an example.

Ordering: every change in a room (a message created, edited, deleted, reacted to) takes
the room's next revision number `rev`, gapless and in commit order; messages also carry
their own gapless `seq`. The database is the record and the channel layer only rings the
bell: the consumer sends each room's events in `rev` order, fetching from the database
whatever the layer lost or delivered late, so a client sees each change once, in order.

Declared once: each type below is a TypedDict of the frame, and the registry at the end
(`REQUESTS`, `EVENTS`) says which way it travels. Inbound frames are checked against it
(rooms.validation); the test suite checks every event the server sends against it
(`event_check`, tests/conftest.py) and `docs/protocol.md` against it (tests/rooms/
test_protocol.py). A new type is a TypedDict added to one of the unions of the registry.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict, get_args, get_type_hints

from channels.layers import get_channel_layer
from django.db import transaction
from pydantic import ConfigDict, with_config

from rooms import outbox

# --- Limits -----------------------------------------------------------------------------
MAX_FRAME_BYTES = 64 * 1024
MAX_DEPTH = 32  # arrays and objects nested in a client frame, the frame itself included
MAX_INTEGER = 2**53 - 1  # what a JavaScript client holds exactly; larger is refused
HEARTBEAT_SECONDS = 25

# --- Close codes ------------------------------------------------------------------------
CLOSE_UNAUTHENTICATED = 4401  # no session, a bad token, or no `auth` frame in time
AUTH_SECONDS = 5.0  # a socket waiting for its `auth` frame is closed after this
CLOSE_SIGNED_OUT = 4403  # signed out, a new password, session expired or deactivated
CLOSE_TOO_SLOW = 4408  # too much not read in time: reconnect and `sync`
CLOSE_RATE_LIMITED = 4429  # went on sending refused requests after `rate_limited`
CLOSE_TOO_MANY_SOCKETS = 4430  # the member, or her address, has as many sockets as allowed
# Requests refused as `rate_limited` while the wait told by an earlier one runs: past this
# many, the socket is closed (CLOSE_RATE_LIMITED).
RATE_LIMITED_STRIKES = 20


# --- Error codes (in `error` events) ------------------------------------------------------
class ErrorCode:
    BAD_REQUEST = "bad_request"  # not a frame as declared here; `detail` names the field
    UNKNOWN_TYPE = "unknown_type"
    INVALID = "invalid"  # a field is missing or wrong; `detail` says which
    NOT_FOUND = "not_found"  # the room or message does not exist for you
    FORBIDDEN = "forbidden"  # you see it but may not do this (archived room, not author...)
    RATE_LIMITED = "rate_limited"  # slow down; `retry_after` seconds
    SERVER_ERROR = "server_error"


ErrorCodeName = Literal["bad_request", "unknown_type", "invalid", "not_found", "forbidden",
                        "rate_limited", "server_error"]


# --- Payloads ---------------------------------------------------------------------------
# The client's name for a request, given back in its answer: a string or a whole number.
RequestId = str | int


@with_config(ConfigDict(extra="forbid", strict=True))
class Payload(TypedDict):
    """What every declaration below derives from: as checked (rooms.validation), a frame
    or payload has exactly its declared fields, of exactly their types (no "1" for 1, no
    true for 1)."""


class AuthorPayload(Payload):
    id: int
    name: str


class MessageAuthorPayload(AuthorPayload):
    """A message's author; `badge` is her role, shown apart from the name she typed
    (community.names): present only for a mentor, the programme team or a bot."""

    badge: NotRequired[Literal["mentor", "admin", "bot"]]


class ReactionPayload(Payload):
    emoji: str
    count: int
    user_ids: list[int]


class ReplyPayload(Payload):
    id: int
    seq: int
    author_name: str
    excerpt: str


# Who deleted a message: its author, or one of the room's owners or moderators; or a
# moderator hid it after a report ("hidden").
DeletedBy = Literal["author", "moderator", "hidden"]


class MessagePayload(Payload):
    id: int
    room_id: int
    seq: int
    rev: int
    client_id: str
    author: MessageAuthorPayload
    text: str
    html: str
    reply_to: ReplyPayload | None
    reactions: list[ReactionPayload]
    mentions: list[int]
    created_at: str
    edited_at: str | None
    deleted: bool
    deleted_by: DeletedBy | None
    notice: bool


class RoomStatePayload(Payload):
    room_id: int
    last_seq: int
    last_rev: int
    last_read_seq: int
    unread: int
    mentions: int


# --- Client -> server -------------------------------------------------------------------
class ClientSync(Payload):
    """After (re)connecting: the last `rev` the client holds per room ("0" for none)."""

    type: Literal["sync"]
    request_id: NotRequired[RequestId]
    rooms: dict[str, int]


class ClientChatSend(Payload):
    type: Literal["chat.send"]
    request_id: NotRequired[RequestId]
    room_id: int
    client_id: str  # the client's own id for this message: a resend stores nothing new
    text: str
    reply_to: NotRequired[int | None]


class ClientChatEdit(Payload):
    type: Literal["chat.edit"]
    request_id: NotRequired[RequestId]
    message_id: int
    text: str


class ClientChatDelete(Payload):
    type: Literal["chat.delete"]
    request_id: NotRequired[RequestId]
    message_id: int


class ClientChatReact(Payload):
    type: Literal["chat.react"]
    request_id: NotRequired[RequestId]
    message_id: int
    emoji: str
    on: bool


class ClientChatRead(Payload):
    type: Literal["chat.read"]
    request_id: NotRequired[RequestId]
    room_id: int
    seq: int


class ClientChatHistory(Payload):
    type: Literal["chat.history"]
    request_id: NotRequired[RequestId]
    room_id: int
    before_seq: NotRequired[int | None]
    after_seq: NotRequired[int | None]
    limit: NotRequired[int]


class ClientChatTyping(Payload):
    """No `ack`: only an `error` answers it."""

    type: Literal["chat.typing"]
    request_id: NotRequired[RequestId]
    room_id: int


class ClientPresenceSet(Payload):
    """No `ack`: only an `error` answers it."""

    type: Literal["presence.set"]
    request_id: NotRequired[RequestId]
    state: Literal["active", "idle"]


class ClientPing(Payload):
    type: Literal["ping"]
    request_id: NotRequired[RequestId]


class ClientAuth(Payload):
    """A script's access token, as the first frame of a socket opened without Origin,
    cookie or Authorization header (within AUTH_SECONDS); `hello` answers it. Sent on a
    socket that is signed in already, it is answered `invalid`."""

    type: Literal["auth"]
    request_id: NotRequired[RequestId]
    token: str


# --- Server -> client -------------------------------------------------------------------
class Hello(Payload):
    type: Literal["hello"]
    user_id: int
    heartbeat_seconds: int


class Ack(Payload):
    type: Literal["ack"]
    request_id: RequestId | None
    result: dict[str, Any]


class Error(Payload):
    type: Literal["error"]
    request_id: RequestId | None
    code: ErrorCodeName
    detail: str
    retry_after: NotRequired[float]


class SyncDone(Payload):
    type: Literal["sync.done"]
    request_id: RequestId | None
    rooms: list[RoomStatePayload]


class ChatReset(Payload):
    """More changes are missing than catch-up sends: drop what you hold of the room, load
    its latest page with `chat.history`, and follow it from `rev`."""

    type: Literal["chat.reset"]
    room_id: int
    rev: int


class ChatMessageCreated(Payload):
    type: Literal["chat.message.created"]
    room_id: int
    rev: int
    message: MessagePayload


class ChatMessageUpdated(Payload):
    """An edit, a deletion (`message.deleted`) or a change of reactions."""

    type: Literal["chat.message.updated"]
    room_id: int
    rev: int
    message: MessagePayload


class ChatMessageHidden(Payload):
    """A moderator hid the message after a report: `message.deleted` is true,
    `message.deleted_by` is "hidden", its text is gone. Catch-up sends it later as
    `chat.message.updated` in that state."""

    type: Literal["chat.message.hidden"]
    room_id: int
    rev: int
    message: MessagePayload


class ChatTyping(Payload):
    type: Literal["chat.typing"]
    room_id: int
    user_id: int
    name: str


class RoomsRead(Payload):
    """Personal: her read position moved (in any of her tabs)."""

    type: Literal["rooms.read"]
    room_id: int
    last_read_seq: int
    unread: int
    mentions: int


class NotifyMention(Payload):
    """Personal: someone mentioned her."""

    type: Literal["notify.mention"]
    room_id: int
    message_id: int
    seq: int
    author: AuthorPayload
    excerpt: str


class NotificationPayload(Payload):
    id: int
    kind: str
    text: str  # in the recipient's language at the time it was sent
    url: str
    created_at: str
    room_id: int | None  # the room it is about, if any (a call rings with it)


class NotificationCreated(Payload):
    """Personal: a new entry in her notification centre; `unread` is her new count."""

    type: Literal["notification.created"]
    notification: NotificationPayload
    unread: int


class NotificationsRead(Payload):
    """Personal: she read notifications (in any tab, or by acting on what they are
    about); `ids`: which (None: all of them); `unread` is her new count."""

    type: Literal["notifications.read"]
    ids: list[int] | None
    unread: int


class PresenceChanged(Payload):
    type: Literal["presence.changed"]
    room_id: int
    user_id: int
    status: Literal["online", "away", "offline"]


class RoomsJoined(Payload):
    """Personal: she was added to a room; her sockets subscribe to it."""

    type: Literal["rooms.joined"]
    room_id: int


class RoomsRemoved(Payload):
    """Personal: she left or was removed; her sockets stop receiving the room at once."""

    type: Literal["rooms.removed"]
    room_id: int


class BlocksChanged(Payload):
    """Personal: she blocked or unblocked someone (the one she blocked is not told).
    `blocked`: everyone she has blocked now, whose messages her pages show collapsed in
    a group room they share. Her sockets read again whom a block hides from them (either
    way: typing and presence) before they pass it on."""

    type: Literal["blocks.changed"]
    blocked: list[int]


class AccountChanged(Payload):
    """Personal, internal: her account or session changed (sign-out, a new password,
    deactivation), or someone blocked or unblocked her. Her sockets check their rights
    again (whom a block hides included); never sent to a client."""

    type: Literal["account.changed"]


class RoomsMemberChanged(Payload):
    type: Literal["rooms.member.changed"]
    room_id: int
    user_id: int
    change: Literal["joined", "left", "removed", "role"]


class RoomsArchived(Payload):
    type: Literal["rooms.archived"]
    room_id: int


class Pong(Payload):
    """Each room's latest `rev`: a client that holds less asks with `sync` again."""

    type: Literal["pong"]
    request_id: RequestId | None
    rooms: dict[str, int]


# --- Calls (video/) ---------------------------------------------------------------------
class IceServerPayload(Payload):
    urls: list[str]
    username: NotRequired[str]
    credential: NotRequired[str]


class CallParticipantPayload(Payload):
    peer_id: str  # what signalling addresses: one per joined socket
    user_id: int
    name: str
    badge: NotRequired[Literal["mentor", "admin", "bot"]]  # her role (community.names), if any
    photo: str | None  # her profile photo's address, if she has one
    audio: bool  # microphone on
    video: bool  # camera (or screen) on
    screen: bool  # sharing a screen instead of the camera
    joined_at: str


class CallPayload(Payload):
    id: int
    version: int  # raised by every change: a client keeps the newest (id, version)
    mode: Literal["p2p", "relay"]
    started_at: str
    participants: list[CallParticipantPayload]


class SessionDescriptionPayload(Payload):
    type: Literal["offer", "answer"]
    sdp: str


class IceCandidatePayload(Payload):
    """A browser's `RTCIceCandidate.toJSON()`."""

    candidate: str
    sdpMid: NotRequired[str | None]
    sdpMLineIndex: NotRequired[int | None]
    usernameFragment: NotRequired[str | None]


class ClientCallGet(Payload):
    """The room's latest call as it stands, for a page that shows it (no seat taken)."""

    type: Literal["call.get"]
    request_id: NotRequired[RequestId]
    room_id: int


class ClientCallJoin(Payload):
    type: Literal["call.join"]
    request_id: NotRequired[RequestId]
    room_id: int
    audio: NotRequired[bool]
    video: NotRequired[bool]


class ClientCallLeave(Payload):
    type: Literal["call.leave"]
    request_id: NotRequired[RequestId]
    room_id: int


class ClientCallUpdate(Payload):
    type: Literal["call.update"]
    request_id: NotRequired[RequestId]
    room_id: int
    audio: NotRequired[bool]
    video: NotRequired[bool]
    screen: NotRequired[bool]


class ClientCallSignal(Payload):
    """One of `description` (an SDP offer or answer) or `candidate` (an ICE candidate)."""

    type: Literal["call.signal"]
    request_id: NotRequired[RequestId]
    room_id: int
    to: str  # a participant's peer_id, or "relay"
    description: NotRequired[SessionDescriptionPayload]
    candidate: NotRequired[IceCandidatePayload | None]  # null: the end of her candidates
    streams: NotRequired[dict[str, str]]  # relay offers: mid -> "self" or a peer_id


class ClientCallIce(Payload):
    type: Literal["call.ice"]
    request_id: NotRequired[RequestId]
    room_id: int


class CallChanged(Payload):
    """Room: the room's call started, ended (`call` null) or someone in it changed."""

    type: Literal["call.changed"]
    room_id: int
    rev: int  # its place in the room's event log, as chat's events
    call_id: int
    version: int  # (call_id, version) orders descriptions: drop one older than you hold
    call: CallPayload | None


# Socket: signalling from another participant ("from" is her peer_id) or from the relay
# ("from": "relay"), which answers a refused offer with `error` instead of a description.
CallSignal = TypedDict("CallSignal", {
    "type": Literal["call.signal"], "room_id": int, "from": str,
    "description": NotRequired[SessionDescriptionPayload],
    "candidate": NotRequired[IceCandidatePayload | None],
    "error": NotRequired[str],
})
with_config(ConfigDict(extra="forbid", strict=True))(CallSignal)


class CallLeft(Payload):
    """Socket: this socket is no longer in the call (joined elsewhere, or removed)."""

    type: Literal["call.left"]
    room_id: int
    reason: Literal["joined_elsewhere", "removed", "ended"]


# --- Documents (documents/) ---------------------------------------------------------------
class DocumentPayload(Payload):
    """A document as its room's Documents tab shows it. A deleted one keeps only its id,
    `deleted` true and empty fields: its files are gone."""

    id: int
    room_id: int
    rev: int
    name: str
    kind: str  # the MIME type of its latest version, judged from the bytes
    size: int  # of its latest version, in bytes
    version: int  # the latest version's number (1 for the first upload)
    comments: int  # how many comments it has
    shared_by: AuthorPayload | None  # who shared it (its first version)
    uploaded_by: AuthorPayload | None  # who uploaded the latest version
    created_at: str
    updated_at: str
    url: str  # the document's page
    download_url: str  # the latest version, through the permission check
    # The latest version's preview: "pending" until the task worker has made it, then
    # "ready" (an image at `preview_url`, or the text on the document's page), "none"
    # (this kind has none) or "failed" (the file could not be drawn).
    preview: Literal["pending", "ready", "none", "failed", ""]
    preview_url: str  # an image, when there is one; else ""
    pages: int | None  # a PDF's
    deleted: bool


class DocumentsChanged(Payload):
    """A document was shared, got a new version, its preview was made, a comment was
    added or deleted, or it was deleted (`document.deleted`)."""

    type: Literal["documents.changed"]
    room_id: int
    rev: int
    document: DocumentPayload


# --- Calendars (calendar_app/) ------------------------------------------------------------
class OccurrencePayload(Payload):
    """One occurrence of a series changed: cancelled, or moved and/or renamed."""

    recurrence_id: str  # its start in the series, UTC ("2027-03-02T17:00:00Z")
    cancelled: bool
    start: str | None  # where it moved: the organiser's wall clock, like `start`; else None
    starts_at: str | None  # the same instant in UTC; else None
    duration_minutes: int | None
    title: str  # "" keeps the series' title


class RsvpCountsPayload(Payload):
    going: int
    maybe: int
    not_going: int


class EventPayload(Payload):
    """An event of a room's calendar as written by its organiser: a wall-clock `start` in
    `time_zone` and, for a series, an RFC 5545 `rrule`; clients expand occurrences in the
    viewer's zone. A cancelled event keeps its id, `uid` and `cancelled` true."""

    id: int
    room_id: int
    rev: int
    uid: str  # its iCalendar UID
    sequence: int  # its iCalendar SEQUENCE: grows with each change of time or place
    title: str
    description: str  # Markdown as typed
    description_html: str  # sanitised
    location: str
    video_call: bool  # the meeting is the room's video call
    all_day: bool
    time_zone: str  # IANA
    start: str  # "2027-03-02T18:00" (wall clock in time_zone), or "2027-03-02" all day
    duration_minutes: int  # whole days × 1440 all day
    rrule: str  # "" for a single event
    starts_at: str  # the first occurrence, UTC
    series_ends_at: str | None  # the last occurrence's end, UTC; None: it never ends
    occurrences: list[OccurrencePayload]
    created_by: AuthorPayload | None
    rsvp: RsvpCountsPayload  # answers for the whole series
    url: str
    cancelled: bool


class CalendarChanged(Payload):
    """An event was proposed, changed, answered, or cancelled (`event.cancelled`)."""

    type: Literal["calendar.changed"]
    room_id: int
    rev: int
    event: EventPayload


# --- The registry: every type, once, with the way it travels ------------------------------
ClientRequest = (ClientSync | ClientChatSend | ClientChatEdit | ClientChatDelete
                 | ClientChatReact | ClientChatRead | ClientChatHistory | ClientChatTyping
                 | ClientPresenceSet | ClientPing | ClientCallGet | ClientCallJoin
                 | ClientCallLeave | ClientCallUpdate | ClientCallSignal | ClientCallIce
                 | ClientAuth)
RoomEvent = (ChatMessageCreated | ChatMessageUpdated | ChatMessageHidden | ChatTyping
             | PresenceChanged | RoomsMemberChanged | RoomsArchived | CallChanged | DocumentsChanged
             | CalendarChanged)
UserEvent = (RoomsRead | NotifyMention | RoomsJoined | RoomsRemoved | NotificationCreated
             | NotificationsRead | BlocksChanged | AccountChanged)
SocketEvent = CallSignal | CallLeft
Answer = Hello | Ack | Error | SyncDone | Pong | ChatReset


class Direction(enum.StrEnum):
    """Which way a type travels, and so which door carries it."""

    REQUEST = "request"  # client -> server; answered by `ack` or `error` (see each type)
    ROOM = "room"  # to every member of a room with an open socket: publish, publish_ephemeral
    PERSONAL = "personal"  # to every socket of one member: publish_to_user
    SOCKET = "socket"  # to one socket: publish_to_socket, send_to_socket
    ANSWER = "answer"  # sent by the consumer itself on one socket: hello, answers, chat.reset


@dataclass(frozen=True)
class Declaration:
    type: str  # the frame's `type`
    direction: Direction
    payload: Any  # the TypedDict of the whole frame


def _declare(*ways: tuple[Direction, Any]) -> dict[str, Declaration]:
    """Each TypedDict of each union, by the `type` it declares; a type declared twice
    for the same way is a mistake caught at import."""
    declared: dict[str, Declaration] = {}
    for direction, union in ways:
        for payload in get_args(union):
            (name,) = get_args(get_type_hints(payload)["type"])
            if name in declared:
                raise TypeError(f"{name} is declared twice")
            declared[name] = Declaration(type=name, direction=direction, payload=payload)
    return declared


# What a client may send, by type; anything else is answered `unknown_type`.
REQUESTS: Mapping[str, Declaration] = _declare((Direction.REQUEST, ClientRequest))
# What the server sends, by type (`chat.typing` and `call.signal` name both a request and
# an event: each way has its own declaration).
EVENTS: Mapping[str, Declaration] = _declare(
    (Direction.ROOM, RoomEvent), (Direction.PERSONAL, UserEvent),
    (Direction.SOCKET, SocketEvent), (Direction.ANSWER, Answer))


# --- Checking what is sent (tests) -------------------------------------------------------
EventCheck = Callable[[Mapping[str, Any], Direction | None], None]
# Called with every event as it is serialised, and the direction of the door it takes (None
# for `encode`, the consumer's own frames). Off in production; the test suite sets it to
# check each event against its declaration (rooms.validation.server_event).
event_check: EventCheck | None = None


def _dumps(event: Mapping[str, Any], direction: Direction | None) -> str:
    if event_check is not None:
        event_check(event, direction)
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


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


def encode(event: RoomEvent | UserEvent | SocketEvent | Answer | dict[str, Any]) -> str:
    """The event as the text frame a socket receives: serialised once, when published."""
    return _dumps(event, None)


def room_message(room_id: int, event: RoomEvent | dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for a room event (rooms.hub hands `text` to each socket)."""
    return {"type": "room.event", "room_id": room_id, "rev": event.get("rev"),
            "kind": event["type"], "text": _dumps(event, Direction.ROOM)}


def _send_later(layer: Any, destination: str, message: dict[str, Any], *,
                group: bool = True) -> None:
    """After commit, through the outbox: the worker thread does not wait for the loop."""
    def send() -> None:
        outbox.send_soon(layer.group_send if group else layer.send, destination, message)

    transaction.on_commit(send)


def publish(room_id: int, event: RoomEvent) -> None:
    """Ring every live member of the room once the transaction commits.

    The event is serialised here, once for every recipient, so a bad payload fails inside
    the service's transaction instead of after it.
    """
    _send_later(room_layer(), room_group(room_id), room_message(room_id, event))


def user_message(user_id: int, event: UserEvent | dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for a personal event (rooms.hub, like room events)."""
    return {"type": "user.event", "user_id": user_id, "kind": event["type"],
            "text": _dumps(event, Direction.PERSONAL)}


def publish_to_user(user_id: int, event: UserEvent) -> None:
    """Ring every open socket of one member (all her tabs, on every server process)."""
    _send_later(room_layer(), user_group(user_id), user_message(user_id, event))


def socket_message(event: SocketEvent | dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for one socket (the consumer's `socket_event`): the event
    itself, as JSON values, since it travels on the default layer."""
    return {"type": "socket.event", "event": json.loads(_dumps(event, Direction.SOCKET))}


def publish_to_socket(channel_name: str, event: SocketEvent | dict[str, Any]) -> None:
    """Ring one socket (one tab of one member), once the transaction commits."""
    _send_later(get_channel_layer(), channel_name, socket_message(event), group=False)


async def send_to_socket(channel_name: str, event: SocketEvent | dict[str, Any]) -> None:
    """Ring one socket now, from the event loop, for what no transaction records (the
    relay host's answer to an offer)."""
    await get_channel_layer().send(channel_name, socket_message(event))


def publish_to_channel(channel_name: str, message: dict[str, Any]) -> None:
    """A message for a listener inside the server (a call's relay host, video.relay) on
    the default layer, once the transaction commits, through the outbox like every other
    send: no client reads it, so it is no event of this protocol."""
    _send_later(get_channel_layer(), channel_name, message, group=False)


async def publish_ephemeral(room_id: int, event: RoomEvent) -> None:
    """For events that are never stored (typing, presence), sent from the consumer."""
    await room_layer().group_send(room_group(room_id), room_message(room_id, event))
