"""Calendar reads for a busy member: her month, her feed, a reminders sweep.

    .venv/bin/python benchmarks/calendars.py                          # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any .venv/bin/python benchmarks/calendars.py
    .venv/bin/python benchmarks/calendars.py --events 2000 --recurring 200 --runs 40

Builds, through the calendar's services, a member (Mia, in Toronto) in --rooms rooms of 5
members with --events events, --recurring of them weekly series (unbounded, 60 times,
every other week) in Paris, Toronto, Tokyo and UTC, a quarter of the series with one
occurrence of this month cancelled and one moved. Then times, --runs times each, and
prints p50 / p95 / max in milliseconds:

- her month: `calendar_app.selectors.agenda` for this month in her zone (target < 150 ms),
  and the page `/calendar/?view=month` through Django's test client when it exists;
- her feed: `calendar_app.ics_feed.feed_bytes` for `selectors.feed_rows` (target < 300 ms), with
  an empty cache (every event written), the first read after one of her events changed
  (that one written again), and warm (every event from the cache); and the feed URL
  through the test client;
- a reminders sweep (`calendar_app.reminders.reminders_sweep`), minute after minute from
  now, sending what falls due (members with the defaults and with their own choices).

With DATABASE_URL the run uses a fresh `cohort_bench_calendar` database on that server
(dropped first); the database in the URL is not touched. Traffic to that server only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "cohort_bench_calendar"
ZONES = ("Europe/Paris", "America/Toronto", "Asia/Tokyo", "UTC")
RULES = ("FREQ=WEEKLY", "FREQ=WEEKLY;COUNT=60", "FREQ=WEEKLY;INTERVAL=2")


def timed(label: str, runs: int, work: Callable[[], Any], note: str = "",
          before: Callable[[], Any] | None = None) -> None:
    """`before` runs ahead of each run, outside the time."""
    work()  # warm: time zones, templates, statement caches
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {label:44} n={runs:3}  p50 {statistics.median(times):7.1f} ms  "
          f"p95 {p95:7.1f} ms  max {times[-1]:7.1f} ms{note}")


def build(events: int, recurring: int, rooms: int, seed: int) -> Any:
    from django.core.exceptions import ValidationError

    from calendar_app import recurrence, zones
    from calendar_app.models import MemberCalendar
    from calendar_app.services import events as event_services
    from community.models import User
    from tests.rooms.factories import make_room

    rng = random.Random(seed)
    started = time.perf_counter()
    mia = User.objects.create_user("mia@bench.example", name="Mia")
    mia.profile.time_zone = "America/Toronto"
    mia.profile.save()
    all_rooms = []
    for number in range(rooms):
        others = [User.objects.create_user(f"r{number}m{k}@bench.example", name=f"R{number} {k}")
                  for k in range(4)]
        MemberCalendar.objects.create(user=others[0], reminders=[60, 10])
        MemberCalendar.objects.create(user=others[1], reminders=[])
        all_rooms.append(make_room(mia, *others, name=f"Room {number}"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    series = []
    for number in range(events):
        repeats = number < recurring
        zone = ZONES[number % len(ZONES)]
        offset = (timedelta(days=rng.randint(7, 180)) * -1 if repeats
                  else timedelta(days=rng.randint(-180, 180)))
        day = (now + offset).date()
        hour, length = rng.randint(7, 20), rng.choice((30, 45, 60, 90))
        start = datetime(day.year, day.month, day.day, hour, rng.choice((0, 15, 30)))
        data = {"title": f"{'Series' if repeats else 'Meeting'} {number}", "time_zone": zone,
                "start": f"{start:%Y-%m-%dT%H:%M}",
                "end": f"{start + timedelta(minutes=length):%Y-%m-%dT%H:%M}"}
        if repeats:
            data["rrule"] = RULES[number % len(RULES)]
        event = event_services.event_create(user=mia, room_id=all_rooms[number % rooms].pk,
                                            data=data)
        if repeats:
            series.append(event)
    month_start, month_end = month_of(mia)
    changed = 0
    for event in series[::4]:
        found = recurrence.instances([event], month_start, month_end)
        if len(found) < 2:
            continue
        event_services.occurrence_cancel(user=mia, event_id=event.pk,
                                         recurrence_id=found[0].recurrence_id)
        moved = found[1].starts_at + timedelta(days=1)
        local = moved.astimezone(zones.zone(event.time_zone))
        try:
            event_services.occurrence_change(
                user=mia, event_id=event.pk, recurrence_id=found[1].recurrence_id,
                data={"start": f"{local:%Y-%m-%dT%H:%M}",
                      "end": f"{local + event.duration:%Y-%m-%dT%H:%M}"})
        except ValidationError:  # moved into a spring gap: leave that one
            continue
        changed += 1
    print(f"  built {events} events ({recurring} weekly, {changed} with an occurrence "
          f"cancelled and one moved) in {rooms} rooms of 5 in "
          f"{time.perf_counter() - started:.1f} s")
    return mia


def month_of(user: Any) -> tuple[datetime, datetime]:
    """This month in her zone, as UTC bounds."""
    from calendar_app import zones

    where = zones.zone_of(user)
    today = datetime.now(where)
    first = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.astimezone(UTC), following.astimezone(UTC)


def child(config: str, events: int, recurring: int, rooms: int, runs: int) -> None:
    """Runs in a fresh interpreter, configured by the environment the parent set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django


    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    from calendar_app import reminders, selectors
    from calendar_app.models import Event
    from notifications.models import Notification

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # pages as in production
    print(f"{config} ({connection.vendor}):")
    mia = build(events, recurring, rooms, seed=5)
    start, end = month_of(mia)
    count = len(selectors.agenda(mia, start, end))
    timed("month: selectors.agenda", runs, lambda: selectors.agenda(mia, start, end),
          f"  ({count} occurrences)")
    client = Client()
    client.force_login(mia)
    try:
        resolve("/calendar/")
        page = client.get("/calendar/", {"view": "month"})
        assert page.status_code == 200, page.status_code
        timed("month: GET /calendar/?view=month", runs,
              lambda: client.get("/calendar/", {"view": "month"}))
    except Resolver404:
        print("  month: no page at /calendar/ yet: agenda() only")

    try:
        from calendar_app import ics_feed
        from calendar_app.services import settings as calendar_settings
    except ImportError:
        print("  feed: calendar_app.ics_feed is not there yet: skipped")
    else:
        from django.core.cache import cache

        from calendar_app.services import events as event_services

        def feed() -> bytes:
            rows = selectors.feed_rows(mia)
            return ics_feed.feed_bytes(rows, selectors.events_for_feed, reader=mia,
                                  answers=selectors.answers_of(mia, rows),
                                  name=settings.SITE_NAME)
        size = len(feed())
        note = f"  ({Event.objects.count()} events, {size // 1024} KiB)"
        timed("feed: ics_feed.feed_bytes, empty cache", max(3, runs // 3), feed, note,
              before=cache.clear)
        changing = Event.objects.filter(rrule="").order_by("pk").first()
        assert changing is not None
        turns = iter(range(10_000))

        begins = datetime.combine(changing.start_date, changing.start_time)

        def change() -> None:  # a new title: a new rev and SEQUENCE
            event_services.event_update(user=mia, event_id=changing.pk, data={
                "title": f"Meeting renamed {next(turns)}", "time_zone": changing.time_zone,
                "start": f"{begins:%Y-%m-%dT%H:%M}",
                "end": f"{begins + changing.duration:%Y-%m-%dT%H:%M}"})
        timed("feed: ics_feed.feed_bytes, one event just changed", runs, feed, before=change)
        timed("feed: ics_feed.feed_bytes, warm", runs, feed)
        token = calendar_settings.feed_token_make(user=mia)
        anonymous = Client()
        assert anonymous.get(f"/calendar/feed/{token}.ics").status_code == 200
        timed("feed: GET /calendar/feed/<secret>.ics", runs,
              lambda: anonymous.get(f"/calendar/feed/{token}.ics"))

    moment = datetime.now(UTC).replace(second=0, microsecond=0)
    minutes = iter(range(runs + 1))
    sent: list[int] = []
    timed("reminders: one sweep (minute after minute)", runs,
          lambda: sent.append(reminders.reminders_sweep(
              now=moment + timedelta(minutes=next(minutes)))),
          "")
    print(f"  reminders sent over {runs + 1} minutes: {sum(sent)} "
          f"({Notification.objects.filter(kind='event_reminder').count()} in the centre)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--recurring", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    events = min(args.events, 20_000)
    recurring, rooms = min(args.recurring, events), max(1, min(args.rooms, 500))
    runs = max(1, min(args.runs, 1000))
    if args.child:
        child(args.child, events, recurring, rooms, runs)
        return
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        # DEBUG off, as in production (and Django keeps no list of queries).
        env = {**os.environ, "COHORT_DATA_DIR": tmp, "DEBUG": "false",
               "STATIC_ROOT": str(Path(tmp) / "static"),
               "SECRET_KEY": "benchmark-only-key-" + "x" * 40 + "yz0123456789",
               "ALLOWED_HOSTS": "127.0.0.1,testserver", "SECURE_SSL_REDIRECT": "false",
               "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
               "CALENDAR_WRITE_LIMIT": "1000000", "LOG_LEVEL": "WARNING"}
        config = "sqlite"
        if url:
            parts = urlsplit(url)
            server = urlunsplit(parts._replace(path="/postgres"))
            for statement in (f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
                              f"CREATE DATABASE {BENCH_DATABASE}"):
                subprocess.run(["psql", server.replace("postgres://", "postgresql://"),
                                "-qc", statement], check=True,
                               env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
            config = "postgres"
        else:
            env.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, __file__, "--child", config, "--events", str(events),
                        "--recurring", str(recurring), "--rooms", str(rooms),
                        "--runs", str(runs)], env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
