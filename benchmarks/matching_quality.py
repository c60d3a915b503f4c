"""How well recommendations find the planted pairs of a hard generated community, next to
a plain TF-IDF ranking of the same candidates (tests/mentoring/quality.py).

    .venv/bin/python benchmarks/matching_quality.py                  # SQLite, 800 members
    .venv/bin/python benchmarks/matching_quality.py --config postgresql --seed 3 --misses 10
    .venv/bin/python benchmarks/matching_quality.py --phrases holdout  # the held-out wording

A fresh database (a temporary SQLite file, or a `cohort_bench_quality` PostgreSQL database,
dropped first), a community of `--members` people with `--planted` pairs and their decoys
(tests/mentoring/generated.py), then one table: for each group of planted mentees, how often
the planted mentor is first / in the top 3 / in the top 10 (Cohort / baseline), and how often
the mentee is in her mentor's top 5. `--misses` prints that many planted mentees Cohort did
not put first, with what the mentor it chose instead wrote, and as many planted mentors whose
mentee is not in their top 5, with the member put first instead. Connections go to 127.0.0.1 only.

`--phrases holdout` writes the members' texts from tests/mentoring/phrases_holdout.py, a set
written apart from the vocabulary's synonyms (those were extended on the misses of the
default set, so its figures may be optimistic).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def child(args: argparse.Namespace) -> None:
    """Runs in a fresh interpreter, configured by the environment the parent set."""
    # The project's root first, so that its apps import; this folder's modules are not needed.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests.mentoring import quality
    from tests.mentoring.generated import community_generate

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generated = community_generate(members=args.members, planted=args.planted, seed=args.seed,
                                   phrases=args.phrases)
    print(f"{connection.vendor}: generated in {time.perf_counter() - started:.1f} s "
          f"(seed {args.seed}, {args.phrases} phrases)")
    started = time.perf_counter()
    result = quality.measure(generated)
    print(quality.table(result))
    print(f"measured in {time.perf_counter() - started:.1f} s")
    for miss in result["misses"][:args.misses]:
        where = f"#{miss.position}" if miss.position else "not in the top 10"
        decoy = f" (her '{miss.top_is_decoy}' decoy)" if miss.top_is_decoy else ""
        print(f"\n- {miss.kind}, wants {miss.topic}, planted mentor {where}\n"
              f"  she wrote: {miss.mentee_text!r} ({miss.mentee_where})\n"
              f"  first instead{decoy}: {miss.top_mentor}\n"
              f"  because: {' / '.join(miss.top_reasons)}")
    for back in result["mentor_misses"][:args.misses]:
        where = f"#{back.position}" if back.position else "not in the top 10"
        print(f"\n- mentor side: {back.mentor}\n"
              f"  planted mentee ({back.kind}, {back.topic}) {where}: {back.mentee_text!r}\n"
              f"  first instead: {back.top_mentee}\n"
              f"  because: {' / '.join(back.top_reasons)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--members", type=int, default=800)
    parser.add_argument("--planted", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--misses", type=int, default=5)
    parser.add_argument("--phrases", choices=["default", "holdout"], default="default")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from harness import child_in_fresh_database

    child_in_fresh_database(__file__, args.config == "postgresql", [
        "--members", str(args.members), "--planted", str(args.planted), "--seed",
        str(args.seed), "--misses", str(args.misses), "--phrases", args.phrases],
        database="cohort_bench_quality")

if __name__ == "__main__":
    main()
