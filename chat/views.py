"""The rooms page (room list, chat pane, members) and the chat JSON API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chat import selectors
from community.models import User
from community.permissions import member_of
from rooms import hooks as room_hooks
from rooms import permissions as room_permissions
from rooms import selectors as room_selectors


def _room_summaries(viewer: User, *, extras: bool = False) -> list[dict[str, object]]:
    return selectors.room_summaries(viewer, room_selectors.room_list(viewer), extras=extras)


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
