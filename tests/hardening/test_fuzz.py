"""Every form of every app, posted hostile values by every role: never a 500, never a change to
another agency's data, and a role that is not shown a form changes nothing by posting to it.

The forms are found, not listed: the test walks the URL patterns (as tests/test_tenancy.py
does), GETs each page as each role with objects of agency A (made by the tenancy sweep's
OBJECT_OF_OTHER_AGENCY, so a new id-taking URL is fuzzed as soon as the sweep covers it),
parses its <form method="post"> elements, and posts hypothesis-generated values with the page's
CSRF token. LATER_STATES adds the pages of objects in later states (an agreement under way, a
drill held), whose forms a fresh object's page does not show. Each form's posts run in a
savepoint rolled back afterwards, so one form's changes (a member deactivated, an incident
closed) do not hide the next form's paths. Only our apps' URL patterns are walked: allauth's
pages (sign-in, MFA, password) are allauth's to test.

Bounded: a few examples per form (`FUZZ_EXAMPLES`; the test takes about a minute). With CI set
in the environment (or HYPOTHESIS_PROFILE=ci) the values are derandomized: the same every run.
Locally they differ from run to run; FUZZ_EXAMPLES=25 digs deeper (about 15 minutes).
"""

import os
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg import sql

from presentations.tokens import feedback_token
from schools.models import Drill, School
from sro_portal.accounts.models import Agency, Role
from sro_portal.accounts.tokens import invitation_token
from tests import factories
from tests.helpers import signed_in
from tests.payoff.test_check_ins import make_agreement
from tests.test_tenancy import (
    OBJECT_OF_OTHER_AGENCY,
    OUR_PACKAGES,
    _walk,
)

settings.register_profile(
    "fuzz", deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile("ci", parent=settings.get_profile("fuzz"), derandomize=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "fuzz")
)

# Per form, for each role shown it (one post for the others): about 700 posts in all.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ANONYMOUS = "anonymous"

# Pages with no form that are not worth a GET here, and form actions not fuzzed, with the reason.
SKIPPED_PAGES = {
    # Slugs of a section and a table, a CSV download; tests/dashboards/test_exports.py.
    "dashboards:export": "a CSV download, no form",
    # A token-signed iCalendar download, no form; tests/calendars/test_feed.py.
    "calendars:feed": "an .ics download, no form",
}
SKIPPED_ACTIONS = {
    # Signing out would end the session in the middle of the run.
    "account_logout": "sign-out",
    # Django's own view; it sets the language cookie and nothing else.
    "set_language": "Django's language switch",
}
# Pages reached with a signed token instead of an id, fuzzed as an anonymous visitor too.
TOKEN_PAGES = {
    "accounts:invitation_accept": lambda world: {
        "token": invitation_token(factories.InvitationFactory(agency=world.agency))
    },
    "presentations:feedback": lambda world: {
        "token": feedback_token(factories.FeedbackFactory(presentation__school=world.school))
    },
}


def _incident_with_everything(world) -> dict:
    """An incident with a person, a follow-up and a disclosure: their forms are on its page."""
    incident = factories.IncidentFactory(school=world.school, recorded_by=world.sro)
    factories.InvolvementFactory(incident=incident)
    factories.FollowUpFactory(incident=incident, owner=world.sro)
    factories.DisclosureFactory(incident=incident, recipient=world.school_admin)
    return {"pk": incident.pk}


def _drill_held_with_an_action(world) -> dict:
    drill = factories.DrillFactory(school=world.school, status=Drill.Status.COMPLETED)
    factories.CorrectiveActionFactory(drill=drill, owner=world.sro)
    return {"pk": drill.pk}


def _talk_just_given(world) -> dict:
    talk = factories.PresentationFactory(
        school=world.school, status="scheduled", scheduled_at=timezone.now() - timedelta(hours=1)
    )
    talk.presenters.add(world.sro, through_defaults={"agency": world.agency})
    return {"pk": talk.pk}


def _team_with_a_former_member(world) -> dict:
    factories.UserFactory(agency=world.agency, is_active=False)
    return {}


# Forms shown only on objects in a later state (a person on an incident, an agreement under
# way, a drill held...): these pages are walked too, beside every URL pattern's page.
LATER_STATES = [
    ("incidents:detail", _incident_with_everything),
    ("payoff:detail", lambda world: {"pk": make_agreement(world, complete=False).agreement.pk}),
    ("payoff:detail", lambda world: {"pk": make_agreement(world).agreement.pk}),
    ("schools:drill_detail", _drill_held_with_an_action),
    ("presentations:deliver", _talk_just_given),
    (
        "presentations:topic",
        lambda world: {"pk": factories.MaterialFactory(topic__agency=world.agency).topic_id},
    ),
    ("accounts:team", _team_with_a_former_member),
]


HOSTILE_TEXT = [
    "",
    " ",
    "x" * 10_000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "1; DROP TABLE schools_school; --",
    "\x00",
    "a\x00b",
    "9" * 40,
    "-1",
    "0",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "inf",
    "2.5",
    "2026-02-30",
    "0000-00-00",
    "99999-12-31",
    "2026-13-45T25:61",
    "31/12/2026",
    "true",
    "null",
    "{}",
    "../../etc/passwd",
    "{{ 7|add:7 }}",
    "\u202eevil",
    "😀" * 60,
]


# --- Finding the forms --------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea" or "submit"
    values: list[str] = field(default_factory=list)  # the page's value, or the options
    multiple: bool = False


@dataclass
class Form:
    action: str  # a path
    fields: dict[str, Field] = field(default_factory=dict)
    csrf: str = ""


class FormParser(HTMLParser):
    """The <form method="post"> elements of a page, with their fields."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            if attrs.get("method", "get").lower() == "post":
                action = urlsplit(attrs.get("action") or self.page_path).path
                self.form = Form(action=action or self.page_path)
            return
        if self.form is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag in {"input", "button"}:
            kind = attrs.get("type", "text" if tag == "input" else "submit").lower()
            if name == "csrfmiddlewaretoken":
                self.form.csrf = attrs.get("value", "")
            elif kind not in {"button", "reset", "image"}:
                self._add(Field(name, kind), attrs.get("value", ""))
        elif tag == "select":
            self.select = self._add(Field(name, "select", multiple="multiple" in attrs), None)
        elif tag == "option" and self.select is not None:
            self.select.values.append(attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = self._add(Field(name, "textarea"), None)

    def handle_data(self, data):
        if self.textarea is not None and data.strip():
            self.textarea.values.append(data.strip())

    def handle_endtag(self, tag):
        if tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def _add(self, new: Field, value: str | None) -> Field:
        known = self.form.fields.setdefault(new.name, new)
        if value:
            known.values.append(value)
        return known


def our_pages():
    """(url name, pattern) of every page of our apps."""
    for name, pattern in _walk(get_resolver().url_patterns):
        if getattr(pattern.callback, "__module__", "").startswith(OUR_PACKAGES):
            yield name, pattern


def page_kwargs(world) -> dict[str, dict]:
    """Every page of our apps, with the arguments naming objects of `world`'s agency."""
    pages = {}
    for name, pattern in our_pages():
        if name in SKIPPED_PAGES:
            continue
        if name in TOKEN_PAGES:
            kwargs = TOKEN_PAGES[name](world)
        elif pattern.pattern.converters:
            kwargs = OBJECT_OF_OTHER_AGENCY[name](world)  # KeyError: cover it in the sweep
        else:
            kwargs = {}
        pages[name] = kwargs
    return pages


def discover_forms(client, paths: list[str]) -> dict[str, Form]:
    """The post forms on the pages `client` can open, by action path (fields merged)."""
    forms: dict[str, Form] = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = FormParser(path)
        parser.feed(response.text)
        for form in parser.forms:
            known = forms.setdefault(form.action, Form(action=form.action, csrf=form.csrf))
            for name, found in form.fields.items():
                known.fields.setdefault(name, found).values.extend(found.values)
    return forms


def url_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return f"unknown path {path}"


# --- Hostile values -----------------------------------------------------------------------------


def sensible(fld: Field, today: str) -> list[str]:
    """Values a careful user would post in this field."""
    values = [v for v in fld.values if v] or {
        "date": [today],
        "datetime-local": [f"{today}T10:00"],
        "time": ["10:00"],
        "number": ["1"],
        "email": ["fuzz@example.test"],
        "checkbox": ["on"],
    }.get(fld.kind, ["Fuzz value"])
    return values[:20]


def value_strategy(fld: Field, today: str, foreign_ids: list[str]):
    if fld.kind == "file":
        return st.builds(
            SimpleUploadedFile,
            name=st.sampled_from(["notes.pdf", "../../x.png", "x" * 300 + ".txt", "a.exe"]),
            content=st.binary(max_size=2048),
        )
    text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
    one = st.one_of(
        st.sampled_from(sensible(fld, today)),
        st.sampled_from(HOSTILE_TEXT),
        st.sampled_from(foreign_ids),
        st.integers().map(str),
        text,
    )
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


ABSENT = object()


def data_strategy(form: Form, today: str, foreign_ids: list[str]):
    fields = {
        name: st.one_of(value_strategy(fld, today, foreign_ids), st.just(ABSENT))
        for name, fld in form.fields.items()
    }
    return st.fixed_dictionaries(fields).map(
        lambda data: {name: value for name, value in data.items() if value is not ABSENT}
    )


# --- What must not change -----------------------------------------------------------------------


def tenant_models():
    for model in apps.get_models():
        try:
            agency = model._meta.get_field("agency")
        except Exception:  # noqa: S112 (a model without an agency is not a tenant table)
            continue
        if agency.many_to_one and agency.related_model is Agency:
            yield model


def is_trigger_copy(model) -> bool:
    # The audit trail's event tables copy each write of the tables they track: those show it.
    return model._meta.pk.name == "pgh_id"


READS = "audit.AccessEvent"  # records views: a read-only role may add rows here


def _fingerprint_sql() -> sql.Composed:
    """One query: per tenant table and agency, the row count and an md5 of the rows in id order
    (every column but the user's last sign-in)."""
    per_table = sql.SQL(
        "SELECT {label}, t.agency_id, count(*), md5(string_agg(ROW({columns})::text, '|' "
        "ORDER BY t.{pk})) FROM {table} t WHERE t.agency_id = ANY(%(agencies)s) "
        "GROUP BY t.agency_id"
    )
    parts = [
        per_table.format(
            label=sql.Literal(model._meta.label),
            columns=sql.SQL(", ").join(
                sql.SQL("t.{}").format(sql.Identifier(f.column))
                for f in model._meta.concrete_fields
                if f.attname != "last_login"
            ),
            pk=sql.Identifier(model._meta.pk.column),
            table=sql.Identifier(model._meta.db_table),
        )
        for model in tenant_models()
        if not is_trigger_copy(model)
    ]
    parts.append(
        sql.SQL(
            "SELECT 'accounts.Agency', a.id, 1, md5(a::text) FROM {} a "
            "WHERE a.id = ANY(%(agencies)s)"
        ).format(sql.Identifier(Agency._meta.db_table))
    )
    return sql.SQL(" UNION ALL ").join(parts)


def fingerprint(*agency_ids: int) -> dict[tuple[str, int], tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _fingerprint_sql().as_string(cursor.connection), {"agencies": list(agency_ids)}
        )
        return {(label, agency): rest for label, agency, *rest in cursor.fetchall()}


def changed(before, after, agency_id: int) -> list[str]:
    keys = {key for key in before.keys() | after.keys() if key[1] == agency_id}
    return sorted(key[0] for key in keys if before.get(key) != after.get(key))


# --- The run ------------------------------------------------------------------------------------


@dataclass
class Run:
    world_a: object
    world_b: object
    foreign_ids: list[str]
    failures: list[str] = field(default_factory=list)


def sign_in(client, world, role) -> None:
    """A fresh session for `role` (force_login keeps the client's CSRF cookie; logout would
    drop it)."""
    if role != ANONYMOUS:
        signed_in(client, world.users[role])


def fuzz_form(client, run: Run, role, form: Form, *, shown: bool) -> None:
    """Post hostile payloads to `form` as `role`, in a savepoint rolled back afterwards. A role
    the form was not `shown` to gets fewer tries, one of them the values a careful user would
    post: it must be refused whatever it posts."""
    today = run.world_a.agency.today().isoformat()
    label = f"{role} -> {url_name(form.action)} ({form.action})"

    @settings(max_examples=FUZZ_EXAMPLES if shown else 1)
    @given(data=data_strategy(form, today, run.foreign_ids))
    def post(data):
        with transaction.atomic():  # a failed request must not leave the transaction broken
            response = client.post(form.action, {**data, "csrfmiddlewaretoken": form.csrf})
        assert response.status_code < 500, (response.status_code, data)

    if not shown:
        # What the role that may use the form would post: a refusal must not depend on the
        # values being nonsense.
        careful = {
            name: sensible(fld, today)[0] for name, fld in form.fields.items() if fld.kind != "file"
        }
        post = example(data=careful)(post)

    agency_a, agency_b = run.world_a.agency.pk, run.world_b.agency.pk
    try:
        with transaction.atomic():
            sign_in(client, run.world_a, role)
            before = fingerprint(agency_a, agency_b)
            post()
            after = fingerprint(agency_a, agency_b)
            if not shown and (diff := set(changed(before, after, agency_a)) - {READS}):
                run.failures.append(f"{label}: not shown this form, yet changed {sorted(diff)}")
            if diff := changed(before, after, agency_b):
                run.failures.append(f"{label}: changed the other agency's {diff}")
            transaction.set_rollback(True)
    except Exception:
        run.failures.append(f"{label}:\n{traceback.format_exc(limit=-8)}")


ROLES = [*Role.values, ANONYMOUS]


@pytest.mark.postgres  # the fingerprint is one PostgreSQL query; NUL bytes and integer ranges
@pytest.mark.django_db  # are PostgreSQL's behaviour, the one production has
def test_every_form_survives_hostile_posts_from_every_role(world_a, world_b):
    # Agency B's objects: their ids are among the hostile values, their rows must not change.
    objects_b = page_kwargs(world_b)
    foreign_ids = {str(v) for kwargs in objects_b.values() for v in kwargs.values()}
    foreign_ids |= {str(world_b.school.pk), *(str(user.pk) for user in world_b.users.values())}
    run = Run(world_a, world_b, foreign_ids=sorted(foreign_ids))
    paths = [reverse(name, kwargs=kwargs) for name, kwargs in page_kwargs(world_a).items()]
    paths += [reverse(name, kwargs=make(world_a)) for name, make in LATER_STATES]

    clients = {role: Client(enforce_csrf_checks=True) for role in ROLES}
    shown: dict[str, dict[str, Form]] = {}
    for role, client in clients.items():
        sign_in(client, world_a, role)
        shown[role] = discover_forms(client, paths)
    every_form = {action: form for forms in shown.values() for action, form in forms.items()}
    ours = dict(our_pages())
    unknown = {url_name(a) for a in every_form} - set(ours) - set(SKIPPED_ACTIONS)
    assert unknown == set(), "fuzz these forms' actions, or skip them with a reason"
    assert len(every_form) > 60, "the walk found too few forms: is discovery broken?"

    for role, client in clients.items():
        # Any of the role's own pages' tokens is valid for its client (one CSRF cookie each).
        csrf = next((form.csrf for form in shown[role].values() if form.csrf), "")
        for action, form in every_form.items():
            if url_name(action) in SKIPPED_ACTIONS:
                continue
            own = shown[role].get(action)
            target = Form(action, (own or form).fields, (own.csrf if own else "") or csrf)
            fuzz_form(client, run, role, target, shown=own is not None)

    assert run.failures == [], "\n\n".join(run.failures)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_fingerprint_sees_any_write_to_one_agency_s_rows(world_a, world_b):
    # Guards the test above against a fingerprint that sees nothing.
    before = fingerprint(world_a.agency.pk, world_b.agency.pk)
    School.objects.filter(pk=world_b.school.pk).update(name="Renamed")  # updated_at untouched
    factories.StudentFactory(school=world_b.other_school)
    after = fingerprint(world_a.agency.pk, world_b.agency.pk)
    assert changed(before, after, world_b.agency.pk) == ["officers.Student", "schools.School"]
    assert changed(before, after, world_a.agency.pk) == []


# Posts with which the fuzz once got a 500 (fixed since), replayed on every run.
FOUND = [
    (Role.ADMIN, "accounts:language", {"next": '"><img src=x onerror=alert(1)>', "language": "en"}),
    (Role.SCHOOL, "accounts:language", {"next": ":", "language": "en"}),
    (
        Role.ADMIN,
        "accounts:agency_settings",
        {
            "time_zone": "America/Edmonton",
            "school_year_start_month": "9",
            "school_year_start_day": "1",
            "second_term_start_month": "2",
            "second_term_start_day": "2147483648",
            "school_year_end_month": "6",
            "school_year_end_day": "30",
        },
    ),
    (
        Role.SUPERVISOR,
        "payoff:task_add",
        {"kind": "restorative", "unit": "hours", "required": "1e309"},
    ),
    (
        Role.SUPERVISOR,
        "payoff:task_add",
        {"kind": "restorative", "unit": "hours", "required": "-1e309"},
    ),
]


@pytest.mark.parametrize(("role", "name", "data"), FOUND)
@pytest.mark.django_db
def test_hostile_values_the_fuzz_found_get_an_answer_not_a_500(client, world_a, role, name, data):
    kwargs = OBJECT_OF_OTHER_AGENCY[name](world_a) if name in OBJECT_OF_OTHER_AGENCY else {}
    signed_in(client, world_a.users[role])
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code in {200, 302, 400}  # 400: the form again, with its errors
    if response.status_code == 302:  # the language page: saved, and back to a page of the site
        assert response.url == reverse("accounts:language")
