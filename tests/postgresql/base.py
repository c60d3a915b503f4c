"""Django's PostgreSQL backend, except how a transactional test's tables are emptied.

pytest-django empties every table after each test that commits (`transaction=True`,
`transactional_db`: the consumer tests, the tests that start servers). PostgreSQL's
TRUNCATE replaces the files of each table and index: 0.1 to 0.4 s for Cohort's tables
however few rows they hold, after each of some 150 tests. DELETE of the few rows a test
leaves takes milliseconds, as on SQLite, whose backend empties tables that way.
Django creates PostgreSQL's foreign keys DEFERRABLE INITIALLY DEFERRED and flushes in
one transaction, so the order of the tables does not matter; no table has a trigger.
A flush that also restarts the sequences or cascades is Django's TRUNCATE.

Everything else is Django's backend: server/settings_test.py selects this one in the
PostgreSQL configuration (https://docs.djangoproject.com/en/stable/ref/databases/
#subclassing-the-built-in-database-backends).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, *, reset_sequences: bool = False,
                  allow_cascade: bool = False) -> list[str]:
        if reset_sequences or allow_cascade:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences,
                                     allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} "
                f"{style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
