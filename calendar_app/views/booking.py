"""A mentor's hours ("My hours") and booking them ("Book a time"). Plain forms: every
action is a POST that redirects with a message, so the pages work without script. A
refusal says why and changes nothing (status 400 when the page is shown again)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calendar_app import availability, permissions, zones
from calendar_app.models import Booking
from calendar_app.services import booking as services
from community.models import User
from community.permissions import member_of

WEEKDAYS = ((0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")))
BLANK_ROWS = 3


def _attempt(request: HttpRequest, action: Callable[[], Any], done: str) -> bool:
    """Run a service; a message says what happened."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    except PermissionDenied:
        messages.error(request, _("You cannot do this."))
        return False
    messages.success(request, done)
    return True


def _windows_from(request: HttpRequest) -> list[dict[str, str]]:
    """The editor's rows (day, from, to); rows left empty are dropped."""
    rows = zip(request.POST.getlist("weekday"), request.POST.getlist("start"),
               request.POST.getlist("end"), strict=False)
    return [{"weekday": d, "start": s, "end": e} for d, s, e in rows
            if d.strip() or s.strip() or e.strip()]


def _bookings(user: User, **filters: Any) -> list[Booking]:
    return list(Booking.objects.filter(status=Booking.Status.BOOKED, **filters)
                .select_related("mentor", "booker", "event").order_by("starts_at"))


@require_http_methods(["GET", "POST"])
def hours_page(request: HttpRequest) -> HttpResponse:
    """Her settings, weekly hours, exceptions, and the bookings of her time."""
    mentor = member_of(request)
    if not permissions.can_open_hours(mentor):
        raise Http404
    typed: list[dict[str, str]] | None = None  # weekly hours refused: shown as she typed
    if request.method == "POST":
        what = request.POST.get("action", "")
        if what == "windows" and not _attempt(request, lambda: services.windows_set(
                user=mentor, windows=_windows_from(request)), _("Your weekly hours are saved.")):
            typed = _windows_from(request)
        elif what == "settings":
            _attempt(request, lambda: services.booking_settings_update(
                user=mentor, data=request.POST), _("Your booking settings are saved."))
        elif what == "windows":
            pass  # saved above
        elif what == "exception_add":
            _attempt(request, lambda: services.exception_add(
                user=mentor, day=request.POST.get("date", ""),
                start=request.POST.get("start") or None, end=request.POST.get("end") or None),
                _("The exception is added."))
        elif what == "exception_remove":
            _attempt(request, lambda: services.exception_remove(
                user=mentor, exception_id=_id(request.POST.get("exception_id"))),
                _("The exception is removed."))
        else:
            messages.error(request, _("You cannot do this."))
        if typed is None:
            return redirect("calendar_hours")
    settings = services.booking_settings_get(mentor)
    where = zones.zone(settings.time_zone)
    now = timezone.now()
    windows = list(mentor.availability_windows.all())
    rows: list[dict[str, Any]] = typed if typed is not None else [
        {"weekday": w.weekday, "start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}"}
        for w in windows]
    for row in rows:  # the day select compares numbers
        row["weekday"] = _int_or_blank(row["weekday"])
    rows += [{"weekday": "", "start": "", "end": ""}] * BLANK_ROWS
    bookings = _bookings(mentor, mentor=mentor)
    return render(request, "calendar_app/hours.html", {
        "settings": settings, "saved": settings.pk is not None, "rows": rows,
        "weekdays": WEEKDAYS, "zone_names": zones.names(),
        "exceptions": mentor.availability_exceptions.filter(
            date__gte=timezone.localdate() - timedelta(days=1)),
        "upcoming": [b for b in bookings if b.starts_at > now],
        "past": [b for b in bookings if b.starts_at <= now and not b.outcome],
        "where": where, "viewer_zone": where,
    }, status=400 if typed is not None else 200)


def _int_or_blank(value: object) -> int | str:
    try:
        return int(str(value))
    except ValueError:
        return ""


def _id(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None


def _mentor_or_404(viewer: User, mentor_id: int) -> User:
    mentor = User.objects.filter(pk=mentor_id, is_active=True).select_related("profile").first()
    if mentor is None or not permissions.can_book(viewer, mentor):
        raise Http404
    return mentor


@require_http_methods(["GET", "POST"])
def book_page(request: HttpRequest, mentor_id: int) -> HttpResponse:
    """Her free times for the weeks ahead, in the booker's zone; a click books one."""
    booker = member_of(request)
    mentor = _mentor_or_404(booker, mentor_id)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            booking = services.book(booker=booker, mentor_id=mentor.pk,
                                    starts_at=request.POST.get("starts_at", ""))
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            status = 409 if refusal.code == availability.JUST_TAKEN else 400
        else:
            messages.success(request, _("Booked: %(title)s. You both have the invitation.")
                             % {"title": booking.event.title if booking.event else ""})
            assert booking.event_id is not None  # nosec B101  # a booking always has its event (narrows the type)
            return redirect(reverse("calendar_event", args=[booking.event_id]))
    settings = services.booking_settings_get(mentor)
    viewer_zone = zones.zone_of(booker)
    chosen = None
    if request.method == "GET" and request.GET.get("start"):
        # One step more before booking: a tap on a phone never books by mistake.
        try:
            chosen = availability.slot_check(
                mentor, services.parse_start(request.GET["start"]), settings=settings)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            status = 409 if refusal.code == availability.JUST_TAKEN else 400
    slots = availability.free_slots(mentor, settings=settings)
    now = timezone.now()
    mine = _bookings(booker, mentor=mentor, booker=booker)
    return render(request, "calendar_app/book.html", {
        "mentor": mentor, "settings": settings, "error": error, "chosen": chosen,
        "back": _mentorship_page(booker, mentor),
        "days": sorted(availability.by_day(slots, viewer_zone).items()),
        "viewer_zone": viewer_zone, "mentor_zone": settings.time_zone,
        "zones_differ": settings.time_zone != viewer_zone.key,
        "upcoming": [b for b in mine if b.starts_at > now],
        "past": [b for b in mine if b.starts_at <= now and not b.outcome],
    }, status=status)


@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    user = member_of(request)
    _attempt(request, lambda: services.booking_cancel(user=user, booking_id=booking_id),
             _("The booking is cancelled; you both have the cancellation."))
    return redirect(_back(request, user))


@require_POST
def booking_outcome(request: HttpRequest, booking_id: int) -> HttpResponse:
    user = member_of(request)
    outcome = request.POST.get("outcome", "")
    done = (_("Noted: it happened. It is in your mentorship's sessions.")
            if outcome == Booking.Outcome.HELD else _("Noted: it did not happen."))
    _attempt(request, lambda: services.outcome_set(user=user, booking_id=booking_id,
                                                   outcome=outcome), done)
    return redirect(_back(request, user))


def _mentorship_page(booker: User, mentor: User) -> str:
    """Where "Book a time" was reached from: their room, else her calendar."""
    way, room = permissions.booking_way(booker, mentor)
    return reverse("room", args=[room.pk]) if room is not None else reverse("calendar")


def _back(request: HttpRequest, user: User) -> str:
    """Where the form came from (a path on this site), else her hours or home."""
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return reverse("calendar_hours") if permissions.can_open_hours(user) else "/"
