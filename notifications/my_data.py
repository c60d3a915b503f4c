"""What the notification centre keeps of a member, for "Download my data" (registered in
`server/features.py`). Her notifications, preferences and settings go with her account
(their rows cascade)."""

from __future__ import annotations

from typing import Any

from community.models import User
from notifications import kinds
from notifications.models import Notification, Preference


def notification_rows(user: User) -> list[dict[str, Any]]:
    return [{"kind": n.kind, "text": kinds.render(n.kind, n.params or {}), "link": n.url,
             "created_at": n.created_at, "read_at": n.read_at, "emailed_at": n.emailed_at}
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")]


def preference_rows(user: User) -> list[dict[str, Any]]:
    return [{"kind": p.kind, "in_the_app": p.in_app, "by_email": p.email}
            for p in Preference.objects.filter(user=user).order_by("kind")]
