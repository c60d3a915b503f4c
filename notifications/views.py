"""The notification centre, its preferences, and a small JSON view for the badge."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from community.permissions import member_of
from notifications import kinds, permissions, selectors, services
from rooms import selectors as room_selectors
from rooms import services as room_services


@require_http_methods(["GET", "POST"])
def centre(request: HttpRequest) -> HttpResponse:
    user = member_of(request)
    if request.method == "POST":
        services.notifications_read(user=user)
        return redirect("notifications")
    minute_ago = timezone.now() - timedelta(minutes=1)  # "just now", not "0 minutes ago"
    items = [(n, kinds.render(n.kind, n.params), n.created_at > minute_ago)
             for n in selectors.notification_list(user)]
    return render(request, "notifications/centre.html", {"items": items})


@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and go where it points (only to a path on this site)."""
    user = member_of(request)
    notification = get_object_or_404(
        permissions.notifications_visible_to(user), pk=notification_id)
    services.notifications_read(user=user, ids=[notification.pk])
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None)
    return redirect(notification.url if notification.url and safe else "notifications")


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind: in the app, by e-mail; the missed-message delay; her muted rooms."""
    user = member_of(request)
    table = selectors.preference_table(user)
    rooms = room_selectors.mute_list(user)
    delay = selectors.missed_after_minutes(user)
    if request.method == "POST":
        values = {str(row["code"]): (f"{row['code']}:in_app" in request.POST,
                                f"{row['code']}:email" in request.POST) for row in table}
        try:  # absent: as it was
            chosen = int(request.POST.get("missed_after_minutes", delay))
        except ValueError:
            chosen = -1
        try:
            with transaction.atomic():
                services.preferences_update(viewer=user, member=user, values=values)
                services.settings_update(viewer=user, member=user, missed_after_minutes=chosen)
                muted = set(request.POST.getlist("muted"))
                for room in rooms:
                    if (str(room["id"]) in muted) != room["muted"]:
                        room_services.room_mute(user=user, room=room["room"],
                                                muted=not room["muted"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notification_preferences")
    delays = [(minutes, _delay_label(minutes)) for minutes in services.MISSED_DELAYS]
    return render(request, "notifications/preferences.html", {
        "table": table, "rooms": rooms, "delay": delay, "delays": delays})


def _delay_label(minutes: int) -> str:
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
