"""What chat keeps of a member, for "Download my data" and the account's erasure
(registered in `server/features.py`)."""

from __future__ import annotations

from typing import Any

from chat import services
from chat.models import Message
from community.models import User


def message_rows(user: User) -> list[dict[str, Any]]:
    """Her messages not deleted, with their room's name, oldest first."""
    messages = (Message.objects.filter(author=user, deleted_at__isnull=True)
                .select_related("room", "reply_to").order_by("room_id", "seq"))
    return [{"room": message.room.name or message.room.get_kind_display(),
             "room_id": message.room_id, "number": message.seq,
             "sent_at": message.created_at, "edited_at": message.edited_at,
             "text": message.text,
             "reply_to": message.reply_to.seq if message.reply_to is not None else None}
            for message in messages]


def messages_erase(user: User, keep: bool) -> int:
    """Erased, unless the community keeps them (then they lose her name with her account)."""
    return 0 if keep else services.messages_erase(author_id=user.pk)
