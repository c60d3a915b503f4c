"""Dates and times that no reader can misread: the day first, the month in letters.

Django's own short formats write 12/03/2026 in English, which a Canadian reads either way,
and its long ones differ in order between the two languages. These filters write
"3 Dec 2026, 14:05" in English and "3 déc. 2026, 14:05" in French, on the server's clock.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone, translation

register = template.Library()

# (day, day and time) by language; "M" is Django's "Dec", "N" its "déc." in French.
FORMATS = {"en": ("j M Y", "j M Y, H:i"), "fr": ("j N Y", "j N Y, H:i")}


def _formats() -> tuple[str, str]:
    language = (translation.get_language() or "en").split("-")[0]
    return FORMATS.get(language, FORMATS["en"])


@register.filter
def day(value: date | datetime | None) -> str:
    """`3 Dec 2026` / `3 déc. 2026`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, _formats()[0])


@register.filter
def moment(value: datetime | None) -> str:
    """`3 Dec 2026, 14:05` / `3 déc. 2026, 14:05`."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, _formats()[1])
