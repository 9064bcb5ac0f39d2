"""Row-level security: PostgreSQL's second wall behind the selectors' agency filters.

Selectors scope every query by agency (sro_portal/tenancy.py); this module makes the database
refuse the rows of other agencies as well, so a query that forgets its filter returns nothing.

- **Policies.** Every table with a non-null agency key (each TenantModel, the audit trail's
  event tables, access events, reminders) has row-level security enabled and forced, and one
  policy: a row is visible and writable only when its `agency_id` equals the session setting
  `app.agency_id`. No setting, no rows. They are applied after every `migrate` (post_migrate,
  idempotent), so a new tenant table gets its policy without a migration of its own.
- **Who sets the agency.** `RowLevelSecurityMiddleware` sets the signed-in user's agency for the
  request and clears it after. A Celery task
  carries the agency of whoever enqueued it in a message header (sro_portal/celery.py), and
  jobs that sweep every agency (reminder dispatch, purge) set each agency in turn
  (`agencies_in_turn`). The setting lives on the connection: it is cleared at the end of each
  request and task, and the psycopg pool clears it again when a connection comes back
  (`pool_reset`), so a pooled connection never carries one agency into the next request.
- **Pages without an account** (an invitation, a teacher's feedback link, a calendar feed)
  find their row by the secret key their signed token carries: a second policy on those three
  tables shows the one row whose key is in `app.lookup_key` (`key_lookup`), and that row's
  agency is then set for the rest of the request (`use_agency_of` finds and sets it).
- **Left without a policy, on purpose**: what is read before any agency is known or holds no
  agency row: agencies, users (sign-in by email, the session's user; platform staff have no
  agency), allauth's tables (email addresses, authenticators, user sessions), Django's sessions,
  auth and admin tables, the audit context table, and the invitation-to-schools link (ids only).
  tests/hardening/test_rls.py pins that list.
- **Roles.** The web and the workers connect as an application role that owns nothing and
  cannot bypass the policies (not a superuser, no BYPASSRLS); `migrate`, `rls_setup` and the
  purge worker connect as the owner (see README, "Row-level security"). The application role
  may not update or delete the audit trail's event tables: only the purge, as owner, does.
- **SQLite** (the local demo) has none of this: every function here does nothing there.
"""

from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections

AGENCY_SETTING = "app.agency_id"
KEY_SETTING = "app.lookup_key"
POLICY = "agency_isolation"
KEY_POLICY = "key_lookup"
AGENCY_PREDICATE = f"agency_id = NULLIF(current_setting('{AGENCY_SETTING}', true), '')::bigint"
# Rows that pages without an account find by the key their signed token carries.
KEY_COLUMNS = {
    "accounts.Invitation": "key",
    "presentations.Feedback": "key",
    "calendars.CalendarFeed": "key",
}


def enabled(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


# --- The agency of the current request or task -------------------------------------------------


def current_agency(using: str = DEFAULT_DB_ALIAS) -> int | None:
    return getattr(connections[using], "rls_agency_id", None)


def set_agency(agency_id: int | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Let the connection see `agency_id`'s rows only (None: no tenant rows at all)."""
    if not enabled(using):
        return
    wrapper = connections[using]
    if wrapper.connection is None:
        wrapper.rls_agency_id = None  # the next connection starts with none (see pool_reset)
        if agency_id is None:
            return
    elif current_agency(using) == agency_id:
        return
    _set_config(using, AGENCY_SETTING, "" if agency_id is None else str(int(agency_id)))
    wrapper.rls_agency_id = agency_id


@contextmanager
def agency(agency_id: int | None, using: str = DEFAULT_DB_ALIAS):
    """Run the block with `agency_id` set, then put back what was set before."""
    previous = current_agency(using)
    set_agency(agency_id, using)
    try:
        yield
    finally:
        set_agency(previous, using)


def agencies_in_turn():
    """For jobs that sweep every agency: yields each agency's id with that agency set (on
    SQLite, where nothing is filtered, yields None once)."""
    if not enabled():
        yield None
        return
    agency_model = apps.get_model("accounts", "Agency")
    for agency_id in agency_model._base_manager.order_by("pk").values_list("pk", flat=True):
        with agency(agency_id):
            yield agency_id


@contextmanager
def key_lookup(key):
    """Token pages: inside the block, the row whose secret key is `key` is visible (through the
    key policy of the KEY_COLUMNS tables), whatever agency is set."""
    if not enabled():
        yield
        return
    _set_config(DEFAULT_DB_ALIAS, KEY_SETTING, str(key))
    try:
        yield
    finally:
        _set_config(DEFAULT_DB_ALIAS, KEY_SETTING, "")


def use_agency_of(model, *, key) -> None:
    """Token pages: set the agency of the `model` row whose secret key is `key`, for the rest of
    the request (nothing changes if there is no such row)."""
    if not enabled():
        return
    with key_lookup(key):
        lookup = {KEY_COLUMNS[model._meta.label]: key}
        found = model._base_manager.filter(**lookup).values_list("agency_id", flat=True).first()
    if found is not None:
        set_agency(found)


def _set_config(using: str, name: str, value: str) -> None:
    # Through the driver's connection, like Django's own SET TIME ZONE: connection state, not a
    # query of the page (the query-count assertions of the tests do not see it).
    wrapper = connections[using]
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        wrapper.connection.execute("SELECT set_config(%s, %s, false)", [name, value])


def pool_reset(connection) -> None:
    """psycopg pool `reset` (settings.DATABASES): a connection handed back to the pool forgets
    the agency, even when a request or task died before clearing it."""
    connection.execute(
        f"SELECT set_config('{AGENCY_SETTING}', '', false), set_config('{KEY_SETTING}', '', false)"
    )
    if not connection.autocommit:
        connection.commit()


def forget_agency_on_connect(sender, connection, **kwargs) -> None:
    """connection_created: a new (or pooled) connection starts with no agency."""
    connection.rls_agency_id = None


class RowLevelSecurityMiddleware:
    """Sets the signed-in user's agency for the request, and clears it after (PostgreSQL)."""

    def __init__(self, get_response):
        if not enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        with agency(user.agency_id if user.is_authenticated else None):
            return self.get_response(request)


# --- Policies and grants (run by the owner role) -----------------------------------------------


def tenant_tables() -> dict[str, str | None]:
    """Every table holding rows of one agency: {table: its key column for token lookups}."""
    agency_model = apps.get_model("accounts", "Agency")
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        field = next((f for f in model._meta.concrete_fields if f.name == "agency"), None)
        if field and field.many_to_one and field.related_model is agency_model and not field.null:
            tables[model._meta.db_table] = KEY_COLUMNS.get(model._meta.label)
    return tables


def event_tables() -> list[str]:
    """The audit trail's copies (pghistory): append-only, and only the owner deletes there."""
    from pghistory.models import Event

    return [m._meta.db_table for m in apps.get_models() if issubclass(m, Event)]


def apply_policies(using: str = DEFAULT_DB_ALIAS) -> int:
    """Enable and force row-level security with its policies on every tenant table that lacks
    them. Idempotent; returns the number of tables changed."""
    wrapper = connections[using]
    quote = wrapper.ops.quote_name
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relrowsecurity AND c.relforcerowsecurity "
            "AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s)",
            [POLICY],
        )
        done = {name for (name,) in cursor.fetchall()}
        missing = {t: key for t, key in tenant_tables().items() if t not in done}
        for table, key_column in missing.items():
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            for policy in (POLICY, KEY_POLICY):
                cursor.execute(f"DROP POLICY IF EXISTS {policy} ON {quote(table)}")
            cursor.execute(
                f"CREATE POLICY {POLICY} ON {quote(table)} "
                f"USING ({AGENCY_PREDICATE}) WITH CHECK ({AGENCY_PREDICATE})"
            )
            if key_column:
                cursor.execute(
                    f"CREATE POLICY {KEY_POLICY} ON {quote(table)} FOR SELECT USING "
                    f"({quote(key_column)} = "
                    f"NULLIF(current_setting('{KEY_SETTING}', true), '')::uuid)"
                )
    return len(missing)


def grant_app_role(role: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the application role what the portal needs, and no more: rows through the
    policies, sequences, the portal's functions, and only inserts into the audit trail."""
    wrapper = connections[using]
    quote = wrapper.ops.quote_name
    events = ", ".join(quote(t) for t in event_tables())
    with wrapper.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
        # The portal's SECURITY DEFINER functions (officers/0010) are the application's alone.
        cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quote(role)}")
        cursor.execute(f"REVOKE UPDATE, DELETE ON {events} FROM {quote(role)}")


def role_exists(role: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: policies on every tenant table, and the grants of the application role
    named by DATABASE_APP_ROLE (when it exists) on every table, new ones included."""
    if not enabled(using):
        return
    apply_policies(using)
    role = settings.DATABASE_APP_ROLE
    if role and role_exists(role, using):
        grant_app_role(role, using)
