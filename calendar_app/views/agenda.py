"""The agenda across her rooms, a room's calendar, one event's page and its forms.

Every page asks calendar_app.permissions now: a room or event she may not see is the one
404 of a missing one (admins who are not members included). Times are on her clock
(calendar_app.zones.zone_of), with the event's own clock beside them when it differs.
Forms re-show what she typed with the sentence fields.clean gave, and store nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calendar_app import (
    display,
    event_form,
    fields,
    permissions,
    recurrence,
    repeat,
    selectors,
    zones,
)
from calendar_app.models import Event, Rsvp
from calendar_app.services import answers as answer_services
from calendar_app.services import events as event_services
from community.models import User
from community.permissions import member_of
from community.ratelimit import RateLimited
from rooms import selectors as room_selectors
from rooms.models import Room

SCOPES = ("this", "following", "all")


def _anchor(request: HttpRequest, today: date) -> date:
    """The day a view shows, kept within the years events may take place in."""
    try:
        return fields.clamp_day(date.fromisoformat(request.GET.get("date", "")[:10]), today)
    except ValueError:
        return today


def _agenda_context(request: HttpRequest, viewer: User, *, room: Room | None,
                    default_view: str, views: tuple[str, ...]) -> dict[str, Any]:
    where = zones.zone_of(viewer)
    now = timezone.now()
    today = now.astimezone(where).date()
    view = request.GET.get("view", default_view)
    if view not in views:
        view = default_view
    period = display.period_of(view, _anchor(request, today))
    start, end = display.bounds(period, where)
    instances = selectors.agenda(viewer, start, end, room_id=room.pk if room else None)
    days = display.days_of(period, instances, where, now)

    # Another view of the same dates opens on today when today is among them.
    here = today if period.first <= today <= period.last else period.anchor

    def link(**params: Any) -> str:
        return "?" + urlencode({"view": params.get("view", view),
                                "date": params.get("day", here).isoformat()})

    return {
        "period": period, "days": days, "view": view, "views": views,
        "has_items": any(day.items for day in days),
        "weekdays": display.weekday_headers(period) if view in ("month", "week") else [],
        "previous_url": link(day=period.previous), "next_url": link(day=period.next),
        "today_url": link(day=today), "view_urls": [(v, link(view=v)) for v in views],
        "view_names": {"month": _("Month"), "week": _("Week"), "day": _("Day"),
                       "list": _("List")},
        "zone_name": where.key, "now": now, "show_room": room is None,
        "boot": {"user_id": viewer.pk, "room_id": room.pk if room else None},
    }


@require_http_methods(["GET", "HEAD"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Her agenda across every room she is in now."""
    viewer = member_of(request)
    context = _agenda_context(request, viewer, room=None, default_view="month",
                              views=display.VIEWS)
    context["can_open_hours"] = permissions.can_open_hours(viewer)
    return render(request, "calendar_app/calendar.html", context)


@require_http_methods(["GET", "HEAD"])
def room_calendar(request: HttpRequest, room_id: int) -> HttpResponse:
    """A room's Calendar tab: its occurrences (list or month) and a way to propose one."""
    viewer = member_of(request)
    room = permissions.access_room(viewer, room_id)
    context = _agenda_context(request, viewer, room=room, default_view="list",
                              views=("list", "month"))
    context.update({"room": room, "room_title": room_selectors.room_title(room, viewer),
                    "can_propose": permissions.can_propose(viewer, room)})
    return render(request, "calendar_app/room_calendar.html", context)


# --- One event --------------------------------------------------------------------------
def _occurrence(event: Event, key: str) -> recurrence.Instance | None:
    """The occurrence named by `key` (recurrence.Instance.key), or None for a key that
    names none (wrong event, no such time, cancelled)."""
    prefix, _sep, stamp = key.partition("-")
    if prefix != str(event.pk) or not stamp:
        return None
    try:
        recurrence_id = event_services.parse_recurrence_id(stamp)
    except ValidationError:
        return None
    return recurrence.instance_at(event, recurrence_id)


def _current(event: Event, now: datetime) -> recurrence.Instance | None:
    """The occurrence happening now or next; else (all in the past) the last one."""
    upcoming = recurrence.instances([event], now, now + timedelta(days=400), limit=1)
    if upcoming:
        return upcoming[0]
    earlier = recurrence.instances([event], event.starts_at - timedelta(days=1), now)
    return earlier[-1] if earlier else None


def _event(viewer: User, event_id: int) -> Event:
    event = permissions.access_event(viewer, event_id)
    # With its occurrences read once (recurrence.instances asks for them).
    return selectors.room_events(event.room_id).get(pk=event.pk)


@require_http_methods(["GET", "HEAD"])
def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    viewer = member_of(request)
    event = _event(viewer, event_id)
    where = zones.zone_of(viewer)
    now = timezone.now()
    key = request.GET.get("occurrence", "")
    chosen = _occurrence(event, key) if key else None
    if key and chosen is None:
        messages.info(request, _("That occurrence is no longer in the calendar."))
    instance = chosen or _current(event, now)
    item = display.shown(instance, where, now) if instance is not None else None
    can_edit = permissions.can_edit(viewer, event)
    upcoming = [display.shown(i, where, now) for i in recurrence.instances(
        [event], now, now + timedelta(days=400), limit=6)] if event.is_recurring else []
    answered = selectors.answers(event)
    return render(request, "calendar_app/event.html", {
        "event": event, "room": event.room,
        "room_title": room_selectors.room_title(event.room, viewer),
        "item": item, "chosen": chosen, "occurrence_key": chosen.key if chosen else "",
        "zone_name": where.key, "booked_by": selectors.booked_by(event),
        "rule_text": repeat.describe(event.rrule, zones.zone(event.time_zone)),
        "answers": [(value, label, answered[value]) for value, label in Rsvp.Answer.choices],
        "my_answer": selectors.answer_of(event, viewer),
        "can_answer": permissions.can_answer(viewer, event),
        "can_edit": can_edit,
        "not_answered": selectors.not_answered(event) if can_edit else [],
        "upcoming": upcoming, "now": now,
        "join_url": reverse("room", args=[event.room_id]) + "#call",
        "boot": {"user_id": viewer.pk, "room_id": event.room_id, "event_id": event.pk},
    })


def _form_page(request: HttpRequest, context: dict[str, Any], status: int = 200
               ) -> HttpResponse:
    context.setdefault("zone_names", zones.names())
    context.setdefault("repeats", [
        ("none", _("Does not repeat")), ("daily", _("Every day")),
        ("weekly", _("Every week")), ("biweekly", _("Every 2 weeks")),
        ("monthly_weekday", _("Every month on the same weekday (e.g. the 2nd Tuesday)")),
        ("monthly_date", _("Every month on the same date")), ("yearly", _("Every year")),
    ] + ([("custom", context["values"].get("rule_text") or _("As set before"))]
         if context["values"].get("repeat") == "custom" else []))
    return render(request, "calendar_app/event_form.html", context, status=status)


def _try(action: Callable[[], Any]) -> tuple[Any, str, int]:
    """Run a service: (result, "", 0) or (None, the sentence, the status)."""
    try:
        return action(), "", 0
    except ValidationError as error:
        return None, " ".join(error.messages), 400
    except RateLimited as error:
        return None, str(error), 429


@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = member_of(request)
    room = permissions.access_room(viewer, room_id)
    if not permissions.can_propose(viewer, room):
        raise PermissionDenied(_("You cannot add events to this room's calendar."))
    context: dict[str, Any] = {
        "room": room, "room_title": room_selectors.room_title(room, viewer), "scope": "",
        "action": reverse("calendar_event_new", args=[room.pk]),
        "back": reverse("room_calendar", args=[room.pk]),
        "values": event_form.values_new(zones.zone_name_of(viewer), timezone.now())}
    if request.method == "POST":
        event, error, status = _try(lambda: event_services.event_create(
            user=viewer, room_id=room.pk, data=event_form.data_from_post(request.POST)))
        if event is not None:
            messages.success(request, _("“%(title)s” is on the room's calendar.")
                             % {"title": event.title})
            return redirect("calendar_event", event.pk)
        context.update({"error": error, "values": event_form.values_posted(request.POST)})
        return _form_page(request, context, status)
    return _form_page(request, context)


def _scope(request: HttpRequest, event: Event) -> tuple[str, recurrence.Instance | None]:
    """The part of the event an edit or cancel is about: "all" (the whole event), or
    "this" / "following" with the occurrence they start at. Http404 for an occurrence
    that is not there."""
    scope = request.POST.get("scope") or request.GET.get("scope") or "all"
    if scope not in SCOPES:
        raise Http404("No such occurrence.")
    if scope == "all" or not event.is_recurring:
        return "all", None
    key = request.POST.get("occurrence") or request.GET.get("occurrence") or ""
    instance = _occurrence(event, key)
    if instance is None:
        raise Http404("No such occurrence.")
    return scope, instance


def _event_url(event: Event, key: str = "") -> str:
    url = reverse("calendar_event", args=[event.pk])
    return f"{url}?{urlencode({'occurrence': key})}" if key else url


@require_http_methods(["GET", "HEAD", "POST"])
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    viewer = member_of(request)
    event = _event(viewer, event_id)
    if not permissions.can_edit(viewer, event):
        raise PermissionDenied(_("You cannot change this event."))
    scope, instance = _scope(request, event)
    values = event_form.values_of(event, instance if scope == "this" else None)
    if scope == "following" and instance is not None:
        # The new series starts at that occurrence, on the event's clock.
        values.update({k: v for k, v in event_form.values_of(event, instance).items()
                       if k in ("start", "end", "start_day", "end_day")})
        if values.get("ends") == "after":  # what is left of the series, not all of it
            values["count"] = str(event_form.remaining_count(event, instance))
    values["rule_text"] = repeat.describe(event.rrule, zones.zone(event.time_zone))
    context: dict[str, Any] = {
        "event": event, "room": event.room,
        "room_title": room_selectors.room_title(event.room, viewer),
        "scope": scope, "instance": instance,
        "occurrence_key": instance.key if instance else "",
        "action": reverse("calendar_event_edit", args=[event.pk]),
        "back": _event_url(event, instance.key if instance else ""), "values": values}
    if request.method != "POST":
        return _form_page(request, context)
    post = request.POST

    def action() -> Event:
        data = event_form.data_from_post(post)
        if scope == "this" and instance is not None:
            event_services.occurrence_change(
                user=viewer, event_id=event.pk, recurrence_id=instance.recurrence_id,
                data={"title": data["title"], "start": data["start"], "end": data["end"]})
            return event
        if scope == "following" and instance is not None:
            return event_services.series_split(user=viewer, event_id=event.pk,
                                               recurrence_id=instance.recurrence_id, data=data)
        return event_services.event_update(user=viewer, event_id=event.pk, data=data)

    changed, error, status = _try(action)
    if changed is None:
        posted = event_form.values_posted(post)
        posted["rule_text"] = values["rule_text"]
        context.update({"error": error, "values": posted})
        return _form_page(request, context, status)
    messages.success(request, _("The event is changed."))
    return redirect(_event_url(changed, instance.key if scope == "this" and instance else ""))


@require_POST
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    viewer = member_of(request)
    event = _event(viewer, event_id)
    if not permissions.can_edit(viewer, event):
        raise PermissionDenied(_("You cannot change this event."))
    scope, instance = _scope(request, event)

    def action() -> Event | None:
        if scope == "this" and instance is not None:
            event_services.occurrence_cancel(user=viewer, event_id=event.pk,
                                             recurrence_id=instance.recurrence_id)
            return event
        if scope == "following" and instance is not None:
            return event_services.series_end(user=viewer, event_id=event.pk,
                                             recurrence_id=instance.recurrence_id)
        event_services.event_cancel(user=viewer, event_id=event.pk)
        return None

    kept, error, status = _try(action)
    if error:
        messages.error(request, error)
        return redirect(_event_url(event, instance.key if instance else ""))
    messages.success(request, _("Cancelled. The room's members are told."))
    if kept is not None:
        return redirect(_event_url(kept))
    return redirect("room_calendar", event.room_id)


@require_POST
def event_answer(request: HttpRequest, event_id: int) -> HttpResponse:
    viewer = member_of(request)
    event = permissions.access_event(viewer, event_id)
    key = request.POST.get("occurrence", "")
    _rsvp, error, _status = _try(lambda: answer_services.rsvp_set(
        user=viewer, event_id=event.pk, answer=request.POST.get("answer")))
    if error:
        messages.error(request, error)
    return redirect(_event_url(event, key if key.startswith(f"{event.pk}-") else ""))
