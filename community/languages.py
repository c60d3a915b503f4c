"""The languages a member can say she speaks, named in the reader's language.

Names come from Django's own list, whose translations ship with Django.
"""

from django.conf import global_settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

_CODES = (
    "ar", "bn", "de", "en", "es", "fa", "fr", "he", "hi", "it", "ja", "ko", "nl", "pl",
    "pt", "ro", "ru", "sw", "ta", "th", "tr", "uk", "ur", "vi", "zh-hans",
)
_ENGLISH_NAMES = dict(global_settings.LANGUAGES)

NAMES: dict[str, Promise] = {code: gettext_lazy(_ENGLISH_NAMES[code]) for code in _CODES}


def choices() -> list[tuple[str, str]]:
    """Sorted by name in the active language."""
    return sorted(((code, str(name)) for code, name in NAMES.items()), key=lambda c: c[1])
