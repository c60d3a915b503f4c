"""A bio's Markdown becomes formatted text; nothing she writes becomes markup or script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from community.rendering import ALLOWED_TAGS, render_bio
from tests.community.factories import UserFactory


def test_markdown_is_formatted_like_chat():
    out = render_bio("I **lead** teams.\n\n- *cloud*\n- ~~on-prem~~\n\nSee https://example.org")
    assert "<strong>lead</strong>" in out
    assert "<li><em>cloud</em></li>" in out and "<s>on-prem</s>" in out
    assert ('<a href="https://example.org" target="_blank" '
            'rel="noopener noreferrer nofollow">https://example.org</a>') in out


def test_a_line_break_is_kept_and_titles_sit_under_the_page_heading():
    assert render_bio("one\ntwo") == "<p>one<br>\ntwo</p>"
    assert render_bio("# Me").startswith("<h3>Me</h3>")


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<div style="position:fixed" onclick="alert(1)">hi</div>',
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1)) [y](JaVaScRiPt:alert(1)) [z](//evil.example/x)",
    '[a](https://ok.example "t\" onmouseover=\"alert(1)")',
])
def test_no_raw_html_script_or_dangerous_url_gets_through(text):
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Collect().feed(str(render_bio(text)))
    assert {tag for tag, _attrs in tags} <= ALLOWED_TAGS
    assert not {tag for tag, _attrs in tags} & {"script", "img", "iframe", "div"}
    for _tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            assert name != "href" or (value or "").startswith(("http:", "https:", "mailto:", "//"))


def test_raw_html_shows_as_the_text_she_typed():
    assert render_bio("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_an_image_is_only_a_link():
    assert render_bio("![me](https://example.org/me.png)") == (
        '<p><a href="https://example.org/me.png" target="_blank" '
        'rel="noopener noreferrer nofollow">me</a></p>')


@pytest.mark.django_db
def test_profile_page_shows_the_bio_formatted(client):
    viewer = UserFactory()
    other = UserFactory(name="Olga")
    other.profile.bio = "I **love** *data*.\n\n<script>alert('x')</script>"
    other.profile.save()
    client.force_login(viewer)
    page = client.get(reverse("profile_detail", args=[other.pk])).content.decode()
    assert "<strong>love</strong>" in page and "<em>data</em>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
