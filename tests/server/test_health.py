"""`/healthz` and `/readyz`: what the proxy and the monitoring ask (server/health.py), and
the task worker's heartbeat they read (`manage.py task_worker`)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import AsyncClient
from django.utils import timezone

from server.models import TaskWorkerBeat
from tests.redisproxy import RedisProxy
from tests.servers import ROOT, ServerProcess, database_env, free_port

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def beat(seconds_ago: float) -> None:
    TaskWorkerBeat.objects.create(worker_id="w1",
                                  beat_at=timezone.now() - timedelta(seconds=seconds_ago))


@pytest.mark.pure
async def test_healthz_answers_without_database_session_or_host_check():
    """No database (this test may not touch it), no redirect, no cookie, no CSRF check,
    whatever the host name the prober uses."""
    client = AsyncClient(headers={"host": "10.1.2.3:8001"})
    client.cookies["sessionid"] = "a-session-that-would-need-the-database"
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response and not response.cookies
    posted = await client.post("/healthz")
    assert posted.status_code == 405  # not a CSRF refusal: no form is ever taken here


@pytest.mark.pure
async def test_healthz_is_not_rate_limited():
    client = AsyncClient()
    codes = {(await client.get("/healthz")).status_code for _ in range(300)}
    assert codes == {200}


@pytest.mark.django_db(transaction=True)
class TestReadyz:
    async def test_ready_with_the_database_redis_and_a_fresh_worker(self, settings):
        settings.TASKS = DB_TASKS
        await _sync(beat)(10)
        response = await AsyncClient().get("/readyz")
        assert response.status_code == 200, response.content
        expected = {"database": "ok", "task_worker": "ok"}
        if settings.REDIS_URL:
            expected["redis"] = "ok"
        assert json.loads(response.content) == expected
        assert response["Cache-Control"] == "no-store"

    async def test_a_stale_worker_heartbeat_is_not_ready(self, settings):
        settings.TASKS = DB_TASKS
        await _sync(beat)(95)
        response = await AsyncClient().get("/readyz")
        assert response.status_code == 503
        state = json.loads(response.content)
        assert state["database"] == "ok"
        assert state["task_worker"] == "no heartbeat for 95 s"

    async def test_no_worker_ever_is_not_ready(self, settings):
        settings.TASKS = DB_TASKS
        response = await AsyncClient().get("/readyz")
        assert response.status_code == 503
        assert json.loads(response.content)["task_worker"].startswith("no heartbeat")

    async def test_without_the_task_queue_no_worker_is_needed(self, settings):
        settings.TASKS = {"default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
        response = await AsyncClient().get("/readyz")
        assert response.status_code == 200
        assert "task_worker" not in json.loads(response.content)


def _sync(function):
    from asgiref.sync import sync_to_async

    return sync_to_async(function)


# --- The task worker's heartbeat -----------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_task_worker_beats_while_it_runs_and_says_goodbye(tmp_path: Path):
    """`manage.py task_worker` (django-tasks-db's worker) writes its heartbeat, and
    removes it when it stops."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE")}
    environment.update(database_env())
    environment.update({"DJANGO_SETTINGS_MODULE": "server.settings",
                        "COHORT_DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 50})
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "task_worker", "--heartbeat", "1",
         "--worker-id", "beating-worker", "--no-startup-delay"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not TaskWorkerBeat.objects.filter(worker_id="beating-worker").exists():
            assert worker.poll() is None, worker.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "no heartbeat in 30 s"
            time.sleep(0.2)
        first = TaskWorkerBeat.objects.get(worker_id="beating-worker").beat_at
        while TaskWorkerBeat.objects.get(worker_id="beating-worker").beat_at == first:
            assert time.monotonic() < deadline, "the heartbeat did not move"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode()
    assert worker.returncode == 0, output
    assert not TaskWorkerBeat.objects.filter(worker_id="beating-worker").exists()


def test_task_worker_refuses_a_bad_heartbeat():
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "task_worker", "--heartbeat", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "server.settings"})
    assert done.returncode != 0
    assert "--heartbeat" in done.stderr


# --- Services away, on a real server ----------------------------------------------------------
@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str],
                                                                        bytes]:
    """(status, headers by lower-case name, body) of a GET to a test server, whatever the
    status."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                            timeout=30)
    try:
        connection.request("GET", parts.path or "/", headers=headers or {})
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, \
            response.read()
    finally:
        connection.close()


def _readyz(server: ServerProcess) -> tuple[int, dict[str, str], float]:
    started = time.monotonic()
    status, _headers, body = http_get(f"{server.url}/readyz")
    return status, json.loads(body), time.monotonic() - started


def test_an_unreachable_database_is_named_without_its_address_or_password(workdir: Path):
    closed = free_port()
    server = ServerProcess(
        workdir, DATABASE_URL=f"postgres://cohort:s3cret-pw@127.0.0.1:{closed}/cohortdb",
        COHORT_READY_TIMEOUT="2").start()
    try:
        status, state, _ = _readyz(server)
        health = http_get(f"{server.url}/healthz")
    finally:
        server.stop()
    assert status == 503
    assert state["database"].startswith("down: ")
    body = json.dumps(state)
    for secret in ("s3cret-pw", "cohort:", str(closed), "127.0.0.1", "postgres://",
                   "cohortdb"):
        assert secret not in body
    assert health[0] == 200  # alive, though not ready


def test_a_hung_database_gives_503_in_time_not_a_hung_probe(workdir: Path):
    """A database that takes connections and never answers: each probe answers 503
    within its time box."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=50)
    port = listener.getsockname()[1]
    server = ServerProcess(
        workdir, DATABASE_URL=f"postgres://cohort@127.0.0.1:{port}/cohortdb",
        COHORT_READY_TIMEOUT="1").start()
    try:
        answers = [_readyz(server) for _ in range(3)]
    finally:
        server.stop()
        listener.close()
    for status, state, took in answers:
        assert status == 503
        assert state["database"] == "down: no answer in 1 s"
        assert took < 5


@pytest.mark.redis
def test_redis_away_is_not_ready_and_back_is(workdir: Path):
    proxy = RedisProxy(settings.REDIS_URL)
    server = ServerProcess(workdir, REDIS_URL=proxy.url, COHORT_READY_TIMEOUT="2").start()
    try:
        before = _readyz(server)
        proxy.down()
        away = _readyz(server)
        proxy.up()
        deadline = time.monotonic() + 20
        back = _readyz(server)
        while back[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            back = _readyz(server)
    finally:
        server.stop()
        proxy.close()
    assert before[0] == 200, before
    assert away[0] == 503
    assert away[1]["database"] == "ok"
    assert away[1]["redis"].startswith("down: ")
    assert str(proxy.port) not in json.dumps(away[1]) and "redis://" not in json.dumps(away[1])
    assert back[0] == 200, back
