"""Markdown of what a member writes about herself (her bio) to safe HTML.

The same libraries and the same guarantees as chat messages (chat/rendering.py, which this
app may not import): markdown-it-py parses CommonMark with raw HTML off, bare URLs become
links that open in a new tab without access to this one, and bleach keeps only an
allow-list of tags, attributes and URL schemes. A bio has no images: `![x](url)` is a link.
"""

from __future__ import annotations

import html
from typing import Any

import bleach
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "hr", "h3", "h4", "h5", "h6",
}
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "target", "rel"], "ol": ["start"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}


def _links(md: MarkdownIt) -> None:
    """Links open in a new tab, without its access to this one; images are links."""

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("target", "_blank")
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        return self.renderToken(tokens, idx, options, env)

    def image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        name = self.renderInlineAsText(token.children or [], options, env)
        return (f'<a href="{html.escape(src)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{html.escape(name or src)}</a>')

    def heading_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        # Her titles sit under the page's "About" (an h2): # is h3, ## h4 and so on.
        token = tokens[idx]
        token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        return self.renderToken(tokens, idx, options, env)

    def heading_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("image", image)
    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)


_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    .enable(["linkify", "strikethrough"])
    .use(_links)
)
_cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                          protocols=ALLOWED_PROTOCOLS, strip=True)


def render_bio(text: str) -> SafeString:
    """Safe HTML of her Markdown `text` (empty for an empty text)."""
    if not text.strip():
        return mark_safe("")  # nosec B308  # an empty string
    return mark_safe(_cleaner.clean(_markdown.render(text)).strip())  # noqa: S308 (bleach-cleaned)  # nosec B308 B703  # bleach-cleaned
