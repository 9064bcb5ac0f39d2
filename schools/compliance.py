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

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

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
KIND_ORDER = {kind: index for index, kind in enumerate(DrillKind)}
FLAGGED = (Status.AT_RISK, Status.BEHIND)  # what the matrix and the dashboard call attention to


class DrillFact(NamedTuple):
    """What compliance needs of one drill: kind, announced or not, done or planned, and the
    date (agency time) it happened or is planned for; and its school, which compliance does not
    need but selectors.drill_facts reads with the rest. Compliance reads facts by position, so
    plain tuples of these fields, in this order, serve as well: selectors.drill_facts gives the
    database's rows as they come (a year of a large agency's drills is thousands of them, read
    on every matrix request)."""

    kind: str
    announced: bool
    completed: bool
    on: date
    school_id: int | None = None


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


@dataclass(slots=True)
class Requirement:
    kind: str
    unannounced_only: bool
    period: Period
    required: int
    done: int
    planned: int
    status: str


@dataclass(slots=True)
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
    # Days gone by, between 0 and the period's length; pace rounded down (whole numbers: the
    # same as math.floor of the quotient, without the calls: this runs for every cell).
    elapsed = (today - period.start).days
    elapsed = 0 if elapsed < 0 else length if elapsed > length else elapsed
    pace = required * elapsed // length
    if done + planned < pace:
        return Status.BEHIND
    if done + planned < required and period.end - today <= AT_RISK_WINDOW:
        return Status.AT_RISK
    return Status.ON_TRACK


@dataclass(frozen=True, slots=True)
class Rule:
    """One column of a school's compliance: a kind (or its unannounced rule), the drills
    required in each period, and the periods (the terms, or the whole school year)."""

    kind: str
    unannounced_only: bool
    required: int
    periods: tuple[Period, ...]


def board_rules(rules: list[DrillRule], year) -> list[Rule]:
    """A board's drill rules over `year` (an accounts.models.SchoolYear), in the kinds' order:
    worked out once per board, then applied to each of its schools (school_cells)."""
    whole_year = (Period(year.label, year.start, year.end),)
    terms = tuple(Period(term.name, term.start, term.end) for term in year.terms)
    result = []
    for rule in sorted(rules, key=lambda r: KIND_ORDER[r.kind]):
        periods = terms if rule.period == DrillRule.Period.TERM else whole_year
        result.append(Rule(rule.kind, False, rule.required, periods))
        if rule.unannounced_required:
            result.append(Rule(rule.kind, True, rule.unannounced_required, whole_year))
    return result


def school_compliance(
    *, rules: list[DrillRule], facts: list[DrillFact], year, today: date
) -> list[KindCompliance]:
    """Compliance of one school over `year` (an accounts.models.SchoolYear), rule by rule."""
    return school_cells(board_rules(rules, year), facts, today)


def school_cells(rules: list[Rule], facts: list[DrillFact], today: date) -> list[KindCompliance]:
    """One school's cells: its board's rules (board_rules) over its drills of the year."""
    return [_cell(rule, facts, today) for rule in rules]


def _cell(rule: Rule, facts, today: date) -> KindCompliance:
    """`facts`: the school's drills, DrillFact's fields read by position. Each cell skips the
    drills of other kinds itself: a school has a few dozen drills a year, and grouping them by
    kind first costs as much (two calls a drill, for each of hundreds of schools)."""
    kind, unannounced_only = rule.kind, rule.unannounced_only
    requirements = []
    worst = None
    for period in rule.periods:
        start, end = period.start, period.end
        if start > today and requirements:
            break  # later terms have not begun; the current one speaks for the kind
        # Planned drills count from today on: one planned for a day gone by was not done.
        planned_from = today if today > start else start
        done = planned = 0
        for fact_kind, announced, completed, on, _school in facts:
            if fact_kind != kind or (announced and unannounced_only):
                continue  # another kind's drill, or an announced one for the unannounced rule
            if completed:
                done += start <= on <= end
            else:
                planned += planned_from <= on <= end
        status = evaluate(
            required=rule.required, done=done, planned=planned, period=period, today=today
        )
        requirements.append(
            Requirement(
                rule.kind, rule.unannounced_only, period, rule.required, done, planned, status
            )
        )
        if worst is None or SEVERITY[status] > SEVERITY[worst]:
            worst = status
    return KindCompliance(rule.kind, rule.unannounced_only, requirements, worst or Status.ON_TRACK)


def matrix_columns(matrix) -> list[tuple[tuple[str, bool], str]]:
    """The columns of a compliance matrix ((school, cells) pairs): every rule any school has, as
    ((kind, unannounced only), label), in the kinds' order. Boards may have different rules, so
    the columns are those of all the schools (labelled once per rule, not once per school)."""
    columns: dict[tuple[str, bool], str] = {}
    for _school, cells in matrix:
        for cell in cells:
            key = (cell.kind, cell.unannounced_only)
            if key not in columns:  # a label is a translation: looked up once per column
                columns[key] = cell.label
    return sorted(columns.items(), key=lambda item: (KIND_ORDER[item[0][0]], item[0][1]))
