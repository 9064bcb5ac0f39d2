"""The student name search (incident list, student list) is served by the trigram index of
migration officers/0008: without it, each search read every student of the database. Over ten
thousand students of one school (the table analysed; with a few thousand, the school's b-tree
sometimes costs about as much), PostgreSQL plans the pages' own SQL through the index: the index
matches what the pages send."""

import hashlib
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import Student
from tests.helpers import signed_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _name(n: int, salt: str) -> str:
    return hashlib.sha256(f"{salt}{n}".encode()).hexdigest()[:12]  # names of varied trigrams


@pytest.fixture
def students(world_a):
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
    with connection.cursor() as cursor:
        # New entries wait in the index's pending list (read in full) until a vacuum moves them.
        cursor.execute("SELECT gin_clean_pending_list('student_name_search_idx'::regclass)")
        cursor.execute("ANALYZE officers_student")


def _name_search_plans(client, url_name: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(url_name)).status_code == 200
    searches = [
        query["sql"]
        for query in captured
        if "UPPER(" in query["sql"] and '"officers_student"' in query["sql"]
    ]
    assert searches, "the page ran no name search"
    plans = []
    with connection.cursor() as cursor:
        for sql in searches:
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.parametrize("url_name", ["incidents:list", "officers:student_list"])
def test_the_name_search_reads_the_trigram_index(client, world_a, students, url_name):
    signed_in(client, world_a.supervisor)
    client.post(reverse(url_name), {"q": "lindq"})  # posted, kept in the session
    for plan in _name_search_plans(client, url_name):
        assert "student_name_search_idx" in plan, plan
