"""Model rows read and written with SQL written once, for the paths every message takes.

Each socket's requests run in the process's one database thread, so a chat message costs
every member of the process what that thread spends on it. Building a query through the
ORM's compiler costs 0.5 to 1 ms of CPU (2026-12-02, on the benchmark machine), several
times the round trip it makes. The statements here are text built once per process from
the models' own tables and columns, so a migration that renames a column renames it here
too; what they read comes back as ordinary model instances.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    """The quoted column of field `name` (a field name: `room`, not `room_id`)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a column"  # nosec B101  # callers name columns in code, never from input (a programming check)
    return connection.ops.quote_name(str(field.column))


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model`, in field order, prefixed by `alias`."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(str(f.column))}"
                     for f in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def instance[M: Model](model: type[M], values: Sequence[Any]) -> M:
    """A model instance from the values of `columns(model, ...)`, as the ORM would load
    it (database converters applied: SQLite hands datetimes back as text)."""
    names, converters = _loading(model, connection.vendor)
    converted = list(values)
    for index, expression, functions in converters:
        for function in functions:
            converted[index] = function(converted[index], expression, connection)
    return model.from_db(connection.alias, names, converted)


@functools.cache
def _loading(model: type[Model], vendor: str) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The attribute names of `model` and, per column that needs them, the converters the
    ORM's compiler would apply (the backend's, then the field's)."""
    converters = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        functions = [*connection.ops.get_db_converters(expression),
                     *expression.get_db_converters(connection)]
        if functions:
            converters.append((index, expression, functions))
    return [f.attname for f in model._meta.concrete_fields], converters


PREPARE_AFTER = 5  # runs of one statement text before PostgreSQL keeps its plan (psycopg's)


def statement_cursor() -> Any:
    """A cursor for the statements written once. On PostgreSQL (unless
    `COHORT_DB_PREPARED` is off, behind a pooler that cannot keep them) it binds on the
    server and psycopg prepares each statement from its PREPARE_AFTERth run on, so
    PostgreSQL parses and plans the send's statements once per connection: half its CPU
    per chat message (docs/performance.md). Django's own cursors bind on the client and
    prepare nothing. Built from public API only: psycopg's `Cursor` on the connection
    Django opened, wrapped as Django wraps its own (error translation, query logging)."""
    if connection.vendor != "postgresql" or not settings.COHORT_DB_PREPARED:
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold != PREPARE_AFTER:
        raw.prepare_threshold = PREPARE_AFTER
    cursor = psycopg.Cursor(raw)
    # django-stubs types these with Django's wrapper; they take the DB-API cursor it wraps.
    return (connection.make_debug_cursor(cursor) if connection.queries_logged  # type: ignore[arg-type]
            else connection.make_cursor(cursor))  # type: ignore[arg-type]


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else tuple(row)
