"""On PostgreSQL, two active bookings of one mentor may not overlap in time: an exclusion
constraint over (mentor, tstzrange(starts_at, ends_at)), which needs btree_gist for the
equality on the mentor. Elsewhere (SQLite) this does nothing: the unique (mentor, start)
of migration 0001 and the serialised writes of `book` keep bookings apart."""

from django.db import migrations

CONSTRAINT = "booking_no_overlap"


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("calendar_app", "Booking")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {schema_editor.quote_name(table)} ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (mentor_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
        "WHERE (status = 'booked')")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("calendar_app", "Booking")._meta.db_table
    schema_editor.execute(
        f"ALTER TABLE {schema_editor.quote_name(table)} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):

    dependencies = [("calendar_app", "0001_initial")]

    operations = [migrations.RunPython(add, remove, elidable=False)]
