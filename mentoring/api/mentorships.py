"""Her mentorships: the detail as its page shows it, and the changes the page allows
(agreement, goals, milestones, sessions, the end), through mentoring's services."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import (
    Flag,
    PersonAPIView,
    StrictSerializer,
    Text,
    WholeNumber,
    caller,
    pagination,
    validated,
)
from mentoring import permissions, selectors
from mentoring.api.shapes import (
    GOAL_ID,
    MENTORSHIP_ID,
    MILESTONE_ID,
    GoalSerializer,
    MentorshipDetailSerializer,
    MentorshipSerializer,
    SessionSerializer,
    goal_of,
    goal_payload,
    mentorship_detail,
    mentorship_payload,
    session_payload,
)
from mentoring.models import Agreement, Mentorship, Milestone
from mentoring.services import relationship


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



# --- Mentorships ----------------------------------------------------------------------------
STATUS = OpenApiParameter("status", str, enum=Mentorship.Status.values)
SIDE = OpenApiParameter("side", str, enum=["mentor", "mentee"],
                        description="mentor: those where she mentors; mentee: those where "
                                    "she is mentored.")


class MentorshipListView(PersonAPIView):
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


class MentorshipDetailView(PersonAPIView):
    @extend_schema(operation_id="mentorships_get", parameters=[MENTORSHIP_ID],
                   responses=MentorshipDetailSerializer, tags=["mentoring"],
                   summary="One of her mentorships, as its page shows it")
    def get(self, request: Request, mentorship_id: int) -> Response:
        return Response(mentorship_detail(caller(request), mentorship_id))


class AgreementView(PersonAPIView):
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


class AgreementConfirmView(PersonAPIView):
    @extend_schema(operation_id="mentorships_agreement_confirm", parameters=[MENTORSHIP_ID],
                   request=None, responses=MentorshipDetailSerializer, tags=["mentoring"],
                   summary="Confirm the agreement as it stands")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        relationship.agreement_confirm(user=viewer, mentorship=m)
        return Response(mentorship_detail(viewer, m.pk))


class GoalListView(PersonAPIView):
    @extend_schema(operation_id="mentorships_goals_add", parameters=[MENTORSHIP_ID],
                   request=GoalAddSerializer, responses={201: GoalSerializer},
                   tags=["mentoring"], summary="Add a goal")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        data = validated(GoalAddSerializer, request.data)
        goal = relationship.goal_add(user=viewer, mentorship=m, title=data["title"])
        return Response(goal_payload(goal), status=201)


class GoalDetailView(PersonAPIView):
    @extend_schema(operation_id="mentorships_goals_change", parameters=[MENTORSHIP_ID, GOAL_ID],
                   request=GoalChangeSerializer, responses=GoalSerializer, tags=["mentoring"],
                   summary="Mark a goal achieved, or not achieved")
    def patch(self, request: Request, mentorship_id: int, goal_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        goal = goal_of(viewer, m, goal_id)
        data = validated(GoalChangeSerializer, request.data)
        relationship.goal_set_achieved(user=viewer, goal=goal, achieved=data["achieved"])
        return Response(goal_payload(goal))

    @extend_schema(operation_id="mentorships_goals_delete", parameters=[MENTORSHIP_ID, GOAL_ID],
                   request=None, responses={204: None}, tags=["mentoring"],
                   summary="Delete a goal and its milestones")
    def delete(self, request: Request, mentorship_id: int, goal_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        relationship.goal_delete(user=viewer, goal=goal_of(viewer, m, goal_id))
        return Response(status=204)


class MilestoneListView(PersonAPIView):
    @extend_schema(operation_id="mentorships_milestones_add",
                   parameters=[MENTORSHIP_ID, GOAL_ID], request=MilestoneAddSerializer,
                   responses={201: GoalSerializer}, tags=["mentoring"],
                   summary="Add a milestone to a goal (answers the goal)")
    def post(self, request: Request, mentorship_id: int, goal_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        goal = goal_of(viewer, m, goal_id)
        data = validated(MilestoneAddSerializer, request.data)
        relationship.milestone_add(user=viewer, goal=goal, title=data["title"],
                                   due_on=data.get("due_on"))
        return Response(goal_payload(goal), status=201)


class MilestoneDetailView(PersonAPIView):
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
        return Response(goal_payload(milestone.goal))


class SessionListView(PersonAPIView):
    @extend_schema(operation_id="mentorships_sessions_log", parameters=[MENTORSHIP_ID],
                   request=SessionLogSerializer, responses={201: SessionSerializer},
                   tags=["mentoring"], summary="Log a session they held")
    def post(self, request: Request, mentorship_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, mentorship_id)
        data = validated(SessionLogSerializer, request.data)
        session = relationship.session_log(user=viewer, mentorship=m, **data)
        return Response(session_payload(session), status=201)


class EndView(PersonAPIView):
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
