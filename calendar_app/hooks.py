"""What calendars ask of the app above them (mentoring), wired in server.features.

- `mentorship_room(mentor, mentee)`: the room of their active mentorship, or None.
- `booking_held(booking)`: a booked session took place; mentoring logs it.
- `render_markdown(text)`: chat's Markdown renderer and sanitiser (a sibling this app does
  not import); until it is registered, text is shown escaped.
- `notify(user=, kind=, params=, url=, email=)`: tell a member (notifications, a sibling),
  in the app and by e-mail as she prefers; `email=False` takes the e-mail away. Until it
  is registered, nobody is told.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.html import escape

_mentorship_room: Callable[[Any, Any], Any] | None = None
_booking_held: Callable[[Any], None] | None = None
_renderer: Callable[[str], str] | None = None
_notifier: Callable[..., Any] | None = None


def register_renderer(function: Callable[[str], str]) -> None:
    global _renderer
    _renderer = function


def render_markdown(text: str) -> str:
    """Sanitised HTML for `text`."""
    if not text:
        return ""
    return _renderer(text) if _renderer is not None else f"<p>{escape(text)}</p>"


def register_mentorship_room(function: Callable[[Any, Any], Any]) -> None:
    global _mentorship_room
    _mentorship_room = function


def register_booking_held(function: Callable[[Any], None]) -> None:
    global _booking_held
    _booking_held = function


def mentorship_room(mentor: Any, mentee: Any) -> Any:
    return _mentorship_room(mentor, mentee) if _mentorship_room is not None else None


def booking_held(booking: Any) -> None:
    if _booking_held is not None:
        _booking_held(booking)


def register_notifier(function: Callable[..., Any]) -> None:
    global _notifier
    _notifier = function


def notify(*, user: Any, kind: str, params: dict[str, Any], url: str = "",
           email: bool = True) -> None:
    if _notifier is not None:
        _notifier(user=user, kind=kind, params=params, url=url, email=email)
