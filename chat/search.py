"""Message search for one member: only the messages of the rooms she may read now.

Rights are asked at every search (`permissions.readable_room_ids`), so a member removed
from a room stops finding its messages at once; a deleted message (its text emptied,
`deleted_at` set) never matches; an edit is found by its new text as soon as it commits,
because the database keeps the index in step with the text (chat/migrations/0002):

- PostgreSQL: a stored `tsvector` column computed by the database from the text (English
  over the text as written, French over the text without accents, the configurations the
  profile search uses), with a GIN index. The query is `websearch_to_tsquery` in English
  over what she typed OR in French over it without accents, so it never raises on user
  input. Ranked by `ts_rank`; snippets by `ts_headline` (SearchHeadline).
- SQLite: an FTS5 external-content table kept by triggers. The query is built from her
  words only, each quoted as a prefix (`"negoc"*`), so FTS5 operators typed in the box
  are plain words. Ranked by `bm25()`; snippets by `snippet()`.

Highlighting is built from the plain text: the database marks matches with two private
use characters, the text between them is escaped here and wrapped in `<mark>`, so
nothing a member wrote can become markup.
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
from django.db.models import QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Replace
from django.utils.safestring import SafeString

from chat import permissions
from chat.models import Message
from chat.rendering import excerpt
from community import fulltext
from community.models import User
from rooms import rows

Order = Literal["best", "newest"]
ORDERS: tuple[Order, ...] = ("best", "newest")
MAX_QUERY_CHARS = fulltext.MAX_QUERY_CHARS
PAGE_MAX = 50
OFFSET_MAX = 500  # deeper pages are refused: refine the search instead
START, STOP, LT, GT = fulltext.START, fulltext.STOP, fulltext.LT, fulltext.GT
FTS_TABLE = "chat_message_fts"
VECTOR_COLUMN = "search_vector"


@dataclass(frozen=True)
class MessageFilters:
    """Empty values filter nothing. `until` is exclusive."""

    room_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class MessageHit:
    message: Message  # its room and author selected
    snippet: SafeString


@dataclass(frozen=True)
class MessagePage:
    hits: list[MessageHit]
    has_more: bool


clean_query, terms, fts_match = fulltext.clean_query, fulltext.terms, fulltext.fts_match


def message_search(
    viewer: User, *, query: str, filters: MessageFilters = MessageFilters(),
    order: Order = "best", offset: int = 0, limit: int = 20,
) -> MessagePage:
    """The live messages matching `query` in the rooms `viewer` may read now, best (or
    newest) first, `limit` of them from `offset`, never by an author a block stands
    between her and (`permissions.hidden_authors`). Nothing for an empty query, a room
    filter she may not read, or an offset past OFFSET_MAX."""
    query = clean_query(query)
    limit = max(1, min(limit, PAGE_MAX))
    if not terms(query) or not 0 <= offset <= OFFSET_MAX or order not in ORDERS:
        return MessagePage([], False)
    room_ids = permissions.readable_room_ids(viewer)
    if filters.room_id is not None:
        room_ids = [r for r in room_ids if r == filters.room_id]
    if not room_ids:
        return MessagePage([], False)
    hidden = sorted(permissions.hidden_authors(viewer))
    if filters.author_id is not None and filters.author_id in hidden:
        return MessagePage([], False)
    if connection.vendor == "postgresql":
        ids = _postgresql_ids(query, room_ids, filters, order, offset, limit + 1, hidden)
    else:
        ids = _sqlite_ids(query, room_ids, filters, order, offset, limit + 1, hidden)
    has_more = len(ids) > limit
    ids = ids[:limit]
    snippets = (_postgresql_snippets(query, ids) if connection.vendor == "postgresql"
                else _sqlite_snippets(query, ids))
    found = Message.objects.select_related("room", "author").in_bulk(ids)
    hits = [MessageHit(found[i], marked(snippets.get(i) or "", found[i].text))
            for i in ids if i in found]
    return MessagePage(hits, has_more)


def marked(snippet: str, text: str) -> SafeString:
    """Safe HTML of a snippet (community.fulltext.marked); without a marked snippet, the
    start of the message, escaped."""
    return fulltext.marked(snippet, text, lambda whole: excerpt(whole, 200))


# --- PostgreSQL ----------------------------------------------------------------------------

_tsquery = fulltext.tsquery


def _vector() -> RawSQL:
    """The stored vector: a column of the table the migration adds, not a model field."""
    # Names only, from the model and the migration: no value is spliced.
    return RawSQL(f"{rows.table(Message)}.{connection.ops.quote_name(VECTOR_COLUMN)}",  # noqa: S611  # nosec B611  # names from the models, values bound
                  [], output_field=SearchVectorField())


def _filtered(room_ids: list[int], filters: MessageFilters,
              hidden: list[int]) -> QuerySet[Message]:
    messages = Message.objects.filter(room_id__in=room_ids, deleted_at__isnull=True)
    if hidden:
        messages = messages.exclude(author_id__in=hidden)
    if filters.author_id is not None:
        messages = messages.filter(author_id=filters.author_id)
    if filters.since is not None:
        messages = messages.filter(created_at__gte=filters.since)
    if filters.until is not None:
        messages = messages.filter(created_at__lt=filters.until)
    return messages


def _postgresql_ids(query: str, room_ids: list[int], filters: MessageFilters,
                    order: Order, offset: int, limit: int, hidden: list[int]) -> list[int]:
    tsquery = _tsquery(query)
    messages = _filtered(room_ids, filters, hidden).alias(vector=_vector()).filter(vector=tsquery)
    if order == "best":
        messages = messages.alias(rank=SearchRank(_vector(), tsquery)).order_by(
            "-rank", "-created_at", "-pk")
    else:
        messages = messages.order_by("-created_at", "-pk")
    return list(messages.values_list("pk", flat=True)[offset:offset + limit])


def _postgresql_snippets(query: str, ids: Sequence[int]) -> dict[int, str]:
    """Each message's best excerpt, parsed in English, or else in French."""
    if not ids:
        return {}
    # One excerpt around the best match (a short message whole), not fragments, which
    # start at the matching word and cut what comes before it.
    options: dict[str, Any] = {"start_sel": START, "stop_sel": STOP, "max_words": 35,
                               "min_words": 15}
    text = Replace(Replace("text", Value("<"), Value(LT)), Value(">"), Value(GT))
    headlines = Message.objects.filter(pk__in=ids).annotate(
        english=SearchHeadline(text, SearchQuery(query, search_type="websearch",
                                                 config="english"),
                               config="english", **options),
        french=SearchHeadline(text, SearchQuery(query, search_type="websearch",
                                                config="french"),
                              config="french", **options),
    ).values_list("pk", "english", "french")
    return {pk: (english if START in english or START not in french else french)
            .replace(LT, "<").replace(GT, ">") for pk, english, french in headlines}


# --- SQLite --------------------------------------------------------------------------------

def _sqlite_ids(query: str, room_ids: list[int], filters: MessageFilters,
                order: Order, offset: int, limit: int, hidden: list[int]) -> list[int]:
    message, fts = rows.table(Message), connection.ops.quote_name(FTS_TABLE)
    col = {name: f"m.{rows.column(Message, name)}"
           for name in ("id", "room", "author", "created_at", "deleted_at")}
    where = [f"{fts} MATCH %s", f"{col['room']} IN ({', '.join(['%s'] * len(room_ids))})",
             f"{col['deleted_at']} IS NULL"]
    params: list[Any] = [fts_match(query), *room_ids]
    if filters.author_id is not None:
        where.append(f"{col['author']} = %s")
        params.append(filters.author_id)
    if hidden:
        # A message without an author (a notice, or one whose author was erased) is
        # nobody's across a block: NOT IN alone would drop it (NULL NOT IN (...) is NULL).
        where.append(f"({col['author']} IS NULL OR "
                     f"{col['author']} NOT IN ({', '.join(['%s'] * len(hidden))}))")
        params.extend(hidden)
    if filters.since is not None:
        where.append(f"{col['created_at']} >= %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.since))
    if filters.until is not None:
        where.append(f"{col['created_at']} < %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.until))
    newest = f"{col['created_at']} DESC, {col['id']} DESC"
    ordering = newest if order == "newest" else f"bm25({fts}), {newest}"
    # Names come from the models and the migration; every value is a bound parameter.
    sql = (f"SELECT {col['id']} FROM {fts} JOIN {message} m ON {col['id']} = {fts}.rowid "  # noqa: S608  # nosec B608  # names from the models, values bound
           f"WHERE {' AND '.join(where)} ORDER BY {ordering} LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return [int(row[0]) for row in cursor.fetchall()]


def _sqlite_snippets(query: str, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    fts = connection.ops.quote_name(FTS_TABLE)
    sql = (f"SELECT rowid, snippet({fts}, 0, %s, %s, ' … ', 24) FROM {fts} "  # noqa: S608  # nosec B608  # names from the models, values bound
           f"WHERE {fts} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [START, STOP, fts_match(query), *ids])
        return {int(pk): str(snippet) for pk, snippet in cursor.fetchall()}
