"""What the community tells the apps above it, through functions `server.features`
registers (community imports none of them): a mentor application submitted (the admins
are told) or decided (what told them of it is read), a member's data export ready (she
is told)."""

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


ExportHook = Callable[[Any], None]  # (the DataExport, ready)
_export_ready: list[ExportHook] = []


def register_export_ready(hook: ExportHook) -> None:
    if hook not in _export_ready:
        _export_ready.append(hook)


def export_ready(export: Any) -> None:
    """Inside the transaction that offers her export: she is told it is ready."""
    for hook in _export_ready:
        hook(export)
