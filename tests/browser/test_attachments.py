"""Two members of a direct conversation attach files to their messages: one with the
Attach button, the other by dropping an image on the chat pane. Both see the images as
thumbnails that open the full image and the other file as a card; a refused file says why,
a cancelled upload leaves the message as it was."""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from rooms.models import Room
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import BlockFactory, MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

NOTES_SCREENS = Path("/work/notes/screens")


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 6, height // 6, width * 5 // 6, height * 5 // 6), fill=(255, 255, 255))
    draw.rectangle((width // 3, height // 3, width * 2 // 3, height * 2 // 3), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def send(page, text: str | None = None) -> None:
    box = page.get_by_role("textbox", name="Message")
    if text is not None:
        box.fill(text)
    box.press("Enter")


def drop(page, name: str, data: bytes, mime: str, shot: str = "") -> None:
    """What the browser does when a file from the desktop is dropped on the chat pane
    (`shot`: a screenshot while it is held over the pane)."""
    transfer = page.evaluate_handle(
        """([name, b64, mime]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, { type: mime }));
          return transfer;
        }""", [name, base64.b64encode(data).decode(), mime])
    pane = page.locator(".chat-pane")
    pane.dispatch_event("dragenter", {"dataTransfer": transfer})
    pane.dispatch_event("dragover", {"dataTransfer": transfer})
    assert "dropping" in (pane.get_attribute("class") or "")
    if shot:
        screenshot(page, shot)
    pane.dispatch_event("drop", {"dataTransfer": transfer})


def keep(name: str) -> None:
    """The screenshots of this walk, also where people review them."""
    if NOTES_SCREENS.parent.is_dir():
        NOTES_SCREENS.mkdir(exist_ok=True)
        for width in ("desktop", "phone"):
            shutil.copy(SCREENSHOTS / f"{name}-{width}.png", NOTES_SCREENS / f"{name}-{width}.png")


def loaded(image) -> bool:
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_attach_images_and_files_to_messages(live_daphne, browser):
    base = live_daphne.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    UserFactory(email="cleo@example.org", name="Cleo Martin")
    room = make_room(ana, bea, kind=Room.Kind.DIRECT, name="")

    pages = []
    for email in ("ana@example.org", "bea@example.org"):
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        sign_in(page, base, email)
        page.goto(f"{base}/rooms/{room.pk}/")
        page.locator("#connection-state[data-state=connected]").wait_for()
        pages.append(page)
    ana_page, bea_page = pages
    box = ana_page.get_by_role("textbox", name="Message")

    # Ana picks an image and a Markdown file with the Attach button; both go into her message.
    box.fill("The plan and the diagram:")
    with ana_page.expect_file_chooser() as chooser:
        ana_page.get_by_role("button", name="Attach").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files([
        {"name": "diagram.png", "mimeType": "image/png", "buffer": png(640, 420, (91, 42, 134))},
        {"name": "plan [v2].md", "mimeType": "text/markdown",
         "buffer": b"# Plan\n\n- CV review\n- Mock interview\n"},
    ])
    ana_page.wait_for_function(
        "() => (document.getElementById('composer-text').value.match(/\\/documents\\//g)"
        " || []).length === 2")
    # In the order she chose them, each on a line of its own, after what she wrote.
    assert re.fullmatch(
        r"The plan and the diagram:\n!\[diagram\.png\]\(/documents/\d+/versions/1/download\)"
        r"\n\[plan \\\[v2\\\]\.md\]\(/documents/\d+/\)\n", box.input_value())
    assert ana_page.locator(".attach-upload").count() == 0  # done: the rows are gone
    send(ana_page)

    for page in (ana_page, bea_page):
        message = page.locator("li.message:not(.pending)", has_text="The plan and the diagram")
        thumbnail = message.locator("img.attachment-image[alt='diagram.png']")
        thumbnail.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.attachment-image')]"
            ".every((img) => img.complete && img.naturalWidth > 0)")
        box_size = thumbnail.bounding_box()
        assert box_size and box_size["width"] <= 241 and box_size["height"] <= 241
        card = message.locator("a.attachment-card")
        assert card.inner_text().strip().endswith("plan [v2].md")
        assert re.fullmatch(r"/documents/\d+/", card.get_attribute("href") or "")

    # Clicking the thumbnail opens the full image in a new tab.
    thumbnail = bea_page.locator("img.attachment-image[alt='diagram.png']")
    small = thumbnail.get_attribute("src") or ""
    assert small.endswith("/preview")  # the server's preview: no metadata
    preview = bea_page.context.request.get(f"{base}{small}")
    assert preview.status == 200 and preview.headers["content-type"] == "image/webp"
    full = thumbnail.locator("xpath=..").get_attribute("href")
    with bea_page.context.expect_page() as opened:
        thumbnail.click()
    opened.value.wait_for_load_state()
    assert opened.value.url == f"{base}{full}"
    answer = bea_page.context.request.get(f"{base}{full}")
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    assert answer.body() == png(640, 420, (91, 42, 134))
    opened.value.close()
    # The card opens the document's page.
    with bea_page.context.expect_page() as opened:
        bea_page.locator("a.attachment-card").click()
    opened.value.get_by_role("heading", name="plan [v2].md").wait_for()
    opened.value.close()

    # Someone outside the conversation gets nothing at that address.
    cleo_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(cleo_page, base, "cleo@example.org")
    assert cleo_page.context.request.get(f"{base}{full}").status == 404

    # Bea drops a photo on the chat pane and sends it with nothing else.
    drop(bea_page, "photo.png", png(300, 500, (27, 107, 58)), "image/png", shot="attach-drop")
    bea_box = bea_page.get_by_role("textbox", name="Message")
    bea_page.wait_for_function(
        "() => document.getElementById('composer-text').value.includes('![photo.png](')")
    assert "dropping" not in (bea_page.locator(".chat-pane").get_attribute("class") or "")
    send(bea_page)
    for page in (ana_page, bea_page):
        photo = page.locator("li.message:not(.pending) img.attachment-image[alt='photo.png']")
        photo.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.attachment-image')]"
            ".every((img) => img.complete && img.naturalWidth > 0)")
        assert page.locator("img.attachment-image").count() == 2

    # A screenshot pasted into the message box is attached under a name with the time.
    bea_page.evaluate(
        """(b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], "image.png", { type: "image/png" }));
          document.getElementById("composer-text").dispatchEvent(
            new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true }));
        }""", base64.b64encode(png(120, 80, (0, 90, 160))).decode())
    bea_page.wait_for_function(
        "() => document.getElementById('composer-text').value.includes('/download)')")
    assert re.fullmatch(r"!\[Pasted image \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.png\]"
                        r"\(/documents/\d+/versions/1/download\)\n", bea_box.input_value())
    bea_box.fill("")

    # A file the server refuses: its reason, in its words, and nothing in the message.
    with bea_page.expect_file_chooser() as chooser:
        bea_page.get_by_role("button", name="Attach").click()
    chooser.value.set_files([{"name": "tool.bin", "mimeType": "application/octet-stream",
                              "buffer": bytes(range(256)) * 4}])
    failed = bea_page.locator(".attach-upload.failed", has_text="tool.bin")
    failed.get_by_text("This kind of file is not accepted here").wait_for()
    assert bea_box.input_value() == ""

    # An upload cancelled on its way leaves the message as it was.
    held: list = []
    ana_page.route("**/documents/upload", lambda route: held.append(route))
    box.fill("Wait for it")
    with ana_page.expect_file_chooser() as chooser:
        ana_page.get_by_role("button", name="Attach").click()
    chooser.value.set_files([{"name": "slow.png", "mimeType": "image/png",
                              "buffer": png(200, 200, (164, 22, 26))}])
    row = ana_page.locator(".attach-upload", has_text="slow.png")
    row.locator("progress").wait_for()
    for _ in range(100):  # the request reached the network: it is held there
        if held:
            break
        ana_page.wait_for_timeout(50)
    assert held
    screenshot(ana_page, "attach-uploading")
    row.get_by_role("button", name="Cancel the upload of slow.png").click()
    row.wait_for(state="detached")
    assert box.input_value() == "Wait for it"
    assert ana_page.locator(".attach-upload").count() == 0
    ana_page.unroute("**/documents/upload")

    screenshot(bea_page, "attach-room")
    screenshot(ana_page, "attach-room-ana")

    # Where she may not write, there is nothing to attach with: across a block, then in an
    # archived room (no composer at all).
    BlockFactory(blocker=bea, blocked=ana)
    ana_page.reload()
    ana_page.locator("#connection-state[data-state=connected]").wait_for()
    assert ana_page.locator("#attach-button").is_hidden()
    Room.objects.filter(pk=room.pk).update(archived_at=timezone.now())
    bea_page.reload()
    bea_page.locator("#connection-state[data-state=connected]").wait_for()
    bea_page.locator("img.attachment-image").nth(1).wait_for()  # the history is read
    assert bea_page.locator("img.attachment-image").count() == 2
    assert bea_page.locator("#composer, #attach-button").count() == 0
    for name in ("attach-drop", "attach-uploading", "attach-room", "attach-room-ana"):
        keep(name)
