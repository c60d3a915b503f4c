"""The statements of `chat.send`, written once (rooms.rows says why).

Only table and column names, from the models, are spliced into the text (hence the
`noqa: S608`); every value is a bound parameter.

A new message takes three writes: the room's counters, the message, and the author's
read position. On PostgreSQL they go in one statement (the updates ride along in a WITH
clause), one round trip; SQLite, in the process, takes them one by one.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection

from chat.models import Message
from rooms import rows
from rooms.models import Membership, Room

# Every column of a new message the INSERT fills (the rest keep their NULL).
INSERTED = ("room", "author", "seq", "rev", "created_rev", "client_id", "text", "html",
            "reply_to", "created_at")


def message_id_by_client_id(room_id: int, author_id: int, client_id: str) -> int | None:
    """The message this author already sent with this client_id in this room, if any."""
    row = rows.fetch_one(_by_client_id_sql(connection.vendor), [room_id, author_id, client_id])
    return None if row is None else int(row[0])


def message_insert(message: Message, membership: Membership) -> None:
    """Store `message` (not yet saved, as `save()` would: its id is set), set its room's
    `last_seq` and `last_rev` to the message's seq and rev, and its author's read
    position (`membership`) to its seq.

    The caller holds the room's lock and computed seq and rev from the locked row.
    """
    created_at = connection.ops.adapt_datetimefield_value(message.created_at)
    values: list[Any] = [message.room_id, message.author_id, message.seq, message.rev,
              message.created_rev, message.client_id, message.text, message.html,
              message.reply_to_id, created_at]
    room: list[Any] = [message.seq, message.rev, message.room_id]
    reader: list[Any] = [message.seq, membership.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_insert_with_updates_sql(connection.vendor), room + reader + values)
        else:
            update_room, update_reader, insert = _separate_sql(connection.vendor)
            cursor.execute(update_room, room)
            cursor.execute(update_reader, reader)
            cursor.execute(insert, values)
        message.pk = int(cursor.fetchone()[0])
    message._state.adding, message._state.db = False, connection.alias
    membership.last_read_seq = message.seq


@functools.cache
def _by_client_id_sql(vendor: str) -> str:
    return (f"SELECT {rows.column(Message, 'id')} FROM {rows.table(Message)} "  # noqa: S608
            f"WHERE {rows.column(Message, 'room')} = %s AND {rows.column(Message, 'author')} = %s "
            f"AND {rows.column(Message, 'client_id')} = %s")


@functools.cache
def _separate_sql(vendor: str) -> tuple[str, str, str]:
    update_room = (f"UPDATE {rows.table(Room)} SET {rows.column(Room, 'last_seq')} = %s, "  # noqa: S608
                   f"{rows.column(Room, 'last_rev')} = %s WHERE {rows.column(Room, 'id')} = %s")
    update_reader = (f"UPDATE {rows.table(Membership)} SET "  # noqa: S608
                     f"{rows.column(Membership, 'last_read_seq')} = %s "
                     f"WHERE {rows.column(Membership, 'id')} = %s")
    insert = (f"INSERT INTO {rows.table(Message)} "  # noqa: S608
              f"({', '.join(rows.column(Message, name) for name in INSERTED)}) "
              f"VALUES ({', '.join(['%s'] * len(INSERTED))}) "
              f"RETURNING {rows.column(Message, 'id')}")
    return update_room, update_reader, insert


@functools.cache
def _insert_with_updates_sql(vendor: str) -> str:
    update_room, update_reader, insert = _separate_sql(vendor)
    return f"WITH room_row AS ({update_room}), reader AS ({update_reader}) {insert}"
