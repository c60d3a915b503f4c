"""Send request reminders and expire overdue requests; once, or every N seconds."""

from __future__ import annotations

from community.sweeping import SweepCommand
from mentoring.services.requests import requests_sweep
from mentoring.services.rounds import proposals_sweep


class Command(SweepCommand):
    help = "Remind mentors of requests about to expire and expire the overdue ones."

    def sweep(self) -> tuple[bool, str]:
        reminded, expired = requests_sweep()
        proposals = proposals_sweep()
        return bool(reminded or expired or proposals), (
            f"cohort: {reminded} reminders sent, {expired} requests expired, "
            f"{proposals} proposed pairs expired.")
