"""The tenancy harness: rules that fail the build when scoping is forgotten.

Every later issue extends OBJECT_OF_OTHER_AGENCY with its own id-taking URLs.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from incidents.models import Disclosure, FollowUp, Incident, Involvement
from officers.models import Activity, CommunityPartner, Referral, Student
from payoff.models import Agreement, CheckIn, Statement, Task, WorkSession
from presentations.models import Feedback, Material, Presentation, ScheduleChange, Topic
from schools.models import CorrectiveAction, Drill, School
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Agency, Invitation, Role, User
from sro_portal.dashboards.models import ReportFile
from sro_portal.reminders.models import Reminder
from sro_portal.tenancy import TenantModel
from tests import factories
from tests.helpers import signed_in

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = ["schools", "officers", "incidents", "payoff", "presentations"]
OUR_PACKAGES = ("sro_portal.", *(f"{app}." for app in DOMAIN_APPS))


# --- Every row carries its agency -----------------------------------------------------------------


def domain_models():
    for label in DOMAIN_APPS:
        yield from apps.get_app_config(label).get_models(include_auto_created=True)


@pytest.mark.parametrize("model", list(domain_models()), ids=lambda m: m._meta.label)
def test_every_domain_model_has_a_non_null_agency_key(model):
    field = model._meta.get_field("agency")
    assert field.many_to_one and field.related_model is Agency
    assert not field.null


def test_the_domain_apps_have_models_to_check():
    # Guards the parametrized test above against silently checking nothing.
    assert {m._meta.label for m in domain_models()} >= {
        "schools.School",
        "schools.SchoolBoard",
        "schools.SchoolMembership",
        "officers.Assignment",
    }


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if issubclass(m, TenantModel)],
    ids=lambda m: m._meta.label,
)
def test_tenant_indexes_and_unique_constraints_start_with_agency(model):
    for index in model._meta.indexes:
        first = index.fields[0] if index.fields else index.expressions[0]
        assert first in ("agency", models.F("agency")), f"{model._meta.label}: index {index.name}"
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert constraint.fields[0] == "agency", f"{model._meta.label}: {constraint.name}"


def test_no_tenant_model_is_in_the_django_admin():
    # The admin is for platform staff, who see agencies and nothing inside them.
    registered = [m for m in admin.site._registry if issubclass(m, TenantModel)]
    assert registered == []


# --- No unscoped queries where requests and tasks arrive ----------------------------------------

UNSCOPED = re.compile(r"\.objects\.|_default_manager|_base_manager")


def entry_point_files():
    for package in ["sro_portal", *DOMAIN_APPS]:
        for path in (ROOT / package).rglob("*.py"):
            in_package = {"views", "forms"} & set(path.parts)
            if path.name in {"views.py", "forms.py", "tasks.py"} or in_package:
                yield path


def test_entry_points_exist_to_scan():
    names = {str(p.relative_to(ROOT)) for p in entry_point_files()}
    assert "sro_portal/accounts/views.py" in names
    assert "sro_portal/accounts/forms.py" in names


def test_views_forms_and_tasks_make_no_unscoped_queries():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in entry_point_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNSCOPED.search(line)
    ]
    assert offenders == [], "query through a selector instead:\n" + "\n".join(offenders)


# --- The school scope ---------------------------------------------------------------------------


def test_agency_wide_roles_see_every_school_of_their_agency_only(world_a, world_b):
    for user in (world_a.admin, world_a.supervisor):
        assert set(school_qs_for(user)) == {world_a.school, world_a.other_school}


def test_sro_sees_the_schools_of_assignments_in_force_today(world_a, world_b):
    assert list(school_qs_for(world_a.sro)) == [world_a.school]


def test_sro_loses_a_school_when_the_assignment_has_ended(world_a):
    today = world_a.agency.today()
    world_a.sro.assignments.update(ends_on=today - timedelta(days=1))
    assert list(school_qs_for(world_a.sro)) == []
    assert list(school_qs_for(world_a.sro, on=today - timedelta(days=1))) == [world_a.school]


def test_sro_does_not_see_a_school_before_the_assignment_starts(world_a):
    today = world_a.agency.today()
    factories.AssignmentFactory(
        school=world_a.other_school, officer=world_a.sro, starts_on=today + timedelta(days=3)
    )
    assert list(school_qs_for(world_a.sro)) == [world_a.school]


def test_sro_ended_row_does_not_combine_with_a_future_row(world_a):
    # One assignment ended, another starts later: neither covers today.
    today = world_a.agency.today()
    world_a.sro.assignments.update(ends_on=today - timedelta(days=5))
    factories.AssignmentFactory(
        school=world_a.school, officer=world_a.sro, starts_on=today + timedelta(days=5)
    )
    assert list(school_qs_for(world_a.sro)) == []


def test_school_admin_sees_linked_schools_only(world_a):
    assert list(school_qs_for(world_a.school_admin)) == [world_a.school]


def test_platform_staff_see_no_school(world_a, django_user_model):
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    assert list(school_qs_for(staff)) == []


# --- The sweep: every id-taking URL, as every role of agency A, against agency B's objects -------


def _invitation_of(world):
    return factories.InvitationFactory(agency=world.agency).pk


def _talk_of(world):
    """A scheduled talk at the world's school, presented by its SRO."""
    talk = factories.PresentationFactory(
        school=world.school,
        status="scheduled",
        scheduled_at=timezone.now() + timedelta(days=3),
    )
    talk.presenters.add(world.sro, through_defaults={"agency": world.agency})
    return talk.pk


def _reminder_of(world, state):
    return factories.ReminderFactory(
        agency=world.agency, recipient=world.sro, obj=world.school, state=state
    ).pk


def _report_file_of(world):
    """A finished annual report file of the world's agency (its PDF need not exist)."""
    return ReportFile.objects.create(
        agency=world.agency,
        year_start=world.agency.school_year_for(world.agency.today()).start,
        language="en",
        requested_by=world.supervisor,
        status=ReportFile.Status.DONE,
        file="annual-reports/missing.pdf",
    ).pk


# URL name -> the kwargs naming an object of the other agency. A URL that takes an id and is
# missing here fails test_every_id_url_is_covered_by_the_sweep.
OBJECT_OF_OTHER_AGENCY = {
    "accounts:member_edit": lambda b: {"pk": b.sro.pk},
    "accounts:member_deactivate": lambda b: {"pk": b.sro.pk},
    "accounts:member_reactivate": lambda b: {"pk": b.sro.pk},
    "accounts:invitation_resend": lambda b: {"pk": _invitation_of(b)},
    "accounts:invitation_revoke": lambda b: {"pk": _invitation_of(b)},
    "reminders:read": lambda b: {"pk": _reminder_of(b, "sent")},
    "dashboards:report_file": lambda b: {"pk": _report_file_of(b)},
    "dashboards:report_file_download": lambda b: {"pk": _report_file_of(b)},
    "reminders:failed_retry": lambda b: {"pk": _reminder_of(b, "failed")},
    "schools:school_detail": lambda b: {"pk": b.school.pk},
    "schools:school_edit": lambda b: {"pk": b.school.pk},
    "schools:board_edit": lambda b: {"pk": b.school.board_id},
    "schools:drill_detail": lambda b: {"pk": factories.DrillFactory(school=b.school).pk},
    "schools:drill_edit": lambda b: {"pk": factories.DrillFactory(school=b.school).pk},
    "schools:drill_record": lambda b: {"pk": factories.DrillFactory(school=b.school).pk},
    "schools:drill_cancel": lambda b: {"pk": factories.DrillFactory(school=b.school).pk},
    "schools:corrective_action_add": lambda b: {"pk": factories.DrillFactory(school=b.school).pk},
    "officers:officer_detail": lambda b: {"pk": b.sro.pk},
    "officers:activity_edit": lambda b: {
        "pk": factories.ActivityFactory(school=b.school, officer=b.sro).pk
    },
    "officers:activity_delete": lambda b: {
        "pk": factories.ActivityFactory(school=b.school, officer=b.sro).pk
    },
    "officers:student_detail": lambda b: {"pk": factories.StudentFactory(school=b.school).pk},
    "officers:student_edit": lambda b: {"pk": factories.StudentFactory(school=b.school).pk},
    "officers:partner_edit": lambda b: {
        "pk": factories.CommunityPartnerFactory(agency=b.agency).pk
    },
    "officers:referral_detail": lambda b: {
        "pk": factories.ReferralFactory(student__school=b.school, made_by=b.sro).pk
    },
    "officers:referral_update": lambda b: {
        "pk": factories.ReferralFactory(student__school=b.school, made_by=b.sro).pk
    },
    "officers:profile_edit": lambda b: {"pk": b.sro.pk},
    "officers:officer_photo": lambda b: {"pk": b.sro.pk},
    "officers:assignment_edit": lambda b: {"pk": b.sro.assignments.get().pk},
    "incidents:detail": lambda b: {"pk": factories.IncidentFactory(school=b.school).pk},
    "incidents:edit": lambda b: {"pk": factories.IncidentFactory(school=b.school).pk},
    "incidents:status": lambda b: {"pk": factories.IncidentFactory(school=b.school).pk},
    "incidents:person_add": lambda b: {"pk": factories.IncidentFactory(school=b.school).pk},
    "incidents:follow_up_add": lambda b: {"pk": factories.IncidentFactory(school=b.school).pk},
    "incidents:disclosure_create": lambda b: {"pk": factories.IncidentFactory(school=b.school).pk},
    "incidents:person_response": lambda b: {
        "pk": factories.InvolvementFactory(incident__school=b.school).pk
    },
    "incidents:person_remove": lambda b: {
        "pk": factories.InvolvementFactory(incident__school=b.school).pk
    },
    "incidents:follow_up_done": lambda b: {
        "pk": factories.FollowUpFactory(incident__school=b.school, owner=b.sro).pk
    },
    "incidents:disclosure_withdraw": lambda b: {
        "pk": factories.DisclosureFactory(incident__school=b.school, recipient=b.school_admin).pk
    },
    "incidents:student_history": lambda b: {"pk": factories.StudentFactory(school=b.school).pk},
    "payoff:detail": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:edit": lambda b: {"pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk},
    "payoff:task_add": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:consent": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:statement": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:activate": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:session_add": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:complete": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:not_completed": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:withdraw": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:print": lambda b: {"pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk},
    "payoff:progress_card": lambda b: {
        "pk": factories.AgreementFactory(school=b.school, officer=b.sro).pk
    },
    "payoff:task_remove": lambda b: {
        "pk": factories.TaskFactory(agreement__school=b.school, agreement__officer=b.sro).pk
    },
    "payoff:check_in": lambda b: {
        "pk": factories.CheckInFactory(agreement__school=b.school, agreement__officer=b.sro).pk
    },
    "schools:corrective_action_done": lambda b: {
        "pk": factories.CorrectiveActionFactory(drill__school=b.school, owner=b.sro).pk
    },
    **{
        f"presentations:{name}": lambda b: {"pk": _talk_of(b)}
        for name in ("detail", "schedule", "deliver", "cancel")
    },
    **{
        f"presentations:{name}": lambda b: {"pk": factories.TopicFactory(agency=b.agency).pk}
        for name in ("topic", "topic_edit", "material_add")
    },
    **{
        f"presentations:{name}": lambda b: {
            "pk": factories.MaterialFactory(topic__agency=b.agency).pk
        }
        for name in ("material", "material_delete")
    },
}
# Id-taking URLs that are not about a tenant's object, each with the test that covers it.
NOT_TENANT_OBJECTS = {
    # A signed token, not an id; tests/accounts/test_invitations.py.
    "accounts:invitation_accept",
    # A signed token, not an id; tests/calendars/.
    "calendars:feed",
    # A signed token for people without an account; tests/presentations/test_feedback.py.
    "presentations:feedback",
    # A section's and a table's names, not ids (the scope comes from the user);
    # tests/dashboards/test_exports.py.
    "dashboards:export",
}


def _walk(resolvers, namespace=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry


def id_taking_urls():
    for name, pattern in _walk(get_resolver().url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if module.startswith(OUR_PACKAGES) and pattern.pattern.converters:
            yield name


def test_every_id_url_is_covered_by_the_sweep():
    uncovered = set(id_taking_urls()) - set(OBJECT_OF_OTHER_AGENCY) - NOT_TENANT_OBJECTS
    assert uncovered == set()
    assert set(OBJECT_OF_OTHER_AGENCY) <= set(id_taking_urls()), "stale entries in the sweep"


@pytest.mark.parametrize("url_name", sorted(OBJECT_OF_OTHER_AGENCY))
@pytest.mark.parametrize("role", Role.values)
def test_other_agency_objects_answer_404_to_every_role(client, world_a, world_b, role, url_name):
    url = reverse(url_name, kwargs=OBJECT_OF_OTHER_AGENCY[url_name](world_b))
    signed_in(client, world_a.users[role])
    before = _snapshot(world_b)

    assert client.get(url).status_code in {404, 405}  # 405: the URL takes POST only
    assert client.post(url, {"role": Role.ADMIN, "full_name": "Forged"}).status_code == 404
    assert _snapshot(world_b) == before


def _snapshot(world):
    users = User.objects.filter(agency=world.agency).order_by("pk")
    invitations = Invitation.objects.filter(agency=world.agency)
    reminders = Reminder.objects.filter(agency=world.agency)
    drills = Drill.objects.filter(agency=world.agency).order_by("pk")
    actions = CorrectiveAction.objects.filter(agency=world.agency).order_by("pk")
    schools = School.objects.filter(agency=world.agency).order_by("pk")
    activities = Activity.objects.filter(agency=world.agency).order_by("pk")
    students = Student.objects.filter(agency=world.agency).order_by("pk")
    referrals = Referral.objects.filter(agency=world.agency).order_by("pk")
    partners = CommunityPartner.objects.filter(agency=world.agency).order_by("pk")
    incidents = Incident.objects.filter(agency=world.agency).order_by("pk")
    people = Involvement.objects.filter(agency=world.agency).order_by("pk")
    follow_ups = FollowUp.objects.filter(agency=world.agency).order_by("pk")
    disclosures = Disclosure.objects.filter(agency=world.agency).order_by("pk")
    agreements = Agreement.objects.filter(agency=world.agency).order_by("pk")
    tasks = Task.objects.filter(agency=world.agency).order_by("pk")
    check_ins = CheckIn.objects.filter(agency=world.agency).order_by("pk")
    talks = Presentation.objects.filter(agency=world.agency).order_by("pk")
    topics = Topic.objects.filter(agency=world.agency).order_by("pk")
    materials = Material.objects.filter(agency=world.agency).order_by("pk")
    moves = ScheduleChange.objects.filter(agency=world.agency).order_by("pk")
    feedback = Feedback.objects.filter(agency=world.agency).order_by("pk")
    sessions = WorkSession.objects.filter(agency=world.agency).order_by("pk")
    statements = Statement.objects.filter(agency=world.agency).order_by("pk")
    return (
        list(talks.values_list("pk", "status", "scheduled_at", "room", "students_reached")),
        list(topics.values_list("pk", "title", "is_active", "description")),
        list(materials.values_list("pk", "title", "file")),
        list(moves.values_list("pk", "new_at")),
        list(feedback.values_list("pk", "answered_at", "usefulness", "comment")),
        list(sessions.values_list("pk", "hours", "what_was_done", "verified_by_id")),
        list(statements.values_list("pk", "text")),
        list(agreements.values_list("pk", "status", "offence", "consented_at", "due_on")),
        list(tasks.values_list("pk", "required")),
        list(check_ins.values_list("pk", "reoffended", "confirmed_on")),
        list(incidents.values_list("pk", "status", "closing_note", "narrative", "category")),
        list(people.values_list("pk", "role", "student_id", "name", "response")),
        list(follow_ups.values_list("pk", "done_on", "description")),
        list(disclosures.values_list("pk", "withdrawn_at", "recipient_id")),
        list(activities.values_list("pk", "minutes", "category", "date", "school_id")),
        list(students.values_list("pk", "first_name", "last_name", "school_id")),
        list(referrals.values_list("pk", "status", "outcome")),
        list(partners.values_list("pk", "name", "is_active")),
        list(schools.values_list("pk", "name", "board__name", "is_active")),
        list(drills.values_list("pk", "status", "planned_at", "observations", "kind")),
        list(actions.values_list("pk", "done_on", "description")),
        list(users.values_list("pk", "role", "is_active", "full_name")),
        list(invitations.order_by("pk").values_list("pk", "key", "revoked_at", "expires_at")),
        list(reminders.order_by("pk").values_list("pk", "state", "read_at", "due_at")),
    )


def test_today_is_the_agency_s_day_not_the_server_s(world_a):
    # 03:00 UTC on the 28th is still the evening of the 27th in Edmonton.
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC), tick=False):
        assert world_a.agency.today() == dt.date(2026, 11, 27)
        factories.AssignmentFactory(
            school=world_a.other_school, officer=world_a.sro, starts_on=dt.date(2026, 11, 28)
        )
        assert world_a.other_school not in school_qs_for(world_a.sro)
    with time_machine.travel(dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC), tick=False):
        assert world_a.other_school in school_qs_for(world_a.sro)


def test_rows_cannot_point_at_another_agency(world_a, world_b):
    from django.core.exceptions import ValidationError

    from officers.models import Assignment

    assignment = Assignment(
        agency=world_a.agency,
        officer=world_b.sro,
        school=world_a.school,
        starts_on=world_a.agency.today(),
    )
    with pytest.raises(ValidationError) as error:
        assignment.full_clean()
    assert "officer" in error.value.message_dict


def test_only_sros_are_assigned_and_only_school_admins_linked(world_a):
    from django.core.exceptions import ValidationError

    from officers.models import Assignment
    from schools.models import SchoolMembership

    with pytest.raises(ValidationError):
        Assignment(
            agency=world_a.agency,
            officer=world_a.supervisor,
            school=world_a.school,
            starts_on=world_a.agency.today(),
        ).full_clean()
    with pytest.raises(ValidationError):
        SchoolMembership(
            agency=world_a.agency, user=world_a.sro, school=world_a.school
        ).full_clean()


# --- List filters refuse another agency's school ------------------------------------------------

INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(
    "list_name", ["incidents:list", "payoff:list", "presentations:list", "officers:activity_list"]
)
def test_a_list_filtered_on_another_agency_s_school_refuses_it(client, world_a, world_b, list_name):
    signed_in(client, world_a.supervisor)
    page = client.get(reverse(list_name), {"school": world_b.school.pk})
    assert page.status_code == 200
    assert INVALID_CHOICE in page.text  # shown beside the field
    assert world_b.school.name not in page.text


# A school admin's incident list has no school filter: it shows their schools' incidents only.
@pytest.mark.parametrize("list_name", ["payoff:list", "presentations:list"])
def test_a_school_admin_s_list_refuses_a_school_of_the_agency_that_is_not_theirs(
    client, world_a, list_name
):
    signed_in(client, world_a.school_admin)  # a member of world_a.school only
    page = client.get(reverse(list_name), {"school": world_a.other_school.pk})
    assert page.status_code == 200
    assert INVALID_CHOICE in page.text
    assert world_a.other_school.name not in page.text
