"""What the community tells the apps above it, through functions `server.features`
registers (community imports none of them): a mentor application submitted (the admins
are told) or decided (what told them of it is read); a block made or taken back (the
open sockets of both members are told, so that they stop, or start again, carrying the
other's activity)."""

from __future__ import annotations

from collections.abc import Callable
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
