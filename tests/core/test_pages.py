"""Health check, security headers, error pages and the home page of each role."""

import pytest
from django.db import DatabaseError
from django.test import RequestFactory
from django.urls import reverse

from sro_portal.accounts.models import Role
from sro_portal.core import views as core_views
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


# --- /healthz -----------------------------------------------------------------------------------


def test_healthz_answers_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.redis
def test_healthz_checks_redis_when_configured(client):
    assert client.get("/healthz").json()["checks"]["redis"] == "ok"


def test_healthz_reports_a_database_failure_as_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(core_views.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["database"] == "error"


def test_healthz_reports_an_unreachable_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "error"


# --- Headers ------------------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client):
    csp = client.get(reverse("account_login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp


def test_pages_have_no_inline_script_or_style(client, world_a):
    signed_in(client, world_a.admin)
    for url in (reverse("dashboards:home"), reverse("accounts:team"), reverse("accounts:invite")):
        html = client.get(url).text
        assert " style=" not in html
        assert "onclick=" not in html
        for tag in html.split("<script")[1:]:
            assert 'src="' in tag.split(">")[0] and "nonce=" in tag.split(">")[0]


def test_other_security_headers(client):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Error pages reveal nothing -----------------------------------------------------------------


def test_404_page_is_plain(client, world_a):
    signed_in(client, world_a.admin)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "does not exist, or is not yours to see" in response.text
    assert "urlpatterns" not in response.text and "Traceback" not in response.text


def test_500_page_needs_no_request_context_and_says_nothing_of_the_cause():
    response = core_views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_csrf_failure_says_nothing_was_saved(world_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    signed_in(client, world_a.admin)
    response = client.post(reverse("accounts:invite"), {"email": "x@example.test", "role": "sro"})
    assert response.status_code == 403
    assert "Nothing was saved" in response.text


def test_unauthenticated_pages_send_to_sign_in(client):
    response = client.get(reverse("accounts:team"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Home per role ------------------------------------------------------------------------------


def _home(client, user, django_assert_max_num_queries, max_queries=10):
    signed_in(client, user)
    client.get(reverse("dashboards:home"))
    with django_assert_max_num_queries(max_queries):
        response = client.get(reverse("dashboards:home"))
    assert response.status_code == 200
    return response.text


def test_supervisor_home_shows_coverage_of_own_agency(
    client, world_a, world_b, django_assert_max_num_queries
):
    for _ in range(10):
        factories.AssignmentFactory(school=factories.SchoolFactory(board=world_a.school.board))
    html = _home(client, world_a.supervisor, django_assert_max_num_queries)
    assert world_a.school.name in html and world_a.other_school.name in html
    assert str(world_a.sro) in html
    assert world_b.school.name not in html
    assert "1 school has no primary SRO today" in html


def test_sro_home_shows_todays_schools(client, world_a, world_b, django_assert_max_num_queries):
    html = _home(client, world_a.sro, django_assert_max_num_queries)
    assert world_a.school.name in html
    assert world_a.other_school.name not in html
    assert world_b.school.name not in html


def test_school_admin_home_shows_their_school_and_its_officer(
    client, world_a, django_assert_max_num_queries
):
    html = _home(client, world_a.school_admin, django_assert_max_num_queries)
    assert world_a.school.name in html and str(world_a.sro) in html
    assert world_a.other_school.name not in html


def test_sro_and_school_admin_homes_list_coming_talks_of_their_schools(
    client, world_a, world_b, django_assert_max_num_queries
):
    from django.utils import timezone

    def talk(school, title, days):
        presentation = factories.PresentationFactory(
            school=school,
            topic__title=title,
            status="scheduled",
            scheduled_at=timezone.now() + timezone.timedelta(days=days),
        )
        return presentation

    talk(world_a.school, "Vaping", 3)
    talk(world_a.school, "Given already", -3)
    talk(world_a.other_school, "Elsewhere", 4)
    talk(world_b.school, "Other agency", 5)
    for user in (world_a.sro, world_a.school_admin):
        html = _home(client, user, django_assert_max_num_queries)
        assert "Vaping" in html
        assert "Given already" not in html and "Elsewhere" not in html
        assert "Other agency" not in html


def test_admin_home_counts_members(client, world_a, django_assert_max_num_queries):
    html = _home(client, world_a.admin, django_assert_max_num_queries, max_queries=12)
    assert "Active members" in html
    assert world_a.school.name in html


def test_platform_staff_go_to_the_django_admin(client, django_user_model):
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    signed_in(client, staff)
    assert client.get(reverse("dashboards:home")).url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("role", Role.values)
def test_agency_users_cannot_reach_the_django_admin(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("admin:index"), follow=True).status_code == 403


def test_agency_page_shows_times_in_the_agency_time_zone(client, world_a):
    world_a.agency.time_zone = "America/Halifax"
    world_a.agency.save()
    signed_in(client, world_a.admin)
    invitation = factories.InvitationFactory(agency=world_a.agency)
    page = client.get(reverse("accounts:team")).text
    from django.utils import dateformat, timezone

    local = timezone.localtime(invitation.expires_at, world_a.agency.tzinfo)
    assert dateformat.format(local, "P") in page


def test_users_of_a_switched_off_agency_are_signed_out(client, world_a):
    signed_in(client, world_a.sro)
    assert client.get(reverse("dashboards:home")).status_code == 200
    world_a.agency.is_active = False
    world_a.agency.save()
    assert client.get(reverse("dashboards:home")).status_code == 302


# --- The layout's kept parts --------------------------------------------------------------------

# Menu entries that only some roles have (templates/includes/navbar.html).
MENU_ONLY_FOR = {
    "My log": {Role.SRO},
    "Disclosed to you": {Role.SCHOOL},
    "Drill compliance": {Role.SUPERVISOR, Role.ADMIN},
    "Audit trail": {Role.ADMIN},
}


def test_the_menu_kept_per_role_and_language_is_each_role_s_own(client, world_a):
    """The menu is rendered once per role and language and kept (CACHES["fragments"]): each role
    still gets its own entries, in its own language, whoever asked first."""
    from django.core.cache import caches
    from django.core.cache.utils import make_template_fragment_key

    caches["fragments"].clear()
    for language, words in (("en", MENU_ONLY_FOR), ("fr", {"Mon journal": {Role.SRO}})):
        for role in (Role.SRO, Role.SUPERVISOR, Role.SCHOOL, Role.ADMIN):
            user = world_a.users[role]
            user.language = language
            user.save(update_fields=["language"])
            for _ in range(2):  # rendered, then read back from the cache
                html = signed_in(client, user).get(reverse("dashboards:home")).text
                for entry, roles in words.items():
                    assert (f">{entry}</a>" in html) == (role in roles), (language, role, entry)
            key = make_template_fragment_key("navbar_menu", [language, role])
            assert caches["fragments"].get(key) is not None


def test_the_brand_and_the_role_badge_kept_are_each_visitor_s_own(client, world_a):
    """The brand and toggler are kept per language and sign-in, the role badge per role: a
    visitor signed out after someone signed in gets no toggler, each role its own badge."""
    from django.core.cache import caches

    caches["fragments"].clear()
    toggler = 'class="navbar-toggler"'
    for _ in range(2):  # rendered, then read back from the cache
        for role, badge in ((Role.SRO, "School resource officer"), (Role.SUPERVISOR, "Supervisor")):
            html = signed_in(client, world_a.users[role]).get(reverse("dashboards:home")).text
            assert toggler in html and f'ms-1">{badge}</span>' in html
        client.logout()
        html = client.get(reverse("account_login")).text
        assert toggler not in html
        brand = 'class="navbar-brand d-flex align-items-center gap-2"'
        assert f'{brand} href="{reverse("account_login")}"' in html
