"""The time zones a member may pick: one list for every form of Cohort (profiles, the
people filter, calendars), current IANA names only. Old aliases such as US/Eastern are
still read where they were saved, never offered."""

from __future__ import annotations

import zoneinfo
from functools import cache

LEGACY = ("Etc/", "SystemV/", "posix/", "right/", "US/", "Canada/", "Brazil/", "Chile/",
          "Mexico/")


@cache
def known() -> frozenset[str]:
    """Every zone the system's database has, aliases included."""
    return frozenset(zoneinfo.available_timezones())


@cache
def _names() -> tuple[str, ...]:
    return (*sorted(z for z in known() if "/" in z and not z.startswith(LEGACY)), "UTC")


def names() -> list[str]:
    """The zones a member picks from (Region/City, then UTC), sorted."""
    return list(_names())


@cache
def _by_folded_name() -> dict[str, str]:
    return {z.casefold(): z for z in _names()}


def parse(typed: str) -> str | None:
    """The zone she meant by what she typed: its case and spaces for underscores forgiven
    ("america/new york" is America/New_York); None if no zone of the list is called so."""
    key = "_".join(typed.split()).casefold()
    return _by_folded_name().get(key)
