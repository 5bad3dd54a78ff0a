#!/usr/bin/env bash
# The embedded default: a PostgreSQL 15 cluster for this checkout in a local
# directory, listening on its own unix socket and on 127.0.0.1 at a free port.
#
#   scripts/pg-local.sh start             initdb if needed, start, create roles and database
#   scripts/pg-local.sh stop [fast|immediate]
#   scripts/pg-local.sh status            exit 0 when running
#   scripts/pg-local.sh psql [ARGS...]    psql as ruglab_admin (PGUSER overrides)
#   scripts/pg-local.sh conninfo          print the libpq connection string (no user)
#   scripts/pg-local.sh reset             drop the ruglab database and create it empty
#   scripts/pg-local.sh destroy           stop and delete the cluster
#
# PGLOCAL_DIR chooses the cluster directory (tests use a throwaway one);
# the default is var/pg in the checkout, and the default cluster's
# connection string is also written to var/local-db.conninfo, where the
# ruglab programs look when neither --db nor RUGLAB_DB is given.
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# unprivileged user postgres (RUGLAB_PG_USER overrides), which must be able
# to reach the cluster directory; when it cannot (a checkout under /root),
# the default cluster lives under /tmp instead and says so.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-status}
shift || true

die() { echo "pg-local: $*" >&2; exit 1; }

[ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL 15 server binaries not found in $PGBIN (run scripts/install-deps.sh)"

if [ "$(id -u)" -eq 0 ]; then
  server_user=${RUGLAB_PG_USER:-postgres}
  id "$server_user" >/dev/null 2>&1 || die "user $server_user does not exist (install postgresql-15)"
  as_server() { runuser -u "$server_user" -- "$@"; }
else
  server_user=$(id -un)
  as_server() { "$@"; }
fi

default_cluster=0
if [ -n "${PGLOCAL_DIR:-}" ]; then
  dir=$PGLOCAL_DIR
else
  default_cluster=1
  dir=$root/var/pg
  mkdir -p "$root/var"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u "$server_user" -- test -x "$root/var"; then
    dir=/tmp/ruglab-pg-$(printf '%s' "$root" | sha1sum | cut -c1-12)
  fi
fi

data=$dir/data
log=$dir/postgresql.log
sockdir=$dir/run
# unix socket paths are limited to 107 bytes
if [ $(( ${#sockdir} + 20 )) -gt 107 ]; then
  sockdir=/tmp/ruglab-sock-$(printf '%s' "$dir" | sha1sum | cut -c1-12)
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port below Linux's ephemeral range (32768-60999), where the outgoing
# connections of a busy test machine take their ports: a port found free
# there can be taken by a client before the server binds it.
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12768 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free TCP port found on 127.0.0.1"
}

conninfo() { echo "host=$sockdir port=$(cat "$dir/port") dbname=ruglab"; }

running() { [ -f "$data/PG_VERSION" ] && as_server "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

write_conninfo() {
  conninfo > "$dir/conninfo"
  if [ "$default_cluster" = 1 ]; then
    conninfo > "$root/var/local-db.conninfo"
  fi
}

start() {
  local fresh=0
  mkdir -p "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    fresh=1
    rm -rf "$data"
    mkdir -p "$data"
    chmod 0755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown -R "$server_user" "$dir"
    as_server "$PGBIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 -N >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed in $data"; }
  fi
  mkdir -p "$sockdir"
  chmod 0700 "$sockdir"
  [ "$(id -u)" -eq 0 ] && chown "$server_user" "$sockdir" "$dir"
  if running; then
    write_conninfo
    echo "pg-local: cluster already running in $dir (port $(cat "$dir/port"))"
    return 0
  fi
  local port
  port=$(cat "$dir/port" 2>/dev/null || true)
  if [ -z "$port" ] || port_in_use "$port"; then
    port=$(pick_port)
  fi
  echo "$port" > "$dir/port"
  # Settings for this cluster: its own socket and port; logical decoding
  # for the quality registry (replication of the pseudonymised tables).
  cat > "$dir/ruglab.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_connections = 200
log_line_prefix = '%m [%p] %u@%d '
# The clinical views are planned as many small parts: JIT compiling them
# costs seconds and saves nothing (see README, Operations).
jit = off
EOF
  [ "$(id -u)" -eq 0 ] && chown "$server_user" "$dir/ruglab.conf"
  grep -q "include_if_exists = '$dir/ruglab.conf'" "$data/postgresql.conf" 2>/dev/null \
    || as_server sh -c "echo \"include_if_exists = '$dir/ruglab.conf'\" >> '$data/postgresql.conf'"
  : > "$log"
  [ "$(id -u)" -eq 0 ] && chown "$server_user" "$log"
  # a port taken between the check and the bind: another port, twice more
  local try
  for try in 1 2 3; do
    as_server "$PGBIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null 2>&1 && break
    if [ "$try" -lt 3 ] && grep -q "could not bind .*Address already in use" "$log"; then
      port=$(pick_port)
      echo "$port" > "$dir/port"
      sed -i "s/^port = .*/port = $port/" "$dir/ruglab.conf"
      : > "$log"
      continue
    fi
    cat "$log" >&2
    die "the server in $data did not start (log above)"
  done
  write_conninfo
  PGUSER=postgres psql -X -q -v ON_ERROR_STOP=1 "host=$sockdir port=$port dbname=postgres" \
    -f "$root/deploy/db-setup.sql" >/dev/null || die "database setup failed (deploy/db-setup.sql)"
  if [ "$fresh" = 1 ]; then
    echo "pg-local: new cluster started in $dir (port $port)"
  else
    echo "pg-local: existing cluster restarted in $dir (port $port)"
  fi
}

stop() {
  local mode=${1:-fast}
  if running; then
    as_server "$PGBIN/pg_ctl" -D "$data" -m "$mode" -w -t 60 stop >/dev/null
    echo "pg-local: stopped ($mode) $dir"
  else
    echo "pg-local: not running ($dir)"
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop "$@" ;;
  status)
    if running; then echo "pg-local: running in $dir: $(conninfo)"; else echo "pg-local: not running ($dir)"; exit 3; fi ;;
  conninfo)
    [ -f "$dir/port" ] || die "no cluster in $dir (run: scripts/pg-local.sh start)"
    conninfo ;;
  psql)
    running || die "not running ($dir); run: scripts/pg-local.sh start"
    exec psql -X "$(conninfo) user=${PGUSER:-ruglab_admin}" "$@" ;;
  reset)
    running || die "not running ($dir); run: scripts/pg-local.sh start"
    PGUSER=postgres psql -X -q -v ON_ERROR_STOP=1 "$(conninfo | sed 's/dbname=ruglab/dbname=postgres/')" \
      -c "DROP DATABASE IF EXISTS ruglab WITH (FORCE)" >/dev/null || die "could not drop database ruglab"
    PGUSER=postgres psql -X -q -v ON_ERROR_STOP=1 "$(conninfo | sed 's/dbname=ruglab/dbname=postgres/')" \
      -f "$root/deploy/db-setup.sql" >/dev/null || die "database setup failed (deploy/db-setup.sql)"
    echo "pg-local: database ruglab is empty again ($dir)" ;;
  destroy)
    stop immediate
    rm -rf "$dir"
    [ "$default_cluster" = 1 ] && rm -f "$root/var/local-db.conninfo"
    echo "pg-local: removed $dir" ;;
  *) die "unknown command '$cmd' (start|stop|status|psql|conninfo|reset|destroy)" ;;
esac
