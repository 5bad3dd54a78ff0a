# Helpers of the clinical CLI tests (sourced after lib.sh).

# one_line_fail DESC REGEX CMD...: exit status 1, one line on stderr
# matching REGEX, nothing on stdout (what a refused command must do).
one_line_fail() {
  local desc=$1 re=$2; shift 2
  local out err rc
  out=$("$@" 2>"$T_TMP/err"); rc=$?
  err=$(cat "$T_TMP/err")
  if [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" =~ $re ]]; then
    t_ok "$desc"
  else
    t_not_ok "$desc" "exit status $rc (wanted 1)" "stdout: $out" "stderr: $err" "wanted: /$re/"
  fi
}
