"""Reads of the audit trail, for agency admins, limited to their agency."""

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.db.models import Q, QuerySet

from sro_portal.audit.models import AccessEvent


def audited_models() -> list:
    """Every model whose changes are recorded (those with a pghistory event model)."""
    tracked = []
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and getattr(model, "pgh_tracked_model", None):
            tracked.append(model.pgh_tracked_model)
    return sorted(set(tracked), key=lambda model: str(model._meta.verbose_name))


def _event_models_for(tracked_model=None) -> list:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
        and getattr(model, "pgh_tracked_model", None) is not None
        and (tracked_model is None or model.pgh_tracked_model is tracked_model)
    ]


def change_events_for(actor, *, tracked_model=None, user_id: int | None = None) -> QuerySet:
    """Recorded changes to rows of the actor's agency (PostgreSQL only), newest first."""
    if not settings.USING_POSTGRES or not actor.is_authenticated or not actor.is_agency_admin:
        return pghistory.models.MiddlewareEvents.no_objects.all()
    agency_id = actor.agency_id
    events = pghistory.models.MiddlewareEvents.objects.across(*_event_models_for(tracked_model))
    own_rows = Q(pgh_data__agency_id=agency_id) | Q(
        pgh_obj_model="accounts.Agency", pgh_obj_id=str(agency_id)
    )
    events = events.filter(own_rows)
    if user_id:
        events = events.filter(pgh_context__user=user_id)
    return events.order_by("-pgh_created_at", "-pgh_id")


def access_events_for(actor, *, user_id: int | None = None) -> QuerySet[AccessEvent]:
    if not actor.is_authenticated or not actor.is_agency_admin:
        return AccessEvent.objects.none()
    events = AccessEvent.objects.filter(agency_id=actor.agency_id).select_related(
        "actor", "content_type"
    )
    if user_id:
        events = events.filter(actor_id=user_id)
    return events
