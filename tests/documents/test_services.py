"""Documents' writes: sharing, versions, deletion, quotas, and every bad file refused
with a clear error that leaves nothing behind (no row, no file, no rev taken)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from documents import selectors, services
from documents.models import Document, Version
from rooms import catchup
from rooms import services as room_services
from rooms.models import Room
from tests.community.factories import UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_of_three():
    ana, bea, cy = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim"), UserFactory()
    return ana, bea, cy, make_room(ana, bea, cy)


def upload(user, room, data: bytes, name: str = "cv.pdf", note: str = ""):
    return services.document_upload(user=user, room_id=room.pk, stream=io.BytesIO(data),
                                    name=name, note=note)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class TestShare:
    def test_a_shared_document_is_stored_numbered_and_published(
            self, room_of_three, settings, django_capture_on_commit_callbacks):
        ana, _bea, _cy, room = room_of_three
        data = samples.pdf(2)
        with django_capture_on_commit_callbacks() as callbacks:
            document = upload(ana, room, data, "Ana CV.pdf", "first draft")
        room.refresh_from_db()
        version = document.versions.get()
        assert (document.name, document.rev, room.last_rev, document.version_count) == (
            "Ana CV.pdf", 1, 1, 1)
        assert (version.number, version.kind, version.note, version.uploaded_by_id) == (
            1, "application/pdf", "first draft", ana.pk)
        assert version.file.read() == data
        assert "Ana CV" not in version.file.name  # stored under a name of ours
        assert callbacks  # published after commit

    def test_catch_up_tells_what_changed_after_a_rev(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        first = upload(ana, room, samples.png(), "team.png")
        upload(bea, room, b"Reading list\n", "reading.md")
        events, too_many, head = catchup.events_after(bea, room.pk, first.rev)
        assert not too_many and head == 2
        assert [(e["type"], e["document"]["name"], e["document"]["kind"]) for e in events] == [
            ("documents.changed", "reading.md", "text/markdown")]

    def test_kind_comes_from_the_bytes_not_the_name(self, room_of_three):
        ana, _bea, _cy, room = room_of_three
        document = upload(ana, room, samples.png(), "photo.pdf")
        assert document.versions.get().kind == "image/png"


class TestRefused:
    @pytest.mark.parametrize(("data", "name", "why"), [
        (b"", "empty.txt", "empty"),
        (samples.ELF, "cv.pdf", "not accepted"),
        (b"%PDF-1.4 this is not really a pdf" + bytes(range(128, 256)), "broken.pdf",
         "damaged"),
        (samples.encrypted_pdf(), "locked.pdf", "password"),
        (samples.png_bomb(), "huge.png", "too many pixels"),
        (samples.png()[:60], "cut.png", "damaged"),
        (samples.pdf(), "../../etc/passwd", "cannot contain"),
        (samples.pdf(), "cv\x00.pdf", "control characters"),
        (samples.pdf(), "cv\u202egpj.pdf", "control characters"),
        (samples.pdf(), "   ", "no name"),
        (samples.pdf(), "x" * 201 + ".pdf", "at most"),
    ])
    def test_bad_files_get_a_clear_error_and_leave_nothing(self, room_of_three, settings,
                                                           data, name, why):
        ana, _bea, _cy, room = room_of_three
        with pytest.raises(ValidationError) as error:
            upload(ana, room, data, name)
        assert why in " ".join(error.value.messages).lower()
        room.refresh_from_db()
        assert (Document.objects.count(), room.last_rev, stored_files(settings)) == (0, 0, [])

    def test_a_file_over_the_limit_is_refused(self, room_of_three, settings):
        ana, _bea, _cy, room = room_of_three
        settings.DOCUMENTS_MAX_BYTES = 1000
        with pytest.raises(ValidationError, match="at most 1.0 KB"):
            upload(ana, room, b"a" * 1001, "long.txt")
        assert stored_files(settings) == []

    def test_a_kind_off_the_allow_list_is_refused(self, room_of_three, settings):
        ana, _bea, _cy, room = room_of_three
        settings.DOCUMENTS_KINDS = ["application/pdf"]
        with pytest.raises(ValidationError, match="not accepted"):
            upload(ana, room, samples.png(), "team.png")

    def test_quotas_hold_for_her_and_for_the_room(self, room_of_three, settings):
        ana, bea, _cy, room = room_of_three
        settings.DOCUMENTS_MEMBER_QUOTA = 30
        upload(ana, room, b"x" * 20, "a.txt")
        with pytest.raises(ValidationError, match="your 30 B"):
            upload(ana, room, b"y" * 20, "b.txt")
        settings.DOCUMENTS_MEMBER_QUOTA = 10**9
        settings.DOCUMENTS_ROOM_QUOTA = 50
        upload(bea, room, b"z" * 20, "c.txt")
        with pytest.raises(ValidationError, match="the room past its 50 B"):
            upload(bea, room, b"w" * 20, "d.txt")
        assert sorted(Document.objects.values_list("name", flat=True)) == ["a.txt", "c.txt"]
        assert len(stored_files(settings)) == 2

    def test_an_archived_room_takes_no_document(self, room_of_three, settings):
        ana, _bea, _cy, room = room_of_three
        room_services.room_archive(actor=ana, room=room)
        with pytest.raises(PermissionDenied):
            upload(ana, room, samples.pdf())
        assert stored_files(settings) == []


class TestVersions:
    def test_every_version_is_kept_with_who_when_and_note(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        document = upload(ana, room, b"draft one\n", "plan.md")
        services.version_add(user=bea, document_id=document.pk,
                             stream=io.BytesIO(b"draft two\n"), name="plan v2.md",
                             note="Bea's edits")
        document.refresh_from_db()
        versions = list(document.versions.order_by("number"))
        assert [(v.number, v.uploaded_by_id, v.note, v.file.read()) for v in versions] == [
            (1, ana.pk, "", b"draft one\n"), (2, bea.pk, "Bea's edits", b"draft two\n")]
        assert (document.name, document.version_count, document.rev) == ("plan v2.md", 2, 2)

    @pytest.mark.postgres  # SQLite serialises writers: the race is PostgreSQL's to show
    @pytest.mark.django_db(transaction=True)
    def test_two_versions_uploaded_at_once_get_two_numbers(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        document = upload(ana, room, b"one\n", "notes.txt")
        errors: list[BaseException] = []

        def add(user, text):
            try:
                services.version_add(user=user, document_id=document.pk,
                                     stream=io.BytesIO(text), name="notes.txt")
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=add, args=(u, t))
                   for u, t in ((ana, b"two\n"), (bea, b"three\n"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(Version.objects.filter(document=document).values_list(
            "number", flat=True)) == [1, 2, 3]


@pytest.mark.postgres  # SQLite serialises writers: the race is PostgreSQL's to show
@pytest.mark.django_db(transaction=True)
def test_her_quota_holds_for_uploads_at_once_in_two_rooms(settings):
    ana, bea = UserFactory(), UserFactory()
    rooms = [make_room(ana, bea, name="One"), make_room(ana, bea, name="Two")]
    settings.DOCUMENTS_MEMBER_QUOTA = 30
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def share(room):
        try:
            start.wait()
            upload(ana, room, b"x" * 20, "notes.txt")
            outcomes.append("stored")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=share, args=(room,)) for room in rooms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert selectors.bytes_used_by(ana.pk) == 20


class TestDelete:
    def test_the_uploader_deletes_and_every_file_goes(self, room_of_three, settings,
                                                      django_capture_on_commit_callbacks):
        ana, bea, _cy, room = room_of_three
        with django_capture_on_commit_callbacks(execute=True):  # previews made
            document = upload(ana, room, samples.png(), "team.png")
            services.version_add(user=bea, document_id=document.pk,
                                 stream=io.BytesIO(b"two\n"), name="notes.txt")
        assert len(stored_files(settings)) == 3  # the image, its preview, the text
        with django_capture_on_commit_callbacks(execute=True):
            services.document_delete(user=ana, document_id=document.pk)
        assert stored_files(settings) == []
        document.refresh_from_db()
        assert document.is_deleted and not document.versions.exists()
        events, _, _ = catchup.events_after(bea, room.pk, 3)
        assert [e["document"]["deleted"] for e in events] == [True]

    def test_its_comments_go_with_it(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        document = upload(ana, room, b"cv\n", "cv.txt")
        services.comment_add(user=bea, document_id=document.pk, text="A private remark")
        services.document_delete(user=ana, document_id=document.pk)
        assert list(document.comments.values_list("text", "html")) == [("", "")]
        assert document.comments.get().deleted_at is not None

    def test_a_member_deletes_only_hers_a_moderator_any(self, room_of_three):
        ana, bea, cy, room = room_of_three  # ana owns the room
        document = upload(bea, room, b"hers\n", "bea.txt")
        with pytest.raises(PermissionDenied):
            services.document_delete(user=cy, document_id=document.pk)
        services.document_delete(user=ana, document_id=document.pk)
        assert Document.objects.get(pk=document.pk).is_deleted

    def test_a_removed_member_sees_nothing_of_the_room(self, room_of_three):
        ana, bea, _cy, room = room_of_three
        document = upload(bea, room, b"shared\n", "shared.txt")
        room_services.member_remove(actor=ana, room=room, user=bea)
        assert selectors.library(bea) == []
        with pytest.raises(catchup.NotVisible):
            catchup.events_after(bea, room.pk, 0)
        from django.http import Http404
        with pytest.raises(Http404):
            services.version_add(user=bea, document_id=document.pk,
                                 stream=io.BytesIO(b"x\n"), name="x.txt")
        assert Room.objects.get(pk=room.pk).last_rev == 1
