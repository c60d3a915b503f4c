"""Mentoring pages: find a mentor, ask, answer, work together, end; cohorts."""

from __future__ import annotations

import csv
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calendar_app import permissions as calendar_permissions
from community.models import Role, User
from community.permissions import access_profile, member_of
from mentoring import dashboard, matching, permissions, selectors
from mentoring.forms import (
    WEIGHT_TEXTS,
    AgreementForm,
    AnswerForm,
    CohortForm,
    EndForm,
    GoalForm,
    MilestoneForm,
    NoteForm,
    RequestForm,
    RoundStartForm,
    SessionForm,
    WeightsForm,
)
from mentoring.models import MatchingRound, MatchWeights, Mentorship, Proposal
from mentoring.services import cohorts, relationship, requests, rounds
from mentoring.services.weights import weights_check, weights_update


def _fail(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_GET
def find_mentor(request: HttpRequest) -> HttpResponse:
    """Recommendations with their reasons: mentors for a mentee, mentees for a mentor."""
    page = selectors.recommendations_for(member_of(request))
    return render(request, "mentoring/find.html", {
        "recommended": page.recommended, "for_mentor": page.for_mentor,
        "profile_incomplete": page.profile_incomplete, "languages_only": page.languages_only})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = member_of(request)
    proposals = [{"p": p, "is_mentee": p.mentee_id == user.pk,
                  "other": p.mentor if p.mentee_id == user.pk else p.mentee,
                  "reasons": selectors.proposal_reasons(user, p),
                  "can_answer": permissions.can_answer_proposal(user, p),
                  "answered": p.status == (Proposal.Status.MENTEE_ACCEPTED
                                           if p.mentee_id == user.pk
                                           else Proposal.Status.MENTOR_ACCEPTED)}
                 for p in selectors.my_proposals(user)]
    return render(request, "mentoring/home.html", {
        "mine": selectors.my_mentoring(user), "proposals": proposals,
        "can_create_cohort": permissions.can_create_cohort(user)})


@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, user_id: int) -> HttpResponse:
    user = member_of(request)
    mentor = access_profile(user, user_id)
    if not mentor.is_mentor:
        raise Http404
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mentorship = requests.request_send(mentee=user, mentor=mentor,
                                               note=form.cleaned_data["note"])
        except ValidationError as error:
            _fail(request, error)
        except PermissionDenied:
            messages.error(request, _("You cannot send %(name)s a request.")
                           % {"name": mentor.name})
        else:
            messages.success(request, _("Your request is sent. We will tell you when %(name)s "
                                        "answers.") % {"name": mentor.name})
            return redirect("mentorship_detail", mentorship.pk)
    return render(request, "mentoring/request.html", {
        "mentor": mentor, "form": form, "reasons": matching.pair_reasons(user, mentor),
        "can_request": permissions.can_request(user, mentor)})


@require_GET
def mentorship_detail(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    user = member_of(request)
    mentorship = permissions.access_mentorship(user, mentorship_id)
    agreement = selectors.agreement_get(mentorship)
    note = selectors.note_get(user, mentorship)
    is_mentor = user.pk == mentorship.mentor_id
    confirmed_by_me = bool(agreement and (agreement.mentor_confirmed_at if is_mentor
                                          else agreement.mentee_confirmed_at))
    confirmed_by_other = bool(agreement and (agreement.mentee_confirmed_at if is_mentor
                                             else agreement.mentor_confirmed_at))
    return render(request, "mentoring/detail.html", {
        "m": mentorship, "is_mentor": is_mentor,
        "other": mentorship.mentee if is_mentor else mentorship.mentor,
        "can_answer": permissions.can_answer(user, mentorship),
        "can_withdraw": permissions.can_withdraw(user, mentorship),
        "can_work": permissions.can_work_on(user, mentorship),
        "can_end": permissions.can_end(user, mentorship),
        "agreement": agreement, "confirmed_by_me": confirmed_by_me,
        "confirmed_by_other": confirmed_by_other,
        "agreement_form": AgreementForm(instance=agreement),
        "goals": selectors.goal_list(mentorship), "goal_form": GoalForm(),
        "milestone_form": MilestoneForm(), "session_form": SessionForm(),
        "sessions": selectors.session_list(mentorship),
        "note_form": NoteForm(initial={"text": note.text if note else ""}),
        "end_form": EndForm(can_archive=_can_archive_room(user, mentorship)),
        "can_book": not is_mentor and calendar_permissions.can_book(user, mentorship.mentor),
        "opens_hours": is_mentor and calendar_permissions.can_open_hours(user),
    })


def _can_archive_room(user: User, mentorship: Mentorship) -> bool:
    return permissions.can_archive_room(user, mentorship)


@require_POST
def mentorship_end_confirm(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    """The step between "End the mentorship" and the end itself: what will happen, said
    once more, with a button that ends it and a way back. Nothing changes here."""
    user = member_of(request)
    mentorship = permissions.access_mentorship(user, mentorship_id)
    if not permissions.can_end(user, mentorship):
        messages.error(request, _("This mentorship cannot be ended now."))
        return redirect("mentorship_detail", mentorship.pk)
    is_mentor = user.pk == mentorship.mentor_id
    form = EndForm(request.POST, can_archive=_can_archive_room(user, mentorship))
    return render(request, "mentoring/end_confirm.html", {
        "m": mentorship, "form": form, "is_mentor": is_mentor,
        "other": mentorship.mentee if is_mentor else mentorship.mentor,
        "outcome": (dict(Mentorship.Outcome.choices).get(form.cleaned_data["outcome"])
                    if form.is_valid() else None),
    }, status=200 if form.is_valid() else 400)


# --- Actions on one mentorship (POST /mentoring/<id>/<action>) ----------------------------

def _answer(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    form = AnswerForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose an answer."))
    action, message = form.cleaned_data["action"], form.cleaned_data["message"]
    if action == "accept":
        m = requests.request_accept(mentor=user, mentorship_id=m.pk, message=message)
        messages.success(request, _("You are now mentoring %(name)s. Your room is open.")
                         % {"name": m.mentee.name})
        return reverse("room", args=[m.room_id])
    if action == "decline":
        requests.request_decline(mentor=user, mentorship_id=m.pk, message=message)
        messages.success(request, _("The request is declined; %(name)s has your message.")
                         % {"name": m.mentee.name})
    else:
        m = requests.request_ask(mentor=user, mentorship_id=m.pk, question=message)
        messages.success(request, _("Your question is in your conversation with %(name)s.")
                         % {"name": m.mentee.name})
        return reverse("room", args=[m.question_room_id])
    return None


def _withdraw(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    requests.request_withdraw(mentee=user, mentorship_id=m.pk)
    messages.success(request, _("Your request is withdrawn."))
    return None


def _agreement(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    if request.POST.get("confirm"):
        relationship.agreement_confirm(user=user, mentorship=m)
        messages.success(request, _("You confirmed the agreement."))
        return None
    form = AgreementForm(request.POST)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    relationship.agreement_save(user=user, mentorship=m, **form.cleaned_data)
    messages.success(request, _("The agreement is saved; %(name)s is asked to confirm it.")
                     % {"name": (m.mentee if user.pk == m.mentor_id else m.mentor).name})
    return None


def _goal_add(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    form = GoalForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the goal a title."))
    relationship.goal_add(user=user, mentorship=m, title=form.cleaned_data["title"])
    return None


def _goal_update(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    goal = selectors.goal_for(user, _int(request.POST.get("goal")))
    if goal.mentorship_id != m.pk:
        raise Http404
    if request.POST.get("delete"):
        relationship.goal_delete(user=user, goal=goal)
    elif request.POST.get("milestone_title") is not None:
        form = MilestoneForm({"title": request.POST.get("milestone_title"),
                              "due_on": request.POST.get("due_on")})
        if not form.is_valid():
            raise ValidationError(_("Give the milestone a title (and a valid date, if any)."))
        relationship.milestone_add(user=user, goal=goal, **form.cleaned_data)
    else:
        relationship.goal_set_achieved(user=user, goal=goal,
                                       achieved=request.POST.get("achieved") == "1")
    return None


def _milestone(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    milestone = selectors.milestone_for(user, _int(request.POST.get("milestone")))
    if milestone.goal.mentorship_id != m.pk:
        raise Http404
    relationship.milestone_set_done(user=user, milestone=milestone,
                                    done=request.POST.get("done") == "1")
    return None


def _note(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    form = NoteForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Your notes are too long."))
    relationship.note_save(user=user, mentorship=m, text=form.cleaned_data["text"])
    messages.success(request, _("Your private notes are saved."))
    return None


def _session(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    form = SessionForm(request.POST)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    relationship.session_log(user=user, mentorship=m, **form.cleaned_data)
    messages.success(request, _("The session is logged."))
    return None


def _end(request: HttpRequest, user: User, m: Mentorship) -> str | None:
    """The confirmed end (from mentorship_end_confirm's page)."""
    if request.POST.get("confirmed") != "1":
        raise ValidationError(_("Confirm that you want to end the mentorship."))
    form = EndForm(request.POST, can_archive=_can_archive_room(user, m))
    if not form.is_valid():
        raise ValidationError(_("Choose how it ended."))
    relationship.mentorship_end(user=user, mentorship=m, **form.cleaned_data)
    if form.cleaned_data.get("archive_room"):
        messages.success(request, _("The mentorship has ended and your room is archived. "
                                    "Thank you for the time you gave it."))
    else:
        messages.success(request, _("The mentorship has ended. Thank you for the time you "
                                    "gave it."))
    return reverse("find_mentor") if user.pk == m.mentee_id else None


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise Http404 from None


ACTIONS: dict[str, Callable[[HttpRequest, User, Mentorship], str | None]] = {
    "answer": _answer, "withdraw": _withdraw, "agreement": _agreement, "goal": _goal_add,
    "goal-update": _goal_update, "milestone": _milestone, "note": _note, "session": _session,
    "end": _end,
}


@require_POST
def mentorship_action(request: HttpRequest, mentorship_id: int, action: str) -> HttpResponse:
    """Every change to one mentorship: bad input is reported, forbidden is a 403."""
    user = member_of(request)
    mentorship = permissions.access_mentorship(user, mentorship_id)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        target = handler(request, user, mentorship)
    except ValidationError as error:
        _fail(request, error)
        target = None
    anchor = {"goal": "#goals", "goal-update": "#goals", "milestone": "#goals",
              "session": "#sessions", "note": "#notes", "agreement": "#agreement"}.get(action, "")
    return redirect(target or reverse("mentorship_detail", args=[mentorship.pk]) + anchor)


@require_http_methods(["GET", "POST"])
def cohort_new(request: HttpRequest) -> HttpResponse:
    user = member_of(request)
    if not permissions.can_create_cohort(user):
        raise PermissionDenied
    form = CohortForm(request.POST or None, actor=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            room = cohorts.cohort_create(actor=user, mentor=data["mentor"], mentees=data["mentees"],
                                         name=data["name"], topic=data["topic"])
        except ValidationError as error:
            _fail(request, error)
        else:
            messages.success(request, _("The cohort %(name)s is created.") % {"name": room.name})
            return redirect("room", room.pk) if user.pk == data["mentor"].pk else redirect(
                "mentoring")
    return render(request, "mentoring/cohort_new.html", {"form": form})


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_dashboard(member_of(request)):
        raise PermissionDenied
    rows = dashboard.monthly()
    peak = max([1, *(int(str(r["requests_sent"])) for r in rows)])
    inactive = dashboard.inactive_pairs()
    fit = dashboard.fit_by_outcome()
    return render(request, "mentoring/dashboard.html", {
        "totals": dashboard.totals(inactive=len(inactive)), "rows": rows, "peak": peak,
        "inactive": inactive, "inactive_days": dashboard.inactive_days(), "fit": fit,
        "fit_factors": [
            (label, [g.factors.get(name) for g in fit.groups])
            for name, (label, _text) in WEIGHT_TEXTS.items()],
        "misfits": fit.group(Mentorship.Outcome.NOT_A_FIT),
        "continuing": fit.group("continuing")})


@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_dashboard(member_of(request)):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programme.csv"'
    writer = csv.writer(response)
    writer.writerow([str(dashboard.LABELS[name]) for name in ("month", *dashboard.SERIES)])
    for row in dashboard.monthly(24):
        writer.writerow([row["month"], *(row[name] for name in dashboard.SERIES)])
    return response


@require_GET
def dashboard_fit_csv(request: HttpRequest) -> HttpResponse:
    """The fit table of the dashboard: one row per group, figures unrounded."""
    if not permissions.can_view_dashboard(member_of(request)):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programme-fit.csv"'
    writer = csv.writer(response)
    writer.writerow([_("Group"), _("Pairs"), _("Pairs scored"), _("Median fit"),
                     _("Average fit"), *(str(label) for label, _text in WEIGHT_TEXTS.values())])
    for group in dashboard.fit_by_outcome().groups:
        figures = [group.median, group.average, *(group.factors.get(name)
                                                  for name in WEIGHT_TEXTS)]
        writer.writerow([group.label, group.pairs, group.scored,
                         *("" if value is None else round(value, 4) for value in figures)])
    return response


def _preview(mentee: User, weights: MatchWeights, saved: MatchWeights) -> list[dict[str, object]]:
    """Her top ten with `weights`, each with its place under the saved weights (or None)."""
    before = {r.user.pk: place for place, r in enumerate(
        matching.mentors_for(mentee, limit=10, weights=saved), start=1)}
    return [{"place": place, "recommendation": r, "before": before.get(r.user.pk)}
            for place, r in enumerate(
                matching.mentors_for(mentee, limit=10, weights=weights), start=1)]


@require_http_methods(["GET", "POST"])
def matching_weights(request: HttpRequest) -> HttpResponse:
    """Tune the weights; "preview" ranks one mentee's mentors with them as typed and saves
    nothing, "save" saves them (bad input changes nothing)."""
    admin = member_of(request)
    if not permissions.can_tune_matching(admin):
        raise PermissionDenied
    saved = MatchWeights.current()
    initial: dict[str, object] = {name: getattr(saved, name) for name in MatchWeights.FIELDS}
    initial["mentee"] = request.GET.get("mentee")
    form = WeightsForm(request.POST or None, initial=initial)
    preview, previewed, typed = None, None, False
    if request.method == "POST" and form.is_valid():
        mentee = form.cleaned_data["mentee"]
        try:
            if request.POST.get("action") == "save":
                weights_update(actor=admin, values=form.weights())
                messages.success(request, _("The matching weights are saved."))
                query = f"?mentee={mentee.pk}" if mentee else ""
                return redirect(reverse("matching_weights") + query)
            weights = weights_check(form.weights())
        except ValidationError as error:
            for name, errors in (error.error_dict.items() if hasattr(error, "error_dict")
                                 else [(None, error.error_list)]):
                for item in errors:
                    form.add_error(name, item.messages)
        else:
            if mentee is None:
                form.add_error("mentee", _("Choose a mentee to preview her recommendations."))
            else:
                preview, previewed, typed = _preview(mentee, weights, saved), mentee, True
    elif request.method == "GET" and request.GET.get("mentee", "").isdigit():
        # After a save: her recommendations now.
        previewed = User.objects.filter(
            pk=int(request.GET["mentee"]), is_active=True, role=Role.MEMBER).first()
        if previewed is not None:
            preview = _preview(previewed, saved, saved)
    return render(request, "mentoring/manage_weights.html", {
        "form": form, "preview": preview, "previewed": previewed, "typed": typed})


# --- Matching rounds ----------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def matching_rounds(request: HttpRequest) -> HttpResponse:
    """The rounds so far, the waitlist, and a form that starts a round (solved at once)."""
    admin = member_of(request)
    if not permissions.can_run_matching_round(admin):
        raise PermissionDenied
    form = RoundStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = rounds.round_start(actor=admin, cohort=form.cleaned_data["cohort"])
        except ValidationError as error:
            _fail(request, error)
        else:
            messages.success(request, _("The round is ready as a draft: check the pairs, "
                                        "then send them."))
            return redirect("matching_round", round_.pk)
    listed = MatchingRound.objects.select_related("cohort", "created_by").annotate(
        pairs=Count("proposals", filter=Q(proposals__mentor__isnull=False)
                    & ~Q(proposals__status__in=Proposal.UNMATCHED)),
        mentees=Count("proposals"))[:50]
    return render(request, "mentoring/rounds.html", {
        "form": form, "rounds": listed, "waitlist": selectors.waitlist()})


def _round_action(request: HttpRequest, admin: User, round_: MatchingRound) -> str:
    """Swap, drop or send (confirmed); returns what to tell her."""
    action = request.POST.get("action")
    if action == "send":
        if request.POST.get("confirmed") != "1":
            raise ValidationError(_("Confirm that you want to send the proposals."))
        rounds.round_send(actor=admin, round_=round_)
        return _("The proposals are sent: each mentee and mentor is asked to accept.")
    proposal = get_object_or_404(Proposal, pk=_int(request.POST.get("proposal")), round=round_)
    if action == "drop":
        rounds.proposal_drop(actor=admin, proposal=proposal)
        return _("The pair is dropped: %(name)s is on the waitlist.") % {
            "name": proposal.mentee.name}
    if action == "swap":
        mentor = User.objects.filter(pk=_int(request.POST.get("mentor") or 0)).first()
        if mentor is None:
            raise ValidationError(_("Choose a mentor."))
        rounds.proposal_swap(actor=admin, proposal=proposal, mentor=mentor)
        return _("%(mentor)s is now proposed to %(mentee)s.") % {
            "mentor": mentor.name, "mentee": proposal.mentee.name}
    raise Http404


@require_http_methods(["GET", "POST"])
def matching_round(request: HttpRequest, round_id: int) -> HttpResponse:
    """One round: its pairs with their fit and reasons, its waitlist; in a draft, swap or
    drop a pair and send them all (after a confirmation)."""
    admin = member_of(request)
    if not permissions.can_run_matching_round(admin):
        raise PermissionDenied
    round_ = get_object_or_404(MatchingRound.objects.select_related("cohort", "created_by"),
                               pk=round_id)
    if request.method == "POST":
        try:
            messages.success(request, _round_action(request, admin, round_))
        except ValidationError as error:
            _fail(request, error)
        anchor = f"#p{request.POST.get('proposal')}" if request.POST.get("proposal") else ""
        return redirect(reverse("matching_round", args=[round_.pk]) + anchor)
    rows = selectors.round_rows(round_)
    pairs = [r for r in rows if not r.proposal.waitlisted]
    waiting = [r for r in rows if r.proposal.waitlisted]
    return render(request, "mentoring/round.html", {
        "round": round_, "pairs": pairs, "waiting": waiting,
        "draft": round_.status == MatchingRound.Status.DRAFT,
        "confirming": request.GET.get("confirm") == "send" and bool(pairs)})


@require_POST
def proposal_answer(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Her answer to a pair the programme team proposed."""
    user = member_of(request)
    proposal = permissions.access_proposal(user, proposal_id)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        raise Http404  # a missing or unknown answer is never taken as a decline
    accept = answer == "accept"
    other = proposal.mentor if user.pk == proposal.mentee_id else proposal.mentee
    assert other is not None  # nosec B101  # a sent proposal has its mentor (narrows the type)
    mine = (Proposal.Status.MENTEE_ACCEPTED if user.pk == proposal.mentee_id
            else Proposal.Status.MENTOR_ACCEPTED)
    if proposal.status in (mine, Proposal.Status.ACCEPTED, Proposal.Status.DECLINED):
        # A second click, or a second tab: her answer is already in.
        messages.info(request, _("You already answered this proposal."))
        return redirect(reverse("mentoring") + "#proposals")
    try:
        proposal = rounds.proposal_answer(user=user, proposal=proposal, accept=accept)
    except ValidationError as error:
        _fail(request, error)
        return redirect(reverse("mentoring") + "#proposals")
    if proposal.status == Proposal.Status.ACCEPTED and proposal.mentorship is not None:
        messages.success(request, _("You both accepted: your mentorship with %(name)s starts "
                                    "and your room is open.") % {"name": other.name})
        return redirect("room", proposal.mentorship.room_id)
    if accept:
        messages.success(request, _("You accepted. We will tell you when %(name)s answers.")
                         % {"name": other.name})
    else:
        messages.success(request, _("You declined the proposal. Thank you for answering."))
    return redirect(reverse("mentoring") + "#proposals")
