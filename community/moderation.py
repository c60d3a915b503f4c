"""Reports and moderation: a member reports what she saw; the room's moderators and the
community's admins review it and act.

Who sees what:
- the reporter: her report and its outcome ("action taken" or "no action"), never the
  moderator's name;
- the reported member: what was done (hidden, warned, muted until, suspended), never who
  reported, nor how many;
- a room's owners and moderators: the reports on items of their rooms (not those on
  themselves), each with the least context it needs (a message with at most the two
  before and the two after it, a document's name and preview, a member's name); not the
  reporter's name;
- admins: every report, the reporter's name included, and suspending an account.

Community imports no room feature: each kind of item is resolved, shown and hidden by
the app that owns it, through `community.hooks` (wired in `server.features`). Every step
is in the audit log, in the transaction of the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import hooks, permissions
from community.audit import audit_record
from community.models import AccountDeletion, ModerationAction, Report, User
from community.ratelimit import ratelimit_hit
from community.webhooks import events as webhook_events

MAX_DETAILS_CHARS = 2000
EXCERPT_CHARS = 600
QUEUE_MAX = 200
# The lengths a moderator may mute a member for, in hours, with their labels.
MUTE_HOURS: dict[int, Any] = {
    1: gettext_lazy("1 hour"),
    24: gettext_lazy("1 day"),
    24 * 7: gettext_lazy("1 week"),
    24 * 30: gettext_lazy("30 days"),
}


# --- Profiles: community's own reportable item (registered in server.features with the rest) --

def profile_reported(viewer: User, item_id: int, room_id: int | None) -> hooks.ReportedItem | None:
    """A profile she may see, or that of a member she blocked or who blocked her (a block
    never stops a report)."""
    member = User.objects.select_related("profile").filter(pk=item_id, is_active=True).first()
    if member is None or not (permissions.can_view_profile(viewer, member)
                              or permissions.is_blocked_between(viewer, member)):
        return None
    profile = member.profile
    text = "\n".join(part for part in (profile.headline, profile.bio) if part)
    return hooks.ReportedItem(room_id=None, member_id=member.pk, label=member.name,
                              excerpt=text[:EXCERPT_CHARS],
                              url=reverse("profile_detail", args=[member.pk]))


def profile_context(item_id: int, room_id: int | None) -> dict[str, Any]:
    member = User.objects.select_related("profile").filter(pk=item_id).first()
    if member is None:
        return {"gone": True}
    profile = member.profile
    return {"name": member.name, "headline": profile.headline,
            "bio": profile.bio[:EXCERPT_CHARS], "pronouns": profile.pronouns,
            "photo_url": reverse("profile_photo", args=[member.pk]) if profile.photo else ""}



# --- Reporting ---------------------------------------------------------------------------------

def _item_key(kind: str, item_id: int, room_id: int | None) -> str:
    return f"{kind}:{room_id}:{item_id}" if kind == Report.Kind.MEMBER else f"{kind}:{item_id}"


def reported_item(*, viewer: User, kind: str, item_id: int,
                  room_id: int | None = None) -> hooks.ReportedItem:
    """What she would report, as she sees it now; Http404 for an unknown kind, a missing
    item and one she may not see alike."""
    reportable = hooks.REPORTABLE.get(kind)
    if reportable is None or not permissions.can_report(viewer):
        raise Http404
    if kind == Report.Kind.MEMBER and room_id is None:
        raise Http404
    item = reportable.resolve(viewer, item_id, room_id if kind == Report.Kind.MEMBER else None)
    if item is None:
        raise Http404
    return item


def report_create(*, reporter: User, kind: str, item_id: int, reason: str, details: str = "",
                  room_id: int | None = None) -> tuple[Report, bool]:
    """Her report, and True; or her open report of the same item, and False (one open
    report per member and item: sending it twice adds nothing).

    The room's moderators (or, for a profile, the admins) are told a report waits, never
    by whom. Bad input raises ValidationError and stores nothing; past
    COHORT_REPORT_LIMIT reports in COHORT_REPORT_WINDOW seconds, RateLimited."""
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if not isinstance(details, str) or len(details) > MAX_DETAILS_CHARS:
        raise ValidationError({"details": _("At most %(max)d characters.")
                                          % {"max": MAX_DETAILS_CHARS}})
    details = details.strip()
    if reason == Report.Reason.OTHER and not details:
        raise ValidationError({"details": _("Say what happened.")})
    item = reported_item(viewer=reporter, kind=kind, item_id=item_id, room_id=room_id)
    if item.member_id == reporter.pk:
        raise ValidationError(_("You cannot report yourself or what you shared."))
    key = _item_key(kind, item_id, item.room_id)
    existing = Report.objects.filter(reporter=reporter, item=key,
                                     status=Report.Status.OPEN).first()
    if existing is not None:
        return existing, False
    ratelimit_hit(f"report:{reporter.pk}", limit=settings.COHORT_REPORT_LIMIT,
                  per_seconds=settings.COHORT_REPORT_WINDOW)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter, reported_id=item.member_id, kind=kind, item=key,
                item_id=item_id, room_id=item.room_id, label=item.label[:200],
                excerpt=item.excerpt[:EXCERPT_CHARS], reason=reason, details=details)
            audit_record(actor=reporter, action="report.create", target=report,
                         kind=kind, reason_code=reason)
            _tell_moderators(report)
    except IntegrityError:  # the same report sent twice at once
        return Report.objects.get(reporter=reporter, item=key, status=Report.Status.OPEN), False
    return report, True


def _tell_moderators(report: Report) -> None:
    """Inside the report's transaction: the room's owners and moderators, or (a profile,
    a room with none but the reporters or the member reported) the admins; never the
    member reported nor anyone who reported the item and waits, who may not decide it."""
    moderation = hooks.room_moderation()
    parties = {report.reported_id, *Report.objects.filter(
        item=report.item, status=Report.Status.OPEN).values_list("reporter_id", flat=True)}
    ids: set[int] = set()
    if report.room_id is not None and moderation is not None:
        ids = set(moderation.room_moderator_ids(report.room_id)) - parties
    recipients = list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk")[:50])
    if not recipients:
        recipients = list(permissions.admins().exclude(
            pk__in=[pk for pk in parties if pk is not None]).order_by("pk")[:50])
    url = reverse("moderation_report", args=[report.pk])
    for member in recipients:
        hooks.moderation_notice(member, "report_received",
                                {"kind": str(report.get_kind_display()),
                                 "reason": str(report.get_reason_display())}, url)


# --- Reading the queue -----------------------------------------------------------------------

def queue(viewer: User, *, status: str = Report.Status.OPEN) -> QuerySet[Report]:
    """The reports she may review, oldest open first (decided ones: latest first)."""
    reports = permissions.reports_visible_to(viewer).select_related("reported", "reporter")
    if status == Report.Status.OPEN:
        return reports.filter(status=Report.Status.OPEN).order_by("created_at", "pk")[:QUEUE_MAX]
    return reports.exclude(status=Report.Status.OPEN).order_by("-decided_at", "-pk")[:QUEUE_MAX]


@dataclass(frozen=True)
class ReportView:
    report: Report
    context: dict[str, Any]
    others: int  # other open reports of the same item
    show_reporter: bool
    can_act: bool
    can_hide: bool
    can_mute: bool
    can_suspend: bool
    actions: list[ModerationAction]
    show_excerpt: bool  # what was reported differs from what the item says now


def report_view(viewer: User, report_id: int) -> ReportView:
    """One report with the least context its item needs (Http404 if she may not read
    it). The context comes from the app owning the item and says nothing more."""
    report = permissions.access_report(viewer, report_id)
    reportable = hooks.REPORTABLE.get(report.kind)
    context = reportable.context(report.item_id, report.room_id) if reportable else {}
    can_act = permissions.can_act_on_report(viewer, report)
    return ReportView(
        report=report, context=context,
        others=Report.objects.filter(item=report.item, status=Report.Status.OPEN)
        .exclude(pk=report.pk).count(),
        show_reporter=permissions.can_see_reporter(viewer, report),
        can_act=can_act,
        can_hide=can_act and reportable is not None and reportable.hide is not None,
        can_mute=permissions.can_mute_in_room(viewer, report),
        can_suspend=can_act and permissions.can_suspend(viewer, report.reported),
        actions=list(report.actions.select_related("actor").order_by("created_at", "pk")),
        show_excerpt=bool(report.excerpt) and _changed_since(report, context))


def _changed_since(report: Report, context: dict[str, Any]) -> bool:
    """Whether the item no longer says what was reported (edited, hidden, gone)."""
    if context.get("gone"):
        return True
    if report.kind == Report.Kind.MESSAGE:
        line = next((line for line in context.get("lines", []) if line["reported"]), None)
        return line is None or line["text"] != report.excerpt
    if report.kind == Report.Kind.PROFILE:
        now = "\n".join(part for part in (context.get("headline"), context.get("bio")) if part)
        return now[:EXCERPT_CHARS] != report.excerpt
    return False


# --- Deciding --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    hide: bool = False
    warn: bool = False
    note: str = ""  # what the warning says to her
    mute_hours: int | None = None
    suspend: bool = False

    @property
    def empty(self) -> bool:
        return not (self.hide or self.warn or self.mute_hours or self.suspend)


def _checked(moderator: User, report: Report, decision: Decision) -> str:
    note = decision.note.strip() if isinstance(decision.note, str) else ""
    if len(note) > MAX_DETAILS_CHARS:
        raise ValidationError({"note": _("At most %(max)d characters.")
                                       % {"max": MAX_DETAILS_CHARS}})
    if decision.empty:
        raise ValidationError(_("Choose at least one action, or dismiss the report."))
    if decision.warn and not note:
        raise ValidationError({"note": _("Say what the warning is about.")})
    reportable = hooks.REPORTABLE.get(report.kind)
    if decision.hide and (reportable is None or reportable.hide is None):
        raise ValidationError(_("This kind of item cannot be hidden."))
    if decision.mute_hours is not None:
        if decision.mute_hours not in MUTE_HOURS:
            raise ValidationError({"mute_hours": _("Choose how long.")})
        if not permissions.can_mute_in_room(moderator, report):
            raise PermissionDenied(_("This report names no room to mute her in."))
    if decision.suspend and not permissions.can_suspend(moderator, report.reported):
        raise PermissionDenied(_("Only admins suspend accounts."))
    if (decision.warn or decision.mute_hours or decision.suspend) and report.reported is None:
        raise ValidationError(_("The member reported is no longer here."))
    return note


def _locked_open(moderator: User, report_id: int) -> Report:
    """The report, locked, if she may act on it; Http404 if she may not read it."""
    visible = permissions.access_report(moderator, report_id)
    report = (Report.objects.select_for_update(of=("self",)).select_related("reported")
              .get(pk=visible.pk))
    if report.status != Report.Status.OPEN:
        raise ValidationError(_("This report was reviewed already."))
    return report


def report_decide(*, moderator: User, report_id: int, decision: Decision) -> Report:
    """Act on a report: any of hide the item, warn her, mute her in the room, suspend her
    account (admins). Every open report of the same item is closed with it and each
    reporter told "action taken"; the member reported is told of each action, never by
    whom it was reported."""
    with transaction.atomic():
        report = _locked_open(moderator, report_id)
        note = _checked(moderator, report, decision)
        member = report.reported
        room = {"room": report.label}
        if decision.hide:
            hide = hooks.REPORTABLE[report.kind].hide
            if hide is None:  # `_checked` refused it already; kept for the type checker
                raise ValidationError(_("This kind of item cannot be hidden."))
            hide(moderator, report.item_id)
            _record(report, moderator, ModerationAction.Kind.HIDE, member)
            audit_record(actor=moderator, action="moderation.hide", target=report,
                         member=member.email if member else "")
            if member is not None:
                hooks.moderation_notice(
                    member, "moderation_hidden" if report.kind == Report.Kind.MESSAGE
                    else "moderation_hidden_document", room)
        if decision.warn and member is not None:
            _record(report, moderator, ModerationAction.Kind.WARN, member, note=note)
            audit_record(actor=moderator, action="moderation.warn", target=report,
                         member=member.email)
            hooks.moderation_notice(member, "moderation_warning", {"note": note}, email=True)
        if decision.mute_hours and member is not None and report.room_id is not None:
            until = timezone.now() + timedelta(hours=decision.mute_hours)
            moderation = hooks.room_moderation()
            if moderation is None or not moderation.silence(report.room_id, member.pk, until):
                raise ValidationError(_("She is no longer in the room."))
            _record(report, moderator, ModerationAction.Kind.MUTE, member,
                    room_id=report.room_id, until=until)
            audit_record(actor=moderator, action="moderation.mute", target=report,
                         member=member.email, hours=decision.mute_hours)
            hooks.moderation_notice(member, "moderation_muted",
                                    {**room, "until": _when(until, member)}, email=True)
        if decision.suspend and member is not None:
            _record(report, moderator, ModerationAction.Kind.SUSPEND, member)
            audit_record(actor=moderator, action="moderation.suspend", target=report,
                         member=member.email)
            # Told first: the notification centre tells no deactivated member.
            hooks.moderation_notice(member, "account_suspended", {}, email=True)
            member.is_active = False
            # Through post_save (server.features): her open sockets close at once.
            member.save(update_fields=["is_active"])
            webhook_events.member_left(member, reason="suspended", at=timezone.now())
            # If she asked for her account's deletion, signing in no longer cancels it:
            # that would give back the account this suspension closes.
            AccountDeletion.objects.filter(user=member).update(cancellable=False)
        _close(report, moderator, Report.Status.ACTIONED)
    return report


def report_dismiss(*, moderator: User, report_id: int) -> Report:
    """No action: every open report of the same item is closed, each reporter told."""
    with transaction.atomic():
        report = _locked_open(moderator, report_id)
        _record(report, moderator, ModerationAction.Kind.DISMISS, report.reported)
        audit_record(actor=moderator, action="moderation.dismiss", target=report)
        _close(report, moderator, Report.Status.DISMISSED)
    return report


def _record(report: Report, moderator: User, kind: str, member: User | None, *,
            note: str = "", room_id: int | None = None,
            until: Any = None) -> ModerationAction:
    return ModerationAction.objects.create(report=report, kind=kind, actor=moderator,
                                           member=member, note=note, room_id=room_id,
                                           until=until)


def _close(report: Report, moderator: User, status: str) -> None:
    now = timezone.now()
    same = list(Report.objects.select_for_update().filter(item=report.item,
                                                          status=Report.Status.OPEN))
    Report.objects.filter(pk__in=[r.pk for r in same]).update(
        status=status, decided_at=now, decided_by=moderator)
    report.status, report.decided_at, report.decided_by = status, now, moderator
    kind = "report_actioned" if status == Report.Status.ACTIONED else "report_dismissed"
    reporters = User.objects.filter(pk__in={r.reporter_id for r in same if r.reporter_id})
    for reporter in reporters:
        hooks.moderation_notice(reporter, kind, {"kind": str(report.get_kind_display())})


def _when(moment: Any, member: User) -> str:
    """In her time zone, named: "2027-03-02 12:00 (America/Toronto)"."""
    zone_name = member.profile.time_zone or settings.TIME_ZONE
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        zone, zone_name = ZoneInfo("UTC"), "UTC"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone_name})"
