"""Personal access tokens: what a script or a bot shows instead of a session.

A token is `cohort_pat_` followed by 43 characters of `secrets.token_urlsafe(32)` (256
random bits). The prefix lets secret scanners find a leaked one; the secret is shown once,
when it is made, and only its SHA-256 digest is stored (`AccessToken.digest`, unique):

- a password hash (PBKDF2, Argon2) is slow on purpose because a password has few bits to
  guess; 256 random bits cannot be guessed however fast the hash, and a slow hash would
  cost every API call its time. A plain digest is also what makes the lookup an indexed
  equality on the digest: the secret is never compared character by character, so the
  time an answer takes tells nothing of how close a guess came;
- the digest is not salted with SECRET_KEY: a token is known only to the database of the
  install that made it (another install has no row for it and answers 401), and rotating
  the secret key does not silently kill every script.

A token carries scopes: `read` (safe methods), `write` (implies `read`), `admin` (admin
views, only for an admin, checked when it is made and at every use). It expires: 30 days
unless she picks 7, 90 or 365 (`EXPIRY_CHOICES`; never more than `MAX_DAYS`). A member
holds at most `MAX_PER_MEMBER` live tokens. Revoking one, or her account made inactive
(deactivated, suspended, waiting to be erased), refuses it at once: every use reads the
token and her account now, and open sockets are told through `token_revoked` (connected
in `server.features` to the same bell as a sign-out, `rooms.services.account_changed`).
Erasing her deletes her tokens with her row.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from community import audit, ratelimit
from community.models import AccessToken, User

log = logging.getLogger(__name__)

PREFIX = "cohort_pat_"
SECRET_LENGTH = 43  # token_urlsafe(32): 32 random bytes in unpadded base64url
FORMAT = re.compile(rf"\A{PREFIX}[A-Za-z0-9_-]{{{SECRET_LENGTH}}}\Z")
HINT_LENGTH = len(PREFIX) + 4  # what the list shows of it: "cohort_pat_AbCd…"
SCOPES = ("read", "write", "admin")
DEFAULT_DAYS = 30
EXPIRY_CHOICES = (7, 30, 90, 365)
MAX_DAYS = 365
MAX_PER_MEMBER = 20
TOUCH_SECONDS = 60  # last use written at most once a minute per token
SOCKET_KEY = "token:"  # a token socket's key in rooms.liveness (session keys have no colon)

# Sent with user= when a token of hers stops working early (revoked): her open sockets
# check their rights again at once. `server.features` connects it.
token_revoked = Signal()


class BadToken(Exception):
    """Malformed, unknown, revoked, expired, or its member inactive: one answer for all."""


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def mint() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def well_formed(raw: str) -> bool:
    return bool(FORMAT.match(raw))


def _scopes_clean(owner: User, scopes: Iterable[str]) -> list[str]:
    wanted = set(scopes)
    if not wanted or wanted - set(SCOPES):
        raise ValidationError({"scopes": _("Choose read, write or administration.")})
    if "admin" in wanted and not owner.is_admin:
        raise ValidationError({"scopes": _("Only admins may give a token the "
                                           "administration scope.")})
    if "write" in wanted:
        wanted.add("read")
    return [scope for scope in SCOPES if scope in wanted]


def token_create(*, user: User, name: str, scopes: Iterable[str],
                 days: int | None = DEFAULT_DAYS, actor: User | None = None
                 ) -> tuple[AccessToken, str]:
    """A new token for `user` (made by herself, or by an admin for a bot: `actor`);
    returns it and its secret, which is never shown again."""
    actor = actor or user
    if actor.pk != user.pk and not (actor.is_admin and user.is_bot):
        raise PermissionDenied
    if not user.is_active:
        raise ValidationError(_("This account is inactive."))
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give the token a name of at most 80 characters.")})
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("A token lasts at most %(days)d days.")
                               % {"days": MAX_DAYS}})
    clean = _scopes_clean(user, scopes)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one count at a time
        if AccessToken.objects.filter(user=user).live().count() >= MAX_PER_MEMBER:
            raise ValidationError(_("You have %(n)d tokens, the most allowed. Revoke one "
                                    "first.") % {"n": MAX_PER_MEMBER})
        raw = mint()
        token = AccessToken.objects.create(
            user=user, name=name, scopes=clean, digest=digest(raw), hint=raw[:HINT_LENGTH],
            created_by=actor, expires_at=timezone.now() + timedelta(days=days))
        if actor.pk != user.pk:
            audit.audit_record(actor=actor, action="token.create", target=token,
                               member=user.email)
    return token, raw


def token_revoke(*, actor: User, token: AccessToken) -> AccessToken:
    """Her own token, or any member's by an admin (audited). Idempotent."""
    if actor.pk != token.user_id and not actor.is_admin:
        raise PermissionDenied
    with transaction.atomic():
        token = AccessToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        if actor.pk != token.user_id:
            audit.audit_record(actor=actor, action="token.revoke", target=token,
                               member=token.user.email)
        for receiver, error in token_revoked.send_robust(sender=AccessToken, user=token.user):
            if isinstance(error, Exception):  # the 30-second check closes them anyway
                log.error("token revoked, its sockets not told by %s", receiver,
                          exc_info=error)
    return token


def tokens_of(viewer: User, owner: User) -> QuerySet[AccessToken]:
    """Her tokens (live first), for herself or an admin."""
    if viewer.pk != owner.pk and not viewer.is_admin:
        raise PermissionDenied
    return AccessToken.objects.filter(user=owner).order_by("revoked_at", "-created_at", "-pk")


def access_token(viewer: User, token_id: int) -> AccessToken:
    """Her own token, or any for an admin; one DoesNotExist for missing and forbidden."""
    tokens = AccessToken.objects.select_related("user")
    if not viewer.is_admin:
        tokens = tokens.filter(user=viewer)
    return tokens.get(pk=token_id)


def _mark_powers(token: AccessToken) -> None:
    """Her account, as this token shows it: without the `admin` scope, no admin power
    (community.permissions.acts_as_admin), wherever the request or socket asks."""
    token.user.admin_powers = token.has_scope("admin")


def token_authenticate(raw: str, *, ip: str = "") -> AccessToken:
    """The live token of an active member this secret names, its `user` loaded; BadToken
    for anything else. Its last use is written at most once a minute."""
    if not well_formed(raw):
        raise BadToken
    token = (AccessToken.objects.select_related("user").live()
             .filter(digest=digest(raw), user__is_active=True).first())
    if token is None or ("admin" in token.scopes and not token.user.is_admin):
        raise BadToken
    _mark_powers(token)
    now = timezone.now()
    stale = now - timedelta(seconds=TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at <= stale:
        # Whoever writes first in the minute wins; the others' update matches no row.
        AccessToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale),
                                   pk=token.pk).update(last_used_at=now, last_used_ip=ip or None)
        token.last_used_at, token.last_used_ip = now, ip or None
    return token


def token_check(raw: str, *, ip: str) -> AccessToken:
    """`token_authenticate` behind the address's count of bad tokens (`token.failed`):
    RateLimited once it has shown too many in the window, even a good one, so that
    guessing costs the guesser; each BadToken counts one."""
    uses, seconds = ratelimit.rate("token.failed")
    key = f"token.failed:{ratelimit.ip_key(ip)}"
    ratelimit.ratelimit_check(key, limit=uses, per_seconds=seconds)
    try:
        return token_authenticate(raw, ip=ip)
    except BadToken:
        ratelimit.ratelimit_count(key, per_seconds=seconds)
        raise


# --- Sockets (rooms.liveness) ------------------------------------------------------------
def socket_key(token: AccessToken) -> str:
    """What a token socket gives `rooms.liveness` where a session socket gives its session
    key: a session key never holds a colon."""
    return f"{SOCKET_KEY}{token.pk}"


def socket_sign_in(raw: str, scope: Mapping[str, Any]) -> AccessToken | None:
    """For a socket's handshake or `auth` frame: the live token `raw` names (its user
    loaded), or None (counted as a bad one; none past the address's limit)."""
    try:
        return token_check(raw, ip=ratelimit.client_ip(scope))
    except (BadToken, ratelimit.RateLimited):
        return None


def is_socket_key(key: str | None) -> bool:
    return bool(key) and str(key).startswith(SOCKET_KEY)


def socket_users(keys: Iterable[str]) -> dict[str, User]:
    """For token sockets' keys: the active member of each live token (one query); the
    keys of revoked, expired or deleted tokens, and of inactive members, are left out."""
    ids = {int(key[len(SOCKET_KEY):]): key for key in keys
           if is_socket_key(key) and key[len(SOCKET_KEY):].isdigit()}
    found: dict[str, User] = {}
    for token in AccessToken.objects.live().select_related("user").filter(
            pk__in=list(ids), user__is_active=True):
        if "admin" not in token.scopes or token.user.is_admin:
            _mark_powers(token)
            found[ids[token.pk]] = token.user
    return found


def bearer(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The token of an `Authorization: Bearer ...` header (ASGI headers), else None."""
    for name, value in headers:
        if bytes(name).lower() == b"authorization":
            scheme, _sep, rest = bytes(value).decode("latin1").partition(" ")
            if scheme.lower() == "bearer":
                return rest.strip()
    return None
