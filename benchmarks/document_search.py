"""Document search over many documents on PostgreSQL (documents.search).

    .venv/bin/python benchmarks/document_search.py                 # 10,000 documents
    .venv/bin/python benchmarks/document_search.py --documents 2000 --queries 100

Makes a fresh database (cohort_bench_docs on 127.0.0.1), migrates it, loads --documents
documents over --rooms rooms with COPY (each with a name and about --words words of text
drawn from a vocabulary, as the task worker stores a PDF's text), then times
`documents.search.document_search` for two members: one in a tenth of the rooms, one in
all of them, --queries queries each (one or two words, best-first and newest-first),
and prints p50/p95/p99 in milliseconds. Every loop is bounded; all traffic to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "cohort_bench_docs"
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"

WORDS = (
    "mentoring", "goals", "milestones", "negotiation", "salary", "leadership", "career",
    "portfolio", "resume", "interview", "feedback", "confidence", "networking",
    "engineering", "design", "product", "research", "data", "science", "security", "cloud",
    "python", "javascript", "analytics", "strategy", "growth", "coaching", "sponsorship",
    "promotion", "review", "planning", "roadmap", "budget", "hiring", "onboarding",
    "diversity", "inclusion", "balance", "wellbeing", "speaking", "writing", "reading",
    "podcast", "conference", "community", "objectives", "outcomes", "metrics", "quarterly",
    "weekly", "monthly", "session", "agenda", "notes", "summary", "réunion", "objectifs",
    "carrière", "négociation", "salaire", "compétences", "parcours", "entretien",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load(documents: int, rooms: int, words: int) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    env = {**os.environ, "DATABASE_URL": URL, "DJANGO_SETTINGS_MODULE": "server.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    rng = random.Random(7)
    started = time.perf_counter()
    with psycopg.connect(URL.replace("postgres://", "postgresql://")) as conn:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO community_user (password, is_superuser, email, name, "
                        "is_staff, is_active, date_joined, role) VALUES "
                        "('!', false, 'few@bench.example', 'Few', false, true, now(), "
                        "'member'), ('!', false, 'all@bench.example', 'All', false, true, "
                        "now(), 'member') RETURNING id")
            few, everyone = (row[0] for row in cur.fetchall())
            room_ids = []
            for number in range(rooms):
                cur.execute("INSERT INTO rooms_room (kind, name, topic, created_at, last_seq, "
                            "last_rev) VALUES ('group', %s, '', now(), 0, 0) RETURNING id",
                            [f"Room {number}"])
                room_ids.append(cur.fetchone()[0])  # type: ignore[index]
            members = [(room, everyone) for room in room_ids]
            members += [(room, few) for room in room_ids[: max(1, rooms // 10)]]
            cur.executemany("INSERT INTO rooms_membership (room_id, user_id, role, joined_at, "
                            "last_read_seq) VALUES (%s, %s, 'member', now(), 0)", members)
            with cur.copy("COPY documents_document (room_id, uploaded_by_id, name, "
                          "created_at, updated_at, rev, version_count, comment_count, "
                          "search_text) FROM STDIN") as copy:
                for number in range(documents):
                    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number}.pdf"
                    text = " ".join(rng.choices(WORDS, k=words))
                    copy.write_row((rng.choice(room_ids), everyone, name,
                                    "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z",
                                    number + 1, 1, 0, f"{name}\n{text}"))
        conn.commit()
    with psycopg.connect(URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE documents_document")
    print(f"loaded {documents:,} documents in {rooms} rooms ({words} words each) in "
          f"{time.perf_counter() - started:.1f} s")


def measure(queries: int) -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from community.models import User
    from documents import search

    rng = random.Random(11)
    print("| member | rooms | order | queries | found (median) | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for email in ("few@bench.example", "all@bench.example"):
        viewer = User.objects.get(email=email)
        rooms = viewer.memberships.count()
        for order in ("best", "newest"):
            times, found = [], []
            for _ in range(queries):
                query = " ".join(rng.sample(WORDS, rng.choice((1, 2))))
                started = time.perf_counter()
                hits, _more = search.document_search(viewer, query=query, order=order,  # type: ignore[arg-type]
                                                     limit=20)
                times.append((time.perf_counter() - started) * 1000)
                found.append(len(hits))
            print(f"| {email.split('@')[0]} | {rooms} | {order} | {queries} | "
                  f"{statistics.median(found):.0f} | {percentile(times, 0.5):.1f} | "
                  f"{percentile(times, 0.95):.1f} | {percentile(times, 0.99):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database")
    args = parser.parse_args()
    if not args.reuse:
        load(min(args.documents, 1_000_000), min(args.rooms, 10_000), min(args.words, 20_000))
    measure(min(args.queries, 10_000))


if __name__ == "__main__":
    main()
