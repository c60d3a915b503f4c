"""Every write about webhooks: the admins' changes, an event's deliveries, each attempt's
result, retries, pausing, replay.

An event's deliveries are written inside the transaction of the change it reports and
given to the worker when that transaction commits (`transaction.on_commit`): a change
rolled back leaves no delivery and sends nothing. The worker claims a delivery by moving
it from `queued` to `sending` in one UPDATE, so a delivery queued twice is sent once.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from community.audit import audit_record
from community.models import Role, User
from community.webhooks import events, sending
from community.webhooks.addresses import AddressRefused, resolve
from community.webhooks.models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

# Seconds before the next attempt after the 1st, 2nd, ... failure; the last repeats.
BACKOFF = (60, 300, 1800, 7200, 21600, 43200)
MAX_ATTEMPTS = 8  # about 33 hours of tries: the hook is paused (24 h) before the last
PAUSE_AFTER = timedelta(hours=24)
Status = WebhookDelivery.Status


def _require(admin: User) -> None:
    if not permissions.can_manage_webhooks(admin):
        raise PermissionDenied


def _secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _url_checked(url: str) -> str:
    try:
        resolve(url)
    except AddressRefused as refused:
        raise ValidationError({"url": str(refused)}) from None
    return url.strip()


def _events_checked(chosen: list[str]) -> list[str]:
    unknown = [e for e in chosen if e not in events.EVENTS]
    if unknown or not chosen:
        raise ValidationError({"events": _("Choose at least one of the events listed.")})
    return [e for e in events.EVENTS if e in chosen]


# --- The admins' changes ---------------------------------------------------------------

def webhook_create(*, admin: User, url: str, description: str, events: list[str]
                   ) -> tuple[Webhook, str]:
    """Register a receiver; returns it with its secret, which is shown this once."""
    _require(admin)
    chosen = _events_checked(events)
    url = _url_checked(url)
    secret = _secret()
    with transaction.atomic():
        hook = Webhook.objects.create(url=url, description=description.strip()[:200],
                                      events=chosen, secret=secret, created_by=admin)
        audit_record(actor=admin, action="webhook.create", target=hook, url=url)
    return hook, secret


def webhook_update(*, admin: User, webhook: Webhook, url: str, description: str,
                   events: list[str], enabled: bool) -> Webhook:
    _require(admin)
    chosen = _events_checked(events)
    url = _url_checked(url) if url.strip() != webhook.url else webhook.url
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        hook.url, hook.description, hook.events = url, description.strip()[:200], chosen
        if enabled and not hook.enabled:  # what waited goes at the next sweep
            hook.deliveries.filter(status=Status.RETRYING).update(next_attempt_at=timezone.now())
        hook.enabled = enabled
        hook.save(update_fields=["url", "description", "events", "enabled"])
        audit_record(actor=admin, action="webhook.change", target=hook, enabled=enabled)
    return hook


def webhook_secret_rotate(*, admin: User, webhook: Webhook) -> str:
    """A new secret, at once: later attempts (retries included) are signed with it."""
    _require(admin)
    secret = _secret()
    with transaction.atomic():
        Webhook.objects.filter(pk=webhook.pk).update(secret=secret,
                                                     secret_rotated_at=timezone.now())
        audit_record(actor=admin, action="webhook.secret_rotate", target=webhook)
    return secret


def webhook_resume(*, admin: User, webhook: Webhook) -> Webhook:
    """Undo a pause: what waited is tried again at the next sweep."""
    _require(admin)
    now = timezone.now()
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        hook.paused_at, hook.failing_since = None, None
        hook.save(update_fields=["paused_at", "failing_since"])
        hook.deliveries.filter(status=Status.RETRYING).update(next_attempt_at=now)
        audit_record(actor=admin, action="webhook.change", target=hook, resumed=True)
    return hook


def webhook_delete(*, admin: User, webhook: Webhook) -> None:
    """The hook and its log go; an attempt under way finishes and is not recorded."""
    _require(admin)
    with transaction.atomic():
        audit_record(actor=admin, action="webhook.delete", target=webhook, url=webhook.url)
        webhook.delete()


# --- Events and deliveries --------------------------------------------------------------

def _body(event_id: uuid.UUID, event_type: str, data: dict[str, Any]) -> str:
    return json.dumps({"id": str(event_id), "type": event_type,
                       "created": timezone.now().isoformat(), "data": data},
                      ensure_ascii=False, separators=(",", ":"))


def _add(hook: Webhook, *, event_id: uuid.UUID, event_type: str, body: str,
         replay_of: WebhookDelivery | None = None) -> WebhookDelivery:
    """One delivery; dropped (and counted) when the hook has too many waiting already:
    the older ones keep their place."""
    now = timezone.now()
    waiting = hook.deliveries.filter(status__in=WebhookDelivery.WAITING).count()
    if waiting >= int(settings.COHORT_WEBHOOKS_PENDING_MAX):
        Webhook.objects.filter(pk=hook.pk).update(dropped=F("dropped") + 1)
        return WebhookDelivery.objects.create(
            webhook=hook, event_id=event_id, event_type=event_type, body=body,
            status=Status.DROPPED, replay_of=replay_of,
            error=_("Too many deliveries waiting for this hook: this one was not sent."))
    if hook.active:
        return WebhookDelivery.objects.create(
            webhook=hook, event_id=event_id, event_type=event_type, body=body,
            status=Status.QUEUED, queued_at=now, replay_of=replay_of)
    # Paused: it waits, and goes once an admin resumes the hook.
    return WebhookDelivery.objects.create(
        webhook=hook, event_id=event_id, event_type=event_type, body=body,
        status=Status.RETRYING, replay_of=replay_of)


def _enqueue_after_commit(deliveries: list[WebhookDelivery]) -> None:
    ids = [d.pk for d in deliveries if d.status == Status.QUEUED]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from community.webhooks.tasks import delivery_send

    for pk in ids:
        delivery_send.enqueue(delivery_id=pk)


def event_emit(*, event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery per enabled hook that asked for `event_type`, inside the caller's
    transaction; the worker is given them after commit."""
    hooks = [h for h in Webhook.objects.filter(enabled=True) if event_type in h.events]
    if not hooks:
        return []
    event_id = uuid.uuid4()
    body = _body(event_id, event_type, data)
    with transaction.atomic():
        made = [_add(h, event_id=event_id, event_type=event_type, body=body) for h in hooks]
    _enqueue_after_commit(made)
    return made


def webhook_test(*, admin: User, webhook: Webhook) -> WebhookDelivery:
    """"Send test event": a `ping` to this hook alone, whatever events it asked for."""
    _require(admin)
    if not webhook.active:
        raise ValidationError(_("Turn the webhook on (or resume it) to send a test event."))
    event_id = uuid.uuid4()
    with transaction.atomic():
        delivery = _add(webhook, event_id=event_id, event_type=events.PING,
                        body=_body(event_id, events.PING,
                                   {"webhook": {"id": webhook.pk}, "sent_by": admin.pk}))
    _enqueue_after_commit([delivery])
    return delivery


def delivery_replay(*, admin: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new attempt of a delivered, failed or dropped event: a new delivery with the same
    event id and body (signed anew when it is sent), so the receiver can tell it has it."""
    _require(admin)
    if delivery.status not in WebhookDelivery.DONE:
        raise ValidationError(_("This delivery is still being tried: wait for its result."))
    hook = delivery.webhook
    if not hook.active:
        raise ValidationError(_("Turn the webhook on (or resume it) to send this again."))
    with transaction.atomic():
        again = _add(hook, event_id=delivery.event_id, event_type=delivery.event_type,
                     body=delivery.body, replay_of=delivery)
    _enqueue_after_commit([again])
    return again


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure, with up to a fifth more of jitter, so
    the receivers that were down together are not all called again at once."""
    base = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return timedelta(seconds=base + secrets.randbelow(base // 5 + 1))


def delivery_attempt(*, delivery_id: int) -> str:
    """Claim the delivery, send it, record the result (the worker's task). Returns its
    status after, or "skipped" when it was not (or no longer) queued for an active hook."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.QUEUED, webhook__enabled=True,
        webhook__paused_at__isnull=True,
    ).update(status=Status.SENDING, last_attempt_at=now)
    if not claimed:
        # Its hook was turned off or paused since: it waits, and goes once it is back.
        WebhookDelivery.objects.filter(pk=delivery_id, status=Status.QUEUED).filter(
            Q(webhook__enabled=False) | Q(webhook__paused_at__isnull=False),
        ).update(status=Status.RETRYING, next_attempt_at=now)
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    hook = delivery.webhook
    outcome = sending.post(url=hook.url, secret=hook.secret, event_id=str(delivery.event_id),
                           event_type=delivery.event_type, body=delivery.body.encode())
    return _record(delivery, outcome)


def _record(delivery: WebhookDelivery, outcome: sending.Outcome) -> str:
    now = timezone.now()
    attempts = delivery.attempts + 1
    if outcome.delivered:
        status, next_at = Status.DELIVERED, None
    elif outcome.retry and attempts < MAX_ATTEMPTS:
        wait = max(backoff(attempts), timedelta(seconds=outcome.retry_after or 0))
        status, next_at = Status.RETRYING, now + wait
    else:
        status, next_at = Status.FAILED, None
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=status, attempts=attempts, next_attempt_at=next_at,
            response_code=outcome.status, duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt[:sending.EXCERPT_BYTES],
            error=outcome.error[:500])
        if not updated:  # deleted meanwhile, or taken back by the sweep as stuck
            return "skipped"
        hooks = Webhook.objects.filter(pk=delivery.webhook_id)
        if outcome.delivered:
            hooks.exclude(failing_since=None).update(failing_since=None)
        else:
            hooks.filter(failing_since=None).update(failing_since=now)
            pause_if_failing(webhook_id=delivery.webhook_id, now=now)
    return str(status)


def pause_if_failing(*, webhook_id: int | None = None, now: datetime | None = None) -> int:
    """Pause every hook (or this one) whose deliveries have all failed for 24 hours, and
    tell the admins by e-mail once. Returns how many were paused."""
    now = now or timezone.now()
    due = Webhook.objects.filter(paused_at=None, enabled=True,
                                 failing_since__lte=now - PAUSE_AFTER)
    if webhook_id is not None:
        due = due.filter(pk=webhook_id)
    paused = 0
    for hook in list(due):
        with transaction.atomic():
            if not Webhook.objects.filter(pk=hook.pk, paused_at=None).update(paused_at=now):
                continue
            paused += 1
            _admins_tell(hook)
    return paused


def _admins_tell(hook: Webhook) -> None:
    from community.tasks import email_send

    context = {"url": hook.url, "description": hook.description,
               "since": hook.failing_since.isoformat() if hook.failing_since else "",
               "link": settings.BASE_URL + reverse("webhook_detail", args=[hook.pk])}
    addresses = list(User.objects.filter(role=Role.ADMIN, is_active=True)
                     .values_list("email", flat=True))
    language = settings.LANGUAGE_CODE

    def send() -> None:
        for address in addresses:
            email_send.enqueue(to=address, template="community/email/webhook_paused",
                               context=context, language=language)

    transaction.on_commit(send)
    log.warning("webhook %s paused after 24 hours of failures", hook.pk)


def member_forget(*, user_id: int, name: str) -> int:
    """Her erasure reaches the webhook log: her name leaves every delivery's body (sent or
    waiting; a later attempt or replay sends it without). Inside the erasure's
    transaction; returns how many deliveries named her."""
    named = f'"id":{user_id},"name":{json.dumps(name, ensure_ascii=False)}'
    changed = 0
    for delivery in WebhookDelivery.objects.filter(body__contains=named).only("pk", "body"):
        delivery.body = delivery.body.replace(named, f'"id":{user_id}')
        delivery.save(update_fields=["body"])
        changed += 1
    return changed


# --- The sweep ---------------------------------------------------------------------------

SWEEP_BATCH = 500


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """One pass of `manage.py webhooks_sweep`: queue the retries that are due, take back
    attempts stuck in `sending` (a worker stopped mid-way) and deliveries whose task was
    lost, pause the hooks failing for 24 hours, prune the log. Returns counts."""
    now = now or timezone.now()
    limit = (float(settings.COHORT_WEBHOOKS_CONNECT_TIMEOUT)
             + float(settings.COHORT_WEBHOOKS_READ_TIMEOUT) + 60)
    stuck = WebhookDelivery.objects.filter(
        status=Status.SENDING, last_attempt_at__lt=now - timedelta(seconds=limit),
    ).update(status=Status.RETRYING, next_attempt_at=now)
    lost = list(WebhookDelivery.objects.filter(
        status=Status.QUEUED, queued_at__lt=now - timedelta(minutes=5),
        webhook__enabled=True, webhook__paused_at=None,
    ).values_list("pk", flat=True)[:SWEEP_BATCH])
    due = WebhookDelivery.objects.filter(
        status=Status.RETRYING, next_attempt_at__lte=now, webhook__enabled=True,
        webhook__paused_at=None).order_by("next_attempt_at")
    queued = []
    for pk in due.values_list("pk", flat=True)[:SWEEP_BATCH]:
        if WebhookDelivery.objects.filter(pk=pk, status=Status.RETRYING).update(
                status=Status.QUEUED, queued_at=now):
            queued.append(pk)
    WebhookDelivery.objects.filter(pk__in=lost).update(queued_at=now)
    _enqueue(queued + lost)
    paused = pause_if_failing(now=now)
    keep = timedelta(days=int(settings.COHORT_WEBHOOKS_KEEP_DAYS))
    pruned, _rows = WebhookDelivery.objects.filter(
        status__in=WebhookDelivery.DONE, created_at__lt=now - keep).delete()
    return {"retried": len(queued), "stuck": stuck, "lost": len(lost), "paused": paused,
            "pruned": pruned}
