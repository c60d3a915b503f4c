"""Delete data exports past their time and erase accounts past their grace period; once,
or every N seconds."""

from __future__ import annotations

from community import erasure, my_data
from community.sweeping import SweepCommand


class Command(SweepCommand):
    help = "Delete expired data exports and erase accounts whose grace period is over."

    def sweep(self) -> tuple[bool, str]:
        exports = my_data.exports_expired_delete()
        erased = erasure.erasures_due()
        return bool(exports or erased), (
            f"cohort: {exports} data exports deleted, {erased} accounts erased.")
