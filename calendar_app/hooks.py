"""What calendars ask of the app above them (mentoring), wired in server.features.

- `mentorship_room(mentor, mentee)`: the room of their active mentorship, or None.
- `booking_held(booking)`: a booked session took place; mentoring logs it.
- `render_markdown(text)`: chat's Markdown renderer and sanitiser (a sibling this app does
  not import); until it is registered, text is shown escaped.
- `tell(user, kind, params, url, email=False, actor=None)`: the notification centre, in the app only
  (the e-mail of an invitation is the calendar's own, with its .ics), or by e-mail too as
  her notification preferences say when `email` (reminders); `email_wanted(user, kind)`:
  whether her notification preferences let that e-mail go (True until registered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.html import escape

_mentorship_room: Callable[[Any, Any], Any] | None = None
_booking_held: Callable[[Any], None] | None = None
_renderer: Callable[[str], str] | None = None
_tell: Callable[..., None] | None = None
_email_wanted: Callable[[Any, str], bool] | None = None


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


def register_notifications(tell_function: Callable[..., None],
                           email_wanted_function: Callable[[Any, str], bool]) -> None:
    global _tell, _email_wanted
    _tell, _email_wanted = tell_function, email_wanted_function


def tell(user: Any, kind: str, params: dict[str, Any], url: str, *, email: bool = False,
         actor: Any = None) -> None:
    """`actor`: who made the change told of (nothing is told across a block with her)."""
    if _tell is not None:
        _tell(user, kind, params, url, email=email, actor=actor)


def email_wanted(user: Any, kind: str) -> bool:
    return _email_wanted(user, kind) if _email_wanted is not None else True
