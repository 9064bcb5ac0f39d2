"""Access periods of PAYOFF records (DESIGN.md, privacy rules; YCJA s.119(2)).

An extrajudicial sanction's record becomes unreachable two years after the youth consented; the
agency sets the period of other measures and school-administered agreements (none set: never).
From the first day after the period nobody of the agency reaches the agreement or anything of it,
on any page, even before the daily job destroys it; the job then leaves a tombstone that
identifies no one, catches up a missed day, and changes nothing when run again.

The sweep walks payoff/urls.py (tests/payoff/test_check_ins.payoff_urls), so pages added there
later are covered without editing this file.
"""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from payoff import selectors
from payoff.models import (
    Agreement,
    Basis,
    CheckIn,
    PurgedAgreement,
    Statement,
    Task,
    WorkSession,
)
from payoff.services import purge_expired
from sro_portal.accounts.models import Role
from sro_portal.reminders.models import Reminder
from tests.factories import IncidentFactory, InvolvementFactory, StudentFactory
from tests.helpers import signed_in
from tests.payoff.test_check_ins import (
    FORGED_POST,
    OFFENCE,
    STATEMENT,
    Built,
    local_noon,
    make_agreement,
    months_later,
    payoff_urls,
)

pytestmark = pytest.mark.django_db

PAYOFF_MODELS = (Agreement, Task, WorkSession, Statement, CheckIn)


def consent_day(world, agreement: Agreement) -> date:
    return timezone.localtime(agreement.consented_at, world.agency.tzinfo).date()


def local(world, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=world.agency.tzinfo)


def make_sanction(world, **kwargs) -> Built:
    """A completed extrajudicial sanction with a statement, consented to today."""
    return make_agreement(world, basis=Basis.SANCTION, statement=STATEMENT, **kwargs)


def traces(built: Built) -> list[str]:
    """What would show that the agreement exists (the student's name is not among them: the
    student's own pages name the student)."""
    agreement = built.agreement
    return [
        OFFENCE,
        STATEMENT,
        f'href="{reverse("payoff:detail", args=[agreement.pk])}"',
        *(f'href="{reverse("payoff:check_in", args=[c.pk])}"' for c in built.check_ins),
        *(f'href="{reverse("payoff:task_remove", args=[t.pk])}"' for t in built.tasks),
    ]


def found_traces(body: str, built: Built) -> list[str]:
    found = [trace for trace in traces(built) if trace.lower() in body.lower()]
    if re.search(rf"agreement #{built.agreement.pk}\b", body, re.IGNORECASE):
        found.append(f"Agreement #{built.agreement.pk}")
    return found


def rows_of(built: Built) -> dict[str, list[int]]:
    """The rows left of the agreement, by model."""
    pk = built.agreement.pk
    return {
        "agreement": list(Agreement.objects.filter(pk=pk).values_list("pk", flat=True)),
        "tasks": list(Task.objects.filter(agreement_id=pk).values_list("pk", flat=True)),
        "sessions": list(WorkSession.objects.filter(agreement_id=pk).values_list("pk", flat=True)),
        "statement": list(Statement.objects.filter(agreement_id=pk).values_list("pk", flat=True)),
        "check_ins": list(CheckIn.objects.filter(agreement_id=pk).values_list("pk", flat=True)),
    }


def reminders_of(built: Built):
    by_model = [
        (Agreement, [built.agreement.pk]),
        (Task, [t.pk for t in built.tasks]),
        (WorkSession, [s.pk for s in built.sessions]),
        (CheckIn, [c.pk for c in built.check_ins]),
    ]
    found = Reminder.objects.none()
    for model, ids in by_model:
        found = found | Reminder.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        )
    return found


def counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in (*PAYOFF_MODELS, PurgedAgreement, Reminder)
    }


# --- The access period --------------------------------------------------------------------------


def test_a_sanction_s_access_period_ends_two_years_after_consent(world_a):
    built = make_sanction(world_a)
    day = consent_day(world_a, built.agreement)
    assert built.agreement.purge_after == months_later(day, 24)


def test_a_sanction_is_reachable_until_its_last_day_on_the_agency_s_clock(client, world_a):
    built = make_sanction(world_a)
    ends = built.agreement.purge_after
    six = built.check_ins[0]
    # 23:55 in Edmonton on the last day: UTC is already on the day the period ends.
    last_minute = local(world_a, ends - timedelta(days=1), 23, 55)
    assert last_minute.astimezone(UTC).date() == ends
    with time_machine.travel(last_minute, tick=False):
        assert purge_expired() == 0
        for role in (Role.ADMIN, Role.SUPERVISOR, Role.SRO):
            client.logout()
            signed_in(client, world_a.users[role])
            assert client.get(reverse("payoff:check_in", args=[six.pk])).status_code == 200
            detail = client.get(reverse("payoff:detail", args=[built.agreement.pk]))
            assert detail.status_code == 200
            assert OFFENCE in detail.text
            assert found_traces(client.get(reverse("payoff:list")).text, built)
        page = client.get(reverse("payoff:check_ins")).text  # the SRO's, both check-ins due
        for check_in in built.check_ins:
            assert reverse("payoff:check_in", args=[check_in.pk]) in page
    assert all(rows_of(built).values())


def test_from_the_end_of_its_access_period_a_sanction_is_unreachable_on_every_page(client, world_a):
    built = make_sanction(world_a)
    student = built.agreement.student
    ends = built.agreement.purge_after
    with_ids, plain = payoff_urls(built.ids)
    list_url = reverse("payoff:list")
    plain += [
        f"{list_url}?basis={Basis.SANCTION}",
        f"{list_url}?status={Agreement.Status.COMPLETED}&school={built.agreement.school_id}",
    ]
    student_pages = [
        reverse("officers:student_detail", args=[student.pk]),
        reverse("incidents:student_history", args=[student.pk]),
    ]
    assert reverse("payoff:check_in", args=[built.check_ins[0].pk]) in with_ids  # not vacuous
    assert reverse("payoff:detail", args=[built.agreement.pk]) in with_ids

    with time_machine.travel(local(world_a, ends, 0, 5), tick=False):
        assert not selectors.agreement_qs_for(world_a.supervisor).exists()
        for role in Role.values:
            client.logout()
            signed_in(client, world_a.users[role])
            for url in with_ids:
                # 405: a page that takes POST only says so before it looks anything up.
                assert client.get(url).status_code in {404, 405}, (role, "GET", url)
                response = client.post(url, FORGED_POST)
                assert response.status_code == 404, (role, "POST", url)
            for url in plain:
                response = client.get(url)
                assert response.status_code < 500, (role, url)
                assert found_traces(response.text, built) == [], (role, url)
            for url in student_pages:
                response = client.get(url)
                if role != Role.SCHOOL:
                    assert response.status_code == 200, (role, url)
                assert found_traces(response.text, built) == [], (role, url)
    # Nothing was changed by the posts.
    assert Agreement.objects.get(pk=built.agreement.pk).status == Agreement.Status.COMPLETED
    assert not CheckIn.objects.filter(agreement=built.agreement, reoffended__isnull=False).exists()


def test_the_daily_job_destroys_the_agreement_and_leaves_an_anonymous_tombstone(world_a):
    built = make_sanction(world_a)
    agreement = built.agreement
    starts_on, student = agreement.starts_on, agreement.student
    assert reminders_of(built).exists()  # check-ins due, agreement reminders cancelled
    assert all(rows_of(built).values())

    with time_machine.travel(local_noon(world_a, agreement.purge_after), tick=False):
        assert purge_expired() == 1
        today = world_a.agency.today()

    tombstone = PurgedAgreement.objects.get()
    assert (tombstone.agency, tombstone.basis, tombstone.final_status) == (
        world_a.agency,
        Basis.SANCTION,
        Agreement.Status.COMPLETED,
    )
    assert tombstone.school_year == world_a.agency.school_year_for(starts_on).label
    assert tombstone.purged_on == today
    assert rows_of(built) == {
        "agreement": [],
        "tasks": [],
        "sessions": [],
        "statement": [],
        "check_ins": [],
    }
    assert not reminders_of(built).exists()
    assert not Reminder.objects.filter(kind__startswith="payoff.").exists()
    # The tombstone links to nothing but its agency: no student, school, incident or officer.
    fields = {f.name for f in PurgedAgreement._meta.concrete_fields}
    assert fields == {
        "id",
        "agency",
        "created_at",
        "updated_at",
        "basis",
        "final_status",
        "school_year",
        "purged_on",
    }
    student.refresh_from_db()  # the student's own record is not the agreement's to destroy


def test_the_tombstone_is_dated_on_the_agency_s_calendar(world_a):
    built = make_sanction(world_a)
    with time_machine.travel(local(world_a, built.agreement.purge_after, 20, 0), tick=False):
        assert purge_expired() == 1
        assert PurgedAgreement.objects.get().purged_on == world_a.agency.today()


def test_running_the_daily_job_again_changes_nothing(world_a):
    built = make_sanction(world_a)
    make_agreement(world_a, basis=Basis.MEASURE)  # no period set: stays
    with time_machine.travel(local_noon(world_a, built.agreement.purge_after), tick=False):
        assert purge_expired() == 1
        after_first = counts()
        assert purge_expired() == 0
        assert counts() == after_first
    with time_machine.travel(
        local_noon(world_a, built.agreement.purge_after + timedelta(days=1)), tick=False
    ):
        assert purge_expired() == 0
        assert counts() == after_first
    assert after_first["payoff.PurgedAgreement"] == 1
    assert after_first["payoff.Agreement"] == 1


def test_a_missed_day_is_caught_up(world_a):
    built = make_sanction(world_a)
    later = make_sanction(world_a, student=StudentFactory(school=world_a.school))
    with time_machine.travel(
        local_noon(world_a, built.agreement.purge_after - timedelta(days=1)), tick=False
    ):
        assert purge_expired() == 0
    # The job did not run for five days.
    with time_machine.travel(
        local_noon(world_a, built.agreement.purge_after + timedelta(days=5)), tick=False
    ):
        assert purge_expired() == 2
    assert not any(rows_of(built).values())
    assert not any(rows_of(later).values())
    assert PurgedAgreement.objects.count() == 2


def test_the_job_runs_as_the_celery_task(world_a):
    from payoff.tasks import purge_expired_agreements_task

    built = make_sanction(world_a)
    with time_machine.travel(local_noon(world_a, built.agreement.purge_after), tick=False):
        assert purge_expired_agreements_task.delay().get() == 1
    assert not any(rows_of(built).values())


def test_each_agency_s_agreements_are_purged_on_that_agency_s_date(world_a, world_b):
    edmonton = make_sanction(world_a)
    world_b.agency.time_zone = "Asia/Tokyo"
    world_b.agency.save(update_fields=["time_zone"])
    tokyo = make_sanction(world_b)
    ends = edmonton.agreement.purge_after
    Agreement.objects.filter(pk=tokyo.agreement.pk).update(purge_after=ends)
    # 00:30 in Tokyo on that day is still the day before in Edmonton.
    moment = datetime.combine(ends, time(0, 30), tzinfo=world_b.agency.tzinfo)
    with time_machine.travel(moment, tick=False):
        assert (world_a.agency.today(), world_b.agency.today()) == (ends - timedelta(1), ends)
        assert purge_expired() == 1
    assert all(rows_of(edmonton).values())
    assert not any(rows_of(tokyo).values())
    assert PurgedAgreement.objects.get().agency == world_b.agency


# --- Other measures: the agency's period --------------------------------------------------------


@pytest.mark.parametrize("basis", [Basis.MEASURE, Basis.SCHOOL])
def test_other_measures_are_never_purged_when_the_agency_sets_no_period(world_a, basis):
    assert world_a.agency.retention_months_other_measures is None
    built = make_agreement(world_a, basis=basis, statement=STATEMENT)
    assert built.agreement.purge_after is None
    in_ten_years = months_later(world_a.agency.today(), 120)
    with time_machine.travel(local_noon(world_a, in_ten_years), tick=False):
        assert purge_expired() == 0
        assert selectors.agreement_get(user=world_a.supervisor, pk=built.agreement.pk)
    assert all(rows_of(built).values())
    assert not PurgedAgreement.objects.exists()


@pytest.mark.parametrize("basis", [Basis.MEASURE, Basis.SCHOOL])
def test_other_measures_are_purged_after_the_agency_s_period(client, world_a, basis):
    world_a.agency.retention_months_other_measures = 6
    world_a.agency.save(update_fields=["retention_months_other_measures"])
    built = make_agreement(world_a, basis=basis, statement=STATEMENT)
    agreement = built.agreement
    # Counted from consent; a school-administered agreement has none recorded: from activation.
    start = consent_day(world_a, agreement) if agreement.consented_at else world_a.agency.today()
    assert agreement.purge_after == months_later(start, 6)
    six = built.check_ins[0]

    with time_machine.travel(local_noon(world_a, agreement.purge_after - timedelta(1)), tick=False):
        assert purge_expired() == 0
        signed_in(client, world_a.sro)
        assert client.get(reverse("payoff:check_in", args=[six.pk])).status_code == 200
    with time_machine.travel(local_noon(world_a, agreement.purge_after), tick=False):
        client.logout()
        signed_in(client, world_a.sro)
        assert client.get(reverse("payoff:check_in", args=[six.pk])).status_code == 404
        assert (
            reverse("payoff:check_in", args=[six.pk])
            not in client.get(reverse("payoff:check_ins")).text
        )
        assert purge_expired() == 1
    assert not any(rows_of(built).values())
    assert PurgedAgreement.objects.get().basis == basis


# --- The audit trail's copies (PostgreSQL: the triggers write them) -----------------------------


def _events(model, **lookup):
    return model.pgh_event_model.objects.filter(**lookup)


@pytest.mark.postgres
def test_the_purge_destroys_the_audit_trail_s_copies_and_only_those(world_a):
    expired = make_sanction(world_a)
    # Consented a year later: two years from then, it is still reachable.
    with time_machine.travel(local_noon(world_a, months_later(world_a.agency.today(), 12))):
        kept = make_sanction(world_a)

    def copies(built: Built) -> dict[str, int]:
        """How many event rows the trail holds of the agreement and of each kind of its rows."""
        pk = built.agreement.pk
        children = {
            Task: built.tasks,
            WorkSession: built.sessions,
            Statement: [built.statement],
            CheckIn: built.check_ins,
        }
        return {
            "agreement": _events(Agreement, pgh_obj_id=pk).count(),
            **{
                model._meta.model_name: _events(model)
                .filter(Q(pgh_obj_id__in=[row.pk for row in rows]) | Q(agreement_id=pk))
                .count()
                for model, rows in children.items()
            },
        }

    assert all(copies(expired).values()), copies(expired)  # the trail holds copies to destroy
    kept_before = copies(kept)
    assert all(kept_before.values())

    with time_machine.travel(local_noon(world_a, expired.agreement.purge_after), tick=False):
        assert purge_expired() == 1

    assert copies(expired) == dict.fromkeys(copies(expired), 0)
    assert copies(kept) == kept_before
    # The kept agreement has the same offence and statement: only its copies carry them now.
    assert set(_events(Agreement, offence=OFFENCE).values_list("pgh_obj_id", flat=True)) == {
        kept.agreement.pk
    }
    assert set(_events(Statement, text=STATEMENT).values_list("agreement_id", flat=True)) == {
        kept.agreement.pk
    }


# --- What the incident log keeps ----------------------------------------------------------------


def test_the_student_s_incident_history_keeps_no_trace_of_a_purged_agreement(client, world_a):
    incident = IncidentFactory(school=world_a.school)
    subject = InvolvementFactory(incident=incident)
    built = make_sanction(world_a, student=subject.student, incident=incident)
    subject.refresh_from_db()
    assert subject.response == "payoff"
    with time_machine.travel(local_noon(world_a, built.agreement.purge_after), tick=False):
        purge_expired()
        signed_in(client, world_a.supervisor)
        page = client.get(reverse("incidents:student_history", args=[subject.student_id])).text
    assert "PAYOFF agreement" not in page  # the response (the menu says "PAYOFF" too)
