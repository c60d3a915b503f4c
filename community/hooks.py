"""What the community tells the apps above it, through functions `server.features`
registers (community imports none of them): a mentor application submitted (the admins
are told) or decided (what told them of it is read); a block made or taken back (the
open sockets of both members are told, so that they stop, or start again, carrying the
other's activity); what moderation asks of them (the item a report names, its context,
hiding it, a room's moderators, a mute, telling a member); a member's data export ready
(she is told)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ApplicationHook = Callable[[Any], None]  # (the MentorApplication)
_submitted: list[ApplicationHook] = []
_decided: list[ApplicationHook] = []


def register_application(submitted: ApplicationHook, decided: ApplicationHook) -> None:
    if submitted not in _submitted:
        _submitted.append(submitted)
    if decided not in _decided:
        _decided.append(decided)


def application_submitted(application: Any) -> None:
    """Inside the application's transaction."""
    for hook in _submitted:
        hook(application)


def application_decided(application: Any) -> None:
    """Inside the decision's transaction."""
    for hook in _decided:
        hook(application)


BlockHook = Callable[[int, int], None]  # (blocker's id, blocked's id)
_block_changed: list[BlockHook] = []


def register_block_changed(hook: BlockHook) -> None:
    if hook not in _block_changed:
        _block_changed.append(hook)


def block_changed(blocker_id: int, blocked_id: int) -> None:
    """Inside the block's (or the unblock's) transaction."""
    for hook in _block_changed:
        hook(blocker_id, blocked_id)
# --- Reports and moderation (community.moderation) ------------------------------------------
# What a report names is resolved by the app that owns it: chat (a message), documents (a
# document), rooms (a member in a room or its call); community resolves profiles itself.

@dataclass(frozen=True)
class ReportedItem:
    """An item as the member who reports it sees it now."""

    room_id: int | None
    member_id: int | None  # who wrote it, shared it, or is it
    label: str  # its room's or its own name, as a short line
    excerpt: str  # what she saw, plain text, kept with the report
    url: str  # where it lives (for whoever may open it)


# (viewer, item id, room id or None) -> the item if she may see it now, else None
Resolve = Callable[[Any, int, "int | None"], "ReportedItem | None"]
# (item id, room id or None) -> what the moderation page shows of it: the least it needs
Context = Callable[[int, "int | None"], dict[str, Any]]
Hide = Callable[[Any, int], bool]  # (moderator, item id) -> hidden now (False: gone already)
# item id -> (stored file name, content type) of its preview image, or None
Preview = Callable[[int], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Reportable:
    resolve: Resolve
    context: Context
    hide: Hide | None = None
    preview: Preview | None = None


REPORTABLE: dict[str, Reportable] = {}


def register_reportable(kind: str, resolve: Resolve, context: Context,
                        hide: Hide | None = None, preview: Preview | None = None) -> None:
    REPORTABLE[kind] = Reportable(resolve=resolve, context=context, hide=hide,
                                  preview=preview)


@dataclass(frozen=True)
class RoomModeration:
    """What rooms tells moderation: the rooms she moderates (owner or moderator), a room's
    moderators, and muting a member in a room until a time."""

    moderated_room_ids: Callable[[Any], set[int]]
    room_moderator_ids: Callable[[int], list[int]]
    silence: Callable[[int, int, datetime], bool]  # (room id, user id, until)


_room_moderation: list[RoomModeration] = []


def register_room_moderation(moderation: RoomModeration) -> None:
    _room_moderation[:] = [moderation]


def room_moderation() -> RoomModeration | None:
    return _room_moderation[0] if _room_moderation else None


# (member, notification kind, params, url, email) inside the caller's transaction
Tell = Callable[[Any, str, dict[str, Any], str, bool], None]
_tell: list[Tell] = []


def register_moderation_notice(tell: Tell) -> None:
    _tell[:] = [tell]


def moderation_notice(member: Any, kind: str, params: dict[str, Any], url: str = "", *,
                      email: bool = False) -> None:
    for hook in _tell:
        hook(member, kind, params, url, email)
ExportHook = Callable[[Any], None]  # (the DataExport, ready)
_export_ready: list[ExportHook] = []


def register_export_ready(hook: ExportHook) -> None:
    if hook not in _export_ready:
        _export_ready.append(hook)


def export_ready(export: Any) -> None:
    """Inside the transaction that offers her export: she is told it is ready."""
    for hook in _export_ready:
        hook(export)
