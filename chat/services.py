"""Every write of chat. Each one locks its room's row and takes the room's next `rev` (and a
new message its `seq`) from the rooms services, which own the room's log, so the numbers
follow commit order with no gap (a rolled-back write gives its number back); each
publishes its event only after commit. Chat writes no row of the rooms app itself."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import attachments, hooks, permissions, selectors, statements
from chat.models import Mention, Message, Reaction
from chat.rendering import excerpt, plain_excerpt, render_message
from community.models import User
from community.ratelimit import limit_member, ratelimit_hit
from rooms import permissions as room_permissions
from rooms import protocol
from rooms import services as room_services
from rooms.models import Membership, Room
from rooms.protocol import MessagePayload

MAX_MESSAGE_CHARS = 10_000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class NotFound(Exception):
    """The room or message does not exist for this member (or does not exist at all)."""


def _clean_text(text: object) -> str:
    if not isinstance(text, str):
        raise ValidationError(_("A message is text."))
    text = text.strip()
    if not text:
        raise ValidationError(_("A message cannot be empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationError(_("A message has at most %(max)d characters.")
                              % {"max": MAX_MESSAGE_CHARS})
    return text


def _mentionable(room: Room, text: str) -> dict[str, tuple[int, str]]:
    """The room's members by name, read only when the text may mention someone."""
    return selectors.members_by_name(room) if "@**" in text else {}


def _publish_message(message_id: int, created: bool) -> None:
    """Read the message back after commit (edits, deletions, reactions) and ring the room."""
    message = selectors.message_get(message_id)
    _publish(message, selectors.message_payload(message), created)


def _publish(message: Message, payload: MessagePayload, created: bool) -> None:
    if created:
        protocol.publish(message.room_id, {
            "type": "chat.message.created", "room_id": message.room_id, "rev": message.rev,
            "message": payload})
    else:
        protocol.publish(message.room_id, {
            "type": "chat.message.updated", "room_id": message.room_id, "rev": message.rev,
            "message": payload})


def _set_mentions(message: Message, user_ids: list[int], author: User, *,
                  created: bool = False) -> set[int]:
    """Record who is mentioned; each newly mentioned member gets a personal event.

    Returns who is mentioned now. A message just `created` has no mention yet.
    """
    wanted = permissions.mentionable_by(author, user_ids)
    if created:
        before: set[int] = set()
    else:
        before = set(message.mention_rows.values_list("user_id", flat=True))
        if before - wanted:
            Mention.objects.filter(message=message).exclude(user_id__in=wanted).delete()
    Mention.objects.bulk_create([Mention(message=message, user_id=uid)
                                 for uid in wanted - before])
    for user_id in wanted - before:
        protocol.publish_to_user(user_id, {
            "type": "notify.mention", "room_id": message.room_id, "message_id": message.pk,
            "seq": message.seq, "author": {"id": author.pk, "name": author.name},
            "excerpt": excerpt(message.text)})
    return wanted


def message_send(
    *, author: User, room_id: int, text: str, client_id: str, reply_to: int | None = None,
    tell: bool = True,
) -> tuple[Message, bool]:
    """Store a message and return it with True, or, for a client_id already stored by
    this author in this room, the stored message with False (a resend after a lost ack).

    `tell=False`: whom it is for is not told by the notification centre, because the
    caller tells them itself (a mentor's welcome comes with "your request is accepted").
    """
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValidationError(_("client_id must be 1 to 64 letters, digits or - _ . :"))
    text = _clean_text(text)
    with transaction.atomic():
        membership = room_permissions.membership_locking_room(author, room_id)
        if membership is None:
            if room_permissions.can_view_room_id(author, room_id):  # break-glass: read only
                raise PermissionDenied(_("You cannot write in this room."))
            raise NotFound
        room = membership.room
        parent = None
        if reply_to is not None:
            parent = Message.objects.select_related("author").filter(
                room=room, pk=reply_to).first()
            if parent is None:
                raise ValidationError(_("The message you reply to is not in this room."))
        rendered = render_message(text, _mentionable(room, text),
                                  attachments.documents_in(room.pk, text))
        place = room_services.message_place_take(room=room, reader=membership)
        message = Message(
            room=room, author=author, seq=place.seq, rev=place.rev, created_rev=place.rev,
            client_id=client_id, text=text, html=rendered.html, reply_to=parent)
        # One statement stores it and writes its place (the room's counters, her read
        # position: her own message never counts as unread), unless her client_id is
        # stored already: a resend after a lost ack gets the stored message, whatever the
        # checks below would say now.
        if not statements.message_insert(message, place):
            return Message.objects.get(room=room, author=author, client_id=client_id), False
        # A check that fails here rolls the insert back: no one ever saw it.
        if not permissions.can_send(author, room, membership=membership):
            raise PermissionDenied(_("You cannot write in this room."))
        ratelimit_hit(f"chat.send:{author.pk}", limit=settings.COHORT_CHAT_SEND_LIMIT,
                      per_seconds=settings.COHORT_CHAT_SEND_WINDOW)
        mentioned = _set_mentions(message, rendered.mentioned_user_ids, author, created=True)
        if tell:
            hooks.message_sent(room=room, author=author, message_id=message.pk, seq=message.seq,
                               excerpt=plain_excerpt(rendered.html), mentioned=mentioned,
                               replied_to=parent.author_id if parent is not None else None)
        # The event is built from what is in hand: nothing is read back after commit.
        _publish(message, selectors.new_message_payload(message, mentioned), created=True)
        protocol.publish_to_user(author.pk, {
            "type": "rooms.read", "room_id": room.pk, "last_read_seq": message.seq,
            "unread": 0, "mentions": 0})
    return message, True


def notice_post(room_id: int, text: str) -> Message:
    """A notice from the server in the room's history (break-glass access opened or
    ended: `rooms.hooks.room_notice`): no author, never edited or deleted by a member. It
    takes the room's next `seq` and `rev` under the room's lock, in the caller's
    transaction, counts as unread for every member, and the room hears it after commit.
    Its text is Markdown, sanitised like every message."""
    with transaction.atomic():
        room = room_services.room_lock(room_id=room_id)
        place = room_services.notice_place_take(room=room)
        rendered = render_message(text, {}, set())
        message = Message.objects.create(
            room=room, author=None, seq=place.seq, rev=place.rev, created_rev=place.rev,
            client_id=f"notice-{place.rev}", text=text, html=rendered.html, notice=True)
        _publish(message, selectors.new_message_payload(message, []), created=True)
    return message


def _locked_message(user: User, message_id: int) -> tuple[Room, Message]:
    """The message and its locked room; NotFound if the member cannot see it."""
    message = Message.objects.select_related("room").filter(pk=message_id).first()
    if message is None or not room_permissions.can_view_room(user, message.room):
        raise NotFound
    room = room_services.room_lock(room_id=message.room_id)
    message = Message.objects.select_related("room").get(pk=message_id)
    return room, message


def message_edit(*, user: User, message_id: int, text: str) -> Message:
    limit_member("chat.edit", user)  # RateLimited: nothing changes
    text = _clean_text(text)
    with transaction.atomic():
        room, message = _locked_message(user, message_id)
        if not permissions.can_edit(user, message):
            raise PermissionDenied(_("Only the author edits a message."))
        if text == message.text:
            return message
        rendered = render_message(text, _mentionable(room, text),
                                  attachments.documents_in(room.pk, text))
        message.rev = room_services.rev_take(room=room)
        message.text, message.html, message.edited_at = text, rendered.html, timezone.now()
        message.save(update_fields=["rev", "text", "html", "edited_at"])
        before = set(message.mention_rows.values_list("user_id", flat=True))
        added = _set_mentions(message, rendered.mentioned_user_ids, user) - before
        hooks.message_changed(room.pk, message.seq, plain_excerpt(rendered.html))
        if added and room.kind == Room.Kind.GROUP:  # as Zulip does: a mention added is told
            hooks.message_sent(room=room, author=user, message_id=message.pk, seq=message.seq,
                               excerpt=plain_excerpt(rendered.html), mentioned=added,
                               replied_to=None)
        transaction.on_commit(lambda: _publish_message(message.pk, created=False))
    return message


def message_delete(*, user: User, message_id: int) -> Message:
    """Deleted messages keep their place (seq) and lose their content; who deleted it is
    kept, so members see whether a moderator did (`deleted_by` in the payload)."""
    with transaction.atomic():
        room, message = _locked_message(user, message_id)
        if not permissions.can_delete(user, message):
            raise PermissionDenied(_("You cannot delete this message."))
        message.rev = room_services.rev_take(room=room)
        message.text, message.html, message.deleted_at = "", "", timezone.now()
        message.deleted_by = user
        message.save(update_fields=["rev", "text", "html", "deleted_at", "deleted_by"])
        Reaction.objects.filter(message=message).delete()
        Mention.objects.filter(message=message).delete()
        hooks.message_changed(room.pk, message.seq, None)
        transaction.on_commit(lambda: _publish_message(message.pk, created=False))
    return message


def message_hide(*, moderator: User, message_id: int) -> Message | None:
    """Hide a reported message: its text and html are emptied as a deletion's are, and it
    reads "hidden by a moderator" to everyone (`deleted_by` "hidden"). The room hears it as
    `chat.message.hidden`, on its event log like any change; what told anyone of it
    (notifications) loses its words. None if it is gone already (deleted or hidden).

    Caller: `community.moderation.report_act` (through `server.features`), which asked
    community.permissions whether `moderator` may act on the report: a moderator of
    this room, or an admin, who may not be in it. Nothing else is checked here; a notice
    from the server (break-glass access opened or ended) is never hidden: ValidationError."""
    with transaction.atomic():
        room_id = Message.objects.filter(pk=message_id).values_list("room_id", flat=True).first()
        if room_id is None:
            return None
        room = room_services.room_lock(room_id=room_id)
        message = Message.objects.select_related("room").get(pk=message_id)
        if message.notice:
            raise ValidationError(_("A notice from Cohort cannot be hidden."))
        if message.deleted_at is not None:
            return None
        message.rev = room_services.rev_take(room=room)
        message.text, message.html = "", ""
        message.deleted_at = message.hidden_at = timezone.now()
        message.deleted_by = moderator
        message.save(update_fields=["rev", "text", "html", "deleted_at", "hidden_at",
                                    "deleted_by"])
        Reaction.objects.filter(message=message).delete()
        Mention.objects.filter(message=message).delete()
        hooks.message_changed(room.pk, message.seq, None)

        def publish() -> None:
            hidden = selectors.message_get(message.pk)
            protocol.publish(hidden.room_id, {
                "type": "chat.message.hidden", "room_id": hidden.room_id, "rev": hidden.rev,
                "message": selectors.message_payload(hidden)})
        transaction.on_commit(publish)
    return message


def _clean_emoji(emoji: object) -> str:
    """One emoji (with its modifiers and joiners): no letters, digits, spaces or markup."""
    if not isinstance(emoji, str) or not 1 <= len(emoji) <= 16:
        raise ValidationError(_("Choose an emoji."))
    for char in emoji:
        category = unicodedata.category(char)
        if char.isascii() or category.startswith(("L", "N", "Z", "C")) and char != "\u200d":
            raise ValidationError(_("Choose an emoji."))
    return emoji


def reaction_set(*, user: User, message_id: int, emoji: str, on: bool) -> Message:
    """Add or take back her reaction; doing what is already done changes nothing."""
    limit_member("chat.react", user)  # RateLimited: nothing changes
    emoji = _clean_emoji(emoji)
    with transaction.atomic():
        room, message = _locked_message(user, message_id)
        if not permissions.can_react(user, message):
            raise PermissionDenied(_("You cannot react to this message."))
        mine = Reaction.objects.filter(message=message, user=user, emoji=emoji)
        if on == mine.exists():
            return message
        if on:
            if message.reactions.values("emoji").distinct().count() >= 20 and not \
                    message.reactions.filter(emoji=emoji).exists():
                raise ValidationError(_("This message has as many kinds of reaction as it can."))
            Reaction.objects.create(message=message, user=user, emoji=emoji)
        else:
            mine.delete()
        message.rev = room_services.rev_take(room=room)
        message.save(update_fields=["rev"])
        transaction.on_commit(lambda: _publish_message(message.pk, created=False))
    return message


def read_mark(*, user: User, room_id: int, seq: int) -> int:
    """Move her read position forward to `seq` (never back); all her tabs are told."""
    with transaction.atomic():
        try:
            position = room_services.read_position_move(user=user, room_id=room_id, seq=seq)
        except Membership.DoesNotExist:
            raise NotFound from None
        if position.moved:
            hooks.room_read(user.pk, room_id, position.seq)
            state = selectors.room_states(user, [room_id])[0]
            protocol.publish_to_user(user.pk, {
                "type": "rooms.read", "room_id": room_id, "last_read_seq": position.seq,
                "unread": state["unread"], "mentions": state["mentions"]})
    return position.seq


def messages_erase(*, author_id: int) -> int:
    """Her account is erased and the community's policy erases her messages: each keeps
    its place (seq) and loses its content, as her own deletion would, and her rooms hear
    it. One transaction per room, under the room's lock. Returns how many were erased."""
    room_ids = list(Message.objects.filter(author_id=author_id, deleted_at__isnull=True)
                    .values_list("room_id", flat=True).distinct())
    count = 0
    for room_id in room_ids:
        with transaction.atomic():
            room = room_services.room_lock(room_id=room_id)
            now = timezone.now()
            for message in Message.objects.filter(room_id=room_id, author_id=author_id,
                                                  deleted_at__isnull=True):
                message.rev = room_services.rev_take(room=room)
                message.text, message.html, message.deleted_at = "", "", now
                message.deleted_by_id = author_id
                message.save(update_fields=["rev", "text", "html", "deleted_at", "deleted_by"])
                Reaction.objects.filter(message=message).delete()
                Mention.objects.filter(message=message).delete()
                hooks.message_changed(room.pk, message.seq, None)
                transaction.on_commit(
                    lambda pk=message.pk: _publish_message(pk, created=False))  # type: ignore[misc]
                count += 1
    return count
