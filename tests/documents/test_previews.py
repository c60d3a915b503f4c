"""Previews made by the task worker from the file alone: images without their metadata,
a PDF's first page and text, Markdown through chat's sanitiser; the room hears each one."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from documents import services
from rooms import catchup
from tests.community.factories import UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    return ana, bea, make_room(ana, bea)


def share(user, room, data, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(user=user, room_id=room.pk,
                                            stream=io.BytesIO(data), name=name)
    document.refresh_from_db()
    return document, document.versions.get()


def test_a_photo_preview_carries_no_location(pair, django_capture_on_commit_callbacks):
    ana, bea, room = pair
    original = samples.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # it says where
    document, version = share(ana, room, original, "meetup.jpg",
                              django_capture_on_commit_callbacks)
    assert version.preview_state == "ready"
    client = Client()
    client.force_login(bea)
    answer = client.get(f"/documents/{document.pk}/versions/1/preview")
    assert answer["Content-Type"] == "image/webp"
    preview = Image.open(io.BytesIO(b"".join(answer.streaming_content)))
    assert dict(preview.getexif()) == {} and max(preview.size) <= 800
    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(f"/documents/{document.pk}/versions/1/preview").status_code == 404


def test_a_pdf_shows_its_first_page_and_its_text_is_kept(pair,
                                                         django_capture_on_commit_callbacks):
    ana, bea, room = pair
    data = samples.pdf_with_text([f"Page {n} of the mentoring plan" for n in range(1, 51)])
    document, version = share(ana, room, data, "plan.pdf", django_capture_on_commit_callbacks)
    assert (version.preview_state, version.pages) == ("ready", 50)
    assert "Page 50 of the mentoring plan" in version.text
    # Made after the upload, the preview is a change the room hears: the upload's event,
    # then the one that says the preview is ready.
    events, _, _ = catchup.events_after(bea, room.pk, 0)
    assert [(e["rev"], e["document"]["preview"]) for e in events] == [(2, "ready")]
    assert events[0]["document"]["preview_url"] == f"/documents/{document.pk}/versions/1/preview"
    assert events[0]["document"]["pages"] == 50


def test_markdown_is_rendered_through_the_sanitiser(pair, django_capture_on_commit_callbacks):
    ana, bea, room = pair
    text = b"# Reading list\n\n- *Lean In*\n\n<script>alert(1)</script>\n"
    document, version = share(ana, room, text, "reading.md", django_capture_on_commit_callbacks)
    assert version.preview_state == "ready"
    assert "<h1>Reading list</h1>" in version.preview_html
    assert "<script" not in version.preview_html
    client = Client()
    client.force_login(bea)
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "<em>Lean In</em>" in page and "alert(1)</script>" not in page


def test_a_kind_without_preview_is_a_card_and_pending_says_so(
        pair, django_capture_on_commit_callbacks):
    ana, bea, room = pair
    client = Client()
    client.force_login(bea)
    # Before the worker has run: "preview coming".
    waiting = services.document_upload(user=ana, room_id=room.pk,
                                       stream=io.BytesIO(samples.png()), name="team.png")
    assert "Preview coming" in client.get(f"/documents/{waiting.pk}/").content.decode()
    zipped = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("notes.txt", "hello")
    document, version = share(ana, room, zipped.getvalue(), "notes.zip",
                              django_capture_on_commit_callbacks)
    assert version.preview_state == "none"
    assert "No preview for this kind of file" in client.get(
        f"/documents/{document.pk}/").content.decode()


def test_the_task_run_again_or_after_a_deletion_does_nothing(pair, settings,
                                                             django_capture_on_commit_callbacks):
    from pathlib import Path

    from documents import tasks
    from documents.models import Document

    ana, _bea, room = pair
    document, version = share(ana, room, samples.png(), "team.png",
                              django_capture_on_commit_callbacks)
    rev = Document.objects.get(pk=document.pk).rev
    assert tasks.preview_make.call(version_id=version.pk) == "ready"  # already made
    assert Document.objects.get(pk=document.pk).rev == rev
    waiting = services.document_upload(user=ana, room_id=room.pk,
                                       stream=io.BytesIO(samples.png()), name="later.png")
    pending = waiting.versions.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(user=ana, document_id=waiting.pk)
    assert tasks.preview_make.call(version_id=pending.pk) == "gone"
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if "later" in p.name
                or p.name.startswith(pending.token)]


def test_a_queue_away_after_the_commit_keeps_the_upload_and_its_file(
        pair, monkeypatch, django_capture_on_commit_callbacks):
    from types import SimpleNamespace

    ana, _bea, room = pair

    def down(**kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(services, "tasks", SimpleNamespace(
        preview_make=SimpleNamespace(enqueue=down)))
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(user=ana, room_id=room.pk,
                                            stream=io.BytesIO(b"kept\n"), name="kept.txt")
    version = document.versions.get()
    assert version.preview_state == "pending"  # made when the worker is back
    assert version.file.read() == b"kept\n"
