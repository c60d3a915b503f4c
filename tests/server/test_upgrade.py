"""An upgrade from the previous release keeps what members see, and the migrations are
complete (docs/deployment.md, "Upgrades").

A new, empty database (a SQLite file, or a PostgreSQL database the test creates and
drops) is migrated to exactly the previous release's schema (each app to its migration
of then: tests/server/fixtures/previous_release/migrations.json), that release's data is
loaded into it (`data.json`, written by `dumpdata` at that release, loaded through the
models of that schema, not today's), then `manage.py migrate` brings it to this code's
schema as an admin's upgrade does. Members, rooms, messages, documents, events and
mentorships read the same afterwards. `build_upgrade_fixture.py` beside the fixture
rebuilds it at each release.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.server.test_backup import database_rows, empty_install, manage  # noqa: F401

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "previous_release"
ROOT = Path(__file__).resolve().parents[2]

# What a member would notice, by table: the fields compared before and after.
NOTICED = {
    "community.user": ["email", "name", "role", "is_active"],
    "community.profile": ["headline", "bio", "city"],
    "rooms.room": ["kind", "name"],
    "rooms.membership": ["room", "user", "role"],
    "chat.message": ["room", "author", "text"],
    "documents.document": ["room", "name", "version_count", "comment_count"],
    "documents.version": ["document", "number", "name", "note", "size", "sha256"],
    "documents.comment": ["document", "author", "text"],
    "calendar_app.event": ["room", "title", "rrule", "time_zone"],
    "mentoring.mentorship": ["mentee", "mentor", "status"],
    "mentoring.goal": ["mentorship", "title"],
    "notifications.notification": ["user", "kind"],
}


def previous_release_load() -> None:
    """Migrate this (empty) database to the previous release's schema and load that
    release's data through the models of that schema. Runs in a child process
    (`manage.py shell`), on the database the child is given."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.loader import MigrationLoader

    then = json.loads((FIXTURE / "migrations.json").read_text())["migrations"]
    for app in sorted(MigrationLoader(connection).migrated_apps):
        # An app that had no migration then stays out ("zero").
        call_command("migrate", app, then.get(app, "zero"), verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.loader.applied_migrations.keys() == {
        (app, name) for app, name in executor.loader.graph.nodes
        if then.get(app) and name <= then[app]}, "not the previous release's schema"
    old = executor.loader.project_state(list(then.items()), at_end=True).apps
    models = set()
    with transaction.atomic():
        for record in json.loads((FIXTURE / "data.json").read_text()):
            model = old.get_model(record["model"])
            models.add(model)
            values, many = {}, {}
            for name, value in record["fields"].items():
                field = model._meta.get_field(name)
                if field.many_to_many:
                    many[name] = value
                elif field.remote_field is not None:
                    values[field.attname] = value
                else:
                    values[field.attname] = field.to_python(value)
            row = model(pk=record["pk"], **values)
            row.save_base(raw=True, force_insert=True)  # as loaddata: no auto_now, no signal
            for name, ids in many.items():
                getattr(row, name).set(ids)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(statement)


def noticed(where: str) -> dict[str, list[str]]:
    """The NOTICED fields of each table as stored in a database, sorted."""
    rows = {}
    for label, fields in NOTICED.items():
        table = label.replace(".", "_")
        rows[label] = _select(where, table, fields)
    return rows


def _select(where: str, table: str, fields: list[str]) -> list[str]:
    from django.db import connection

    from tests.server.test_backup import _postgres_params

    columns = ", ".join(f'"{name}_id"' if name in FOREIGN_KEYS else f'"{name}"'
                        for name in fields)
    query = f'SELECT {columns} FROM "{table}"'  # noqa: S608  # names of this module
    if connection.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(where) as database:
            found = database.execute(query).fetchall()
    else:
        import psycopg

        with psycopg.connect(**_postgres_params(where)) as database:
            found = database.execute(query).fetchall()
    return sorted(json.dumps([_plain(value) for value in row]) for row in found)


FOREIGN_KEYS = {"room", "user", "author", "document", "mentee", "mentor", "mentorship"}


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def expected_from_fixture() -> dict[str, list[str]]:
    """The NOTICED fields as the previous release's data holds them."""
    records = json.loads((FIXTURE / "data.json").read_text())
    expected: dict[str, list[str]] = {}
    for label, fields in NOTICED.items():
        rows = [record["fields"] for record in records if record["model"] == label]
        expected[label] = sorted(json.dumps([_fixture_value(row.get(name)) for name in fields])
                                 for row in rows)
    return expected


def _fixture_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value


@pytest.mark.django_db(transaction=True)
def test_the_previous_release_database_migrates_with_what_members_see(
        empty_install: dict[str, Any]) -> None:  # noqa: F811
    loaded = manage("shell", "-c", "from tests.server.test_upgrade import "
                    "previous_release_load; previous_release_load()",
                    env=empty_install["env"], data=empty_install["data"])
    assert loaded.returncode == 0, loaded.stderr
    before = noticed(empty_install["where"])
    expected = expected_from_fixture()
    assert {label: len(rows) for label, rows in before.items()} == {
        label: len(rows) for label, rows in expected.items()}
    assert all(before[label] for label in ("community.user", "chat.message",
                                           "documents.version", "calendar_app.event",
                                           "mentoring.mentorship"))

    migrated = manage("migrate", "--no-input", env=empty_install["env"],
                      data=empty_install["data"])
    assert migrated.returncode == 0, migrated.stderr
    assert noticed(empty_install["where"]) == before
    # The whole database moved forward, no table lost a row.
    after = database_rows(empty_install["where"])
    assert all(len(after.get(label.replace(".", "_"), [])) == len(rows)
               for label, rows in before.items())
    pending = manage("migrate", "--check", env=empty_install["env"],
                     data=empty_install["data"])
    assert pending.returncode == 0, pending.stdout


@pytest.mark.pure
def test_the_models_and_the_migrations_agree() -> None:
    """`makemigrations --check`: no change to a model lacks its migration."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "makemigrations",
                           "--check", "--dry-run"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes detected" in done.stdout
