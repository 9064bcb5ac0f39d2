"""An agreement's status as a coloured badge: `{% agreement_status_badge agreement %}` in a
template (templates/payoff/agreement_status_badge.html), `status_badge_html(status)` in a view that
draws many (the list makes the five badges once a page, not one a row). A tag rather than an
{% include %} of a few conditions, which cost more than the rest of a row.
"""

from django import template
from django.utils.safestring import SafeString

from payoff.models import Agreement
from sro_portal.core.badges import badge_html

register = template.Library()

BADGE_CLASSES = {
    Agreement.Status.DRAFT: "text-bg-light border",
    Agreement.Status.ACTIVE: "text-bg-primary",
    Agreement.Status.COMPLETED: "text-bg-success",
    Agreement.Status.NOT_COMPLETED: "text-bg-danger",
}
OTHER_BADGE_CLASS = "text-bg-secondary"  # withdrawn


def status_badge_html(status: str) -> SafeString:
    return badge_html(status, Agreement.Status.choices, BADGE_CLASSES, OTHER_BADGE_CLASS)


@register.simple_tag
def agreement_status_badge(agreement) -> SafeString:
    return status_badge_html(agreement.status)
