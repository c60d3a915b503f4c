"""ICE servers for a participant: STUN as configured, TURN with minted credentials.

coturn's shared-secret scheme (`use-auth-secret`, the "TURN REST API"): the username is
"<expiry unix time>:<member id>" and the password is base64(HMAC-SHA1(secret, username)).
coturn recomputes it from the same secret and refuses it after the expiry. The secret
itself never leaves the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings

from community.models import User
from rooms.protocol import IceServerPayload
from video import permissions


def turn_credentials(user_id: int, *, secret: str, ttl: int,
                     now: float | None = None) -> tuple[str, str]:
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(user_id: int) -> list[IceServerPayload]:
    servers: list[IceServerPayload] = []
    if settings.COHORT_STUN_URLS:
        servers.append({"urls": list(settings.COHORT_STUN_URLS)})
    if settings.COHORT_TURN_URLS and settings.COHORT_TURN_SECRET:
        username, credential = turn_credentials(
            user_id, secret=settings.COHORT_TURN_SECRET, ttl=settings.COHORT_TURN_TTL)
        servers.append({"urls": list(settings.COHORT_TURN_URLS), "username": username,
                        "credential": credential})
    return servers


def transport_policy(user: User) -> str:
    """Her browser's `iceTransportPolicy`: "relay" (TURN only) when she hides her address."""
    return "relay" if permissions.hides_address(user) else "all"
