"""Background work of documents: previews, made by the task worker after an upload.

A preview made is a change of its document: it takes the room's next `rev` and the room
hears `documents.changed`, so an open Documents tab or document page shows it without a
reload. Run again for a version that has its preview already, it does nothing.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task

from documents import previews
from documents.changes import publish_change, searchable_text
from documents.models import Document, Version
from rooms import services as room_services

log = logging.getLogger(__name__)


@task()
def preview_make(*, version_id: int) -> str:
    """Make one version's preview; returns its state."""
    version = Version.objects.select_related("document").filter(pk=version_id).first()
    if version is None or version.preview_state != "pending":
        return version.preview_state if version else "gone"
    try:
        with version.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:  # the document was deleted meanwhile
        return "gone"
    made = previews.make(data, version.kind)
    stored = ""
    if made.image is not None:
        stored = version.preview.storage.save(f"{version.file.name}.preview.webp",
                                              ContentFile(made.image))
    with transaction.atomic():
        room = room_services.room_lock(room_id=version.document.room_id)
        document = Document.objects.select_for_update().filter(pk=version.document_id,
                                                               deleted_at__isnull=True).first()
        current = Version.objects.filter(pk=version_id, preview_state="pending").first()
        if document is None or current is None:  # deleted meanwhile, or made twice
            if stored:
                transaction.on_commit(lambda: version.preview.storage.delete(stored))
            return "gone"
        current.preview_state = made.state
        current.preview = stored
        current.preview_html = made.html
        current.pages = made.pages
        current.text = made.text
        current.save(update_fields=["preview_state", "preview", "preview_html", "pages", "text"])
        if current.number == document.version_count:  # the latest: what the room shows
            document.room = room
            document.search_text = searchable_text(document.name, made.text)
            document.rev = room_services.rev_take(room=room)
            document.save(update_fields=["search_text", "rev"])
            publish_change(document)
    log.info("preview of version %s: %s", version_id, made.state)
    return made.state
