"""Reads of the audit trail, for agency admins, limited to their agency."""

import json

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from sro_portal.accounts.models import Agency
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


def change_events_for(actor, *, tracked_model=None, user_id: int | None = None):
    """Recorded changes to rows of the actor's agency (PostgreSQL only), newest first, as the
    paginator reads them: count() and slices of pghistory events (with their data and diff)."""
    if not settings.USING_POSTGRES or not actor.is_authenticated or not actor.is_agency_admin:
        return pghistory.models.MiddlewareEvents.no_objects.all()
    return ChangeEvents(_event_models_for(tracked_model), actor.agency_id, user_id)


class ChangeEvents:
    """The changes of one agency across the event tables, newest first.

    pghistory's MiddlewareEvents.across() is a union of every event table that builds each
    event's data and diff as JSON; filtering it by agency filters on that JSON, so every event
    of every agency was built on every view, twice (the count and the page): linear in all the
    changes ever recorded. Here each table is filtered by its own agency_id column (an event
    copies its row's fields; the agency's own events by their object), only keys are sorted and
    counted, and pghistory builds the data and diff of the page's events only.
    """

    def __init__(self, event_models: list, agency_id: int, user_id: int | None):
        self.branches = []  # (event model, the SQL of its keys, its parameters)
        for model in event_models:
            where, params = _agency_condition(model, agency_id)
            if user_id:
                where += f" AND pgh_context_id IN ({_CONTEXTS_OF_USER})"
                params = [*params, json.dumps({"user": user_id})]
            table = connection.ops.quote_name(model._meta.db_table)
            # The table's name from its model; every value a parameter.
            sql = f"SELECT %s::text AS model, pgh_id, pgh_created_at FROM {table} WHERE {where}"  # noqa: S608
            self.branches.append((model, sql, [model._meta.label, *params]))

    def count(self) -> int:
        if not self.branches:
            return 0
        counts = " UNION ALL ".join(
            f"SELECT COUNT(*) AS n FROM ({sql}) keys"  # noqa: S608 (built above)
            for _model, sql, _params in self.branches
        )
        with connection.cursor() as cursor:
            sql = f"SELECT COALESCE(SUM(n), 0) FROM ({counts}) counts"  # noqa: S608 (built above)
            cursor.execute(sql, self._params())
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice) -> list:
        """A page of events: the paginator's object_list[bottom:top]. Each table gives its
        newest `top` keys through its trail index (tracking.audited), and only those are
        sorted: PostgreSQL does not merge the tables' index orders through the union."""
        start, stop = window.start or 0, window.stop
        if not self.branches or stop <= start:
            return []
        newest = " UNION ALL ".join(
            f"({sql} ORDER BY pgh_created_at DESC, pgh_id DESC LIMIT %s)"
            for _model, sql, _params in self.branches
        )
        params = [p for _m, _s, branch in self.branches for p in (*branch, stop)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT model, pgh_id FROM ({newest}) keys "  # noqa: S608 (built above)
                "ORDER BY pgh_created_at DESC, pgh_id DESC, model LIMIT %s OFFSET %s",
                [*params, stop - start, start],
            )
            keys = cursor.fetchall()
        return _events_of(keys, {model._meta.label: model for model, _sql, _p in self.branches})

    def _params(self) -> list:
        return [param for _m, _s, params in self.branches for param in params]


# The contexts (pghistory_context rows) of the requests one user made.
_CONTEXTS_OF_USER = "SELECT id FROM pghistory_context WHERE metadata @> %s::jsonb"


def _agency_condition(model, agency_id: int) -> tuple[str, list]:
    """The rows of an event table that belong to the agency: its own column, or the agency's
    own events (its object is the agency)."""
    if model.pgh_tracked_model is Agency:
        return "pgh_obj_id = %s", [agency_id]
    return "agency_id = %s", [agency_id]


def _events_of(keys: list[tuple[str, int]], models: dict) -> list:
    """pghistory's events (data, diff, context) of `keys` ((event model label, pgh_id)), in
    their order: one query, whose union keeps only the branches of the models on the page."""
    if not keys:
        return []
    ids: dict[str, list[int]] = {}
    for label, pgh_id in keys:
        ids.setdefault(label, []).append(pgh_id)
    wanted = Q()
    for label, found in ids.items():
        wanted |= Q(pgh_model=label, pgh_id__in=found)
    events = pghistory.models.MiddlewareEvents.objects.across(*(models[label] for label in ids))
    by_key = {(event.pgh_model, event.pgh_id): event for event in events.filter(wanted)}
    return [by_key[key] for key in keys if key in by_key]


def access_events_for(actor, *, user_id: int | None = None) -> QuerySet[AccessEvent]:
    if not actor.is_authenticated or not actor.is_agency_admin:
        return AccessEvent.objects.none()
    events = AccessEvent.objects.filter(agency_id=actor.agency_id).select_related(
        "actor", "content_type"
    )
    if user_id:
        events = events.filter(actor_id=user_id)
    return events
