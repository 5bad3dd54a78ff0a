#!/usr/bin/env bash
# A seeded synthetic population for tests, demos and benchmarks: sites,
# ten years of groups, dropouts, missing time points, realistic values.
# Writes set-based SQL as ruglab_admin (scripts/gen-population.sql); the
# same arguments give the same rows. Then run `ruglab-outcomes refresh`.
#
#   scripts/gen-population.sh [--db CONNINFO] [--seed N] [--sites N]
#                             [--enrolments N] [--years N] [--until DATE]
#                             [--site-prefix P]
#
# Defaults: seed 1, 5 sites, 1000 enrolments, 10 years up to 2026-06-29,
# site codes gen-s01, gen-s02, ... (three digits from 100 sites on:
# gen-s001, ...). A second run with another seed (and the
# same prefix) adds enrolments to the same sites; the same seed twice is
# refused by the database (the badge tokens exist already).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
db=${RUGLAB_DB:-}
seed=1 sites=5 enrolments=1000 years=10 until=2026-06-29 prefix=gen-s
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "gen-population: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --sites) sites=$2; shift 2 ;;
    --enrolments) enrolments=$2; shift 2 ;;
    --years) years=$2; shift 2 ;;
    --until) until=$2; shift 2 ;;
    --site-prefix) prefix=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for v in seed sites enrolments years; do
  [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || die "--$v must be a positive integer"
done
[[ $until =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "--until must be a date YYYY-MM-DD"
[[ $prefix =~ ^[a-z0-9][a-z0-9-]{0,27}$ ]] || die "--site-prefix must be lower-case letters, digits and '-'"
if [ -z "$db" ]; then
  [ -f "$root/var/local-db.conninfo" ] || die "no database: give --db or RUGLAB_DB, or start scripts/pg-local.sh"
  db=$(cat "$root/var/local-db.conninfo")
fi
# a user named in the connection string wins over the default ruglab_admin
exec psql -X -q -At -v ON_ERROR_STOP=1 -1 -v seed="$seed" -v sites="$sites" \
  -v enrolments="$enrolments" -v years="$years" -v until="$until" -v prefix="$prefix" \
  -f "$root/scripts/gen-population.sql" "user=ruglab_admin $db"
