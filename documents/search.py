"""Document and comment search for one member: only what the rooms she may see now hold.

Rights are asked at every search (`rooms_visible_to`), so a member removed from a room
stops finding its documents and comments at once; a deleted document (its search text
emptied) and a deleted comment (its text emptied) never match, nor what a member a block
stands between her and shared or wrote (`permissions.hidden_authors`). What is searched: a
document's name and its latest version's text (PDFs' and text files' text, read by the
task worker), and each comment's text. The indexes are the database's (migration 0005,
`community.fulltext`): PostgreSQL's stored vectors with GIN indexes, SQLite's FTS5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Model, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Replace
from django.utils.safestring import SafeString

from community import fulltext
from community.models import User
from documents import permissions
from documents.models import Comment, Document
from rooms import permissions as room_permissions
from rooms import rows

Order = Literal["best", "newest"]
PAGE_MAX = 50
OFFSET_MAX = 500


@dataclass(frozen=True)
class Filters:
    room_id: int | None = None
    person_id: int | None = None  # who shared the document / wrote the comment
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Hit:
    item: Any  # a Document or a Comment (with its document and room read)
    snippet: SafeString


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 200 else flat[:199] + "…"


def _room_ids(viewer: User, filters: Filters) -> list[int]:
    room_ids = list(room_permissions.rooms_visible_to(viewer).values_list("pk", flat=True))
    if filters.room_id is not None:
        room_ids = [r for r in room_ids if r == filters.room_id]
    return room_ids


@dataclass(frozen=True)
class _Target:
    model: type[Model]
    column: str  # the indexed text
    room: str  # the lookup to the room id
    person: str  # the lookup to who made it
    when: str  # the date filters apply to
    live: dict[str, Any]  # what excludes the deleted


DOCUMENTS = _Target(Document, "search_text", "room_id", "uploaded_by_id", "updated_at",
                    {"deleted_at__isnull": True})
COMMENTS = _Target(Comment, "text", "document__room_id", "author_id", "created_at",
                   {"deleted_at__isnull": True, "document__deleted_at__isnull": True})


def _filtered(target: _Target, room_ids: list[int], filters: Filters,
              hidden: list[int]) -> QuerySet[Any]:
    found = target.model._default_manager.filter(  # type: ignore[attr-defined]
        **{f"{target.room}__in": room_ids}, **target.live)
    if hidden:  # a former member's (no one named) stays found
        found = found.exclude(**{f"{target.person}__in": hidden})
    if filters.person_id is not None:
        found = found.filter(**{target.person: filters.person_id})
    if filters.since is not None:
        found = found.filter(**{f"{target.when}__gte": filters.since})
    if filters.until is not None:
        found = found.filter(**{f"{target.when}__lt": filters.until})
    return found


def _vector(target: _Target) -> RawSQL:
    # Names only, from the model and the migration: no value is spliced.
    return RawSQL(f"{rows.table(target.model)}.search_vector", [],  # noqa: S611  # nosec B611  # names from the models, values bound
                  output_field=SearchVectorField())


def _postgresql_ids(target: _Target, query: str, room_ids: list[int], filters: Filters,
                    order: Order, offset: int, limit: int, hidden: list[int]) -> list[int]:
    tsquery = fulltext.tsquery(query)
    found = _filtered(target, room_ids, filters, hidden).alias(vector=_vector(target)).filter(
        vector=tsquery)
    newest = (f"-{target.when}", "-pk")
    if order == "best":
        found = found.alias(rank=SearchRank(_vector(target), tsquery)).order_by(
            "-rank", *newest)
    else:
        found = found.order_by(*newest)
    return list(found.values_list("pk", flat=True)[offset:offset + limit])


def _postgresql_snippets(target: _Target, query: str, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    options: dict[str, Any] = {"start_sel": fulltext.START, "stop_sel": fulltext.STOP,
                               "max_words": 35, "min_words": 15}
    text = Replace(Replace(target.column, Value("<"), Value(fulltext.LT)), Value(">"),
                   Value(fulltext.GT))
    headlines = target.model._default_manager.filter(pk__in=ids).annotate(  # type: ignore[attr-defined]
        english=SearchHeadline(text, SearchQuery(query, search_type="websearch",
                                                 config="english"), config="english",
                               **options),
        french=SearchHeadline(text, SearchQuery(query, search_type="websearch",
                                                config="french"), config="french", **options),
    ).values_list("pk", "english", "french")
    return {pk: (english if fulltext.START in english or fulltext.START not in french
                 else french).replace(fulltext.LT, "<").replace(fulltext.GT, ">")
            for pk, english, french in headlines}


def _fts(target: _Target) -> str:
    """The FTS5 table migration 0005 made for the model's table."""
    return str(connection.ops.quote_name(f"{target.model._meta.db_table}_fts"))


def _sqlite_ids(target: _Target, query: str, room_ids: list[int], filters: Filters,
                order: Order, offset: int, limit: int, hidden: list[int]) -> list[int]:
    """The FTS5 match, joined to the rows and filtered there, in one statement."""
    fts, document = _fts(target), rows.table(Document)
    if target is DOCUMENTS:
        joins, room = "", f"t.{rows.column(Document, 'room')}"
        live = [f"t.{rows.column(Document, 'deleted_at')} IS NULL"]
        person = f"t.{rows.column(Document, 'uploaded_by')}"
        when = f"t.{rows.column(Document, 'updated_at')}"
    else:
        joins = (f" JOIN {document} d ON d.{rows.column(Document, 'id')} = "
                 f"t.{rows.column(Comment, 'document')}")
        room = f"d.{rows.column(Document, 'room')}"
        live = [f"t.{rows.column(Comment, 'deleted_at')} IS NULL",
                f"d.{rows.column(Document, 'deleted_at')} IS NULL"]
        person = f"t.{rows.column(Comment, 'author')}"
        when = f"t.{rows.column(Comment, 'created_at')}"
    where = [f"{fts} MATCH %s", f"{room} IN ({', '.join(['%s'] * len(room_ids))})", *live]
    params: list[Any] = [fulltext.fts_match(query), *room_ids]
    if filters.person_id is not None:
        where.append(f"{person} = %s")
        params.append(filters.person_id)
    if hidden:  # a former member's (no one named) stays found
        where.append(f"({person} IS NULL OR {person} NOT IN "
                     f"({', '.join(['%s'] * len(hidden))}))")
        params.extend(hidden)
    if filters.since is not None:
        where.append(f"{when} >= %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.since))
    if filters.until is not None:
        where.append(f"{when} < %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.until))
    newest = f"{when} DESC, t.id DESC"
    ordering = newest if order == "newest" else f"bm25({fts}), {newest}"
    # Names come from the models and the migration; every value is a bound parameter.
    sql = (f"SELECT t.id FROM {fts} JOIN {rows.table(target.model)} t "  # noqa: S608  # nosec B608  # names from the models, values bound
           f"ON t.id = {fts}.rowid{joins} WHERE {' AND '.join(where)} "
           f"ORDER BY {ordering} LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return [int(row[0]) for row in cursor.fetchall()]


def _sqlite_snippets(target: _Target, query: str, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    fts = _fts(target)
    sql = (f"SELECT rowid, snippet({fts}, 0, %s, %s, ' … ', 24) FROM {fts} "  # noqa: S608  # nosec B608  # names from the models, values bound
           f"WHERE {fts} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [fulltext.START, fulltext.STOP, fulltext.fts_match(query), *ids])
        return {int(pk): str(snippet) for pk, snippet in cursor.fetchall()}


def _search(target: _Target, viewer: User, query: str, filters: Filters, order: Order,
            offset: int, limit: int) -> tuple[list[Hit], bool]:
    query = fulltext.clean_query(query)
    limit = max(1, min(limit, PAGE_MAX))
    if not fulltext.terms(query) or not 0 <= offset <= OFFSET_MAX \
            or order not in ("best", "newest"):
        return [], False
    room_ids = _room_ids(viewer, filters)
    if not room_ids:
        return [], False
    hidden = sorted(permissions.hidden_authors(viewer))
    if filters.person_id is not None and filters.person_id in hidden:
        return [], False
    postgresql = connection.vendor == "postgresql"
    ids = (_postgresql_ids if postgresql else _sqlite_ids)(
        target, query, room_ids, filters, order, offset, limit + 1, hidden)
    more = len(ids) > limit
    ids = ids[:limit]
    snippets = (_postgresql_snippets if postgresql else _sqlite_snippets)(target, query, ids)
    related = ("room", "uploaded_by") if target is DOCUMENTS else ("document__room", "author")
    found = target.model._default_manager.select_related(*related).in_bulk(ids)  # type: ignore[attr-defined]
    return [Hit(found[i], fulltext.marked(snippets.get(i) or "",
                                          getattr(found[i], target.column), _shorten))
            for i in ids if i in found], more


def document_search(viewer: User, *, query: str, filters: Filters = Filters(),
                    order: Order = "best", offset: int = 0, limit: int = 20
                    ) -> tuple[list[Hit], bool]:
    """Documents whose name or text matches, in the rooms `viewer` may see now, none
    shared by a member a block stands between her and, either way."""
    return _search(DOCUMENTS, viewer, query, filters, order, offset, limit)


def comment_search(viewer: User, *, query: str, filters: Filters = Filters(),
                   order: Order = "best", offset: int = 0, limit: int = 20
                   ) -> tuple[list[Hit], bool]:
    """Comments on documents that match, in the rooms `viewer` may see now, none written
    by a member a block stands between her and, either way."""
    return _search(COMMENTS, viewer, query, filters, order, offset, limit)
