"""CSV exports of the dashboard's tables: the user's own scope, formula injection escaped, a BOM for
Excel, recorded in the audit trail, and no student identity in anything a school admin reaches."""

import csv
import datetime as dt
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from sro_portal.accounts.models import Agency, Role
from sro_portal.audit.models import AccessEvent
from sro_portal.dashboards import sections
from sro_portal.dashboards.csv_export import escape_cell, escaped_row, table_csv
from sro_portal.dashboards.scope import scope_for
from sro_portal.dashboards.sections import OFFICER, PROGRAM, SCHOOL, SectionSpec
from sro_portal.dashboards.tables import Section, Table
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    # 15 November 2025 in Edmonton: the school year 2025-2026.
    with time_machine.travel(dt.datetime(2025, 11, 15, 19, 0, tzinfo=dt.UTC), tick=False):
        yield


DANGEROUS = ["=1+1", "+41 22", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def _risky_section(scope) -> Section:
    return Section(
        key="risky",
        title="Risky",
        tables=[
            Table(
                key="cells",
                title="Cells",
                columns=["Label", "Count"],
                rows=[[text, index] for index, text in enumerate(DANGEROUS)]
                + [["Negative", -3], ["Hours", Decimal("2.50")], ["Missing", None], ["École", 1.5]],
            )
        ],
    )


@pytest.fixture
def risky(monkeypatch):
    specs = [
        SectionSpec("risky", _risky_section, frozenset({PROGRAM, SCHOOL, OFFICER})),
        SectionSpec("police_only", _risky_section, frozenset({PROGRAM})),
    ]
    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS, *specs])


def _export(client, user, section, table, **params):
    signed_in(client, user)
    return client.get(reverse("dashboards:export", args=[section, table]), params)


def _rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- The file ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_each_dangerous_start_is_escaped_with_a_quote(text):
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Alpha High", "1+1", "a=b", " =x", "", "École"])
def test_harmless_text_is_written_as_is(value):
    assert escape_cell(value) == value


def test_numbers_stay_numbers():
    assert [escape_cell(v) for v in (-3, 0, Decimal("2.50"), 1.5, None)] == [
        "-3",
        "0",
        "2.50",
        "1.5",
        "",
    ]


def test_a_row_is_escaped_as_each_of_its_cells():
    """escaped_row() leaves to csv the numbers it writes as escape_cell() would: the same file."""
    row = [
        "=1+1", "Plain", -3, 0, 7, Decimal("2.50"), Decimal("-1"), 1.5, -0.25, 0.0, 1e-07, 1e300,
        float("inf"), float("-inf"), float("nan"), None, True, False, "", "-2",
    ]  # fmt: skip

    def written(cells):
        buffer = io.StringIO()
        csv.writer(buffer).writerow(cells)
        return buffer.getvalue()

    assert written(escaped_row(row)) == written([escape_cell(value) for value in row])
    assert escaped_row(row)[:3] == ["'=1+1", "Plain", -3]


def test_the_csv_has_a_bom_headers_and_escaped_rows(client, world_a, risky):
    response = _export(client, world_a.supervisor, "risky", "cells")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="risky-cells-2025-09-01-2026-06-30.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    rows = _rows(response)
    assert rows[0] == ["Label", "Count"]
    assert rows[1:] == [
        ["'=1+1", "0"],
        ["'+41 22", "1"],
        ["'-2+3", "2"],
        ["'@SUM(A1)", "3"],
        ["'\tTab", "4"],
        ["'\rReturn", "5"],
        ["Negative", "-3"],
        ["Hours", "2.50"],
        ["Missing", ""],
        ["École", "1.5"],
    ]
    assert response.content.startswith(b"\xef\xbb\xbf")


def test_table_csv_matches_what_the_view_writes(client, world_a, risky):
    response = _export(client, world_a.supervisor, "risky", "cells")
    assert response.content.decode() == table_csv(_risky_section(None).table("cells"))


# --- The audit trail -----------------------------------------------------------------------------


def test_an_export_is_recorded_with_its_row_count_and_filters(client, world_a, risky):
    _export(client, world_a.supervisor, "risky", "cells", school=world_a.school.pk, period="2024")
    event = AccessEvent.objects.get()
    assert event.action == AccessEvent.Action.EXPORTED
    assert (event.agency_id, event.actor_id) == (world_a.agency.pk, world_a.supervisor.pk)
    assert event.content_type == ContentType.objects.get_for_model(Agency)
    assert event.object_id == str(world_a.agency.pk)
    assert event.detail == {
        "table": "risky/cells",
        "rows": 10,
        "filters": {
            "audience": "program",
            "start": "2024-09-01",
            "end": "2025-06-30",
            "school": world_a.school.pk,
            "period": "2024",
        },
    }
    assert "Alpha" not in str(event.detail)  # ids, never names


def test_a_refused_export_is_not_recorded(client, world_a, risky):
    assert _export(client, world_a.supervisor, "risky", "nope").status_code == 404
    assert AccessEvent.objects.count() == 0


# --- Who may export what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "table"), [("nope", "cells"), ("risky", "nope"), ("police_only", "cells")]
)
def test_a_missing_or_hidden_table_is_a_404(client, world_a, risky, section, table):
    assert _export(client, world_a.school_admin, section, table).status_code == 404


def test_the_program_audience_has_the_program_s_tables(client, world_a, risky):
    assert _export(client, world_a.supervisor, "police_only", "cells").status_code == 200


def test_bad_filters_are_a_404(client, world_a, risky):
    response = _export(client, world_a.supervisor, "risky", "cells", start="2025-10-01")
    assert response.status_code == 404


def test_a_school_admin_cannot_export_another_school(client, world_a, risky):
    response = _export(
        client, world_a.school_admin, "coverage", "schools", school=world_a.other_school.pk
    )
    assert response.status_code == 404
    assert AccessEvent.objects.count() == 0


def test_coverage_export_follows_the_school_filter(client, world_a, world_b):
    rows = _rows(_export(client, world_a.supervisor, "coverage", "schools"))
    assert [row[0] for row in rows[1:]] == ["Alpha Composite", "Alpha High"]
    rows = _rows(
        _export(client, world_a.supervisor, "coverage", "schools", school=world_a.school.pk)
    )
    assert rows[1:] == [["Alpha High", world_a.sro.full_name, "yes"]]


def test_another_agency_s_figures_never_come_out(client, world_a, world_b):
    text = _export(client, world_b.supervisor, "coverage", "schools").content.decode()
    assert "Bravo High" in text and "Alpha" not in text
    response = _export(client, world_b.supervisor, "coverage", "schools", school=world_a.school.pk)
    assert response.status_code == 404


# --- No student identity --------------------------------------------------------------------------

NAMES = ["Zebulon", "Quarrington", "Xanthe", "Outridge", "S-4471"]


def _seed_named_students(world):
    school = world.school
    student = factories.StudentFactory(
        school=school, first_name="Zebulon", last_name="Quarrington", student_number="S-4471"
    )
    day = date(2025, 11, 3)
    incident = factories.IncidentFactory(
        school=school,
        recorded_by=world.sro,
        occurred_at=dt.datetime(2025, 11, 3, 10, 0, tzinfo=world.agency.tzinfo),
    )
    factories.InvolvementFactory(incident=incident, student=student, response="payoff")
    factories.InvolvementFactory(
        incident=incident, student=None, name="Xanthe Outridge", role="witness"
    )
    factories.ActivityFactory(school=school, officer=world.sro, date=day, student=student)
    factories.ReferralFactory(student=student, made_by=world.sro, made_on=day)
    factories.AgreementFactory(school=school, student=student, officer=world.sro)


@pytest.mark.parametrize("role", Role.values)
def test_no_export_or_page_names_a_student(client, world_a, role):
    _seed_named_students(world_a)
    user = world_a.users[role]
    built = sections.build_sections(scope_for(user))
    signed_in(client, user)
    page = client.get(reverse("dashboards:program")).content.decode()
    exported = 0
    for section in built:
        for table in section.tables:
            response = client.get(reverse("dashboards:export", args=[section.key, table.key]))
            assert response.status_code == 200, (section.key, table.key)
            text = response.content.decode()
            assert not [name for name in NAMES if name in text], (section.key, table.key)
            exported += 1
    assert not [name for name in NAMES if name in page]
    assert AccessEvent.objects.filter(action=AccessEvent.Action.EXPORTED).count() == exported
    assert exported > 0
