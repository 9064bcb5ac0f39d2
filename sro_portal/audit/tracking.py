"""Which models the audit trail records, and how.

django-pghistory installs PostgreSQL triggers that copy every inserted, updated and deleted row
into an append-only event table beside the model, so changes made by `QuerySet.update()` and by
raw SQL are recorded too (signal-based tools miss them). On SQLite (the local demo) no trigger
is installed and nothing is recorded; README.md says so.
"""

import pghistory


def audited(*, exclude: list[str] | None = None):
    """Class decorator: record every create, update and delete of the model.

    `exclude` names fields kept out of the trail (secrets such as password hashes).
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=exclude,
    )
