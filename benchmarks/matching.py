"""Time to recommend for one member in a generated community (default 5,000 members).

    .venv/bin/python benchmarks/matching.py                      # SQLite and PostgreSQL
    .venv/bin/python benchmarks/matching.py --config sqlite --members 5000 --samples 50

Each configuration gets a fresh database (a temporary SQLite file; a `cohort_bench`
PostgreSQL database, dropped first), a generated community of `--members` people (a fifth
of them mentors), then times `mentors_for` for sampled mentees and `mentees_for` for
sampled mentors, top 10 with explanations, and prints p50 / p95 / max in milliseconds.
Target: under 200 ms. Connections go to 127.0.0.1 only; the sample count bounds the loop.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(config: str, members: int, samples: int) -> None:
    """Runs in a fresh interpreter, configured by the environment the parent set."""
    # The project's root first, so that its apps import; this folder's modules are not needed.
    here = ROOT / "benchmarks"
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != here)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from community.models import User
    from mentoring import matching
    from tests.mentoring.generated import community_generate

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generated = community_generate(members=members, planted=50, seed=3)
    print(f"{config}: generated {generated.members} members in "
          f"{time.perf_counter() - started:.1f} s ({connection.vendor})")
    # The generator's objects would make the collector's sweeps part of every timing; a
    # server process never holds them.
    del generated
    gc.collect()
    gc.freeze()
    rng = random.Random(1)
    mentees = list(User.objects.filter(role="member").values_list("pk", flat=True))
    mentors = list(User.objects.filter(role="mentor").values_list("pk", flat=True))
    for label, ids, recommend in (("mentors for a mentee", mentees, matching.mentors_for),
                                  ("mentees for a mentor", mentors, matching.mentees_for)):
        users = [User.objects.get(pk=pk) for pk in rng.sample(ids, min(samples, len(ids)))]
        recommend(users[0])  # warm caches (time zones, weights row)
        timings = []
        for user in users:
            start = time.perf_counter()
            result = recommend(user, limit=10)
            timings.append((time.perf_counter() - start) * 1000)
            assert len(result) == 10
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{config}: {label:22} n={len(timings):3}  p50 {statistics.median(timings):6.1f} ms"
              f"  p95 {p95:6.1f} ms  max {timings[-1]:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.members, args.samples)
        return
    from harness import child_in_fresh_database

    for config in ["sqlite", "postgres"] if args.config == "both" else [args.config]:
        child_in_fresh_database(__file__, config == "postgres", [
            config, "--members", str(args.members), "--samples", str(args.samples)])

if __name__ == "__main__":
    main()
