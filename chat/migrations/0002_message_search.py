"""Message search indexes, one per database (chat.search reads them), written by
`community.fulltext.index_statements` (the statements are fixed once applied: a change
to them is a new migration).

PostgreSQL: a stored `tsvector` column the database computes from the text (English
configuration over the text as written, French over the text without accents, as the
profile search does), with a GIN index. It is not a model field: no ORM read of a message
carries it, and the send path's INSERT (chat.statements) does not name it.
SQLite: an FTS5 external-content table over the text, kept in step by triggers.

On an existing PostgreSQL database, adding the stored column rewrites the table once.
"""

from django.db import migrations

from community.fulltext import index_statements


def _run(forward: bool):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        statements = index_statements("chat_message", "text").get(
            schema_editor.connection.vendor)
        for statement in (statements[0] if forward else statements[1]) if statements else []:
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(_run(True), _run(False)),
    ]
