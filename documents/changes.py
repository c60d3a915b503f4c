"""What every change of a document does beside its rows, shared by the services and the
task worker: the room hears it, and search reads its new text."""

from __future__ import annotations

import re

from documents import selectors
from documents.models import Document, Version
from rooms import protocol


def searchable_text(name: str, text: str = "") -> str:
    """What search reads of a document: its name with separators as spaces, its text, and
    the name as written last (PostgreSQL's parser takes "plan.pdf" for one word, a file
    name; a snippet then starts with the words)."""
    words = re.sub(r"[._\-]+", " ", name)
    parts = [words, text] + ([name] if words != name else [])
    return "\n".join(part for part in parts if part)


def publish_change(document: Document, latest: Version | None = None) -> None:
    """Ring the room with the document as it is now (after commit)."""
    protocol.publish(document.room_id, {
        "type": "documents.changed", "room_id": document.room_id, "rev": document.rev,
        "document": selectors.document_payload(document, latest)})
