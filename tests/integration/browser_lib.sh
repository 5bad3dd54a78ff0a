# Helpers of the browser tests (sourced after lib.sh and web_lib.sh): run a
# tests/browser/*.mjs script in Debian's chromium through playwright-core
# and turn what it reports into this test's TAP lines.
#
#   b_ready          fails the test (with the command to run) when node,
#                    chromium or playwright-core (make browser-deps) is missing
#   b_shots NAME     the folder of NAME's screenshots and saved files,
#                    $BUILD/test-output/NAME (emptied; kept after the test);
#                    sets $B_SHOTS and empties B_DATA (a new run's data)
#   b_run SCRIPT [VAR=VALUE...]   runs node on tests/browser/SCRIPT with
#                    RL_BASE=$base, RL_SHOTS=$B_SHOTS and the VARs: each
#                    "pass"/"fail" line becomes a check, each "data KEY VALUE"
#                    line an entry of B_DATA (KEY) (repeated keys joined by
#                    newlines); checks that the script ran to its end and that
#                    node exited 0, and that every screenshot it took is a PNG

B_NODE_DIR=$T_ROOT/$BUILD/node
declare -A B_DATA

b_ready() {
  local what=""
  if ! command -v node >/dev/null; then
    what="node (Debian package nodejs)"
  elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
    what="node 18 or later (playwright-core's engines; this is $(node --version))"
  fi
  [ -x "${RL_CHROMIUM:-/usr/bin/chromium}" ] || what="$what chromium (Debian package chromium)"
  [ -f "$B_NODE_DIR/node_modules/playwright-core/package.json" ] || what="$what playwright-core in $BUILD/node"
  if [ -n "$what" ]; then
    t_not_ok "the browser tests' tools are installed" "missing: $what" \
      "run: make browser-deps (make check and make integration do it; scripts/install-deps.sh installs the Debian packages)"
    t_done
    exit 1
  fi
}

b_shots() {
  B_SHOTS=$T_ROOT/$BUILD/test-output/$1
  rm -rf "$B_SHOTS"
  mkdir -p "$B_SHOTS"
  B_DATA=()
}

b_run() {
  local script=$1; shift
  local out=$T_TMP/${script%.mjs}.out err=$T_TMP/${script%.mjs}.err rc line kind a b ended=0
  t_log "$err"
  env RL_NODE_DIR="$B_NODE_DIR" RL_BASE="$base" RL_SHOTS="$B_SHOTS" "$@" \
    timeout 600 node "$T_ROOT/tests/browser/$script" >"$out" 2>"$err"
  rc=$?
  while IFS= read -r line; do
    IFS=$'\t' read -r kind a b <<<"$line"
    case $kind in
      pass) t_ok "$a" ;;
      fail) t_not_ok "$a" "$b" ;;
      data) B_DATA[$a]=${B_DATA[$a]:+${B_DATA[$a]}$'\n'}$b ;;
      done) ended=1 ;;
      *) echo "# $script: $line" ;;
    esac
  done <"$out"
  t_is "$script ran to its end" "$ended" 1
  t_is "$script: node exits 0" "$rc" 0
  local shot n=0 bad=""
  while IFS= read -r shot; do
    [ -n "$shot" ] || continue
    n=$((n + 1))
    [ "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || bad="$bad $shot"
  done <<<"${B_DATA[shot]:-}"
  t_is "$script: each of its $n screenshots is a PNG file" "${bad:-none bad}" "none bad"
}
