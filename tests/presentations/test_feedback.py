"""The teacher's feedback through the one-time link (no account), and the results supervisors
read: the link works once, expires, and a tampered, reused or expired link gets a clear page and
changes nothing; the answers add up to the right averages per topic and per presenter."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from presentations import selectors, services
from presentations.models import Feedback
from presentations.tokens import feedback_token
from sro_portal.accounts.models import Role
from tests.factories import FeedbackFactory, TopicFactory, UserFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

NOT_VALID = "This feedback link is not valid"
CLOSED = "This feedback link was already used or has expired"
ANSWER = {"usefulness": "4", "fit": "5", "comment": "  The students asked great questions.  "}


def delivered(world, *, topic=None, presenters=(), on=None, **fields) -> Feedback:
    """A talk delivered at the world's school (this school year by default), with its open
    feedback row."""
    agency = world.agency
    on = on or agency.school_year_for(agency.today()).start
    when = timezone.make_aware(datetime.combine(on, time(10)), agency.tzinfo)
    topic = topic or TopicFactory(agency=agency)
    feedback = FeedbackFactory(
        presentation__school=world.school,
        presentation__topic=topic,
        presentation__scheduled_at=when,
        **fields,
    )
    feedback.presentation.presenters.set(presenters, through_defaults={"agency_id": agency.pk})
    return feedback


def link(feedback) -> str:
    return reverse("presentations:feedback", args=[feedback_token(feedback)])


def tampered(token: str, at: int) -> str:
    return token[:at] + ("B" if token[at] == "A" else "A") + token[at + 1 :]


def assert_unanswered(feedback):
    feedback.refresh_from_db()
    assert feedback.answered_at is None
    assert (feedback.usefulness, feedback.fit, feedback.comment) == (None, None, "")


# --- The link -----------------------------------------------------------------------------------


def test_the_link_opens_without_an_account_and_names_the_talk_but_no_person(client, world_a):
    feedback = delivered(world_a, presenters=[world_a.sro])
    talk = feedback.presentation

    response = client.get(link(feedback))

    assert response.status_code == 200
    page = response.content.decode()
    day = timezone.localtime(talk.scheduled_at, world_a.agency.tzinfo).date()
    assert talk.topic.title in page and world_a.school.name in page
    assert date_format(day, "DATE_FORMAT") in page
    for person in (talk.requested_by, world_a.sro):
        assert person.full_name not in page and person.email not in page


def test_the_link_s_page_is_private_and_not_indexed(client, world_a):
    response = client.get(link(delivered(world_a)))
    assert '<meta name="robots" content="noindex' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_the_scores_are_labelled_radio_buttons_from_1_to_5(client, world_a):
    page = client.get(link(delivered(world_a))).content.decode()
    for field in ("usefulness", "fit"):
        for score in range(1, 6):
            assert f'id="id_{field}_{score - 1}"' in page
            assert f'for="id_{field}_{score - 1}"' in page
    assert page.count('type="radio"') == 10
    assert page.count("<legend") == 2  # each scale is a group named by its question


def test_the_link_records_the_answer_once_and_thanks_the_teacher(client, world_a):
    feedback = delivered(world_a)

    response = client.post(link(feedback), ANSWER)

    assert response.status_code == 200
    assert "Thank you for your feedback" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    feedback.refresh_from_db()
    assert (feedback.usefulness, feedback.fit) == (4, 5)
    assert feedback.comment == "The students asked great questions."
    assert feedback.answered_at is not None


def test_a_second_answer_changes_nothing_and_gets_the_closed_page(client, world_a):
    feedback = delivered(world_a)
    client.post(link(feedback), ANSWER)
    feedback.refresh_from_db()
    first = (feedback.answered_at, feedback.usefulness, feedback.fit, feedback.comment)

    again = client.post(link(feedback), {"usefulness": "1", "fit": "1", "comment": "Changed"})

    assert again.status_code == 410
    assert CLOSED in again.content.decode()
    feedback.refresh_from_db()
    assert (feedback.answered_at, feedback.usefulness, feedback.fit, feedback.comment) == first
    opened = client.get(link(feedback))
    assert opened.status_code == 410 and CLOSED in opened.content.decode()
    assert 'name="usefulness"' not in opened.content.decode()


def test_an_answer_racing_another_one_changes_nothing(client, world_a, monkeypatch):
    """Two tabs: both saw the form open; the second one's answer is refused by the service's
    compare-and-swap, and the page says so."""
    feedback = delivered(world_a)
    services.feedback_answer(feedback=feedback, usefulness=2, fit=3)
    monkeypatch.setattr(selectors, "feedback_is_open", lambda feedback, now=None: True)

    response = client.post(link(feedback), ANSWER)

    assert response.status_code == 410 and CLOSED in response.content.decode()
    feedback.refresh_from_db()
    assert (feedback.usefulness, feedback.fit) == (2, 3)


def test_an_expired_link_gets_the_closed_page_and_changes_nothing(client, world_a):
    feedback = delivered(world_a)
    url = link(feedback)
    assert client.get(url).status_code == 200

    with time_machine.travel(feedback.expires_at + timedelta(seconds=1)):
        opened = client.get(url)
        answered = client.post(url, ANSWER)

    assert opened.status_code == 410 and CLOSED in opened.content.decode()
    assert answered.status_code == 410 and CLOSED in answered.content.decode()
    assert_unanswered(feedback)


def test_a_link_still_works_just_before_it_expires(client, world_a):
    feedback = delivered(world_a)
    with time_machine.travel(feedback.expires_at - timedelta(minutes=1)):
        assert client.post(link(feedback), ANSWER).status_code == 200
    feedback.refresh_from_db()
    assert feedback.answered_at is not None


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_tampered_link_gets_the_not_valid_page_and_changes_nothing(client, world_a, where):
    feedback = delivered(world_a)
    token = feedback_token(feedback)
    at = 3 if where == "payload" else len(token) - 1
    url = reverse("presentations:feedback", args=[tampered(token, at)])

    opened = client.get(url)
    answered = client.post(url, ANSWER)

    for response in (opened, answered):
        assert response.status_code == 404
        assert NOT_VALID in response.content.decode()
        assert 'name="usefulness"' not in response.content.decode()
    assert_unanswered(feedback)


@pytest.mark.parametrize("token", ["x", "not-a-token:at-all", "A" * 300])
def test_a_made_up_link_gets_the_not_valid_page(client, world_a, token):
    response = client.get(reverse("presentations:feedback", args=[token]))
    assert response.status_code == 404 and NOT_VALID in response.content.decode()


def test_a_link_whose_feedback_row_is_gone_gets_the_not_valid_page(client, world_a):
    feedback = delivered(world_a)
    url = link(feedback)
    feedback.delete()
    response = client.get(url)
    assert response.status_code == 404 and NOT_VALID in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fit": "3"}, "usefulness"),
        ({"usefulness": "3"}, "fit"),
        ({"usefulness": "6", "fit": "3"}, "usefulness"),
        ({"usefulness": "3", "fit": "0"}, "fit"),
        ({"usefulness": "3", "fit": "3", "comment": "x" * 2001}, "comment"),
    ],
)
def test_an_incomplete_answer_is_shown_again_with_the_error_and_the_link_stays_open(
    client, world_a, data, field
):
    feedback = delivered(world_a)
    response = client.post(link(feedback), data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert_unanswered(feedback)
    assert client.post(link(feedback), ANSWER).status_code == 200


def test_a_signed_in_user_can_answer_too(client, world_a):
    feedback = delivered(world_a)
    signed_in(client, world_a.school_admin)
    assert client.get(link(feedback)).status_code == 200
    assert client.post(link(feedback), ANSWER).status_code == 200
    feedback.refresh_from_db()
    assert feedback.usefulness == 4


def test_a_signed_in_user_without_mfa_is_not_sent_to_enrol_to_answer(client, world_a):
    feedback = delivered(world_a)
    client.force_login(world_a.school_admin)  # no authenticator enrolled
    assert client.get(link(feedback)).status_code == 200
    # Every other page still sends them to enrol.
    assert client.get(reverse("presentations:list")).status_code == 302


# --- The results --------------------------------------------------------------------------------


def results(client, **period):
    response = client.get(reverse("presentations:feedback_results"), period)
    assert response.status_code == 200
    return response


def rows(response, table: str) -> dict:
    return {
        score.label: (score.delivered, score.answers, score.usefulness, score.fit)
        for score in response.context[table]
    }


def test_answers_show_in_the_results_with_their_averages(client, world_a):
    vaping = TopicFactory(agency=world_a.agency, title="Vaping")
    safety = TopicFactory(agency=world_a.agency, title="Online safety")
    other_sro = UserFactory(agency=world_a.agency, role=Role.SRO, full_name="Cst. Other")
    world_a.sro.full_name = "Cst. Alpha"
    world_a.sro.save()
    answers = [(5, 4, [world_a.sro]), (4, 3, [world_a.sro, other_sro]), (None, None, [other_sro])]
    for usefulness, fit, presenters in answers:
        feedback = delivered(world_a, topic=vaping, presenters=presenters)
        if usefulness:
            client.post(link(feedback), {"usefulness": usefulness, "fit": fit})
    delivered(world_a, topic=safety, presenters=[world_a.sro])  # not answered
    signed_in(client, world_a.supervisor)

    response = results(client)

    assert rows(response, "by_topic") == {
        "Online safety": (1, 0, None, None),
        "Vaping": (3, 2, 4.5, 3.5),
    }
    assert rows(response, "by_presenter") == {
        "Cst. Alpha": (3, 2, 4.5, 3.5),
        "Cst. Other": (2, 1, 4.0, 3.0),
    }
    page = response.content.decode()
    assert "4.5" in page and "3.5" in page and "no answers" in page


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_the_results_cover_this_school_year_unless_asked_otherwise(client, world_a, role):
    agency = world_a.agency
    year = agency.school_year_for(agency.today())
    old = delivered(world_a, on=year.start - timedelta(days=30))
    services.feedback_answer(feedback=old, usefulness=2, fit=2)
    signed_in(client, world_a.users[role])

    assert rows(results(client), "by_topic") == {}
    assert "No talks delivered in this period." in results(client).content.decode()

    since = year.start - timedelta(days=365)
    chosen = results(client, since=since.isoformat(), until=year.start.isoformat())
    assert rows(chosen, "by_topic") == {old.presentation.topic.title: (1, 1, 2.0, 2.0)}


def test_a_period_ending_before_it_starts_is_shown_as_an_error(client, world_a):
    signed_in(client, world_a.admin)
    response = results(client, since="2025-06-01", until="2025-01-01")
    assert "until" in response.context["form"].errors


def test_the_results_leave_out_another_agency_s_talks(client, world_a, world_b):
    theirs = delivered(world_b)
    services.feedback_answer(feedback=theirs, usefulness=1, fit=1)
    signed_in(client, world_a.supervisor)
    assert rows(results(client), "by_topic") == {}


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_the_results_are_for_supervisors_and_agency_admins_only(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("presentations:feedback_results")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_for_the_results(client, world_a):
    response = client.get(reverse("presentations:feedback_results"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_results_queries_do_not_grow_with_the_talks(client, world_a):
    delivered(world_a, presenters=[world_a.sro])
    signed_in(client, world_a.supervisor)
    results(client)
    with CaptureQueriesContext(connection) as one:
        results(client)
    for _ in range(5):
        feedback = delivered(world_a, presenters=[world_a.sro])
        services.feedback_answer(feedback=feedback, usefulness=3, fit=3)
    with CaptureQueriesContext(connection) as many:
        results(client)
    assert len(many) == len(one) <= 8
