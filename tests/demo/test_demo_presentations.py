"""The demo's presentations: a catalogue and a school year of talks in every status, with
feedback, reminders for what is still to come, and nothing that names a student."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from officers.models import Assignment, Student
from presentations import reminders
from presentations.models import Feedback, Presentation, Presenter, ScheduleChange, Topic
from presentations.services import STANDARD_TOPICS
from sro_portal.accounts.models import Agency, Role, User
from sro_portal.calendars import services as calendar_services
from sro_portal.calendars.tokens import feed_token
from sro_portal.demo.seed import delete_demo, seed_demo
from sro_portal.reminders.models import Reminder

pytestmark = pytest.mark.django_db

Status = Presentation.Status


@pytest.fixture
def demo():
    seed_demo()
    return {agency.slug: agency for agency in Agency.objects.filter(slug__in=["eps", "northvale"])}


def _reminders(kind: str, talks) -> set[int]:
    return {
        int(object_id)
        for object_id in Reminder.objects.filter(
            kind=kind, object_id__in=[str(talk.pk) for talk in talks]
        ).values_list("object_id", flat=True)
    }


def _check_catalogue(agency) -> None:
    topics = {topic.title: topic for topic in Topic.objects.filter(agency=agency)}
    assert set(topics) == {title for title, *_rest in STANDARD_TOPICS}
    assert topics["Vaping"].partner.name == "Alberta Health Services (demo)"
    assert topics["Online safety"].partner.name == "Canadian Centre for Child Protection (demo)"
    assert all(topic.partner.agency_id == agency.pk for topic in topics.values() if topic.partner)


def _check_talks(agency) -> None:
    talks = list(Presentation.objects.filter(agency=agency))
    by_status = {status: [t for t in talks if t.status == status] for status in Status.values}
    assert all(by_status.values()), {status: len(rows) for status, rows in by_status.items()}
    assert len(by_status[Status.DELIVERED]) > len(talks) / 2  # most were given already
    now = timezone.now()
    assert all(talk.scheduled_at < now for talk in by_status[Status.DELIVERED])
    assert all(talk.students_reached and talk.tailoring for talk in by_status[Status.DELIVERED])
    assert all(talk.scheduled_at > now for talk in by_status[Status.SCHEDULED])
    assert all(talk.cancel_reason for talk in by_status[Status.CANCELLED])
    assert ScheduleChange.objects.filter(agency=agency).exists()
    # One feedback link per delivered talk, open for 30 days from the talk; most answered.
    feedback = list(Feedback.objects.filter(agency=agency).select_related("presentation"))
    assert {row.presentation_id for row in feedback} == {t.pk for t in by_status[Status.DELIVERED]}
    assert all(
        row.expires_at == row.presentation.scheduled_at + timedelta(days=30) for row in feedback
    )
    answered = [row for row in feedback if row.answered_at is not None]
    assert len(answered) >= len(feedback) / 2
    assert all(row.answered_at <= now and 1 <= row.usefulness <= 5 for row in answered)
    assert sum(row.usefulness >= 3 for row in answered) > len(answered) * 0.8


def _each_demo_agency_has_the_catalogue_and_talks_in_every_status(demo):
    for agency in demo.values():
        _check_catalogue(agency)
        _check_talks(agency)
    assert (
        Presentation.objects.filter(agency=demo["northvale"]).count()
        < Presentation.objects.filter(agency=demo["eps"]).count()
    )


def _eps_has_a_school_year_of_talks_by_the_school_s_people_with_reminders(demo):
    eps = demo["eps"]
    talks = Presentation.objects.filter(agency=eps)
    year_start = eps.school_year_for(eps.today()).start
    assert talks.values("school").distinct().count() == 16
    assert 16 * 4 <= talks.count() <= 16 * 8
    assert talks.filter(status=Status.DELIVERED, scheduled_at__date__gte=year_start).exists()
    requested = list(talks.filter(status=Status.REQUESTED))
    assert 2 <= len(requested) <= 3
    assert any(talk.created_at < timezone.now() - timedelta(days=7) for talk in requested)
    assert 1 <= talks.filter(status=Status.CANCELLED).count() <= 2

    # Presenters: SROs assigned to the school; every scheduled or delivered talk has one.
    assigned = set(Assignment.objects.filter(agency=eps).values_list("school_id", "officer_id"))
    links = list(Presenter.objects.filter(agency=eps).select_related("presentation", "user"))
    assert links
    assert all((link.presentation.school_id, link.user_id) in assigned for link in links)
    assert all(link.user.role == Role.SRO for link in links)
    planned = talks.filter(status__in=[Status.SCHEDULED, Status.DELIVERED])
    assert set(planned.values_list("pk", flat=True)) <= {link.presentation_id for link in links}
    requesters = User.objects.filter(pk__in=talks.values("requested_by"))
    assert set(requesters.values_list("role", flat=True)) == {Role.SCHOOL, Role.SRO}

    # What is still to come has its reminders; the request waiting over a week is due now.
    coming = list(talks.filter(status=Status.SCHEDULED))
    assert _reminders(reminders.UPCOMING_1_DAY, coming) == {talk.pk for talk in coming}
    assert _reminders(reminders.REQUEST_WAITING, requested) == {talk.pk for talk in requested}
    assert Reminder.objects.filter(
        agency=eps, kind=reminders.REQUEST_WAITING, due_at__lte=timezone.now()
    ).exists()


def _no_demo_talk_or_feedback_names_a_student(demo):
    names = {
        name
        for first, last in Student.objects.values_list("first_name", "last_name")
        for name in (first, last)
    }
    texts = [
        " ".join(row)
        for row in Presentation.objects.values_list(
            "classes",
            "needs",
            "classes_reached",
            "tailoring",
            "follow_up_questions",
            "cancel_reason",
        )
    ]
    texts += list(Feedback.objects.values_list("comment", flat=True))
    texts += list(ScheduleChange.objects.values_list("reason", flat=True))
    assert names and texts
    assert not [text for text in texts if any(name in text for name in names)]


def _a_demo_sro_s_calendar_shows_their_talks(client, demo):
    sro = User.objects.get(email="sro@eps.demo")
    feed = calendar_services.feed_create_or_rotate(user=sro)
    response = client.get(reverse("calendars:feed", kwargs={"token": feed_token(feed)}))
    assert response.status_code == 200
    uids = {str(event["UID"]) for event in Calendar.from_ical(response.content).walk("VEVENT")}
    assert any(uid.startswith("presentation-") for uid in uids)


def _the_demo_can_be_deleted_and_built_again(demo):
    delete_demo()
    assert not Presentation.objects.exists() and not Topic.objects.exists()
    seed_demo()
    assert Presentation.objects.filter(agency__slug="eps").count() >= 64


def test_the_demo_s_presentations(client, demo):
    """One test, one seed (seeding the whole demo takes seconds): each check in turn, the
    rebuild last."""
    _each_demo_agency_has_the_catalogue_and_talks_in_every_status(demo)
    _eps_has_a_school_year_of_talks_by_the_school_s_people_with_reminders(demo)
    _no_demo_talk_or_feedback_names_a_student(demo)
    _a_demo_sro_s_calendar_shows_their_talks(client, demo)
    _the_demo_can_be_deleted_and_built_again(demo)
