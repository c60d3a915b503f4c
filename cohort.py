#!/usr/bin/env python3
"""Set up and run Cohort on this machine, with nothing but Python installed.

    python3 cohort.py start   # environment, install, migrate, demo community, serve :8000
    python3 cohort.py test    # the whole test suite (extra arguments go to pytest)

`start` serves with uvicorn (uvloop, httptools, its `websockets` implementation);
`COHORT_SERVER=daphne python3 cohort.py start` serves with Daphne instead
(docs/deployment.md says why uvicorn). `server_command` is the one place that says how
either is started: the tests and the benchmarks start their servers with it too.

This file runs under any Python 3 (it uses the standard library only). It finds a
Python >= 3.12 on the machine, makes `.venv` with it, installs the locked
requirements (`requirements/*.txt`, exported from `uv.lock`, with hashes) and
reinstalls only when the lock changes.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 12)
ADDRESS = os.environ.get("COHORT_BIND", "127.0.0.1")
PORT = os.environ.get("COHORT_PORT", "8000")
SERVERS = ("uvicorn", "daphne")
WS_MAX_BYTES = 1 << 20  # a client frame past this closes its socket (1009); past 64 KiB,
# the consumer answers `bad_frame` (rooms.protocol.MAX_FRAME_BYTES)


def say(text: str) -> None:
    print(f"cohort: {text}", flush=True)


def python_ok(executable: str) -> bool:
    """True if `executable` runs and is at least MIN_PYTHON with venv support."""
    probe = f"import sys, venv; sys.exit(0 if sys.version_info >= {MIN_PYTHON!r} else 1)"
    try:
        done = subprocess.run(
            [executable, "-c", probe],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def version_key(path: str) -> tuple[int, ...]:
    """(3, 13, 0) for .../versions/3.13.0/bin/python3; newest sorts last."""
    found = re.search(r"/(\d+(?:\.\d+)+)[^/]*/bin/", path)
    return tuple(int(part) for part in found.group(1).split(".")) if found else (0,)


def find_python() -> str:
    """The first Python >= 3.12: COHORT_PYTHON, this one, python3.1x on PATH, then pyenv's."""
    candidates = []
    if os.environ.get("COHORT_PYTHON"):
        candidates.append(os.environ["COHORT_PYTHON"])
    candidates.append(sys.executable)
    for minor in range(20, MIN_PYTHON[1] - 1, -1):
        found = shutil.which(f"python3.{minor}")
        if found:
            candidates.append(found)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    # pyenv's shims refuse versions that are not selected; its installs work directly.
    installed = glob.glob(f"{pyenv_root}/versions/3.*/bin/python3")
    candidates += sorted(installed, key=version_key, reverse=True)
    for candidate in candidates:
        if python_ok(candidate):
            return candidate
    sys.exit(
        "cohort: Cohort needs Python >= 3.12 and none was found. Install one "
        "(for example python3.12 from your distribution) or point COHORT_PYTHON at it."
    )


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(*, dev: bool) -> Path:
    """Create .venv and install the locked requirements if they changed since last time."""
    python = venv_python()
    if not python.exists() or not python_ok(str(python)):
        if VENV.exists():
            shutil.rmtree(VENV)
        chosen = find_python()
        say(f"creating .venv with {chosen}")
        subprocess.run([chosen, "-m", "venv", str(VENV)], check=True)
    lock = ROOT / "requirements" / ("dev.txt" if dev else "base.txt")
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = VENV / f".installed-{lock.stem}"
    dev_stamp = VENV / ".installed-dev"
    already = stamp.exists() and stamp.read_text() == digest
    if not dev and dev_stamp.exists():
        # The dev lock is a superset of the base lock: a dev install serves both.
        dev_lock = ROOT / "requirements" / "dev.txt"
        already = already or dev_stamp.read_text() == hashlib.sha256(
            dev_lock.read_bytes()).hexdigest()
    if not already:
        say(f"installing {lock.relative_to(ROOT)} (first run or the lock changed)")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             "--require-hashes", "-r", str(lock)],
            check=True,
        )
        stamp.write_text(digest)
    return python


def manage(python: Path, *args: str) -> None:
    subprocess.run([str(python), str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def server_command(python: str, *, server: str, host: str, port: int | str,
                   quiet: bool = False) -> list[str]:
    """The command that serves Cohort (`server.asgi`) on host:port with `server`.

    uvicorn: uvloop and httptools, and the sans-I/O `websockets` implementation, whose
    `send` waits while the client's TCP window is full, so each socket's bounded queue
    (rooms.outgoing) is the only place a slow reader's frames wait. No per-message
    compression (the browser offers it; it would cost a deflate per frame per socket),
    no lifespan (Channels' router has none). Daphne: the handshake limit raised to 30 s
    (a reconnect storm queues handshakes). `quiet`: warnings only, no access log.
    """
    if server == "uvicorn":
        return [python, "-m", "uvicorn", "server.asgi:application", "--host", host,
                "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
                "--ws-max-size", str(WS_MAX_BYTES), "--lifespan", "off",
                *(["--no-access-log", "--log-level", "warning"] if quiet else [])]
    if server == "daphne":
        return [python, "-m", "daphne", "--websocket_connect_timeout", "30", "-b", host,
                "-p", str(port), *(["-v", "0"] if quiet else []), "server.asgi:application"]
    raise ValueError(f"unknown server {server!r}; use one of {', '.join(SERVERS)}")


def start() -> int:
    chosen = os.environ.get("COHORT_SERVER", SERVERS[0])
    if chosen not in SERVERS:
        sys.exit(f"cohort: COHORT_SERVER is {chosen!r}; use one of {', '.join(SERVERS)}")
    python = ensure_environment(dev=False)
    manage(python, "migrate", "--noinput", "-v", "0")
    manage(python, "seed_demo")
    env = dict(os.environ)
    worker = subprocess.Popen(
        [str(python), str(ROOT / "manage.py"), "task_worker", "--no-reload"], cwd=ROOT, env=env)
    sweeper = subprocess.Popen(
        [str(python), str(ROOT / "manage.py"), "mentoring_sweep", "--every", "300"],
        cwd=ROOT, env=env)
    reminders = subprocess.Popen(
        [str(python), str(ROOT / "manage.py"), "calendar_sweep", "--every", "60"],
        cwd=ROOT, env=env)
    missed = subprocess.Popen(
        [str(python), str(ROOT / "manage.py"), "notifications_sweep", "--every", "60"],
        cwd=ROOT, env=env)
    glass = subprocess.Popen(
        [str(python), str(ROOT / "manage.py"), "break_glass_sweep", "--every", "60"],
        cwd=ROOT, env=env)
    privacy = subprocess.Popen(
        [str(python), str(ROOT / "manage.py"), "privacy_sweep", "--every", "300"],
        cwd=ROOT, env=env)
    say(f"serving http://{ADDRESS}:{PORT}/ with {chosen} (Ctrl-C stops the server, the task "
        "worker, the request sweeper, the reminder sweeper, the missed-message sweeper, "
        "the break-glass sweeper and the privacy sweeper)")
    server = subprocess.Popen(
        server_command(str(python), server=chosen, host=ADDRESS, port=PORT), cwd=ROOT, env=env)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, worker, sweeper, reminders, missed, glass, privacy):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (server, worker, sweeper, reminders, missed, glass, privacy):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test(args: list[str]) -> int:
    python = ensure_environment(dev=True)
    return subprocess.run([str(python), "-m", "pytest", *args], cwd=ROOT).returncode


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "start":
        return start()
    if command == "test":
        return test(sys.argv[2:])
    if command == "manage":
        python = ensure_environment(dev=False)
        return subprocess.run([str(python), str(ROOT / "manage.py"), *sys.argv[2:]],
                              cwd=ROOT).returncode
    sys.exit(f"cohort: unknown command {command!r}; use start, test or manage")


if __name__ == "__main__":
    sys.exit(main())
