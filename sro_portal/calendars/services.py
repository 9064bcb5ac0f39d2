"""Writes to calendar feeds: each atomic, recorded by the audit trail's triggers."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from sro_portal.calendars.models import CalendarFeed


def _require_agency_user(user) -> None:
    """Feeds are for active agency users; platform staff see no drills and get none."""
    if not user.is_authenticated or user.agency_id is None or not user.is_active:
        raise PermissionDenied


@transaction.atomic
def feed_create_or_rotate(*, user) -> CalendarFeed:
    """Give `user` an active feed with a fresh key: any URL they had before stops working."""
    _require_agency_user(user)
    # Row lock on an existing feed; get_or_create absorbs two first clicks racing to insert.
    # A new row is built from the user alone (its agency is theirs): nothing to validate.
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"agency_id": user.agency_id}
    )
    if created:
        return feed
    feed.key = uuid.uuid4()
    feed.is_active = True
    feed.full_clean()
    feed.save(update_fields=["key", "is_active", "updated_at"])
    return feed


@transaction.atomic
def feed_revoke(*, user) -> bool:
    """Turn off the user's feed; False when there was no active one (nothing changed).

    Compare-and-swap on `is_active`; the key is replaced too, so the old URL stays dead even if
    the row is switched back on some other way.
    """
    _require_agency_user(user)
    updated = CalendarFeed.objects.filter(
        agency_id=user.agency_id, user=user, is_active=True
    ).update(is_active=False, key=uuid.uuid4(), updated_at=timezone.now())
    return bool(updated)
