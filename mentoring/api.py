"""The open API's mentoring (docs/api.md): her recommendations with their reasons, her
mentorship requests (asking, answering, withdrawing) and her mentorships (the agreement,
goals, milestones, sessions and the end), through mentoring's permissions, selectors and
services, as the pages: each change tells the other and the programme's webhooks exactly
as from the page. Private notes are never part of it; nor is the reason a mentorship
ended (the programme team's alone)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import (
    Flag,
    MemberAPIView,
    StrictSerializer,
    Text,
    WholeNumber,
    caller,
    pagination,
    validated,
)
from community.api.people import PersonSerializer, person_payload
from community.models import Role, User
from community.permissions import profiles_visible_to
from mentoring import permissions, selectors
from mentoring.models import Agreement, Goal, Mentorship, Milestone, Proposal, Session
from mentoring.services import relationship, requests, rounds
from mentoring.services.requests import NOTE_MAX

ID_MAX = 2**53 - 1


def path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=what)


MENTORSHIP_ID = path_id("mentorship_id", "One of her mentorships or requests (404 for any other).")
REQUEST_ID = path_id("request_id", "One of her requests, sent or received (404 for any other).")
GOAL_ID = path_id("goal_id", "A goal of that mentorship (404 for any other).")
MILESTONE_ID = path_id("milestone_id", "A milestone of that mentorship (404 for any other).")


# --- Shapes ---------------------------------------------------------------------------------
class MemberRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.values)


class MentorshipSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A request (status `pending`) or a mentorship, as either of the pair sees it."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Mentorship.Status.values)
    side = serializers.ChoiceField(choices=["mentor", "mentee"], help_text="Hers in the pair.")
    mentor = MemberRefSerializer()
    mentee = MemberRefSerializer()
    note = serializers.CharField(help_text="The mentee's note with her request.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="A request nobody answered expires then.")
    question_at = serializers.DateTimeField(allow_null=True)
    question_room_id = serializers.IntegerField(
        allow_null=True, help_text="The conversation where the mentor asked her question.")
    answered_at = serializers.DateTimeField(allow_null=True)
    answer_message = serializers.CharField(allow_blank=True)
    room_id = serializers.IntegerField(allow_null=True, help_text="The pair's room.")
    ended_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Mentorship.Outcome.values, allow_null=True)


class AgreementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    goals = serializers.CharField()
    cadence = serializers.ChoiceField(choices=Agreement.Cadence.values)
    duration_months = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.IntegerField(allow_null=True)
    mentor_confirmed_at = serializers.DateTimeField(allow_null=True)
    mentee_confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed = serializers.BooleanField(help_text="Both confirmed this version.")


class MilestoneSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class GoalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    achieved_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.IntegerField(help_text="Percent: achieved, else milestones done.")
    milestones = MilestoneSerializer(many=True)


class SessionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    minutes = serializers.IntegerField()
    topics = serializers.CharField()


class MentorshipDetailSerializer(MentorshipSerializer):
    """With what its page shows the pair: the agreement, goals and sessions (once it was
    accepted), and what she may do now."""

    agreement = AgreementSerializer(allow_null=True)
    goals = GoalSerializer(many=True)
    sessions = SessionSerializer(many=True)
    can_answer = serializers.BooleanField(help_text="Accept, decline or ask: the mentor.")
    can_withdraw = serializers.BooleanField()
    can_work = serializers.BooleanField(help_text="Agreement, goals, milestones, sessions.")
    can_end = serializers.BooleanField()
    can_archive_room = serializers.BooleanField(help_text="Ending may archive the pair's room.")


class RecommendationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    member = PersonSerializer()
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="Why, in sentences in her language.")
    can_request = serializers.BooleanField(help_text="She may ask this mentor now.")


class RecommendationsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    recommending = serializers.ChoiceField(
        choices=["mentors", "mentees"], help_text="Mentees when she is a mentor.")
    results = RecommendationSerializer(many=True)
    profile_incomplete = serializers.BooleanField(
        help_text="Her profile says nothing of what she wants to develop or can offer.")
    languages_only = serializers.BooleanField(
        help_text="Fewer than a page: only mentors who speak one of her languages are "
                  "recommended (her profile's `any_language` lifts it).")


class RequestSendSerializer(StrictSerializer):
    mentor_id = WholeNumber(min_value=1, max_value=ID_MAX)
    note = Text(max_length=NOTE_MAX, help_text="Who she is, what she hopes to work on.")


class AnswerSerializer(StrictSerializer):
    message = Text(max_length=NOTE_MAX, required=False, allow_blank=True,
                   help_text="Optional: her words to the mentee.")


class QuestionSerializer(StrictSerializer):
    question = Text(max_length=NOTE_MAX)


class AgreementChangeSerializer(StrictSerializer):
    goals = Text(max_length=4000)
    cadence = serializers.ChoiceField(choices=Agreement.Cadence.values)
    duration_months = WholeNumber(min_value=1, max_value=24)


class GoalAddSerializer(StrictSerializer):
    title = Text(max_length=200)


class GoalChangeSerializer(StrictSerializer):
    achieved = Flag()


class MilestoneAddSerializer(StrictSerializer):
    title = Text(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True)


class MilestoneChangeSerializer(StrictSerializer):
    done = Flag()


class SessionLogSerializer(StrictSerializer):
    held_on = serializers.DateField(help_text="The day it took place (not in the future).")
    minutes = WholeNumber(min_value=5, max_value=600)
    topics = Text(max_length=500)


class EndSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Mentorship.Outcome.values)
    reason = Text(max_length=2000, required=False, allow_blank=True,
                  help_text="For the programme team only: the other never reads it.")
    archive_room = Flag(default=False, help_text="Only where `can_archive_room`.")


# --- Payloads -------------------------------------------------------------------------------
def _ref(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "role": user.role}


def mentorship_payload(viewer: User, m: Mentorship) -> dict[str, Any]:
    return {
        "id": m.pk, "status": m.status,
        "side": "mentor" if viewer.pk == m.mentor_id else "mentee",
        "mentor": _ref(m.mentor), "mentee": _ref(m.mentee), "note": m.note,
        "created_at": m.created_at, "expires_at": m.expires_at,
        "question_at": m.question_at, "question_room_id": m.question_room_id,
        "answered_at": m.answered_at, "answer_message": m.answer_message,
        "room_id": m.room_id, "ended_at": m.ended_at, "outcome": m.outcome or None,
    }


def _goal(view: selectors.GoalView) -> dict[str, Any]:
    return {"id": view.goal.pk, "title": view.goal.title, "achieved_at": view.goal.achieved_at,
            "progress": view.progress,
            "milestones": [{"id": ms.pk, "title": ms.title, "due_on": ms.due_on,
                            "done_at": ms.done_at} for ms in view.milestones]}


def _session(session: Session) -> dict[str, Any]:
    return {"id": session.pk, "held_on": session.held_on, "minutes": session.minutes,
            "topics": session.topics}


def _agreement(agreement: Agreement | None) -> dict[str, Any] | None:
    if agreement is None:
        return None
    return {"goals": agreement.goals, "cadence": agreement.cadence,
            "duration_months": agreement.duration_months, "updated_at": agreement.updated_at,
            "updated_by": agreement.updated_by_id,
            "mentor_confirmed_at": agreement.mentor_confirmed_at,
            "mentee_confirmed_at": agreement.mentee_confirmed_at,
            "confirmed": agreement.confirmed}


def mentorship_detail(viewer: User, mentorship_id: int) -> dict[str, Any]:
    """The mentorship as its page shows it to `viewer` (fresh from the database)."""
    m = permissions.access_mentorship(viewer, mentorship_id)
    shown = m.status in (Mentorship.Status.ACTIVE, Mentorship.Status.ENDED)
    return {
        **mentorship_payload(viewer, m),
        "agreement": _agreement(selectors.agreement_get(m)) if shown else None,
        "goals": [_goal(g) for g in selectors.goal_list(m)] if shown else [],
        "sessions": [_session(s) for s in selectors.session_list(m)] if shown else [],
        "can_answer": permissions.can_answer(viewer, m),
        "can_withdraw": permissions.can_withdraw(viewer, m),
        "can_work": permissions.can_work_on(viewer, m),
        "can_end": permissions.can_end(viewer, m),
        "can_archive_room": permissions.can_archive_room(viewer, m),
    }


def _goal_of(viewer: User, mentorship: Mentorship, goal_id: int) -> Goal:
    goal = selectors.goal_for(viewer, goal_id)
    if goal.mentorship_id != mentorship.pk:
        raise Http404
    return goal


def _goal_payload(goal: Goal) -> dict[str, Any]:
    return next(_goal(g) for g in selectors.goal_list(goal.mentorship) if g.goal.pk == goal.pk)


# --- Recommendations ------------------------------------------------------------------------
class RecommendationsView(MemberAPIView):
    @extend_schema(operation_id="recommendations_get", responses=RecommendationsSerializer,
                   tags=["mentoring"],
                   summary="Mentors recommended to her (mentees, to a mentor), with why")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        page = selectors.recommendations_for(viewer)
        return Response({
            "recommending": "mentees" if page.for_mentor else "mentors",
            "results": [{"member": person_payload(r.user), "reasons": r.reasons,
                         "can_request": (not page.for_mentor
                                         and permissions.can_request(viewer, r.user))}
                        for r in page.recommended],
            "profile_incomplete": page.profile_incomplete,
            "languages_only": page.languages_only})


# --- Requests -------------------------------------------------------------------------------
BOX = OpenApiParameter("box", str, enum=["sent", "received"],
                       description="sent: hers to mentors; received: mentees' to her. Both "
                                   "without it.")


class RequestListView(MemberAPIView):
    pagination_class = pagination("-id")
    query_parameters = (BOX,)

    @extend_schema(operation_id="mentorship_requests_list", parameters=[BOX],
                   responses=MentorshipSerializer(many=True), tags=["mentoring"],
                   summary="Her requests waiting for an answer, newest first")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        box = request.query_params.get("box")
        rows = permissions.mentorships_visible_to(viewer).filter(
            status=Mentorship.Status.PENDING).select_related("mentor", "mentee")
        if box == "sent":
            rows = rows.filter(mentee_id=viewer.pk)
        elif box == "received":
            rows = rows.filter(mentor_id=viewer.pk)
        elif box is not None:
            raise serializers.ValidationError({"box": [serializers.ErrorDetail(
                _("Choose sent or received."), "invalid_choice")]})
        return self.paged([mentorship_payload(viewer, m) for m in self.page(rows)])

    @extend_schema(operation_id="mentorship_requests_send", request=RequestSendSerializer,
                   responses={201: MentorshipDetailSerializer}, tags=["mentoring"],
                   summary="Ask a mentor to mentor her (as her profile's button)")
    def post(self, request: Request) -> Response:
        viewer = caller(request)
        data = validated(RequestSendSerializer, request.data)
        mentor = profiles_visible_to(viewer).filter(pk=data["mentor_id"]).first()
        if not isinstance(mentor, User) or not mentor.is_mentor:
            raise serializers.ValidationError({"mentor_id": [serializers.ErrorDetail(
                _("No such mentor."), "not_found")]})
        try:
            mentorship = requests.request_send(mentee=viewer, mentor=mentor, note=data["note"])
        except PermissionDenied:
            raise PermissionDenied(_("You cannot send %(name)s a request.")
                                   % {"name": mentor.name}) from None
        return Response(mentorship_detail(viewer, mentorship.pk), status=201)


class RequestAcceptView(MemberAPIView):
    @extend_schema(operation_id="mentorship_requests_accept", parameters=[REQUEST_ID],
                   request=AnswerSerializer, responses=MentorshipDetailSerializer,
                   tags=["mentoring"],
                   summary="Accept a request she received: the pair's room opens")
    def post(self, request: Request, request_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, request_id)
        data = validated(AnswerSerializer, request.data)
        requests.request_accept(mentor=viewer, mentorship_id=m.pk,
                                message=data.get("message", ""))
        return Response(mentorship_detail(viewer, m.pk))


class RequestDeclineView(MemberAPIView):
    @extend_schema(operation_id="mentorship_requests_decline", parameters=[REQUEST_ID],
                   request=AnswerSerializer, responses=MentorshipDetailSerializer,
                   tags=["mentoring"], summary="Decline a request she received, kindly")
    def post(self, request: Request, request_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, request_id)
        data = validated(AnswerSerializer, request.data)
        requests.request_decline(mentor=viewer, mentorship_id=m.pk,
                                 message=data.get("message", ""))
        return Response(mentorship_detail(viewer, m.pk))


class RequestQuestionView(MemberAPIView):
    @extend_schema(operation_id="mentorship_requests_ask", parameters=[REQUEST_ID],
                   request=QuestionSerializer, responses=MentorshipDetailSerializer,
                   tags=["mentoring"],
                   summary="Ask the mentee a question before answering (in their conversation)")
    def post(self, request: Request, request_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, request_id)
        data = validated(QuestionSerializer, request.data)
        requests.request_ask(mentor=viewer, mentorship_id=m.pk, question=data["question"])
        return Response(mentorship_detail(viewer, m.pk))


class RequestWithdrawView(MemberAPIView):
    @extend_schema(operation_id="mentorship_requests_withdraw", parameters=[REQUEST_ID],
                   request=None, responses=MentorshipDetailSerializer, tags=["mentoring"],
                   summary="Withdraw a request she sent")
    def post(self, request: Request, request_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, request_id)
        requests.request_withdraw(mentee=viewer, mentorship_id=m.pk)
        return Response(mentorship_detail(viewer, m.pk))


# --- Mentorships ----------------------------------------------------------------------------
STATUS = OpenApiParameter("status", str, enum=Mentorship.Status.values)
SIDE = OpenApiParameter("side", str, enum=["mentor", "mentee"],
                        description="mentor: those where she mentors; mentee: those where "
                                    "she is mentored.")


class MentorshipListView(MemberAPIView):
    pagination_class = pagination("-id")
    query_parameters = (STATUS, SIDE)

    @extend_schema(operation_id="mentorships_list", parameters=[STATUS, SIDE],
                   responses=MentorshipSerializer(many=True), tags=["mentoring"],
                   summary="Her mentorships and requests, newest first")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        rows = permissions.mentorships_visible_to(viewer).select_related("mentor", "mentee")
        problems: dict[str, list[serializers.ErrorDetail]] = {}
        status = request.query_params.get("status")
        if status is not None:
            if status in Mentorship.Status.values:
                rows = rows.filter(status=status)
            else:
                problems["status"] = [serializers.ErrorDetail(
                    _("No such status."), "invalid_choice")]
        side = request.query_params.get("side")
        if side is not None:
            if side in ("mentor", "mentee"):
                rows = rows.filter(**{f"{side}_id": viewer.pk})
            else:
                problems["side"] = [serializers.ErrorDetail(
                    _("Choose mentor or mentee."), "invalid_choice")]
        if problems:
            raise serializers.ValidationError(problems)
        return self.paged([mentorship_payload(viewer, m) for m in self.page(rows)])


class MentorshipDetailView(MemberAPIView):
    @extend_schema(operation_id="mentorships_get", parameters=[MENTORSHIP_ID],
                   responses=MentorshipDetailSerializer, tags=["mentoring"],
                   summary="One of her mentorships, as its page shows it")
    def get(self, request: Request, mentorship_id: int) -> Response:
        return Response(mentorship_detail(caller(request), mentorship_id))


class AgreementView(MemberAPIView):
    @extend_schema(operation_id="mentorships_agreement_save", parameters=[MENTORSHIP_ID],
                   request=AgreementChangeSerializer, responses=MentorshipDetailSerializer,
                   tags=["mentoring"],
                   summary="Propose or change the agreement (the other is asked to confirm)")
    def put(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        data = validated(AgreementChangeSerializer, request.data)
        relationship.agreement_save(user=viewer, mentorship=m, **data)
        return Response(mentorship_detail(viewer, m.pk))


class AgreementConfirmView(MemberAPIView):
    @extend_schema(operation_id="mentorships_agreement_confirm", parameters=[MENTORSHIP_ID],
                   request=None, responses=MentorshipDetailSerializer, tags=["mentoring"],
                   summary="Confirm the agreement as it stands")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        relationship.agreement_confirm(user=viewer, mentorship=m)
        return Response(mentorship_detail(viewer, m.pk))


class GoalListView(MemberAPIView):
    @extend_schema(operation_id="mentorships_goals_add", parameters=[MENTORSHIP_ID],
                   request=GoalAddSerializer, responses={201: GoalSerializer},
                   tags=["mentoring"], summary="Add a goal")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        data = validated(GoalAddSerializer, request.data)
        goal = relationship.goal_add(user=viewer, mentorship=m, title=data["title"])
        return Response(_goal_payload(goal), status=201)


class GoalDetailView(MemberAPIView):
    @extend_schema(operation_id="mentorships_goals_change", parameters=[MENTORSHIP_ID, GOAL_ID],
                   request=GoalChangeSerializer, responses=GoalSerializer, tags=["mentoring"],
                   summary="Mark a goal achieved, or not achieved")
    def patch(self, request: Request, mentorship_id: int, goal_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        goal = _goal_of(viewer, m, goal_id)
        data = validated(GoalChangeSerializer, request.data)
        relationship.goal_set_achieved(user=viewer, goal=goal, achieved=data["achieved"])
        return Response(_goal_payload(goal))

    @extend_schema(operation_id="mentorships_goals_delete", parameters=[MENTORSHIP_ID, GOAL_ID],
                   request=None, responses={204: None}, tags=["mentoring"],
                   summary="Delete a goal and its milestones")
    def delete(self, request: Request, mentorship_id: int, goal_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        relationship.goal_delete(user=viewer, goal=_goal_of(viewer, m, goal_id))
        return Response(status=204)


class MilestoneListView(MemberAPIView):
    @extend_schema(operation_id="mentorships_milestones_add",
                   parameters=[MENTORSHIP_ID, GOAL_ID], request=MilestoneAddSerializer,
                   responses={201: GoalSerializer}, tags=["mentoring"],
                   summary="Add a milestone to a goal (answers the goal)")
    def post(self, request: Request, mentorship_id: int, goal_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        goal = _goal_of(viewer, m, goal_id)
        data = validated(MilestoneAddSerializer, request.data)
        relationship.milestone_add(user=viewer, goal=goal, title=data["title"],
                                   due_on=data.get("due_on"))
        return Response(_goal_payload(goal), status=201)


class MilestoneDetailView(MemberAPIView):
    @extend_schema(operation_id="mentorships_milestones_change",
                   parameters=[MENTORSHIP_ID, MILESTONE_ID], request=MilestoneChangeSerializer,
                   responses=GoalSerializer, tags=["mentoring"],
                   summary="Tick a milestone done or not (its goal is achieved once all are)")
    def patch(self, request: Request, mentorship_id: int, milestone_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        milestone: Milestone = selectors.milestone_for(viewer, milestone_id)
        if milestone.goal.mentorship_id != m.pk:
            raise Http404
        data = validated(MilestoneChangeSerializer, request.data)
        relationship.milestone_set_done(user=viewer, milestone=milestone, done=data["done"])
        return Response(_goal_payload(milestone.goal))


class SessionListView(MemberAPIView):
    @extend_schema(operation_id="mentorships_sessions_log", parameters=[MENTORSHIP_ID],
                   request=SessionLogSerializer, responses={201: SessionSerializer},
                   tags=["mentoring"], summary="Log a session they held")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        data = validated(SessionLogSerializer, request.data)
        session = relationship.session_log(user=viewer, mentorship=m, **data)
        return Response(_session(session), status=201)


class EndView(MemberAPIView):
    @extend_schema(operation_id="mentorships_end", parameters=[MENTORSHIP_ID],
                   request=EndSerializer, responses=MentorshipDetailSerializer,
                   tags=["mentoring"],
                   summary="End the mentorship, without blame (the other is told)")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        data = validated(EndSerializer, request.data)
        if data["archive_room"] and not permissions.can_archive_room(viewer, m):
            raise serializers.ValidationError({"archive_room": [serializers.ErrorDetail(
                _("You cannot archive this room."), "not_allowed")]})
        relationship.mentorship_end(user=viewer, mentorship=m, outcome=data["outcome"],
                                    reason=data.get("reason", ""),
                                    archive_room=data["archive_room"])
        return Response(mentorship_detail(viewer, m.pk))


# --- Proposals (matching rounds) ------------------------------------------------------------
PROPOSAL_ID = path_id("proposal_id", "A pair proposed to her (404 for any other, and drafts).")


class ProposalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A pair the programme team proposed to her, as *My mentoring* shows it."""

    id = serializers.IntegerField()
    side = serializers.ChoiceField(choices=["mentor", "mentee"], help_text="Hers in the pair.")
    other = MemberRefSerializer()
    status = serializers.ChoiceField(choices=Proposal.Status.values)
    expires_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="Why the two of them, in her language.")
    can_answer = serializers.BooleanField()
    answered = serializers.BooleanField(help_text="She accepted; the other has yet to.")
    mentorship_id = serializers.IntegerField(allow_null=True,
                                             help_text="Once both accepted: their mentorship.")


class ProposalAnswerSerializer(StrictSerializer):
    accept = Flag(help_text="false declines (the mentee goes back to the waitlist).")


def _mine(viewer: User, proposal: Proposal) -> Proposal.Status:
    return (Proposal.Status.MENTEE_ACCEPTED if viewer.pk == proposal.mentee_id
            else Proposal.Status.MENTOR_ACCEPTED)


def proposal_payload(viewer: User, proposal: Proposal) -> dict[str, Any]:
    is_mentee = viewer.pk == proposal.mentee_id
    other = proposal.mentor if is_mentee else proposal.mentee
    assert other is not None  # nosec B101  # a sent proposal has its mentor (narrows the type)
    return {"id": proposal.pk, "side": "mentee" if is_mentee else "mentor",
            "other": _ref(other), "status": proposal.status, "expires_at": proposal.expires_at,
            "reasons": selectors.proposal_reasons(viewer, proposal),
            "can_answer": permissions.can_answer_proposal(viewer, proposal),
            "answered": proposal.status == _mine(viewer, proposal),
            "mentorship_id": proposal.mentorship_id}


class ProposalListView(MemberAPIView):
    pagination_class = pagination("id")

    @extend_schema(operation_id="proposals_list", responses=ProposalSerializer(many=True),
                   tags=["mentoring"],
                   summary="Pairs the programme team proposed to her, waiting for answers")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        rows = permissions.proposals_visible_to(viewer).filter(
            status__in=Proposal.WAITING).select_related("mentee", "mentor")
        return self.paged([proposal_payload(viewer, p) for p in self.page(rows)])


class ProposalAnswerView(MemberAPIView):
    @extend_schema(operation_id="proposals_answer", parameters=[PROPOSAL_ID],
                   request=ProposalAnswerSerializer, responses=ProposalSerializer,
                   tags=["mentoring"],
                   summary="Accept or decline a proposed pair (it starts when both accept)")
    def post(self, request: Request, proposal_id: int) -> Response:
        viewer = caller(request)
        proposal = permissions.access_proposal(viewer, proposal_id)
        data = validated(ProposalAnswerSerializer, request.data)
        if proposal.status not in (_mine(viewer, proposal), Proposal.Status.ACCEPTED,
                                   Proposal.Status.DECLINED):
            # As on the page: once her answer is in, a second one changes nothing.
            proposal = rounds.proposal_answer(user=viewer, proposal=proposal,
                                              accept=data["accept"])
        return Response(proposal_payload(viewer, permissions.access_proposal(viewer,
                                                                             proposal.pk)))
