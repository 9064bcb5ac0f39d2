"""The student name search through the trigram index of 0008, under row-level security.

The web connects as the application role, under the policies of sro_portal/rls.py. PostgreSQL
evaluates no condition it deems leaky (a function not marked LEAKPROOF: UPPER, LIKE) before a
policy, so the name search's `UPPER(name) LIKE UPPER('%term%')` could not use the index: every
student of the agency was read, 15 ms at 30,000 (bench/README.md). The function below runs the
same search as its owner (the role that migrates: a superuser or BYPASSRLS, README "Row-level
security"), so the index serves it, and keeps the policy's rule itself: only the students of the
agency set for the session (`app.agency_id`), none without one. It is planned for that agency
and those words each time (dynamic SQL with literals), as the page's own query would be.

Only the application role may run it (granted by rls.grant_app_role): another role could learn
whether a name exists in any agency. PostgreSQL only; the SQLite demo searches its rows directly
(officers.selectors.students_named).
"""

from django.db import migrations

FUNCTION = "student_ids_named(text, text)"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
    # search_path fixed (the tables' schema, then pg_temp last), as a SECURITY DEFINER function
    # must: the caller's own path could put another object named officers_student first.
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION student_ids_named(pattern text, number text)
        RETURNS SETOF bigint
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = {schema}, pg_temp
        ROWS 100
        AS $body$
        DECLARE
            agency bigint := NULLIF(current_setting('app.agency_id', true), '')::bigint;
        BEGIN
            IF agency IS NULL THEN
                RETURN;
            END IF;
            RETURN QUERY EXECUTE format(
                'SELECT id FROM officers_student WHERE agency_id = %s AND ('
                'UPPER(first_name::text) LIKE UPPER(%L) OR UPPER(last_name::text) LIKE UPPER(%L) '
                'OR UPPER(student_number::text) = UPPER(%L))',
                agency, pattern, pattern, number
            );
        END
        $body$
        """,
        params=None,  # no placeholders: the % signs are format()'s
    )
    schema_editor.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")


class Migration(migrations.Migration):
    dependencies = [("officers", "0009_audit_trail_index")]

    operations = [migrations.RunPython(create_function, drop_function)]
