"""pg_trgm for likely-duplicate search: the extension and a GIN trigram index on the title (PostgreSQL only)."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "proposals_proposal_title_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON proposals_proposal USING gin (title gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [
        TrigramExtension(),  # a no-op on SQLite
        migrations.RunPython(create_index, drop_index),
    ]
