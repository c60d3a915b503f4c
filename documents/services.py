"""Every write of documents. Each takes the room's row lock and next `rev` from the rooms
services (the room's event log) and publishes `documents.changed` after commit.

Files are written to storage before the transaction (a file is large; the room's lock is
held only for the rows) and removed again if the transaction does not commit. Deleting a
document removes every version's file once the deletion has committed; the row stays as
a tombstone so that catch-up tells clients it is gone.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions as community_permissions
from community.models import User
from community.ratelimit import ratelimit_hit
from documents import files, hooks, permissions, rendering, selectors, tasks
from documents.changes import publish_change, searchable_text
from documents.models import Comment, Document, Version, stored_name
from rooms import services as room_services
from rooms.models import Room

MAX_NOTE_CHARS = 500


def _clean_note(note: object) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ValidationError(_("A version note is text."))
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(_("A version note has at most %(max)d characters.")
                              % {"max": MAX_NOTE_CHARS})
    if any(ord(c) < 32 and c not in "\n\t" for c in note):
        raise ValidationError(_("A version note cannot contain control characters."))
    return note


def _check_quotas(user: User, room: Room, size: int) -> None:
    """Under the room's lock and her own row's (her quota spans rooms): what is stored
    plus this file stays within both quotas."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    if selectors.bytes_used_by(user.pk) + size > settings.DOCUMENTS_MEMBER_QUOTA:
        raise ValidationError(_("This file would take you past your %(quota)s of documents: "
                                "delete some first.")
                              % {"quota": files.human_size(settings.DOCUMENTS_MEMBER_QUOTA)})
    if selectors.bytes_used_in(room.pk) + size > settings.DOCUMENTS_ROOM_QUOTA:
        raise ValidationError(_("This file would take the room past its %(quota)s of "
                                "documents: delete some first.")
                              % {"quota": files.human_size(settings.DOCUMENTS_ROOM_QUOTA)})


def _store(stream: IO[bytes], room_id: int) -> tuple[str, str]:
    """The file written to storage under a name of ours: (token, stored name). A write
    that fails (a full disk) removes what it wrote and says so: no file, no row."""
    token = secrets.token_hex(16)
    stream.seek(0)
    name = stored_name(room_id, token)  # a new random name: nobody else's file
    try:
        stored = default_storage.save(name, File(stream))
    except OSError as error:
        _discard(name)
        raise files.NotStored(error) from error
    return token, stored


def _discard(stored: str) -> None:
    with contextlib.suppress(OSError):
        default_storage.delete(stored)


def _preview_soon(version: Version) -> None:
    """The task worker makes the preview once the upload has committed."""
    transaction.on_commit(lambda: tasks.preview_make.enqueue(version_id=version.pk),
                          robust=True)  # a queue away: the upload stands, its preview waits


def _discard_all(stored: list[str]) -> None:
    for name in stored:
        _discard(name)


def _checked_and_stored(user: User, stream: IO[bytes], name: str, room_id: int
                        ) -> tuple[files.Checked, str, str]:
    """Counted against her upload rate, checked, written to storage: (what it is, token,
    stored name). The caller removes the stored file if its transaction fails."""
    ratelimit_hit(f"documents.write:{user.pk}", limit=settings.DOCUMENTS_WRITE_LIMIT,
                  per_seconds=60)
    checked = files.check(stream, name)
    token, stored = _store(stream, room_id)
    return checked, token, stored


def document_upload(*, user: User, room_id: int, stream: IO[bytes], name: object,
                    note: object = "") -> Document:
    """Share a new document in a room. ValidationError says what is wrong with the file;
    Http404 if she may not see the room; PermissionDenied if she may not post in it."""
    name = files.clean_name(name)
    note = _clean_note(note)
    room = Room.objects.filter(pk=room_id).first()
    if room is None or not permissions.can_view(user, room):
        raise Http404("No such room.")
    if not permissions.can_upload(user, room):
        raise PermissionDenied(_("You cannot share documents in this room."))
    checked, token, stored = _checked_and_stored(user, stream, name, room.pk)
    committed: list[bool] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))  # runs first
            room = room_services.room_lock(room_id=room.pk)
            if not permissions.can_upload(user, room):  # removed or archived meanwhile
                raise PermissionDenied(_("You cannot share documents in this room."))
            _check_quotas(user, room, checked.size)
            now = timezone.now()
            document = Document.objects.create(
                room=room, uploaded_by=user, name=name, created_at=now, updated_at=now,
                rev=room_services.rev_take(room=room), version_count=1,
                search_text=searchable_text(name))
            version = Version.objects.create(
                document=document, number=1, uploaded_by=user, created_at=now, name=name,
                note=note, kind=checked.kind, size=checked.size, sha256=checked.sha256,
                token=token, file=stored)
            publish_change(document, version)
            _preview_soon(version)
    except BaseException:
        if not committed:  # a failure after the commit keeps the file its rows name
            _discard(stored)
        raise
    return document


def version_add(*, user: User, document_id: int, stream: IO[bytes], name: object,
                note: object = "") -> Version:
    """A new version of a document; every earlier one is kept. Two uploaded at once get
    the next two numbers, in the order they commit."""
    name = files.clean_name(name)
    note = _clean_note(note)
    document = permissions.access_document(user, document_id)
    if not permissions.can_add_version(user, document):
        raise PermissionDenied(_("You cannot add a version of this document."))
    checked, token, stored = _checked_and_stored(user, stream, name, document.room_id)
    committed: list[bool] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))  # runs first
            room = room_services.room_lock(room_id=document.room_id)
            document = Document.objects.select_for_update().get(pk=document.pk)
            document.room = room
            if not permissions.can_add_version(user, document):
                raise PermissionDenied(_("You cannot add a version of this document."))
            _check_quotas(user, room, checked.size)
            now = timezone.now()
            number = document.version_count + 1
            version = Version.objects.create(
                document=document, number=number, uploaded_by=user, created_at=now,
                name=name, note=note, kind=checked.kind, size=checked.size,
                sha256=checked.sha256, token=token, file=stored)
            document.name = name
            # Its text joins once the task worker has read it.
            document.search_text = searchable_text(name)
            document.version_count = number
            document.updated_at = now
            document.rev = room_services.rev_take(room=room)
            document.save(update_fields=["name", "search_text", "version_count",
                                        "updated_at", "rev"])
            publish_change(document, version)
            _preview_soon(version)
    except BaseException:
        if not committed:  # a failure after the commit keeps the file its rows name
            _discard(stored)
        raise
    return version


def document_rename(*, user: User, document_id: int, name: object) -> Document:
    """A new name for a document (its versions keep the names they were uploaded with);
    the room hears it as any change. The same name again changes nothing."""
    name = files.clean_name(name)
    document = permissions.access_document(user, document_id)
    if not permissions.can_rename(user, document):
        raise PermissionDenied(_("You cannot rename this document."))
    ratelimit_hit(f"documents.write:{user.pk}", limit=settings.DOCUMENTS_WRITE_LIMIT,
                  per_seconds=60)
    with transaction.atomic():
        room = room_services.room_lock(room_id=document.room_id)
        document = Document.objects.select_for_update().get(pk=document.pk)
        document.room = room
        if not permissions.can_rename(user, document):
            raise PermissionDenied(_("You cannot rename this document."))
        if document.name == name:
            return document
        latest = document.versions.order_by("-number").first()
        document.name = name
        document.search_text = searchable_text(name, latest.text if latest else "")
        document.updated_at = timezone.now()
        document.rev = room_services.rev_take(room=room)
        document.save(update_fields=["name", "search_text", "updated_at", "rev"])
        publish_change(document, latest)
    return document


def document_delete(*, user: User, document_id: int) -> Document:
    """Delete a document and, once that commits, every version's file."""
    document = permissions.access_document(user, document_id)
    if not permissions.can_delete(user, document):
        raise PermissionDenied(_("You cannot delete this document."))
    with transaction.atomic():
        room = room_services.room_lock(room_id=document.room_id)
        document = Document.objects.select_for_update().get(pk=document.pk)
        document.room = room
        if not permissions.can_delete(user, document):
            raise PermissionDenied(_("You cannot delete this document."))
        _tombstone(document, room)
    return document


def document_hide(*, document_id: int) -> Document | None:
    """Hide a reported document: deleted as its author would (files removed after commit,
    comments emptied, `documents.changed` to the room), marked hidden so that its page
    tells the room's members a moderator hid it. None if it is gone already.

    Caller: `community.moderation.report_act` (through `server.features`), which asked
    community.permissions whether the moderator may act on the report; nothing is
    checked here."""
    with transaction.atomic():
        found = Document.objects.filter(pk=document_id).values_list("room_id", flat=True).first()
        if found is None:
            return None
        room = room_services.room_lock(room_id=found)
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.is_deleted:
            return None
        document.room = room
        document.hidden_at = timezone.now()
        document.save(update_fields=["hidden_at"])
        _tombstone(document, room)
    return document


def _tombstone(document: Document, room: Room) -> None:
    """Delete a locked document (inside the transaction holding the room's lock and the
    document's row): a tombstone row stays for catch-up, its versions' files and previews
    go once this commits."""
    stored = [name for pair in document.versions.values_list("file", "preview")
              for name in pair if name]
    document.deleted_at = timezone.now()
    document.updated_at = document.deleted_at
    document.search_text = ""
    document.rev = room_services.rev_take(room=room)
    document.save(update_fields=["deleted_at", "updated_at", "search_text", "rev"])
    document.versions.all().delete()
    document.comments.filter(deleted_at__isnull=True).update(
        deleted_at=document.deleted_at, text="", html="")
    document.comment_count = 0
    document.save(update_fields=["comment_count"])
    publish_change(document)
    transaction.on_commit(lambda: _discard_all(stored))


def member_documents_erase(*, user_id: int, erase_comments: bool) -> int:
    """Her account is erased: every document she shared is deleted with all its versions,
    and every version she added to another member's document is removed (its file and
    preview too; the document keeps its other versions, its latest remaining one named);
    her comments are emptied when the community's policy erases her words. One transaction
    per document, under its room's lock, and the room hears each change. Returns how many
    documents and versions were erased."""
    count = 0
    mine = set(Document.objects.filter(uploaded_by_id=user_id, deleted_at__isnull=True)
               .values_list("pk", flat=True))
    added = set(Version.objects.filter(uploaded_by_id=user_id).exclude(document_id__in=mine)
                .values_list("document_id", flat=True))
    commented = set(Comment.objects.filter(author_id=user_id, deleted_at__isnull=True)
                    .values_list("document_id", flat=True)) if erase_comments else set()
    for document_id in sorted(mine | added | commented):
        with transaction.atomic():
            room_id = Document.objects.filter(pk=document_id).values_list("room_id", flat=True)
            room = room_services.room_lock(room_id=room_id[0])
            document = Document.objects.select_for_update().get(pk=document_id)
            document.room = room
            if document.deleted_at is not None:
                continue
            if document_id in mine:
                count += document.versions.count()
                _tombstone(document, room)
                continue
            changed = False
            if erase_comments:
                emptied = Comment.objects.filter(document=document, author_id=user_id,
                                                 deleted_at__isnull=True).update(
                    deleted_at=timezone.now(), text="", html="")
                document.comment_count = max(0, document.comment_count - emptied)
                changed = changed or bool(emptied)
            hers = list(document.versions.filter(uploaded_by_id=user_id))
            if hers and not document.versions.exclude(uploaded_by_id=user_id).exists():
                count += len(hers)
                _tombstone(document, room)
                continue
            if hers:
                stored = [name for version in hers
                          for name in (version.file.name, version.preview.name) if name]
                Version.objects.filter(pk__in=[v.pk for v in hers]).delete()
                latest = document.versions.order_by("-number").first()
                if latest is not None:
                    document.name = latest.name
                    document.search_text = searchable_text(latest.name, latest.text)
                transaction.on_commit(lambda stored=stored: _discard_all(stored))  # type: ignore[misc]
                count += len(hers)
                changed = True
            if changed:
                document.rev = room_services.rev_take(room=room)
                document.updated_at = timezone.now()
                document.save(update_fields=["name", "search_text", "comment_count", "rev",
                                             "updated_at"])
                publish_change(document)
    return count


MAX_COMMENT_CHARS = 5_000


def _members_by_name(room: Room) -> dict[str, tuple[int, str]]:
    """Casefolded name -> (id, name) of the room's active members: who @**Name** can reach."""
    return {user.name.casefold(): (user.pk, user.name) for user in
            User.objects.filter(memberships__room=room, is_active=True)}


def comment_add(*, user: User, document_id: int, text: object) -> Comment:
    """A comment on a document, Markdown with @**Name** mentions of the room's members;
    each member it mentions is told, unless a block stands between them."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_("A comment cannot be empty."))
    text = text.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError(_("A comment has at most %(max)d characters.")
                              % {"max": MAX_COMMENT_CHARS})
    document = permissions.access_document(user, document_id)
    if not permissions.can_comment(user, document):
        raise PermissionDenied(_("You cannot comment on this document."))
    ratelimit_hit(f"documents.comment:{user.pk}", limit=settings.DOCUMENTS_COMMENT_LIMIT,
                  per_seconds=60)
    with transaction.atomic():
        room = room_services.room_lock(room_id=document.room_id)
        document = Document.objects.select_for_update().get(pk=document.pk)
        document.room = room
        if not permissions.can_comment(user, document):
            raise PermissionDenied(_("You cannot comment on this document."))
        html, mentioned = rendering.render(
            text, _members_by_name(room) if "@**" in text else None)
        comment = Comment.objects.create(document=document, author=user, text=text, html=html)
        document.comment_count += 1
        document.rev = room_services.rev_take(room=room)
        document.save(update_fields=["comment_count", "rev"])
        publish_change(document)
        url = f"/documents/{document.pk}/#comment-{comment.pk}"
        for member in User.objects.filter(pk__in=set(mentioned) - {user.pk}, is_active=True):
            if not community_permissions.is_blocked_between(user, member):
                hooks.mentioned(member, user, document.name, url)
    return comment


def comment_delete(*, user: User, comment_id: int) -> Comment:
    """The author, or the room's owners and moderators, delete a comment."""
    comment = Comment.objects.select_related("document").filter(
        pk=comment_id, deleted_at__isnull=True).first()
    if comment is None:
        raise Http404("No such comment.")
    document = permissions.access_document(user, comment.document_id)
    comment.document = document
    if not permissions.can_delete_comment(user, comment):
        raise PermissionDenied(_("You cannot delete this comment."))
    with transaction.atomic():
        room = room_services.room_lock(room_id=document.room_id)
        document = Document.objects.select_for_update().get(pk=document.pk)
        document.room = room
        updated = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), text="", html="")
        if updated:
            document.comment_count = max(0, document.comment_count - 1)
            document.rev = room_services.rev_take(room=room)
            document.save(update_fields=["comment_count", "rev"])
            publish_change(document)
    comment.refresh_from_db()
    return comment
