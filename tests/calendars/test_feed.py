"""Private calendar links: made, replaced and turned off on the settings page, read by a
calendar app with nothing but the URL. Only the drills and presentations of the user's schools,
and no people."""

import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from presentations.models import Presentation
from schools.models import Drill, DrillKind
from sro_portal.accounts.models import Role
from sro_portal.calendars import services
from sro_portal.calendars.models import CalendarFeed
from sro_portal.calendars.tokens import MAX_TOKEN_LENGTH, feed_key_from_token, feed_token
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

SETTINGS = reverse("calendars:settings")


def _drill(school, *, days: float = 3, **fields) -> Drill:
    """A drill at `school`, planned `days` from now (negative: in the past)."""
    fields.setdefault("kind", DrillKind.LOCKDOWN)
    return Drill.objects.create(
        agency=school.agency,
        school=school,
        planned_at=timezone.now() + timedelta(days=days),
        **fields,
    )


def _talk(school, *, days: float = 3, status=Presentation.Status.SCHEDULED, **fields):
    """A presentation at `school` with a date `days` from now (negative: in the past)."""
    fields.setdefault("scheduled_at", timezone.now() + timedelta(days=days))
    return factories.PresentationFactory(school=school, status=status, **fields)


def _talk_uid(presentation: Presentation) -> str:
    return f"presentation-{presentation.pk}@sro-portal"


def _feed_path(user) -> str:
    """The path of `user`'s feed URL, made through the service."""
    feed = services.feed_create_or_rotate(user=user)
    return reverse("calendars:feed", kwargs={"token": feed_token(feed)})


def _path_on_page(client) -> str:
    """The feed URL the settings page shows, as a path the test client can fetch."""
    page = client.get(SETTINGS)
    assert page.status_code == 200
    match = re.search(r'id="feed-url"[^>]*value="([^"]+)"', page.text)
    assert match, "no calendar link on the page"
    url = match.group(1)
    assert url.startswith("http") and url.endswith(".ics")
    return urlsplit(url).path


def _fetch(client, path) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _uids(calendar: Calendar) -> set[str]:
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def _uid(drill: Drill) -> str:
    return f"drill-{drill.pk}@sro-portal"


def _seconds(moment):
    """iCalendar times have no fractions of a second."""
    return moment.replace(microsecond=0)


def _key(path: str) -> uuid.UUID | None:
    return feed_key_from_token(path.removeprefix("/calendar/").removesuffix(".ics"))


def _unfolded(response) -> str:
    """The body with iCalendar's 75-octet line folds joined back, so no text hides in a fold."""
    return response.content.decode().replace("\r\n ", "").replace("\r\n\t", "")


# --- From the settings page to the calendar app ----------------------------------------------


def test_create_link_and_the_feed_has_the_drills_of_my_schools_only(client, world_a, world_b):
    mine = _drill(world_a.school, announced=False)
    not_my_school = _drill(world_a.other_school)
    other_agency = _drill(world_b.school)
    signed_in(client, world_a.sro)
    assert "Create my calendar link" in client.get(SETTINGS).text

    response = client.post(SETTINGS, {"action": "create"})
    assert response.status_code == 302 and response.url == SETTINGS
    page = client.get(SETTINGS).text
    assert "Your calendar link is ready" in page
    assert "webcal://" in page and "Turn off my calendar link" in page

    calendar = _fetch(client.__class__(), _path_on_page(client))  # a calendar app: no session
    assert _uids(calendar) == {_uid(mine)}
    assert _uid(not_my_school) not in _uids(calendar)
    assert _uid(other_agency) not in _uids(calendar)
    assert str(calendar["X-WR-CALNAME"]) == f"SRO Portal: {world_a.agency.name}"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Lockdown drill · {world_a.school.name} (unannounced)"
    assert str(event["LOCATION"]).startswith(world_a.school.name)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.start == _seconds(mine.planned_at)
    assert event.end == _seconds(mine.planned_at + timedelta(minutes=30))
    assert "DTSTAMP" in event
    assert str(event["URL"]) == f"{settings.SITE_URL}/drills/{mine.pk}/"


def test_agency_wide_roles_get_every_school_of_their_agency(client, world_a, world_b):
    drills = [_drill(world_a.school), _drill(world_a.other_school)]
    _drill(world_b.school)
    calendar = _fetch(client, _feed_path(world_a.supervisor))
    assert _uids(calendar) == {_uid(drill) for drill in drills}


def test_another_agency_s_user_with_their_own_link_never_sees_our_drills(client, world_a, world_b):
    ours = [_drill(world_a.school), _drill(world_a.other_school)]
    theirs = _drill(world_b.school)
    _feed_path(world_a.admin)
    calendar = _fetch(client, _feed_path(world_b.admin))
    assert _uids(calendar) == {_uid(theirs)}
    assert not _uids(calendar) & {_uid(drill) for drill in ours}
    assert world_a.agency.name not in str(calendar["X-WR-CALNAME"])


def test_a_recorded_drill_shows_when_it_actually_ran(client, world_a):
    started = timezone.now() - timedelta(days=2)
    drill = _drill(
        world_a.school,
        days=-2.1,
        kind=DrillKind.EVACUATION,
        status=Drill.Status.COMPLETED,
        started_at=started,
        ended_at=started + timedelta(minutes=12),
    )
    (event,) = _fetch(client, _feed_path(world_a.sro)).walk("VEVENT")
    assert str(event["UID"]) == _uid(drill)
    assert str(event["SUMMARY"]) == f"Evacuation / fire drill · {world_a.school.name}"
    assert event.start == _seconds(drill.started_at)
    assert event.end == _seconds(drill.ended_at)
    assert str(event["STATUS"]) == "CONFIRMED"


def test_cancelled_and_old_drills_are_left_out(client, world_a):
    kept = [_drill(world_a.school, days=-300), _drill(world_a.school, days=40)]
    _drill(world_a.school, status=Drill.Status.CANCELLED, cancelled_reason="Snow day")
    _drill(world_a.school, days=-400, status=Drill.Status.COMPLETED)
    assert _uids(_fetch(client, _feed_path(world_a.sro))) == {_uid(drill) for drill in kept}


def test_the_feed_follows_the_user_s_schools_as_they_change(client, world_a):
    _drill(world_a.school)
    path = _feed_path(world_a.sro)
    world_a.sro.assignments.update(ends_on=world_a.agency.today() - timedelta(days=1))
    calendar = _fetch(client, path)
    assert _uids(calendar) == set()


# --- Presentations: scheduled and delivered talks of the user's schools ----------------------


def test_a_scheduled_presentation_of_my_school_is_in_my_feed(client, world_a):
    topic = factories.TopicFactory(agency=world_a.agency, title="Vaping", minutes=45)
    talk = _talk(world_a.school, days=4, topic=topic, room="Library")
    (event,) = _fetch(client, _feed_path(world_a.sro)).walk("VEVENT")
    assert str(event["UID"]) == _talk_uid(talk)
    assert str(event["SUMMARY"]) == f"Vaping · {world_a.school.name}"
    assert str(event["LOCATION"]) == f"{world_a.school.name}, Library"
    assert str(event["DESCRIPTION"]) == "Status: Scheduled"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["CLASS"]) == "PRIVATE"
    assert event.start == _seconds(talk.scheduled_at)
    assert event.end == _seconds(talk.scheduled_at + timedelta(minutes=45))
    assert event["DTSTAMP"].dt == _seconds(talk.updated_at)
    assert event["LAST-MODIFIED"].dt == _seconds(talk.updated_at)
    assert str(event["URL"]) == f"{settings.SITE_URL}/presentations/{talk.pk}/"


def test_drills_and_presentations_share_the_feed(client, world_a):
    drill = _drill(world_a.school)
    talk = _talk(world_a.school, days=6)
    assert _uids(_fetch(client, _feed_path(world_a.school_admin))) == {
        _uid(drill),
        _talk_uid(talk),
    }


def test_a_delivered_presentation_stays_and_old_ones_leave(client, world_a):
    delivered = _talk(
        world_a.school, days=-300, status=Presentation.Status.DELIVERED, students_reached=48
    )
    _talk(world_a.school, days=-400, status=Presentation.Status.DELIVERED, students_reached=48)
    calendar = _fetch(client, _feed_path(world_a.sro))
    assert _uids(calendar) == {_talk_uid(delivered)}
    (event,) = calendar.walk("VEVENT")
    assert str(event["DESCRIPTION"]) == "Status: Delivered"


def test_requested_and_cancelled_presentations_are_left_out(client, world_a):
    kept = _talk(world_a.school, days=10)
    _talk(world_a.school, status=Presentation.Status.REQUESTED, scheduled_at=None)
    # The status decides, not the date: a date on a request or a called-off talk is not a plan.
    _talk(world_a.school, days=5, status=Presentation.Status.REQUESTED)
    _talk(world_a.school, days=5, status=Presentation.Status.CANCELLED, cancel_reason="Snow day")
    assert _uids(_fetch(client, _feed_path(world_a.sro))) == {_talk_uid(kept)}


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_talks_at_another_school_of_my_agency_are_not_in_my_feed(client, world_a, role):
    mine = _talk(world_a.school)
    _talk(world_a.other_school)
    assert _uids(_fetch(client, _feed_path(world_a.users[role]))) == {_talk_uid(mine)}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_agency_wide_roles_get_the_talks_of_every_school(client, world_a, world_b, role):
    talks = [_talk(world_a.school), _talk(world_a.other_school)]
    _talk(world_b.school)
    calendar = _fetch(client, _feed_path(world_a.users[role]))
    assert _uids(calendar) == {_talk_uid(talk) for talk in talks}


@pytest.mark.parametrize("role", Role.values)
def test_another_agency_s_talks_are_never_in_my_feed(client, world_a, world_b, role):
    theirs = [_talk(world_b.school), _talk(world_b.other_school)]
    calendar = _fetch(client, _feed_path(world_a.users[role]))
    assert not _uids(calendar) & {_talk_uid(talk) for talk in theirs}
    assert world_b.school.name not in client.get(_feed_path(world_a.users[role])).text


def test_the_feed_follows_the_sro_s_schools_for_talks_too(client, world_a):
    _talk(world_a.school)
    path = _feed_path(world_a.sro)
    world_a.sro.assignments.update(ends_on=world_a.agency.today() - timedelta(days=1))
    assert _uids(_fetch(client, path)) == set()


def test_a_talk_in_the_feed_says_nothing_about_people_or_classes(client, world_a):
    requester = factories.UserFactory(
        agency=world_a.agency, role=Role.SCHOOL, full_name="Principal Odile Vantongeren"
    )
    presenter = factories.UserFactory(
        agency=world_a.agency, role=Role.SRO, full_name="Cst. Bartholomew Quince"
    )
    talk = _talk(
        world_a.school,
        days=-2,
        status=Presentation.Status.DELIVERED,
        requested_by=requester,
        delivered_by=presenter,
        classes="Ms. Roy's homeroom",
        needs="Student John Doe was caught vaping",
        students_reached=51,
        classes_reached="Ms. Roy's homeroom and 9C",
        tailoring="Spoke about the washroom incident",
        follow_up_questions="Asked about a friend named Jane Poe",
    )
    talk.presenters.set([presenter, world_a.sro], through_defaults={"agency": world_a.agency})
    response = client.get(_feed_path(world_a.sro))
    assert response.status_code == 200
    body = _unfolded(response)
    assert _talk_uid(talk) in body
    for secret in (
        "Odile Vantongeren",
        requester.email,
        "Bartholomew Quince",
        presenter.email,
        world_a.sro.full_name,
        "Roy",
        "9C",
        "John Doe",
        "washroom",
        "Jane Poe",
    ):
        assert secret not in body
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert set(event) == {
        "UID",
        "DTSTAMP",
        "LAST-MODIFIED",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "STATUS",
        "CLASS",
        "URL",
    }


@override_settings(ROOT_URLCONF="tests.calendars.urls_without_drill_pages")
def test_talks_have_no_link_where_there_is_no_presentation_page(client, world_a):
    _talk(world_a.school)
    feed = services.feed_create_or_rotate(user=world_a.sro)
    (event,) = _fetch(client, f"/calendar/{feed_token(feed)}.ics").walk("VEVENT")
    assert "URL" not in event


# --- Privacy: kind, school, time and status; nothing about people ----------------------------


def test_the_feed_has_no_observations_and_no_names(client, world_a):
    leader = factories.UserFactory(
        agency=world_a.agency, role=Role.SRO, full_name="Cst. Leonora Marchetti"
    )
    _drill(
        world_a.school,
        days=-1,
        status=Drill.Status.COMPLETED,
        leader=leader,
        recorded_by=world_a.school_admin,
        observations="Student John Doe hid in the washroom",
        participants=412,
    )
    response = client.get(_feed_path(world_a.sro))
    assert response.status_code == 200
    body = _unfolded(response)
    assert "VEVENT" in body
    for secret in (
        "John Doe",
        "washroom",
        "Leonora Marchetti",
        leader.email,
        world_a.school_admin.full_name,
        world_a.sro.full_name,  # the feed's owner
        world_a.sro.email,
    ):
        assert secret not in body


def test_the_feed_is_worded_in_the_owner_s_language(client, world_a):
    """A calendar app asks, not the user: the events are in the language the feed's owner chose,
    whatever the app's Accept-Language."""
    world_a.sro.language = "fr"
    world_a.sro.save(update_fields=["language"])
    _drill(world_a.school)
    response = client.get(_feed_path(world_a.sro), HTTP_ACCEPT_LANGUAGE="en")
    calendar = Calendar.from_ical(response.content)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries == [f"Exercice : Confinement barricadé · {world_a.school.name}"]


def test_the_key_stays_out_of_the_audit_trail():
    event_model = apps.get_model("calendars", "CalendarFeedEvent")
    assert "key" not in {field.name for field in event_model._meta.fields}


@pytest.mark.postgres
def test_making_replacing_and_turning_off_a_link_is_audited_by_whom(client, world_a):
    signed_in(client, world_a.sro)
    for action in ("create", "rotate", "revoke"):
        client.post(SETTINGS, {"action": action})
    feed = CalendarFeed.objects.get(user=world_a.sro)
    events = list(CalendarFeed.pgh_event_model.objects.filter(pgh_obj=feed).order_by("pgh_id"))
    assert [(e.pgh_label, e.is_active) for e in events] == [
        ("insert", True),
        ("update", True),
        ("update", False),
    ]
    assert all(e.pgh_context.metadata["user"] == world_a.sro.pk for e in events)


# --- Replacing and turning off the link -------------------------------------------------------


def test_a_new_link_voids_the_old_one(client, world_a):
    _drill(world_a.school)
    signed_in(client, world_a.sro)
    client.post(SETTINGS, {"action": "create"})
    old = _path_on_page(client)
    response = client.post(SETTINGS, {"action": "rotate"})
    assert response.status_code == 302
    assert "The old one no longer works" in client.get(SETTINGS).text
    new = _path_on_page(client)

    app = client.__class__()
    assert _key(new) != _key(old)
    assert app.get(old).status_code == 404
    assert len(_fetch(app, new).walk("VEVENT")) == 1
    assert CalendarFeed.objects.filter(user=world_a.sro).count() == 1


def test_turning_the_link_off_makes_it_404_and_a_new_one_can_be_made(client, world_a):
    signed_in(client, world_a.school_admin)
    client.post(SETTINGS, {"action": "create"})
    old = _path_on_page(client)
    response = client.post(SETTINGS, {"action": "revoke"})
    assert response.status_code == 302
    page = client.get(SETTINGS).text
    assert "Your calendar link is turned off" in page
    assert "Create my calendar link" in page and 'id="feed-url"' not in page
    assert client.__class__().get(old).status_code == 404
    assert not CalendarFeed.objects.get(user=world_a.school_admin).is_active

    client.post(SETTINGS, {"action": "create"})
    new = _path_on_page(client)
    assert _key(new) != _key(old)
    assert client.__class__().get(old).status_code == 404
    assert client.__class__().get(new).status_code == 200


def test_turning_off_twice_says_there_is_nothing_to_turn_off(client, world_a):
    signed_in(client, world_a.sro)
    response = client.post(SETTINGS, {"action": "revoke"}, follow=True)
    assert "You have no calendar link to turn off" in response.text
    assert not CalendarFeed.objects.filter(user=world_a.sro).exists()


def test_create_again_keeps_the_link_already_made(client, world_a):
    # A second tab or a double click must not void the link just pasted into a calendar app.
    signed_in(client, world_a.sro)
    client.post(SETTINGS, {"action": "create"})
    first = _path_on_page(client)
    response = client.post(SETTINGS, {"action": "create"}, follow=True)
    assert "You already have a calendar link" in response.text
    # Each signing carries its time, so the URL text differs; the key inside it is the same.
    assert _key(_path_on_page(client)) == _key(first) is not None


def test_a_deactivated_user_s_link_answers_404(client, world_a):
    path = _feed_path(world_a.sro)
    assert client.get(path).status_code == 200
    type(world_a.sro).objects.filter(pk=world_a.sro.pk).update(is_active=False)
    assert client.get(path).status_code == 404


def test_a_deactivated_agency_s_links_answer_404(client, world_a):
    path = _feed_path(world_a.admin)
    type(world_a.agency).objects.filter(pk=world_a.agency.pk).update(is_active=False)
    assert client.get(path).status_code == 404


# --- Tokens -----------------------------------------------------------------------------------


def _tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda good: "abc", id="short"),
        pytest.param(lambda good: "x" * 500, id="oversized"),
        pytest.param(lambda good: good + "x" * 500, id="genuine-then-oversized"),
        pytest.param(_tampered, id="tampered-signature"),
        pytest.param(lambda good: good.split(":")[0], id="no-signature"),
        pytest.param(lambda good: str(uuid.uuid4()), id="bare-uuid"),
        pytest.param(
            lambda good: signing.Signer(salt="sro_portal.calendars.feed").sign(uuid.uuid4().hex),
            id="genuine-unknown-key",
        ),
        pytest.param(
            lambda good: signing.Signer(salt="sro_portal.calendars.feed").sign("not-a-uuid"),
            id="genuine-not-a-key",
        ),
        pytest.param(
            lambda good: signing.Signer(salt="sro_portal.accounts.invitation").sign(
                good.split(":")[0]
            ),
            id="right-key-wrong-salt",
        ),
    ],
)
def test_bad_tokens_answer_a_plain_404(client, world_a, make_token):
    _drill(world_a.school)
    good = _feed_path(world_a.sro).removeprefix("/calendar/").removesuffix(".ics")
    response = client.get(f"/calendar/{make_token(good)}.ics")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert "VCALENDAR" not in response.text and world_a.school.name not in response.text


@pytest.mark.parametrize("token", [None, "", 42, "a" * (MAX_TOKEN_LENGTH + 1), "é:ü"])
def test_token_parser_answers_none_to_anything_odd(token):
    assert feed_key_from_token(token) is None


def test_feed_response_is_never_cached_and_not_indexed(client, world_a):
    response = client.get(_feed_path(world_a.sro))
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert client.head(_feed_path(world_a.sro)).status_code == 200
    assert client.post(_feed_path(world_a.sro)).status_code == 405


# --- Who may use the settings page, and how ----------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_agency_role_can_make_a_link(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.post(SETTINGS, {"action": "create"}).status_code == 302
    assert CalendarFeed.objects.get(user=world_a.users[role]).agency == world_a.agency


def test_platform_staff_are_refused(client, world_a, django_user_model):
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    signed_in(client, staff)
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, {"action": "create"}).status_code == 403
    assert not CalendarFeed.objects.exists()
    with pytest.raises(services.PermissionDenied):
        services.feed_create_or_rotate(user=staff)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_actions_need_a_post(client, world_a):
    path = _feed_path(world_a.sro)
    signed_in(client, world_a.sro)
    for action in ("create", "rotate", "revoke"):
        assert client.get(SETTINGS, {"action": action}).status_code == 200
    assert client.put(SETTINGS, {"action": "revoke"}).status_code == 405
    assert client.delete(SETTINGS).status_code == 405
    assert client.post(SETTINGS, {"action": "explode"}).status_code == 400
    assert client.post(SETTINGS).status_code == 400
    assert client.__class__().get(path).status_code == 200  # nothing was turned off


def test_the_settings_page_shows_only_my_own_link(client, world_a):
    colleague_path = _feed_path(world_a.supervisor)
    signed_in(client, world_a.sro)
    page = client.get(SETTINGS).text
    assert "Create my calendar link" in page
    assert colleague_path.removesuffix(".ics") not in page


# --- Queries --------------------------------------------------------------------------------


def _queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_feed_queries_do_not_grow_with_the_drills(client, world_a):
    path = _feed_path(world_a.sro)
    _drill(world_a.school)
    one = _queries_for(client, path)
    for day in range(19):
        _drill(world_a.school, days=day + 5)
    assert len(_fetch(client, path).walk("VEVENT")) == 20
    assert _queries_for(client, path) == one <= 3


def test_feed_queries_do_not_grow_with_the_presentations(client, world_a):
    path = _feed_path(world_a.sro)
    _drill(world_a.school)
    _talk(world_a.school)
    one = _queries_for(client, path)
    for day in range(19):
        _talk(world_a.school, days=day + 5)  # each with its own topic and requester
        _talk(world_a.school, days=-day - 5, status=Presentation.Status.DELIVERED)
    assert len(_fetch(client, path).walk("VEVENT")) == 40
    assert _queries_for(client, path) == one <= 3


@override_settings(ROOT_URLCONF="tests.calendars.urls_without_drill_pages")
def test_events_have_no_link_while_there_is_no_drill_page(client, world_a):
    _drill(world_a.school)
    feed = services.feed_create_or_rotate(user=world_a.sro)
    (event,) = _fetch(client, f"/calendar/{feed_token(feed)}.ics").walk("VEVENT")
    assert "URL" not in event


def test_the_link_is_the_same_each_time_it_is_shown(client, world_a):
    services.feed_create_or_rotate(user=world_a.sro)
    signed_in(client, world_a.sro)
    assert _path_on_page(client) == _path_on_page(client)
