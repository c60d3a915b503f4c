"""Notices the server posts in a room (break-glass access opened or ended): a flag on the
message, false for every message so far.

On SQLite the column is added in place (`ALTER TABLE ... ADD COLUMN`, which takes a NOT
NULL column with a constant default) rather than by Django's copy of the table, which
would drop the search index's triggers (chat/migrations/0002_message_search.py).
"""

from django.db import migrations, models

COLUMN = 'ALTER TABLE "chat_message" ADD COLUMN "notice" bool DEFAULT 0 NOT NULL'


def _field() -> models.BooleanField:  # type: ignore[type-arg]
    field = models.BooleanField(default=False, db_default=False)
    field.set_attributes_from_name("notice")
    return field


def _add(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(COLUMN)
    else:
        schema_editor.add_field(apps.get_model("chat", "Message"), _field())


def _remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "chat_message" DROP COLUMN "notice"')
    else:
        schema_editor.remove_field(apps.get_model("chat", "Message"), _field())


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0003_message_deleted_by'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='message',
                    name='notice',
                    field=models.BooleanField(db_default=False, default=False),
                ),
            ],
            database_operations=[migrations.RunPython(_add, _remove)],
        ),
    ]
