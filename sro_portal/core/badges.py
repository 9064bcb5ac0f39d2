"""A status as a coloured badge, drawn by each app's badge tag (incidents, payoff,
presentations: `status_badge_html`) for its detail pages and once per status for its list."""

from django.utils.html import format_html
from django.utils.safestring import SafeString


def badge_html(status: str, choices, classes: dict[str, str], other_class: str) -> SafeString:
    """`status` with its label from `choices`, in its class from `classes` (`other_class` for a
    status not in them)."""
    label = dict(choices).get(status, status)
    return format_html('<span class="badge {}">{}</span>', classes.get(status, other_class), label)
