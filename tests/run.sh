#!/usr/bin/env bash
# Runs every test: the unit binaries in $BUILD/tests and the shell tests in tests/cli.
# Each prints its own "N passed, N failed"; this adds them up and ends with the total line.
set -u
BUILD=${BUILD:-build}
export DOLAB=${DOLAB:-./dolab}
pass=0 fail=0 broken=()
run_one() {
    local name=$1; shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    local line
    line=$(printf '%s\n' "$out" | grep -a -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -n 20
        echo "  $name: crashed or printed no summary (exit $rc)"
        fail=$((fail + 1)); broken+=("$name"); return
    fi
    local p f
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
        printf '%s\n' "$out" | grep -a -v -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 40
        [ "$f" = 0 ] && f=1
        broken+=("$name")
    fi
    printf '  %-28s %s\n' "$name" "$line"
    pass=$((pass + p)); fail=$((fail + f))
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t")" bash "$t"
done
[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
