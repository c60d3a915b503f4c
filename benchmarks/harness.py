"""What the socket benchmarks share: a fresh database per configuration with members in
rooms and signed-in sessions, a server process (uvicorn or Daphne, started as
`cohort.py start` starts it), and readings of a process's CPU time and memory. Traffic
stays on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cohort import SERVERS, server_command  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/cohort_bench"
REDIS_URL = "redis://127.0.0.1:6379/3"
SECRET = "bench-" + "x1y2z3" * 10


# --- A database of rooms (runs in a subprocess: one Django setup per configuration) -----
def prepare(sizes: list[int]) -> None:
    """Print, as JSON, one room per size: its id and a session cookie per member."""
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from rooms.models import Membership, Room

    user_model = get_user_model()
    stamp = time.time_ns()
    rooms = []
    with transaction.atomic():
        for number, size in enumerate(sizes):
            room = Room.objects.create(kind=Room.Kind.GROUP, name=f"bench {number}")
            users = []
            for index in range(size):
                user = user_model(email=f"b{number}-{index}-{stamp}@bench.example",
                                  name=f"B{number}.{index}")
                user.set_unusable_password()
                users.append(user)
            users = user_model.objects.bulk_create(users)
            Membership.objects.bulk_create(Membership(room=room, user=u) for u in users)
            store = SessionStore()
            expires = timezone.now() + timedelta(days=1)
            sessions = [Session(session_key=store._get_new_session_key(), expire_date=expires,
                                session_data=store.encode({
                                    "_auth_user_id": str(u.pk),
                                    "_auth_user_backend":
                                        "django.contrib.auth.backends.ModelBackend",
                                    "_auth_user_hash": u.get_session_auth_hash()}))
                        for u in users]
            Session.objects.bulk_create(sessions)
            rooms.append({"room_id": room.pk, "cookies": [
                f"{settings.SESSION_COOKIE_NAME}={s.session_key}" for s in sessions]})
    print(json.dumps(rooms))


def config_env(config: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    env.update({"DJANGO_SETTINGS_MODULE": "server.settings", "DEBUG": "false",
                "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false", "COHORT_DATA_DIR": str(workdir),
                "COHORT_CHAT_SEND_LIMIT": "1000000", "LOG_LEVEL": "WARNING",
                # Every simulated member connects from 127.0.0.1, many sockets each.
                "COHORT_SOCKETS_PER_MEMBER": "1000000", "COHORT_SOCKETS_PER_IP": "1000000",
                "COHORT_RATE_LIMITS": ",".join(f"{action}=1000000/60" for action in (
                    "chat.edit", "chat.react", "chat.history", "call.signal", "search"))})
    if config == "services":
        env.update({"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL})
    else:
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    return env


def child_in_fresh_database(script: str, postgres: bool, arguments: list[str],
                            database: str = "cohort_bench") -> None:
    """Run `script --child ARGUMENTS` in a fresh interpreter against a new, empty database:
    a temporary SQLite file, or the PostgreSQL `database` on 127.0.0.1, dropped and created
    again. DEBUG is off: Django would otherwise keep every query in memory."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COHORT_DATA_DIR": tmp, "DEBUG": "false", "SECRET_KEY": SECRET,
               "ALLOWED_HOSTS": "127.0.0.1"}
        env.pop("DATABASE_URL", None)
        if postgres:
            for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
                               check=True)
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        subprocess.run([sys.executable, script, "--child", *arguments], env=env, check=True,
                       cwd=ROOT)


def fresh_database(config: str, env: dict[str, str], sizes: list[int]) -> list[dict]:
    """A new database with one room per size; returns each room's id and cookies."""
    if config == "services":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS cohort_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE cohort_bench")
        subprocess.run(["redis-cli", "-n", "3", "FLUSHDB"], check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks/harness.py"),
                           ",".join(map(str, sizes))],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


# --- A server process -------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def server_choice(value: str) -> list[str]:
    """`--servers uvicorn,daphne` (argparse type): the servers to run, in that order."""
    chosen = [name for name in value.split(",") if name]
    unknown = sorted(set(chosen) - set(SERVERS))
    if unknown or not chosen:
        raise ValueError(f"servers are {', '.join(SERVERS)}; got {value!r}")
    return chosen


@contextmanager
def serve(env: dict[str, str], server: str = SERVERS[0], log_path: Path | None = None,
          ) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """One `server` process (uvicorn or daphne) serving Cohort, with the command line of
    `cohort.py start`; yields its port and process. Its errors go to `log_path`, else to
    the file BENCH_SERVER_LOG names, if any."""
    port = free_port()
    with open(log_path or os.environ.get("BENCH_SERVER_LOG", os.devnull), "a") as log:
        process = subprocess.Popen(
            server_command(sys.executable, server=server, host="127.0.0.1", port=port,
                           quiet=True), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=log)
        try:
            wait_port(port, process)
            yield port, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- Measuring a process ----------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process still alive (a PostgreSQL worker may come and go)."""
    used = {}
    for pid in pids:
        with suppress(FileNotFoundError):
            used[pid] = cpu_seconds(pid)
    return used


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def postgres_pids() -> list[int]:
    """The PostgreSQL processes that work for the benchmark: the backends connected to
    its database (the server's, open by the time the load starts) and the server's own
    processes that flush and write for everyone (WAL writer, checkpointer...). Other
    databases' backends are left out: the machine may be running other work."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
            "(datname = 'cohort_bench' OR backend_type <> 'client backend')").fetchall()
    return [int(pid) for (pid,) in rows]


def redis_pid() -> int | None:
    found = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True)
    return int(found.stdout.split()[0]) if found.stdout.strip() else None


if __name__ == "__main__":
    prepare([int(s) for s in sys.argv[1].split(",")])
