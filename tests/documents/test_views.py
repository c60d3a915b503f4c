"""Documents pages, uploads and downloads over HTTP: who gets what (member, non-member,
removed, blocked pair, admin who is not a member), the headers that keep a file from
being run as a page, and uploads refused before their body is read."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from django.test import Client

from documents import services
from rooms import services as room_services
from rooms.models import Room
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.documents import samples
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shared():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
    room = make_room(ana, bea)
    document = services.document_upload(user=ana, room_id=room.pk,
                                        stream=io.BytesIO(samples.png()), name="team.png")
    return ana, bea, room, document


def urls(room, document) -> list[str]:
    return [f"/rooms/{room.pk}/documents/", f"/documents/{document.pk}/",
            f"/documents/{document.pk}/versions/1/download",
            f"/api/v1/rooms/{room.pk}/documents"]


def test_a_member_sees_the_tab_the_page_the_file_and_the_api(shared):
    _ana, bea, room, document = shared
    client = client_of(bea)
    pages = [client.get(url) for url in urls(room, document)]
    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    assert "team.png" in pages[0].content.decode() and "team.png" in pages[1].content.decode()
    assert b"".join(pages[2].streaming_content) == document.versions.get().file.read()
    listed = pages[3].json()["results"]
    assert [(d["name"], [v["number"] for v in d["versions"]]) for d in listed] == [
        ("team.png", [1])]
    assert "team.png" in client.get("/documents/").content.decode()  # My documents


@pytest.mark.parametrize("who", ["outsider", "removed", "admin"])
def test_whoever_may_not_see_the_room_gets_404_everywhere(shared, who):
    ana, bea, room, document = shared
    if who == "outsider":
        viewer = UserFactory()
    elif who == "admin":
        viewer = AdminFactory()
    else:
        room_services.member_remove(actor=ana, room=room, user=bea)
        viewer = bea
    client = client_of(viewer)
    assert [client.get(url).status_code for url in urls(room, document)] == [404] * 4
    assert client.get(f"/documents/{document.pk}/versions/1/preview").status_code == 404
    assert client.post(f"/documents/{document.pk}/comments", {"text": "hi"}).status_code == 404
    assert client.post(f"/documents/{document.pk}/versions/upload",
                       {"file": io.BytesIO(b"x\n")}).status_code == 404
    assert "team.png" not in client.get("/documents/").content.decode()
    answer = client.post(f"/rooms/{room.pk}/documents/upload",
                         {"file": io.BytesIO(samples.pdf())}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 404
    assert client.post(f"/documents/{document.pk}/delete").status_code == 404
    assert document.versions.count() == 1


def test_a_blocked_pair_reads_its_files_but_shares_nothing_more(shared):
    ana, bea, _room, _document = shared
    pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="")
    kept = services.document_upload(user=ana, room_id=pair.pk,
                                    stream=io.BytesIO(b"Goals\n"), name="goals.md")
    BlockFactory(blocker=bea, blocked=ana)
    client = client_of(ana)
    assert client.get(f"/documents/{kept.pk}/").status_code == 200
    answer = client.post(f"/rooms/{pair.pk}/documents/upload",
                         {"file": io.BytesIO(b"more\n")}, HTTP_ACCEPT="application/json")
    assert (answer.status_code, answer.json()["error"]) == (403, "forbidden")
    assert pair.documents.count() == 1


def test_upload_answers_the_page_and_says_what_is_wrong(shared):
    _ana, bea, room, _document = shared
    client = client_of(bea)
    upload = io.BytesIO(b"Reading list\n- Lean In\n")
    upload.name = "reading.md"
    answer = client.post(f"/rooms/{room.pk}/documents/upload", {"file": upload, "note": "v1"},
                         HTTP_ACCEPT="application/json")
    assert answer.status_code == 201
    assert answer.json()["document"]["kind"] == "text/markdown"
    bad = io.BytesIO(samples.ELF)
    bad.name = "cv.pdf"
    refused = client.post(f"/rooms/{room.pk}/documents/upload", {"file": bad},
                          HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and "not accepted" in refused.json()["detail"]
    assert room.documents.count() == 2
    # Without script the form redirects back with the message.
    bad.seek(0)
    page = client.post(f"/rooms/{room.pk}/documents/upload", {"file": bad}, follow=True)
    assert "not accepted" in page.content.decode()


def test_downloads_are_never_run_as_pages(shared):
    ana, _bea, room, document = shared
    html = services.document_upload(user=ana, room_id=room.pk, stream=io.BytesIO(
        b"<script>alert(document.cookie)</script>"), name="page.html")
    svg = services.document_upload(user=ana, room_id=room.pk, stream=io.BytesIO(
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), name="logo.svg")
    client = client_of(ana)
    for doc in (html, svg):
        answer = client.get(f"/documents/{doc.pk}/versions/1/download")
        assert answer["Content-Type"] == "text/plain; charset=utf-8"
        assert answer["Content-Disposition"].startswith("attachment;")
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in answer["Content-Security-Policy"]
    image = client.get(f"/documents/{document.pk}/versions/1/download")
    assert (image["Content-Type"], image["Content-Disposition"]) == (
        "image/png", "inline; filename*=UTF-8''team.png")
    saved = client.get(f"/documents/{document.pk}/versions/1/download?download=1")
    assert saved["Content-Disposition"].startswith("attachment;")


def test_the_reverse_proxy_sends_the_file_after_the_check(shared, settings):
    _ana, bea, _room, document = shared
    settings.DOCUMENTS_SENDFILE_HEADER = "X-Accel-Redirect"
    answer = client_of(bea).get(f"/documents/{document.pk}/versions/1/download")
    stored = document.versions.get().file.name
    assert answer["X-Accel-Redirect"] == f"/protected-media/{stored}"
    assert answer.content == b""
    assert client_of(UserFactory()).get(
        f"/documents/{document.pk}/versions/1/download").status_code == 404


def test_deleting_from_the_page(shared, settings, django_capture_on_commit_callbacks):
    ana, bea, room, document = shared
    assert client_of(bea).post(f"/documents/{document.pk}/delete").status_code == 302
    assert room.documents.filter(deleted_at__isnull=True).count() == 1  # not hers to delete
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_of(ana).post(f"/documents/{document.pk}/delete")
    assert answer.status_code == 302
    assert client_of(ana).get(f"/documents/{document.pk}/").status_code == 404


@pytest.mark.parametrize(("headers", "status"), [
    ([(b"content-length", b"60000000")], 413),  # past DOCUMENTS_MAX_BYTES and the form
    ([], 411),  # an upload must say its length
])
async def test_an_upload_too_large_is_refused_before_its_body_is_read(headers, status):
    from server.asgi import application

    sent: list[dict] = []

    async def receive():
        raise AssertionError("the body was read")

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/rooms/1/documents/upload",
             "headers": headers, "query_string": b""}
    await application(scope, receive, send)
    assert sent[0]["status"] == status


async def _post_upload(room_id: int, session_key: str, parts: list[bytes], length: int,
                       *, cut: bool) -> list[dict]:
    """A multipart upload straight to the ASGI application, its body in `parts`; `cut`:
    the client goes away after them."""
    from server.asgi import application

    messages = [{"type": "http.request", "body": part, "more_body": True} for part in parts]
    if cut:
        messages.append({"type": "http.disconnect"})
    else:
        messages[-1]["more_body"] = False
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        if not cut:  # the client waits for the answer
            await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    token = "t" * 32
    scope = {"type": "http", "method": "POST", "path": f"/rooms/{room_id}/documents/upload",
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000), "asgi": {"version": "3.0"}, "http_version": "1.1",
             "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(length).encode()),
                         (b"content-type", b"multipart/form-data; boundary=cutcutcut"),
                         (b"cookie", f"sessionid={session_key}; csrftoken={token}".encode()),
                         (b"x-csrftoken", token.encode()), (b"accept", b"application/json")]}
    await application(scope, receive, send)
    return sent


@pytest.mark.django_db(transaction=True)
async def test_an_upload_cut_half_way_leaves_nothing(settings):
    """The client goes away mid-body: no document, no rev, no file. The same upload,
    whole, is stored (so the cut is what made the difference)."""
    from pathlib import Path

    from asgiref.sync import sync_to_async
    from django.contrib.sessions.backends.db import SessionStore

    def build():
        ana, bea = UserFactory(), UserFactory()
        room = make_room(ana, bea)
        session = SessionStore()
        session.update({"_auth_user_id": str(ana.pk),
                        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        "_auth_user_hash": ana.get_session_auth_hash()})
        session.create()
        return room, session.session_key
    room, key = await sync_to_async(build)()
    head = (b"--cutcutcut\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"plan.txt\"\r\nContent-Type: text/plain\r\n\r\n")
    tail = b"\r\n--cutcutcut--\r\n"
    whole = [head + b"a" * 100_000, b"b" * 100_000 + tail]
    length = sum(map(len, whole))

    def state():
        files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
        return room.documents.count(), type(room).objects.get(pk=room.pk).last_rev, len(files)

    sent = await _post_upload(room.pk, key, whole[:1], length, cut=True)
    assert not any(m.get("status") == 201 for m in sent)
    assert await sync_to_async(state)() == (0, 0, 0)
    sent = await _post_upload(room.pk, key, whole, length, cut=False)
    assert [m["status"] for m in sent if "status" in m] == [201], sent
    documents, _rev, files = await sync_to_async(state)()
    assert (documents, files) == (1, 1)


def test_the_tab_sorts_and_filters(shared):
    ana, _bea, room, _document = shared
    for name, data in (("notes.md", b"# Notes\n"), ("zeta.txt", b"z" * 5000)):
        services.document_upload(user=ana, room_id=room.pk, stream=io.BytesIO(data), name=name)
    client = client_of(ana)

    def names(query: str) -> list[str]:
        page = client.get(f"/rooms/{room.pk}/documents/?{query}").content.decode()
        return re.findall(r'<td><a href="/documents/\d+/">([^<]+)</a></td>', page)

    assert names("sort=name") == ["notes.md", "team.png", "zeta.txt"]
    assert names("sort=size")[0] == "zeta.txt"
    assert names("kind=image") == ["team.png"]
    assert names("kind=text&sort=name") == ["notes.md", "zeta.txt"]
    assert names("q=NOT") == ["notes.md"]


@pytest.mark.parametrize(("path", "headers", "status"), [
    ("/rooms/1/documents/upload/", [(b"content-length", b"60000000")], 413),
    ("/documents/1/versions/upload", [(b"content-length", b"60000000")], 413),
    ("/documents/1/comments", [(b"content-length", b"5000000000")], 413),
    ("/accounts/login/", [(b"content-length", b"5000000000")], 413),
])
async def test_any_body_too_large_is_refused_from_its_headers(path, headers, status):
    from server.asgi import application

    sent: list[dict] = []

    async def receive():
        raise AssertionError("the body was read")

    async def send(message):
        sent.append(message)

    await application({"type": "http", "method": "POST", "path": path, "headers": headers,
                       "query_string": b""}, receive, send)
    assert sent[0]["status"] == status


async def test_a_body_without_length_is_cut_off_past_the_bound():
    from server import uploads
    from server.asgi import application

    chunk = b"x" * (1024 * 1024)
    chunks = iter(range(100))  # at most 100 MiB would be offered
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        next(chunks)
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    await application({"type": "http", "method": "POST", "path": "/accounts/login/",
                       "headers": [(b"host", b"127.0.0.1")], "query_string": b"",
                       "scheme": "http", "server": ("127.0.0.1", 80),
                       "client": ("127.0.0.1", 5000), "asgi": {"version": "3.0"},
                       "http_version": "1.1"}, receive, send)
    assert [m["status"] for m in sent if "status" in m] == [413]
    assert read <= uploads.other_max_bytes() + len(chunk)
