"""Queue the webhook retries that are due, pause hooks failing for a day, prune the log;
once, or every N seconds."""

from __future__ import annotations

from community.sweeping import SweepCommand
from community.webhooks.services import sweep


class Command(SweepCommand):
    help = ("Queue webhook deliveries due for another attempt, pause hooks that failed "
            "for 24 hours, prune old deliveries.")

    def sweep(self) -> tuple[bool, str]:
        done = sweep()
        return any(done.values()), (
            "cohort: webhooks: {retried} retries queued, {stuck} stuck attempts taken back, "
            "{lost} lost deliveries queued again, {paused} hooks paused, "
            "{pruned} old deliveries pruned.".format(**done))
