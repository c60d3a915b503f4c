"""Her mentorship requests: asking a mentor, and the mentor's answer, as on the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import (
    PersonAPIView,
    StrictSerializer,
    Text,
    WholeNumber,
    caller,
    pagination,
    validated,
)
from community.models import User
from community.permissions import profiles_visible_to
from mentoring import permissions
from mentoring.api.shapes import (
    ID_MAX,
    REQUEST_ID,
    MentorshipDetailSerializer,
    MentorshipSerializer,
    mentorship_detail,
    mentorship_payload,
)
from mentoring.models import Mentorship
from mentoring.services import requests
from mentoring.services.requests import NOTE_MAX


class RequestSendSerializer(StrictSerializer):
    mentor_id = WholeNumber(min_value=1, max_value=ID_MAX)
    note = Text(max_length=NOTE_MAX, help_text="Who she is, what she hopes to work on.")


class AnswerSerializer(StrictSerializer):
    message = Text(max_length=NOTE_MAX, required=False, allow_blank=True,
                   help_text="Optional: her words to the mentee.")


class QuestionSerializer(StrictSerializer):
    question = Text(max_length=NOTE_MAX)



# --- Requests -------------------------------------------------------------------------------
BOX = OpenApiParameter("box", str, enum=["sent", "received"],
                       description="sent: hers to mentors; received: mentees' to her. Both "
                                   "without it.")


class RequestListView(PersonAPIView):
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


class RequestAcceptView(PersonAPIView):
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


class RequestDeclineView(PersonAPIView):
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


class RequestQuestionView(PersonAPIView):
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


class RequestWithdrawView(PersonAPIView):
    @extend_schema(operation_id="mentorship_requests_withdraw", parameters=[REQUEST_ID],
                   request=None, responses=MentorshipDetailSerializer, tags=["mentoring"],
                   summary="Withdraw a request she sent")
    def post(self, request: Request, request_id: int) -> Response:
        viewer = caller(request)
        m = permissions.access_mentorship(viewer, request_id)
        requests.request_withdraw(mentee=viewer, mentorship_id=m.pk)
        return Response(mentorship_detail(viewer, m.pk))
