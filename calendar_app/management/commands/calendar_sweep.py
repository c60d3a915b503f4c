"""Send the reminders of events that are due; once, or every N seconds."""

from __future__ import annotations

from calendar_app.reminders import reminders_sweep
from community.sweeping import SweepCommand


class Command(SweepCommand):
    help = "Send the reminders of events that are due (each once, none late)."

    def sweep(self) -> tuple[bool, str]:
        sent = reminders_sweep()
        return bool(sent), f"cohort: {sent} event reminders sent."
