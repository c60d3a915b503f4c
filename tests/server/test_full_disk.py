"""A disk that fills while an upload is stored: the member is told that nothing was
saved, and no file nor row is left (documents.services._store,
community.services._photo_store).

The full disk is the storage's: its `save` writes half the file where Django's file
system storage would, then raises ENOSPC, as FileSystemStorage does when the disk fills
mid-write.
"""

from __future__ import annotations

import errno
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from documents.models import Document, Version
from tests.community.factories import UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The default storage's disk is full: each save leaves half a file and raises."""
    tried: list[str] = []

    def save(name: str, content: Any, max_length: int | None = None) -> str:
        tried.append(name)
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content.seek(0)
        body = content.read()
        path.write_bytes(body[:len(body) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(default_storage, "save", save)
    return tried


def files_under(folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_document_upload_on_a_full_disk_says_so_and_keeps_nothing(full_disk):
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea)
    upload = io.BytesIO(samples.png())
    upload.name = "team.png"
    answer = Client()
    answer.force_login(bea)
    refused = answer.post(f"/rooms/{room.pk}/documents/upload", {"file": upload},
                          HTTP_ACCEPT="application/json")
    assert refused.status_code == 507
    assert refused.json() == {"error": "not_stored", "detail": (
        "The server has no room left to store this file: nothing was saved. Try again "
        "later, and tell an admin.")}
    assert len(full_disk) == 1  # it was written, and failed
    assert files_under("documents") == []
    assert not Document.objects.exists() and not Version.objects.exists()
    # Without script the page comes back with the message.
    upload.seek(0)
    page = answer.post(f"/rooms/{room.pk}/documents/upload", {"file": upload}, follow=True)
    assert "The server has no room left to store this file" in page.content.decode()
    assert files_under("documents") == [] and not Document.objects.exists()


def test_a_new_version_on_a_full_disk_keeps_the_document_as_it_was(monkeypatch):
    from documents import services

    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea)
    document = services.document_upload(user=ana, room_id=room.pk,
                                        stream=io.BytesIO(b"Plan, draft one\n"), name="plan.txt")
    stored = files_under("documents")
    monkeypatch.setattr(default_storage, "save", _full_save)  # the disk fills now
    upload = io.BytesIO(b"Plan, draft two\n")
    upload.name = "plan.txt"
    refused = client_of(bea).post(f"/documents/{document.pk}/versions/upload",
                                  {"file": upload}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 507 and "nothing was saved" in refused.json()["detail"]
    document.refresh_from_db()
    assert document.version_count == 1 and Version.objects.count() == 1
    assert files_under("documents") == stored


def _full_save(name: str, content: Any, max_length: int | None = None) -> str:
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half")
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_a_profile_photo_on_a_full_disk_says_so_and_keeps_nothing(full_disk):
    member = UserFactory(name="Mira")
    client = client_of(member)
    page = client.post(reverse("profile_edit"), {
        "name": "Mira", "headline": "Changed", "contact_visibility": "members",
        "photo_upload": SimpleUploadedFile("me.png", samples.png(), content_type="image/png")})
    assert page.status_code == 200
    assert ("The server has no room left to store this photo: nothing was saved. Try again "
            "later, and tell an admin.") in page.content.decode()
    assert len(full_disk) == 1 and full_disk[0].startswith(f"photos/{member.pk}/")
    assert files_under("photos") == []
    member.profile.refresh_from_db()
    assert not member.profile.photo and member.profile.headline == ""
