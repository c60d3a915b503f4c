"""The task worker with a heartbeat: django-tasks-db's `db_worker` (same options), plus a
thread that writes the time to the database every `--heartbeat` seconds, so `/readyz`
can tell a worker that runs from one that died.

The heartbeat is one row per worker (`server.models.TaskWorkerBeat`, keyed by its
`--worker-id`), removed when the worker stops cleanly; rows a day old (dead workers') are
pruned at each beat. One thread, one database write per beat: nothing grows.
"""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from server.models import TaskWorkerBeat

log = logging.getLogger(__name__)

DEFAULT_EVERY = 15.0  # seconds between two beats; /readyz allows COHORT_WORKER_STALE_AFTER
FORGET_AFTER = timedelta(days=1)


class Heartbeat:
    """A daemon thread writing this worker's beat until `stop()`."""

    def __init__(self, worker_id: str, every: float) -> None:
        self.worker_id = worker_id
        self.every = every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="task-worker-heartbeat",
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def beat(self) -> None:
        now = timezone.now()
        try:
            close_old_connections()
            TaskWorkerBeat.objects.update_or_create(worker_id=self.worker_id,
                                                   defaults={"beat_at": now})
            TaskWorkerBeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
        finally:
            connections.close_all()  # this thread's own connection

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.beat()
            except Exception:  # the database is away: the next beat tries again
                log.warning("task worker heartbeat not written", exc_info=True)
            self.stopping.wait(self.every)

    def stop(self) -> None:
        """Stop beating and remove this worker's row (it no longer runs tasks)."""
        self.stopping.set()
        self.thread.join(timeout=self.every + 5)
        try:
            TaskWorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:
            log.warning("task worker heartbeat not removed", exc_info=True)


def heartbeat_seconds(value: str) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:
        raise ValueError("between 1 and 3600 seconds")
    return seconds


class Command(WorkerCommand):
    help = ("Run the task worker (django-tasks-db's db_worker, same options) with a "
            "heartbeat that /readyz reads.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat", type=heartbeat_seconds, default=DEFAULT_EVERY,
            help="Seconds between two heartbeats (default: %(default)s).")
        # A worker for production: reloading on code changes is asked for, not assumed.
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        # With --reload, this process only watches the files and restarts a child that
        # runs the worker: only that child beats.
        watcher = options["reload"] and not options["batch"] \
            and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if watcher:
            super().handle(*args, **options)
            return
        heartbeat = Heartbeat(options["worker_id"], options["heartbeat"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
