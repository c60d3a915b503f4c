"""A mentor's free slots, and many members booking one slot at once (calendar_app).

    .venv/bin/python benchmarks/booking.py                      # SQLite, a fresh file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python benchmarks/booking.py

1. Free slots for the next 8 weeks (`availability.free_slots`) for a mentor in
   Europe/Paris with realistic hours (weekdays 09:00-12:00 and 14:00-18:00, 45-minute
   sessions, an evening on Tuesdays), a few days off, a weekly event of her own and 40
   bookings: --samples runs, p50/p95/max in milliseconds (target: under 50 ms).
2. --attempts members (100) book the same slot at once from --threads threads (each its
   own connection; on PostgreSQL keep it under max_connections): exactly one booking must
   succeed and every other attempt get "just taken". Prints the outcomes and the time.

On SQLite it migrates a new file under /tmp; on PostgreSQL it uses the database named by
DATABASE_URL (migrated first) and deletes what it made at the end. Bounded; local only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup() -> str:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="cohort-bench-booking-")
        os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def build(attempts: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from calendar_app import availability
    from calendar_app.models import AvailabilityException, Booking
    from calendar_app.services import booking as services
    from calendar_app.services import events
    from community.models import Role, User
    from rooms.models import Membership, Room

    tag = f"{os.getpid()}-{int(time.time())}"
    mentor = User.objects.create_user(email=f"mentor-{tag}@bench.example", password=None,
                                      name="Nadia Bench", role=Role.MENTOR)
    services.booking_settings_update(user=mentor, data={
        "time_zone": "Europe/Paris", "slot_minutes": "45", "window_days": "56",
        "notice_hours": "12", "enabled": "on", "first_conversations": "on"})
    windows = [{"weekday": d, "start": s, "end": e} for d in range(5)
               for s, e in (("09:00", "12:00"), ("14:00", "18:00"))]
    windows.append({"weekday": 1, "start": "19:00", "end": "21:00"})
    services.windows_set(user=mentor, windows=windows)
    today = timezone.localdate()
    for offset in (10, 11, 30):
        AvailabilityException.objects.create(mentor=mentor, date=today + timedelta(days=offset))
    AvailabilityException.objects.create(mentor=mentor, date=today + timedelta(days=20),
                                         start="10:00", end="11:30")
    room = Room.objects.create(kind=Room.Kind.GROUP, name=f"Cohort {tag}", created_by=mentor)
    Membership.objects.create(room=room, user=mentor, role=Membership.Role.OWNER)
    monday = today + timedelta(days=7 - today.weekday())
    events.event_create(user=mentor, room_id=room.pk, data={
        "title": "Cohort circle", "time_zone": "Europe/Paris",
        "start": f"{monday.isoformat()}T16:00", "end": f"{monday.isoformat()}T17:00",
        "rrule": "FREQ=WEEKLY;COUNT=10"})
    # 40 bookings spread over the 8 weeks (written directly: their events do not matter).
    mentee = User.objects.create_user(email=f"mentee-{tag}@bench.example", password=None,
                                      name="Bea Bench")
    slots = availability.free_slots(mentor)
    step = max(1, len(slots) // 40)
    Booking.objects.bulk_create(
        Booking(mentor=mentor, booker=mentee, starts_at=s.starts_at, ends_at=s.ends_at)
        for s in slots[::step][:40])
    bookers = User.objects.bulk_create(
        User(email=f"booker{n}-{tag}@bench.example", name=f"Booker {n}", password="!")  # noqa: S106  (unusable)
        for n in range(attempts))
    return mentor, mentee, bookers, room


def time_free_slots(mentor, samples: int) -> list[float]:  # type: ignore[no-untyped-def]
    from calendar_app import availability

    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        found = availability.free_slots(mentor)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"free slots, next 8 weeks: {len(found)} slots")
    return timings


def race(mentor, bookers, threads: int) -> tuple[Counter[str], float]:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError
    from django.db import connection

    from calendar_app import availability
    from calendar_app.services import booking as services

    slot = availability.free_slots(mentor)[0]
    pending = list(bookers)
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    outcomes: Counter[str] = Counter()

    def work() -> None:
        try:
            barrier.wait()
            while True:
                with lock:
                    if not pending:
                        return
                    booker = pending.pop()
                try:
                    services.book(booker=booker, mentor_id=mentor.pk, starts_at=slot.starts_at)
                    result = "booked"
                except ValidationError as error:
                    result = ("just taken" if error.code == availability.JUST_TAKEN
                              else error.messages[0])
                except Exception as error:  # noqa: BLE001  (counted and shown)
                    result = repr(error)[:120]
                with lock:
                    outcomes[result] += 1
        finally:
            connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return outcomes, time.perf_counter() - started


def cleanup(mentor, mentee, bookers, room) -> None:  # type: ignore[no-untyped-def]
    from community.models import User

    room.delete()
    User.objects.filter(pk__in=[mentor.pk, mentee.pk, *(b.pk for b in bookers)]).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--attempts", type=int, default=100)
    parser.add_argument("--threads", type=int, default=None,
                        help="default: --attempts on SQLite, 40 on PostgreSQL")
    args = parser.parse_args()
    vendor = setup()
    threads = args.threads or (args.attempts if vendor == "sqlite" else 40)
    threads = max(1, min(threads, args.attempts))
    mentor, mentee, bookers, room = build(args.attempts)
    try:
        timings = time_free_slots(mentor, max(1, min(args.samples, 1000)))
        ordered = sorted(timings)
        print(f"[{vendor}] free slots: p50 {statistics.median(ordered):.1f} ms, "
              f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms, "
              f"max {ordered[-1]:.1f} ms (target < 50 ms)")
        outcomes, seconds = race(mentor, bookers, threads)
        print(f"[{vendor}] {args.attempts} bookings of one slot from {threads} threads in "
              f"{seconds:.2f} s: {dict(outcomes)}")
        ok = outcomes.get("booked") == 1 and outcomes.get("just taken") == args.attempts - 1
        print("exactly one booked, the rest just taken" if ok else "UNEXPECTED OUTCOMES")
    finally:
        if vendor != "sqlite":
            cleanup(mentor, mentee, bookers, room)


if __name__ == "__main__":
    main()
