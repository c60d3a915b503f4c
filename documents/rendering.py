"""Markdown as Cohort renders it, for text previews and comments.

The renderer (Markdown, @mentions of the room's members, the one sanitiser) belongs to
chat, a sibling this app does not import: `server.features` hands it over at start-up.
Until it has, text is shown escaped, as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.html import escape

# (text, members by casefolded name -> (user id, name)) -> (html, mentioned user ids)
Renderer = Callable[[str, Mapping[str, tuple[int, str]] | None], Any]
_renderer: Renderer | None = None


def register(renderer: Renderer) -> None:
    global _renderer
    _renderer = renderer


def render(text: str, members: Mapping[str, tuple[int, str]] | None = None
           ) -> tuple[str, list[int]]:
    """Sanitised HTML for `text`, and who it mentions."""
    if _renderer is None:
        return f"<pre>{escape(text)}</pre>", []
    rendered = _renderer(text, members)
    return rendered.html, list(rendered.mentioned_user_ids)
