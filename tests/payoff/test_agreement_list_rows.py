"""The agreement list's rows, drawn in Python (payoff.views.agreements.rows_html), are what the
template's loop drew before, in English and French, with HTML-special characters in the names;
and the progress of a page's agreements, read in one query (payoff.selectors.percent_by_agreement),
is each agreement's own overall progress."""

from datetime import timedelta

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from payoff import selectors, services
from payoff.models import Agreement, Basis, Task
from payoff.templatetags.agreement_badges import status_badge_html
from schools.models import School
from tests.factories import StudentFactory
from tests.helpers import signed_in
from tests.payoff.test_agreement_pages import (
    active_agreement,
    add_task,
    log,
    make_agreement,
    record_consent,
)

pytestmark = pytest.mark.django_db

# The list's rows as templates/payoff/agreement_list.html drew them, with the values its view
# computed for each row (`expected_rows` below).
TEMPLATE_ROWS = """{% load i18n l10n %}{% translate "Progress" as progress_label %}\
{% for agreement in page %}
    <tr>
      <td class="text-nowrap"><a href="{{ agreement.url }}">{{ agreement.title }}</a></td>
      <td>{{ agreement.student_name }}</td>
      <td>{{ agreement.school_name }}</td>
      <td class="small">{{ agreement.basis_label }}</td>
      <td>{{ agreement.status_badge }}</td>
      <td class="text-nowrap"><progress value="{{ agreement.percent|unlocalize }}" max="100" \
aria-label="{{ progress_label }}"></progress> \
<span class="small">{{ agreement.percent }}%</span></td>
      <td>{{ agreement.due_label }}</td>
    </tr>
  {% endfor %}"""


def expected_rows(agreements) -> str:
    """The rows as the template drew them, each value computed for one agreement at a time."""
    bases = dict(Basis.choices)
    for agreement in agreements:
        agreement.percent = selectors.overall_percent(selectors.progress_of(agreement))
        agreement.title = _title(agreement.pk)
        agreement.url = reverse("payoff:detail", args=[agreement.pk])
        agreement.basis_label = str(bases[agreement.basis])
        agreement.status_badge = status_badge_html(agreement.status)
        agreement.due_label = date_format(agreement.due_on)
    return engines["django"].from_string(TEMPLATE_ROWS).render({"page": agreements})


def _title(number: int) -> str:
    return translation.gettext("Agreement #%(number)s") % {"number": number}


def rows_of(page: str) -> str:
    return page.partition("<tbody>\n  ")[2].partition("\n  </tbody>")[0]


def varied_agreements(world) -> list[Agreement]:
    """Every status and basis, progress of 0, 37, 75 and 100 %, names with <, >, & and quotes."""
    odd_school = School.objects.filter(pk=world.other_school.pk)
    odd_school.update(name='Saint-<Jean> & "Fils" l\'École')
    student = StudentFactory(school=world.school, first_name="<Zoë>", last_name='O\'Brien & "Co"')
    draft = make_agreement(world, basis=Basis.MEASURE, student=student)
    school_run = make_agreement(world, basis=Basis.SCHOOL, school=world.other_school)
    half, task = active_agreement(world, due_on=world.agency.today() + timedelta(days=400))
    log(world, half, task, hours="1.5")  # 75 %
    two_tasks = make_agreement(world, basis=Basis.SCHOOL)
    hours_task = add_task(world, two_tasks)  # 2 hours
    add_task(world, two_tasks, required="3", unit=Task.Unit.SESSIONS)
    record_consent(world, two_tasks)
    services.agreement_activate(actor=world.admin, agreement=two_tasks)
    log(world, two_tasks, hours_task, hours="1.5")  # (75 + 0) // 2: 37 %
    done, done_task = active_agreement(world)
    log(world, done, done_task, hours="2")
    services.agreement_complete(actor=world.admin, agreement=done)
    withdrawn = make_agreement(world)
    services.agreement_withdraw(actor=world.admin, agreement=withdrawn, reason="Moved away")
    return [draft, school_run, half, two_tasks, done, withdrawn]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_rows_are_what_the_template_drew(client, world_a, language):
    varied_agreements(world_a)
    world_a.supervisor.language = language
    world_a.supervisor.save()
    response = signed_in(client, world_a.supervisor).get(reverse("payoff:list"))
    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert len(listed) == 6

    with translation.override(language):
        expected = expected_rows(listed)
    assert rows_of(response.text) == expected
    assert "&lt;Zoë&gt; O&#x27;Brien &amp; &quot;Co&quot;" in expected
    assert "Saint-&lt;Jean&gt; &amp; &quot;Fils&quot; l&#x27;École" in expected
    for percent in (0, 37, 75, 100):
        assert f'<progress value="{percent}" max="100"' in expected
        assert f">{percent}%<" in expected


def test_the_list_without_rows_says_so(client, world_a):
    page = signed_in(client, world_a.supervisor).get(reverse("payoff:list")).text
    assert rows_of(page) == (
        '\n    <tr><td colspan="7" class="text-body-secondary">'
        "No agreement at your schools yet.</td></tr>\n  "
    )
    filtered = client.get(reverse("payoff:list"), {"status": "active"}).text
    assert "No agreement matches." in rows_of(filtered)


def test_the_page_s_progress_is_each_agreement_s_own(world_a):
    no_tasks = make_agreement(world_a)
    hours, hours_task = active_agreement(world_a)  # 2 hours required
    log(world_a, hours, hours_task, hours="0.75")
    log(world_a, hours, hours_task, hours="0.5")
    mixed = make_agreement(world_a)
    add_task(world_a, mixed, required="3")
    add_task(world_a, mixed, required="3", unit=Task.Unit.SESSIONS)
    over, over_task = active_agreement(world_a)
    log(world_a, over, over_task, hours="5")  # more than required: 100 %
    agreements = [no_tasks, hours, mixed, over]

    percents = selectors.percent_by_agreement(world_a.supervisor, agreements)

    assert percents == {
        agreement.pk: selectors.overall_percent(selectors.progress_of(agreement))
        for agreement in agreements
        if Task.objects.filter(agreement=agreement).exists()
    }
    assert percents == {hours.pk: 62, mixed.pk: 0, over.pk: 100}
    assert selectors.percent_by_agreement(world_a.supervisor, []) == {}


def test_the_page_s_progress_is_only_of_agreements_the_user_sees(world_a):
    """An SRO asking for the progress of an agreement at a school not theirs gets none of it."""
    mine, mine_task = active_agreement(world_a)
    log(world_a, mine, mine_task, hours="1")
    theirs = make_agreement(world_a, school=world_a.other_school)
    add_task(world_a, theirs, required="2")

    percents = selectors.percent_by_agreement(world_a.sro, [mine, theirs])

    assert percents == {mine.pk: 50}
