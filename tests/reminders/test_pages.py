"""Notifications, reminder settings and undelivered reminders, through the real pages."""

import pytest
from django.urls import reverse

from sro_portal.accounts.reminders import INVITATION_EXPIRING
from sro_portal.reminders.models import Reminder, ReminderSettings
from tests import factories
from tests.conftest import TEST_KIND
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _delivered(world, user, **fields):
    return factories.ReminderFactory(
        agency=world.agency,
        obj=world.school,
        recipient=user,
        state=Reminder.State.SENT,
        subject=fields.pop("subject", "Check on the school"),
        body="Time to check.",
        link="/",
        **fields,
    )


def test_notifications_list_own_only_with_unread_count(
    client, world_a, world_b, django_assert_max_num_queries
):
    mine = _delivered(world_a, world_a.sro, subject="Mine to read")
    _delivered(world_a, world_a.supervisor, subject="A colleague's")
    _delivered(world_b, world_b.sro, subject="Another agency's")
    factories.ReminderFactory(obj=world_a.school, recipient=world_a.sro, subject="Not yet due")
    signed_in(client, world_a.sro)
    client.get(reverse("reminders:list"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("reminders:list")).text
    assert "Mine to read" in page
    assert "A colleague's" not in page and "Another agency's" not in page
    assert "Not yet due" not in page
    assert 'id="unread-count">1<' in page
    assert f'id="notification-{mine.pk}"' in page


def test_mark_as_read_with_htmx_returns_the_row(client, world_a):
    reminder = _delivered(world_a, world_a.sro)
    signed_in(client, world_a.sro)
    response = client.post(
        reverse("reminders:read", args=[reminder.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<li class="list-group-item')
    assert "Mark as read" not in response.text
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_mark_all_as_read(client, world_a):
    for _ in range(3):
        _delivered(world_a, world_a.sro)
    other = _delivered(world_a, world_a.supervisor)
    signed_in(client, world_a.sro)
    client.post(reverse("reminders:read_all"))
    assert not Reminder.objects.filter(recipient=world_a.sro, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_settings_save_email_kinds_and_digest(client, world_a):
    signed_in(client, world_a.sro)
    page = client.get(reverse("reminders:settings"))
    assert "An invitation I sent is about to expire" in page.text
    response = client.post(
        reverse("reminders:settings"), {"email_kinds": [INVITATION_EXPIRING], "daily_digest": "on"}
    )
    assert response.status_code == 302
    saved = ReminderSettings.objects.get(user=world_a.sro)
    assert saved.daily_digest
    assert TEST_KIND in saved.in_app_only_kinds
    assert saved.wants_email(INVITATION_EXPIRING)


def test_settings_refuse_forged_kinds(client, world_a):
    signed_in(client, world_a.sro)
    response = client.post(reverse("reminders:settings"), {"email_kinds": ["admin.everything"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not ReminderSettings.objects.exists()


def test_admin_sees_undelivered_reminders_and_sends_again(client, world_a, world_b):
    failed = factories.ReminderFactory(
        obj=world_a.school,
        recipient=world_a.sro,
        state=Reminder.State.FAILED,
        last_error="SMTPRecipientsRefused",
    )
    factories.ReminderFactory(
        obj=world_b.school,
        recipient=world_b.sro,
        state=Reminder.State.FAILED,
        last_error="Bravo's own problem",
    )
    signed_in(client, world_a.admin)
    assert "1 reminder could not be delivered" in client.get(reverse("dashboards:home")).text
    page = client.get(reverse("reminders:failed")).text
    assert "SMTPRecipientsRefused" in page and "Bravo&#x27;s own problem" not in page
    client.post(reverse("reminders:failed_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (Reminder.State.PENDING, 0)


@pytest.mark.parametrize("role", ["supervisor", "sro", "school"])
def test_only_agency_admins_see_undelivered_reminders(client, world_a, role):
    failed = factories.ReminderFactory(
        obj=world_a.school, recipient=world_a.sro, state=Reminder.State.FAILED
    )
    signed_in(client, world_a.users[role])
    assert client.get(reverse("reminders:failed")).status_code == 403
    assert client.post(reverse("reminders:failed_retry", args=[failed.pk])).status_code == 404
    failed.refresh_from_db()
    assert failed.state == Reminder.State.FAILED


@pytest.mark.parametrize("url_name", ["reminders:read", "reminders:failed_retry"])
def test_reminder_actions_reject_get(client, world_a, url_name):
    reminder = _delivered(world_a, world_a.admin)
    signed_in(client, world_a.admin)
    assert client.get(reverse(url_name, args=[reminder.pk])).status_code == 405


def test_the_unread_count_is_the_notifications_unread(world_a, world_b):
    """selectors.unread_count (plain SQL) counts what notification_qs_for lists, unread."""
    from django.utils import timezone

    from sro_portal.reminders.selectors import notification_qs_for, unread_count

    _delivered(world_a, world_a.sro)
    _delivered(world_a, world_a.sro, read_at=timezone.now())
    _delivered(world_a, world_a.supervisor)
    _delivered(world_b, world_b.sro)
    factories.ReminderFactory(obj=world_a.school, recipient=world_a.sro)  # not delivered yet
    for user in (world_a.sro, world_a.supervisor, world_a.admin, world_b.sro):
        expected = notification_qs_for(user).filter(read_at__isnull=True).count()
        assert unread_count(user) == expected
    assert unread_count(world_a.sro) == 1
