"""Reads of reminders: a user's own notifications, and the agency's failed deliveries."""

from django.db import connection
from django.db.models import QuerySet

from sro_portal.reminders.models import Reminder
from sro_portal.tenancy import get_in_scope_or_404


def notification_qs_for(user) -> QuerySet[Reminder]:
    """The reminders delivered to `user`: their in-app notifications, newest first."""
    if not user.is_authenticated or user.agency_id is None:
        return Reminder.objects.none()
    return Reminder.objects.filter(
        agency_id=user.agency_id, recipient=user, state=Reminder.State.SENT
    ).order_by("-due_at", "-id")


def notification_get(*, user, pk: int) -> Reminder:
    return get_in_scope_or_404(notification_qs_for(user), pk=pk)


# notification_qs_for(user).filter(read_at__isnull=True).count() as one plain query: the
# navigation bar shows it on every page, and building it through the ORM cost about 1,500
# Python calls a page (a tenth of a short page's). tests/reminders/test_pages.py compares them.
UNREAD_SQL = (
    f"SELECT COUNT(*) FROM {Reminder._meta.db_table} "  # noqa: S608 (the table's name only)
    "WHERE agency_id = %s AND recipient_id = %s AND state = %s AND read_at IS NULL"
)


def unread_count(user) -> int:
    """The user's notifications not read yet (0 for someone without an agency)."""
    if not user.is_authenticated or user.agency_id is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_SQL, [user.agency_id, user.pk, Reminder.State.SENT.value])
        return cursor.fetchone()[0]


def failed_reminder_qs_for(user) -> QuerySet[Reminder]:
    """Reminders that could not be delivered after every try: agency admins see them."""
    if not user.is_authenticated or not user.is_agency_admin:
        return Reminder.objects.none()
    return (
        Reminder.objects.filter(agency_id=user.agency_id, state=Reminder.State.FAILED)
        .select_related("recipient")
        .order_by("-updated_at")
    )


def failed_reminder_get(*, user, pk: int) -> Reminder:
    return get_in_scope_or_404(failed_reminder_qs_for(user), pk=pk)
