"""Tell each room whose break-glass access expired that it ended; once, or every N seconds."""

from __future__ import annotations

from community.sweeping import SweepCommand
from rooms.services import break_glass_sweep


class Command(SweepCommand):
    help = ("Post the 'access ended' notice in each room whose break-glass access expired "
            "(reading stopped at the expiry already).")

    def sweep(self) -> tuple[bool, str]:
        told = break_glass_sweep()
        return bool(told), f"cohort: {told} rooms told that break-glass access ended."
