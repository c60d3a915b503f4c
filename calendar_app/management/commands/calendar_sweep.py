"""Send the event reminders that are due; once, or every N seconds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from calendar_app.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Send the reminders of events that are due (each once, none late)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Keep running, sweeping every SECONDS (0: sweep once).")

    def handle(self, *args: Any, every: int = 0, **options: Any) -> None:
        try:
            while True:
                sent = reminders_sweep()
                if sent or not every:
                    self.stdout.write(f"cohort: {sent} event reminders sent.")
                if not every:
                    return
                time.sleep(every)
                close_old_connections()  # a long-running process: a fresh connection if due
        except KeyboardInterrupt:  # Ctrl-C on `cohort.py start`: a quiet stop
            return
