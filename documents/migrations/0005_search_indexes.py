"""Search indexes of documents (their name and text) and of comments, one per database
(documents.search reads them; community.fulltext writes the statements): PostgreSQL a
stored `search_vector` column the database computes, with a GIN index; SQLite an FTS5
external-content table kept in step by triggers."""

from django.db import migrations

from community.fulltext import index_statements

INDEXED = [("documents_document", "search_text"), ("documents_comment", "text")]


def _run(forward: bool):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for table, column in INDEXED if forward else reversed(INDEXED):
            statements = index_statements(table, column).get(schema_editor.connection.vendor)
            for statement in (statements[0] if forward else statements[1]) if statements \
                    else []:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0004_search_text"),
    ]

    operations = [
        migrations.RunPython(_run(True), _run(False)),
    ]
