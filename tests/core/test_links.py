"""Links reversed once (sro_portal/core/links.py and the {% fixed_url %} tag): the same URLs as
reverse() and {% url %}."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse, set_script_prefix

from sro_portal.core.links import pk_url


@pytest.mark.parametrize(
    "name",
    ["incidents:detail", "payoff:detail", "presentations:detail", "officers:activity_edit"],
)
def test_pk_url_is_reverse(name):
    url = pk_url(name)
    for pk in (1, 7, 42, 987654321, 12345678901):
        assert url(pk) == reverse(name, args=[pk])


def test_pk_url_refuses_a_page_without_an_id():
    with pytest.raises(NoReverseMatch):  # as reverse() would, at once rather than on a row
        pk_url("incidents:list")


def test_fixed_url_is_the_url_tag():
    source = (
        "{% load links %}{% fixed_url 'incidents:list' %}|{% url 'incidents:list' %}|"
        "{% fixed_url 'officers:activity_week' as week %}{% url 'officers:activity_week' as w %}"
        "{{ week }}|{{ w }}"
    )
    fast, slow, fast_as, slow_as = Template(source).render(Context()).split("|")
    assert fast == slow == reverse("incidents:list") and fast_as == slow_as


def test_fixed_url_follows_the_script_prefix_and_the_url_conf():
    template = Template("{% load links %}{% fixed_url 'account_login' %}")
    assert template.render(Context()) == reverse("account_login")
    set_script_prefix("/portal/")
    try:
        assert template.render(Context()) == reverse("account_login")
        assert template.render(Context()).startswith("/portal/")
    finally:
        set_script_prefix("/")
    with override_settings(ROOT_URLCONF=__name__):
        assert template.render(Context()) == "/elsewhere/login/"
    assert template.render(Context()) == reverse("account_login")


urlpatterns = [path("elsewhere/login/", lambda request: None, name="account_login")]


def test_fixed_static_is_the_static_tag():
    for name in ("css/portal.css", "js/portal.js", "img/favicon.svg"):
        fixed = Template("{% load links %}{% fixed_static '" + name + "' %}").render(Context())
        plain = Template("{% load static %}{% static '" + name + "' %}").render(Context())
        assert fixed == plain


def test_fixed_static_follows_a_new_static_url():
    template = Template("{% load links %}{% fixed_static 'css/portal.css' %}")
    before = template.render(Context())
    with override_settings(STATIC_URL="/elsewhere/"):
        assert template.render(Context()).startswith("/elsewhere/")
    assert template.render(Context()) == before


def test_the_layout_s_htmx_script_is_what_htmx_script_writes(client, world_a):
    """base.html names htmx's file itself (a static URL looked up once): the tag it replaced
    writes the same <script>, so an upgrade of django-htmx that renames the file shows here."""
    from django.template import Context, Template

    from tests.helpers import signed_in

    page = signed_in(client, world_a.supervisor).get("/").text
    nonce = page.split('nonce="', 1)[1].split('"', 1)[0]
    expected = Template("{% load django_htmx %}{% htmx_script %}").render(
        Context({"csp_nonce": nonce})
    )
    assert expected in page
