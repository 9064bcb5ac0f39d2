"""The dashboard page: one URL, the view of the user's audience, filtered by a GET form (htmx swaps
the body), built from every section in sections.SECTIONS."""

import datetime as dt
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sro_portal.accounts.models import Role
from sro_portal.dashboards import sections
from sro_portal.dashboards.sections import OFFICER, PROGRAM, SCHOOL, SectionSpec
from sro_portal.dashboards.tables import Figure, Section, Table
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:program")
# 15 November 2025 in Edmonton: the school year 2025-2026 (1 September to 30 June).
TODAY = date(2025, 11, 15)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2025, 11, 15, 19, 0, tzinfo=dt.UTC), tick=False):
        yield


def _scoped_section(scope) -> Section:
    """A section showing what it was asked about: every kind of table, a note, figures."""
    school_ids = "all" if scope.school_ids is None else ",".join(map(str, scope.school_ids))
    return Section(
        key="probe",
        title="Probe section",
        note="Counts only: nobody is named here.",
        figures=[
            Figure("Probe days", scope.days, table="by_month"),
            Figure("Probe share", 12.5, detail="of 8 things"),
        ],
        tables=[
            Table(
                key="by_month",
                title="Probe by month",
                columns=["Month", "Count"],
                rows=[["2025-09", 4], ["2025-10", 0], ["2025-11", 7]],
                chart="bar",
                description=f"Scope {scope.start}..{scope.end} schools={school_ids}",
            ),
            Table(
                key="listing",
                title="Probe listing",
                columns=["Name", "Value"],
                rows=[["<b>bold</b> & co", "x"]],
                chart="none",
            ),
            Table(key="nothing", title="Probe nothing", columns=["A", "B"], rows=[]),
            Table(key="zeros", title="Probe zeros", columns=["A", "B"], rows=[["a", 0], ["b", 0]]),
        ],
    )


@pytest.fixture
def probe(monkeypatch):
    spec = SectionSpec("probe", _scoped_section, frozenset({PROGRAM, SCHOOL, OFFICER}))
    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS, spec])


def _get(client, user, **params):
    signed_in(client, user)
    return client.get(URL, params)


# --- Each audience gets its view ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "title"),
    [
        (Role.ADMIN, "Program dashboard"),
        (Role.SUPERVISOR, "Program dashboard"),
        (Role.SCHOOL, "School dashboard"),
        (Role.SRO, "My work"),
    ],
)
def test_each_role_gets_the_view_of_its_audience(client, world_a, role, title, probe):
    response = _get(client, world_a.users[role])
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 class="h3 mb-0">{title}</h1>' in html
    # The annual report is the program's.
    assert (reverse("dashboards:report_narrative") in html) == (title == "Program dashboard")
    # Default: the current school year.
    assert "Scope 2025-09-01..2026-06-30" in html
    assert "no-store" in response["Cache-Control"]


def test_the_program_view_covers_the_agency_or_one_school(client, world_a, world_b, probe):
    html = _get(client, world_a.supervisor).content.decode()
    assert "schools=all" in html
    assert "Alpha High" in html and "Alpha Composite" in html  # coverage rows
    assert "Bravo High" not in html
    html = _get(client, world_a.supervisor, school=world_a.other_school.pk).content.decode()
    assert f"schools={world_a.other_school.pk}<" in html
    coverage = html.split('id="section-coverage"')[1].split("</section>")[0]
    assert "Alpha Composite" in coverage and "Alpha High" not in coverage


def test_the_school_view_covers_the_school_admin_s_schools_only(client, world_a, probe):
    html = _get(client, world_a.school_admin).content.decode()
    assert f"schools={world_a.school.pk}<" in html
    assert "Alpha Composite" not in html  # neither in the figures nor in the school choices
    assert "All my schools" in html


def test_a_school_admin_asking_for_another_school_gets_a_form_error(client, world_a, probe):
    response = _get(client, world_a.school_admin, school=world_a.other_school.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert 'id="section-' not in html  # no figures at all
    assert "Alpha Composite" not in html


def test_another_agency_s_school_is_a_form_error_and_its_figures_never_show(
    client, world_a, world_b, probe
):
    html = _get(client, world_b.supervisor, school=world_a.school.pk).content.decode()
    assert "Select a valid choice" in html
    assert "Alpha" not in html
    html = _get(client, world_b.supervisor).content.decode()
    assert "Bravo High" in html and "Alpha" not in html


def test_a_closed_school_is_not_offered(client, world_a, probe):
    closed = factories.SchoolFactory(
        board=world_a.school.board, name="Closed High", is_active=False
    )
    html = _get(client, world_a.supervisor, school=closed.pk).content.decode()
    assert "Select a valid choice" in html


def test_the_officer_view_has_quick_periods_and_no_school_filter(client, world_a, probe):
    html = _get(client, world_a.sro).content.decode()
    assert 'name="school"' not in html
    assert "This week" in html and "This month" in html
    assert "This school year (2025-2026)" in html
    # 15 November 2025 is a Saturday: Monday 10 to Sunday 16 November.
    html = _get(client, world_a.sro, period="week").content.decode()
    assert "Scope 2025-11-10..2025-11-16" in html
    html = _get(client, world_a.sro, period="month").content.decode()
    assert "Scope 2025-11-01..2025-11-30" in html
    # An SRO's school in the query string is ignored: their view is their own work.
    html = _get(client, world_a.sro, school=world_a.other_school.pk).content.decode()
    assert "Scope 2025-09-01..2026-06-30 schools=all" in html


def test_a_past_school_year_and_a_custom_range(client, world_a, probe):
    html = _get(client, world_a.supervisor, period="2024").content.decode()
    assert "Scope 2024-09-01..2025-06-30" in html
    html = _get(client, world_a.supervisor, start="2025-10-01", end="2025-10-31").content.decode()
    assert "Scope 2025-10-01..2025-10-31" in html
    assert "Clear the dates" in html


# --- Filter errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2025-10-31", "end": "2025-10-01"}, "end", "before its start"),
        ({"start": "2025-10-01"}, "end", "Give both dates"),
        ({"end": "2025-10-01"}, "start", "Give both dates"),
        ({"start": "2015-01-01", "end": "2025-01-01"}, "end", "at most 5 years"),
        ({"start": "1890-01-01", "end": "1890-02-01"}, "start", "between 2000 and 2100"),
        ({"start": "not-a-day", "end": "2025-10-01"}, "start", "Enter a valid date"),
        ({"period": "1999"}, "period", "Select a valid choice"),
        ({"period": "week"}, "period", "Select a valid choice"),  # quick periods: SROs only
        ({"school": "abc"}, "school", "Select a valid choice"),
    ],
)
def test_filter_errors_show_next_to_their_field(client, world_a, probe, params, field, message):
    response = _get(client, world_a.supervisor, **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert re.search(rf'name="{field}"[^>]*class="[^"]*is-invalid', html) or re.search(
        rf'class="[^"]*is-invalid[^"]*"[^>]*name="{field}"', html
    )
    assert "Check the filters" in html
    assert 'id="section-' not in html


def test_five_years_exactly_is_allowed(client, world_a, probe):
    html = _get(client, world_a.supervisor, start="2020-07-01", end="2025-07-01").content.decode()
    assert "Scope 2020-07-01..2025-07-01" in html


# --- htmx ----------------------------------------------------------------------------------------


def test_an_htmx_request_gets_the_body_fragment_only(client, world_a, probe):
    signed_in(client, world_a.supervisor)
    response = client.get(URL, {"period": "2024"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in html and "<h1" not in html
    assert "Scope 2024-09-01..2025-06-30" in html
    assert "HX-Request" in response["Vary"]
    assert "no-store" in response["Cache-Control"]


def test_an_htmx_fragment_with_errors_still_swaps_with_the_errors(client, world_a, probe):
    signed_in(client, world_a.supervisor)
    response = client.get(URL, {"start": "2025-10-01"}, headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps only successful answers
    assert "Give both dates" in response.content.decode()


def test_a_history_restore_gets_the_whole_page(client, world_a, probe):
    signed_in(client, world_a.supervisor)
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_the_filters_reload_with_htmx_and_work_without_it(client, world_a, probe):
    html = _get(client, world_a.supervisor).content.decode()
    form = html.split('<form method="get" action="/dashboard/"')[1].split("</form>")[0]
    assert 'hx-get="/dashboard/"' in form and 'hx-target="#dashboard-body"' in form
    assert 'hx-push-url="true"' in form
    assert '<button class="btn btn-primary" type="submit">' in form
    assert re.search(r'<select name="school"[^>]*hx-get="/dashboard/"', form)
    assert 'hx-history="false"' in html


# --- Sections, figures and tables ------------------------------------------------------------


def test_a_section_shows_figures_tables_charts_and_csv_links(client, world_a, probe):
    html = _get(client, world_a.supervisor, school=world_a.school.pk).content.decode()
    section = html.split('id="section-probe"')[1].split("</section>")[0]
    assert "Counts only: nobody is named here." in section
    # A figure with a table is one click away from it.
    assert 'href="#table-probe-by_month">Probe days</a>' in section
    assert 'id="table-probe-by_month"' in section
    assert "12.5" in section and "of 8 things" in section
    # The chart, then its numbers folded under it.
    by_month = section.split('id="table-probe-by_month"')[1].split("</article>")[0]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in by_month
    assert "<details" in by_month and "<table" in by_month
    csv = reverse("dashboards:export", args=["probe", "by_month"])
    assert f'href="{csv}?school={world_a.school.pk}"' in by_month
    # A "none" table shows its numbers straight away (escaped).
    listing = section.split('id="table-probe-listing"')[1].split("</article>")[0]
    assert "<svg" not in listing and "<details" not in listing and "<table" in listing
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in listing
    # An empty table says so; an all-zero table shows its zeros, not an empty chart.
    nothing = section.split('id="table-probe-nothing"')[1].split("</article>")[0]
    assert "Nothing to show for these filters." in nothing and "<svg" not in nothing
    zeros = section.split('id="table-probe-zeros"')[1].split("</article>")[0]
    assert "every figure is zero" in zeros and "<svg" not in zeros and "<table" in zeros


def test_the_page_has_no_inline_style_or_script(client, world_a, probe):
    html = _get(client, world_a.supervisor).content.decode()
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


# --- Query count: constant as data grows --------------------------------------------------------


def _queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def _grow(world, count: int):
    today = world.agency.today()
    board = world.school.board
    for _ in range(count):
        school = factories.SchoolFactory(board=board)
        officer = factories.UserFactory(agency=world.agency, role=Role.SRO)
        factories.AssignmentFactory(school=school, officer=officer, starts_on=date(2025, 9, 1))
        for day in (today, today - timedelta(days=20)):
            factories.ActivityFactory(school=school, officer=officer, date=day)
            factories.ActivityFactory(school=world.school, officer=world.sro, date=day)
        incident = factories.IncidentFactory(school=school, recorded_by=officer)
        factories.InvolvementFactory(incident=incident)
        factories.IncidentFactory(school=world.school, recorded_by=world.sro)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SCHOOL, Role.SRO])
def test_the_page_s_query_count_does_not_grow_with_the_data(client, world_a, role):
    user = world_a.users[role]
    signed_in(client, user)
    client.get(URL)  # warm: sessions, content types
    before = _queries(client, user)
    _grow(world_a, 4)
    if role == Role.SCHOOL:  # one more school of theirs
        school = factories.SchoolFactory(board=world_a.school.board)
        factories.SchoolMembershipFactory(school=school, user=user)
        factories.IncidentFactory(school=school)
    changed = _queries(client, user)
    assert _queries(client, user) == before
    # The agency's kept monthly figures (rollups) of the months that changed are computed again
    # on the next view: at most one pass and one write per source (and the responses' school
    # years), whatever the number of rows. (How many: it depends on today's date, as the rows'
    # dates do; tests/dashboards/test_rollups.py pins the dates.)
    assert before <= changed <= before + 2 * KEPT_SOURCES[role] + (role == Role.SUPERVISOR)


# Sources the page reads from kept monthly figures (dashboards.rollups), by role: the program
# audience sees the whole agency; a school admin's and an SRO's figures read their own rows.
KEPT_SOURCES = {Role.SUPERVISOR: 6, Role.SCHOOL: 0, Role.SRO: 0}


# --- Who may open it -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_page_and_the_exports_take_get_only(client, world_a):
    signed_in(client, world_a.supervisor)
    assert client.post(URL).status_code == 405
    export = reverse("dashboards:export", args=["coverage", "schools"])
    assert client.post(export).status_code == 405


def test_platform_staff_have_no_dashboard(client, django_user_model):
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    signed_in(client, staff)
    assert client.get(URL).status_code == 403


def test_a_long_table_shows_its_largest_rows_and_leaves_the_rest_to_the_csv(
    client, world_a, monkeypatch
):
    def long_section(scope):
        rows = [[f"School {n:03}", n] for n in range(40)] + [["Total", 780]]
        table = Table(
            "by_school", "Probe by school", ["School", "Count"], rows, total_label="Total"
        )
        return Section(key="long", title="Long section", tables=[table])

    spec = SectionSpec("long", long_section, frozenset({PROGRAM}))
    monkeypatch.setattr(sections, "SECTIONS", [spec])
    html = _get(client, world_a.supervisor).content.decode()
    numbers = html.split('id="table-long-by_school"')[1].split("</article>")[0].split("<table")[1]
    shown = re.findall(r"School (\d{3})", numbers)
    assert shown == [f"{n:03}" for n in range(39, 14, -1)]  # the 25 largest, largest first
    assert "Total" in numbers
    assert "The 15 other rows are in the CSV export" in html
    # The export keeps every row.
    csv = client.get(reverse("dashboards:export", args=["long", "by_school"]))
    assert b"School 000" in b"".join(csv.streaming_content if csv.streaming else [csv.content])
