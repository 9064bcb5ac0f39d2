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
