"""The statements every socket runs when it opens and closes, written once (rooms.rows
says why): her rooms, her socket's presence record, the presence of members.

Only table and column names, from the models, are spliced into the text (hence the
`noqa: S608`); every value is a bound parameter.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import connection

from rooms import rows
from rooms.models import Connection, Membership


def _run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with rows.statement_cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


def room_ids_of(user_id: int) -> list[int]:
    return [row[0] for row in _run(_sql(connection.vendor)["room_ids"], [user_id])]


def connection_insert(*, channel_name: str, user_id: int, state: str, seen_at: datetime) -> None:
    _run(_sql(connection.vendor)["insert"],
         [channel_name, user_id, state, connection.ops.adapt_datetimefield_value(seen_at)])


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


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    conn, member = rows.table(Connection), rows.table(Membership)
    channel, user = rows.column(Connection, "channel_name"), rows.column(Connection, "user")
    state, seen = rows.column(Connection, "state"), rows.column(Connection, "seen_at")
    return {
        "room_ids": (f"SELECT {rows.column(Membership, 'room')} FROM {member} "  # noqa: S608
                     f"WHERE {rows.column(Membership, 'user')} = %s"),
        "insert": (f"INSERT INTO {conn} ({channel}, {user}, {state}, {seen}) "  # noqa: S608
                   "VALUES (%s, %s, %s, %s)"),
        "delete": f"DELETE FROM {conn} WHERE {channel} = %s",  # noqa: S608
        # {ids}: one placeholder per member, filled in per call.
        "states": (f"SELECT {user}, {state} FROM {conn} WHERE {user} IN ({{ids}}) "  # noqa: S608
                   f"AND {seen} >= %s"),
    }
