"""The statements every socket runs when it opens and closes, written once (rooms.rows
says why): her rooms, her socket's presence record, the presence of members; and the
room's part of a new message (its counters and its author's read position), which the
statement that stores the message runs (chat.statements).

Only table and column names, from the models, are spliced into the text (hence the
`noqa: S608`); every value is a bound parameter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from rooms import rows
from rooms.models import Connection, Membership, Room


def _run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with rows.statement_cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


def room_ids_of(user_id: int) -> list[int]:
    return [row[0] for row in _run(_sql(connection.vendor)["room_ids"], [user_id])]


def connection_insert(*, channel_name: str, user_id: int, state: str, seen_at: datetime,
                      client_ip: str = "") -> None:
    _run(_sql(connection.vendor)["insert"],
         [channel_name, user_id, state, connection.ops.adapt_datetimefield_value(seen_at),
          client_ip])


def connection_delete(channel_name: str) -> None:
    _run(_sql(connection.vendor)["delete"], [channel_name])


def connection_states(user_ids: list[int], seen_since: datetime) -> list[tuple[int, str]]:
    """(member id, state) of each socket of these members seen since `seen_since`."""
    if not user_ids:
        return []
    sql = _sql(connection.vendor)["states"].format(
        ids=", ".join(["%s"] * len(user_ids)))
    found = _run(sql, [*user_ids, connection.ops.adapt_datetimefield_value(seen_since)])
    return [(int(user_id), str(state)) for user_id, state in found]


@dataclass(frozen=True, slots=True)
class MessagePlace:
    """A new message's place in its room's log, taken by `rooms.services.message_place_take`:
    its `seq` and `rev`. Storing the message moves the room's counters to them and its
    author's read position (`reader`) to `seq`, in the statement that stores it and only if
    that stores it (`place_after_sql`), or just after it (`place_write`)."""

    room: Room
    reader: Membership
    seq: int
    rev: int

    def params(self) -> list[Any]:
        """The parameters of `place_after_sql` and `place_write`, in their order."""
        return [self.seq, self.rev, self.room.pk, self.seq, self.reader.pk]

    def stored(self) -> None:
        """The message was stored: the room and membership in hand now say what their rows
        say."""
        self.room.last_seq, self.room.last_rev = self.seq, self.rev
        self.reader.last_read_seq = self.seq


def place_after_sql(vendor: str, stored: str) -> str:
    """The WITH clauses that write a `MessagePlace` inside the statement storing its
    message, whose clause `stored` holds the row it stored (none: a resend, and nothing
    moves). Their parameters, `MessagePlace.params()`, follow the statement's own."""
    room, reader = _place_sql(vendor)
    guard = f" AND EXISTS (SELECT 1 FROM {stored})"  # noqa: S608 (a clause name)  # nosec B608  # names from the models, values bound
    return f"place_room AS ({room}{guard}), place_reader AS ({reader}{guard})"


def place_write(place: MessagePlace) -> None:
    """Write `place` on its own, once its message is stored (where no statement can carry
    it: SQLite runs the three writes one by one, in the same transaction)."""
    room, reader = _place_sql(connection.vendor)
    params = place.params()
    with rows.statement_cursor() as cursor:
        cursor.execute(room, params[:3])
        cursor.execute(reader, params[3:])


@functools.cache
def _place_sql(vendor: str) -> tuple[str, str]:
    room = (f"UPDATE {rows.table(Room)} SET {rows.column(Room, 'last_seq')} = %s, "  # noqa: S608  # nosec B608  # names from the models, values bound
            f"{rows.column(Room, 'last_rev')} = %s WHERE {rows.column(Room, 'id')} = %s")
    reader = (f"UPDATE {rows.table(Membership)} SET "  # noqa: S608  # nosec B608  # names from the models, values bound
              f"{rows.column(Membership, 'last_read_seq')} = %s "
              f"WHERE {rows.column(Membership, 'id')} = %s")
    return room, reader


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    conn, member = rows.table(Connection), rows.table(Membership)
    channel, user = rows.column(Connection, "channel_name"), rows.column(Connection, "user")
    state, seen = rows.column(Connection, "state"), rows.column(Connection, "seen_at")
    address = rows.column(Connection, "client_ip")
    return {
        "room_ids": (f"SELECT {rows.column(Membership, 'room')} FROM {member} "  # noqa: S608  # nosec B608  # names from the models, values bound
                     f"WHERE {rows.column(Membership, 'user')} = %s"),
        "insert": (f"INSERT INTO {conn} ({channel}, {user}, {state}, {seen}, {address}) "  # noqa: S608  # nosec B608  # names from the models, values bound
                   "VALUES (%s, %s, %s, %s, %s)"),
        "delete": f"DELETE FROM {conn} WHERE {channel} = %s",  # noqa: S608  # nosec B608  # names from the models, values bound
        # {ids}: one placeholder per member, filled in per call.
        "states": (f"SELECT {user}, {state} FROM {conn} WHERE {user} IN ({{ids}}) "  # noqa: S608  # nosec B608  # names from the models, values bound
                   f"AND {seen} >= %s"),
    }
