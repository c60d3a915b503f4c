"""Message Markdown to HTML: attachments (thumbnails and cards) and what is refused."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from chat.rendering import excerpt, render_message

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)

IMAGE = "/documents/12/versions/3/download"
THUMB = "/documents/12/versions/3/preview"  # the server's preview: small, no metadata


class Tags(HTMLParser):
    """Every start tag of a fragment with its attributes, in order."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(fragment)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_an_image_attachment_is_a_thumbnail_that_opens_the_full_image() -> None:
    html = render_message(f"Here it is ![diagram.png]({IMAGE})").html
    assert html == (
        f'<p>Here it is <a href="{IMAGE}" target="_blank" rel="noopener">'
        f'<img src="{THUMB}" alt="diagram.png" loading="lazy" class="attachment-image"></a></p>')


def test_a_preview_path_is_an_image_too() -> None:
    tags = Tags(render_message("![p](/documents/1/versions/1/preview)").html)
    assert tags.named("img") == [{"src": "/documents/1/versions/1/preview", "alt": "p",
                                  "loading": "lazy", "class": "attachment-image"}]
    assert tags.named("a")[0]["href"] == "/documents/1/versions/1/download"


def test_several_attachments_and_no_other_text() -> None:
    text = (f"![a.png]({IMAGE})\n![b.png](/documents/13/versions/1/download)\n"
            "[cv.pdf](/documents/14/)")
    tags = Tags(render_message(text).html)
    assert [img["alt"] for img in tags.named("img")] == ["a.png", "b.png"]
    assert [a["href"] for a in tags.named("a") if a.get("class") == "attachment-card"] == [
        "/documents/14/"]


def test_a_document_link_is_a_card_with_an_icon_and_its_name() -> None:
    html = render_message("[My CV (v2).pdf](/documents/7/)").html
    assert html == (
        '<p><a href="/documents/7/" target="_blank" rel="noopener noreferrer nofollow" '
        'class="attachment-card"><span class="attachment-icon" aria-hidden="true">📄</span>'
        "My CV (v2).pdf</a></p>")


@pytest.mark.parametrize("src", [
    "https://images.example/cat.png",
    "//evil.example/documents/1/versions/1/download",
    "https://evil.example/documents/1/versions/1/download",
    "/documents/1/versions/1/download?x=1",
    "/documents/1/versions/1/download#top",
    "/documents/1/versions/1/download/",
    "/documents/1/versions/1/raw",
    "/documents/x/versions/1/download",
    "/documents/١/versions/1/download",  # Arabic-Indic digit: not a document id here
    "/\\evil.example/documents/1/versions/1/download",
    "documents/1/versions/1/download",
    "/other/documents/1/versions/1/download",
])
def test_any_other_image_is_a_plain_link_never_an_image(src: str) -> None:
    tags = Tags(render_message(f"![cat]({src})").html)
    assert tags.named("img") == []
    links = tags.named("a")
    assert len(links) == 1 and links[0]["rel"] == "noopener noreferrer nofollow"


@pytest.mark.parametrize("text", [
    "![x](javascript:alert(1))",
    "![x](JaVaScRiPt:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](vbscript:msgbox(1))",
    "[x](javascript:alert(1))",
    "![x](java\tscript:alert(1))",
])
def test_dangerous_addresses_give_neither_an_image_nor_an_address(text: str) -> None:
    html = render_message(text).html
    tags = Tags(html)
    assert tags.named("img") == []
    assert all("href" not in a for a in tags.named("a"))
    assert all("src" not in attrs for _, attrs in tags.tags)


@pytest.mark.parametrize("name", [
    '" onerror="alert(1)',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
])
def test_a_hostile_name_stays_text(name: str) -> None:
    for text in (f"![{name}]({IMAGE})", f"[{name}](/documents/5/)"):
        tags = Tags(render_message(text).html)
        assert [tag for tag, _ in tags.tags] in (
            ["p", "a", "img"], ["p", "a", "span"]), text
        assert all(not key.startswith("on") for _, attrs in tags.tags for key in attrs)
        for img in tags.named("img"):
            assert img == {"src": THUMB, "alt": name, "loading": "lazy",
                           "class": "attachment-image"}


def test_a_title_and_raw_html_do_not_come_through() -> None:
    tags = Tags(render_message(
        f'![a]({IMAGE} "t\\" onload=\\"x") <img src="{IMAGE}" onerror="alert(1)">').html)
    assert tags.named("img") == [{"src": THUMB, "alt": "a", "loading": "lazy",
                                  "class": "attachment-image"}]


def test_an_image_inside_a_link_keeps_the_outer_link_only() -> None:
    tags = Tags(render_message(f"[![a]({IMAGE})](https://example.org/)").html)
    assert [a["href"] for a in tags.named("a")] == ["https://example.org/"]
    assert len(tags.named("img")) == 1


def test_a_document_link_of_another_form_is_an_ordinary_link() -> None:
    for href in ("https://cohort.example/documents/7/", "/documents/7", "/documents/7/?a=1"):
        tags = Tags(render_message(f"[cv]({href})").html)
        assert [a.get("class") for a in tags.named("a")] == [None], href


def test_an_excerpt_names_the_attachments() -> None:
    text = (f"Here:\n![diagram \\[v2\\].png]({IMAGE})\n[plan\\_a.md](/documents/4/) "
            "and [a link](https://example.org/documents/4/)")
    assert excerpt(text) == ("Here: 📎 diagram [v2].png 📎 plan_a.md "
                             "and [a link](https://example.org/documents/4/)")


def test_only_the_rooms_own_documents_are_drawn() -> None:
    text = f"![a.png]({IMAGE}) and [cv.pdf](/documents/14/)"
    elsewhere = Tags(render_message(text, documents=set()).html)
    assert elsewhere.named("img") == []
    assert [a.get("class") for a in elsewhere.named("a")] == [None, None]  # plain links
    here = Tags(render_message(text, documents={12, 14}).html)
    assert len(here.named("img")) == 1
    assert [a.get("class") for a in here.named("a") if a.get("class")] == ["attachment-card"]
