"""One private calendar feed per user: the signed key in its URL is the only credential."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


# The key is a credential (with SECRET_KEY it makes the feed's URL): kept out of the audit
# trail, which agency admins read, as the invitation key is.
@audited(exclude=["key"])
class CalendarFeed(TenantModel):
    """A user's private iCalendar URL with the drills of their schools.

    Turning the link off keeps the row (`is_active` False) and replaces the key in the same
    update: the trail keeps one row per user from first link to last, and an old URL can never
    work again, even if the row were switched back on by hand. Making a link again issues a new
    key.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        # The unique key (looked up by the token, across agencies by design) and the one-to-one
        # user come with their own unique indexes; nothing is looked up by agency alone.

    def __str__(self):
        return f"calendar feed of {self.user_id}"
