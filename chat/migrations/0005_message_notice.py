"""Notices the server posts in a room (break-glass access opened or ended): a flag on the
message, false for every message so far.

On SQLite the column is added in place (`ALTER TABLE ... ADD COLUMN`, which takes a NOT
NULL column with a constant default) rather than by Django's copy of the table, which
would drop the search index's triggers (chat/migrations/0002_message_search.py).
PostgreSQL adds it as Django does (a constant default: no table rewrite).
"""

from typing import Any

from django.db import migrations, models


class AddNoticeField(migrations.AddField):
    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                'ALTER TABLE "chat_message" ADD COLUMN "notice" bool DEFAULT 0 NOT NULL')
        else:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute('ALTER TABLE "chat_message" DROP COLUMN "notice"')
        else:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0004_message_hidden_at'),
    ]

    operations = [
        AddNoticeField(
            model_name='message',
            name='notice',
            field=models.BooleanField(db_default=False, default=False),
        ),
    ]
