""""Download my data": a registry of what each app holds of a member, and the zip built
from it by the task worker.

Each app says what it keeps of her as a `Part` (a key, a title, her rows as JSON-ready
dicts, her files, and how to erase what the account's deletion must erase), registered
from `server/features.py`: community knows no app above it, and an app added later adds
its part there. The zip holds one JSON file per part, the files under `files/<key>/`, a
`manifest.json` and a readable `index.html`.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import get_valid_filename

from community import hooks
from community.models import DataExport, User
from community.ratelimit import ratelimit_hit

log = logging.getLogger(__name__)
EXPORTS_PER_DAY = 5

Rows = Callable[[User], list[dict[str, Any]]]
Files = Callable[[User], list[tuple[str, str]]]  # (name in the zip, name in the storage)
Erase = Callable[[User, bool], int]  # (her, keep her messages) -> how many were erased


def _no_files(user: User) -> list[tuple[str, str]]:
    return []


@dataclass(frozen=True)
class Part:
    key: str  # the JSON file's name: `<key>.json`
    title: Promise
    rows: Rows
    files: Files = field(default=_no_files)
    # What the account's erasure does beyond deleting her user row (whose cascades take
    # every row that belongs to her alone): None when those cascades are all there is.
    erase: Erase | None = None


_parts: dict[str, Part] = {}


def register(part: Part) -> None:
    _parts[part.key] = part


def parts() -> list[Part]:
    return list(_parts.values())


def export_days() -> int:
    return int(settings.COHORT_EXPORT_DAYS)


def plain(value: Any) -> Any:
    """A value as JSON writes it: times in ISO 8601, other objects as text, lists and
    dicts (a goal's milestones) value by value."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def safe_name(name: str, fallback: str) -> str:
    """A name for a file inside the zip: no folder part, nothing a file system refuses."""
    try:
        return get_valid_filename(name.replace("/", "_").replace("\\", "_"))[:120] or fallback
    except SuspiciousFileOperation:  # Django refuses "", "." and ".."
        return fallback


def export_request(*, user: User, language: str) -> DataExport:
    """Queue a new export, unless one is being prepared already (then that one). Its
    titles and index page are written in `language`, the page's she asked from. At most
    `EXPORTS_PER_DAY` a day: each reads everything she has (RateLimited past it)."""
    ratelimit_hit(f"my_data.export:{user.pk}", limit=EXPORTS_PER_DAY, per_seconds=86400)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = DataExport.objects.filter(user=user, state=DataExport.State.PENDING).first()
        if pending is not None:
            return pending
        export = DataExport.objects.create(user=user)
        from community import tasks

        transaction.on_commit(lambda: tasks.my_data_export.enqueue(export_id=export.pk,
                                                                   language=language),
                              robust=True)
    return export


def export_latest(user: User) -> DataExport | None:
    """Her newest export still offered (or being prepared), for her settings page."""
    now = timezone.now()
    for export in DataExport.objects.filter(user=user)[:5]:
        if export.state != DataExport.State.READY or (export.expires_at or now) > now:
            return export
    return None


def export_build(*, export_id: int, language: str) -> str:
    """Write the zip of an export still pending and offer it; returns its state."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.state != DataExport.State.PENDING:
        return export.state if export else "gone"
    user = export.user
    now = timezone.now()
    try:
        with tempfile.TemporaryFile() as handle:
            _write_zip(handle, user, now, language)
            handle.seek(0)
            stored = default_storage.save(f"exports/{user.pk}/{secrets.token_hex(16)}.zip",
                                          File(handle))
            size = default_storage.size(stored)
    except Exception:
        # She sees "could not be prepared" and may ask again, instead of waiting forever.
        log.exception("data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id, state=DataExport.State.PENDING).update(
            state=DataExport.State.FAILED)
        raise
    with transaction.atomic():
        current = DataExport.objects.select_for_update().filter(
            pk=export_id, state=DataExport.State.PENDING).first()
        if current is None:  # erased meanwhile
            transaction.on_commit(lambda: default_storage.delete(stored))
            return "gone"
        older = [name for name in DataExport.objects.filter(user=user).exclude(pk=export_id)
                 .values_list("stored", flat=True) if name]
        DataExport.objects.filter(user=user).exclude(pk=export_id).delete()
        current.state = DataExport.State.READY
        current.stored, current.size = stored, size
        current.ready_at = timezone.now()
        current.expires_at = current.ready_at + timedelta(days=export_days())
        current.save(update_fields=["state", "stored", "size", "ready_at", "expires_at"])
        hooks.export_ready(current)
        transaction.on_commit(lambda: _delete_all(older))
    return current.state


def _delete_all(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _write_zip(handle: Any, user: User, now: Any, language: str) -> None:
    import zipfile

    sections = []
    manifest: dict[str, Any] = {
        "site": settings.SITE_NAME, "member_id": user.pk, "generated_at": now.isoformat(),
        "parts": [],
    }
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts():
            with translation.override(language):  # names of choices and sentences
                rows = [{key: plain(value) for key, value in row.items()}
                        for row in part.rows(user)]
            archive.writestr(f"{part.key}.json",
                             json.dumps(rows, indent=2, ensure_ascii=False, sort_keys=False))
            names = []
            for index, (name, stored) in enumerate(part.files(user), start=1):
                inside = f"files/{part.key}/{index}-{safe_name(name, 'file')}"
                try:
                    with default_storage.open(stored, "rb") as source, \
                            archive.open(inside, "w") as target:
                        shutil.copyfileobj(source, target)
                except FileNotFoundError:  # deleted meanwhile
                    continue
                names.append(inside)
            with translation.override(language):
                title = str(part.title)
            manifest["parts"].append({"key": part.key, "title": title, "file": f"{part.key}.json",
                                      "count": len(rows), "files": names})
            columns = list(dict.fromkeys(key for row in rows for key in row))
            sections.append({"key": part.key, "title": title, "columns": columns,
                             "rows": [[(c, _cell(row.get(c))) for c in columns] for row in rows],
                             "files": names})
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        with translation.override(language):
            page = render_to_string("community/my_data/index.html", {
                "site_name": settings.SITE_NAME, "member": user, "generated_at": now,
                "sections": sections})
        archive.writestr("index.html", page)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def exports_expired_delete() -> int:
    """Delete every export past its time, its file first (the sweep)."""
    now = timezone.now()
    expired = list(DataExport.objects.filter(expires_at__lte=now))
    for export in expired:
        if export.stored:
            default_storage.delete(export.stored)
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    # An export the worker never finished (a day is long enough) is dropped too.
    stale = DataExport.objects.filter(state__in=[DataExport.State.PENDING,
                                                 DataExport.State.FAILED],
                                      requested_at__lte=now - timedelta(days=1))
    return len(expired) + stale.delete()[0]


# Community's own parts: her profile and photo, and what the audit log says about her.

PROFILE_SKIPPED = {"id", "user", "photo", "search_a", "search_b", "search_c", "city_key",
                   "want_words", "offer_words", "want_found", "offer_found", "want_found_ids",
                   "offer_found_ids", "search_vector"}


def profile_rows(user: User) -> list[dict[str, Any]]:
    row: dict[str, Any] = {"name": user.name, "email": user.email, "role": user.role,
                           "joined": user.date_joined, "last_sign_in": user.last_login}
    profile = getattr(user, "profile", None)
    if profile is not None:
        for model_field in profile._meta.get_fields():
            if model_field.name in PROFILE_SKIPPED or not getattr(model_field, "concrete", False):
                continue
            if model_field.many_to_many:
                row[model_field.name] = [str(t) for t in getattr(profile, model_field.name).all()]
            else:
                row[model_field.name] = getattr(profile, model_field.name)
        row["photo"] = bool(profile.photo)
    return [row]


def photo_files(user: User) -> list[tuple[str, str]]:
    profile = getattr(user, "profile", None)
    if profile is None or not profile.photo:
        return []
    return [("photo.jpg", profile.photo.name)]


# Entries about her that would tell her what is another member's to keep: who blocked her
# (a block is never told to the member blocked), and which moderator acted on a report
# about her and for what reason (she was told each action, never by whom).
BLOCK_ACTIONS = ("member.block", "member.unblock")
MODERATION_PREFIX = "moderation."


def audit_rows(user: User) -> list[dict[str, Any]]:
    """The audit entries about her: in full where she is the actor; a moderation step
    about her as its action's name alone; nobody else's block of her."""
    from community import audit

    rows = []
    for line in audit.audit_lines(audit.entries_about(user)):
        entry = line.entry
        hers = entry.actor_id == user.pk
        if entry.action in BLOCK_ACTIONS and not hers:
            continue
        what, reason = line.sentence, entry.reason
        if entry.action.startswith(MODERATION_PREFIX) and not hers:
            action = audit.action_for(entry.action)
            what, reason = (str(action.label) if action else entry.action), ""
        rows.append({"when": entry.created_at, "action": entry.action, "what": what,
                     "reason": reason})
    return rows


# Reports: those she sent (never who decided them); a report about her is not hers to read.

def report_rows(user: User) -> list[dict[str, Any]]:
    from community.models import Report

    return [{"kind": report.get_kind_display(), "reason": report.get_reason_display(),
             "details": report.details, "status": report.get_status_display(),
             "sent": report.created_at, "decided": report.decided_at}
            for report in Report.objects.filter(reporter=user).order_by("created_at", "pk")]


def reports_erase(user: User, keep_messages: bool) -> int:
    """What she wrote in the reports she sent, and what the reports about her kept of her
    (her name, her words), and the warnings' words to her, are blanked: the reports stay
    for the community's record, with their kind, reason, status and dates."""
    from community.models import ModerationAction, Report

    with transaction.atomic():
        count = Report.objects.filter(reporter=user).update(details="")
        count += Report.objects.filter(reported=user).update(label="", excerpt="")
        ModerationAction.objects.filter(member=user).update(note="")
    return count
