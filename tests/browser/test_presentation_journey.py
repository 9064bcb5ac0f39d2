"""A presentation's journey in the browser: a school admin requests a talk on vaping, the SRO
schedules it from a phone, records it as given, and the teacher's feedback arrives through the
one-time link, opened without an account."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from presentations.models import Feedback, Presentation
from presentations.tokens import feedback_token
from tests.browser.a11y import assert_accessible
from tests.browser.steps import PHONE, assert_fits_the_phone, path_of, sign_in
from tests.factories import TopicFactory
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(moment, world) -> str:
    return moment.astimezone(world.agency.tzinfo).strftime("%Y-%m-%dT%H:%M")


def test_a_talk_goes_from_request_to_feedback(browser, live_server, page_problems, world_a):
    topic = TopicFactory(agency=world_a.agency, title="Vaping", grade_from=5, grade_to=12)
    today = world_a.agency.today()

    # The principal asks for a talk for two grade 8 classes.
    principal = browser.new_page()
    page_problems.watch(principal)
    sign_in(principal, live_server, world_a.school_admin, enrol_totp(world_a.school_admin))
    principal.goto(live_server.url + reverse("presentations:request"))
    assert_accessible(principal)
    principal.get_by_label("Topic").select_option(str(topic.pk))
    principal.get_by_label("Classes").fill("8A and 8B")
    principal.get_by_label("From grade").select_option("8")
    principal.get_by_label("To grade").select_option("8")
    principal.get_by_label("Expected students").fill("54")
    principal.get_by_label("Preferred from").fill((today + timedelta(days=3)).isoformat())
    principal.get_by_label("Preferred until").fill((today + timedelta(days=20)).isoformat())
    principal.get_by_label("What this school needs").fill("Vaping in the washrooms lately.")
    principal.get_by_role("button", name="Send the request").click()
    expect(principal.locator("main")).to_contain_text("was sent")
    assert_accessible(principal)
    talk = Presentation.objects.get()
    assert (talk.school, talk.requested_by) == (world_a.school, world_a.school_admin)
    principal.close()

    # The SRO schedules it from a phone.
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    page_problems.watch(phone)
    sign_in(phone, live_server, world_a.sro, enrol_totp(world_a.sro))
    phone.goto(live_server.url + reverse("presentations:list"))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Vaping").first.click()
    expect(phone).to_have_url(path_of(reverse("presentations:detail", args=[talk.pk])))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Schedule").click()
    # Measured only once the next page is there (mid-navigation the document can be empty).
    expect(phone).to_have_url(path_of(reverse("presentations:schedule", args=[talk.pk])))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    when = timezone.now() + timedelta(days=5)
    phone.get_by_label("Date and time").fill(_local(when, world_a))
    phone.get_by_label("Room").fill("Library")
    phone.get_by_label(str(world_a.sro)).check()
    phone.get_by_role("button", name="Schedule").click()
    expect(phone.locator("main")).to_contain_text("The presentation is scheduled.")
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED and talk.room == "Library"

    # The day comes (the talk is moved into the past in the table), and the SRO records it.
    Presentation.objects.filter(pk=talk.pk).update(scheduled_at=timezone.now() - timedelta(hours=1))
    phone.reload()
    phone.get_by_role("link", name="Record delivery").click()
    expect(phone).to_have_url(path_of(reverse("presentations:deliver", args=[talk.pk])))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.get_by_label("Students reached").fill("51")
    phone.get_by_label("What was tailored").fill("Examples from the school's own washrooms.")
    phone.get_by_role("button", name="Record the delivery").click()
    expect(phone.locator("main")).to_contain_text("Delivery recorded")
    feedback = Feedback.objects.get(presentation=talk)

    # The teacher opens the link the principal forwarded: no account, no sign-in.
    teacher_context = browser.new_context()
    teacher = teacher_context.new_page()
    page_problems.watch(teacher)
    link = live_server.url + reverse("presentations:feedback", args=[feedback_token(feedback)])
    teacher.goto(link)
    expect(teacher.locator("main")).to_contain_text("Vaping")
    assert_accessible(teacher)
    teacher.get_by_label("5: very useful").check()
    teacher.get_by_label("4", exact=True).last.check()  # fit: 4
    teacher.get_by_label("Comment").fill("The students asked questions for an hour after.")
    teacher.get_by_role("button", name="Send feedback").click()
    expect(teacher.locator("main")).to_contain_text("Thank you for your feedback")
    assert_accessible(teacher)
    feedback.refresh_from_db()
    assert (feedback.usefulness, feedback.fit) == (5, 4)

    # The link does not work twice (a page left unwatched: its 410 is the point).
    again = teacher_context.new_page()
    again.goto(link)
    expect(again.locator("main")).to_contain_text("already")
    expect(again.get_by_role("button", name="Send feedback")).to_have_count(0)
    teacher_context.close()

    # The SRO sees the answer on the talk's page.
    phone.goto(live_server.url + reverse("presentations:detail", args=[talk.pk]))
    expect(phone.locator("main")).to_contain_text("The students asked questions")
    assert_accessible(phone)
    phone_context.close()
    assert not page_problems.report(), page_problems.report()
