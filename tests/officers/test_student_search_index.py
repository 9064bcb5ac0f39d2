"""The student name search (incident list, student list) is served by the trigram index of
migration officers/0008, as production runs it: as the application role, under row-level
security (officers/0010 says why the search goes through a function there). Without the index
each search read every student of the agency. Over ten thousand students of one school (the
table analysed), the pages' search scans the index, finds the right students, and never another
agency's.
"""

import hashlib
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from officers.models import Student
from tests import factories
from tests.helpers import signed_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INDEX = "student_name_search_idx"


def _name(n: int, salt: str) -> str:
    return hashlib.sha256(f"{salt}{n}".encode()).hexdigest()[:12]  # names of varied trigrams


@pytest.fixture
def students(world_a, world_b):
    Student.objects.bulk_create(
        Student(
            agency=world_a.agency,
            school=world_a.school,
            first_name=_name(n, "first"),
            last_name=_name(n, "last") if n else "Lindqvist",
            student_number=_name(n, "number"),
            date_of_birth=date(2011, 1, 1),
        )
        for n in range(10_000)
    )
    # The same name in the other agency: never found from the first.
    Student.objects.create(
        agency=world_b.agency,
        school=world_b.school,
        first_name="Other",
        last_name="Lindqvist",
        date_of_birth=date(2011, 1, 1),
    )
    with connection.cursor() as cursor:
        # New entries wait in the index's pending list (read in full) until a vacuum moves them.
        cursor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")
        cursor.execute("ANALYZE officers_student")


def _index_scans() -> int:
    """Scans of the trigram index in this transaction (the test's)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_stat_get_xact_numscans('{INDEX}'::regclass)")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("url_name", ["incidents:list", "officers:student_list"])
def test_the_name_search_reads_the_trigram_index_under_the_app_role(
    client, world_a, students, app_role, url_name
):
    signed_in(client, world_a.supervisor)
    with app_role():
        client.post(reverse(url_name), {"q": "lindq"})  # posted, kept in the session
        before = _index_scans()
        response = client.get(reverse(url_name))
        scans = _index_scans() - before
    assert response.status_code == 200
    assert scans > 0, "the name search read every student instead of the index"
    if url_name == "officers:student_list":
        found = [student.last_name for student in response.context["page"]]
        assert found == ["Lindqvist"]  # this agency's one, not the other's


def test_the_search_function_keeps_to_the_agency_set_and_to_the_app_role(
    world_a, world_b, students, app_role
):
    """officers/0010: only the students of the agency set for the session, none without one;
    and no other role may run it (it would tell whether a name exists in any agency)."""
    from sro_portal import rls

    def named(pattern):
        with connection.cursor() as cursor:
            cursor.execute("SELECT student_ids_named(%s, '')", [pattern])
            return {row[0] for row in cursor.fetchall()}

    ours = set(
        Student.objects.filter(agency=world_a.agency, last_name="Lindqvist").values_list(
            "pk", flat=True
        )
    )
    with app_role():
        assert named("%LINDQ%") == set()  # no agency set
        with rls.agency(world_a.agency.pk):
            assert named("%LINDQ%") == ours
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_function_privilege('public', 'student_ids_named(text, text)', 'EXECUTE')"
        )
        assert cursor.fetchone()[0] is False


@pytest.mark.parametrize("typed", ["O'Brien", "100%", "a_b", "back\\slash", "'; DROP TABLE x; --"])
def test_the_search_takes_any_text_literally(client, world_a, app_role, typed):
    """Quotes, LIKE's wildcards and backslashes in a search are the name's own characters (the
    function builds its SQL with quoted literals; the pattern is escaped as icontains does)."""
    literal = factories.StudentFactory(
        agency=world_a.agency, school=world_a.school, last_name=f"X{typed}Y"
    )
    factories.StudentFactory(agency=world_a.agency, school=world_a.school, last_name="Xzzzzy")
    signed_in(client, world_a.supervisor)
    with app_role():
        client.post(reverse("officers:student_list"), {"q": typed})
        response = client.get(reverse("officers:student_list"))
    assert response.status_code == 200
    assert [student.pk for student in response.context["page"]] == [literal.pk]
