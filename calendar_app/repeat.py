"""Repeat rules as people say them: the event form's choices turned into an RFC 5545
rule, and a rule (as calendar_app.recurrence.clean_rule takes it) said in words.

The form offers the repeats mentors ask for (daily, weekly, every other week, monthly on
the same weekday or date, yearly) ending never, on a date or after some times; a rule
made elsewhere (an imported or older one) is kept as it is and still described.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar.prop import vRecur

from calendar_app import zones

REPEATS = ("none", "daily", "weekly", "biweekly", "monthly_weekday", "monthly_date",
           "yearly", "custom")
ENDS = ("never", "on", "after")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def weekday_names() -> dict[str, str]:
    return {"MO": _("Monday"), "TU": _("Tuesday"), "WE": _("Wednesday"),
            "TH": _("Thursday"), "FR": _("Friday"), "SA": _("Saturday"), "SU": _("Sunday")}


def ordinals() -> dict[int, str]:
    return {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), 5: _("fifth"),
            -1: _("last"), -2: _("second to last")}


def nth_weekday(day: date) -> tuple[int, str]:
    """Which weekday of its month `day` is: (2, "TU") for the second Tuesday; the fifth
    is said as the last (-1), which every month has."""
    nth = (day.day - 1) // 7 + 1
    return (-1 if nth == 5 else nth), DAYS[day.weekday()]


def rule_from_form(data: Mapping[str, Any], start: date, where: tzinfo | None = None,
                   all_day: bool = False) -> str:
    """The rule the form's repeat fields ask for ("" for none). The rule is checked by
    fields.clean with the rest; a wrong end date or count gets a sentence here. An end
    date is the last day, whole: a date for an all-day event, else the end of that day in
    the event's zone `where`, in UTC (as RFC 5545 asks beside a start with a zone)."""
    from django.core.exceptions import ValidationError

    repeat = str(data.get("repeat") or "none")
    if repeat not in REPEATS:
        raise ValidationError(_("Choose how the event repeats."))
    if repeat == "none":
        return ""
    if repeat == "custom":
        return str(data.get("rrule") or "")
    weekday = DAYS[start.weekday()]
    parts = {
        "daily": "FREQ=DAILY",
        "weekly": f"FREQ=WEEKLY;BYDAY={weekday}",
        "biweekly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}",
        "monthly_weekday": "FREQ=MONTHLY;BYDAY={}{}".format(*nth_weekday(start)),
        "monthly_date": f"FREQ=MONTHLY;BYMONTHDAY={start.day}",
        "yearly": "FREQ=YEARLY",
    }[repeat]
    ends = str(data.get("ends") or "never")
    if ends == "on":
        try:
            until = date.fromisoformat(str(data.get("until") or "").strip())
        except ValueError:
            raise ValidationError(_("Give the date the repeats end as YYYY-MM-DD.")) from None
        if until < start:
            raise ValidationError(_("The repeats cannot end before the event starts."))
        if all_day or where is None:
            parts += f";UNTIL={until:%Y%m%d}"
        else:
            last = zones.exact(datetime.combine(until, time(23, 59, 59)), where)
            parts += f";UNTIL={last:%Y%m%dT%H%M%SZ}"
    elif ends == "after":
        try:
            count = int(str(data.get("count") or "").strip())
        except ValueError:
            raise ValidationError(_("Say after how many times the repeats end.")) from None
        parts += f";COUNT={count}"  # fields.clean says how many it may be
    elif ends != "never":
        raise ValidationError(_("Choose when the repeats end."))
    return parts


@dataclass(frozen=True)
class FormRepeat:
    """A stored rule as the form shows it."""

    repeat: str = "none"
    ends: str = "never"
    until: str = ""
    count: str = ""
    rrule: str = ""  # kept as it is when the form has no choice for it


def form_of(rule: str, start: date, where: tzinfo | None = None) -> FormRepeat:
    """The form's fields for `rule`; a rule the form cannot make is "custom"."""
    if not rule:
        return FormRepeat()
    recur = vRecur.from_ical(rule)
    ends, until, count = "never", "", ""
    if "COUNT" in recur:
        ends, count = "after", str(recur["COUNT"][0])
    elif "UNTIL" in recur:
        last = recur["UNTIL"][0]
        if isinstance(last, datetime):
            last = (last.astimezone(where) if where is not None and last.tzinfo else last).date()
        ends, until = "on", last.isoformat()
    body = ";".join(part for part in rule.split(";")
                    if not part.startswith(("COUNT=", "UNTIL=", "WKST=")))
    for choice in REPEATS[1:-1]:
        if rule_from_form({"repeat": choice}, start) == body:
            return FormRepeat(repeat=choice, ends=ends, until=until, count=count, rrule=rule)
    return FormRepeat(repeat="custom", rrule=rule)


def _day_list(days: list[str]) -> str:
    names = weekday_names()
    ordinal = ordinals()
    said = []
    for day in days:
        code = day[-2:]
        prefix = day[:-2]
        name = names.get(code, code)
        if prefix:
            try:
                said.append(_("the %(nth)s %(day)s") % {
                    "nth": ordinal.get(int(prefix), prefix), "day": name})
            except ValueError:
                said.append(name)
        else:
            said.append(name)
    if len(said) > 1:
        return _("%(days)s and %(last)s") % {"days": ", ".join(said[:-1]), "last": said[-1]}
    return said[0] if said else ""


def describe(rule: str, where: tzinfo | None = None) -> str:
    """"Every 2 weeks on Tuesday, 10 times"; "" for no rule."""
    if not rule:
        return ""
    recur = vRecur.from_ical(rule)
    frequency = str((recur.get("FREQ") or [""])[0])
    interval = int((recur.get("INTERVAL") or [1])[0])
    if frequency == "DAILY":
        text = ngettext("Every day", "Every %(n)d days", interval) % {"n": interval}
    elif frequency == "WEEKLY":
        text = ngettext("Every week", "Every %(n)d weeks", interval) % {"n": interval}
    elif frequency == "MONTHLY":
        text = ngettext("Every month", "Every %(n)d months", interval) % {"n": interval}
    else:
        text = ngettext("Every year", "Every %(n)d years", interval) % {"n": interval}
    days = [str(d) for d in recur.get("BYDAY") or []]
    month_days = [int(d) for d in recur.get("BYMONTHDAY") or []]
    if days:
        text = _("%(repeat)s on %(days)s") % {"repeat": text, "days": _day_list(days)}
    elif month_days:
        text = _("%(repeat)s on day %(days)s") % {
            "repeat": text, "days": ", ".join(str(d) for d in month_days)}
    if "COUNT" in recur:
        count = int(recur["COUNT"][0])
        text = ngettext("%(repeat)s, once", "%(repeat)s, %(n)d times", count) % {
            "repeat": text, "n": count}
    elif "UNTIL" in recur:
        last = recur["UNTIL"][0]
        if isinstance(last, datetime):
            last = (last.astimezone(where) if where is not None and last.tzinfo else last).date()
        text = _("%(repeat)s, until %(date)s") % {
            "repeat": text, "date": formats.date_format(last, "DATE_FORMAT")}
    return text
