"""Markdown of chat messages to safe HTML, with @**Name** mentions of room members.

markdown-it-py parses CommonMark with raw HTML off (so a message cannot carry tags), links
are made from bare URLs, and bleach then keeps only an allow-list of tags, attributes and
URL schemes: no script, no event handler, no `javascript:` URL can come through.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bleach
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.tasklists import tasklists_plugin

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "span", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "input",
}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("href", "title", "target", "rel")
    if tag == "span":
        return (name == "class" and value == "mention") or name == "data-user-id"
    if tag == "code":
        return name == "class" and value.startswith("language-")
    if tag == "input":  # task-list checkboxes, shown disabled
        return name in ("type", "checked", "disabled", "class") and (
            name != "type" or value == "checkbox")
    if tag in ("li", "ul"):
        return name == "class" and value in ("task-list-item", "contains-task-list")
    return False


@dataclass(frozen=True)
class Rendered:
    html: str
    mentioned_user_ids: list[int]


def _mention_plugin(md: MarkdownIt) -> None:
    """`@**Full Name**` becomes a mention token when the name is a member of the room."""

    def mention(state: StateInline, silent: bool) -> bool:
        src, pos = state.src, state.pos
        if not src.startswith("@**", pos):
            return False
        end = src.find("**", pos + 3)
        if end < 0:
            return False
        name = src[pos + 3:end]
        members: Mapping[str, tuple[int, str]] = state.env.get("members", {})
        found = members.get(name.strip().casefold())
        if found is None:
            return False
        if not silent:
            token = state.push("mention", "", 0)
            token.meta = {"user_id": found[0], "name": found[1]}
            state.env.setdefault("mentioned", []).append(found[0])
        state.pos = end + 2
        return True

    def render_mention(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        meta = tokens[idx].meta
        return (f'<span class="mention" data-user-id="{int(meta["user_id"])}">'
                f'@{html.escape(meta["name"])}</span>')

    md.inline.ruler.before("emphasis", "mention", mention)
    md.add_render_rule("mention", render_mention)


def _safe_links(md: MarkdownIt) -> None:
    """Links open in a new tab without giving it access to this one."""

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("target", "_blank")
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)


_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    .enable(["linkify", "strikethrough"])
    .use(_mention_plugin)
    .use(_safe_links)
    .use(tasklists_plugin)
)
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS, attributes=_allowed_attribute, protocols=ALLOWED_PROTOCOLS, strip=True)


def render_message(text: str, members: Mapping[str, tuple[int, str]] | None = None) -> Rendered:
    """HTML for `text`. `members` maps casefolded names to (user id, name) of the room."""
    env: dict[str, Any] = {"members": members or {}}
    raw = _markdown.render(text, env)
    mentioned = list(dict.fromkeys(env.get("mentioned", [])))
    return Rendered(html=_cleaner.clean(raw).strip(), mentioned_user_ids=mentioned)


def excerpt(text: str, length: int = 120) -> str:
    """A one-line plain-text preview of a message's source."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
