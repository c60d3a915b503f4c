"""Message search over a large PostgreSQL database (default 1,000,000 messages).

    .venv/bin/python benchmarks/search.py                          # 1M messages, PostgreSQL
    .venv/bin/python benchmarks/search.py --messages 100000 --queries 100
    .venv/bin/python benchmarks/search.py --send-cost 2000        # what a send pays for it

A fresh `cohort_bench_search` database (dropped first) gets `--members` people, 2,000
rooms (three quarters pairs, the rest groups of 8 to 40) and `--messages` messages written
with COPY (text drawn from a Zipf-weighted vocabulary of English and French words, dates
spread over two years; the search column is computed by the database as on a send, its
GIN index built after the load). Then `--queries` searches (words common, middling and
rare, two-word queries, accented French, words found nowhere) run for members of 5 to
60 rooms (with the default sizes, 5 to 13 rooms: 2,500 to 6,500 messages), in both
orders, through `chat.search.message_search` with its snippets, and their p50 / p95 / p99
are printed (`--reuse` searches the last loaded database again). Target: p95 under
200 ms. Connections go to 127.0.0.1 only; every loop is bounded by the counts above.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "cohort_bench_search"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
ROOMS = 2000

_COMMON = (
    "the meeting plan goal next week mentor session notes cv interview project team "
    "feedback career question thanks great idea review draft call time role skills "
    "la réunion objectif semaine prochaine mentorat séance notes entretien projet équipe "
    "retour carrière question merci idée relecture brouillon appel temps poste compétences "
    "negotiation négociation leadership python cloud data salary salaire promotion "
    "networking réseau conference conférence portfolio pitch deck reading list budget "
    "roadmap deadline échéance presentation présentation confidence confiance")
_SYLLABLES = ("ka lo mi ne ra su ti vo ze ba da fe gi ho ju ki le mo nu pa qu ri so tu "
              "va wa xi yo zu an el in on un ar er ir or ur")
COMMON, SYLLABLES = _COMMON.split(), _SYLLABLES.split()


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """COMMON first (the most frequent), then made-up words for the long tail."""
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def child(members: int, messages: int, queries: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from chat.models import Message
    from community.models import User
    from rooms.models import Membership, Room

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    words = vocabulary(20_000, rng)
    if Message.objects.exists():  # --reuse: searched again as loaded before
        queries_run(words, queries, rng)
        return
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    started = time.perf_counter()
    users = User.objects.bulk_create(
        User(email=f"s{i}@bench.example", name=f"Member {i}", password="!")  # noqa: S106 (unusable)
        for i in range(members))
    user_ids = [u.pk for u in users]
    rooms = Room.objects.bulk_create(
        Room(kind=Room.Kind.DIRECT if n < ROOMS * 3 // 4 else Room.Kind.GROUP,
             name=f"room {n}", created_by_id=user_ids[0]) for n in range(ROOMS))
    room_members: dict[int, list[int]] = {}
    for room in rooms:
        size = 2 if room.kind == Room.Kind.DIRECT else rng.randint(8, 40)
        room_members[room.pk] = rng.sample(user_ids, size)
    Membership.objects.bulk_create(
        Membership(room_id=room_id, user_id=uid)
        for room_id, uids in room_members.items() for uid in uids)
    print(f"{members} members, {ROOMS} rooms in {time.perf_counter() - started:.1f} s",
          flush=True)

    # COPY the messages, the index dropped meanwhile (built once after: faster than
    # 1M insertions into it); the stored vector is computed row by row as on a send.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX chat_message_search")
    room_ids = list(room_members)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    seqs = dict.fromkeys(room_ids, 0)
    raw = connection.connection
    assert raw is not None
    batch = 100_000
    for first in range(0, messages, batch):
        buffer = io.StringIO()
        for n in range(first, min(first + batch, messages)):
            room_id = rng.choice(room_ids)
            seqs[room_id] += 1
            seq = seqs[room_id]
            text = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(3, 30)))
            when = end - timedelta(seconds=rng.randint(0, 2 * 365 * 86400))
            buffer.write(f"{room_id}\t{rng.choice(room_members[room_id])}\t{seq}\t{seq}\t{seq}"
                         f"\tb{n}\t{text}\t<p>{text}</p>\t{when.isoformat()}\n")
        with raw.cursor() as cursor, cursor.copy(
                "COPY chat_message (room_id, author_id, seq, rev, created_rev, client_id, "
                "text, html, created_at) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        raw.commit()
        print(f"  {min(first + batch, messages):,} messages "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        index_started = time.perf_counter()
        cursor.execute("CREATE INDEX chat_message_search ON chat_message "
                       "USING gin (search_vector)")
        index_seconds = time.perf_counter() - index_started
        cursor.execute("ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('chat_message_search')), "
                       "pg_size_pretty(pg_total_relation_size('chat_message'))")
        index_size, table_size = cursor.fetchone()
    print(f"{Message.objects.count():,} messages stored in {time.perf_counter() - started:.0f}"
          f" s (GIN index built in {index_seconds:.0f} s: {index_size}; table with its "
          f"indexes {table_size})", flush=True)

    queries_run(words, queries, rng)


def queries_run(words: list[str], queries: int, rng: random.Random) -> None:
    from chat import search
    from community.models import User
    from rooms.models import Membership

    room_members: dict[int, list[int]] = {}
    for room_id, user_id in Membership.objects.values_list("room_id", "user_id"):
        room_members.setdefault(room_id, []).append(user_id)
    # Searchers: members of 5 to 60 rooms.
    by_user: dict[int, list[int]] = {}
    for room_id, uids in room_members.items():
        for uid in uids:
            by_user.setdefault(uid, []).append(room_id)
    searchers = [User.objects.get(pk=uid) for uid, mine in by_user.items()
                 if 5 <= len(mine) <= 60][:50]
    kinds = {
        "common word": lambda: rng.choice(words[:20]),
        "middling word": lambda: rng.choice(words[100:1000]),
        "rare word": lambda: rng.choice(words[5000:]),
        "two words": lambda: f"{rng.choice(words[:60])} {rng.choice(words[:400])}",
        "French, accents": lambda: rng.choice(["réunion", "négociation", "équipe",
                                               "carrière", "presentation", "reunion"]),
        "found nowhere": lambda: "zzyzx" + str(rng.randint(0, 999)),
    }
    search.message_search(searchers[0], query="meeting")  # warm up
    all_timings: list[float] = []
    for order in search.ORDERS:
        for label, make in kinds.items():
            timings = []
            for _ in range(max(1, queries // len(kinds))):
                viewer, query = rng.choice(searchers), make()
                start = time.perf_counter()
                search.message_search(viewer, query=query, order=order, limit=20)
                timings.append((time.perf_counter() - start) * 1000)
            all_timings += timings
            print(f"{order:6} {label:16} n={len(timings):3}  {summary(timings)}", flush=True)
    print(f"all    {'':16} n={len(all_timings):3}  {summary(all_timings)}")


def send_cost(sends: int) -> None:
    """What the search column costs a send: `sends` messages through `message_send`
    (its real path: chat.statements' INSERT, where PostgreSQL computes the vector and
    adds it to the GIN index), with the column, then with it dropped; alternating rounds
    of 200 so that a busy moment of the machine weighs on both alike."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from chat import services
    from community.models import User
    from rooms.models import Membership, Room

    call_command("migrate", verbosity=0)
    rng = random.Random(3)
    words = vocabulary(5000, rng)
    author = User.objects.create(email="send@bench.example", name="Sender", password="!")  # noqa: S106 (unusable)
    rooms = {}
    for label in ("with", "without"):
        rooms[label] = Room.objects.create(kind=Room.Kind.GROUP, name=label,
                                           created_by=author)
        Membership.objects.create(room=rooms[label], user=author)
    from django.conf import settings
    settings.COHORT_CHAT_SEND_LIMIT = 10**9
    with connection.cursor() as cursor:
        # The WAL flush of each commit (a disk's fsync, milliseconds) would hide the
        # fraction of a millisecond the column may cost; production keeps it on.
        cursor.execute("SET synchronous_commit TO off")
    timings: dict[str, list[float]] = {"with": [], "without": []}
    sent = 0
    for round_number in range(max(1, sends // 200)):
        for label in ("without", "with"):  # migrated: the column is there to drop first
            with connection.cursor() as cursor:
                if label == "with":
                    cursor.execute(_ADD_COLUMN)
                    cursor.execute("CREATE INDEX chat_message_search ON chat_message "
                                   "USING gin (search_vector)")
                else:
                    cursor.execute("DROP INDEX chat_message_search")
                    cursor.execute("ALTER TABLE chat_message DROP COLUMN search_vector")
            for _ in range(200):
                text = " ".join(rng.choices(words, k=rng.randint(3, 30)))
                start = time.perf_counter()
                services.message_send(author=author, room_id=rooms[label].pk, text=text,
                                      client_id=f"s{sent}")
                timings[label].append((time.perf_counter() - start) * 1000)
                sent += 1
        if round_number == 0:
            timings = {"with": [], "without": []}  # the first round warms up
    for label, values in timings.items():
        print(f"send {label:7} the search column  n={len(values)}  {summary(values)}  "
              f"mean {statistics.fmean(values):.3f} ms")


_ADD_COLUMN = (
    "ALTER TABLE chat_message ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED "
    "ALWAYS AS (to_tsvector('english'::regconfig, text) || to_tsvector('french'::regconfig, "
    "translate(text, 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿœæÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ', "
    "'aaaaaaceeeeiiiinooooouuuuyyoaAAAAAACEEEEIIIINOOOOOUUUUYY'))) STORED")


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))]


def summary(timings: list[float]) -> str:
    values = sorted(timings)
    return (f"p50 {statistics.median(values):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms"
            f"  p99 {percentile(values, 0.99):6.1f} ms  max {values[-1]:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300, help="per order")
    parser.add_argument("--reuse", action="store_true",
                        help="search the database the last run loaded again")
    parser.add_argument("--send-cost", type=int, default=0, metavar="SENDS",
                        help="instead: time SENDS sends with and without the search column")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.send_cost:
            send_cost(args.send_cost)
        else:
            child(args.members, args.messages, args.queries)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COHORT_DATA_DIR": tmp, "DEBUG": "false",
               "SECRET_KEY": "benchmark-only-key-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1",
               "DATABASE_URL": PG_URL}
        for sql in () if args.reuse else (f"DROP DATABASE IF EXISTS {DB}",
                                          f"CREATE DATABASE {DB}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
                           check=True)
        subprocess.run([sys.executable, __file__, "--child", "--members", str(args.members),
                        "--messages", str(args.messages), "--queries", str(args.queries),
                        "--send-cost", str(args.send_cost)],
                       env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
