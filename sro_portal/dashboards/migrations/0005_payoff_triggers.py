"""Triggers for the PAYOFF figures kept by month (PostgreSQL only), as migration 0004's for
activities and incidents: after every statement that writes agreements, work sessions or
check-ins, the days whose kept figures it may change get their FigureVersion raised by one
(sro_portal/dashboards/rollups.py).

- "agreement": agreements by school and status, on the day they start;
- "work": work-session hours by school, on the session's day (an agreement moved to another
  school moves its sessions' hours);
- "checkin": confirmed check-ins by school and milestone, on the day their agreement closed (an
  agreement closed on another day, or moved, moves them).

An update raises only the sources whose columns it changed: setting an agreement's purge date or
its notes leaves its months kept.
"""

from django.db import migrations

# table -> (source, the rows' day over the alias r, joins needed for the day, the columns whose
# change on an update matters to the source), the sources in the same order for every table.
BUMPS = {
    "payoff_agreement": [
        ("agreement", "r.starts_on", "", ["school_id", "status", "starts_on"]),
        ("checkin", "r.closed_on", "", ["school_id", "closed_on"]),
        ("work", "s.date", "JOIN payoff_worksession s ON s.agreement_id = r.id", ["school_id"]),
    ],
    "payoff_checkin": [
        (
            "checkin",
            "a.closed_on",
            "JOIN payoff_agreement a ON a.id = r.agreement_id",
            ["agreement_id", "months", "reoffended"],
        ),
    ],
    "payoff_worksession": [("work", "r.date", "", ["agreement_id", "date", "hours"])],
}


def _bump(source, day, joins, rows):
    return (
        f"INSERT INTO dashboards_figureversion (agency_id, source, day, version) "  # noqa: S608
        f"SELECT DISTINCT r.agency_id, '{source}', {day}, 1 FROM {rows} r {joins} "
        f"WHERE {day} IS NOT NULL "
        # Always in the same order within a statement: two statements locking the same days
        # cannot each wait for the other. Across the statements of one transaction the order is
        # the writer's (docs/scaling.md, "Kept monthly figures", says which services to check).
        f"ORDER BY 1, 3 "
        f"ON CONFLICT (agency_id, source, day) "
        f"DO UPDATE SET version = dashboards_figureversion.version + 1;"
    )


def _changed(columns):
    """The old and the new rows of the updated rows whose `columns` changed."""
    old = ", ".join(f"o.{column}" for column in columns)
    new = ", ".join(f"n.{column}" for column in columns)
    pairs = f"old_rows o JOIN new_rows n ON n.id = o.id WHERE ({old}) IS DISTINCT FROM ({new})"
    return f"(SELECT o.* FROM {pairs} UNION ALL SELECT n.* FROM {pairs})"


def _function(table):
    bumps = BUMPS[table]

    def each(rows_of):
        return "\n    ".join(
            _bump(source, day, joins, rows_of(columns)) for source, day, joins, columns in bumps
        )

    return f"""
CREATE OR REPLACE FUNCTION dashboards_{table}_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {each(lambda columns: "new_rows")}
  ELSIF TG_OP = 'DELETE' THEN
    {each(lambda columns: "old_rows")}
  ELSE
    {each(_changed)}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER dashboards_{table}_inserted AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION dashboards_{table}_changed();
CREATE TRIGGER dashboards_{table}_deleted AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION dashboards_{table}_changed();
CREATE TRIGGER dashboards_{table}_updated AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION dashboards_{table}_changed();
"""


def _drop(table):
    return "\n".join(
        [
            *(
                f"DROP TRIGGER IF EXISTS dashboards_{table}_{event} ON {table};"
                for event in ("inserted", "deleted", "updated")
            ),
            f"DROP FUNCTION IF EXISTS dashboards_{table}_changed();",
        ]
    )


# Months kept while no trigger counted their writes (code served before this migration ran, or
# after it was reversed) would stay "exact" for ever: they go with the triggers, both ways.
FORGET = "DELETE FROM dashboards_monthlyfigures WHERE source IN ('agreement', 'checkin', 'work');"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere (the SQLite demo) the dashboard always reads the rows themselves
    for table in BUMPS:
        schema_editor.execute(_drop(table) + _function(table))
    schema_editor.execute(FORGET)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in BUMPS:
        schema_editor.execute(_drop(table))
    schema_editor.execute(FORGET)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0004_figure_triggers"),
        ("payoff", "0004_agreement_dashboard_idx"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
