"""Dependencies point one way (docs/architecture.md): each app imports only the apps below
it, `server` imports apps and no app imports `server`. Read from the source, so an import
inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]

BELOW: dict[str, set[str]] = {
    "community": set(),
    "rooms": {"community"},
    "chat": {"community", "rooms"},
    "video": {"community", "rooms"},
    "notifications": {"community", "rooms"},
    "documents": {"community", "rooms"},
    "calendar_app": {"community", "rooms"},
    "mentoring": {"community", "rooms", "chat", "notifications", "video", "calendar_app"},
    "server": {"community", "rooms", "chat", "video", "notifications", "mentoring",
               "documents", "calendar_app"},
}
# Arrows still to remove, each with where it goes away (none left).
KNOWN: dict[tuple[str, str], str] = {}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(BELOW)


def test_every_import_between_apps_points_down():
    wrong = []
    for app, allowed in BELOW.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for other in imported_apps(path) - allowed - {app}:
                if (app, other) not in KNOWN:
                    wrong.append(f"{path.relative_to(ROOT)} imports {other}")
    assert wrong == []
