"""Time to solve a matching round: 1,000 mentees and 300 mentors with 3 free places each.

    .venv/bin/python benchmarks/matching_round.py                   # SQLite
    .venv/bin/python benchmarks/matching_round.py --config both     # and PostgreSQL
    .venv/bin/python benchmarks/matching_round.py --mentees 1000 --mentors 300 --places 3

Each configuration gets a fresh database (a temporary SQLite file; a `cohort_bench`
PostgreSQL database, dropped first) and a generated community (tests/mentoring/generated.py),
then times the parts of `round_start` (scoring the pool, the assignment, the whole round with
its reasons and rows saved) `--repeat` times. Target: the whole round under 10 s.
Connections go to 127.0.0.1 only; `--repeat` bounds the loop.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(config: str, mentees: int, mentors: int, places: int, repeat: int) -> None:
    """Runs in a fresh interpreter, configured by the environment the parent set."""
    # The project's root first, so that its apps import; this folder's modules are not needed.
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != here]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    from community.models import Profile, Role, User
    from mentoring import matching, selectors
    from mentoring.models import MatchingRound
    from mentoring.services import rounds
    from tests.mentoring.generated import community_generate

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    # A fifth of the generated members are mentors: generate enough of both, then keep
    # exactly `mentees` members and `mentors` mentors active.
    community_generate(members=max(5 * mentors, mentees + mentors), planted=0, seed=5)
    member_ids = list(User.objects.filter(role=Role.MEMBER).order_by("pk").values_list(
        "pk", flat=True))
    mentor_ids = list(User.objects.filter(role=Role.MENTOR).order_by("pk").values_list(
        "pk", flat=True))
    User.objects.filter(pk__in=member_ids[mentees:] + mentor_ids[mentors:]).update(
        is_active=False)
    Profile.objects.filter(user_id__in=mentor_ids[:mentors]).update(
        mentor_capacity=places, active_mentees=0, accepting_mentees=True, paused_at=None)
    admin = User.objects.create_user("bench-admin@example.org", name="Bench Admin",
                                      role=Role.ADMIN)
    print(f"{config}: {min(mentees, len(member_ids))} mentees, {min(mentors, len(mentor_ids))} "
          f"mentors x {places} places, generated in {time.perf_counter() - started:.1f} s "
          f"({connection.vendor})")
    for run in range(repeat):
        free = selectors.free_places()
        ids = list(User.objects.filter(is_active=True, role=Role.MEMBER).values_list(
            "pk", flat=True))
        start = time.perf_counter()
        pool = matching.pool(ids, sorted(free))
        scored = time.perf_counter()
        scores = np.array(pool.scores, dtype=float).reshape(len(pool.mentees), len(pool.mentors))
        chosen = rounds.assign(scores, [free[m.id] for m in pool.mentors])
        solved = time.perf_counter()
        round_ = rounds.round_start(actor=admin)
        whole = time.perf_counter()
        paired = sum(1 for j in chosen if j is not None)
        print(f"{config}: run {run + 1}: pool {scored - start:5.2f} s  "
              f"assignment {solved - scored:5.2f} s ({scores.shape[0]} x {sum(free.values())} "
              f"columns, {paired} pairs)  whole round_start {whole - solved:5.2f} s  "
              f"(overall fit {round_.total_fit:.1f})")
        MatchingRound.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--mentees", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=300)
    parser.add_argument("--places", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mentees, args.mentors, args.places, min(args.repeat, 10))
        return
    from harness import child_in_fresh_database

    for config in ["sqlite", "postgres"] if args.config == "both" else [args.config]:
        child_in_fresh_database(__file__, config == "postgres", [
            config, "--mentees", str(args.mentees), "--mentors", str(args.mentors),
            "--places", str(args.places), "--repeat", str(args.repeat)])

if __name__ == "__main__":
    main()
