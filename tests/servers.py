"""Start real server processes (uvicorn or Daphne) on free loopback ports, sharing the
test database.

`COHORT_TEST_SERVER=uvicorn|daphne` chooses the server the tests start (uvicorn by
default, as `cohort.py start` and production serve); a test may ask for one by name. The
command line is `cohort.server_command`'s, the one production docs describe.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.db import connection

from cohort import SERVERS, server_command

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chosen_server() -> str:
    """The server the tests start: `COHORT_TEST_SERVER`, else uvicorn."""
    server = os.environ.get("COHORT_TEST_SERVER", SERVERS[0])
    if server not in SERVERS:
        raise RuntimeError(f"COHORT_TEST_SERVER is {server!r}; use one of {SERVERS}")
    return server


def database_env() -> dict[str, str]:
    """Point a subprocess at the database this test uses (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(settings["NAME"])}
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return {"DATABASE_URL": f"postgres://{user}@{host}:{port}/{settings['NAME']}"}


class ServerProcess:
    """One server process serving server.asgi on 127.0.0.1:<port> with the test settings."""

    def __init__(self, workdir: Path, port: int | None = None, *, server: str | None = None,
                 server_args: Sequence[str] = (), **env: str) -> None:
        """`server`: uvicorn or daphne (default: `chosen_server()`); `server_args` go to
        its command line after `cohort.server_command`'s; `env`: settings for it."""
        self.server = server or chosen_server()
        self.server_args = tuple(server_args)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{self.server}-{self.port}.log"
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("DATABASE_URL", "SQLITE_PATH")}
        environment.update(database_env())
        environment.update({
            "DJANGO_SETTINGS_MODULE": "server.settings_test",
            # The same key as this process, so sessions made here are valid there.
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "true",
            "COHORT_DATA_DIR": str(workdir / "data"),
            "COHORT_BASE_URL": self.url,
            "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "LOG_LEVEL": "WARNING",
            **env,
        })
        self.env = environment
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, timeout: float = 30) -> ServerProcess:
        """Launch the process and wait until it accepts connections."""
        return self.launch().wait_ready(timeout)

    def launch(self) -> ServerProcess:
        """Launch the process without waiting for it (`wait_ready` does): what the caller
        does meanwhile overlaps the second or so the server takes to import."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            server_command(sys.executable, server=self.server, host="127.0.0.1",
                           port=self.port, quiet=True) + list(self.server_args),
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 30) -> ServerProcess:
        """Return once the launched process accepts connections; stop it and raise
        RuntimeError with its log if it exits or `timeout` seconds pass first."""
        assert self.process is not None, "not launched"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.server} did not start:\n" + self.log_path.read_text())

    def kill(self) -> None:
        """Die at once, as a crashed process would: no goodbye to any client."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_all(*servers: ServerProcess, timeout: float = 30) -> list[ServerProcess]:
    """Launch these servers together, then wait for each: they import side by side. If
    one does not start, all are stopped and RuntimeError says why."""
    for server in servers:
        server.launch()
    try:
        for server in servers:
            server.wait_ready(timeout)
    except RuntimeError:
        for server in servers:
            server.stop()
        raise
    return list(servers)


TURN_SECRET = "shared-with-coturn-only"


def coturn_on_loopback(workdir: Path, *, relay_ports: tuple[int, int], config: list[str],
                       ) -> Iterator[int]:
    """Debian's coturn on loopback with TURN_SECRET (`config`: `-n` and extra flags, or
    `-c FILE`; `relay_ports`: a range of its own, so that two at once never collide). A
    generator for a fixture: yields its port once it serves, stops it afterwards."""
    import pytest

    from tests.conftest import TURNSERVER

    port = free_port()
    log = workdir / "coturn.log"
    process = subprocess.Popen([
        str(TURNSERVER), *config, "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        f"--listening-port={port}", f"--min-port={relay_ports[0]}",
        f"--max-port={relay_ports[1]}", "--use-auth-secret",
        f"--static-auth-secret={TURN_SECRET}", "--realm=cohort.test", "--no-tls", "--no-dtls",
        "--no-cli", "--fingerprint", f"--log-file={log}", "--simple-log",
        f"--pidfile={workdir / 'coturn.pid'}", f"--db={workdir / 'turndb'}",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while "Total General servers" not in (log.read_text() if log.exists() else ""):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("coturn did not start:\n" + (log.read_text() if log.exists() else ""))
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)
