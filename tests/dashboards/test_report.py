"""The annual program report: its figures (for the agency and each school, for the school year
asked), the PDF (cover, contents, narrative, a chapter per school, charts), the narrative form,
who may see them, the PDF rendered by a Celery task with its status page and download, the
audit event of a download, the weekly deletion of old files, and the work it does."""

import dataclasses
import datetime as dt
import logging
import re
import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import Activity
from sro_portal import rls
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from sro_portal.dashboards import report, sections, services, tasks
from sro_portal.dashboards.metrics import by_school
from sro_portal.dashboards.models import AnnualNarrative, ReportFile
from sro_portal.dashboards.scope import Audience
from sro_portal.dashboards.tables import Figure, Section, Table
from tests import factories
from tests.app_role import as_app_role
from tests.helpers import authenticated_now, signed_in

pytestmark = pytest.mark.django_db

# The school year 2025-2026 (Alberta default: September 1 to June 30), asked for in August 2026.
TODAY = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)
YEAR = "2025"
NARRATIVE = "Officers mentored more students than ever.\n\nNext year: two more schools."


@pytest.fixture(autouse=True)
def _august_2026():
    with time_machine.travel(TODAY, tick=False):
        yield


def _visits(scope) -> Section:
    """A section built from real rows, as a metric module does (two queries): the activities of
    the scope's agency, schools and days. It stands for the sections sections.py will list."""
    activities = by_school(
        Activity.objects.filter(
            agency_id=scope.agency_id, date__gte=scope.start, date__lte=scope.end
        ),
        scope,
    ).order_by()
    by_name = activities.values("school__name").annotate(n=Count("pk")).order_by("school__name")
    return Section(
        key="visits",
        title="Visits",
        figures=[Figure("Visits logged", activities.count())],
        tables=[
            Table(
                key="by_school",
                title="Visits by school",
                columns=["School", "Visits"],
                rows=[[row["school__name"], row["n"]] for row in by_name],
            ),
            Table(key="list", title="Not charted", columns=["School"], rows=[["x"]], chart="none"),
        ],
    )


VISITS = sections.SectionSpec("visits", _visits, frozenset({Audience.PROGRAM}))


@pytest.fixture
def visits_section(monkeypatch):
    """The sections of sections.py, and the visits."""
    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS, VISITS])


@pytest.fixture
def coverage_and_visits(monkeypatch):
    """Two sections only, for a document whose every page is known."""
    coverage = next(spec for spec in sections.SECTIONS if spec.key == "coverage")
    monkeypatch.setattr(sections, "SECTIONS", [coverage, VISITS])


def _activities(world_a, world_b):
    """By hand, 2025-2026: 3 visits at Alpha High, 2 at Alpha Composite (5 for the agency)."""
    for day in (dt.date(2025, 9, 1), dt.date(2026, 1, 15), dt.date(2026, 6, 30)):
        factories.ActivityFactory(school=world_a.school, officer=world_a.sro, date=day)
    for day in (dt.date(2025, 10, 2), dt.date(2026, 3, 3)):
        factories.ActivityFactory(school=world_a.other_school, date=day)
    # Outside the school year, and another agency's: never counted.
    factories.ActivityFactory(school=world_a.school, officer=world_a.sro, date=dt.date(2025, 8, 31))
    factories.ActivityFactory(school=world_a.school, officer=world_a.sro, date=dt.date(2026, 7, 1))
    for _ in range(4):
        factories.ActivityFactory(school=world_b.school, date=dt.date(2026, 2, 2))


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def _year(world):
    return report.report_year(world.agency, YEAR)


def _charts_on(page) -> int:
    """The inline SVG drawings laid out on a page (the charts; the cover's logo is an <img>)."""
    return sum(
        1
        for box in page._page_box.descendants()
        if str(getattr(box, "element_tag", "")).endswith("}svg") and box.width
    )


def _page_texts(document) -> list[str]:
    """The text laid out on each page of a WeasyPrint document (running heads included)."""
    return [
        " ".join(box.text for box in page._page_box.descendants() if hasattr(box, "text"))
        for page in document.pages
    ]


# --- The figures -------------------------------------------------------------------------------


def test_report_figures_are_the_year_s_for_the_agency_and_each_school(
    world_a, world_b, visits_section
):
    _activities(world_a, world_b)

    annual = report.build_report(user=world_a.supervisor, year=_year(world_a))

    assert (annual.year.start, annual.year.end) == (dt.date(2025, 9, 1), dt.date(2026, 6, 30))
    overall = {section.key: section for section in annual.overall}
    assert _figures(overall["visits"]) == {"Visits logged": 5}
    assert overall["visits"].table("by_school").rows == [
        ["Alpha Composite", 2],
        ["Alpha High", 3],
    ]
    assert _figures(overall["coverage"])["Schools"] == 2
    # One chapter per school of the agency, by name, each with that school's figures only.
    assert [school.name for school in annual.schools] == ["Alpha Composite", "Alpha High"]
    per_school = {
        school.name: _figures(next(s for s in school.sections if s.key == "visits"))
        for school in annual.schools
    }
    assert per_school == {
        "Alpha Composite": {"Visits logged": 2},
        "Alpha High": {"Visits logged": 3},
    }


def test_a_closed_school_and_another_agency_s_schools_get_no_chapter(world_a, world_b):
    factories.SchoolFactory(board=world_a.school.board, name="Closed School", is_active=False)
    annual = report.build_report(user=world_a.admin, year=_year(world_a))
    assert [school.name for school in annual.schools] == ["Alpha Composite", "Alpha High"]


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_only_the_program_roles_can_build_a_report(world_a, role):
    with pytest.raises(PermissionDenied):
        report.build_report(user=world_a.users[role], year=_year(world_a))


def test_the_year_parameter_names_the_school_year_it_starts_in(world_a):
    assert report.report_year(world_a.agency, "2024").start == dt.date(2024, 9, 1)
    # No year: the school year of today (14 August 2026 is still in 2025-2026).
    assert report.report_year(world_a.agency, None).start == dt.date(2025, 9, 1)


def test_every_program_section_of_the_dashboard_is_in_the_report(world_a, world_b, caplog):
    # Sections appear in the report as they are listed in sections.py, for the agency and for
    # each school, with their contents entries; the PDF renders them all.
    _activities(world_a, world_b)
    annual = report.build_report(user=world_a.supervisor, year=_year(world_a))
    expected = [spec.key for spec in sections.SECTIONS if Audience.PROGRAM in spec.audiences]
    assert expected[0] == "coverage"
    assert [section.key for section in annual.overall] == expected
    for school in annual.schools:
        assert [section.key for section in school.sections] == expected
    html = report.report_html(annual)
    for key in expected:
        assert f'href="#overall-{key}"' in html and f'id="overall-{key}"' in html
        assert f'id="school-{world_a.school.pk}-{key}"' in html
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        assert report.report_pdf(annual).startswith(b"%PDF-")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- The document ------------------------------------------------------------------------------


def test_the_pdf_has_a_cover_contents_narrative_and_a_chapter_per_school(
    world_a, world_b, coverage_and_visits, caplog
):
    _activities(world_a, world_b)
    services.narrative_save(
        actor=world_a.supervisor, year_start=dt.date(2025, 9, 1), text=NARRATIVE
    )
    annual = report.build_report(user=world_a.supervisor, year=_year(world_a))

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = report.report_document(annual)
    pdf = document.write_pdf()

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 10_000
    # Nothing failed to load (the cover's logo comes from the static files).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    pages = _page_texts(document)
    # Cover, contents, narrative, the program as a whole, then one page per school.
    assert len(pages) == 6
    cover, contents, narrative, overall, composite, high = pages
    assert "Alpha Police Service" in cover and "Annual report 2025-2026" in cover
    assert (
        "Alpha Police Service" in narrative and "Annual report 2025-2026" in narrative
    )  # running head, foot
    assert "1 / 6" not in cover  # no page number on the cover
    # The contents give each chapter's page, from the layout (target-counter after leaders).
    assert re.search(r"From the program[ .]*3 ", contents)
    assert re.search(r"The program as a whole[ .]*4 ", contents)
    assert re.search(r"Alpha Composite[ .]*5 ", contents)
    assert re.search(r"Alpha High[ .]*6 ", contents)
    assert "2 / 6" in contents
    assert "Officers mentored more students than ever." in narrative
    assert "Next year: two more schools." in narrative
    assert "3 / 6" in narrative
    # The year's figures: the agency's, then each school's on its own page.
    assert "5 Visits logged" in overall and "Alpha Composite 2 Alpha High 3" in overall
    assert "2 Schools" in overall
    assert composite.startswith("Alpha Composite") and "Visits logged 2" in composite
    assert "Without a primary SRO today 1" in composite
    assert high.startswith("Alpha High") and "Visits logged 3" in high
    assert "Without a primary SRO today 0" in high
    assert "6 / 6" in high
    # The chart is drawn in the PDF, in the agency's chapter (a school's page: its figures).
    assert [_charts_on(page) for page in document.pages] == [0, 0, 0, 1, 0, 0]
    # No other agency's name anywhere.
    assert not any("Bravo" in page for page in pages)


def test_the_report_html_has_an_svg_chart_for_each_charted_table(
    world_a, world_b, coverage_and_visits
):
    _activities(world_a, world_b)
    annual = report.build_report(user=world_a.supervisor, year=_year(world_a))

    html = report.report_html(annual)

    # The agency's chapter charts "Visits by school"; coverage's tables and "Not charted" are
    # tables only. The schools' pages give their figures.
    charted = [
        table
        for section in annual.overall
        for table in section.tables
        if table.chart != "none" and not table.is_empty
    ]
    assert [table.title for table in charted] == ["Visits by school"]
    assert html.count("<svg") == 1
    # The dashboard's accessible SVG: role="img", titled by the table's title, and the numbers
    # under it.
    assert len(re.findall(r'<svg [^>]*role="img"', html)) == 1
    assert len(re.findall(r'<title id="[^"]+">Visits by school</title>', html)) == 1
    assert re.search(r"<th scope=\"row\">Alpha High</th><td[^>]*>3</td>", html)


def test_an_empty_year_still_renders(world_a, coverage_and_visits):
    annual = report.build_report(user=world_a.supervisor, year=_year(world_a))
    html = report.report_html(annual)
    assert "No narrative was written for this school year." in html
    assert "Nothing to show for this period." in html  # no visits, no coverage gaps
    assert "<svg" not in html  # nothing to chart
    assert report.report_pdf(annual).startswith(b"%PDF-")


def test_the_narrative_is_printed_as_text_never_as_markup(world_a):
    services.narrative_save(
        actor=world_a.admin,
        year_start=dt.date(2025, 9, 1),
        text='<img src="http://example.com/x.png"> <script>x()</script>',
    )
    html = report.report_html(report.build_report(user=world_a.admin, year=_year(world_a)))
    assert "&lt;img src=" in html and '<img src="http://' not in html
    assert "&lt;script&gt;" in html


def test_the_fetcher_serves_static_files_and_refuses_everything_else():
    fetcher = report.StaticFilesOnly()
    logo = fetcher.fetch(report.BASE_URL + "static/img/favicon.svg")
    with open(finders.find("img/favicon.svg"), "rb") as file:
        assert logo.read() == file.read()
    assert logo.content_type == "image/svg+xml"
    for url in (
        "https://example.com/static/img/favicon.svg",
        "http://127.0.0.1:8000/static/img/favicon.svg",
        "file:///etc/passwd",
        report.BASE_URL + "media/officers/photo.jpg",
        report.BASE_URL + "static/../sro_portal/settings.py",
        report.BASE_URL + "static/%2e%2e/sro_portal/settings.py",
        report.BASE_URL + "static//etc/passwd",
        report.BASE_URL + "static/img/missing.svg",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# --- The work ----------------------------------------------------------------------------------


def _queries(func) -> int:
    cache.clear()  # a section may cache its figures: count the work of a cold report
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def test_the_report_s_queries_grow_with_schools_not_with_rows(world_a, world_b, visits_section):
    user, year = world_a.supervisor, _year(world_a)
    annual = report.build_report(user=user, year=year)
    per_agency = _queries(lambda: sections.build_sections(annual.scope))
    school_scope = dataclasses.replace(annual.scope, school_ids=(world_a.school.pk,))
    per_school = _queries(lambda: sections.build_sections(school_scope))

    two_schools = _queries(lambda: report.build_report(user=user, year=year))
    # The docstring's bound: schools (1) + narrative (1) + the agency's sections + each school's.
    assert two_schools == 2 + per_agency + 2 * per_school

    _activities(world_a, world_b)
    for _ in range(20):
        factories.ActivityFactory(school=world_a.other_school, date=dt.date(2025, 11, 5))
    # The months that changed are computed again once (dashboards.rollups), then kept.
    report.build_report(user=user, year=year)
    assert _queries(lambda: report.build_report(user=user, year=year)) == two_schools

    factories.SchoolFactory(board=world_a.school.board)
    assert _queries(lambda: report.build_report(user=user, year=year)) == two_schools + per_school


# --- The narrative -----------------------------------------------------------------------------


def _narrative_url(year=YEAR):
    return f"{reverse('dashboards:report_narrative')}?year={year}"


def _start_url(year=YEAR):
    return f"{reverse('dashboards:report_start')}?year={year}"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_program_roles_write_and_rewrite_the_year_s_narrative(client, world_a, role):
    user = world_a.users[role]
    signed_in(client, user)

    response = client.post(_narrative_url(), {"text": "First draft."})
    assert response.status_code == 302
    assert response.url == _narrative_url()
    response = client.post(_narrative_url(), {"text": "Final text.\r\n\r\nSecond paragraph."})
    assert response.status_code == 302

    narrative = AnnualNarrative.objects.get(agency=world_a.agency)  # one per agency and year
    assert narrative.year_start == dt.date(2025, 9, 1)
    assert narrative.text == "Final text.\n\nSecond paragraph."
    assert narrative.written_by == user
    page = client.get(_narrative_url())
    assert page.status_code == 200
    assert "Final text." in page.text
    assert f'action="{_start_url()}"' in page.text


def test_a_narrative_too_long_is_refused_with_the_error_next_to_the_field(client, world_a):
    signed_in(client, world_a.supervisor)

    response = client.post(_narrative_url(), {"text": "x" * 6001})

    assert response.status_code == 200
    assert AnnualNarrative.objects.count() == 0
    html = response.text
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "is-invalid" in textarea
    error = re.search(r'id="error_\d+_id_text"[^>]*>\s*<strong>([^<]*)</strong>', html)
    assert error and "at most 6000 characters" in error.group(1)


def test_line_breaks_count_once_against_the_length(client, world_a):
    # A browser lets 6000 characters be typed and sends each line break as two.
    signed_in(client, world_a.supervisor)
    text = ("y" * 999 + "\r\n") * 6
    assert client.post(_narrative_url(), {"text": text}).status_code == 302
    assert len(AnnualNarrative.objects.get().text) == 5999  # the last line break is stripped


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_officers_and_school_admins_get_403(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(_narrative_url()).status_code == 403
    assert client.post(_narrative_url(), {"text": "Forged"}).status_code == 403
    assert client.post(_start_url()).status_code == 403
    # Their own agency's report file is as unknown to them as another agency's.
    report_file = _report_file(world_a)
    assert client.get(_file_url(report_file)).status_code == 404
    assert client.get(_download_url(report_file)).status_code == 404
    assert not AnnualNarrative.objects.exists()
    assert not AccessEvent.objects.exists()
    assert ReportFile.objects.get() == report_file


def test_another_agency_s_narrative_is_never_shown_or_changed(client, world_a, world_b):
    theirs = services.narrative_save(
        actor=world_b.supervisor, year_start=dt.date(2025, 9, 1), text="Bravo's own words."
    )
    signed_in(client, world_a.supervisor)

    assert "Bravo&#x27;s own words." not in client.get(_narrative_url()).text
    assert client.post(_narrative_url(), {"text": "Alpha's words."}).status_code == 302

    theirs.refresh_from_db()
    assert (theirs.text, theirs.written_by) == ("Bravo's own words.", world_b.supervisor)
    ours = AnnualNarrative.objects.get(agency=world_a.agency)
    assert ours.text == "Alpha's words."
    annual = report.build_report(user=world_a.supervisor, year=_year(world_a))
    assert "Bravo" not in report.report_html(annual)


@pytest.mark.parametrize("year", ["abc", "1999", "2026-2027", "2026", "99999999999999999999"])
def test_a_year_that_is_not_a_past_or_current_school_year_is_404(client, world_a, year):
    # 2026-2027 has not started on 14 August 2026.
    signed_in(client, world_a.supervisor)
    assert client.get(_narrative_url(year)).status_code == 404
    assert client.post(_start_url(year)).status_code == 404
    assert not ReportFile.objects.exists()


def test_narrative_save_checks_role_and_year(world_a):
    with pytest.raises(PermissionDenied):
        services.narrative_save(actor=world_a.sro, year_start=dt.date(2025, 9, 1), text="x")
    with pytest.raises(ValidationError):
        services.narrative_save(actor=world_a.supervisor, year_start=dt.date(2025, 9, 2), text="x")
    with pytest.raises(ValidationError):  # has not started
        services.narrative_save(actor=world_a.supervisor, year_start=dt.date(2026, 9, 1), text="x")
    assert not AnnualNarrative.objects.exists()


@pytest.mark.postgres
def test_every_version_of_the_narrative_is_in_the_audit_trail(world_a):
    for text in ("One.", "Two."):
        services.narrative_save(actor=world_a.supervisor, year_start=dt.date(2025, 9, 1), text=text)
    narrative = AnnualNarrative.objects.get()
    events = narrative.events.order_by("pgh_id")
    assert [(event.pgh_label, event.text) for event in events] == [
        ("insert", "One."),
        ("update", "Two."),
    ]


# --- The PDF, rendered in the background, and its download -----------------------------------


def _file_url(report_file):
    return reverse("dashboards:report_file", args=[report_file.pk])


def _download_url(report_file):
    return reverse("dashboards:report_file_download", args=[report_file.pk])


def _report_file(world, **fields):
    """A report file of `world`'s agency for 2025-2026, pending unless told."""
    return ReportFile.objects.create(
        agency=world.agency,
        year_start=dt.date(2025, 9, 1),
        language="en",
        requested_by=world.supervisor,
        **fields,
    )


@pytest.fixture
def laid_out(monkeypatch):
    """The documents the task lays out (and writes as PDF), kept to read their text."""
    documents = []
    original = report.report_document

    def keep(annual):
        documents.append(original(annual))
        return documents[-1]

    monkeypatch.setattr(report, "report_document", keep)
    return documents


@pytest.fixture
def quick_pdf(monkeypatch):
    """A stand-in for WeasyPrint (seconds per report), for tests of the flow around it."""
    monkeypatch.setattr(report, "report_pdf", lambda annual: b"%PDF-1.7 quick")


def test_a_supervisor_gets_the_pdf_from_the_background_and_the_download_is_audited(
    client, world_a, world_b, laid_out, django_capture_on_commit_callbacks
):
    services.narrative_save(
        actor=world_a.supervisor, year_start=dt.date(2025, 9, 1), text=NARRATIVE
    )
    signed_in(client, world_a.supervisor)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(_start_url())

    # The click queued the task (run here in process, after commit) and shows its status page.
    assert len(queued) == 1
    report_file = ReportFile.objects.get()
    assert response.status_code == 302 and response.url == _file_url(report_file)
    assert (report_file.agency, report_file.requested_by) == (world_a.agency, world_a.supervisor)
    assert (report_file.year_start, report_file.language) == (dt.date(2025, 9, 1), "en")
    assert report_file.status == ReportFile.Status.DONE and report_file.finished_at
    assert report_file.file.name.startswith(f"annual-reports/{world_a.agency.pk}/")
    assert "2025" not in report_file.file.name  # a generated name, nothing of the report's
    assert not AccessEvent.objects.exists()  # rendering is not a download
    # The PDF's text: the agency's report of the year, with its narrative.
    text = " ".join(_page_texts(laid_out[0]))
    assert "Alpha Police Service" in text and "Annual report 2025-2026" in text
    assert "Officers mentored more students than ever." in text
    assert "Bravo" not in text

    page = client.get(response.url)
    assert page.status_code == 200
    assert _download_url(report_file) in page.text
    assert "hx-trigger" not in page.text  # done: nothing more to ask

    response = client.get(_download_url(report_file))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="sro-program-report-2025-2026.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    with report_file.file.open("rb") as stored:
        assert body == stored.read()
    assert body.startswith(b"%PDF-")
    event = AccessEvent.objects.get()
    assert (event.agency, event.actor, event.action) == (
        world_a.agency,
        world_a.supervisor,
        AccessEvent.Action.EXPORTED,
    )
    assert event.detail["table"] == "report/annual"
    assert event.detail["filters"] == {
        "year": "2025-2026",
        "start": "2025-09-01",
        "end": "2026-06-30",
        "schools": [world_a.other_school.pk, world_a.school.pk],  # by name
        "format": "pdf",
    }
    # Another program user of the agency may download it too, and is recorded in turn.
    signed_in(client, world_a.admin)
    assert client.get(_download_url(report_file)).status_code == 200
    assert AccessEvent.objects.filter(actor=world_a.admin).count() == 1


def test_a_second_click_while_the_report_is_made_shows_the_same_one(
    client, world_a, quick_pdf, django_capture_on_commit_callbacks
):
    signed_in(client, world_a.admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:  # no worker yet
        first = client.post(_start_url())
        second = client.post(_start_url())

    report_file = ReportFile.objects.get()
    assert len(queued) == 1
    assert first.url == second.url == _file_url(report_file)
    assert report_file.status == ReportFile.Status.PENDING
    # The report's page lists it, to come back to.
    listed = client.get(_narrative_url()).text
    assert _file_url(report_file) in listed and "Waiting to start" in listed
    # The page asks again every 3 s (an htmx attribute: no script on the page), and the answer
    # to htmx is the status alone; no download yet.
    page = client.get(_file_url(report_file))
    assert 'hx-trigger="every 3s"' in page.text
    assert f'hx-get="{_file_url(report_file)}"' in page.text
    assert _download_url(report_file) not in page.text
    assert client.get(_download_url(report_file)).status_code == 404
    fragment = client.get(_file_url(report_file), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="report-status"' in fragment.text and "<html" not in fragment.text

    queued[0]()  # the worker runs it
    fragment = client.get(_file_url(report_file), headers={"HX-Request": "true"})
    assert "hx-trigger" not in fragment.text  # the poll stops
    assert _download_url(report_file) in fragment.text
    assert not AccessEvent.objects.exists()


def test_another_year_or_language_gets_its_own_report(client, world_a):
    _report_file(world_a, status=ReportFile.Status.RUNNING)
    signed_in(client, world_a.supervisor)
    client.post(_start_url("2024"))
    client.post(_start_url(), headers={"Accept-Language": "fr"})
    assert sorted(ReportFile.objects.values_list("year_start", "language")) == [
        (dt.date(2024, 9, 1), "en"),
        (dt.date(2025, 9, 1), "en"),
        (dt.date(2025, 9, 1), "fr"),
    ]


def test_a_report_lost_by_its_worker_does_not_block_the_next_click(
    client, world_a, quick_pdf, django_capture_on_commit_callbacks
):
    lost = _report_file(world_a, status=ReportFile.Status.RUNNING)
    ReportFile.objects.filter(pk=lost.pk).update(created_at=TODAY - dt.timedelta(minutes=31))
    signed_in(client, world_a.supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_start_url())

    lost.refresh_from_db()
    assert lost.status == ReportFile.Status.FAILED and lost.error == "Timeout"
    new = ReportFile.objects.exclude(pk=lost.pk).get()
    assert response.url == _file_url(new) and new.status == ReportFile.Status.DONE


def test_a_failure_is_shown_with_its_kind_only_and_can_be_retried(
    client, world_a, monkeypatch, django_capture_on_commit_callbacks
):
    def fail(annual):
        raise RuntimeError("Jane Student, born 2010")

    monkeypatch.setattr(report, "report_pdf", fail)
    signed_in(client, world_a.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_start_url())

    report_file = ReportFile.objects.get()
    assert (report_file.status, report_file.error, report_file.file.name) == (
        ReportFile.Status.FAILED,
        "RuntimeError",
        "",
    )
    page = client.get(response.url)
    assert "The report could not be generated." in page.text
    assert "Jane" not in page.text and "hx-trigger" not in page.text
    assert f'action="{_start_url()}"' in page.text  # try again
    assert client.get(_download_url(report_file)).status_code == 404


def test_a_requester_who_lost_the_role_gets_a_failed_report(world_a):
    report_file = _report_file(world_a)
    world_a.supervisor.role = Role.SRO
    world_a.supervisor.save(update_fields=["role"])

    services.report_file_render(report_file_id=report_file.pk)

    report_file.refresh_from_db()
    assert (report_file.status, report_file.error) == ("failed", "PermissionDenied")


def test_the_task_renders_a_pending_report_once(world_a, quick_pdf):
    report_file = _report_file(world_a)
    assert tasks.report_file_render_task(report_file.pk) is True
    first = ReportFile.objects.get().file.name
    assert tasks.report_file_render_task(report_file.pk) is False  # a second delivery
    assert ReportFile.objects.get().file.name == first


def test_the_download_answers_get_only(client, world_a):
    report_file = _report_file(world_a, status=ReportFile.Status.DONE)
    report_file.file.save("annual-reports/test.pdf", ContentFile(b"%PDF-1.7"), save=True)
    signed_in(client, world_a.admin)
    assert client.post(_download_url(report_file)).status_code == 405
    assert client.head(_download_url(report_file)).status_code == 405
    assert client.get(_start_url()).status_code == 405
    assert not AccessEvent.objects.exists()


def test_the_download_asks_for_the_password_again_after_10_minutes(client, world_a):
    report_file = _report_file(world_a, status=ReportFile.Status.DONE)
    report_file.file.save("annual-reports/test.pdf", ContentFile(b"%PDF-1.7"), save=True)
    signed_in(client, world_a.supervisor)
    authenticated_now(client, world_a.supervisor, at=time.time() - 11 * 60)

    response = client.get(_download_url(report_file))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not AccessEvent.objects.exists()


def test_a_file_gone_from_storage_is_404_not_an_error(client, world_a):
    report_file = _report_file(world_a, status=ReportFile.Status.DONE, file="annual-reports/x.pdf")
    signed_in(client, world_a.supervisor)
    assert client.get(_download_url(report_file)).status_code == 404
    assert not AccessEvent.objects.exists()


def test_report_files_older_than_a_week_are_deleted_with_their_pdf(
    world_a, world_b, django_capture_on_commit_callbacks
):
    old_a, old_b, recent = (
        _report_file(world_a, status=ReportFile.Status.DONE),
        _report_file(world_b, status=ReportFile.Status.DONE),
        _report_file(world_a, status=ReportFile.Status.DONE),
    )
    for report_file in (old_a, old_b, recent):
        name = f"annual-reports/{report_file.agency_id}/{report_file.pk}.pdf"
        report_file.file.save(name, ContentFile(b"%PDF-1.7"), save=True)
    ReportFile.objects.filter(pk__in=[old_a.pk, old_b.pk]).update(
        created_at=TODAY - dt.timedelta(days=7, minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.report_files_purge_task() == 2

    assert list(ReportFile.objects.all()) == [recent]
    assert not default_storage.exists(old_a.file.name)
    assert not default_storage.exists(old_b.file.name)
    assert default_storage.exists(recent.file.name)


@pytest.mark.postgres
@pytest.mark.usefixtures("_app_role")
def test_the_task_and_the_purge_work_under_the_app_role(
    world_a, world_b, quick_pdf, django_capture_on_commit_callbacks
):
    # As production's workers connect: row-level security shows the task the agency its message
    # carries (set here as sro_portal/celery.py sets it), and the purge each agency in turn.
    ours, theirs = _report_file(world_a), _report_file(world_b)
    with as_app_role(), rls.agency(world_a.agency.pk):
        assert tasks.report_file_render_task(ours.pk) is True
        assert tasks.report_file_render_task(theirs.pk) is False  # invisible: left alone
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.status, theirs.status) == ("done", "pending")

    ReportFile.objects.update(created_at=TODAY - dt.timedelta(days=8))
    with as_app_role(), django_capture_on_commit_callbacks(execute=True):
        assert tasks.report_files_purge_task() == 2
    assert not ReportFile.objects.exists()
    assert not default_storage.exists(ours.file.name)


def test_the_purge_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-old-report-files"]
    assert entry["task"] == tasks.report_files_purge_task.name
