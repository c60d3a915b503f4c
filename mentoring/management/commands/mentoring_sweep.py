"""Send request reminders and expire overdue requests; once, or every N seconds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from mentoring.services.requests import requests_sweep


class Command(BaseCommand):
    help = "Remind mentors of requests about to expire and expire the overdue ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Keep running, sweeping every SECONDS (0: sweep once).")

    def handle(self, *args: Any, every: int = 0, **options: Any) -> None:
        while True:
            close_old_connections()
            reminded, expired = requests_sweep()
            if reminded or expired or not every:
                self.stdout.write(f"cohort: {reminded} reminders sent, {expired} requests expired.")
            if not every:
                return
            time.sleep(every)
