"""Reading the server's text frames, for every test client (no Django needed: the
benchmarks' clients import this too)."""

from __future__ import annotations

import json
from typing import Any


def events_in(text: str | bytes) -> list[dict[str, Any]]:
    """The events of one text frame: one object, or an array of them (a batch)."""
    parsed = json.loads(text)
    return parsed if isinstance(parsed, list) else [parsed]
