# lib.sh — helpers for the shell tests in tests/cli (sourced, not run).
# expect_status CODE DESCRIPTION -- CMD...: runs CMD, checks its exit status, keeps stdout
# in $OUT and stderr in $ERR.  expect_match / expect_no_match check a regex against text.
pass=0 fail=0
DOLAB=${DOLAB:-./dolab}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $(basename "$0"): $*" >&2; }
expect_status() {
    local want=$1 what=$2; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
    if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, want $want; stderr: $(head -c 300 "$TMP/err")"; fi
}
expect_match() { if printf '%s' "$2" | grep -Eq -- "$3"; then ok; else bad "$1: no match for /$3/ in: $(printf '%s' "$2" | head -c 300)"; fi; }
expect_no_match() { if printf '%s' "$2" | grep -Eq -- "$3"; then bad "$1: unexpected /$3/"; else ok; fi; }
expect_lines() { local n; n=$(printf '%s' "$2" | grep -c -E -- "${4:-.}"); if [ "$n" = "$3" ]; then ok; else bad "$1: $n lines, want $3"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
