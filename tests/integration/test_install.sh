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
for ex in "$T_ROOT"/deploy/*.conf.example; do
  [ -f "$ex" ] || continue
  t_check "$(basename "$ex") is installed" test -f "$stage/usr/share/ruglab/examples/$(basename "$ex")"
done

# An installed binary finds the installed migrations, not the checkout's.
t_pg_start --no-migrate
out=$("$stage/usr/bin/ruglab" db migrate 2>&1)
t_match "the installed ruglab looks for migrations under /usr/share/ruglab/sql" "$out" "/usr/share/ruglab/sql"
out=$(RUGLAB_SQL_DIR="$stage/usr/share/ruglab/sql" "$stage/usr/bin/ruglab" db migrate 2>&1); rc=$?
t_is "the installed ruglab migrates from the installed files" "$rc" 0

# systemd-analyze verify checks that ExecStart is executable: point it at
# the staged binaries (the only change made to the units).
for unit in "$stage"/lib/systemd/system/*.service; do
  name=$(basename "$unit")
  sed "s#/usr/bin/#$stage/usr/bin/#g" "$unit" > "$T_TMP/$name"
  out=$(systemd-analyze verify "$T_TMP/$name" 2>&1); rc=$?
  t_is "$name passes systemd-analyze verify" "$rc:$out" "0:"
  t_check "$name is Type=notify" grep -q '^Type=notify' "$unit"
  t_check "$name runs as its own user" grep -q '^User=ruglab-' "$unit"
  t_check "$name sets NoNewPrivileges" grep -q '^NoNewPrivileges=yes' "$unit"
  t_check "$name sets ProtectSystem=strict" grep -q '^ProtectSystem=strict' "$unit"
  t_check "$name has a state directory" grep -q '^StateDirectory=' "$unit"
  t_check "$name has a restart policy" grep -qE '^Restart=(on-failure|always)' "$unit"
done
t_done
