"""Set up row-level security (sro_portal/rls.py): the application role, its grants, and the
policies. Run as the owner role (DATABASE_URL naming the owner), after `migrate`; idempotent."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from sro_portal import rls


class Command(BaseCommand):
    help = (
        "Create the application role if missing (password from DATABASE_APP_PASSWORD), make "
        "sure it cannot bypass row-level security, grant it the tables, apply the policies."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", default=settings.DATABASE_APP_ROLE, help="default: %(default)s"
        )

    def handle(self, *args, role, **options):
        if not rls.enabled():
            raise CommandError("Row-level security needs PostgreSQL (DATABASE_URL).")
        if not role:
            raise CommandError("Name the application role: --role or DATABASE_APP_ROLE.")
        if role == connection.settings_dict["USER"]:
            raise CommandError("The application role must not be the owner running this command.")
        if not rls.role_exists(role):
            self._create_role(role)
        self._execute(
            "ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE", role=role
        )
        self._execute("GRANT CONNECT ON DATABASE {db} TO {role}", role=role, db=_database())
        changed = rls.apply_policies()
        rls.grant_app_role(role)
        self.stdout.write(f"Role {role} granted; policies added to {changed} tables.")

    def _create_role(self, role):
        password = os.environ.get("DATABASE_APP_PASSWORD", "")
        if not password:
            raise CommandError(
                f"Role {role} does not exist: set DATABASE_APP_PASSWORD to create it."
            )
        self._execute("CREATE ROLE {role} LOGIN PASSWORD {password}", role=role, password=password)

    def _execute(self, template, *, role, password=None, db=None):
        # Role and database names are identifiers and passwords literals: composed by psycopg.
        parts = {"role": sql.Identifier(role)}
        if password is not None:
            parts["password"] = sql.Literal(password)
        if db is not None:
            parts["db"] = sql.Identifier(db)
        connection.ensure_connection()
        connection.connection.execute(sql.SQL(template).format(**parts))


def _database() -> str:
    return connection.settings_dict["NAME"]
