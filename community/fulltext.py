"""What every full-text search of Cohort shares: her query cleaned and split into words,
the same query on PostgreSQL (English, and French without accents, as the profile search)
and on SQLite's FTS5 (each word quoted, so nothing she types is an operator), and
snippets made safe (the database marks matches with private-use characters; the text
between is escaped here and only our own `<mark>` is added)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

from django.contrib.postgres.search import SearchQuery
from django.utils.safestring import SafeString, mark_safe

from community.search import normalise

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
START, STOP = "\ue000", "\ue001"  # match markers; never markup
# ts_headline's parser takes `<...>` for an HTML tag and leaves it out of the snippet:
# the angle brackets go in as these and come back as themselves.
LT, GT = "\ue002", "\ue003"
_TERM = re.compile(r"[^\W_]+")

# Accented letters and their plain forms, for the French vectors the databases compute
# (`translate(...)` in the migrations that index text).
ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿœæÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyoaAAAAAACEEEEIIIINOOOOOUUUUYY"


def clean_query(query: str) -> str:
    """What she typed, without control characters (NUL among them), spaces collapsed,
    at most MAX_QUERY_CHARS characters."""
    kept = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in query)
    return " ".join(kept.split())[:MAX_QUERY_CHARS]


def terms(query: str) -> list[str]:
    """Her words (letters and digits), lower case, in order, without repeats."""
    return list(dict.fromkeys(w.casefold() for w in _TERM.findall(query)))[:MAX_TERMS]


def tsquery(query: str) -> SearchQuery:
    """PostgreSQL: her words in English, or in French without accents; never raises."""
    english = SearchQuery(query, search_type="websearch", config="english")
    french = SearchQuery(normalise(query), search_type="websearch", config="french")
    return english | french


def fts_match(query: str) -> str:
    """An FTS5 query that matches every word of `query` as a prefix, whatever she typed:
    each word is quoted, so `AND`, `NEAR(`, `*`, `"` and `-` are only words or nothing."""
    return " ".join(f'"{term}"*' for term in terms(query))


def marked(snippet: str, text: str, shorten: Callable[[str], str]) -> SafeString:
    """Safe HTML of a snippet whose matches sit between START and STOP: every piece of
    text escaped, only our own `<mark>` tags added (balanced whatever the text holds).
    Without a marked snippet, `shorten(text)`, escaped."""
    if START not in snippet:
        return mark_safe(html.escape(shorten(text)))  # noqa: S308 (escaped)  # nosec B308 B703  # every piece escaped
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{START}{STOP}])", snippet):
        if piece == START:
            inside = True
        elif piece == STOP:
            inside = False
        elif piece:
            out.append(f"<mark>{html.escape(piece)}</mark>" if inside else html.escape(piece))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)  # nosec B308 B703  # every piece escaped


def index_statements(table: str, column: str) -> dict[str, tuple[list[str], list[str]]]:
    """The migration's statements (forward, backward) that index `table`.`column` for
    full-text search, per database: PostgreSQL a stored generated `search_vector`
    column with a GIN index; SQLite an FTS5 external-content table `<table>_fts` kept in
    step by triggers. Names only: they come from the migration, never from input."""
    fts = f"{table}_fts"
    return {
        "postgresql": ([
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            f"to_tsvector('english'::regconfig, {column}) || "
            f"to_tsvector('french'::regconfig, translate({column}, '{ACCENTED}', '{PLAIN}'))"
            f") STORED",
            f"CREATE INDEX {table}_search ON {table} USING gin (search_vector)",
        ], [
            f"DROP INDEX IF EXISTS {table}_search",
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector",
        ]),
        "sqlite": ([
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
            f"content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608 (names from the migration)  # nosec B608  # names from the migration
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "  # noqa: S608 (names from the migration)  # nosec B608  # names from the migration
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "  # noqa: S608 (names from the migration)  # nosec B608  # names from the migration
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, "
            f"old.{column}); END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} BEGIN "  # noqa: S608 (names from the migration)  # nosec B608  # names from the migration
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, "
            f"old.{column}); INSERT INTO {fts}(rowid, {column}) VALUES (new.id, "
            f"new.{column}); END",
        ], [
            f"DROP TRIGGER IF EXISTS {fts}_update",
            f"DROP TRIGGER IF EXISTS {fts}_delete",
            f"DROP TRIGGER IF EXISTS {fts}_insert",
            f"DROP TABLE IF EXISTS {fts}",
        ]),
    }
