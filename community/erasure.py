""""Delete my account": asked with her password, erased after a grace period.

Asking signs her out everywhere at once: her account is made inactive, which Django's
session check and every socket's (`rooms.services.account_changed`, rung by the save
through `server.features`) refuse, so she can neither read nor post meanwhile. Signing in
again within `COHORT_ERASURE_GRACE_DAYS` cancels it (`community.adapters`), unless an
admin suspended her meanwhile: a suspension is never undone by signing in. After the
grace period, `manage.py privacy_sweep` erases her: each app's part (`community.my_data`)
erases what her user row's cascades would not (her messages as the community's policy
says, her documents' files, her words in reports), the audit log keeps its entries about
her under a pseudonym, and her user row is deleted, with every row that is hers alone.
The admins' log keeps who, when and how many of each kind, never what.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import audit, my_data
from community.models import (
    AccountDeletion,
    DataExport,
    ErasureRecord,
    MessagePolicy,
    RetentionPolicy,
    User,
)
from community.ratelimit import limit_member
from community.webhooks import events as webhook_events
from community.webhooks import services as webhook_services

log = logging.getLogger(__name__)


def grace_days() -> int:
    return int(settings.COHORT_ERASURE_GRACE_DAYS)


def policy() -> RetentionPolicy:
    return RetentionPolicy.objects.get_or_create(pk=1)[0]


def policy_set(*, actor: User, messages: str) -> RetentionPolicy:
    """An admin chooses what an erased member's messages become (audited)."""
    from community import permissions

    if not permissions.can_manage_retention(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if messages not in MessagePolicy.values:
        raise ValidationError(_("Choose one of the two policies."))
    with transaction.atomic():
        current = RetentionPolicy.objects.select_for_update().get_or_create(pk=1)[0]
        if current.messages == messages:
            return current
        before = current.messages
        current.messages, current.updated_at = messages, timezone.now()
        current.save(update_fields=["messages", "updated_at"])
        audit.audit_record(actor=actor, action="retention.messages", target=current,
                           before=before, after=messages)
    return current


def pseudonym(user_id: int) -> str:
    """The same name for her in every audit entry, that the database alone cannot undo."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"member:{user_id}".encode(),
                      hashlib.sha256).hexdigest()
    return f"former-member-{digest[:10]}"


def deletion_of(user: User) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user=user).first()


def account_delete_request(*, user: User, password: str) -> AccountDeletion:
    """Her password confirms it; she is signed out everywhere when this commits. Each ask
    counts (`account.delete` in COHORT_RATE_LIMITS), right password or not: past the limit,
    RateLimited, and her password is not even checked."""
    limit_member("account.delete", user)
    if not isinstance(password, str) or not password or not user.check_password(password):
        raise ValidationError(_("That is not your password. Nothing was changed."))
    now = timezone.now()
    with transaction.atomic():
        deletion, _created = AccountDeletion.objects.update_or_create(
            user=user, defaults={"requested_at": now,
                                 "erase_after": now + timedelta(days=grace_days())})
        user.is_active = False
        user.save(update_fields=["is_active"])  # rings her sockets (server.features)
        webhook_events.member_left(user, reason="deletion_requested", at=now)
    return deletion


def account_delete_cancel(*, user: User) -> bool:
    """She is back within the grace period (her password was checked by the sign-in):
    nothing is erased, her account is active again. False if nothing waited, if the
    grace period is over, or if an admin suspended her meanwhile (her account stays
    inactive: a deletion never undoes a suspension)."""
    with transaction.atomic():
        # Only within the grace period: once it is over, the sweep may be erasing her.
        deleted, _rows = AccountDeletion.objects.filter(
            user=user, erase_after__gt=timezone.now(), cancellable=True).delete()
        if not deleted:
            return False
        user.is_active = True
        user.save(update_fields=["is_active"])
    return True


def account_erase(*, user: User) -> ErasureRecord:
    """Erase her now: each part, then her audit entries' names, then her user row."""
    keep = policy().messages == MessagePolicy.KEEP
    deletion = deletion_of(user)
    requested_at = deletion.requested_at if deletion is not None else timezone.now()
    counts: dict[str, int] = {}
    for part in my_data.parts():
        counts[part.key] = len(part.rows(user))
        if part.erase is not None:
            part.erase(user, keep)
    name = pseudonym(user.pk)
    files = [e.stored for e in DataExport.objects.filter(user=user) if e.stored]
    profile = getattr(user, "profile", None)
    if profile is not None and profile.photo:
        files.append(profile.photo.name)
    with transaction.atomic():
        counts["audit_pseudonymised"] = audit.entries_pseudonymise(user, name)
        _task_results_delete(user)
        counts["webhook_deliveries"] = webhook_services.member_forget(user_id=user.pk,
                                                                      name=user.name)
        record = ErasureRecord.objects.create(
            name=user.name or user.email.split("@")[0], pseudonym=name,
            requested_at=requested_at, messages_policy=MessagePolicy.KEEP if keep
            else MessagePolicy.ERASE, counts=counts)
        webhook_events.member_left(user, reason="erased", at=timezone.now())
        user.delete()
        transaction.on_commit(lambda: _delete_files(files))
    log.info("account erased as %s", name)
    return record


def _task_results_delete(user: User) -> None:
    """The task queue's rows that carry her address (e-mails to her, kept after they ran
    until `prune_db_task_results`) go too; one running now finishes and is pruned later."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING).filter(
        args_kwargs__icontains=user.email).delete()


def _delete_files(names: list[str]) -> None:
    for stored in names:
        try:
            default_storage.delete(stored)
        except OSError:
            log.warning("could not delete %s", stored)


def erasures_due() -> int:
    """Erase every account whose grace period is over (the sweep); returns how many."""
    due = list(AccountDeletion.objects.select_related("user")
               .filter(erase_after__lte=timezone.now())[:50])
    for deletion in due:
        account_erase(user=deletion.user)
    return len(due)
