"""A room's documents over the API: who gets what (member, non-member, blocked pair, admin
who is not a member, signed out), uploads with the page's checks (kind, size, quotas, a
full disk), versions, files, renaming, deleting, comments; bad input changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from documents import services
from documents.models import Comment, Document, Version
from rooms.models import Room
from tests.api.conftest import ApiClient, errors, heard, shape
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room
from tests.server.test_full_disk import full_disk  # noqa: F401  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea, name="Autumn cohort")
    document = services.document_upload(user=ana, room_id=room.pk,
                                        stream=io.BytesIO(samples.png()), name="team.png")
    comment = services.comment_add(user=bea, document_id=document.pk, text="Nice **plan**")
    return ana, bea, room, document, comment


def upload(client: ApiClient, path: str, body: bytes, name: str = "notes.md",
           **fields: Any) -> Any:
    """A multipart upload, as a program sends one (session, CSRF token)."""
    stream = io.BytesIO(body)
    stream.name = name
    return client.client.post(f"/api/v1/{path}", {"file": stream, **fields},
                              headers={"X-CSRFToken": client.csrf})


def reads(client: ApiClient, room: Room, document: Document) -> list[int]:
    return [client.get(path).status_code for path in (
        f"rooms/{room.pk}/documents", f"documents/{document.pk}",
        f"documents/{document.pk}/versions/1/file", f"documents/{document.pk}/comments")]


class TestWhoReads:
    def test_a_member_reads_the_list_the_document_its_file_and_comments(self, api, shared):
        ana, bea, room, document, comment = shared
        client = api(bea)
        [listed] = client.get(f"rooms/{room.pk}/documents").json()["results"]
        assert (listed["id"], listed["name"], listed["kind"], listed["version"]) == (
            document.pk, "team.png", "image/png", 1)
        assert [v["number"] for v in listed["versions"]] == [1]
        detail = client.get(f"documents/{document.pk}").json()
        assert (detail["can_add_version"], detail["can_rename"], detail["can_delete"],
                detail["can_comment"]) == (True, True, False, True)
        file = client.get(detail["versions"][0]["download_url"].removeprefix("/api/v1/"))
        assert file.status_code == 200 and file["Content-Type"] == "image/png"
        assert file["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in file["Content-Security-Policy"]
        assert b"".join(file.streaming_content) == samples.png()
        [row] = client.get(f"documents/{document.pk}/comments").json()["results"]
        assert (row["id"], row["text"], row["can_delete"]) == (comment.pk, "Nice **plan**", True)
        assert "<strong>plan</strong>" in row["html"]

    def test_anyone_else_finds_nothing_there(self, api, shared):
        _ana, _bea, room, document, _comment = shared
        assert reads(api(UserFactory()), room, document) == [404] * 4
        # An admin who is not a member: the same 404 as a room that does not exist.
        assert reads(api(AdminFactory()), room, document) == [404] * 4

    def test_signed_out_is_401(self, api, shared):
        _ana, _bea, room, document, _comment = shared
        client = api(None)
        assert reads(client, room, document) == [401] * 4
        answer = upload(client, f"rooms/{room.pk}/documents", b"x\n")
        assert answer.status_code == 401 and errors(answer) == [(None, "not_authenticated")]

    def test_a_removed_member_loses_them_at_once(self, api, shared):
        _ana, bea, room, document, _comment = shared
        room.memberships.filter(user=bea).delete()
        assert reads(api(bea), room, document) == [404] * 4

    def test_the_old_path_is_gone_and_says_where(self, shared):
        _ana, bea, room, _document, _comment = shared
        client = Client()
        client.force_login(bea)
        answer = client.get(f"/api/rooms/{room.pk}/documents")
        assert answer.status_code == 410
        assert answer.json()["moved_to"] == f"/api/v1/rooms/{room.pk}/documents"


class TestUploads:
    def test_a_member_shares_a_document_then_a_version(self, api, shared):
        _ana, bea, room, _document, _comment = shared
        client = api(bea)
        answer = upload(client, f"rooms/{room.pk}/documents", b"Reading list\n",
                        name="reading.md", note="first")
        assert answer.status_code == 201, answer.content
        created = answer.json()
        assert (created["name"], created["kind"], created["versions"][0]["note"]) == (
            "reading.md", "text/markdown", "first")
        again = upload(client, f"documents/{created['id']}/versions", b"Reading list v2\n",
                       name="reading-v2.md")
        assert again.status_code == 201
        assert [v["number"] for v in again.json()["versions"]] == [2, 1]
        assert again.json()["name"] == "reading-v2.md"

    def test_a_file_of_a_refused_kind_keeps_nothing(self, api, shared):
        _ana, bea, room, _document, _comment = shared
        answer = upload(api(bea), f"rooms/{room.pk}/documents", samples.ELF, name="cv.pdf")
        assert answer.status_code == 400
        assert "not accepted" in answer.json()["errors"][0]["message"]
        assert room.documents.count() == 1 and Version.objects.count() == 1

    def test_a_file_over_the_limit_keeps_nothing(self, api, shared, settings):
        _ana, bea, room, document, _comment = shared
        settings.DOCUMENTS_MAX_BYTES = 100
        answer = upload(api(bea), f"documents/{document.pk}/versions", b"x" * 101)
        assert answer.status_code == 400
        assert Version.objects.count() == 1

    def test_past_her_quota_keeps_nothing(self, api, shared, settings):
        _ana, bea, room, _document, _comment = shared
        settings.DOCUMENTS_MEMBER_QUOTA = 10
        answer = upload(api(bea), f"rooms/{room.pk}/documents", b"more than ten bytes\n")
        assert answer.status_code == 400
        assert "past your" in answer.json()["errors"][0]["message"]
        assert room.documents.count() == 1

    def test_a_full_disk_is_507_and_keeps_nothing(self, api, shared, full_disk):  # noqa: F811
        _ana, bea, room, _document, _comment = shared
        answer = upload(api(bea), f"rooms/{room.pk}/documents", b"Notes\n")
        assert answer.status_code == 507
        assert errors(answer) == [(None, "not_stored")]
        assert room.documents.count() == 1 and full_disk

    @pytest.mark.parametrize("fields", [{}, {"unknown": "x"}, {"note": "n" * 501}])
    def test_bad_forms_change_nothing(self, api, shared, fields):
        _ana, bea, room, _document, _comment = shared
        client = api(bea)
        if fields:
            answer = upload(client, f"rooms/{room.pk}/documents", b"Notes\n", **fields)
        else:
            answer = client.client.post(f"/api/v1/rooms/{room.pk}/documents", {"note": "x"},
                                        headers={"X-CSRFToken": client.csrf})
        assert answer.status_code == 400 and errors(answer)
        assert room.documents.count() == 1

    def test_json_is_not_an_upload(self, api, shared):
        _ana, bea, room, _document, _comment = shared
        answer = api(bea).post(f"rooms/{room.pk}/documents", {"file": "x"})
        assert answer.status_code == 415
        assert room.documents.count() == 1

    def test_a_blocked_pair_reads_but_shares_nothing_more(self, api, shared):
        ana, bea, _room, _document, _comment = shared
        pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
        kept = services.document_upload(user=ana, room_id=pair.pk,
                                        stream=io.BytesIO(b"Goals\n"), name="goals.md")
        BlockFactory(blocker=bea, blocked=ana)
        client = api(ana)
        assert client.get(f"documents/{kept.pk}").status_code == 200
        assert upload(client, f"rooms/{pair.pk}/documents", b"more\n").status_code == 403
        assert upload(client, f"documents/{kept.pk}/versions", b"more\n").status_code == 403
        assert client.patch(f"documents/{kept.pk}", {"name": "x.md"}).status_code == 403
        assert client.post(f"documents/{kept.pk}/comments", {"text": "hi"}).status_code == 403
        assert pair.documents.get().version_count == 1
        assert pair.documents.get().name == "goals.md"

    def test_a_stranger_uploads_nowhere(self, api, shared):
        _ana, _bea, room, document, _comment = shared
        for user in (UserFactory(), AdminFactory()):
            client = api(user)
            assert upload(client, f"rooms/{room.pk}/documents", b"x\n").status_code == 404
            assert upload(client, f"documents/{document.pk}/versions", b"x\n").status_code == 404
        assert Version.objects.count() == 1


class TestChanges:
    def test_rename_by_whoever_may_add_a_version(self, api, shared):
        _ana, bea, _room, document, _comment = shared
        answer = api(bea).patch(f"documents/{document.pk}", {"name": "Team photo.png"})
        assert answer.status_code == 200 and answer.json()["name"] == "Team photo.png"
        document.refresh_from_db()
        assert document.name == "Team photo.png"
        assert document.versions.get().name == "team.png"  # as it was uploaded

    @pytest.mark.parametrize(("body", "field", "code"), [
        ({"name": 5}, "name", "invalid"),
        ({"name": "a/b"}, None, "invalid"),
        ({"name": "x.png", "title": "x"}, "title", "unknown"),
        ({}, "name", "required"),
    ])
    def test_a_bad_rename_changes_nothing(self, api, shared, body, field, code):
        _ana, bea, _room, document, _comment = shared
        answer = api(bea).patch(f"documents/{document.pk}", body)
        assert answer.status_code == 400 and (field, code) in errors(answer)
        document.refresh_from_db()
        assert document.name == "team.png"

    def test_delete_is_the_uploaders_or_a_moderators(self, api, shared):
        ana, bea, _room, document, _comment = shared
        assert api(bea).delete(f"documents/{document.pk}").status_code == 403
        assert api(UserFactory()).delete(f"documents/{document.pk}").status_code == 404
        assert api(ana).delete(f"documents/{document.pk}").status_code == 204
        document.refresh_from_db()
        assert document.is_deleted and not document.versions.exists()
        assert api(ana).get(f"documents/{document.pk}").status_code == 404

    def test_comments_added_and_deleted(self, api, shared):
        ana, bea, _room, document, comment = shared
        answer = api(ana).post(f"documents/{document.pk}/comments", {"text": "Thanks @**Bea Kim**"})
        assert answer.status_code == 201 and answer.json()["can_delete"] is True
        # Hers, not Ana's: Ana is the room's owner, who deletes any.
        assert api(UserFactory()).delete(
            f"documents/{document.pk}/comments/{comment.pk}").status_code == 404
        assert api(bea).delete(
            f"documents/{document.pk}/comments/{answer.json()['id']}").status_code == 403
        assert api(ana).delete(
            f"documents/{document.pk}/comments/{comment.pk}").status_code == 204
        assert Comment.objects.filter(deleted_at__isnull=True).count() == 1
        assert api(bea).post(f"documents/{document.pk}/comments",
                             {"text": 5}).status_code == 400
        assert Comment.objects.count() == 2


class TestPaging:
    @pytest.mark.parametrize(("params", "field", "code"), [
        ({"page_size": 201}, "page_size", "out_of_range"),
        ({"cursor": "bm90IG91cnM="}, "cursor", "invalid_cursor"),
        ({"sort": "name"}, "sort", "unknown"),
        ({"kind": "exe"}, "kind", "invalid_choice"),
    ])
    def test_bad_queries_are_400(self, api, shared, params, field, code):
        _ana, bea, room, _document, _comment = shared
        answer = api(bea).get(f"rooms/{room.pk}/documents", params)
        assert answer.status_code == 400 and errors(answer) == [(field, code)]

    def test_pages_follow_their_cursor(self, api, shared):
        ana, bea, room, _document, _comment = shared
        for index in range(4):
            services.document_upload(user=ana, room_id=room.pk,
                                     stream=io.BytesIO(f"n{index}\n".encode()),
                                     name=f"n{index}.md")
        client, seen, url, params = api(bea), [], f"rooms/{room.pk}/documents", {"page_size": 2}
        while url:
            page = client.get(url, params).json()
            seen += [row["id"] for row in page["results"]]
            url, params = (page["next"] or "").removeprefix("http://testserver/api/v1/"), {}
        assert seen == sorted(room.documents.values_list("pk", flat=True), reverse=True)
        only = client.get(f"rooms/{room.pk}/documents", {"kind": "image"}).json()["results"]
        assert [row["name"] for row in only] == ["team.png"]

    def test_the_list_reads_the_same_queries_for_any_number_of_documents(
            self, api, shared, django_assert_max_num_queries):
        ana, bea, room, _document, _comment = shared
        client = api(bea)
        client.get(f"rooms/{room.pk}/documents")  # the session and the like, read once
        with django_assert_max_num_queries(12) as few:
            client.get(f"rooms/{room.pk}/documents")
        for index in range(6):
            document = services.document_upload(
                user=ana, room_id=room.pk, stream=io.BytesIO(f"n{index}\n".encode()),
                name=f"n{index}.md")
            services.version_add(user=bea, document_id=document.pk,
                                 stream=io.BytesIO(f"v{index}\n".encode()), name=f"v{index}.md")
        with django_assert_max_num_queries(len(few.captured_queries)):
            answer = client.get(f"rooms/{room.pk}/documents")
        assert len(answer.json()["results"]) == 7



@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_upload_through_the_api_reaches_the_room_as_the_pages_does():
    from channels.db import database_sync_to_async as db

    from tests.chat.wsclient import open_socket, receive_until

    ana, bea, room = await db(lambda: (lambda a, b: (a, b, make_room(a, b)))(
        UserFactory(name="Ana"), UserFactory(name="Bea")))()
    socket = await open_socket(bea, sync={})
    await receive_until(socket, "sync.done")

    def page_upload() -> int:
        client = Client()
        client.force_login(ana)
        stream = io.BytesIO(b"From the page\n")
        stream.name = "page.md"
        return client.post(f"/rooms/{room.pk}/documents/upload", {"file": stream},
                           HTTP_ACCEPT="application/json").status_code

    assert await db(page_upload)() == 201
    by_page = await heard(socket, "documents.changed")
    client = await db(ApiClient)(ana)
    answer = await db(upload)(client, f"rooms/{room.pk}/documents", b"From the API\n",
                              "api.md")
    assert answer.status_code == 201
    by_api = await heard(socket, "documents.changed")
    assert by_page and by_api
    assert by_api[0]["document"]["name"] == "api.md" and by_api[0]["rev"] > by_page[-1]["rev"]
    assert shape(by_api[0]) == shape(by_page[0])
    assert by_api[0]["document"]["id"] == answer.json()["id"]

    # Refused (a kind not taken) or renamed to the name it has: the room hears nothing.
    refused = await db(upload)(client, f"rooms/{room.pk}/documents", samples.ELF, "cv.pdf")
    same = await db(client.patch)(f"documents/{answer.json()['id']}", {"name": "api.md"})
    assert (refused.status_code, same.status_code) == (400, 200)
    assert await heard(socket, "documents.changed") == []
    renamed = await db(client.patch)(f"documents/{answer.json()['id']}", {"name": "notes.md"})
    assert renamed.status_code == 200
    named = await heard(socket, "documents.changed")
    assert [frame["document"]["name"] for frame in named] == ["notes.md"]
    await socket.disconnect()


@pytest.mark.parametrize(("path", "headers", "status", "code"), [
    ("/api/v1/rooms/1/documents", [(b"content-length", b"60000000")], 413, "too_large"),
    ("/api/v1/documents/1/versions", [(b"content-length", b"60000000")], 413, "too_large"),
    ("/api/v1/rooms/1/documents", [], 411, "length_required"),
])
@pytest.mark.asyncio
async def test_an_upload_too_large_is_refused_before_its_body_is_read(path, headers, status,
                                                                      code):
    import json

    from server.asgi import application

    sent: list[dict] = []

    async def receive():
        raise AssertionError("the body was read")

    async def send(message):
        sent.append(message)

    await application({"type": "http", "method": "POST", "path": path, "headers": headers,
                       "query_string": b""}, receive, send)
    assert sent[0]["status"] == status
    assert json.loads(sent[1]["body"])["errors"][0]["code"] == code
