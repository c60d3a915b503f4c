"""What telling members costs on the write paths (notifications.room_signals, .missed).

    .venv/bin/python benchmarks/signals.py                      # SQLite, a fresh file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python benchmarks/signals.py

1. `message_send` in a --members group room (200) with no mention, the same with one
   @mention, and in a direct room (each tells one member): --samples sends each, p50/p95
   in milliseconds and the queries of one send. The plain group message is the yardstick:
   the others should cost a handful of queries more, the plain one none.
2. A call started in the group room rings every other member: the time of the `call_join`
   that starts it, and its queries (a fixed number whatever the room's size).
3. `missed_sweep` with --members members each holding 3 due direct messages: the time of
   one sweep (each member's e-mail is queued, not sent).

On SQLite it migrates a new file under /tmp; on PostgreSQL it uses the database named by
DATABASE_URL (migrated first) and deletes what it made at the end. Bounded; local only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup() -> str:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="cohort-bench-signals-")
        os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    os.environ.setdefault("COHORT_CHAT_SEND_LIMIT", "1000000")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def timed(function, samples: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    """Milliseconds of each call, and the queries of the last one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for index in range(samples):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function(index)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return times, queries


def show(vendor: str, label: str, times: list[float], queries: int) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"[{vendor}] {label}: p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
          f"{queries} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    vendor = setup()
    from datetime import timedelta
    from unittest import mock

    from django.conf import settings
    from django.utils import timezone

    from chat import services as chat
    from community.models import User
    from notifications import missed
    from notifications.models import Notification
    from rooms import protocol
    from rooms.models import Membership, Room
    from video import services as video

    settings.COHORT_CHAT_SEND_LIMIT = 10**9
    tag = f"{os.getpid()}-{int(time.time())}"
    users = User.objects.bulk_create([
        User(email=f"signals-{tag}-{i}@example.org", name=f"Member {i} {tag}")
        for i in range(args.members)])
    author, first = users[0], users[1]
    group = Room.objects.create(kind=Room.Kind.GROUP, name="Bench group", created_by=author)
    Membership.objects.bulk_create([Membership(room=group, user=user) for user in users])
    direct = Room.objects.create(kind=Room.Kind.DIRECT, name="", created_by=author,
                                 direct_key=f"bench-{tag}")
    Membership.objects.bulk_create([Membership(room=direct, user=u) for u in (author, first)])
    mention = f"@**{first.name}** "
    # Nothing leaves the process: the layer is not what is measured here.
    with mock.patch.object(protocol, "publish"), mock.patch.object(protocol, "publish_to_user"):
        for label, room, prefix in (("group message, nobody told", group, ""),
                                    ("group message with a mention", group, mention),
                                    ("direct message", direct, "")):
            def send(i: int, room: Room = room, prefix: str = prefix, label: str = label) -> None:
                chat.message_send(author=author, room_id=room.pk, text=f"{prefix}hello {i}",
                                  client_id=f"{len(label)}-{i}")  # one per label
            times, queries = timed(send, args.samples)
            show(vendor, label, times, queries)
        told = Notification.objects.filter(room__in=[group, direct]).count()
        print(f"[{vendor}] notices written: {told} (one per mention and direct message)")
        times, queries = timed(lambda i: video.call_join(
            user=author, room_id=group.pk, channel_name=f"bench-{tag}",
            relay_channel=lambda: f"bench-relay-{tag}"), 1)
        show(vendor, f"call started, {args.members - 1} members rung", times, queries)
        Notification.objects.filter(user__in=users).delete()
        due = timezone.now() - timedelta(minutes=15)
        rooms = []
        for user in users[1:]:
            room = Room.objects.create(kind=Room.Kind.DIRECT, created_by=author,
                                       direct_key=f"bench-{tag}-{user.pk}")
            Membership.objects.bulk_create([Membership(room=room, user=author),
                                            Membership(room=room, user=user)])
            rooms.append(room)
        Notification.objects.bulk_create([
            Notification(user=user, kind="chat_direct", room=room, seq=n + 1, created_at=due,
                         url=f"/rooms/{room.pk}/#message-{n + 1}",
                         params={"name": author.name, "room": author.name, "excerpt": "hi"})
            for user, room in zip(users[1:], rooms, strict=True) for n in range(3)])
        with mock.patch.object(missed, "email_send"):
            started = time.perf_counter()
            sent = missed.missed_sweep()
            elapsed = (time.perf_counter() - started) * 1000
        print(f"[{vendor}] missed-message sweep: {sent} e-mails for {len(rooms) * 3} "
              f"messages in {elapsed:.0f} ms")
    Room.objects.filter(pk__in=[group.pk, direct.pk, *(r.pk for r in rooms)]).delete()
    User.objects.filter(pk__in=[u.pk for u in users]).delete()


if __name__ == "__main__":
    main()
