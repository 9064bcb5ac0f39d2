"""Drill compliance: for a school and a school year, drills done against the board's rules.

Pure functions over plain values, so that the matrix of every school costs the same few queries
(selectors.compliance_matrix) and the rules can be tested at every boundary.

Status of one requirement (a rule over one period: a term or the school year):
- complete: enough drills done (counting only unannounced ones for the unannounced rule);
- behind:   the period ended short, or done + still planned is below the pace by now
            (pace = required x the share of the period gone by, rounded down);
- at risk:  done + planned is short and the period ends within three weeks;
- on track: otherwise.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import DrillKind, DrillRule

AT_RISK_WINDOW = timedelta(days=21)


class Status(models.TextChoices):
    # Ordered from best to worst: a kind's overall status is the worst of its periods so far.
    COMPLETE = "complete", _("Complete")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BEHIND = "behind", _("Behind")


SEVERITY = {status: rank for rank, status in enumerate(Status)}


@dataclass(frozen=True)
class DrillFact:
    """What compliance needs of one drill: kind, announced or not, done or planned, and the
    date (agency time) it happened or is planned for."""

    kind: str
    announced: bool
    completed: bool
    on: date


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


@dataclass
class Requirement:
    kind: str
    unannounced_only: bool
    period: Period
    required: int
    done: int
    planned: int
    status: str


@dataclass
class KindCompliance:
    """One cell of the matrix: a kind (or the unannounced-lockdown rule) at one school."""

    kind: str
    unannounced_only: bool
    requirements: list[Requirement] = field(default_factory=list)
    status: str = Status.ON_TRACK

    @property
    def label(self) -> str:
        label = DrillKind(self.kind).label
        return f"{label} ({_('unannounced')})" if self.unannounced_only else str(label)

    @property
    def current(self) -> Requirement | None:
        """The requirement of the period in progress (or the last one, once all are over)."""
        return self.requirements[-1] if self.requirements else None


def evaluate(*, required: int, done: int, planned: int, period: Period, today: date) -> str:
    if done >= required:
        return Status.COMPLETE
    if today > period.end:
        return Status.BEHIND
    length = (period.end - period.start).days + 1
    elapsed = min(max((today - period.start).days, 0), length)
    pace = math.floor(required * elapsed / length)
    if done + planned < pace:
        return Status.BEHIND
    if done + planned < required and period.end - today <= AT_RISK_WINDOW:
        return Status.AT_RISK
    return Status.ON_TRACK


def school_compliance(
    *, rules: list[DrillRule], facts: list[DrillFact], year, today: date
) -> list[KindCompliance]:
    """Compliance of one school over `year` (an accounts.models.SchoolYear), rule by rule."""
    whole_year = Period(year.label, year.start, year.end)
    cells = []
    for rule in sorted(rules, key=lambda r: list(DrillKind).index(r.kind)):
        periods = (
            [Period(term.name, term.start, term.end) for term in year.terms]
            if rule.period == DrillRule.Period.TERM
            else [whole_year]
        )
        cells.append(_cell(rule.kind, False, rule.required, periods, facts, today))
        if rule.unannounced_required:
            cells.append(
                _cell(rule.kind, True, rule.unannounced_required, [whole_year], facts, today)
            )
    return cells


def _cell(kind, unannounced_only, required, periods, facts, today) -> KindCompliance:
    relevant = [
        fact for fact in facts if fact.kind == kind and (not unannounced_only or not fact.announced)
    ]
    cell = KindCompliance(kind=kind, unannounced_only=unannounced_only)
    for period in periods:
        if period.start > today and cell.requirements:
            break  # later terms have not begun; the current one speaks for the kind
        done = sum(1 for f in relevant if f.completed and period.start <= f.on <= period.end)
        planned = sum(
            1
            for f in relevant
            if not f.completed and max(today, period.start) <= f.on <= period.end
        )
        status = evaluate(required=required, done=done, planned=planned, period=period, today=today)
        cell.requirements.append(
            Requirement(kind, unannounced_only, period, required, done, planned, status)
        )
    cell.status = max((r.status for r in cell.requirements), key=SEVERITY.__getitem__)
    return cell
