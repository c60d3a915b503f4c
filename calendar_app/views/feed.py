"""Her private feed (a secret URL calendar programs subscribe to), one event as .ics, and
her calendar settings page (feed and reminders).

The feed is read without a session (calendar programs have none): the secret in its URL
is the key. Its sha256 is looked up in one indexed query and compared in constant time
(calendar_app.permissions.access_feed), so a wrong token and a revoked one answer the
same 404 the same way. What it holds is asked of the permission layer at every read: a
member removed from a room no longer finds the room's events in it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from calendar_app import ics, ics_feed, permissions, selectors
from calendar_app.services import settings as calendar_settings
from community.models import User
from community.permissions import member_of

# Calendar programs read a feed again every few hours: nothing of it may be kept by a
# shared cache, and her browser need not keep it either.
NO_STORE = "private, no-store, max-age=0"


def _ics_response(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    kind = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A wrong, revoked or replaced secret: one fixed plain-text 404 (a calendar program
    shows no page, and the answer must not differ by so much as a token)."""
    try:
        owner = permissions.access_feed(calendar_settings.token_hash(token))
    except Http404:
        response = HttpResponseNotFound(b"Not found\n", content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = NO_STORE
        return response
    rows = selectors.feed_rows(owner)
    body = ics_feed.feed_bytes(rows, selectors.events_for_feed, reader=owner,
                          answers=selectors.answers_of(owner, rows), name=settings.SITE_NAME)
    return _ics_response(body, "calendar.ics", attachment=False)


@require_GET
def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    """One event for her calendar program (a download)."""
    viewer = member_of(request)
    event = permissions.access_event(viewer, event_id)
    event = selectors.room_events(event.room_id).get(pk=event.pk)
    cal = ics.calendar([event], reader=viewer,
                       answers={event.pk: selectors.answer_of(event, viewer)})
    return _ics_response(ics.to_bytes(cal), "event.ics", attachment=True)


def feed_url(token: str) -> str:
    return settings.BASE_URL + reverse("calendar_feed", args=[token])


def reminder_label(minutes: int) -> str:
    if minutes == 0:
        return _("When it starts")
    if minutes % 10080 == 0:
        weeks = minutes // 10080
        return ngettext("%(n)d week before", "%(n)d weeks before", weeks) % {"n": weeks}
    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(n)d day before", "%(n)d days before", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour before", "%(n)d hours before", hours) % {"n": hours}
    return ngettext("%(n)d minute before", "%(n)d minutes before", minutes) % {"n": minutes}


def _page(request: HttpRequest, viewer: User, *, token: str = "",
          status: int = 200, typed: set[int] | None = None) -> HttpResponse:
    """`typed`: the reminders she ticked in a form that was refused, shown again."""
    row = calendar_settings.member_calendar_get(viewer)
    chosen = typed if typed is not None else set(row.reminders or [])
    url = feed_url(token) if token else ""
    return render(request, "calendar_app/settings.html", {
        "row": row, "has_feed": bool(row.feed_token_hash), "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[-1] if url else "",
        "reminder_choices": [{"minutes": m, "label": reminder_label(m), "checked": m in chosen}
                             for m in calendar_settings.REMINDER_CHOICES],
        "max_reminders": calendar_settings.MAX_REMINDERS,
    }, status=status)


@never_cache
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    viewer = member_of(request)
    if not permissions.can_have_feed(viewer):
        raise PermissionDenied
    return _page(request, viewer)


@never_cache
@require_POST
def feed_token(request: HttpRequest) -> HttpResponse:
    """Make (or make again) or revoke her feed's secret. A new one is shown on the page
    this answers with, once: only its hash is kept."""
    viewer = member_of(request)
    action = request.POST.get("action", "")
    if action == "make":
        token = calendar_settings.feed_token_make(user=viewer)
        messages.success(request, _("Your new calendar feed is ready. Copy its address now: "
                                    "it is shown only this once. Any older address stops "
                                    "working."))
        return _page(request, viewer, token=token)
    if action == "revoke":
        calendar_settings.feed_token_revoke(user=viewer)
        messages.success(request, _("Your calendar feed is turned off: its address no "
                                    "longer works."))
        return redirect("calendar_settings")
    messages.error(request, _("Choose to make a new feed address or to turn it off."))
    return _page(request, viewer, status=400)


@require_POST
def reminders(request: HttpRequest) -> HttpResponse:
    viewer = member_of(request)
    try:
        calendar_settings.reminders_set(user=viewer, minutes=request.POST.getlist("minutes"),
                                        email=request.POST.get("email") == "on")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        ticked = {int(m) for m in request.POST.getlist("minutes") if m.isdigit()}
        return _page(request, viewer, status=400, typed=ticked)
    messages.success(request, _("Your reminders are saved."))
    return redirect("calendar_settings")
