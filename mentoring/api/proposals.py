"""The pairs a matching round proposed to her, and her answer (My mentoring)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import (
    Flag,
    PersonAPIView,
    StrictSerializer,
    caller,
    pagination,
    validated,
)
from community.models import User
from mentoring import permissions, selectors
from mentoring.api.shapes import (
    MemberRefSerializer,
    member_ref,
    path_id,
)
from mentoring.models import Proposal
from mentoring.services import rounds

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
            "other": member_ref(other), "status": proposal.status,
            "expires_at": proposal.expires_at,
            "reasons": selectors.proposal_reasons(viewer, proposal),
            "can_answer": permissions.can_answer_proposal(viewer, proposal),
            "answered": proposal.status == _mine(viewer, proposal),
            "mentorship_id": proposal.mentorship_id}


class ProposalListView(PersonAPIView):
    pagination_class = pagination("id")

    @extend_schema(operation_id="proposals_list", responses=ProposalSerializer(many=True),
                   tags=["mentoring"],
                   summary="Pairs the programme team proposed to her, waiting for answers")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        rows = permissions.proposals_visible_to(viewer).filter(
            status__in=Proposal.WAITING).select_related("mentee", "mentor")
        return self.paged([proposal_payload(viewer, p) for p in self.page(rows)])


class ProposalAnswerView(PersonAPIView):
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
