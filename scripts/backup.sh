#!/bin/sh
# Back up the portal's PostgreSQL database with pg_dump (custom format: compressed, restored
# with scripts/restore.sh).
#
#   scripts/backup.sh [FILE]          FILE defaults to sro-portal-<UTC time>.dump
#
# DATABASE_URL names the database, as the portal's settings do (postgres://user:pw@host/name),
# with a role that bypasses row-level security (a superuser, or one with BYPASSRLS): pg_dump
# stops with an error rather than write a backup the policies have filtered.
set -eu

: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
file="${1:-sro-portal-$(date -u +%Y%m%dT%H%M%SZ).dump}"

pg_dump --format=custom --no-owner --file="$file" --dbname="$DATABASE_URL"
echo "Backed up to $file"
