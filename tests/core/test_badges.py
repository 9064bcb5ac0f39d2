"""Each app's status badge (sro_portal/core/badges.py through the apps' tags), written out: the
list tests compare their rows with badges drawn by the same function, so the markup itself is
pinned here."""

import pytest
from django.utils import translation

from incidents.templatetags.incident_badges import status_badge_html as incident_badge
from payoff.templatetags.agreement_badges import status_badge_html as agreement_badge
from presentations.templatetags.presentation_tags import status_badge_html as talk_badge

BADGES = [
    (incident_badge, "open", "text-bg-primary", "Open"),
    (incident_badge, "follow_up", "text-bg-warning", "Under follow-up"),
    (incident_badge, "closed", "text-bg-secondary", "Closed"),
    (agreement_badge, "draft", "text-bg-light border", "Draft"),
    (agreement_badge, "active", "text-bg-primary", "Active"),
    (agreement_badge, "completed", "text-bg-success", "Completed"),
    (agreement_badge, "not_completed", "text-bg-danger", "Not completed"),
    (agreement_badge, "withdrawn", "text-bg-secondary", "Withdrawn"),
    (talk_badge, "requested", "text-bg-warning", "Requested"),
    (talk_badge, "scheduled", "text-bg-primary", "Scheduled"),
    (talk_badge, "delivered", "text-bg-success", "Delivered"),
    (talk_badge, "cancelled", "text-bg-secondary", "Cancelled"),
]


@pytest.mark.parametrize(("badge", "status", "classes", "label"), BADGES)
def test_each_status_has_its_colour_and_label(badge, status, classes, label):
    with translation.override("en"):
        assert badge(status) == f'<span class="badge {classes}">{label}</span>'


def test_a_status_outside_the_choices_is_escaped_as_its_own_label():
    assert agreement_badge("<odd>") == '<span class="badge text-bg-secondary">&lt;odd&gt;</span>'
