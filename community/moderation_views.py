"""The pages of reports and moderation: reporting an item, the moderation queue, one
report with its context and the decision, and a reported document's preview image."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import hooks, moderation, permissions
from community.models import Report
from community.ratelimit import RateLimited


def _room_of(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("room") or request.POST.get("room") or 0) or None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    """Report an item she sees: 404 for an item she may not see, as for a missing one."""
    viewer = permissions.member_of(request)
    room_id = _room_of(request)
    item = moderation.reported_item(viewer=viewer, kind=kind, item_id=item_id, room_id=room_id)
    errors: list[str] = []
    values = {"reason": "", "details": ""}
    status = 200
    if request.method == "POST":
        values = {"reason": request.POST.get("reason", ""),
                  "details": request.POST.get("details", "")}
        try:
            report, created = moderation.report_create(
                reporter=viewer, kind=kind, item_id=item_id, room_id=room_id,
                reason=values["reason"], details=values["details"])
        except ValidationError as error:
            errors, status = error.messages, 400
        except RateLimited as error:
            errors, status = [str(error)], 429
        else:
            return render(request, "community/moderation/report_sent.html", {
                "item": item, "report": report, "created": created})
    return render(request, "community/moderation/report_form.html", {
        "item": item, "kind": kind, "item_id": item_id, "room_id": room_id,
        "kind_label": Report.Kind(kind).label, "reasons": Report.Reason.choices,
        "values": values, "errors": errors}, status=status)


def _require_queue(request: HttpRequest) -> None:
    if not permissions.can_view_moderation_queue(permissions.member_of(request)):
        raise PermissionDenied


@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    _require_queue(request)
    viewer = permissions.member_of(request)
    decided = request.GET.get("show") == "decided"
    reports = list(moderation.queue(
        viewer, status="decided" if decided else Report.Status.OPEN))
    return render(request, "community/moderation/queue.html", {
        "reports": reports, "decided": decided,
        "show_reporter": permissions.can_see_reporter(viewer, Report()),
    })


@require_GET
def moderation_report(request: HttpRequest, report_id: int) -> HttpResponse:
    _require_queue(request)
    view = moderation.report_view(permissions.member_of(request), report_id)
    return render(request, "community/moderation/report.html", {
        "view": view, "report": view.report, "context": view.context,
        "mute_choices": list(moderation.MUTE_HOURS.items()),
    })


@require_POST
def moderation_decide(request: HttpRequest, report_id: int) -> HttpResponse:
    """Act on a report (any of hide, warn, mute, suspend) or dismiss it."""
    _require_queue(request)
    viewer = permissions.member_of(request)
    try:
        if request.POST.get("decision") == "dismiss":
            moderation.report_dismiss(moderator=viewer, report_id=report_id)
            messages.success(request, _("Report dismissed. The reporter is told: no action."))
        else:
            try:
                hours = int(request.POST["mute_hours"]) if request.POST.get("mute") else None
            except (KeyError, ValueError):
                raise ValidationError(_("Choose how long.")) from None
            moderation.report_decide(moderator=viewer, report_id=report_id,
                                     decision=moderation.Decision(
                                         hide=bool(request.POST.get("hide")),
                                         warn=bool(request.POST.get("warn")),
                                         note=request.POST.get("note", ""),
                                         mute_hours=hours,
                                         suspend=bool(request.POST.get("suspend"))))
            messages.success(request, _("Done. The reporter is told: action taken."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("moderation_report", report_id=report_id)
    return redirect("moderation_queue")


@require_GET
def moderation_preview(request: HttpRequest, report_id: int) -> HttpResponseBase:
    """A reported document's preview image, for who may read the report (an admin need
    not be in the room): the image alone, never the file itself."""
    _require_queue(request)
    report = permissions.access_report(permissions.member_of(request), report_id)
    reportable = hooks.REPORTABLE.get(report.kind)
    found = reportable.preview(report.item_id) if reportable and reportable.preview else None
    if found is None:
        raise Http404("No preview.")
    name, content_type = found
    try:
        handle = default_storage.open(name, "rb")
    except OSError:
        raise Http404("No preview.") from None
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
