"""Send the missed-message e-mails that are due; once, or every N seconds."""

from __future__ import annotations

from community.sweeping import SweepCommand
from notifications.missed import missed_sweep


class Command(SweepCommand):
    help = "E-mail members the mentions and direct messages they missed (each once)."

    def sweep(self) -> tuple[bool, str]:
        sent = missed_sweep()
        return bool(sent), f"cohort: {sent} missed-message e-mails sent."
