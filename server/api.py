"""The open API v1's URL map (docs/api.md): each app's `api.py` views under /api/v1/,
the OpenAPI schema and a page listing its operations; the JSON paths that came before v1
answer 410 Gone with their successor's path.

Adding a resource is a module per app: its views in `<app>/api.py` (built on
`community.api.framework`), one line each here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, register_converter
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

from calendar_app import api as calendar_api
from chat import api as chat_api
from community import api_tokens
from community.api import me, people
from documents import api as documents_api
from mentoring.api import mentorships, proposals, recommendations
from mentoring.api import requests as mentorship_requests
from notifications import api as notifications_api
from rooms import api as rooms_api


class IdConverter:
    """A database id in a path: 1 to 15 digits. Longer ones match no route (404), never
    a number the database cannot hold."""

    regex = "[0-9]{1,15}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


def _v1(route: str, view: Any, name: str) -> URLPattern:
    # Signed-out callers reach the view, whose authentication answers 401 in the API's
    # envelope (and tokens, later, are read there: not by the site's login middleware).
    return path(f"api/v1/{route}", login_not_required(view),
                name=f"api_v1_{name.replace('-', '_')}")


ERROR_RESPONSES = {
    "400": "Bad input: every problem, one entry per field (nothing changed).",
    "401": "Not signed in.",
    "403": "Signed in, but she may not do this (CSRF token missing, or the rules say no).",
    "404": "No such thing, or not one she may see.",
    "405": "This method is not offered here.",
    "406": "The API answers JSON only.",
    "415": "The API reads JSON only.",
    "429": "A limit reached: Retry-After says how many seconds to wait.",
}


def error_responses(result: dict[str, Any], generator: Any, request: Any,
                    public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the error envelope as a component, and
    documented on every operation, so that the contract says what each error reads."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object", "required": ["field", "code", "message"],
        "properties": {
            "field": {"type": ["string", "null"],
                      "description": "The field or query parameter at fault (nested: "
                                     "`kinds.0.code`); null for the request as a whole."},
            "code": {"type": "string", "description": "A stable word: `required`, "
                     "`invalid`, `unknown`, `not_found`, `rate_limited`, ..."},
            "message": {"type": "string", "description": "For people, in her language."},
        },
    }
    schemas["Errors"] = {
        "type": "object", "required": ["errors"],
        "properties": {"errors": {"type": "array",
                                  "items": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status == "415" and method in ("get", "delete"):
                    continue
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Errors"}}},
                })
    return result


@require_GET
def docs_page(request: HttpRequest) -> HttpResponse:
    """The operations, as the schema says them, on a page of the site's own: no script,
    no third-party asset, so it works under the site's `'self'`-only CSP."""
    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    operations = []
    for route, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append({
                "method": method.upper(), "path": route,
                "summary": operation.get("summary", ""),
                "tag": (operation.get("tags") or [""])[0],
                "parameters": [p["name"] for p in operation.get("parameters", [])
                               if p.get("in") == "query"],
                "statuses": sorted(operation.get("responses", {})),
            })
    return render(request, "api/docs.html", {"operations": operations,
                                             "version": schema["info"]["version"]})


def gone(successor: str) -> Any:
    """An endpoint from before v1: 410 Gone, and where its successor is."""

    @login_not_required
    def view(request: HttpRequest, **kwargs: Any) -> JsonResponse:
        moved_to = successor.format(**kwargs)
        response = JsonResponse({
            "errors": [{"field": None, "code": "gone", "message": _(
                "This address is gone: use %(path)s (docs/api.md).") % {"path": moved_to}}],
            "moved_to": moved_to}, status=410)
        response["Link"] = f'<{moved_to}>; rel="successor-version"'
        return response
    return view


urlpatterns = [
    _v1("me", me.MeView.as_view(), "me"),
    _v1("rooms", chat_api.RoomListView.as_view(), "rooms"),
    _v1("rooms/unread", chat_api.RoomUnreadView.as_view(), "rooms-unread"),
    _v1("rooms/<id:room_id>", chat_api.RoomDetailView.as_view(), "room"),
    _v1("rooms/<id:room_id>/read-position", chat_api.ReadPositionView.as_view(),
        "room-read-position"),
    _v1("rooms/<id:room_id>/muted", rooms_api.RoomMuteView.as_view(), "room-muted"),
    _v1("rooms/<id:room_id>/messages", chat_api.MessageListView.as_view(), "messages"),
    _v1("messages/<id:message_id>", chat_api.MessageDetailView.as_view(), "message"),
    _v1("messages/<id:message_id>/reactions", chat_api.ReactionView.as_view(),
        "message-reactions"),
    _v1("rooms/<id:room_id>/members", rooms_api.MemberListView.as_view(), "members"),
    _v1("rooms/<id:room_id>/members/<id:user_id>", rooms_api.MemberDetailView.as_view(),
        "member"),
    _v1("notifications", notifications_api.NotificationListView.as_view(), "notifications"),
    _v1("notifications/unread", notifications_api.NotificationUnreadView.as_view(),
        "notifications-unread"),
    _v1("notifications/read", notifications_api.NotificationReadView.as_view(),
        "notifications-read"),
    _v1("notifications/preferences", notifications_api.PreferencesView.as_view(),
        "notification-preferences"),
    _v1("people", people.PeopleView.as_view(), "people"),
    _v1("people/<id:user_id>", people.PersonView.as_view(), "person"),
    _v1("me/profile", people.MyProfileView.as_view(), "my-profile"),
    _v1("topics", people.TopicListView.as_view(), "topics"),
    _v1("recommendations", recommendations.RecommendationsView.as_view(), "recommendations"),
    _v1("mentorship-requests", mentorship_requests.RequestListView.as_view(),
        "mentorship-requests"),
    _v1("mentorship-requests/<id:request_id>/accept",
        mentorship_requests.RequestAcceptView.as_view(), "mentorship-request-accept"),
    _v1("mentorship-requests/<id:request_id>/decline",
        mentorship_requests.RequestDeclineView.as_view(), "mentorship-request-decline"),
    _v1("mentorship-requests/<id:request_id>/question",
        mentorship_requests.RequestQuestionView.as_view(), "mentorship-request-question"),
    _v1("mentorship-requests/<id:request_id>/withdraw",
        mentorship_requests.RequestWithdrawView.as_view(), "mentorship-request-withdraw"),
    _v1("mentorships", mentorships.MentorshipListView.as_view(), "mentorships"),
    _v1("mentorships/<id:mentorship_id>", mentorships.MentorshipDetailView.as_view(),
        "mentorship"),
    _v1("mentorships/<id:mentorship_id>/agreement", mentorships.AgreementView.as_view(),
        "mentorship-agreement"),
    _v1("mentorships/<id:mentorship_id>/agreement/confirm",
        mentorships.AgreementConfirmView.as_view(), "mentorship-agreement-confirm"),
    _v1("mentorships/<id:mentorship_id>/goals", mentorships.GoalListView.as_view(),
        "mentorship-goals"),
    _v1("mentorships/<id:mentorship_id>/goals/<id:goal_id>",
        mentorships.GoalDetailView.as_view(), "mentorship-goal"),
    _v1("mentorships/<id:mentorship_id>/goals/<id:goal_id>/milestones",
        mentorships.MilestoneListView.as_view(), "mentorship-milestones"),
    _v1("mentorships/<id:mentorship_id>/milestones/<id:milestone_id>",
        mentorships.MilestoneDetailView.as_view(), "mentorship-milestone"),
    _v1("mentorships/<id:mentorship_id>/sessions", mentorships.SessionListView.as_view(),
        "mentorship-sessions"),
    _v1("mentorships/<id:mentorship_id>/end", mentorships.EndView.as_view(),
        "mentorship-end"),
    _v1("proposals", proposals.ProposalListView.as_view(), "proposals"),
    _v1("proposals/<id:proposal_id>/answer", proposals.ProposalAnswerView.as_view(),
        "proposal-answer"),
    _v1("tokens", api_tokens.TokenList.as_view(), "tokens"),
    _v1("tokens/<id:token_id>", api_tokens.TokenDetail.as_view(), "token"),
    _v1("admin/tokens", api_tokens.AllTokens.as_view(), "admin-tokens"),
    _v1("rooms/<id:room_id>/documents", documents_api.RoomDocumentsView.as_view(),
        "room-documents"),
    _v1("documents/<id:document_id>", documents_api.DocumentDetailView.as_view(), "document"),
    _v1("documents/<id:document_id>/versions", documents_api.VersionsView.as_view(),
        "document-versions"),
    _v1("documents/<id:document_id>/versions/<id:number>/file",
        documents_api.VersionFileView.as_view(), "document-version-file"),
    _v1("documents/<id:document_id>/comments", documents_api.CommentsView.as_view(),
        "document-comments"),
    _v1("documents/<id:document_id>/comments/<id:comment_id>",
        documents_api.CommentDetailView.as_view(), "document-comment"),
    _v1("calendar", calendar_api.AgendaView.as_view(), "calendar"),
    _v1("rooms/<id:room_id>/events", calendar_api.RoomEventsView.as_view(), "room-events"),
    _v1("events/<id:event_id>", calendar_api.EventDetailView.as_view(), "event"),
    _v1("events/<id:event_id>/answer", calendar_api.AnswerView.as_view(), "event-answer"),
]

# The schema and its page: public, like the documentation in the repository.
urlpatterns += [
    path("api/v1/schema/", login_not_required(SpectacularAPIView.as_view()),
         name="api_v1_schema"),
    path("api/v1/docs/", login_not_required(docs_page), name="api_v1_docs"),
]

@login_not_required
def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other path under /api/v1/: the API's 404, not the site's page."""
    return JsonResponse({"errors": [{"field": None, "code": "not_found",
                                     "message": _("Not found.")}]}, status=404)


urlpatterns += [path("api/v1/<path:rest>", not_found)]

legacy = [
    path("api/me", gone("/api/v1/me")),
    path("api/rooms/", gone("/api/v1/rooms")),
    path("api/rooms/unread", gone("/api/v1/rooms/unread")),
    path("api/rooms/<int:room_id>/messages", gone("/api/v1/rooms/{room_id}/messages")),
    path("api/rooms/<int:room_id>/members", gone("/api/v1/rooms/{room_id}/members")),
    path("api/rooms/<int:room_id>/documents", gone("/api/v1/rooms/{room_id}/documents")),
    path("api/notifications", gone("/api/v1/notifications")),
    path("api/notifications/read", gone("/api/v1/notifications/read")),
]
