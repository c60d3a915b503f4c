"""Two members share documents in their room: files chosen and dropped, each reaching the
other's Documents tab without a reload; a PDF's preview; a new version with a note; My
documents lists them all; a file Cohort does not take is refused in plain words."""

from __future__ import annotations

import base64

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

DROP = """([name, kind, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: kind }));
  const zone = document.getElementById("upload-form");
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""

PASTE = """(data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "image.png", { type: "image/png" }));
  document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true,
                                                       cancelable: true }));
}"""


def rows(page) -> list[str]:
    return page.locator("#documents-body tr[data-document-id] td:first-child").all_inner_texts()


def test_share_drop_preview_version_and_find_again(live_daphne, browser, tmp_path):
    base = live_daphne.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")

    ana_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    bea_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(ana_page, base, "ana@example.org")
    sign_in(bea_page, base, "bea@example.org")
    # From the room to its Documents tab, as a member would.
    bea_page.goto(f"{base}/rooms/{room.pk}/")
    bea_page.locator(".chat-head").get_by_role("link", name="Documents").click()
    bea_page.wait_for_url(f"{base}/rooms/{room.pk}/documents/")
    ana_page.goto(f"{base}/rooms/{room.pk}/documents/")
    assert bea_page.get_by_text("No document yet.").is_visible()

    plan = tmp_path / "Mentoring plan.pdf"
    plan.write_bytes(samples.pdf_with_text(["Goals for the spring", "Milestones"]))
    photo = tmp_path / "Team photo.png"
    photo.write_bytes(samples.png(640, 480))
    ana_page.locator("#upload-file").set_input_files([str(plan), str(photo)])
    ana_page.locator(".upload.done").nth(1).wait_for()
    # Bea's tab shows both without a reload.
    bea_page.locator("#documents-body tr[data-document-id]").nth(1).wait_for()
    assert sorted(rows(bea_page)) == ["Mentoring plan.pdf", "Team photo.png"]
    photo_row = bea_page.locator("#documents-body tr", has_text="Team photo.png")
    assert photo_row.locator("td").nth(1).inner_text() == "Image"
    assert ana_page.locator(".upload.done .upload-state").first.inner_text() == "Shared"

    # Dropped onto the upload zone. Bea, looking at the PDFs only, is told the list
    # changed rather than shown a row that is not a PDF.
    bea_page.goto(f"{base}/rooms/{room.pk}/documents/?kind=pdf")
    ana_page.evaluate(DROP, ["reading-list.md", "text/markdown",
                             base64.b64encode(b"# Reading list\n\n- *Lean In*\n").decode()])
    bea_page.get_by_text("Documents were shared or changed.").wait_for()
    assert rows(bea_page) == ["Mentoring plan.pdf"]
    bea_page.goto(f"{base}/rooms/{room.pk}/documents/")
    bea_page.get_by_role("link", name="reading-list.md").wait_for()
    # A screenshot pasted from the clipboard gets a name of its own.
    ana_page.evaluate(PASTE, base64.b64encode(samples.png(300, 200, "orange")).decode())
    bea_page.locator("#documents-body a", has_text="Pasted image").wait_for()
    # A disguised program is refused with the reason.
    ana_page.evaluate(DROP, ["cv.pdf", "application/pdf", base64.b64encode(samples.ELF).decode()])
    ana_page.locator(".upload.failed").get_by_text("not accepted").wait_for()
    screenshot(ana_page, "documents-room")

    # The PDF's page: its first page drawn, then a new version with a note.
    bea_page.get_by_role("link", name="Mentoring plan.pdf").click()
    preview = bea_page.locator("#document-preview img.preview-image")
    preview.wait_for()
    # Drawn: the image arrives and decodes (wait for it, however busy the machine).
    bea_page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                               arg=preview.element_handle())
    assert bea_page.get_by_text("2 pages").is_visible()
    second = tmp_path / "Mentoring plan v2.pdf"
    second.write_bytes(samples.pdf_with_text(["Goals", "Milestones", "Check-ins"]))
    bea_page.get_by_label("File").set_input_files(str(second))
    bea_page.get_by_label("What changed (optional)").fill("Added monthly check-ins")
    bea_page.get_by_role("button", name="Upload the new version").click()
    bea_page.get_by_text("Version 2 is uploaded.").wait_for()
    assert bea_page.get_by_text("Added monthly check-ins").is_visible()
    assert bea_page.get_by_text("3 pages").is_visible()
    # Ana's tab has the new version without a reload.
    ana_page.locator("#documents-body tr", has_text="Mentoring plan v2.pdf").wait_for()

    # Ana comments with a mention; Bea, on the same page, sees it without a reload.
    ana_page.locator("#documents-body a", has_text="Mentoring plan v2.pdf").click()
    ana_page.get_by_label("Your comment").fill("@**Bea Chen** the check-ins look **good**")
    ana_page.get_by_role("button", name="Comment", exact=True).click()
    bea_page.locator("#comments .comment", has_text="the check-ins look good").wait_for()
    assert bea_page.locator("#comments .mention").inner_text() == "@Bea Chen"
    screenshot(bea_page, "documents-document")

    # The header's search box finds the document by its text and the comment.
    search_box = bea_page.get_by_role("searchbox", name="Search messages, documents and people")
    search_box.fill("check-ins")
    search_box.press("Enter")
    documents_found = bea_page.locator("section.search-section", has=bea_page.locator(
        "#results-documents"))
    documents_found.get_by_role("link", name="Mentoring plan v2.pdf").wait_for()
    assert "check" in documents_found.locator("mark").first.inner_text().lower()
    comments_found = bea_page.locator("section.search-section", has=bea_page.locator(
        "#results-comments"))
    assert "the check-ins look" in comments_found.inner_text()  # its Markdown as written
    screenshot(bea_page, "documents-search")

    # Deleting asks first: declined, nothing changes; accepted, the document is gone.
    questions: list[str] = []
    answer = {"accept": False}

    def decide(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    ana_page.on("dialog", decide)
    ana_page.get_by_role("link", name="← Documents of Spring cohort").click()
    ana_page.get_by_role("link", name="reading-list.md").click()
    ana_page.wait_for_load_state()  # its script, which asks, is running
    ana_page.get_by_role("button", name="Delete", exact=True).click()
    assert questions and "cannot be undone" in questions[0]
    assert ana_page.get_by_role("heading", name="reading-list.md").is_visible()
    answer["accept"] = True
    ana_page.get_by_role("button", name="Delete", exact=True).click()
    ana_page.get_by_text("“reading-list.md” is deleted.").wait_for()
    bea_page.goto(f"{base}/rooms/{room.pk}/documents/")
    assert "reading-list.md" not in rows(bea_page)

    # My documents: hers and shared with her.
    ana_page.goto(f"{base}/documents/")
    found = rows(ana_page)
    pasted = [name for name in found if name.startswith("Pasted image")]
    assert len(pasted) == 1 and pasted[0].endswith(".png")
    assert sorted(set(found) - set(pasted)) == ["Mentoring plan v2.pdf", "Team photo.png"]
    screenshot(ana_page, "documents-library")
    # Bea shared none of them (a new version keeps the document its sharer's).
    bea_page.goto(f"{base}/documents/")
    bea_page.get_by_label("Whose").select_option("mine")
    bea_page.get_by_role("button", name="Show").click()
    assert bea_page.get_by_text("No document yet.").is_visible()
    bea_page.get_by_label("Whose").select_option("shared")
    bea_page.get_by_role("button", name="Show").click()
    assert len(rows(bea_page)) == 3
