"""The production topology, end to end: Debian's nginx started from the shipped
deploy/nginx/cohort.conf (TLS with a self-signed certificate the clients trust), two
uvicorn processes started as production starts them (`cohort.server_command`) with
DEBUG off, on the test's PostgreSQL database and Redis. Every request and socket goes
through nginx; the processes' own ports are only looked at (which one holds a socket).

The first test signs two members in with the real form, puts their sockets on different
processes, chats and relays a call's signalling between them, kills one process (SIGKILL)
and shows nginx skipping it while the member it served comes back on the other and
nothing is lost. The second shows what the edge answers: static files, the redirect to
HTTPS, security headers and cookies, the client's own address, protected downloads and
the body size limits.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import websockets

from documents.models import Document, Version
from server import uploads
from tests.community.factories import PASSWORD, UserFactory
from tests.deploy.edge import SITE, Browser, Nginx, certificate, established
from tests.liveclient import Member
from tests.rooms.factories import make_room
from tests.servers import ROOT, ServerProcess, free_port, start_all

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.nginx]

SESSION = "__Host-sessionid"
LOGIN_FAILURES = 3  # failed sign-ins one address may make on one account (5 in production)


@dataclass
class Topology:
    edge: Nginx
    servers: list[ServerProcess]


def production_env(edge_url: str, static_root: Path) -> dict[str, str]:
    """What docs/deployment.md's first start sets, for a site at `edge_url`."""
    return {
        "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "CSRF_TRUSTED_ORIGINS": edge_url,
        "COHORT_BASE_URL": edge_url, "COHORT_TRUSTED_PROXIES": "127.0.0.1",
        "STATIC_ROOT": str(static_root), "DOCUMENTS_SENDFILE_HEADER": "X-Accel-Redirect",
        "DOCUMENTS_MAX_BYTES": "50000000",
        "COHORT_RATE_LIMITS": f"login.failed={LOGIN_FAILURES}/300",
    }


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`manage.py collectstatic` as production runs it (hashed names, gzip copies)."""
    root = tmp_path_factory.mktemp("static")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(production_env("https://127.0.0.1", root))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    return root


@pytest.fixture(scope="module")
def cert_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def topology(transactional_db: Any, tmp_path: Path, static_root: Path,
             cert_pair: tuple[Path, Path]) -> Iterator[Topology]:
    ports = (free_port(), free_port())
    folder = tmp_path / "nginx"
    folder.mkdir()
    edge = Nginx(folder, ports, static_root, tmp_path / "data" / "test-media", *cert_pair)
    env = production_env(edge.url, static_root)
    servers = start_all(*(ServerProcess(tmp_path, port, server="uvicorn", **env)
                          for port in ports))
    try:
        edge.start()
        yield Topology(edge, servers)
    finally:
        edge.stop()
        for server in servers:
            server.stop()


def session_of(edge: Nginx, email: str) -> str:
    """Sign in with the real form through the proxy; her session cookie."""
    browser = Browser(edge)
    reply = browser.sign_in(email, PASSWORD)
    assert reply.status == 302, reply.text[:500]
    return browser.cookies[SESSION]


@dataclass
class Follower:
    """A member's socket through the proxy, holding her room as docs/protocol.md says:
    the last `rev` applied, and the messages in the order they came."""

    member: Member
    room_id: int
    rev: int = 0
    messages: list[tuple[int, str]] = field(default_factory=list)

    def take(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            if frame.get("room_id") != self.room_id or "rev" not in frame:
                continue
            assert frame["rev"] > self.rev, f"rev {frame['rev']} after {self.rev}: {frame}"
            self.rev = frame["rev"]
            if frame["type"] == "chat.message.created":
                self.messages.append((frame["message"]["seq"], frame["message"]["text"]))

    async def connect(self) -> None:
        self.take(await self.member.connect(**{str(self.room_id): self.rev}))

    async def read_until(self, count: int) -> None:
        while len(self.messages) < count:
            self.take([await self.member.next()])

    async def ask(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send a request and read until its answer; room events meanwhile are taken."""
        await self.member.send(frame)
        while True:
            got = await self.member.next()
            if got["type"] in ("ack", "error") and got.get("request_id") == frame["request_id"]:
                assert got["type"] == "ack", got
                return dict(got["result"])
            self.take([got])

    async def say(self, text: str) -> None:
        client_id = re.sub(r"[^A-Za-z0-9]+", "-", text)
        await self.ask({"type": "chat.send", "request_id": client_id, "room_id": self.room_id,
                        "client_id": client_id, "text": text})

    async def signal_from(self, peer: str) -> dict[str, Any]:
        while (got := await self.member.next())["type"] != "call.signal":
            self.take([got])
        assert got["from"] == peer, got
        return got


def test_members_chat_and_call_across_two_processes_and_outlive_one(topology: Topology):
    edge, servers = topology.edge, topology.servers
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    room = make_room(ana, bea, name="Behind the proxy")
    cookies = {name: session_of(edge, user.email) for name, user in (("ana", ana), ("bea", bea))}
    context = edge.client_context()
    spares: list[Member] = []

    async def follow(name: str, avoid: int | None = None) -> tuple[Follower, int]:
        """Open her socket through nginx; the process that took it (seen from the
        processes' side: the connection that appeared on its port). Until it is not
        `avoid`: nginx's round robin gives the next socket to the other process."""
        for _attempt in range(4):
            before = [established(server.port) for server in servers]
            follower = Follower(Member(edge, cookies[name], cookie_name=SESSION,
                                       ssl=context), room.pk)
            await follower.connect()
            took = [index for index, server in enumerate(servers)
                    if established(server.port) - before[index]]
            assert len(took) == 1, took
            if took[0] != avoid:
                return follower, took[0]
            spares.append(follower.member)  # stays open: the next socket goes elsewhere
        raise AssertionError("nginx gave every socket to one process")

    async def scenario() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        a, a_process = await follow("ana")
        b, b_process = await follow("bea", avoid=a_process)
        assert {a_process, b_process} == {0, 1}  # each process serves one of them

        # Chat across the processes: each message reaches both, in order.
        sent = []
        for text in ("a1", "b1", "a2", "b2"):
            await (a if text[0] == "a" else b).say(text)
            sent.append(text)
        await asyncio.gather(a.read_until(len(sent)), b.read_until(len(sent)))

        # A call: joins, then offer, answer and a candidate relayed between the processes.
        a_peer = (await a.ask({"type": "call.join", "request_id": "j1", "room_id": room.pk,
                               "audio": True, "video": False}))["peer_id"]
        b_peer = (await b.ask({"type": "call.join", "request_id": "j2", "room_id": room.pk,
                               "audio": True, "video": False}))["peer_id"]
        offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
        await a.ask({"type": "call.signal", "request_id": "s1", "room_id": room.pk,
                     "to": b_peer, "description": offer})
        assert (await b.signal_from(a_peer))["description"] == offer
        answer = {**offer, "type": "answer"}
        await b.ask({"type": "call.signal", "request_id": "s2", "room_id": room.pk,
                     "to": a_peer, "description": answer})
        assert (await a.signal_from(b_peer))["description"] == answer
        candidate = {"candidate": "candidate:1 1 udp 2113937151 192.0.2.7 50000 typ host",
                     "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "a1b2"}
        await a.ask({"type": "call.signal", "request_id": "s3", "room_id": room.pk,
                     "to": b_peer, "candidate": candidate})
        assert (await b.signal_from(a_peer))["candidate"] == candidate

        # Ana's process dies (SIGKILL): her socket closes, Bea's lives on.
        servers[a_process].kill()
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                a.take([await a.member.next()])
        await b.say("b3 while Ana is away")
        sent.append("b3 while Ana is away")

        # nginx skips the dead process: every request is answered.
        visitor = Browser(edge)
        statuses = [visitor.get("/accounts/login/").status for _ in range(4)]
        assert statuses == [200] * 4

        # Ana comes back through the same proxy, resumes from her last rev, and both go on.
        await a.connect()
        # The last message is the sentinel: a duplicate of any earlier one would come
        # before it (each rev at most once, in order), and be counted.
        for text in ("a3", "b4", "a4", "the end"):
            await (a if text[0] == "a" else b).say(text)
            sent.append(text)
        await asyncio.gather(a.read_until(len(sent)), b.read_until(len(sent)))
        for member in (a.member, b.member, *spares):
            await member.close()
        return a.messages, b.messages

    ana_saw, bea_saw = asyncio.run(scenario())

    # Every message, sent before and after the kill, reached each member exactly once and
    # in order (Ana's while she was away through her resume from her last rev).
    expected = list(enumerate(["a1", "b1", "a2", "b2", "b3 while Ana is away", "a3", "b4",
                               "a4", "the end"], start=1))
    assert ana_saw == expected
    assert bea_saw == expected
    # nginx's log: a request tried the dead process and went on to the other; none failed.
    [dead] = [server for server in servers if server.process and server.process.poll() is not None]
    lines = edge.access_log.read_text().splitlines()
    assert any(f"upstream=127.0.0.1:{dead.port}, 127.0.0.1:" in line for line in lines), lines
    assert not [line for line in lines if line.split('" ')[1].split()[0] in ("502", "504")]


def test_the_edge_answers_as_production_should(topology: Topology, static_root: Path):
    edge = topology.edge
    ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
    room = make_room(ana, bea, name="Plans")
    visitor = Browser(edge)

    # Plain HTTP is sent to HTTPS, path and query kept.
    moved = visitor.request("GET", "/rooms/?page=2", tls=False)
    assert (moved.status, moved.headers["Location"]) == (301, "https://127.0.0.1/rooms/?page=2")

    # A page: Cohort's security headers, and nginx's name without its version.
    page = visitor.get("/accounts/login/")
    assert page.status == 200
    assert page.headers["Server"] == "nginx"
    assert page.headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Frame-Options"] == "DENY"
    # Each request carries nginx's id to Cohort, which answers with it: the id in the
    # answer is the one in nginx's log line of that request.
    request_id = page.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    logged = edge.logged(request_id)
    assert '"GET /accounts/login/ HTTP/1.1" 200 ' in logged, logged
    # /metrics is closed at the proxy; /healthz answers through it.
    assert visitor.get("/metrics").status == 403
    health = visitor.get("/healthz")
    assert (health.status, health.text.strip()) == (200, "ok")
    csrf_cookie = page.cookies()["__Host-csrftoken"].split("; ")
    assert {"Secure", "Path=/", "SameSite=Lax"} <= set(csrf_cookie)
    assert not [part for part in csrf_cookie if part.lower().startswith("domain=")]

    # Signing in sets the session cookie: __Host- (no Domain, Path=/), Secure, HttpOnly, Lax.
    ana_browser = Browser(edge)
    signed_in = ana_browser.sign_in(ana.email, PASSWORD)
    assert signed_in.status == 302
    session_cookie = signed_in.cookies()[SESSION].split("; ")
    assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= set(session_cookie)
    assert not [part for part in session_cookie if part.lower().startswith("domain=")]

    # Static files from STATIC_ROOT by nginx: a hashed name is kept a year, a plain one a
    # minute (WhiteNoise would say max-age=315360000 and 60 without "public" first).
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    plain = next(name for name in sorted(manifest) if name.startswith("js/"))
    hashed = visitor.get(f"/static/{manifest[plain]}")
    assert hashed.status == 200
    assert hashed.body == (static_root / manifest[plain]).read_bytes()
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["Content-Type"] == "application/javascript"
    assert hashed.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in hashed.headers["Strict-Transport-Security"]
    assert visitor.get(f"/static/{plain}").headers["Cache-Control"] == "public, max-age=60"
    zipped = visitor.get(f"/static/{manifest[plain]}", **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == hashed.body
    assert visitor.get("/static/js/no-such-file.js").status == 404

    # The address Cohort counts is the client's, from nginx's X-Forwarded-For: failed
    # sign-ins from 127.0.0.2 stop 127.0.0.2 (even when it writes another address in its
    # own X-Forwarded-For), and Bea signs in from 127.0.0.3 behind the same proxy.
    stranger = Browser(edge, source="127.0.0.2")
    for _attempt in range(LOGIN_FAILURES):
        assert stranger.sign_in(bea.email, "not her password").status == 200
    for forged in ({}, {"X-Forwarded-For": "198.51.100.7"}):
        refused = stranger.sign_in(bea.email, PASSWORD, **forged)
        assert refused.status == 200
        assert "Too many failed login attempts" in refused.text
        assert SESSION not in stranger.cookies
    assert Browser(edge, source="127.0.0.3").sign_in(bea.email, PASSWORD).status == 302

    # A document shared through the proxy, and downloaded: Cohort checks the viewer, then
    # nginx sends the file from MEDIA_ROOT (X-Accel-Redirect), with Cohort's headers.
    content = b"Our plan for the spring, step by step.\n" * 200
    shared = ana_browser.upload(f"/rooms/{room.pk}/documents/upload", "plan.txt", content)
    assert shared.status == 201, shared.text
    url = shared.json()["document"]["download_url"]
    download = ana_browser.get(url)
    assert download.status == 200
    assert download.body == content
    assert "X-Accel-Redirect" not in download.headers  # nginx took it: the client never sees it
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert download.headers["Content-Disposition"] == "attachment; filename*=UTF-8''plan.txt"
    assert download.headers["Content-Security-Policy"] == \
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    # Cleo is not in the room: 404, as for a document that does not exist.
    cleo_browser = Browser(edge)
    assert cleo_browser.sign_in(cleo.email, PASSWORD).status == 302
    hidden = cleo_browser.get(url)
    assert hidden.status == 404
    assert content not in hidden.body
    # The protected folder is reachable only through Cohort's answer.
    stored = Version.objects.get(document__room=room).file.name
    assert (topology.edge.media_root / stored).read_bytes() == content
    assert ana_browser.get(f"/protected-media/{stored}").status == 404

    # Bodies past Cohort's bounds are refused by nginx from their declared length, before
    # any byte of them is read, at the same bounds as Cohort's (server/uploads.py), and
    # nothing is stored.
    bounds = re.findall(r"client_max_body_size (\w+);", SITE.read_text())
    assert bounds == ["6m", str(50_000_000 + uploads.FORM_OVERHEAD)]
    assert uploads.other_max_bytes() == 6 * 1024 * 1024
    upload_url = f"/rooms/{room.pk}/documents/upload"
    for path, length in ((upload_url, 50_000_000 + uploads.FORM_OVERHEAD + 1),
                         ("/accounts/email/", uploads.other_max_bytes() + 1)):
        refused = ana_browser.declare(path, length)
        assert refused.status == 413
        assert "413 Request Entity Too Large" in refused.text  # nginx's page
    assert Document.objects.filter(room=room).count() == 1
