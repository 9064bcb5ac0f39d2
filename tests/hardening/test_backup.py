"""Backups: scripts/backup.sh dumps the database, scripts/restore.sh restores it into a new one
and runs the purge job before the copy is used, so records whose access period ended since the
backup was made do not come back."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from payoff.models import Agreement, Basis
from tests.payoff.test_check_ins import make_agreement
from tests.payoff.test_retention import make_sanction
from tests.workers import ROOT, _database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCRIPTS = ROOT / "scripts"


def _run(script: str, *args, database_url: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tests.settings", PYTHON=sys.executable
    )
    subprocess.run([SCRIPTS / script, *args], cwd=ROOT, env=env, check=True, timeout=120)


def _drop(name: str) -> sql.Composed:
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))


def _rows(database_url: str, query, *params) -> list[tuple]:
    with psycopg.connect(database_url) as db:
        return db.execute(query, params).fetchall()


def test_a_restored_backup_comes_back_without_the_records_past_their_access_period(
    world_a, tmp_path: Path
):
    expired = make_sanction(world_a).agreement
    kept = make_agreement(world_a, basis=Basis.MEASURE).agreement  # no period set: kept
    # The backup holds an agreement whose period has ended (the daily job had not run yet).
    yesterday = world_a.agency.today() - timedelta(days=1)
    Agreement.objects.filter(pk=expired.pk).update(purge_after=yesterday)

    source = _database_url()
    copy_name = f"{connection.settings_dict['NAME']}_restored"
    copy = source.rsplit("/", 1)[0] + f"/{copy_name}"
    backup = tmp_path / "portal.dump"
    _run("backup.sh", backup, database_url=source)
    with psycopg.connect(source, autocommit=True) as admin:
        admin.execute(_drop(copy_name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(copy_name)))
    try:
        _run("restore.sh", backup, database_url=copy)

        agreements = "SELECT id FROM payoff_agreement ORDER BY id"
        assert _rows(copy, agreements) == [(kept.pk,)]
        assert _rows(copy, "SELECT count(*) FROM payoff_purgedagreement") == [(1,)]
        copies = "SELECT count(*) FROM payoff_agreementevent WHERE pgh_obj_id = %s"
        assert _rows(copy, copies, expired.pk) == [(0,)]
        # Everything else came back.
        purged = {"payoff_task": 1}  # the expired agreement's one task
        for table in ("accounts_user", "schools_school", "officers_student", "payoff_task"):
            count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            expected = _rows(source, count)[0][0] - purged.get(table, 0)
            assert _rows(copy, count) == [(expected,)], table
        # The purge ran on the copy only.
        assert _rows(source, agreements) == sorted([(kept.pk,), (expired.pk,)])

        # A restore into a database that already has tables is refused.
        with pytest.raises(subprocess.CalledProcessError):
            _run("restore.sh", backup, database_url=copy)
    finally:
        with psycopg.connect(source, autocommit=True) as admin:
            admin.execute(_drop(copy_name))
