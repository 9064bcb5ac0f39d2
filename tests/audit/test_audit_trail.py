"""The audit trail: every change to a tenant row, with who and what, append-only; reads of youth
records through access_record; agency admins browse their own agency's trail only."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import School
from sro_portal.accounts.models import Agency
from sro_portal.audit.models import AccessEvent
from sro_portal.audit.services import access_record
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _events(model, **filters):
    event_model = model.pgh_event_model
    return event_model.objects.filter(**filters).order_by("pgh_id")


@pytest.mark.postgres
def test_queryset_update_is_recorded(world_a):
    School.objects.filter(pk=world_a.school.pk).update(name="Renamed High")
    labels = list(_events(School, pgh_obj_id=world_a.school.pk).values_list("pgh_label", "name"))
    assert labels[-1] == ("update", "Renamed High")
    assert labels[0][0] == "insert"


@pytest.mark.postgres
def test_delete_is_recorded(world_a):
    pk = world_a.other_school.pk
    world_a.other_school.delete()
    assert _events(School, pgh_obj_id=pk).last().pgh_label == "delete"


@pytest.mark.postgres
def test_change_made_through_a_page_records_who_made_it(client, world_a):
    signed_in(client, world_a.admin)
    client.post(
        reverse("accounts:member_edit", args=[world_a.sro.pk]),
        {"full_name": "Renamed Officer", "role": "sro"},
    )
    event = _events(type(world_a.sro), pgh_obj_id=world_a.sro.pk).last()
    assert event.full_name == "Renamed Officer"
    assert event.pgh_context.metadata["user"] == world_a.admin.pk


@pytest.mark.postgres
def test_password_hashes_stay_out_of_the_trail(world_a):
    event_model = type(world_a.sro).pgh_event_model
    assert "password" not in {field.name for field in event_model._meta.fields}


@pytest.mark.postgres
@pytest.mark.parametrize("statement", ["UPDATE {table} SET pgh_label = 'x'", "DELETE FROM {table}"])
def test_the_trail_is_append_only(world_a, statement):
    table = School.pgh_event_model._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))


@pytest.mark.postgres
def test_access_events_are_append_only(world_a):
    event = access_record(actor=world_a.sro, obj=world_a.school)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(action="exported")


def test_access_record_stays_inside_the_agency(world_a, world_b):
    event = access_record(actor=world_a.supervisor, obj=world_a.school, detail={"reason": "test"})
    assert (event.agency, event.actor, event.object_id) == (
        world_a.agency,
        world_a.supervisor,
        str(world_a.school.pk),
    )
    with pytest.raises(ValueError):
        access_record(actor=world_a.supervisor, obj=world_b.school)


@pytest.mark.postgres
def test_admin_browses_own_agency_changes_only(client, world_a, world_b):
    School.objects.filter(pk=world_a.school.pk).update(name="Alpha Renamed")
    School.objects.filter(pk=world_b.school.pk).update(name="Bravo Renamed")
    signed_in(client, world_a.admin)
    page = client.get(reverse("audit:trail"))
    assert page.status_code == 200
    assert "Alpha Renamed" in page.text
    assert "Bravo Renamed" not in page.text
    assert world_b.sro.email not in page.text


@pytest.mark.postgres
def test_trail_filters_by_record_type(client, world_a):
    School.objects.filter(pk=world_a.school.pk).update(name="Filtered High")
    signed_in(client, world_a.admin)
    page = client.get(reverse("audit:trail"), {"model": "officers.assignment"})
    assert "Filtered High" not in page.text
    page = client.get(reverse("audit:trail"), {"model": "schools.school"})
    assert "Filtered High" in page.text


@pytest.mark.postgres
def test_the_trail_pages_its_changes_newest_first_with_what_changed(client, world_a, world_b):
    for n in range(55):
        School.objects.filter(pk=world_a.school.pk).update(name=f"Alpha {n:02d}")
        School.objects.filter(pk=world_b.school.pk).update(name=f"Bravo {n:02d}")
    signed_in(client, world_a.admin)

    first = client.get(reverse("audit:trail"), {"model": "schools.school"})
    second = client.get(reverse("audit:trail"), {"model": "schools.school", "page": 2})

    own = School.pgh_event_model.objects.filter(agency_id=world_a.agency.pk).count()
    assert first.context["page"].paginator.count == own  # 55 renames and the schools' inserts
    assert len(first.context["rows"]) == 50
    assert [row["label"] for row in first.context["rows"][:2]] == ["update", "update"]
    assert "Alpha 53 → Alpha 54" in first.text  # the newest change first, with its diff
    assert "Alpha 02 → Alpha 03" not in first.text
    assert "Alpha 02 → Alpha 03" in second.text
    assert "Bravo" not in first.text + second.text


@pytest.mark.postgres
def test_the_trail_shows_changes_to_the_agency_itself_and_not_another_s(client, world_a, world_b):
    Agency.objects.filter(pk=world_a.agency.pk).update(name="Alpha Police Renamed")
    Agency.objects.filter(pk=world_b.agency.pk).update(name="Bravo Police Renamed")
    signed_in(client, world_a.admin)
    page = client.get(reverse("audit:trail"))
    assert "Alpha Police Renamed" in page.text
    assert "Bravo Police Renamed" not in page.text


@pytest.mark.postgres
def test_the_trail_filters_by_who_made_the_change(client, world_a):
    # First: the test's one transaction keeps a request's context for the statements after it.
    School.objects.filter(pk=world_a.school.pk).update(name="Renamed By A Script")
    signed_in(client, world_a.admin)
    client.post(
        reverse("accounts:member_edit", args=[world_a.sro.pk]),
        {"full_name": "Renamed By The Admin", "role": "sro"},
    )
    page = client.get(reverse("audit:trail"), {"user": world_a.admin.pk})
    assert "Renamed By The Admin" in page.text
    assert "Renamed By A Script" not in page.text
    assert "Renamed By A Script" in client.get(reverse("audit:trail")).text


@pytest.mark.postgres
def test_the_trail_s_queries_do_not_grow_with_the_changes(
    client, world_a, django_assert_num_queries
):
    signed_in(client, world_a.admin)
    client.get(reverse("audit:trail"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:trail"))
    for n in range(30):  # changes to records of several kinds
        School.objects.filter(pk=world_a.school.pk).update(name=f"Alpha {n}")
        type(world_a.sro).objects.filter(pk=world_a.sro.pk).update(full_name=f"Officer {n}")
        Agency.objects.filter(pk=world_a.agency.pk).update(name=f"Alpha Police {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("audit:trail"))


def test_the_trail_reads_the_members_names_not_their_schools(client, world_a):
    """The members name the changes and fill the "Who" filter; the schools of their
    memberships (which the members page shows) are not read: a large agency's hundreds of
    school admins made most of this page's time."""
    signed_in(client, world_a.admin)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("audit:trail"))
    assert page.status_code == 200
    assert str(world_a.sro) in page.text  # the "Who" filter still names the members
    read = " ".join(query["sql"] for query in queries)
    assert '"schools_schoolmembership"' not in read  # (its event table is another)


@pytest.mark.postgres
def test_the_trail_builds_the_json_of_the_events_it_shows_only(client, world_a, world_b):
    """Each event's data and diff (pghistory's JSON) are built in one query, for the page's
    events by their ids; the count and the order read the tables' own columns. Filtering all
    events on that JSON (as the trail did) built it for every change of every agency, twice."""
    for n in range(3):
        School.objects.filter(pk=world_a.school.pk).update(name=f"Alpha {n}")
        School.objects.filter(pk=world_b.school.pk).update(name=f"Bravo {n}")
    signed_in(client, world_a.admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("audit:trail")).status_code == 200
    built = [query["sql"] for query in queries.captured_queries if "JSONB_EACH" in query["sql"]]
    assert len(built) == 1
    assert "pgh_id" in built[0] and " IN (" in built[0]
    assert "agency_id" not in built[0]  # no agency filter on JSON: the ids are the page's


def test_access_tab_lists_own_agency_events(client, world_a, world_b):
    access_record(actor=world_a.sro, obj=world_a.school)
    access_record(actor=world_b.sro, obj=world_b.school)
    signed_in(client, world_a.admin)
    page = client.get(reverse("audit:trail"), {"tab": "access"})
    assert str(world_a.sro) in page.text
    assert str(world_b.sro) not in page.text


@pytest.mark.parametrize("role", ["supervisor", "sro", "school"])
def test_only_agency_admins_browse_the_trail(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("audit:trail")).status_code == 403


def test_bad_filter_values_are_ignored_not_errors(client, world_a):
    signed_in(client, world_a.admin)
    for params in ({"model": "x.y"}, {"user": "abc"}, {"page": "-4"}, {"user": "999999"}):
        assert client.get(reverse("audit:trail"), params).status_code == 200


# Tenant models whose changes the triggers do not record, each with the reason.
NOT_AUDITED = {
    # An outbox: its own columns (state, attempts, sent_at) are its record, and auditing it would
    # add four event rows to every reminder sent.
    "reminders.Reminder",
}


def test_every_tenant_model_is_audited_or_exempted_with_a_reason():
    from django.apps import apps

    from sro_portal.tenancy import TenantModel

    tenant_models = {
        model._meta.label: model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not hasattr(model, "pgh_tracked_model")
    }
    unaudited = {
        label for label, model in tenant_models.items() if not hasattr(model, "pgh_event_model")
    }
    assert unaudited == NOT_AUDITED


def test_access_record_many_writes_one_event_per_row(world_a, world_b):
    """On PostgreSQL one INSERT of arrays, elsewhere bulk_create: the same rows either way."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from sro_portal.audit.services import access_record_many

    before = timezone.now()
    objs = [world_a.school, world_a.other_school, world_a.sro]  # two kinds of row
    access_record_many(actor=world_a.supervisor, objs=objs, detail={"page": "a list", "n": 3})
    events = AccessEvent.objects.filter(agency=world_a.agency).order_by("id")
    assert [(e.actor_id, e.action, e.content_type, e.object_id, e.detail) for e in events] == [
        (
            world_a.supervisor.pk,
            AccessEvent.Action.VIEWED,
            ContentType.objects.get_for_model(obj),
            str(obj.pk),
            {"page": "a list", "n": 3},
        )
        for obj in objs
    ]
    assert all(before <= event.at <= timezone.now() for event in events)
    assert not AccessEvent.objects.filter(agency=world_b.agency).exists()
    with pytest.raises(ValueError):
        access_record_many(actor=world_a.supervisor, objs=[world_a.school, world_b.school])


def test_access_record_many_takes_a_list_s_rows_of_a_model(world_a, world_b):
    """A list's named tuples (id, agency_id) with their model: the events of the instances."""
    from django.contrib.contenttypes.models import ContentType

    from schools.models import School
    from sro_portal.audit.services import access_record_many

    rows = list(
        School.objects.filter(agency=world_a.agency)
        .order_by("pk")
        .values_list("id", "agency_id", named=True)
    )
    access_record_many(actor=world_a.supervisor, objs=rows, model=School)
    events = AccessEvent.objects.filter(agency=world_a.agency).order_by("id")
    school_type = ContentType.objects.get_for_model(School)
    assert [(e.content_type, e.object_id) for e in events] == [
        (school_type, str(row.id)) for row in rows
    ]
    theirs = School.objects.filter(agency=world_b.agency).values_list("id", "agency_id", named=True)
    with pytest.raises(ValueError):  # another agency's row
        access_record_many(actor=world_a.supervisor, objs=[theirs.first()], model=School)


@pytest.mark.postgres
def test_the_portal_s_connections_never_compile_queries_with_jit(client, world_a):
    """PostgreSQL's JIT took 13 s to compile the audit trail's union of event tables for 7 ms
    of work (sro_portal/settings.py): the portal's connections turn it off, so even a query past
    every JIT threshold runs plain. Checked on the connection the trail's page used."""
    signed_in(client, world_a.admin)
    assert client.get(reverse("audit:trail")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SET LOCAL jit_above_cost = 0")  # every query would be compiled
        cursor.execute("EXPLAIN (ANALYZE, SUMMARY) SELECT count(*) FROM audit_accessevent")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "JIT:" not in plan
