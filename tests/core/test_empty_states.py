"""A new agency, with no board, school, drill or incident yet: each role's home and main lists say
what to do first (with the link to do it, for the agency admin) instead of an empty table; and the
messages that follow an action are Bootstrap alerts announced to screen readers, a status for a
success and an alert for an error."""

import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.utils import render_crispy_form
from django import forms
from django.test import Client
from django.urls import reverse

from sro_portal.accounts.models import Role
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

SCHOOL_CREATE = reverse("schools:school_create")
BOARD_CREATE = reverse("schools:board_create")
ASSIGN = reverse("officers:assignment_create")
DRILL_CREATE = reverse("schools:drill_create")

# (page, what it says, the link it offers or None), for each role of a brand-new agency.
FIRST_STEPS = {
    Role.ADMIN: [
        ("dashboards:home", "Getting started", BOARD_CREATE),
        ("dashboards:home", "Invite your supervisors", reverse("accounts:invite")),
        ("dashboards:home", "Assign officers to schools", ASSIGN),
        ("schools:school_list", "No schools yet. Add your partner boards first", SCHOOL_CREATE),
        ("schools:board_list", "No board yet.", BOARD_CREATE),
        ("schools:drill_list", "No drill yet.", DRILL_CREATE),
        ("officers:coverage", "No school yet.", SCHOOL_CREATE),
        ("officers:assignment_list", "No assignment here.", ASSIGN),
        ("officers:activity_list", "No activity logged yet.", None),
        ("incidents:list", "No incident recorded at your schools yet.", None),
        ("payoff:list", "No agreement at your schools yet.", None),
        ("presentations:topics", "The catalogue is empty", None),
        ("reminders:list", "No notifications yet.", None),
    ],
    Role.SUPERVISOR: [
        ("dashboards:home", "your agency admin adds the partner schools", None),
        ("schools:school_list", "your agency admin adds the partner schools", None),
        ("schools:drill_list", "No drill yet.", None),
        ("officers:coverage", "No school yet.", None),
        ("incidents:list", "No incident recorded at your schools yet.", None),
        ("payoff:list", "No agreement at your schools yet.", None),
        ("presentations:list", "Add topics to the catalogue first", None),
    ],
    Role.SRO: [
        ("dashboards:home", "You have no school assignment today.", None),
        ("schools:school_list", "Your supervisor or agency admin assigns officers", None),
        ("schools:drill_list", "No drill yet.", DRILL_CREATE),
        ("officers:activity_list", "Nothing logged yet.", reverse("officers:activity_create")),
        ("incidents:list", "No incident recorded at your schools yet.", None),
        ("payoff:list", "No agreement at your schools yet.", None),
        ("presentations:list", "Ask your agency's program manager", None),
    ],
    Role.SCHOOL: [
        ("dashboards:home", "Your account is not linked to a school yet.", None),
        ("schools:school_list", "Your account is not linked to a school yet.", None),
        ("schools:drill_list", "No drill yet.", DRILL_CREATE),
        ("incidents:list", "No incident recorded at your schools yet.", None),
        ("presentations:list", "Ask your agency's program manager", None),
    ],
}


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def new_agency():
    return factories.AgencyFactory(slug="new", name="Newly Joined Police Service")


@pytest.mark.parametrize("role", Role.values)
def test_a_new_agency_s_pages_say_what_to_do_first(new_agency, role):
    user = factories.UserFactory(agency=new_agency, role=role, email=f"{role}@new.test")
    client = signed_in(Client(), user)
    missing = []
    for name, text, link in FIRST_STEPS[role]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        main = _main(response.text)
        if text not in _text(main):
            missing.append(f"{name}: no {text!r}")
        if link is not None and f'href="{link}"' not in main:
            missing.append(f"{name}: no link to {link}")
    assert not missing, "\n".join(missing)


def test_filters_that_match_nothing_say_so_rather_than_what_to_do_first(new_agency):
    user = factories.UserFactory(agency=new_agency, role=Role.SCHOOL)
    client = signed_in(Client(), user)
    text = _text(_main(client.get(reverse("schools:drill_list") + "?status=completed").text))
    assert "No drill matches." in text
    assert "No drill yet." not in text


def test_the_admin_is_sent_to_add_a_school_once_there_is_a_board(new_agency):
    admin = factories.UserFactory(agency=new_agency, role=Role.ADMIN)
    factories.SchoolBoardFactory(agency=new_agency)
    main = _main(signed_in(Client(), admin).get(reverse("dashboards:home")).text)
    assert f'href="{SCHOOL_CREATE}"' in main
    assert f'href="{BOARD_CREATE}"' not in main


def _messages(html: str) -> list[tuple[str, str, str]]:
    """(alert class, role, text) of each message shown above the page."""
    found = re.findall(
        r'<div class="alert (alert-\w+)[^"]*" role="(\w+)">\s*(.*?)\s*<button', _main(html), re.S
    )
    return [(kind, role, _text(text)) for kind, role, text in found]


def test_a_success_is_a_status_and_a_refusal_an_alert(world_a):
    client = signed_in(Client(), world_a.admin)
    response = client.post(
        reverse("accounts:invite"),
        {"email": "new.officer@alpha.test", "role": Role.SRO},
        follow=True,
    )
    assert _messages(response.text) == [
        ("alert-success", "status", "Invitation sent to new.officer@alpha.test.")
    ]

    # The admin cannot deactivate themself: the refusal comes back as an alert.
    response = client.post(
        reverse("accounts:member_deactivate", args=[world_a.admin.pk]), follow=True
    )
    assert _messages(response.text) == [
        ("alert-danger", "alert", "You cannot deactivate your own account.")
    ]


class _Meeting(forms.Form):
    starts = forms.TimeField()
    ends = forms.TimeField()

    def clean(self):
        raise forms.ValidationError("The meeting ends before it starts.")


def test_a_form_s_own_error_is_an_alert_too():
    form = _Meeting({"starts": "10:00", "ends": "09:00"})
    form.helper = FormHelper()
    html = render_crispy_form(form)
    assert re.search(r'<div class="alert[^"]*alert-danger" role="alert">', html), html
    assert "The meeting ends before it starts." in html
