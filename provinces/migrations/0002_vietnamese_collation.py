"""The `vi-x-icu` collation unit names sort by (provinces.collation).

PostgreSQL built with ICU already has it in pg_catalog; otherwise create it from ICU's `vi` locale, or stop with a
clear message (a server without ICU cannot sort Vietnamese). SQLite gets a Python collation of the same name on each
connection (provinces.apps), so there is nothing to do there.
"""

from django.db import migrations


def create_collation(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'vi-x-icu'")
        if cursor.fetchone():
            return
        try:
            cursor.execute("CREATE COLLATION \"vi-x-icu\" (provider = icu, locale = 'vi')")
        except Exception as error:
            raise RuntimeError(
                "PostgreSQL has no ICU support: the Vietnamese collation vi-x-icu cannot be created. "
                "Use a PostgreSQL build with ICU (the official packages and images have it)."
            ) from error


class Migration(migrations.Migration):
    dependencies = [("provinces", "0001_initial")]
    operations = [migrations.RunPython(create_collation, migrations.RunPython.noop)]
