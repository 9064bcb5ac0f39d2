"""The dashboard's sections in page order, and who sees each. A metric module is listed here
once it exists; the pages, the CSV exports and the annual report all read this list."""

from collections.abc import Callable
from dataclasses import dataclass

from sro_portal.dashboards import rollups
from sro_portal.dashboards.metrics import (
    coverage,
    drills,
    incidents,
    payoff,
    presentations,
    referrals,
    responses,
    shared_reads,
    time_spent,
)
from sro_portal.dashboards.scope import Audience, Scope
from sro_portal.dashboards.tables import Section, Table

PROGRAM, SCHOOL, OFFICER = Audience.PROGRAM, Audience.SCHOOL, Audience.OFFICER


@dataclass(frozen=True)
class SectionSpec:
    key: str
    build: Callable[[Scope], Section]
    audiences: frozenset[Audience]
    # One table alone, as build() makes it, with only the reads it needs (the CSV export);
    # without it, the export builds the whole section.
    table: Callable[[Scope, str], Table | None] | None = None


SECTIONS: list[SectionSpec] = [
    SectionSpec("coverage", coverage.build, frozenset({PROGRAM, SCHOOL})),
    SectionSpec("time", time_spent.build, frozenset({PROGRAM, SCHOOL, OFFICER}), time_spent.table),
    SectionSpec("incidents", incidents.build, frozenset({PROGRAM, SCHOOL})),
    SectionSpec("responses", responses.build, frozenset({PROGRAM})),
    SectionSpec("drills", drills.build, frozenset({PROGRAM, SCHOOL})),
    SectionSpec("payoff", payoff.build, frozenset({PROGRAM})),
    SectionSpec("presentations", presentations.build, frozenset({PROGRAM, SCHOOL, OFFICER})),
    SectionSpec("referrals", referrals.build, frozenset({PROGRAM, OFFICER})),
]


def specs_for(scope: Scope) -> list[SectionSpec]:
    return [spec for spec in SECTIONS if scope.audience in spec.audiences]


def build_sections(scope: Scope) -> list[Section]:
    rollups.prefetch(scope)  # the kept figures of every section's period in two queries
    with shared_reads(scope):  # the agency and the schools, read once for all the sections
        return [spec.build(scope) for spec in specs_for(scope)]


def build_section(scope: Scope, key: str) -> Section | None:
    """One section, if the scope's audience may see it."""
    spec = _spec(scope, key)
    if spec is None:
        return None
    with shared_reads(scope):
        return spec.build(scope)


def build_table(scope: Scope, key: str, table: str) -> Table | None:
    """The table `table` of section `key` (a CSV export), if the scope's audience may see it:
    the same rows as build_section(scope, key).table(table)."""
    spec = _spec(scope, key)
    if spec is None:
        return None
    with shared_reads(scope):
        if spec.table is not None:
            return spec.table(scope, table)
        return spec.build(scope).table(table)


def _spec(scope: Scope, key: str) -> SectionSpec | None:
    return next((spec for spec in specs_for(scope) if spec.key == key), None)
