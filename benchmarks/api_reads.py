"""Reads of the open API v1 over HTTP against a real uvicorn process, beside the pages
that show the same things.

    .venv/bin/python benchmarks/api_reads.py             # 5,000 members, 30 rooms, 300 requests
    .venv/bin/python benchmarks/api_reads.py --quick     # 1,000 members, 10 rooms, 100 requests

A fresh PostgreSQL database (`--database`, dropped first) with Redis (`--redis-url`, its
database flushed) gets `--members` members (bulk) and one member, Ana, in `--rooms` group
rooms of 20 members, each with `--messages` messages sent through chat's services, and in
one room of every member (a programme-wide room). Then a uvicorn process started as
`cohort.py start` starts it (benchmarks/harness.py) serves, on 127.0.0.1, `--requests`
requests of each of:

- `GET /api/v1/rooms?page_size=50`: her rooms with her unread counts;
- `GET /api/v1/rooms/<id>/messages?page_size=50`: a page of 50 messages of history;
- `GET /rooms/` and `GET /rooms/<id>/`: the rooms page and a room's page, for comparison;

from `--clients` concurrent clients (each a keep-alive connection, signed in as Ana),
after a few warm-up requests. It prints p50 / p95 / p99 in milliseconds and requests per
second for each, and the machine's load average. Target: p95 under 50 ms for both API
reads at 5,000 members. Every loop is bounded by the counts above.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402

WARM_UP = 10
ROOM_SIZE = 20


# --- The database (in a child: one Django setup) ------------------------------------------
def seed(members: int, rooms: int, messages: int) -> None:
    """Print, as JSON, Ana's session cookie and the id of one of her rooms."""
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction

    from chat import services
    from rooms.models import Membership, Room

    call_command("collectstatic", "--noinput", verbosity=0)  # pages as in production
    user_model = get_user_model()
    with transaction.atomic():
        people = []
        for index in range(members):
            user = user_model(email=f"m{index}@bench.example", name=f"Member {index}")
            user.set_unusable_password()
            people.append(user)
        people = user_model.objects.bulk_create(people, batch_size=1000)
        ana = people[0]
        everyone = Room.objects.create(kind=Room.Kind.GROUP, name="Everyone", created_by=ana)
        Membership.objects.bulk_create(
            [Membership(room=everyone, user=user,
                        role=Membership.Role.OWNER if user == ana else Membership.Role.MEMBER)
             for user in people], batch_size=1000)
        hers = []
        for number in range(rooms):
            room = Room.objects.create(kind=Room.Kind.GROUP, name=f"Cohort {number}",
                                       created_by=ana)
            start = 1 + (number * (ROOM_SIZE - 1)) % max(1, members - ROOM_SIZE)
            inside = [ana, *people[start:start + ROOM_SIZE - 1]]
            Membership.objects.bulk_create(
                [Membership(room=room, user=user,
                            role=Membership.Role.OWNER if user == ana
                            else Membership.Role.MEMBER) for user in inside])
            hers.append((room, inside))
    for room, inside in hers:  # through the services: rev, seq, mentions as in production
        for index in range(messages):
            author = inside[index % len(inside)]
            text = f"Message {index}: goals, milestones and next steps" + (
                " @**Member 0**" if index % 10 == 0 else "")
            services.message_send(author=author, room_id=room.pk, text=text,
                                  client_id=f"b{room.pk}-{index}")
    store = SessionStore()
    store.update({"_auth_user_id": str(ana.pk),
                  "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                  "_auth_user_hash": ana.get_session_auth_hash()})
    store.set_expiry(timedelta(days=1))
    store.create()
    print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
                      "room_id": hers[0][0].pk}))


def fresh_database(database: str, redis_url: str, env: dict[str, str], members: int,
                   rooms: int, messages: int) -> dict[str, object]:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    redis_db = redis_url.rsplit("/", 1)[-1] or "0"
    subprocess.run(["redis-cli", "-n", redis_db, "FLUSHDB"], check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    done = subprocess.run([sys.executable, __file__, "--child", str(members), str(rooms),
                           str(messages)], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- Load -------------------------------------------------------------------------------
def load(port: int, path: str, cookie: str, requests: int, clients: int
         ) -> tuple[list[float], float]:
    """`requests` GETs of `path` from `clients` threads: each request's seconds, and the
    wall time of them all."""
    durations: list[float] = []
    lock = threading.Lock()
    counts = [requests // clients + (1 if i < requests % clients else 0)
              for i in range(clients)]
    failures: list[str] = []
    headers = {"Cookie": cookie, "Host": "127.0.0.1", "Accept": "application/json, text/html"}

    def client(count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        try:
            for _ in range(count):
                started = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status != 200:
                    failures.append(f"{path}: {response.status}")
                    return
        finally:
            connection.close()
        with lock:
            durations.extend(mine)

    load_once(port, path, headers)
    threads = [threading.Thread(target=client, args=(count,)) for count in counts]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return durations, time.perf_counter() - started


def load_once(port: int, path: str, headers: dict[str, str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(WARM_UP):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status}")
    finally:
        connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rooms", type=int, default=30)
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--quick", action="store_true",
                        help="1,000 members, 10 rooms, 100 requests each")
    parser.add_argument("--database", default="cohort_bench_api")
    parser.add_argument("--redis-url", default=harness.REDIS_URL)
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        seed(*args.child)
        return
    if args.quick:
        args.members, args.rooms, args.requests = 1000, 10, 100
    with tempfile.TemporaryDirectory() as tmp:
        env = harness.config_env("services", Path(tmp))
        env.update({"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
                    "REDIS_URL": args.redis_url, "STATIC_ROOT": str(Path(tmp) / "static")})
        started = time.perf_counter()
        seeded = fresh_database(args.database, args.redis_url, env, args.members, args.rooms,
                                args.messages)
        print(f"seeded {args.members} members, her {args.rooms} rooms of {ROOM_SIZE} with "
              f"{args.messages} messages each and one room of everyone, in "
              f"{time.perf_counter() - started:.0f} s")
        room_id, cookie = seeded["room_id"], str(seeded["cookie"])
        paths = [("API her rooms", "/api/v1/rooms?page_size=50"),
                 ("API 50 messages", f"/api/v1/rooms/{room_id}/messages?page_size=50"),
                 ("page /rooms/", "/rooms/"),
                 ("page /rooms/<id>/", f"/rooms/{room_id}/")]
        with harness.serve(env) as (port, _process):
            print(f"{'':20} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}   "
                  f"({args.requests} requests, {args.clients} clients, uvicorn, PostgreSQL)")
            for label, path in paths:
                durations, wall = load(port, path, cookie, args.requests, args.clients)
                print(f"{label:20} {percentile(durations, .5) * 1000:8.1f} "
                      f"{percentile(durations, .95) * 1000:8.1f} "
                      f"{percentile(durations, .99) * 1000:8.1f} "
                      f"{len(durations) / wall:8.0f}")
    print("load average (1, 5, 15 min):", " ".join(f"{v:.2f}" for v in os.getloadavg()),
          f"on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
