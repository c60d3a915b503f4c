"""The admins' webhook pages under Manage: the list with the form to add one, and each
hook's page (its settings, secret, test event, delivery log and replay)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community import permissions
from community.models import User
from community.webhooks import services
from community.webhooks.events import EVENTS
from community.webhooks.forms import WebhookForm
from community.webhooks.models import Webhook, WebhookDelivery

LOG_PAGE = 50
SHOW_ONCE = "webhook_secret_once"  # the session key of a secret not yet shown


def _admin(request: HttpRequest) -> User:
    admin = permissions.member_of(request)
    if not permissions.can_manage_webhooks(admin):
        raise PermissionDenied
    return admin


def _errors_to_form(form: WebhookForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, item.messages)
    else:
        form.add_error(None, error.messages)


def _labels(hook: Webhook) -> list[str]:
    return [str(EVENTS[e]) for e in hook.events if e in EVENTS]


@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """Every hook, and the form to add one; the new hook's secret is shown on its page
    once, in the answer to this POST."""
    admin = _admin(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hook, secret = services.webhook_create(admin=admin, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The webhook is added."))
            return _show_secret_once(request, hook, secret)
    hooks = [(hook, _labels(hook)) for hook in Webhook.objects.all()]
    return render(request, "community/webhooks/list.html", {"form": form, "hooks": hooks},
                  status=400 if form.errors else 200)


def _detail(request: HttpRequest, hook: Webhook, *, secret: str = "",
            form: WebhookForm | None = None, status: int = 200) -> HttpResponse:
    if form is None:
        form = WebhookForm(editing=True, initial={
            "url": hook.url, "description": hook.description, "events": hook.events,
            "enabled": hook.enabled})
    log = hook.deliveries.all()
    page = Paginator(log, LOG_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "hook": hook, "secret": secret, "form": form, "page": page,
        "labels": _labels(hook), "waiting": log.filter(
            status__in=WebhookDelivery.WAITING).count(),
        "replayable": WebhookDelivery.DONE}
    return render(request, "community/webhooks/detail.html", context, status=status)


def _show_secret_once(request: HttpRequest, hook: Webhook, secret: str) -> HttpResponse:
    """Redirect to the hook's page, which shows the secret on its next view only (a reload
    of that page, or of the form, neither shows it again nor adds a second hook)."""
    request.session[SHOW_ONCE] = {"hook": hook.pk, "secret": secret}
    return redirect("webhook_detail", hook.pk)


@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, webhook_id: int) -> HttpResponse:
    admin = _admin(request)
    hook = get_object_or_404(Webhook, pk=webhook_id)
    if request.method == "GET":
        shown = request.session.pop(SHOW_ONCE, None)
        secret = shown["secret"] if shown and shown.get("hook") == hook.pk else ""
        return _detail(request, hook, secret=secret)
    form = WebhookForm(request.POST, editing=True)
    if form.is_valid():
        try:
            services.webhook_update(admin=admin, webhook=hook, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect("webhook_detail", hook.pk)
    return _detail(request, hook, form=form, status=400)


@require_POST
def webhook_action(request: HttpRequest, webhook_id: int) -> HttpResponse:
    """rotate (a new secret, shown once), test, resume, delete."""
    admin = _admin(request)
    hook = get_object_or_404(Webhook, pk=webhook_id)
    action = request.POST.get("action", "")
    try:
        if action == "rotate":
            secret = services.webhook_secret_rotate(admin=admin, webhook=hook)
            hook.refresh_from_db()
            messages.success(request, _("The secret is replaced: the old one no longer "
                                        "signs anything."))
            return _show_secret_once(request, hook, secret)
        if action == "test":
            delivery = services.webhook_test(admin=admin, webhook=hook)
            delivery.refresh_from_db()
            messages.success(request, _("A test event is sent: its result is in the log "
                                        "below (%(status)s).")
                             % {"status": delivery.get_status_display()})
        elif action == "resume":
            services.webhook_resume(admin=admin, webhook=hook)
            messages.success(request, _("The webhook is resumed: what waited is sent again."))
        elif action == "delete":
            services.webhook_delete(admin=admin, webhook=hook)
            messages.success(request, _("The webhook and its log are deleted."))
            return redirect("webhooks")
        else:
            messages.error(request, _("Unknown action: nothing was changed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("webhook_detail", hook.pk)


@require_POST
def delivery_replay(request: HttpRequest, webhook_id: int, delivery_id: int) -> HttpResponse:
    admin = _admin(request)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, webhook_id=webhook_id)
    try:
        again = services.delivery_replay(admin=admin, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        again.refresh_from_db()
        messages.success(request, _("The event is sent again (%(status)s).")
                         % {"status": again.get_status_display()})
    return redirect("webhook_detail", webhook_id)
