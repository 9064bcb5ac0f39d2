"""Triggers that count the changes behind the dashboard's monthly figures (PostgreSQL only).

After every statement that inserts, updates or deletes activities, incidents or involvements,
the days it touched get their FigureVersion raised by one, so that a MonthlyFigures row
computed before the change is known to be out of date (sro_portal/dashboards/rollups.py).
Days, not months: a month's kept figures up to yesterday stay exact while today's entries are
logged. Statement-level triggers with transition tables: a COPY or a purge of thousands of rows
costs one upsert per day it touched, not one per row. Incidents are placed on their agency's
calendar; an involvement on its incident's day (an incident that moves also moves its
involvements: the incident's trigger raises both sources).
"""

from django.db import migrations

# source -> (table, the rows' day over the alias r, joins needed for the day)
DAYS = {
    "activity": ("officers_activity", "r.date", ""),
    "incident": (
        "incidents_incident",
        "(r.occurred_at AT TIME ZONE a.time_zone)::date",
        "JOIN accounts_agency a ON a.id = r.agency_id",
    ),
    "response": (
        "incidents_involvement",
        "(i.occurred_at AT TIME ZONE a.time_zone)::date",
        "JOIN incidents_incident i ON i.id = r.incident_id "
        "JOIN accounts_agency a ON a.id = r.agency_id",
    ),
}
# An incident's changes move its involvements' day too.
ALSO = {"incident": ["response"]}


def _bump(sources, day, joins, rows):
    statements = []
    for source in sources:
        statements.append(
            f"INSERT INTO dashboards_figureversion (agency_id, source, day, version) "  # noqa: S608
            f"SELECT DISTINCT r.agency_id, '{source}', {day}, 1 FROM {rows} r {joins} "
            # Always in the same order: two statements locking the same days cannot each wait
            # for the other.
            f"ORDER BY 1, 3 "
            f"ON CONFLICT (agency_id, source, day) "
            f"DO UPDATE SET version = dashboards_figureversion.version + 1;"
        )
    return "\n    ".join(statements)


def _function(source):
    table, day, joins = DAYS[source]
    sources = [source, *ALSO.get(source, [])]
    both = "(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)"
    return f"""
CREATE OR REPLACE FUNCTION dashboards_{source}_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_bump(sources, day, joins, "new_rows")}
  ELSIF TG_OP = 'DELETE' THEN
    {_bump(sources, day, joins, "old_rows")}
  ELSE
    {_bump(sources, day, joins, both)}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER dashboards_{source}_inserted AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION dashboards_{source}_changed();
CREATE TRIGGER dashboards_{source}_deleted AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION dashboards_{source}_changed();
CREATE TRIGGER dashboards_{source}_updated AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION dashboards_{source}_changed();
"""


def _drop(source):
    table = DAYS[source][0]
    return "\n".join(
        [
            *(
                f"DROP TRIGGER IF EXISTS dashboards_{source}_{event} ON {table};"
                for event in ("inserted", "deleted", "updated")
            ),
            f"DROP FUNCTION IF EXISTS dashboards_{source}_changed();",
        ]
    )


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere (the SQLite demo) the dashboard always reads the rows themselves
    for source in DAYS:
        schema_editor.execute(_drop(source) + _function(source))


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for source in DAYS:
        schema_editor.execute(_drop(source))


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_monthly_figures"),
        ("officers", "0007_activity_date_idx_covering"),
        ("incidents", "0004_incident_date_idx_covering"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
