"""Markdown of chat messages to safe HTML, with @**Name** mentions of room members.

markdown-it-py parses CommonMark with raw HTML off (so a message cannot carry tags), links
are made from bare URLs, and bleach then keeps only an allow-list of tags, attributes and
URL schemes: no script, no event handler, no `javascript:` URL can come through.

Attachments are references in the text (the composer uploads the file to the room's
documents first): `![name](/documents/<id>/versions/<n>/download)` shows the image as a
thumbnail that opens the full image, `[name](/documents/<id>/)` a card. Only a path of this
site of exactly that form becomes an image; any other image (another host, `data:`,
`javascript:`) is shown as a plain link, or as text when it is no link at all. Whether the
reader may see the document is the download's business: it answers 404 to anyone else.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bleach
from django.utils.html import strip_tags
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.tasklists import tasklists_plugin

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "span", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "input", "img",
}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}
# Same-site paths only: no scheme, no host, no query. [0-9], not \d: no other digits.
ATTACHMENT_IMAGE = re.compile(r"/documents/[0-9]+/versions/[0-9]+/(?:download|preview)")
ATTACHMENT_CARD = re.compile(r"/documents/[0-9]+/")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("href", "title", "target", "rel") or (
            name == "class" and value == "attachment-card")
    if tag == "img":  # only the attachment thumbnails the renderer makes
        return ((name == "src" and ATTACHMENT_IMAGE.fullmatch(value) is not None)
                or name == "alt" or (name == "loading" and value == "lazy")
                or (name == "class" and value == "attachment-image"))
    if tag == "span":
        return ((name == "class" and value in ("mention", "attachment-icon"))
                or name == "data-user-id" or (name == "aria-hidden" and value == "true"))
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
    """Links open in a new tab without giving it access to this one. A link to a document
    of this site (`/documents/<id>/`) is drawn as a card: a file icon and its name."""

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        token.attrSet("target", "_blank")
        token.attrSet("rel", "noopener noreferrer nofollow")
        href = str(token.attrGet("href") or "")
        if ATTACHMENT_CARD.fullmatch(href) and _of_this_room(href, env):
            token.attrSet("class", "attachment-card")
            return (self.renderToken(tokens, idx, options, env)
                    + '<span class="attachment-icon" aria-hidden="true">📄</span>')
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)


def _of_this_room(path: str, env: Any) -> bool:
    """A reference to a document the room holds (`env["documents"]`, its ids; None: any)."""
    allowed = env.get("documents")
    return allowed is None or int(path.split("/")[2]) in allowed


def _inside_link(tokens: Any, idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        depth += 1 if token.type == "link_open" else -1 if token.type == "link_close" else 0
    return depth > 0


def _attachment_images(md: MarkdownIt) -> None:
    """`![name](/documents/<id>/versions/<n>/download)`: a thumbnail (the version's
    preview, without the photo's metadata) that opens the full image in a new tab. Every
    other image becomes a plain link named by its text (the cleaner then drops the address
    if its scheme is not allowed)."""

    def image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        name = self.renderInlineAsText(token.children or [], options, env)
        if ATTACHMENT_IMAGE.fullmatch(src) and _of_this_room(src, env):
            # The thumbnail is the server's preview (small, no metadata); the link opens
            # the file itself.
            base = src.rsplit("/", 1)[0]
            thumb, full = html.escape(f"{base}/preview"), html.escape(f"{base}/download")
            img = (f'<img src="{thumb}" alt="{html.escape(name)}" loading="lazy" '
                   'class="attachment-image">')
            if _inside_link(tokens, idx):  # no link inside a link: the outer one wins
                return img
            return f'<a href="{full}" target="_blank" rel="noopener">{img}</a>'
        text = html.escape(name or src)
        if _inside_link(tokens, idx):
            return text
        return (f'<a href="{html.escape(src)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{text}</a>')

    md.add_render_rule("image", image)


_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    .enable(["linkify", "strikethrough"])
    .use(_mention_plugin)
    .use(_safe_links)
    .use(_attachment_images)
    .use(tasklists_plugin)
)
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS, attributes=_allowed_attribute, protocols=ALLOWED_PROTOCOLS, strip=True)


def render_message(text: str, members: Mapping[str, tuple[int, str]] | None = None,
                   documents: set[int] | None = None) -> Rendered:
    """HTML for `text`. `members` maps casefolded names to (user id, name) of the room;
    `documents`: the ids of the room's documents it refers to (chat.attachments), the only
    ones drawn as a thumbnail or a card (None: any, for text that belongs to no room)."""
    env: dict[str, Any] = {"members": members or {}, "documents": documents}
    raw = _markdown.render(text, env)
    mentioned = list(dict.fromkeys(env.get("mentioned", [])))
    return Rendered(html=_cleaner.clean(raw).strip(), mentioned_user_ids=mentioned)


_REFERENCE = re.compile(
    r"!?\[((?:\\.|[^\]\\\n])*)\]\((/documents/[0-9]+/(?:versions/[0-9]+/(?:download|preview))?)\)")


def excerpt(text: str, length: int = 120) -> str:
    """A one-line plain-text preview of a message's source; an attachment is its name."""
    text = _REFERENCE.sub(
        lambda match: "📎 " + re.sub(r"\\(.)", r"\1", match.group(1)), text)
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def plain_excerpt(rendered: str, length: int = 120) -> str:
    """A one-line plain-text preview of a rendered message (what she would read: no
    Markdown marks), for notices and e-mails."""
    return excerpt(html.unescape(strip_tags(rendered)), length)
