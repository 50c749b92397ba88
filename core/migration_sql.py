"""For migrations that write what Django's operations cannot (triggers, composite keys): the SQL for
each database the project runs on. Imported by migrations, so it must keep working as it is."""

from django.db import migrations


def per_vendor(
    forward: dict[str, list[str]], backward: dict[str, list[str]], *, before: str = ""
) -> migrations.RunPython:
    """A RunPython running ``forward[vendor]`` (after the ``before`` statement, run on every
    database) and, when unapplied, ``backward[vendor]``."""

    def run(statements_by_vendor, first=""):
        def apply(apps, schema_editor):
            if first:
                schema_editor.execute(first)
            for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward, before), run(backward))
