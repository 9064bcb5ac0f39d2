"""A trigram index for the student name search (the incident list's and the student list's:
a name part anywhere in the first or last name, or the whole student number, any case).

`icontains` is `UPPER(name) LIKE UPPER('%term%')`: no b-tree index serves a pattern that starts
with a wildcard, so each search read every student of the database (33,000 in the benchmark:
15 ms; 1 ms with the index). PostgreSQL only, as the extension is: the SQLite demo reads its few
rows. pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may create
it. The index is not in the model's Meta because Django would build it on SQLite too.
"""

from django.db import migrations

COLUMNS = ("first_name", "last_name", "student_number")
INDEX = "student_name_search_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    expressions = ", ".join(f"(UPPER({column}::text)) gin_trgm_ops" for column in COLUMNS)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON officers_student USING gin ({expressions})"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("officers", "0007_activity_date_idx_covering")]

    operations = [migrations.RunPython(create_index, drop_index)]
