"""Mentoring rooms and who is in them; the live connections that carry presence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    """A private space. `last_seq` numbers its messages; `last_rev` numbers every change.

    Both counters are bumped under the row lock of the writing transaction, so they have
    no gaps and follow commit order (rooms.services: the room's event log).
    """

    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("Mentoring pair")
        GROUP = "group", _("Group")
        DIRECT = "direct", _("Direct messages")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    # "<small id>-<large id>" for direct rooms: one direct room per pair.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_rev = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    last_read_seq = models.PositiveBigIntegerField(default=0)
    # Muted: its messages count as unread in the room only, never in the navigation; no
    # notification of its messages or calls and no e-mail (a mention still reaches the
    # notification centre).
    muted = models.BooleanField(_("muted"), default=False)
    # Muted by a moderator (community.moderation): until then she cannot post, react or
    # type here (rooms.permissions.can_post). Not the member's own `muted` above.
    silenced_until = models.DateTimeField(_("muted by a moderator until"), null=True,
                                          blank=True)

    class Meta:
        verbose_name = _("room membership")
        verbose_name_plural = _("room memberships")
        constraints = [models.UniqueConstraint("room", "user", name="membership_once")]
        indexes = [models.Index(fields=["user", "room"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.room} ({self.role})"


class Connection(models.Model):
    """One open socket of a member: the record presence is computed from.

    A socket refreshes `seen_at` on every heartbeat; a row older than PRESENCE_TIMEOUT
    belongs to a process that died and counts for nothing. A socket of a token without
    the `write` scope is `reading` from start to end: it counts against the caps on
    sockets, never for her presence (a script reading is not her being there).
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("Online")
        IDLE = "idle", _("Away")
        READING = "reading", _("Reading only")

    channel_name = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The address it came from (community.ratelimit.client_ip; an IPv6 /64 as one): the
    # open sockets of one address are capped (COHORT_SOCKETS_PER_IP).
    client_ip = models.CharField(max_length=45, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")

    def __str__(self) -> str:
        return f"{self.user} {self.state}"


class BreakGlassGrant(models.Model):
    """An admin's read-only look into a pair's or a direct room, for a stated reason and a
    limited time (rooms.services.break_glass_open).

    While it is active (not ended, not expired) `rooms.permissions` lets her read the
    room as its members do; she never becomes a member, so she posts, reacts, types and
    calls nothing. Both members are told in the room when it starts and when it ends.
    """

    admin = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="break_glass_grants",
        verbose_name=_("admin"))
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="break_glass_grants",
                             verbose_name=_("room"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Set once the room was told that access ended (at its end, or by the sweep after
    # its expiry): the notice is posted once.
    end_noticed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["admin", "room"], name="break_glass_admin_room")]

    def __str__(self) -> str:
        return f"{self.admin} in {self.room} until {self.expires_at:%Y-%m-%d %H:%M}"

    def is_active_at(self, moment: object) -> bool:
        return self.ended_at is None and self.expires_at > moment  # type: ignore[operator]
