"""The statements of chat's hottest paths, written once (rooms.rows says why): a new
message, and the rooms' state every socket reads when it opens.

Only table and column names, from the models, are spliced into the text (hence the
`noqa: S608`); every value is a bound parameter.

A new message takes three writes: the message, unless its client_id is stored already
(ON CONFLICT DO NOTHING: that one check costs no statement of its own), then its place in
the room's log (the room's counters and the author's read position: rooms' rows, written
by rooms' SQL, `rooms.statements.MessagePlace`). On PostgreSQL they go in one statement
(rooms' updates ride along in a WITH clause), one round trip; SQLite, in the process,
takes them one by one.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection

from chat.models import Mention, Message
from rooms import rows
from rooms import statements as room_statements
from rooms.models import Membership, Room

# Every column of a new message the INSERT fills (the rest keep their NULL).
INSERTED = ("room", "author", "seq", "rev", "created_rev", "client_id", "text", "html",
            "reply_to", "created_at")
ONCE = ("room", "author", "client_id")  # the constraint `message_client_id_once`


def message_insert(message: Message, place: room_statements.MessagePlace) -> bool:
    """Store `message` (not yet saved; numbered from `place`; its id is set as `save()`
    would) and write `place`; True. Or, if its author already stored a message with its
    client_id in its room, change nothing and return False.

    The caller holds the room's lock and took `place` under it
    (`rooms.services.message_place_take`).
    """
    created_at = connection.ops.adapt_datetimefield_value(message.created_at)
    values: list[Any] = [message.room_id, message.author_id, message.seq, message.rev,
                         message.created_rev, message.client_id, message.text, message.html,
                         message.reply_to_id, created_at]
    with rows.statement_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_insert_with_place_sql(connection.vendor), values + place.params())
            row = cursor.fetchone()
        else:
            cursor.execute(_insert_sql(connection.vendor), values)
            row = cursor.fetchone()
    if row is None:
        return False
    if connection.vendor != "postgresql":
        room_statements.place_write(place)
    message.pk = int(row[0])
    message._state.adding, message._state.db = False, connection.alias
    place.stored()
    return True


@functools.cache
def _insert_sql(vendor: str) -> str:
    return (f"INSERT INTO {rows.table(Message)} "  # noqa: S608  # nosec B608  # names from the models, values bound
            f"({', '.join(rows.column(Message, name) for name in INSERTED)}) "
            f"VALUES ({', '.join(['%s'] * len(INSERTED))}) "
            f"ON CONFLICT ({', '.join(rows.column(Message, name) for name in ONCE)}) "
            f"DO NOTHING RETURNING {rows.column(Message, 'id')}")


@functools.cache
def _insert_with_place_sql(vendor: str) -> str:
    """The insert first; rooms' updates run only if it stored a row."""
    return (f"WITH stored AS ({_insert_sql(vendor)}), "  # noqa: S608  # nosec B608  # names from the models, values bound
            f"{room_statements.place_after_sql(vendor, 'stored')} SELECT * FROM stored")


def room_state_rows(user_id: int, room_ids: list[int] | None) -> list[tuple[int, ...]]:
    """Per room of hers (of `room_ids` if given): room id, last seq, last rev, her read
    position, others' live messages after it, and live mentions of her after it."""
    sql = _room_states_sql(connection.vendor)
    params: list[Any] = [user_id, user_id, user_id]
    if room_ids is not None:
        if not room_ids:
            return []
        sql += f" AND m.{rows.column(Membership, 'room')} IN ({', '.join(['%s'] * len(room_ids))})"
        params += room_ids
    with rows.statement_cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


@functools.cache
def _room_states_sql(vendor: str) -> str:
    """What `Coalesce(Subquery(count))` built through the ORM, as text: a message with no
    author (her account deleted) counts as someone else's."""
    room, seq = rows.column(Message, "room"), rows.column(Message, "seq")
    deleted, author = rows.column(Message, "deleted_at"), rows.column(Message, "author")
    read = f"m.{rows.column(Membership, 'last_read_seq')}"
    unread = (f"SELECT COUNT(*) FROM {rows.table(Message)} x WHERE x.{room} = "  # noqa: S608  # nosec B608  # names from the models, values bound
              f"m.{rows.column(Membership, 'room')} AND x.{seq} > {read} "
              f"AND x.{deleted} IS NULL AND (x.{author} IS NULL OR x.{author} <> %s)")
    mentions = (f"SELECT COUNT(*) FROM {rows.table(Mention)} n "  # noqa: S608  # nosec B608  # names from the models, values bound
                f"JOIN {rows.table(Message)} x ON x.{rows.column(Message, 'id')} = "
                f"n.{rows.column(Mention, 'message')} WHERE n.{rows.column(Mention, 'user')} = %s "
                f"AND x.{room} = m.{rows.column(Membership, 'room')} AND x.{seq} > {read} "
                f"AND x.{deleted} IS NULL")
    return (f"SELECT m.{rows.column(Membership, 'room')}, r.{rows.column(Room, 'last_seq')}, "  # noqa: S608  # nosec B608  # names from the models, values bound
            f"r.{rows.column(Room, 'last_rev')}, {read}, ({unread}), ({mentions}) "
            f"FROM {rows.table(Membership)} m JOIN {rows.table(Room)} r "
            f"ON r.{rows.column(Room, 'id')} = m.{rows.column(Membership, 'room')} "
            f"WHERE m.{rows.column(Membership, 'user')} = %s")
