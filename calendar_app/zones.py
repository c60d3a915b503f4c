"""Time zones: which zone a member sees, and local wall-clock times made exact.

The rule for local times a zone's clock skips or repeats is RFC 5545's: a time in the
spring gap is read with the offset before the gap (so 02:30 on the night clocks go from
02:00 to 03:00 is 03:30), and a time that happens twice in the autumn is the first of
the two. An organiser who types a time that does not exist is told so instead
(`must_exist`); occurrences of a series that fall in a gap follow the rule.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, tzinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community import time_zones


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name` (as typed in a zone box: case and spaces forgiven);
    ValidationError for an unknown one."""
    if isinstance(name, str):
        name = time_zones.parse(name) or name.strip()
    if not isinstance(name, str) or not name or name not in _known():
        raise ValidationError(_("%(zone)s is not a known time zone.") % {"zone": str(name)[:64]})
    return zoneinfo.ZoneInfo(name)


def _known() -> frozenset[str]:
    return time_zones.known()


def names() -> list[str]:
    """The zones a member picks from (Region/City), the same list on every form of Cohort
    (community.time_zones)."""
    return time_zones.names()


def zone_name_of(user: object) -> str:
    """Her profile's zone, else the server's (settings.TIME_ZONE)."""
    profile = getattr(user, "profile", None)
    name = getattr(profile, "time_zone", "") if profile is not None else ""
    return name if name and name in _known() else settings.TIME_ZONE


def zone_of(user: object) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(zone_name_of(user))


def exists(local: datetime, where: tzinfo) -> bool:
    """Whether the wall-clock time `local` (naive) happens in `where` at all."""
    aware = local.replace(tzinfo=where)
    return aware.astimezone(UTC).astimezone(where).replace(tzinfo=None) == local


def is_ambiguous(local: datetime, where: tzinfo) -> bool:
    """Whether `local` happens twice in `where` (the autumn overlap)."""
    return (local.replace(tzinfo=where, fold=0).utcoffset()
            != local.replace(tzinfo=where, fold=1).utcoffset())


def exact(local: datetime, where: tzinfo) -> datetime:
    """The instant of wall-clock time `local` in `where`, by the rule above (UTC)."""
    return local.replace(tzinfo=where, fold=0).astimezone(UTC)


def must_exist(day: date, at: time, where: zoneinfo.ZoneInfo) -> datetime:
    """The instant of `day` `at` in `where`; ValidationError if the clock skips it."""
    local = datetime.combine(day, at)
    if not exists(local, where):
        raise ValidationError(
            _("%(time)s does not exist on %(date)s in %(zone)s: the clocks go forward then. "
              "Choose another time.")
            % {"time": at.strftime("%H:%M"), "date": day.isoformat(), "zone": where.key})
    return exact(local, where)
