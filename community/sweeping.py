"""The shape of every periodic sweeper (`manage.py mentoring_sweep`, `calendar_sweep`,
`notifications_sweep`): sweep once, or every N seconds until Ctrl-C."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections


class SweepCommand(BaseCommand):
    """`sweep()` does one pass and returns whether anything happened and what to say of
    it: said when something happened, or always on a single run."""

    def sweep(self) -> tuple[bool, str]:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Keep running, sweeping every SECONDS (0: sweep once).")

    def handle(self, *args: Any, every: int = 0, **options: Any) -> None:
        try:
            while True:
                happened, said = self.sweep()
                if happened or not every:
                    self.stdout.write(said)
                if not every:
                    return
                time.sleep(every)
                close_old_connections()  # a long-running process: a fresh connection if due
        except KeyboardInterrupt:  # Ctrl-C on `cohort.py start`: a quiet stop
            return
