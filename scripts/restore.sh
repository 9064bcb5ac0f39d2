#!/bin/sh
# Restore a backup made by scripts/backup.sh into a new, empty database, then destroy what has
# passed its retention period since the backup was made, before anyone uses the copy: PAYOFF
# records destroyed in production after the backup must not come back.
#
#   createdb sro_portal_restored
#   DATABASE_URL=postgres://owner@host/sro_portal_restored scripts/restore.sh FILE
#
# DATABASE_URL names the new database, with the role that will own the tables (the owner role
# of the row-level security setup, never the application's role). The script refuses a
# database that already has tables. Run it from the checkout (it runs manage.py), with the
# portal's other settings (SECRET_KEY, ...) in the environment as for any manage.py command.
set -eu

: "${DATABASE_URL:?set DATABASE_URL to the new, empty database}"
file="${1:?usage: scripts/restore.sh FILE}"
python="${PYTHON:-python}"
cd "$(dirname "$0")/.."

tables=$(psql --dbname="$DATABASE_URL" --no-psqlrc --tuples-only --no-align \
    --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
    echo "The database already has $tables tables: restore into a new, empty database." >&2
    exit 1
fi

# Owned by the role restoring; grants are made again by migrate (DATABASE_APP_ROLE) or rls_setup.
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" "$file"
# Then, in one process: migrations newer than the backup, and the purge job itself (run here, no
# worker needed; it visits every agency in turn, as row-level security requires).
"$python" manage.py shell --no-imports --command "
from django.core.management import call_command
from payoff.tasks import purge_expired_agreements_task

call_command('migrate', interactive=False)
print(purge_expired_agreements_task(), 'expired agreements purged')
"
echo "Restored $file; expired records purged. The copy may now be used."
