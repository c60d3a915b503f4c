"""`GET /api/v1/recommendations`: what Find a mentor shows her, with the reasons."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import (
    PersonAPIView,
    caller,
)
from community.api.people import PersonSerializer, person_payload
from mentoring import permissions, selectors


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



# --- Recommendations ------------------------------------------------------------------------
class RecommendationsView(PersonAPIView):
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
