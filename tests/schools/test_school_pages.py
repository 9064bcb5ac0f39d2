"""Schools, boards and the compliance matrix through the real pages."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from schools.models import DrillKind, DrillRule, School, SchoolBoard
from sro_portal.accounts.models import Role
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _school_form(board, **extra):
    return {
        "name": "Riverbend High",
        "board": board.pk,
        "address": "1 River Road",
        "grade_from": 10,
        "grade_to": 12,
        "principal_email": "principal@example.test",
        "is_active": "on",
        **extra,
    }


def test_admin_adds_a_school(client, world_a):
    signed_in(client, world_a.admin)
    response = client.post(reverse("schools:school_create"), _school_form(world_a.school.board))
    school = School.objects.get(name="Riverbend High")
    assert response.url == reverse("schools:school_detail", args=[school.pk])
    assert school.agency == world_a.agency


def test_a_board_of_another_agency_is_refused(client, world_a, world_b):
    signed_in(client, world_a.admin)
    response = client.post(reverse("schools:school_create"), _school_form(world_b.school.board))
    assert "Select a valid choice" in response.text
    assert not School.objects.filter(name="Riverbend High").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"grade_from": 12, "grade_to": 9}, "highest grade is below the lowest"),
        ({"name": "Alpha High"}, "already exists"),
        ({"principal_email": "not-an-email"}, "valid email"),
        ({"name": "N" * 201}, "at most 200 characters"),
    ],
)
def test_bad_school_input_is_shown_next_to_the_field(client, world_a, extra, message):
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("schools:school_create"), _school_form(world_a.school.board, **extra)
    )
    assert response.status_code == 200
    assert message in response.text
    assert School.objects.filter(agency=world_a.agency).count() == 2


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_only_admins_manage_schools_and_boards(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("schools:school_create")).status_code == 403
    assert client.get(reverse("schools:board_list")).status_code == 403
    url = reverse("schools:school_edit", args=[world_a.school.pk])
    response = client.post(url, _school_form(world_a.school.board, name="Hijacked"))
    assert response.status_code in {403, 404}
    assert not School.objects.filter(name="Hijacked").exists()


def test_school_list_is_scoped(client, world_a, world_b):
    signed_in(client, world_a.school_admin)
    page = client.get(reverse("schools:school_list")).text
    assert world_a.school.name in page
    assert world_a.other_school.name not in page and world_b.school.name not in page


def test_a_new_board_starts_with_the_default_rules(client, world_a):
    signed_in(client, world_a.admin)
    response = client.post(reverse("schools:board_create"), {"name": "Riverside Catholic"})
    assert response.status_code == 302
    board = SchoolBoard.objects.get(name="Riverside Catholic")
    rules = {
        (r.kind, r.period, r.required, r.unannounced_required) for r in board.drill_rules.all()
    }
    assert rules == {("evacuation", "term", 3, 0), ("lockdown", "year", 2, 1)}


def _rules_post(board, rows):
    data = {"name": board.name, "rules-TOTAL_FORMS": len(rows), "rules-INITIAL_FORMS": len(rows)}
    for index, (kind, required, period, unannounced) in enumerate(rows):
        data |= {
            f"rules-{index}-kind": kind,
            f"rules-{index}-required": required,
            f"rules-{index}-period": period,
            f"rules-{index}-unannounced_required": unannounced,
        }
    return data


def test_admin_edits_drill_rules(client, world_a):
    board = world_a.school.board
    signed_in(client, world_a.admin)
    rows = [
        ("lockdown", 3, "year", 2),
        ("hold_and_secure", 1, "year", 0),
        ("shelter_in_place", 0, "year", 0),
        ("evacuation", 2, "term", 0),
    ]
    response = client.post(reverse("schools:board_edit", args=[board.pk]), _rules_post(board, rows))
    assert response.status_code == 302
    rules = {
        (r.kind, r.required, r.period, r.unannounced_required) for r in board.drill_rules.all()
    }
    assert rules == {row for row in rows if row[1]}


def test_more_unannounced_than_required_is_refused(client, world_a):
    board = world_a.school.board
    factories_rules = [("lockdown", 1, "year", 2)]
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("schools:board_edit", args=[board.pk]), _rules_post(board, factories_rules)
    )
    assert response.status_code == 200
    assert "More unannounced drills than drills required" in response.text


def test_compliance_matrix_shows_own_schools_with_constant_queries(client, world_a, world_b):
    board = world_a.school.board
    DrillRule.objects.create(
        agency=world_a.agency, board=board, kind=DrillKind.EVACUATION, period="term", required=3
    )
    factories.DrillFactory(
        school=world_a.school,
        kind=DrillKind.EVACUATION,
        status="completed",
        started_at=timezone.now() - timedelta(hours=1),
    )
    signed_in(client, world_a.supervisor)
    client.get(reverse("schools:compliance"))

    def queries():
        with CaptureQueriesContext(connection) as context:
            page = client.get(reverse("schools:compliance"))
        assert page.status_code == 200
        return len(context), page.text

    few, html = queries()
    assert world_a.school.name in html and world_b.school.name not in html
    assert "1/3" in html
    for _ in range(12):
        school = factories.SchoolFactory(board=board)
        factories.DrillFactory(school=school, kind=DrillKind.EVACUATION)
    assert queries()[0] == few


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_the_matrix_is_for_supervisors_and_admins(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("schools:compliance")).status_code == 403


def test_school_page_shows_its_compliance(client, world_a):
    signed_in(client, world_a.school_admin)
    page = client.get(reverse("schools:school_detail", args=[world_a.school.pk])).text
    assert "Drill compliance" in page
    assert "Schedule a drill" in page


def test_csv_import_previews_then_imports(client, world_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    board = world_a.school.board.name
    csv = (
        "name,board,grade_from,grade_to\n"
        f"North Ridge High,{board},10,12\nSouth Creek High,{board},K,9\n"
    )
    signed_in(client, world_a.admin)
    upload = SimpleUploadedFile("schools.csv", csv.encode(), content_type="text/csv")
    preview = client.post(reverse("schools:school_import"), {"file": upload})
    assert preview.status_code == 200
    assert "Import 2 schools" in preview.text
    assert not School.objects.filter(name="North Ridge High").exists()  # a dry run

    payload = preview.context["payload"]
    response = client.post(reverse("schools:school_import"), {"payload": payload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("schools:school_list")
    assert "2 schools imported." in response.text
    assert set(School.objects.filter(agency=world_a.agency).values_list("name", flat=True)) >= {
        "North Ridge High",
        "South Creek High",
    }


def test_csv_import_of_one_school_says_so(client, world_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = f"name,board\nNorth Ridge High,{world_a.school.board.name}\n"
    signed_in(client, world_a.admin)
    upload = SimpleUploadedFile("schools.csv", csv.encode(), content_type="text/csv")
    payload = client.post(reverse("schools:school_import"), {"file": upload}).context["payload"]
    response = client.post(reverse("schools:school_import"), {"payload": payload}, follow=True)
    assert "1 school imported." in response.text


def test_csv_import_with_bad_rows_saves_nothing(client, world_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = f"name,board\nGood High,{world_a.school.board.name}\nBad High,No Such Board\n"
    signed_in(client, world_a.admin)
    upload = SimpleUploadedFile("schools.csv", csv.encode(), content_type="text/csv")
    page = client.post(reverse("schools:school_import"), {"file": upload})
    assert page.status_code == 200
    assert "payload" not in page.context or not page.context["payload"]
    assert "text-danger" in page.text
    assert not School.objects.filter(name__in=["Good High", "Bad High"]).exists()


def test_csv_import_refuses_a_forged_payload(client, world_a):
    signed_in(client, world_a.admin)
    response = client.post(reverse("schools:school_import"), {"payload": "forged:payload"})
    assert response.status_code == 200
    assert "expired or was altered" in response.text


def test_the_matrix_filters_by_board_and_by_schools_needing_attention(client, world_a, world_b):
    board = world_a.school.board
    DrillRule.objects.create(
        agency=world_a.agency, board=board, kind=DrillKind.EVACUATION, period="year", required=1
    )
    other_board = factories.SchoolBoardFactory(agency=world_a.agency, name="North board")
    north = factories.SchoolFactory(board=other_board, name="North High")
    done = factories.SchoolFactory(board=board, name="Done High")
    factories.DrillFactory(
        school=done,
        kind=DrillKind.EVACUATION,
        status="completed",
        started_at=timezone.now() - timedelta(hours=1),
    )
    signed_in(client, world_a.supervisor)
    url = reverse("schools:compliance")

    by_board = client.get(url, {"board": other_board.pk}).text
    assert "North High" in by_board and world_a.school.name not in by_board

    # Only schools with a requirement at risk or behind: Done High has its drill.
    year_end = world_a.agency.school_year_for(world_a.agency.today()).end
    with time_machine.travel(year_end, tick=False):
        signed_in(client, world_a.supervisor)  # a new sign-in: months have passed
        attention = client.get(url, {"board": board.pk, "attention": "on"}).text
    assert world_a.school.name in attention and "Done High" not in attention
    assert "North High" not in attention

    # Another agency's board is refused next to the field, and shows none of its schools.
    refused = client.get(url, {"board": world_b.school.board_id})
    assert refused.status_code == 200
    assert refused.context["filters"].errors["board"]
    assert world_b.school.name not in refused.text and north.name in refused.text
