"""The rooms page (room list, chat pane, members) and the chat JSON API."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chat import permissions as chat_permissions
from chat import selectors
from community.models import User
from community.permissions import member_of
from community.ratelimit import limit_member
from rooms import hooks as room_hooks
from rooms import permissions as room_permissions
from rooms import selectors as room_selectors
from rooms.models import Room


def _room_summaries(viewer: User, *, extras: bool = False) -> list[dict[str, object]]:
    """Her rooms with her read state and what she may do in each, in a fixed number of
    queries whatever her number of rooms (the rules' set forms). `extras`: with the fields
    room features add (rooms.hooks), for the rooms page."""
    rooms = list(room_selectors.room_list(viewer))
    states = {s["room_id"]: s for s in selectors.room_states(viewer)}
    memberships = room_permissions.memberships_in(viewer, rooms)
    posting = room_permissions.can_post_in(viewer, rooms, memberships=memberships)
    moderating = room_permissions.can_moderate_in(viewer, rooms, memberships=memberships)
    managing = room_permissions.can_manage_members_in(viewer, rooms, memberships=memberships)
    deleting = chat_permissions.can_delete_others_in(viewer, rooms, memberships=memberships)
    added = room_hooks.room_summary_extras(viewer, rooms) if extras else {}
    summaries: list[dict[str, object]] = []
    for room in rooms:
        state = states.get(room.pk)
        summaries.append({
            "id": room.pk, "kind": room.kind, "title": room_selectors.room_title(room, viewer),
            "topic": room.topic, "archived": room.is_archived,
            "last_seq": state["last_seq"] if state else 0,
            "last_rev": state["last_rev"] if state else 0,
            "last_read_seq": state["last_read_seq"] if state else 0,
            "unread": state["unread"] if state else 0,
            "mentions": state["mentions"] if state else 0,
            "can_post": room.pk in posting, "can_moderate": room.pk in moderating,
            "can_manage": room.pk in managing, "can_delete_others": room.pk in deleting,
            "muted": bool(memberships[room.pk].muted) if room.pk in memberships else False,
            **added.get(room.pk, {}),
        })
    return summaries


@require_GET
def rooms_page(request: HttpRequest, room_id: int | None = None) -> HttpResponse:
    """The live chat page. The browser gets the room list and the chosen room's members;
    messages arrive over the socket. Room features (calls) add their state through
    rooms.hooks."""
    viewer = member_of(request)
    room = room_permissions.access_room(viewer, room_id) if room_id is not None else None
    rooms = _room_summaries(viewer, extras=True)
    return render(request, "chat/rooms.html", {
        "room": room,
        "room_title": room_selectors.room_title(room, viewer) if room else "",
        "rooms": rooms,
        "boot": {
            "user": {"id": viewer.pk, "name": viewer.name},
            "rooms": rooms,
            "room_id": room.pk if room else None,
            "members": room_selectors.member_list(viewer, room) if room else [],
            "collapse_blocked": room_permissions.collapses_blocked(room) if room else False,
            "blocked": room_permissions.collapsed_authors(viewer),
            **(room_hooks.room_page_extras(viewer, room) if room else {}),
        },
        "can_create_group": room_permissions.can_create_group(viewer),
        "silenced_until": room_permissions.silenced_until(viewer, room) if room else None,
        # An admin reading through break-glass: told so, and no composer.
        "break_glass": room_selectors.break_glass_grant(viewer, room) if room else None,
    })


@require_GET
def api_rooms(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"rooms": _room_summaries(member_of(request))})


def _api_room(viewer: User, room_id: int) -> Room | None:
    try:
        return room_permissions.access_room(viewer, room_id)
    except Http404:
        return None


NOT_FOUND = {"error": "not_found", "detail": "No such room."}


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        return -1


@require_GET
def api_messages(request: HttpRequest, room_id: int) -> JsonResponse:
    """History: the latest page, `?before=<seq>` to page back, `?after=<seq>` forward."""
    viewer = member_of(request)
    room = _api_room(viewer, room_id)
    if room is None:
        return JsonResponse(NOT_FOUND, status=404)
    before, after, limit = (_int_param(request, "before"), _int_param(request, "after"),
                            _int_param(request, "limit"))
    if -1 in (before, after, limit):
        return JsonResponse({"error": "invalid", "detail": "before, after and limit are "
                             "whole numbers."}, status=400)
    limit_member("chat.history", viewer)  # RateLimited: 429 (community.middleware)
    messages = selectors.messages_page(viewer, room, before_seq=before, after_seq=after,
                                       limit=limit or 50)
    return JsonResponse({"room_id": room.pk, "messages": messages})


@require_GET
def api_members(request: HttpRequest, room_id: int) -> JsonResponse:
    viewer = member_of(request)
    room = _api_room(viewer, room_id)
    if room is None:
        return JsonResponse(NOT_FOUND, status=404)
    return JsonResponse({"room_id": room.pk,
                         "members": room_selectors.member_list(viewer, room)})


@require_GET
def api_rooms_unread(request: HttpRequest) -> JsonResponse:
    """Others' unread messages per room she has not muted, and their total (the
    navigation's "Rooms" count)."""
    viewer = member_of(request)
    unread = selectors.unread_by_room(viewer)
    return JsonResponse({"total": sum(unread.values()),
                         "rooms": {str(room_id): count for room_id, count in unread.items()}})
