"""Every string of every app has its French translation, compiled."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/fr/LC_MESSAGES/django.po"))


def entries(path: Path) -> list[dict[str, str]]:
    """(msgid, msgstr...) of a .po file, with its flags; the header is left out."""
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current.get("msgid"):
                found.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["flags"] = line
        elif line.startswith("msg"):
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return found


def test_every_app_has_a_french_catalogue():
    apps = {p.parts[-5] for p in CATALOGUES}
    assert {"server", "community", "rooms", "chat", "notifications", "mentoring", "video",
            "documents", "calendar_app"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_complete_and_compiled(path):
    for entry in entries(path):
        assert "fuzzy" not in entry.get("flags", ""), entry["msgid"]
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        assert translations and all(translations), f"untranslated: {entry['msgid']!r}"
    with path.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    # Every catalogue counts French plurals the same way, with both forms written:
    # a third form (newer CLDR headers) would send counts above one back to English.
    assert catalogue.ngettext("one", "many", 1) == "one"
    assert catalogue.plural(7) == 1 and catalogue.plural(1) == 0, "use nplurals=2; plural=(n > 1)"
    for entry in entries(path):
        if "msgctxt" in entry and "msgid_plural" not in entry:
            assert catalogue.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"], (
                f"{entry['msgid']!r} ({entry['msgctxt']}) is not compiled: run compilemessages")
        elif "msgid_plural" not in entry:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"], (
                f"{entry['msgid']!r} is not compiled: run compilemessages")


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_a_room_is_a_salle_everywhere_in_french(path):
    """One word for "room": a member who reads « salon » on one page and « salle » on
    another wonders whether they are two things."""
    stray = [entry["msgid"] for entry in entries(path)
             if any(word in value.lower() for key, value in entry.items()
                    if key.startswith("msgstr") for word in ("salon", "chambre"))]
    assert stray == []
