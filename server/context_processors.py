"""Values every page's frame needs."""

import functools

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from chat.selectors import unread_by_room
from community.adapters import signup_open
from community.permissions import can_view_moderation_queue
from notifications.selectors import unread_count


def site(request: HttpRequest) -> dict[str, object]:
    # signup_open and can_moderate are passed uncalled: the template calls them only on
    # pages that ask (the navigation asks the second for a signed-in member).
    return {"site_name": settings.SITE_NAME, "signup_open": signup_open,
            "can_moderate": functools.partial(can_view_moderation_queue,
                                              getattr(request, "user", AnonymousUser()))}


def notifications(request: HttpRequest) -> dict[str, object]:
    """The unread counts in the navigation: notifications (one indexed count) and others'
    messages in the rooms she has not muted (one query over her rooms)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count(user),
            "rooms_unread": sum(unread_by_room(user).values())}
