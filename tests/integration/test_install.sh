# `make install DESTDIR=... PREFIX=/usr` stages what a Debian package
# would ship; the systemd units pass `systemd-analyze verify`; every
# program answers --help and --version.
. "$(dirname "$0")/lib.sh"

stage=$T_TMP/stage
out=$(make -C "$T_ROOT" -s -j2 install BUILD="$T_TMP/build" DESTDIR="$stage" PREFIX=/usr 2>&1); rc=$?
t_is "make install into a staging tree exits 0" "$rc" 0 || echo "$out" | sed 's/^/#   /'

programs=$(make -C "$T_ROOT" -s --no-print-directory print-programs)
for p in $programs; do
  t_check "$p is installed in /usr/bin, executable" test -x "$stage/usr/bin/$p"
  out=$("$stage/usr/bin/$p" --version 2>&1)
  t_match "$p --version names the program and version" "$out" "^$p [0-9]+\.[0-9]+\.[0-9]+"
  out=$("$stage/usr/bin/$p" --help 2>&1); rc=$?
  t_is "$p --help exits 0" "$rc" 0
  t_match "$p --help shows usage" "$out" "usage: $p"
done
t_is "every migration is installed" \
  "$(cd "$stage/usr/share/ruglab/sql" && ls | sort | tr '\n' ' ')" \
  "$(cd "$T_ROOT/deploy/sql" && ls [0-9][0-9][0-9]_*.sql | sort | tr '\n' ' ')"
t_check "the server setup script is installed" test -f "$stage/usr/share/ruglab/db-setup.sql"
t_check "the wire protocol is installed as documentation" test -f "$stage/usr/share/doc/ruglab/ruglab.proto"
t_check "sysusers.d declares the daemons' users" grep -q '^u ruglab-collector' "$stage/usr/lib/sysusers.d/ruglab.conf"
t_check "sysusers.d declares ruglab-web's user" grep -q '^u ruglab-web ' "$stage/usr/lib/sysusers.d/ruglab.conf"
for l in nl en; do
  t_is "the web's $l templates are installed" \
    "$(cd "$stage/usr/share/ruglab/web/templates/$l" 2>/dev/null && ls | tr '\n' ' ')" \
    "$(cd "$T_ROOT/deploy/web/templates/$l" && ls | tr '\n' ' ')"
done
t_check "the web's style sheet is installed" test -f "$stage/usr/share/ruglab/web/static/ruglab.css"
# one example configuration per daemon: an empty list must not pass the loop
examples=$(cd "$T_ROOT/deploy" && ls -- *.conf.example 2>/dev/null | sort | tr '\n' ' ')
t_is "the example configurations to install are there, one per daemon" "$examples" \
  "agent.conf.example collector.conf.example web.conf.example "
for ex in $examples; do
  t_check "$ex is installed" test -f "$stage/usr/share/ruglab/examples/$ex"
done

# An installed binary finds the installed migrations, not the checkout's.
t_pg_start --no-migrate
out=$("$stage/usr/bin/ruglab" db migrate 2>&1)
t_match "the installed ruglab looks for migrations under /usr/share/ruglab/sql" "$out" "/usr/share/ruglab/sql"
out=$(RUGLAB_SQL_DIR="$stage/usr/share/ruglab/sql" "$stage/usr/bin/ruglab" db migrate 2>&1); rc=$?
t_is "the installed ruglab migrates from the installed files" "$rc" 0
t_check "the default exercise catalogue is installed" test -f "$stage/usr/share/ruglab/exercises/catalogue.json"
t_match "and the installed ruglab's migrate loads it into the empty catalogue" "$out" \
  "exercise catalogue loaded from catalogue.json: [0-9]+ exercises"

# The example configurations pass --check-config once the values that
# have no default (this machine's device id and key files) are given, as
# an installer gives them; and the CLIs check the database they find.
ruglab site add --code az-inst --name "AZ Install" >/dev/null
t_make_keys az-inst tergumed-9
out=$("$stage/usr/bin/ruglab-agent" --config "$stage/usr/share/ruglab/examples/agent.conf.example" \
  --device tergumed-9 --key-file "$KEYS/tergumed-9.key_secret" --server-key "$CKEY/collector.key" \
  --spool "$T_TMP/spool" --check-config 2>&1)
t_is "agent.conf.example passes --check-config with this device's id and keys" "$out" "configuration OK"
sed "s#^secret_key_file = .*#secret_key_file = $CKEY/collector.key_secret#" \
  "$stage/usr/share/ruglab/examples/collector.conf.example" >"$T_TMP/collector.conf"
t_match "collector.conf.example passes --check-config with the collector's key file" \
  "$("$stage/usr/bin/ruglab-collector" --config "$T_TMP/collector.conf" --check-config 2>&1)" \
  "^configuration OK: database .*user=ruglab_collector, listening on "
out=$("$stage/usr/bin/ruglab-collector" --config "$stage/usr/share/ruglab/examples/collector.conf.example" --check-config 2>&1); rc=$?
t_is "the collector's example without its key file: exit 4" "$rc" 4
t_match "and it names the missing key file" "$out" "/etc/ruglab/collector.key_secret"
# The web's example names the installed folders of its PREFIX; pointed at
# the staged ones, it passes --check-config.
t_check "web.conf.example names the templates under /usr/share/ruglab" \
  grep -qx "templates_dir = /usr/share/ruglab/web/templates" "$stage/usr/share/ruglab/examples/web.conf.example"
sed "s#= /usr/share/ruglab/#= $stage/usr/share/ruglab/#" "$stage/usr/share/ruglab/examples/web.conf.example" >"$T_TMP/web.conf"
t_match "web.conf.example passes --check-config with the staged templates" \
  "$("$stage/usr/bin/ruglab-web" --config "$T_TMP/web.conf" --check-config 2>&1)" \
  "^configuration OK: database .*user=ruglab_web, [0-9]+ templates in $stage/usr/share/ruglab/web/templates"
for p in ruglab ruglab-outcomes ruglab-report; do
  t_match "$p --check-config connects and checks the schema" "$("$stage/usr/bin/$p" --check-config 2>&1)" \
    "^configuration OK: database host=.* user=ruglab_"
  out=$("$stage/usr/bin/$p" --check-config --db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" 2>&1); rc=$?
  t_is "$p --check-config against an unreachable database: exit 3" "$rc" 3
  t_match "$p --check-config names the unreachable target" "$out" "cannot connect to host=127.0.0.1 port=1"
done

# systemd-analyze verify checks that ExecStart is executable: point it at
# the staged binaries (the only change made to the units).
for unit in "$stage"/lib/systemd/system/*.service; do
  name=$(basename "$unit")
  sed "s#/usr/bin/#$stage/usr/bin/#g" "$unit" > "$T_TMP/$name"
  out=$(systemd-analyze verify "$T_TMP/$name" 2>&1); rc=$?
  t_is "$name passes systemd-analyze verify" "$rc:$out" "0:"
  if grep -q '^Type=oneshot' "$unit"; then  # started by its timer (ruglab-outcomes-refresh)
    t_check "$name has its timer" test -f "${unit%.service}.timer"
  else
    t_check "$name is Type=notify" grep -q '^Type=notify' "$unit"
  fi
  t_check "$name runs as its own user" grep -q '^User=ruglab-' "$unit"
  t_check "$name sets NoNewPrivileges" grep -q '^NoNewPrivileges=yes' "$unit"
  t_check "$name sets ProtectSystem=strict" grep -q '^ProtectSystem=strict' "$unit"
  t_check "$name has a state directory" grep -q '^StateDirectory=' "$unit"
  t_check "$name has a restart policy" grep -qE '^Restart=(on-failure|always)' "$unit"
done

for unit in "$stage"/lib/systemd/system/*.timer; do
  name=$(basename "$unit")
  cp "$unit" "$T_TMP/$name"
  sed "s#/usr/bin/#$stage/usr/bin/#g" "${unit%.timer}.service" >"$T_TMP/${name%.timer}.service"
  out=$(systemd-analyze verify "$T_TMP/$name" 2>&1); rc=$?
  t_is "$name passes systemd-analyze verify" "$rc:$out" "0:"
done
t_check "sysusers.d declares the quality refresh's user" grep -q '^u ruglab-outcomes ' "$stage/usr/lib/sysusers.d/ruglab.conf"

# Each program links only what it uses (readelf -d, NEEDED): no database
# client in the agent, no protobuf-c in the admin CLI. readelf must read
# every program and find libraries, or a missing file would pass; the
# collector, which needs both, shows that the check sees them.
declare -A needed
for p in $programs; do
  out=$(readelf -d "$stage/usr/bin/$p" 2>&1); rc=$?
  t_is "readelf -d reads the installed $p" "$rc" 0
  needed[$p]=" $(sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' <<<"$out" | tr '\n' ' ')"
  t_match "$p has a NEEDED list" "${needed[$p]}" " libc\.so\."
done
for pair in ruglab-agent:libpq ruglab:libprotobuf-c; do
  p=${pair%%:*} lib=${pair#*:}
  if [[ "${needed[$p]:-}" != *" libc.so."* || "${needed[$p]}" == *" $lib.so."* ]]; then
    t_not_ok "$p does not link $lib" "NEEDED:${needed[$p]}"
  else
    t_ok "$p does not link $lib"
  fi
done
t_match "ruglab-collector links libpq and libprotobuf-c" "${needed[ruglab-collector]:-}" \
  " libpq\.so\..* libprotobuf-c\.so\.| libprotobuf-c\.so\..* libpq\.so\."
t_done
