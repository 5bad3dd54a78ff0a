#!/usr/bin/env bash
# make demo: the ruglab story on the local PostgreSQL cluster of this
# checkout (scripts/pg-local.sh). It starts (or reuses) the cluster,
# migrates it, and then plays every part that exists so far, saying what it
# does. Outputs go to var/demo/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
export PATH="$root/$BUILD/bin:$PATH"
out=$root/var/demo
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "1. The local PostgreSQL cluster (scripts/pg-local.sh)"
scripts/pg-local.sh start
RUGLAB_DB=$(scripts/pg-local.sh conninfo)
export RUGLAB_DB

step "2. The schema: ruglab db migrate (idempotent)"
ruglab db migrate
ruglab db status

step "3. What the database holds"
scripts/pg-local.sh psql -c "SELECT code, total_sessions, exercise_sessions, information_sessions, max_per_week, max_duration_days FROM clinical.programme ORDER BY programme_id"

cat <<EOT

== Done.
The local cluster keeps running; stop it with: scripts/pg-local.sh stop
Look around with:  scripts/pg-local.sh psql      (as ruglab_admin)
EOT
