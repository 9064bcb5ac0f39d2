"""Which sections each audience gets, and that no student identity reaches any of them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sro_portal.dashboards.scope import scope_for
from sro_portal.dashboards.sections import build_section, build_sections
from tests import factories

pytestmark = pytest.mark.django_db


def _keys(user) -> list[str]:
    return [section.key for section in build_sections(scope_for(user))]


def test_each_audience_gets_its_sections(world_a):
    program = [
        "coverage",
        "time",
        "incidents",
        "responses",
        "drills",
        "payoff",
        "presentations",
        "referrals",
    ]
    assert _keys(world_a.supervisor) == program
    assert _keys(world_a.admin) == program
    assert _keys(world_a.school_admin) == [
        "coverage",
        "time",
        "incidents",
        "drills",
        "presentations",
    ]
    assert _keys(world_a.sro) == ["time", "presentations", "referrals"]


def test_a_section_outside_the_audience_is_not_built(world_a):
    scope = scope_for(world_a.school_admin)
    assert build_section(scope, "responses") is None
    assert build_section(scope, "payoff") is None
    assert build_section(scope, "nothing") is None
    assert build_section(scope, "incidents").key == "incidents"


def _cells(sections) -> str:
    texts = []
    for section in sections:
        texts += [section.title, section.note]
        texts += [f"{figure.label} {figure.value} {figure.detail}" for figure in section.figures]
        for table in section.tables:
            texts += [table.title, table.description, *map(str, table.columns)]
            texts += [str(cell) for row in table.rows for cell in row]
    return "\n".join(texts)


def test_no_section_of_any_audience_names_a_student(world_a):
    student = factories.StudentFactory(
        school=world_a.school, first_name="Quillon", last_name="Abernathy-Roe"
    )
    incident = factories.IncidentFactory(
        school=world_a.school, occurred_at=timezone.now() - timedelta(days=2)
    )
    factories.InvolvementFactory(incident=incident, student=student, role="subject")
    factories.ActivityFactory(school=world_a.school, officer=world_a.sro, student=student)
    factories.ReferralFactory(student=student, made_by=world_a.sro)
    factories.AgreementFactory(school=world_a.school, student=student, officer=world_a.sro)
    for user in (world_a.supervisor, world_a.school_admin, world_a.sro):
        text = _cells(build_sections(scope_for(user)))
        assert "Quillon" not in text and "Abernathy" not in text


def _reads_of(table: str, queries) -> int:
    """Queries whose rows are `table`'s (not a subquery of another table's)."""
    return sum(query["sql"].startswith(f'SELECT "{table}".') for query in queries.captured_queries)


def test_the_sections_read_the_agency_and_the_schools_once(world_a):
    """metrics.shared_reads: the program's eight sections share one read of the agency and one
    of the schools (before, each section read them itself: the agency five times). The drill
    section's compliance matrix reads the active schools with their boards: its own read. A
    scope from scope_for carries the user's agency: no read of it at all."""
    from dataclasses import replace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = scope_for(world_a.supervisor)
    assert scope.agency == world_a.supervisor.agency
    with CaptureQueriesContext(connection) as queries:
        build_sections(scope)
    assert _reads_of("accounts_agency", queries) == 0
    assert _reads_of("schools_school", queries) == 2
    assert scope.memo == {}  # forgotten once built: a later build reads afresh

    without_agency = replace(scope, agency=None)
    with CaptureQueriesContext(connection) as queries:
        build_sections(without_agency)
    assert _reads_of("accounts_agency", queries) == 1
    assert _reads_of("schools_school", queries) == 2


def test_the_fixed_texts_are_those_of_the_language_of_each_build(world_a):
    """metrics.gettext remembers the translations per language while shared_reads is open: each
    build reads its own language's, whatever was built before."""
    from django.utils import translation

    from sro_portal.dashboards import metrics

    scope = scope_for(world_a.supervisor)
    texts = ["Coverage", "Hours logged", "Drills", "Schools at risk"]
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            expected = [translation.gettext(text) for text in texts]
            with metrics.shared_reads(scope):
                assert [metrics.gettext(text) for text in texts] == expected
                assert [metrics.gettext(text) for text in texts] == expected
            sections = build_sections(scope)
            assert [sections[0].title, sections[4].title] == [expected[0], expected[2]]
    assert metrics.gettext("Coverage") == "Coverage"  # no build open: Django's, in English
    assert expected[0] != "Coverage"  # (the French words were asked for)
