"""Matching rounds: the programme team proposes one mentor per mentee, then both answer.

`round_start` scores every mentee of a cohort (or of the community) against every mentor
with free places (`matching.pool`) and solves the assignment that maximises the total fit
(`scipy.optimize.linear_sum_assignment`): a mentor with three free places is three columns,
a pair the pool forbids (score None) costs so much that it is never kept. Mentees on the
waitlist of an earlier round get a bonus large enough that they are matched first.

The draft is then edited pair by pair (`proposal_swap`, `proposal_drop`) and sent
(`round_send`): each pair is asked on both sides, and when both accept the mentorship opens
through `requests.request_accept`, as for a request (room, welcome message, counts).
A mentee left without a mentor (none found, dropped, declined, expired) is on the waitlist.
Every step is audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.audit import audit_record
from community.models import Block, Role, User
from mentoring import matching, permissions, selectors
from mentoring.models import MatchingRound, Mentorship, Proposal
from mentoring.services.requests import _lock_mentor, request_accept
from notifications.services import notify, subject_done
from rooms.models import Room


def assign(scores: np.ndarray, places: Sequence[int],
           first: Sequence[bool] | None = None) -> list[int | None]:
    """The mentor (column of `scores`) for each mentee (row), or None: the assignment with
    the most pairs, then the most `first` mentees matched, then the highest total fit.

    `scores` is mentees x mentors with NaN for a forbidden pair; mentor j may take
    `places[j]` mentees. Pure: no database.
    """
    rows = scores.shape[0]
    columns = np.repeat(np.arange(scores.shape[1]), np.asarray(places, dtype=int))
    if rows == 0 or columns.size == 0:
        return [None] * rows
    fit = scores[:, columns]
    allowed = ~np.isnan(fit)
    if not allowed.any():
        return [None] * rows
    low, high = float(np.nanmin(fit)), float(np.nanmax(fit))
    gain = np.where(allowed, fit - low, 0.0)
    spread = high - low
    if first is not None and any(first):
        bonus = rows * spread + 1.0  # more than any total fit could make up for
        gain = gain + bonus * np.asarray(first, dtype=float)[:, None]
        spread += bonus
    forbidden = rows * spread + 1.0  # more than every allowed pair together
    cost = np.where(allowed, -gain, forbidden)
    from scipy.optimize import linear_sum_assignment  # imported here: slow, and rarely used

    chosen: list[int | None] = [None] * rows
    for row, column in zip(*linear_sum_assignment(cost), strict=True):
        if allowed[row, column]:
            chosen[int(row)] = int(columns[column])
    return chosen


def _require(actor: User) -> None:
    if not permissions.can_run_matching_round(actor):
        raise PermissionDenied


def _draft(proposal: Proposal) -> tuple[Proposal, MatchingRound]:
    """The proposal locked, with its round, if the round is still a draft. The round is
    locked first, as `round_send` locks it: edits and the send of one round take turns
    (two admins swapping to a mentor's last place, or a swap while the round is sent)."""
    round_ = MatchingRound.objects.select_for_update().get(pk=proposal.round_id)
    if round_.status != MatchingRound.Status.DRAFT:
        raise ValidationError(_("This round is sent: its pairs can no longer change."))
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related(
        "mentee", "mentor").get(pk=proposal.pk)
    return proposal, round_


def _total(round_: MatchingRound) -> None:
    total = sum(round_.proposals.filter(
        status=Proposal.Status.PROPOSED, mentor__isnull=False).values_list("score", flat=True))
    round_.total_fit = round(total, 3)
    round_.save(update_fields=["total_fit"])


def _reasons(pool: matching.Pool, i: int, j: int) -> dict[str, list[str]]:
    """Why the pair fits, for the organisers, in each of the site's languages: another
    admin may read the round in another language than the one who started it."""
    said = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            said[code] = pool.reasons(i, j, organiser=True)
    return said


def _mentee_ids(cohort: Room | None) -> list[int]:
    users = User.objects.filter(is_active=True, is_bot=False, role=Role.MEMBER)
    if cohort is not None:
        users = users.filter(memberships__room=cohort)
    busy = selectors.busy_mentees()
    return [pk for pk in users.order_by("pk").values_list("pk", flat=True) if pk not in busy]


def round_start(*, actor: User, cohort: Room | None = None) -> MatchingRound:
    """Solve a draft round for `cohort`'s members (None: the whole community) and save it."""
    _require(actor)
    if cohort is not None and (cohort.kind != Room.Kind.GROUP or cohort.is_archived):
        raise ValidationError({"cohort": _("Choose a cohort that is still open.")})
    mentee_ids = _mentee_ids(cohort)
    if not mentee_ids:
        raise ValidationError(_("Every member to match already has a mentor or a "
                                "proposal waiting for answers: there is nobody to match."))
    places = selectors.free_places()
    pool = matching.pool(mentee_ids, sorted(places))
    scores = np.array(pool.scores, dtype=float).reshape(len(pool.mentees), len(pool.mentors))
    # A pair one of them declined is never proposed again.
    declined = selectors.declined_pairs([m.id for m in pool.mentees])
    column = {mentor.id: j for j, mentor in enumerate(pool.mentors)}
    for i, mentee in enumerate(pool.mentees):
        for mentor_id in declined.get(mentee.id, ()):
            if mentor_id in column:
                scores[i, column[mentor_id]] = np.nan
    waiting = {p.mentee_id for p in selectors.waitlist()}
    chosen = assign(scores, [places[m.id] for m in pool.mentors],
                    [m.id in waiting for m in pool.mentees])
    with transaction.atomic():
        round_ = MatchingRound.objects.create(cohort=cohort, created_by=actor)
        rows = []
        for i, j in enumerate(chosen):
            mentee = pool.mentees[i]
            if j is None:
                rows.append(Proposal(round=round_, mentee_id=mentee.id))
            else:
                rows.append(Proposal(round=round_, mentee_id=mentee.id,
                                     mentor_id=pool.mentors[j].id,
                                     score=round(float(scores[i, j]), 3),
                                     reasons=_reasons(pool, i, j)))
        Proposal.objects.bulk_create(rows)
        _total(round_)
        paired = sum(1 for j in chosen if j is not None)
        audit_record(actor=actor, action="matching.round_start", target=round_,
                     cohort=cohort.pk if cohort else None, pairs=paired,
                     waitlisted=len(chosen) - paired)
    return round_


def proposal_swap(*, actor: User, proposal: Proposal, mentor: User) -> Proposal:
    """Propose `mentor` to this mentee instead; refused (nothing changed) if the mentor has
    no free place left in the round or the pair may not be proposed."""
    _require(actor)
    with transaction.atomic():
        proposal, round_ = _draft(proposal)
        if mentor.pk == proposal.mentor_id and proposal.status == Proposal.Status.PROPOSED:
            return proposal
        if mentor.pk in selectors.declined_pairs([proposal.mentee_id]).get(
                proposal.mentee_id, ()):
            raise ValidationError({"mentor": _("%(mentee)s and %(mentor)s declined this pair "
                                               "in an earlier round.") % {
                "mentee": proposal.mentee.name, "mentor": mentor.name}})
        places = selectors.free_places()
        if mentor.pk not in places:
            raise ValidationError({"mentor": _("%(name)s cannot take a mentee now.")
                                   % {"name": mentor.name}})
        taken = round_.proposals.filter(mentor=mentor, status=Proposal.Status.PROPOSED).exclude(
            pk=proposal.pk).count()
        if taken >= places[mentor.pk]:
            raise ValidationError({"mentor": _("%(name)s has no free place left in this round.")
                                   % {"name": mentor.name}})
        pool = matching.pool([proposal.mentee_id], [mentor.pk])
        fit = pool.scores[0][0] if pool.mentees and pool.mentors else None
        if fit is None:
            raise ValidationError({"mentor": _("%(mentee)s and %(mentor)s cannot be proposed "
                                               "to each other.") % {
                "mentee": proposal.mentee.name, "mentor": mentor.name}})
        before = proposal.mentor_id
        proposal.mentor, proposal.score = mentor, round(fit, 3)
        proposal.reasons = _reasons(pool, 0, 0)
        proposal.status, proposal.updated_at = Proposal.Status.PROPOSED, timezone.now()
        proposal.save()
        _total(round_)
        audit_record(actor=actor, action="matching.proposal_swap", target=round_,
                     mentee=proposal.mentee_id, mentor_before=before, mentor=mentor.pk)
    return proposal


def proposal_drop(*, actor: User, proposal: Proposal) -> Proposal:
    """Take this pair out of the draft: the mentee goes to the waitlist when it is sent."""
    _require(actor)
    with transaction.atomic():
        proposal, round_ = _draft(proposal)
        if proposal.mentor_id is None or proposal.status != Proposal.Status.PROPOSED:
            raise ValidationError(_("This pair is not proposed."))
        proposal.status, proposal.updated_at = Proposal.Status.DROPPED, timezone.now()
        proposal.save(update_fields=["status", "updated_at"])
        _total(round_)
        audit_record(actor=actor, action="matching.proposal_drop", target=round_,
                     mentee=proposal.mentee_id, mentor=proposal.mentor_id)
    return proposal


def _send_problems(pairs: list[Proposal]) -> list[str]:
    """What changed since the draft was solved and stops it from being sent as it is."""
    problems = []
    places = selectors.free_places()
    busy = selectors.busy_mentees()
    ids = {p.mentee_id for p in pairs} | {p.mentor_id for p in pairs if p.mentor_id}
    blocked = {frozenset(pair) for pair in Block.objects.filter(
        blocker_id__in=ids, blocked_id__in=ids).values_list("blocker_id", "blocked_id")}
    counts = Counter(p.mentor_id for p in pairs)
    for mentor_id, count in counts.items():
        if count > places.get(mentor_id or 0, 0):
            name = next(p.mentor.name for p in pairs if p.mentor_id == mentor_id)  # type: ignore[union-attr]
            problems.append(_("%(name)s no longer has enough free places: change or drop "
                              "one of her pairs.") % {"name": name})
    for p in pairs:
        assert p.mentor is not None  # nosec B101  # a round's pair has its mentor (narrows the type)
        if p.mentee_id in busy:
            problems.append(_("%(name)s has a mentor or a proposal already: drop her pair.")
                            % {"name": p.mentee.name})
        elif frozenset((p.mentee_id, p.mentor_id)) in blocked:
            problems.append(_("%(mentee)s and %(mentor)s can no longer be proposed to each "
                              "other: drop their pair.")
                            % {"mentee": p.mentee.name, "mentor": p.mentor.name})
    return problems


def round_send(*, actor: User, round_: MatchingRound) -> MatchingRound:
    """Ask both members of every proposed pair; refused (nothing sent) if a pair no longer
    holds. Mentees without a mentor go to the waitlist."""
    _require(actor)
    with transaction.atomic():
        round_ = MatchingRound.objects.select_for_update().get(pk=round_.pk)
        if round_.status != MatchingRound.Status.DRAFT:
            raise ValidationError(_("This round is already sent."))
        pairs = list(round_.proposals.filter(
            status=Proposal.Status.PROPOSED, mentor__isnull=False).select_related(
            "mentee", "mentor"))
        if not pairs:
            raise ValidationError(_("There is no pair to send."))
        problems = _send_problems(pairs)
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        expires = now + timedelta(days=settings.COHORT_REQUEST_DAYS)
        url = reverse("mentoring") + "#proposals"
        for p in pairs:
            assert p.mentor is not None  # nosec B101  # a round's pair has its mentor (narrows the type)
            p.status, p.expires_at, p.updated_at = Proposal.Status.SENT, expires, now
            notify(user=p.mentee, kind="match_proposed", params={"name": p.mentor.name},
                   url=url, subject=f"proposal:{p.pk}")
            notify(user=p.mentor, kind="match_proposed", params={"name": p.mentee.name},
                   url=url, subject=f"proposal:{p.pk}")
        Proposal.objects.bulk_update(pairs, ["status", "expires_at", "updated_at"])
        round_.status, round_.sent_at = MatchingRound.Status.SENT, now
        round_.save(update_fields=["status", "sent_at"])
        audit_record(actor=actor, action="matching.round_send", target=round_,
                     pairs=len(pairs),
                     waitlisted=round_.proposals.count() - len(pairs))
    return round_


def proposal_answer(*, user: User, proposal: Proposal, accept: bool) -> Proposal:
    """Her answer to a proposed pair. When both have accepted, the mentorship opens (as an
    accepted request does); a decline puts the mentee back on the waitlist."""
    with transaction.atomic():
        if accept and proposal.mentor_id is not None:
            _lock_mentor(proposal.mentor_id)  # the capacity decision, as for a request
        proposal = Proposal.objects.select_for_update(of=("self",)).select_related(
            "round", "mentee", "mentor").get(pk=proposal.pk)
        if not permissions.can_answer_proposal(user, proposal):
            raise PermissionDenied
        assert proposal.mentor is not None  # nosec B101  # a sent proposal has its mentor (narrows the type)
        if proposal.expires_at is not None and proposal.expires_at <= timezone.now():
            raise ValidationError(_("This proposal has expired."))
        is_mentee = user.pk == proposal.mentee_id
        other = proposal.mentor if is_mentee else proposal.mentee
        proposal.updated_at = timezone.now()
        if not accept:
            proposal.status, proposal.declined_by = Proposal.Status.DECLINED, user
            proposal.save(update_fields=["status", "declined_by", "updated_at"])
            notify(user=other, kind="match_declined", params={"name": user.name},
                   url=reverse("mentoring"), subject=f"proposal:{proposal.pk}", actor=user)
        elif proposal.status == Proposal.Status.SENT:
            proposal.status = (Proposal.Status.MENTEE_ACCEPTED if is_mentee
                               else Proposal.Status.MENTOR_ACCEPTED)
            proposal.save(update_fields=["status", "updated_at"])
        else:
            proposal.mentorship = _open(proposal)
            proposal.status = Proposal.Status.ACCEPTED
            proposal.save(update_fields=["status", "mentorship", "updated_at"])
        subject_done(subject=f"proposal:{proposal.pk}", user_id=user.pk)
        audit_record(actor=user, action="matching.proposal_answer", target=proposal.round,
                     mentee=proposal.mentee_id, mentor=proposal.mentor_id,
                     accepted=accept, status=proposal.status)
    return proposal


def _open(proposal: Proposal) -> Mentorship:
    """Both said yes: a request from the mentee, accepted by the mentor, in one step."""
    mentor, mentee = proposal.mentor, proposal.mentee
    assert mentor is not None  # nosec B101  # a sent proposal has its mentor (narrows the type)
    profile = mentor.profile
    if not (profile.accepting_mentees and profile.paused_at is None
            and profile.active_mentees < profile.mentor_capacity):
        raise ValidationError(_("%(name)s cannot take a mentee now: this pair cannot start.")
                              % {"name": mentor.name})
    now = timezone.now()
    try:
        with transaction.atomic():
            mentorship = Mentorship.objects.create(
                mentor=mentor, mentee=mentee, created_at=now,
                note=_("Proposed by the programme team; you both accepted."),
                expires_at=now + timedelta(days=settings.COHORT_REQUEST_DAYS))
    except IntegrityError:
        raise ValidationError(_("%(mentee)s and %(mentor)s already have a request or a "
                                "mentorship.") % {"mentee": mentee.name,
                                                  "mentor": mentor.name}) from None
    return request_accept(mentor=mentor, mentorship_id=mentorship.pk)


def proposals_sweep(*, now: datetime | None = None) -> int:
    """Expire sent proposals nobody finished answering in time; returns how many."""
    now = now or timezone.now()
    expired = 0
    for pk in Proposal.objects.filter(status__in=Proposal.WAITING,
                                      expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            row = Proposal.objects.select_for_update().get(pk=pk)
            if row.status not in Proposal.WAITING:
                continue
            row.status, row.updated_at = Proposal.Status.EXPIRED, now
            row.save(update_fields=["status", "updated_at"])
            expired += 1
    return expired
