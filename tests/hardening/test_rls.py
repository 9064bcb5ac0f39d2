"""Row-level security (sro_portal/rls.py): the database's own wall between agencies.

The suite connects as the postgres superuser, who bypasses every policy; these tests switch the
test connection to a role like production's application role (`SET ROLE`: not a superuser, no
BYPASSRLS, owns nothing), so the policies apply, and switch back after.
"""

import io
import time
from datetime import timedelta

import pytest
from celery.app.trace import build_tracer
from celery.signals import task_prerun
from django.apps import apps
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from psycopg_pool import ConnectionPool

from presentations.tokens import feedback_token
from schools import selectors as school_selectors
from schools.models import School
from sro_portal import rls
from sro_portal.accounts.models import Invitation, Role
from sro_portal.accounts.tokens import invitation_token
from sro_portal.calendars import services as calendar_services
from sro_portal.calendars.tokens import feed_token
from sro_portal.celery import AGENCY_HEADER
from sro_portal.celery import app as celery_app
from sro_portal.reminders import tasks as reminder_tasks
from sro_portal.reminders.models import Reminder
from sro_portal.reminders.services import reminder_schedule
from sro_portal.tenancy import TenantModel
from tests import factories
from tests.app_role import APP_ROLE
from tests.conftest import TEST_KIND
from tests.helpers import agency_form, enrol_totp, sign_in, signed_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Tables read before any agency is known, or holding no agency's rows: left without a policy
# on purpose (sro_portal/rls.py says why). A new table lands here or gets a policy.
OPEN_TABLES = {
    "accounts_agency",
    "accounts_agencyevent",
    "accounts_user",
    "accounts_userevent",
    "accounts_user_groups",
    "accounts_user_user_permissions",
    "accounts_invitation_schools",
    "account_emailaddress",
    "account_emailconfirmation",
    "mfa_authenticator",
    "usersessions_usersession",
    "django_session",
    "django_admin_log",
    "django_content_type",
    "django_migrations",
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "pghistory_context",
}


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_setting('{rls.AGENCY_SETTING}', true)")
        return cursor.fetchone()[0] or ""


# --- Every tenant table is behind the wall -------------------------------------------------------


def test_every_tenant_table_has_row_level_security_forced_and_its_policy():
    tables = rls.tenant_tables()
    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    assert {m._meta.db_table for m in tenant_models} <= set(tables)
    assert {"audit_accessevent", "reminders_reminder", "incidents_incidentevent"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relrowsecurity AND c.relforcerowsecurity "
            "AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s)",
            [rls.POLICY],
        )
        protected = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tablename FROM pg_policies WHERE policyname = %s", [rls.KEY_POLICY])
        by_key = {name for (name,) in cursor.fetchall()}
    assert set(tables) - protected == set()
    assert by_key == {"accounts_invitation", "presentations_feedback", "calendars_calendarfeed"}


def test_the_tables_without_a_policy_are_the_documented_ones():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename NOT IN (SELECT tablename FROM pg_policies)"
        )
        unprotected = {name for (name,) in cursor.fetchall()}
    assert unprotected == OPEN_TABLES


def test_applying_the_policies_again_changes_nothing():
    assert rls.apply_policies() == 0


def _revoke_schools() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE SELECT ON schools_school FROM {APP_ROLE}")  # noqa: S608


def _can_read_schools() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'schools_school', 'SELECT')", [APP_ROLE])
        return cursor.fetchone()[0]


def test_migrate_grants_every_table_to_the_app_role(_app_role, settings):
    _revoke_schools()
    assert not _can_read_schools()
    settings.DATABASE_APP_ROLE = APP_ROLE
    rls.after_migrate(sender=None)
    assert _can_read_schools()


def test_rls_setup_grants_the_app_role_and_refuses_the_owner(_app_role):
    _revoke_schools()
    call_command("rls_setup", role=APP_ROLE, stdout=io.StringIO())
    assert _can_read_schools()
    with pytest.raises(CommandError, match="owner"):
        call_command("rls_setup", role=connection.settings_dict["USER"])


def test_the_app_role_cannot_bypass_the_policies_nor_rewrite_the_audit_trail(app_role, world_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        assert cursor.fetchone() == (False, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tableowner = %s", [APP_ROLE])
        assert cursor.fetchone()[0] == 0
    with app_role(), rls.agency(world_a.agency.pk):
        assert _count("schools_schoolevent") > 0
        for statement in (
            "UPDATE schools_schoolevent SET name = 'x'",
            "DELETE FROM schools_schoolevent",
        ):
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                connection.cursor().execute(statement)


# --- What the wall does --------------------------------------------------------------------------


def test_raw_sql_without_the_agency_setting_returns_no_rows(app_role, world_a, world_b):
    factories.IncidentFactory(school=world_a.school)
    assert _count("schools_school") == 4 and _count("incidents_incident") == 1  # superuser
    with app_role():
        for table in rls.tenant_tables():
            assert _count(table) == 0, table
        assert _count("accounts_agency") == 2  # open: sign-in needs it


def test_a_selector_without_its_agency_filter_returns_no_foreign_rows(
    app_role, world_a, world_b, monkeypatch, client
):
    # The filter forgotten: every school of every agency.
    monkeypatch.setattr(school_selectors, "school_qs_for", lambda user, **kw: School.objects.all())
    assert set(school_selectors.school_qs_for(world_a.admin)) >= {world_b.school}  # superuser
    with app_role():
        with rls.agency(world_a.agency.pk):
            seen = set(school_selectors.school_qs_for(world_a.admin))
        assert seen == {world_a.school, world_a.other_school}
        page = signed_in(client, world_a.admin).get(reverse("schools:school_list"))
    assert page.status_code == 200
    assert world_a.school.name in page.text and world_b.school.name not in page.text


def test_with_one_agency_set_the_other_is_invisible_and_cannot_be_written(
    app_role, world_a, world_b
):
    theirs = world_b.school
    with app_role(), rls.agency(world_a.agency.pk):
        assert not School.objects.filter(pk=theirs.pk).exists()
        assert School.objects.filter(pk=theirs.pk).update(name="Renamed") == 0
        assert School.objects.filter(pk=theirs.pk).delete()[0] == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            School.objects.create(agency=world_b.agency, board_id=theirs.board_id, name="Planted")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            School.objects.filter(pk=world_a.school.pk).update(agency=world_b.agency)
    theirs.refresh_from_db()
    assert theirs.name != "Renamed"
    assert not School.objects.filter(name="Planted").exists()


# --- The portal works behind it -------------------------------------------------------------------


def test_every_role_uses_the_portal_under_the_app_role(app_role, world_a, world_b, client):
    mine = factories.IncidentFactory(school=world_a.school, recorded_by=world_a.sro)
    theirs = factories.IncidentFactory(school=world_b.school, recorded_by=world_b.sro)
    drill = factories.DrillFactory(school=world_a.school)
    pages = {
        Role.ADMIN: ["schools:school_list", "officers:officer_list", "accounts:team"],
        Role.SUPERVISOR: ["dashboards:program", "incidents:list", "payoff:list"],
        Role.SRO: ["incidents:list", "officers:activity_week", "schools:drill_list"],
        Role.SCHOOL: ["schools:drill_list", "presentations:list"],
    }
    with app_role():
        for role, names in pages.items():
            signed_in(client, world_a.users[role])
            home = client.get(reverse("dashboards:home"))
            assert home.status_code == 200, role
            assert world_a.school.name in home.text and world_b.school.name not in home.text
            for name in names:
                assert client.get(reverse(name)).status_code == 200, (role, name)
            client.logout()
        signed_in(client, world_a.sro)
        listed = client.get(reverse("incidents:list")).text
        assert reverse("incidents:detail", args=[mine.pk]) in listed
        assert reverse("incidents:detail", args=[theirs.pk]) not in listed
        assert client.get(reverse("incidents:detail", args=[mine.pk])).status_code == 200
        assert client.get(reverse("incidents:detail", args=[theirs.pk])).status_code == 404
        assert client.get(reverse("schools:drill_detail", args=[drill.pk])).status_code == 200
        signed_in(client, world_b.admin)
        page = client.get(reverse("schools:school_list")).text
        assert world_b.school.name in page and world_a.school.name not in page
    assert _setting() == ""


def test_signing_in_through_the_real_pages_works_under_the_app_role(app_role, world_a, client):
    secret = enrol_totp(world_a.supervisor)
    with app_role():
        sign_in(client, world_a.supervisor, factories.PASSWORD, secret, at=time.time())
        page = client.get(reverse("incidents:list"))
    assert page.status_code == 200 and world_a.school.name in page.text


def test_the_agency_is_cleared_after_each_request(app_role, world_a, client):
    signed_in(client, world_a.admin)
    with app_role():
        page = client.get(reverse("schools:school_list"))
        assert page.status_code == 200 and world_a.school.name in page.text
        assert rls.current_agency() is None and _setting() == ""


def test_pages_without_an_account_find_their_row_by_token(app_role, world_a, world_b, client):
    feedback = factories.FeedbackFactory(presentation__school=world_a.school)
    invitation = factories.InvitationFactory(agency=world_b.agency, invited_by=world_b.admin)
    factories.InvitationFactory(agency=world_a.agency, invited_by=world_a.admin)
    feed = calendar_services.feed_create_or_rotate(user=world_a.sro)
    factories.DrillFactory(school=world_a.school)
    with app_role():
        page = client.get(reverse("presentations:feedback", args=[feedback_token(feedback)]))
        assert page.status_code == 200 and feedback.presentation.topic.title in page.text
        page = client.get(
            reverse("accounts:invitation_accept", args=[invitation_token(invitation)])
        )
        assert page.status_code == 200 and invitation.email in page.text
        page = client.get(reverse("calendars:feed", kwargs={"token": feed_token(feed)}))
        assert page.status_code == 200 and "BEGIN:VEVENT" in page.text  # the drill
        # The key shows its own row only, and only while it is being looked up.
        with rls.key_lookup(invitation.key):
            assert _count("accounts_invitation") == 1
        assert _count("accounts_invitation") == 0
        rls.use_agency_of(Invitation, key=invitation.key)
        assert rls.current_agency() == world_b.agency.pk


def test_platform_staff_create_an_agency_and_its_first_invitation(
    app_role, client, django_user_model
):
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    form = agency_form(first_admin_email="chief@riverside.test")
    with app_role():
        signed_in(client, staff).post(reverse("admin:accounts_agency_add"), form)
    invitation = Invitation.objects.get(email="chief@riverside.test")
    assert invitation.agency.slug == "riverside" and invitation.role == Role.ADMIN


# --- Background work ----------------------------------------------------------------------------


def test_a_task_carries_the_agency_of_whoever_queued_it(world_a, monkeypatch):
    """Published through Celery's own path (its before_task_publish signal) to an in-memory
    broker, and read back as a worker would receive it."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    with celery_app.connection_for_write("memory://") as connection:
        with rls.agency(world_a.agency.pk):
            _probe.apply_async(connection=connection, queue="rls-probe")
        _probe.apply_async(connection=connection, queue="rls-probe")  # no agency: none sent
        queue = connection.SimpleQueue("rls-probe")
        sent = [queue.get(timeout=1).headers[AGENCY_HEADER] for _ in range(2)]
    assert sent == [world_a.agency.pk, None]


@celery_app.task(name="tests.rls_probe", ignore_result=True)
def _probe():
    """What a task body sees: the agency setting and the schools visible to it."""
    return _setting(), School.objects.count()


def test_a_task_body_runs_in_the_agency_of_its_message(app_role, world_a, world_b):
    """Through Celery's own trace, as a worker runs a task, with a task_prerun receiver that drops
    the setting as Celery's Django fixup does when it closes the connection before each task."""

    def drop_the_setting(**kwargs):
        rls.set_agency(None)

    task_prerun.connect(drop_the_setting)
    try:
        with app_role():
            trace = build_tracer(_probe.name, _probe, eager=False, app=celery_app)
            run = trace("probe-1", [], {}, {AGENCY_HEADER: world_a.agency.pk, "is_eager": False})
            assert rls.current_agency() is None and _setting() == ""  # cleared after the task
    finally:
        task_prerun.disconnect(drop_the_setting)
    setting, schools = run.retval
    assert setting == str(world_a.agency.pk)
    assert schools == School.objects.filter(agency=world_a.agency).count() > 0


@pytest.mark.django_db(transaction=True)
def test_the_reminder_dispatch_reaches_every_agency_under_the_app_role(app_role):
    # Committed rows and no test transaction, as in production: each batch is handed over at
    # its commit, inside its agency's turn (tasks run in process here).
    worlds = [_world_with_due_reminder(slug) for slug in ("alpha", "bravo")]
    with app_role():
        assert reminder_tasks.dispatch_due_reminders_task() == 2
    sent = {r.agency_id for r in Reminder.objects.filter(state=Reminder.State.SENT)}
    assert sent == {w.agency.pk for w in worlds}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(w.sro.email for w in worlds)


def _world_with_due_reminder(slug):
    from tests.conftest import build_world

    world = build_world(slug)
    reminder_schedule(
        kind=TEST_KIND,
        obj=world.school,
        recipient=world.sro,
        due_at=timezone.now() - timedelta(minutes=1),
    )
    return world


def test_a_connection_back_in_the_pool_forgets_the_agency():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with ConnectionPool(
        kwargs={**params, "autocommit": True}, min_size=1, max_size=1, reset=rls.pool_reset
    ) as pool:
        with pool.connection() as conn:
            conn.execute(f"SELECT set_config('{rls.AGENCY_SETTING}', '42', false)")
        with pool.connection() as conn:
            value = conn.execute(f"SELECT current_setting('{rls.AGENCY_SETTING}', true)")
            assert value.fetchone()[0] == ""


def test_kept_dashboard_figures_are_written_and_read_under_the_app_role(
    app_role, world_a, world_b, client
):
    """The triggers that count changes (dashboards/migrations/0004) and the kept monthly figures
    (dashboards.rollups) work for the app role, and stay behind the wall like any tenant row."""
    from sro_portal.dashboards.models import FigureVersion, MonthlyFigures

    # Last school year: whole months, all kept.
    agency = world_a.agency
    last_year = agency.school_year_for(agency.school_year_for(agency.today()).start - timedelta(1))
    url = f"{reverse('dashboards:program')}?period={last_year.start.year}"
    signed_in(client, world_b.supervisor)
    with app_role():
        assert client.get(url).status_code == 200  # B's months kept
        signed_in(client, world_a.supervisor)
        assert client.get(url).status_code == 200
        with rls.agency(world_a.agency.pk):
            factories.ActivityFactory(
                officer=world_a.sro, school=world_a.school, date=last_year.start + timedelta(9)
            )
            assert FigureVersion.objects.filter(source="activity").count() == 1
            mine = MonthlyFigures.objects.values_list("agency_id", flat=True)
            assert set(mine) == {world_a.agency.pk}
        assert client.get(url).status_code == 200
    assert set(MonthlyFigures.objects.values_list("agency_id", flat=True)) == {
        world_a.agency.pk,
        world_b.agency.pk,
    }
    version = FigureVersion.objects.get(agency=world_a.agency, source="activity")
    month = version.day.replace(day=1)
    kept = MonthlyFigures.objects.get(agency=world_a.agency, source="activity", month=month)
    assert kept.version == version.version  # computed again after the new activity


def test_payoff_triggers_read_and_write_behind_the_wall(app_role, world_a, world_b):
    """Migration dashboards/0005's triggers run as the writer: under the app role they read the
    writer's agreements and sessions (row-level security lets them) and raise that agency's
    versions only."""
    from payoff.models import Agreement, CheckIn
    from sro_portal.dashboards.models import FigureVersion

    day = world_a.agency.today() - timedelta(days=40)
    done = factories.payoff_agreement(world_a.school, day, Agreement.Status.COMPLETED, day)
    factories.work_session(done, day, "2.00")
    factories.payoff_check_in(done, 6, None)
    factories.payoff_agreement(world_b.school, day, Agreement.Status.ACTIVE)

    def versions(agency=world_a.agency):
        rows = FigureVersion.objects.filter(agency=agency).values_list("source", "version")
        return {source: version for source, version in rows}

    before, theirs = versions(), versions(world_b.agency)
    with app_role(), rls.agency(world_a.agency.pk):
        factories.work_session(done, day, "1.00")  # work
        CheckIn.objects.filter(agreement=done).update(reoffended=False)  # checkin
        Agreement.objects.filter(pk=done.pk).update(school=world_a.other_school)  # all three
    after = versions()
    assert after == {
        "agreement": before["agreement"] + 1,
        "work": before["work"] + 2,
        "checkin": before["checkin"] + 2,
    }
    assert set(FigureVersion.objects.values_list("agency_id", flat=True)) == {
        world_a.agency.pk,
        world_b.agency.pk,
    }
    assert versions(world_b.agency) == theirs
