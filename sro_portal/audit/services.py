"""Writes to the audit trail that triggers cannot make: reads of youth records."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from sro_portal.audit.models import AccessEvent


def access_record(
    *, actor, obj: models.Model, action: str = AccessEvent.Action.VIEWED, detail=None
) -> AccessEvent:
    """Record that `actor` viewed, exported or disclosed `obj` (a row of the actor's agency).

    Later issues call this from every view, export and disclosure of a youth record.
    """
    if obj.agency_id != actor.agency_id:
        raise ValueError("An access event must stay inside the actor's agency.")
    return AccessEvent.objects.create(
        agency_id=actor.agency_id,
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        detail=detail or {},
    )


def access_record_many(*, actor, objs: list[models.Model], detail=None) -> None:
    """Record that `actor` viewed each of `objs` at once (a list page): one insert."""
    if not objs:
        return
    if any(obj.agency_id != actor.agency_id for obj in objs):
        raise ValueError("An access event must stay inside the actor's agency.")
    content_types = ContentType.objects.get_for_models(*{type(obj) for obj in objs})
    AccessEvent.objects.bulk_create(
        AccessEvent(
            agency_id=actor.agency_id,
            actor=actor,
            action=AccessEvent.Action.VIEWED,
            content_type=content_types[type(obj)],
            object_id=str(obj.pk),
            detail=detail or {},
        )
        for obj in objs
    )


def export_record(*, actor, what: str, rows: int, filters: dict) -> AccessEvent:
    """Record that `actor` exported a dashboard table (`what`: "section/table") of `rows` rows
    with these filters. The event is about the actor's agency (the figures are the program's);
    `filters` hold dates, ids and choices, never a name."""
    from django.apps import apps

    agency_model = apps.get_model("accounts", "Agency")
    return AccessEvent.objects.create(
        agency_id=actor.agency_id,
        actor=actor,
        action=AccessEvent.Action.EXPORTED,
        content_type=ContentType.objects.get_for_model(agency_model),
        object_id=str(actor.agency_id),
        detail={"table": what, "rows": rows, "filters": filters},
    )
