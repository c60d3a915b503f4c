"""Start real Daphne processes on free loopback ports, sharing the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_env() -> dict[str, str]:
    """Point a subprocess at the database this test uses (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(settings["NAME"])}
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return {"DATABASE_URL": f"postgres://{user}@{host}:{port}/{settings['NAME']}"}


class DaphneProcess:
    """One `daphne` serving server.asgi on 127.0.0.1:<port> with the test settings."""

    def __init__(self, workdir: Path, port: int | None = None, **env: str) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"daphne-{self.port}.log"
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

    def start(self, timeout: float = 30) -> DaphneProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "server.asgi:application"], cwd=ROOT, env=self.env, stdout=log,
            stderr=subprocess.STDOUT)
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
        raise RuntimeError("Daphne did not start:\n" + self.log_path.read_text())

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
