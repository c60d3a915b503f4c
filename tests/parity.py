"""Comparing a statement written as SQL text with the ORM queryset it replaces: the rows
each finds, and the rows each leaves behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Model


def fields_of(instance: Model | None) -> dict[str, Any] | None:
    """Every column's value, as the ORM loads it."""
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def table(model: type[Model], *exclude: str) -> list[tuple[Any, ...]]:
    """The table's rows, each column but `exclude`, in a stable order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return sorted(model.objects.values_list(*names), key=repr)


def outcome(write: Callable[[], Any], *models: type[Model],
            exclude: tuple[str, ...] = ("id",)) -> tuple[Any, list[Any]]:
    """What `write` returns and the tables it leaves, then undone, so that each version of a
    write starts from the same rows. Ids are left out by default (PostgreSQL does not give
    a rolled-back id back)."""
    with transaction.atomic():
        result = write()
        after = [table(model, *exclude) for model in models]
        transaction.set_rollback(True)
    return result, after
