"""Display names that cannot pass for someone else's.

Every place a name is set (sign-up, invitation, profile, the admin) goes through
`name_clean`: the name is NFKC-normalised and its runs of spaces collapsed; control,
zero-width, bidirectional and invisible characters are refused, and so is a word that mixes
alphabets (a Cyrillic "а" inside a Latin word); then a name whose `skeleton` equals another
member's is refused, without saying whose ("too close to another member's name").

The skeleton follows Unicode's confusable detection (UTS #39): case-folded, each character
replaced by the prototype it can be mistaken for (confusable-homoglyphs' table), so
"Аnna" (Cyrillic А), "ANNA" and "Anna" share one. It is stored on the member
(`User.name_key`) so a check is one indexed query. Names given before this check are kept
as they are; `manage.py names_confusable` and the admin's member list filter show the pairs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from community.models import User

MAX_LENGTH = 150
KEY_LENGTH = 600  # User.name_key: a prototype may be a few characters (m is "rn")

# Format (Cf: zero-width joiners, bidirectional marks and overrides, soft hyphen), control,
# private-use, surrogate and unassigned characters, and line or paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
# Letters and symbols that draw nothing: Hangul fillers, the blank Braille pattern.
_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
# Scripts a single word legitimately mixes (Japanese, Korean, Chinese with its phonetics).
_MIXES = [{"HAN", "HIRAGANA", "KATAKANA"}, {"HAN", "HANGUL"}, {"HAN", "BOPOMOFO"}]
_NEUTRAL = {"COMMON", "INHERITED"}
_MAX_MARKS = 3  # combining marks in a row: beyond, text spills over its neighbours' lines
_SPACES = re.compile(r" +")  # after NFKC every space separator is U+0020
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")

TOO_CLOSE = _("This name is too close to another member’s name. Add a middle name or an "
              "initial to tell you apart.")


def normalise(name: str) -> str:
    """NFKC (full-width and styled letters become plain ones, every kind of space a plain
    one), runs of spaces collapsed. Tabs and line breaks stay, for `problem` to refuse."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip()


def problem(name: str) -> str | None:
    """Why this (normalised) name cannot be shown, in words for her; None when it can."""
    if not name:
        return str(_("Tell us your name."))
    if len(name) > MAX_LENGTH:
        return str(_("A name has at most %(n)d characters.") % {"n": MAX_LENGTH})
    marks = 0
    for char in name:
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _INVISIBLE:
            return str(_("A name cannot contain invisible, control or text-direction "
                         "characters. Type it again with letters only."))
        marks = marks + 1 if unicodedata.category(char).startswith("M") else 0
        if marks > _MAX_MARKS:
            return str(_("A name cannot stack so many accents on one letter."))
    for word in name.split(" "):
        scripts = categories.unique_aliases(word) - _NEUTRAL
        if len(scripts) > 1 and not any(scripts <= mix for mix in _MIXES):
            return str(_("A word of a name cannot mix alphabets (for example Latin and "
                         "Cyrillic letters that look alike)."))
    return None


@functools.lru_cache(maxsize=4096)
def _prototype(char: str) -> str:
    """The character `char` is most likely mistaken for. The table lists, for a prototype,
    every look-alike, and for a look-alike its one prototype; two characters that are each
    other's only look-alike share the smaller."""
    found = confusables.is_confusable(char, greedy=True)
    if not found:
        return char
    glyphs = [g["c"].translate(_DIRECTION_MARKS) for g in found[0]["homoglyphs"]]
    if len(glyphs) != 1:
        return char
    other = glyphs[0]
    back: Any = confusables.is_confusable(other, greedy=True) if len(other) == 1 else False
    if back and len(back[0]["homoglyphs"]) == 1:
        return min(char, other)
    return other


def skeleton(name: str) -> str:
    """What the name looks like, case and look-alikes aside: equal skeletons are
    indistinguishable on screen. Two rounds so that "0" → "O" → "o" meets "o"."""
    text = normalise(name).casefold()
    for _round in range(2):
        text = "".join(_prototype(char) for char in text).casefold()
    return _SPACES.sub(" ", text).strip()[:KEY_LENGTH]


# Labels the pages give what no member wrote: a name that looks like one would pass for
# the site itself (chat.js shows a server notice, break-glass opened or ended, under
# "Notice from Cohort"; a message whose author was erased, under "A former member").
_RESERVED = ("Notice from Cohort", "Avis de Cohort", "A former member", "Une ancienne membre",
             "Cohort")


def _reserved(key: str) -> bool:
    return any(key == skeleton(label) for label in _RESERVED)


def name_clean(name: str, *, member: User | None = None) -> str:
    """The name as it will be stored, or ValidationError({"name": ...}). `member` is the one
    renaming herself: her own name is no clash, and a name she already had (from before
    this check) is kept when she saves her profile unchanged."""
    from community.models import User

    if member is not None and member.pk is not None and name == member.name:
        return name

    cleaned = normalise(name)
    reason = problem(cleaned)
    if reason:
        raise ValidationError({"name": reason}, code="name_refused")
    key = skeleton(cleaned)
    if _reserved(key):
        raise ValidationError({"name": _("This name is kept for the site’s own notices. "
                                         "Choose another.")}, code="name_reserved")
    others = User.objects.filter(name_key=key)
    if member is not None and member.pk is not None:
        others = others.exclude(pk=member.pk)
    if others.exists():
        raise ValidationError({"name": TOO_CLOSE}, code="name_too_close")
    return cleaned


def form_name_clean(name: str, *, member: User | None = None) -> str:
    """`name_clean` for a form's `clean_name`: the error on the field itself."""
    try:
        return name_clean(name, member=member)
    except ValidationError as error:
        raise ValidationError(error.message_dict["name"]) from None


def confusable_pairs() -> list[list[User]]:
    """Groups of members whose names look the same (set before the check, or by hand in
    the database), for the admins."""
    from django.db.models import Count

    from community.models import User

    keys = (User.objects.exclude(name_key="").values("name_key")
            .annotate(n=Count("pk")).filter(n__gt=1).values_list("name_key", flat=True))
    groups: dict[str, list[User]] = {}
    for user in User.objects.filter(name_key__in=list(keys)).order_by("name_key", "pk"):
        groups.setdefault(user.name_key, []).append(user)
    return list(groups.values())
