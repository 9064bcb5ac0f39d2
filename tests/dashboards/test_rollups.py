"""The kept monthly figures (dashboards.rollups): a whole agency's whole months are read from
MonthlyFigures while their FigureVersion says nothing changed, and the page shows exactly what it
shows when every figure is computed from the rows, whatever is written in between and however it
is written (the ORM, a bulk update, raw SQL, a delete)."""

import importlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, Involvement
from officers.models import Activity
from officers.models import ActivityCategory as C
from payoff import services as payoff_services
from payoff.models import Agreement, CheckIn, WorkSession
from sro_portal.dashboards import rollups
from sro_portal.dashboards.metrics import incidents, payoff, responses, time_spent
from sro_portal.dashboards.models import FigureVersion, MonthlyFigures
from sro_portal.dashboards.scope import scope_for
from sro_portal.dashboards.sections import build_section, build_sections, build_table
from tests import factories
from tests.factories import payoff_agreement as agreement
from tests.factories import payoff_check_in as check_in
from tests.factories import work_session as session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

YEAR = (date(2025, 9, 1), date(2026, 6, 30))


def _at(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def data(world_a, world_b):
    for world in (world_a, world_b):
        for month, category, minutes in [
            (9, C.MENTORING, 90),
            (10, C.INVESTIGATION, 30),
            (1, C.INVESTIGATION, 45),
        ]:
            year = 2026 if month < 9 else 2025
            factories.ActivityFactory(
                officer=world.sro,
                school=world.school,
                date=date(year, month, 3),
                category=category,
                minutes=minutes,
            )
        for when in (_at(2025, 10, 6), _at(2024, 10, 6), _at(2026, 1, 12)):
            incident = factories.IncidentFactory(school=world.school, occurred_at=when)
            for response in ("warning", "charge"):
                factories.InvolvementFactory(incident=incident, response=response)
    return world_a


def _shown(scope, modules=(time_spent, incidents, responses)) -> list:
    """What the sections show (by default time, incidents and responses): every figure and
    every table."""
    shown = []
    for module in modules:
        section = module.build(scope)
        shown.append([(f.label, f.value, f.detail) for f in section.figures])
        shown.append([(t.key, t.rows) for t in section.tables])
    return shown


def _from_rows(scope, monkeypatch, **modules) -> list:
    """The same, computed from the rows alone (no kept figure read or written)."""
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "_kept", lambda scope: False)
        return _shown(scope, **modules)


def _assert_exact(world, monkeypatch, start=YEAR[0], end=YEAR[1], **modules):
    scope = scope_for(world.supervisor, start=start, end=end)
    kept_before = MonthlyFigures.objects.count()
    assert _shown(scope, **modules) == _from_rows(scope, monkeypatch, **modules)
    return MonthlyFigures.objects.count() - kept_before


def test_periods_are_cut_at_the_first_of_each_month():
    assert rollups.periods(date(2025, 9, 15), date(2025, 11, 2)) == [
        (date(2025, 9, 15), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 10, 31)),
        (date(2025, 11, 1), date(2025, 11, 2)),
    ]
    assert rollups.periods(date(2025, 9, 1), date(2025, 9, 30)) == [
        (date(2025, 9, 1), date(2025, 9, 30))
    ]


def test_the_first_view_keeps_every_whole_month_and_the_next_reads_them(
    data, monkeypatch, django_assert_max_num_queries
):
    # Ten months, three sources, and the year before for incidents: 40 kept rows.
    assert _assert_exact(data, monkeypatch) == 40
    assert set(MonthlyFigures.objects.values_list("agency_id", flat=True)) == {data.agency.pk}
    scope = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1])
    with django_assert_max_num_queries(13):  # 4 periods x (versions + kept), years, names
        _shown(scope)


def test_every_kind_of_write_is_seen_at_the_next_view(data, world_b, monkeypatch):
    _assert_exact(data, monkeypatch)
    activity = Activity.objects.filter(agency=data.agency).order_by("date").first()

    activity.date = date(2026, 3, 9)  # moves from September to March
    activity.save()
    _assert_exact(data, monkeypatch)

    Activity.objects.filter(agency=data.agency).update(minutes=12)  # one bulk statement
    _assert_exact(data, monkeypatch)

    factories.ActivityFactory(officer=data.sro, school=data.school, date=date(2026, 2, 2))
    _assert_exact(data, monkeypatch)

    Involvement.objects.filter(agency=data.agency, response="warning").update(response="caution")
    _assert_exact(data, monkeypatch)

    # Inserted after the months are kept; at 3 a.m. UTC on 1 October: 30 September in Edmonton,
    # so the triggers must flag the agency's day, not UTC's.
    late = factories.IncidentFactory(school=data.school, occurred_at=_at(2025, 10, 1, 3))
    _assert_exact(data, monkeypatch)
    subject = factories.InvolvementFactory(incident=late, response="warning")
    _assert_exact(data, monkeypatch)
    late.category = "threats"
    late.save()
    _assert_exact(data, monkeypatch)
    Involvement.objects.filter(pk=subject.pk).update(response="charge")
    _assert_exact(data, monkeypatch)
    Involvement.objects.filter(pk=subject.pk).delete()
    Incident.objects.filter(pk=late.pk).delete()
    _assert_exact(data, monkeypatch)

    Involvement.objects.filter(agency=data.agency, response="charge").first().delete()
    _assert_exact(data, monkeypatch)

    incident = Incident.objects.filter(agency=data.agency, occurred_at__year=2025).get()
    incident.status = Incident.Status.OPEN  # "open now" counts it
    incident.save()
    _assert_exact(data, monkeypatch)

    with connection.cursor() as cursor:  # a write the portal does not know about
        cursor.execute(
            "UPDATE incidents_incident SET occurred_at = occurred_at + interval '40 days' "
            "WHERE id = %s",
            [incident.pk],
        )
    _assert_exact(data, monkeypatch)

    Activity.objects.filter(agency=data.agency, date__month=10).delete()
    Involvement.objects.filter(incident=incident).delete()
    Incident.objects.filter(pk=incident.pk).delete()
    _assert_exact(data, monkeypatch)
    # A custom range: the days around the whole months come from the rows.
    _assert_exact(data, monkeypatch, start=date(2025, 9, 20), end=date(2026, 2, 10))


def test_a_new_time_zone_places_incidents_again(data, monkeypatch):
    factories.IncidentFactory(school=data.school, occurred_at=_at(2025, 11, 1, 3))  # 1 a.m. ...
    _assert_exact(data, monkeypatch)
    data.agency.time_zone = "America/Halifax"  # ... or 12 a.m. on 31 October in Halifax?
    data.agency.save()
    scope = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1])
    assert scope.tz_name == "America/Halifax"
    _assert_exact(data, monkeypatch)
    kept = MonthlyFigures.objects.filter(source="incident").values_list("basis", flat=True)
    assert all(basis.startswith(f"{rollups.FORMAT} America/Halifax ") for basis in kept)


def _versions(model, agency) -> list:
    return list(model.objects.filter(agency=agency).order_by("pk").values_list("pk", "version"))


def test_another_agency_s_writes_change_nothing_kept_here(data, world_b, monkeypatch):
    _assert_exact(data, monkeypatch)
    mine, kept = _versions(FigureVersion, data.agency), _versions(MonthlyFigures, data.agency)
    for _ in range(3):
        factories.ActivityFactory(officer=world_b.sro, school=world_b.school, date=date(2025, 9, 9))
        factories.IncidentFactory(school=world_b.school, occurred_at=_at(2025, 9, 9))
    Activity.objects.filter(agency=world_b.agency).update(minutes=1)
    assert _versions(FigureVersion, data.agency) == mine
    scope = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1])
    _shown(scope)
    assert _versions(MonthlyFigures, data.agency) == kept
    # And agency B's figures, kept in turn, are B's alone.
    other = scope_for(world_b.supervisor, start=YEAR[0], end=YEAR[1])
    assert _shown(other) == _from_rows(other, monkeypatch)
    assert _shown(other) != _shown(scope)


def test_a_school_or_an_officer_reads_the_rows(data):
    school = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1], school=data.school)
    officer = scope_for(data.sro, start=YEAR[0], end=YEAR[1])
    time_spent.build(school)
    time_spent.build(officer)
    assert not MonthlyFigures.objects.exists()


def test_a_change_after_the_versions_are_read_is_computed_again(data, monkeypatch):
    """The race the version order guards: a write committed while a view computes its months
    leaves the kept row out of date (computed again at the next view), never wrong."""
    scope = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1])
    compute = time_spent.compute

    def compute_then_write(part):
        figures = compute(part)
        if not getattr(compute_then_write, "done", False):
            compute_then_write.done = True  # a write lands after the pass
            factories.ActivityFactory(officer=data.sro, school=data.school, date=date(2025, 9, 5))
        return figures

    monkeypatch.setattr(time_spent, "compute", compute_then_write)
    time_spent.build(scope)
    monkeypatch.setattr(time_spent, "compute", compute)
    _assert_exact(data, monkeypatch)
    september = MonthlyFigures.objects.get(
        agency=data.agency, source="activity", month=date(2025, 9, 1)
    )
    days = FigureVersion.objects.filter(
        agency=data.agency, source="activity", day__range=(date(2025, 9, 1), date(2025, 9, 30))
    )
    assert september.version == sum(days.values_list("version", flat=True))


def test_the_last_days_of_a_month_count_with_it(data, monkeypatch):
    factories.ActivityFactory(officer=data.sro, school=data.school, date=date(2025, 9, 30))
    factories.ActivityFactory(officer=data.sro, school=data.school, date=date(2025, 10, 1))
    _assert_exact(data, monkeypatch)
    _assert_exact(data, monkeypatch, start=date(2025, 9, 30), end=date(2025, 10, 1))


def test_new_school_year_dates_place_responses_again(data, monkeypatch):
    factories.InvolvementFactory(
        incident=factories.IncidentFactory(school=data.school, occurred_at=_at(2025, 9, 10)),
        response="warning",
    )
    _assert_exact(data, monkeypatch, start=date(2024, 9, 1), end=YEAR[1])
    # The school year now starts on 15 September: the subject of 10 September 2025 moves to
    # the school year before, with no row written.
    data.agency.school_year_start_day = 15
    data.agency.save()
    _assert_exact(data, monkeypatch, start=date(2024, 9, 1), end=YEAR[1])


def _kept_rows() -> dict:
    rows = MonthlyFigures.objects.filter(source="activity").order_by("month")
    return {row.month: (row.version, row.basis) for row in rows}


def test_today_s_entries_leave_the_month_kept_up_to_yesterday(data, monkeypatch):
    """This month is kept up to yesterday and today is read from the rows: the entries logged
    all day long count at once and leave the kept figures alone; an entry for an earlier day of
    the month makes them out of date; the next day they are computed again up to that day."""
    march_15 = datetime(2026, 3, 15, 18, tzinfo=UTC)  # noon in Edmonton
    with time_machine.travel(march_15, tick=False):
        _assert_exact(data, monkeypatch)
        kept = _kept_rows()
        assert date(2026, 3, 1) in kept and date(2026, 4, 1) not in kept  # April: after today
        factories.ActivityFactory(officer=data.sro, school=data.school, date=date(2026, 3, 15))
        _assert_exact(data, monkeypatch)  # today's entry counts...
        assert _kept_rows() == kept  # ... and nothing kept was computed again
        factories.ActivityFactory(officer=data.sro, school=data.school, date=date(2026, 3, 10))
        _assert_exact(data, monkeypatch)
        changed = {month for month, row in _kept_rows().items() if kept[month] != row}
        assert changed == {date(2026, 3, 1)}
    with time_machine.travel(march_15 + timedelta(days=1), tick=False):
        before = _kept_rows()
        _assert_exact(data, monkeypatch)
        assert before[date(2026, 3, 1)][1] != _kept_rows()[date(2026, 3, 1)][1]  # up to the 15th


# --- PAYOFF: agreements by their start, hours by the session's day, check-ins by the closing -----

S = Agreement.Status


@pytest.fixture
def payoff_year(world_a, world_b):
    made = {}
    for world in (world_a, world_b):
        done = agreement(world.school, date(2025, 9, 10), S.COMPLETED, date(2025, 12, 5))
        session(done, date(2025, 9, 20), "2.50")
        session(done, date(2025, 10, 4), "1.25")
        check_in(done, 6, False)
        check_in(done, 12, True)
        active = agreement(world.school, date(2025, 11, 3), S.ACTIVE)
        session(active, date(2025, 11, 8), "1.00")
        made[world.agency.pk] = (done, active)
    return made[world_a.agency.pk]


def test_every_kind_of_payoff_write_is_seen_at_the_next_view(
    world_a, world_b, payoff_year, monkeypatch
):
    done, active = payoff_year

    def exact():
        return _assert_exact(world_a, monkeypatch, modules=(payoff,))

    assert exact() == 30  # ten months, three sources
    # Completed: its start's month (status), and February gets its check-ins.
    active.status, active.closed_on = S.COMPLETED, date(2026, 2, 2)
    active.save()
    exact()
    check_in(active, 6, True)
    exact()
    active.school = world_a.other_school  # its hours and check-ins move to the other school
    active.save()
    exact()
    WorkSession.objects.filter(agreement=done).update(hours=Decimal("3.00"))
    exact()
    session(done, date(2026, 1, 15), "0.50")
    exact()
    CheckIn.objects.filter(agreement=done, months=12).update(reoffended=False)
    exact()
    with connection.cursor() as cursor:  # closed later, by a write the portal does not know
        cursor.execute(
            "UPDATE payoff_agreement SET closed_on = %s WHERE id = %s", [date(2026, 3, 3), done.pk]
        )
    exact()
    WorkSession.objects.filter(agreement=active).delete()
    exact()
    later = agreement(world_a.school, date(2025, 10, 1), S.COMPLETED, date(2026, 4, 20))
    exact()
    CheckIn.objects.filter(agreement=active).update(agreement=later)  # another closing day
    exact()
    # A custom range: the days around the whole months come from the rows.
    _assert_exact(world_a, monkeypatch, start=date(2025, 9, 20), end=date(2026, 2, 10))
    # What the figures do not read leaves every kept month alone; so does another agency.
    versions = _versions(FigureVersion, world_a.agency)
    Agreement.objects.filter(pk=done.pk).update(purge_after=date(2030, 1, 1))
    other = Agreement.objects.get(agency=world_b.agency, status=S.COMPLETED)
    session(other, date(2025, 9, 20), "4.00")
    Agreement.objects.filter(pk=other.pk).update(status=S.NOT_COMPLETED)
    assert Agreement.objects.filter(pk=done.pk, purge_after=date(2030, 1, 1)).exists()
    assert _versions(FigureVersion, world_a.agency) == versions
    # The nightly purge deletes each agreement's check-ins and sessions, then the agreement:
    # with a six-month access period, all of them by June.
    world_a.agency.retention_months_other_measures = 6
    world_a.agency.save()
    assert payoff_services.purge_expired(today=date(2026, 6, 2)) == 3
    assert not Agreement.objects.filter(agency=world_a.agency).exists()
    exact()

    # And B's kept figures are B's alone.
    assert _assert_exact(world_b, monkeypatch, modules=(payoff,)) == 30


def test_an_agreement_moved_to_another_school_moves_its_hours_in_the_kept_months(
    world_a, payoff_year
):
    done, _active = payoff_year
    scope = scope_for(world_a.supervisor, start=YEAR[0], end=YEAR[1])

    def hours_by_school():
        rows = payoff.build(scope).table("by_school").rows
        return {row[0]: row[5] for row in rows}

    assert hours_by_school() == {world_a.school.name: Decimal("4.75")}
    Agreement.objects.filter(pk=done.pk).update(school=world_a.other_school)
    assert hours_by_school() == {
        world_a.school.name: Decimal("1.00"),
        world_a.other_school.name: Decimal("3.75"),
    }
    assert MonthlyFigures.objects.filter(agency=world_a.agency, source="work").count() == 10


def _page(scope) -> list:
    return [
        (
            section.key,
            [(f.label, f.value) for f in section.figures],
            [t.rows for t in section.tables],
        )
        for section in build_sections(scope)
    ]


# A school year; and two, whose year before shares a school year with them.
@pytest.mark.parametrize("start", [YEAR[0], date(2024, 9, 1)])
def test_the_page_reads_its_kept_sources_ahead_in_two_queries(data, monkeypatch, start):
    build_sections(scope_for(data.supervisor, start=start, end=YEAR[1]))  # keeps the months
    # A month of the year before changes once kept: read ahead, it is still seen as changed.
    factories.IncidentFactory(school=data.school, occurred_at=_at(2024, 11, 6))
    scope = scope_for(data.supervisor, start=start, end=YEAR[1])
    with CaptureQueriesContext(connection) as page:
        shown = _page(scope)

    def reads(table):  # (plain SQL: rollups._read_many)
        return [q for q in page if q["sql"].startswith("SELECT") and f"FROM {table} " in q["sql"]]

    # Six sources' months of the period and the incidents' year before, at once.
    assert len(reads("dashboards_monthlyfigures")) == 1
    assert len(reads("dashboards_figureversion")) == 1
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "_kept", lambda scope: False)
        assert shown == _page(scope_for(data.supervisor, start=start, end=YEAR[1]))


def test_a_period_not_begun_has_nothing_to_read_ahead(data, django_assert_num_queries):
    """No whole month up to yesterday in the period nor in its year before: no read at all."""
    today = date.today()
    start, end = today + timedelta(days=400), today + timedelta(days=430)
    scope = scope_for(data.supervisor, start=start, end=end)
    with django_assert_num_queries(0):
        rollups.prefetch(scope)
    assert scope.kept == {}
    assert build_sections(scope)  # (each section reads its days from the rows)


def test_the_triggers_migration_forgets_the_payoff_months_kept_without_them(world_a):
    """Months kept while no trigger counted their writes (before the migration, or after it was
    reversed) would stay exact for ever: migration 0005 deletes them, both ways."""
    migration = importlib.import_module("sro_portal.dashboards.migrations.0005_payoff_triggers")
    for source in ("activity", "agreement", "work", "checkin"):
        MonthlyFigures.objects.create(
            agency=world_a.agency,
            source=source,
            month=date(2025, 9, 1),
            version=0,
            basis="",
            figures={},
        )
    with connection.schema_editor() as editor:
        migration.create_triggers(None, editor)
    assert list(MonthlyFigures.objects.values_list("source", flat=True)) == ["activity"]
    MonthlyFigures.objects.create(
        agency=world_a.agency, source="work", month=date(2025, 10, 1), version=0, figures={}
    )
    with connection.schema_editor() as editor:
        migration.drop_triggers(None, editor)
        assert list(MonthlyFigures.objects.values_list("source", flat=True)) == ["activity"]
        migration.create_triggers(None, editor)  # as the migration leaves them


def test_an_exported_table_alone_is_the_section_s_table(
    data, monkeypatch, django_assert_num_queries
):
    """sections.build_table (the CSV export) builds the time section's table alone, from the
    kept figures of its one field: the same table as the whole section's, and as the rows'.
    Months without activities (kept as {}) are among them."""
    supervisor = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1])
    build_sections(supervisor)  # keeps the months
    for user in (data.supervisor, data.school_admin, data.sro):
        scope = scope_for(user, start=YEAR[0], end=YEAR[1])
        section = build_section(scope, "time")
        with monkeypatch.context() as patch:
            patch.setattr(rollups, "_kept", lambda scope: False)
            from_rows = build_section(scope_for(user, start=YEAR[0], end=YEAR[1]), "time")
        for key in time_spent.TABLES:
            alone = build_table(scope_for(user, start=YEAR[0], end=YEAR[1]), "time", key)
            assert alone == section.table(key) == from_rows.table(key), (user.role, key)
    # The kept months and their versions, and the names the table shows (none by category).
    with django_assert_num_queries(3):
        build_table(scope_for(data.supervisor, start=YEAR[0], end=YEAR[1]), "time", "by_officer")
    with django_assert_num_queries(2):
        build_table(scope_for(data.supervisor, start=YEAR[0], end=YEAR[1]), "time", "by_category")
    # Hours per officer are not in an officer's own view; an unknown table is none.
    officer = scope_for(data.sro, start=YEAR[0], end=YEAR[1])
    assert build_table(officer, "time", "by_officer") is None
    assert build_table(supervisor, "time", "nothing") is None
    # A section without a table of its own builds the whole section for it.
    assert build_table(supervisor, "incidents", "by_month") == (
        build_section(supervisor, "incidents").table("by_month")
    )
    assert build_table(officer, "incidents", "by_month") is None  # not the officer's section


def test_the_export_reads_only_the_kept_field_it_adds_up(data, monkeypatch):
    """figures(fields=...) reads a kept month's figures with just that field and its columns
    (a large agency's month is 11 kB of JSON, its categories half a kB): what is added up is
    the same, and the activity list's minutes by category too."""
    scope = scope_for(data.supervisor, start=YEAR[0], end=YEAR[1])
    whole = rollups.figures(scope, "activity", time_spent.compute)  # computes and keeps them
    for field in ("category", "officer_id", "school_id"):
        part = rollups.figures(scope, "activity", time_spent.compute, fields=(field,))
        assert [p.start for p, _figures in part] == [p.start for p, _figures in whole]
        assert all(set(figures) <= {"columns", field} for _p, figures in part)
        assert any(figures for _p, figures in part) and not all(figures for _p, figures in part)
        assert (
            rollups.sum_grouped(part)
            == {field: rollups.sum_grouped(whole)[field]}
            == rollups.sum_grouped(whole, fields=(field,))
        )
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "_kept", lambda scope: False)
        from_rows = time_spent.minutes_by_category(scope)
    assert (
        time_spent.minutes_by_category(scope) == from_rows == {"mentoring": 90, "investigation": 75}
    )
