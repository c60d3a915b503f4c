"""Send the missed-message e-mails that are due; once, or every N seconds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from notifications.missed import missed_sweep


class Command(BaseCommand):
    help = "E-mail members the mentions and direct messages they missed (each once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Keep running, sweeping every SECONDS (0: sweep once).")

    def handle(self, *args: Any, every: int = 0, **options: Any) -> None:
        try:
            while True:
                sent = missed_sweep()
                if sent or not every:
                    self.stdout.write(f"cohort: {sent} missed-message e-mails sent.")
                if not every:
                    return
                time.sleep(every)
                close_old_connections()  # a long-running process: a fresh connection if due
        except KeyboardInterrupt:  # Ctrl-C on `cohort.py start`: a quiet stop
            return
