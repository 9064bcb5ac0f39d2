"""Which models the audit trail records, and how.

django-pghistory installs PostgreSQL triggers that copy every inserted, updated and deleted row
into an append-only event table beside the model, so changes made by `QuerySet.update()` and by
raw SQL are recorded too (signal-based tools miss them). On SQLite (the local demo) no trigger
is installed and nothing is recorded; README.md says so.
"""

import pghistory
from django.db import models


def audited(*, exclude: list[str] | None = None):
    """Class decorator: record every create, update and delete of the model.

    `exclude` names fields kept out of the trail (secrets such as password hashes). The event
    table of a model with an agency gets the index the audit trail pages by (its newest
    changes first, audit.selectors.ChangeEvents).
    """

    def track(model):
        has_agency = any(field.name == "agency" for field in model._meta.fields)
        trail = models.Index(
            fields=["agency", "pgh_created_at", "pgh_id"],
            name=f"{model._meta.model_name}ev_trail",
        )
        return pghistory.track(
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            exclude=exclude,
            meta={"indexes": [trail]} if has_agency else None,
        )(model)

    return track
