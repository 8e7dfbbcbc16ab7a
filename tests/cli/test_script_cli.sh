#!/usr/bin/env bash
# Scripts that try to outlast or outgrow their limits, through `dolab run` and the TUI's `:` line:
# each ends within its time limit + 1 s with "file:line: what", and the TUI stays up.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
NB="$TMP/nb.json"

# hostile scripts of issue 9: run with --script-time 0.5, each must end (exit 1) within 1.5 s
hostile() { # NAME EXPECTED-REGEX SCRIPT-TEXT [SCRIPT-SECONDS, default 0.5]
    printf '%s\n' "$3" > "$TMP/$1.lua"
    local t0 t1 secs=${4:-0.5}
    t0=$(date +%s%N)
    expect_status 1 "$1" -- timeout 20 $DOLAB run "$TMP/$1.lua" --notebook "$NB" --quick --script-time "$secs" --memory 32
    t1=$(date +%s%N)
    expect_match "$1 message" "$ERR" "$2"
    local bound=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 + 1000 }')
    [ $(( (t1 - t0) / 1000000 )) -lt "$bound" ] && ok || bad "$1 took $(( (t1 - t0) / 1000000 )) ms"
}
hostile pcall_loop "pcall_loop.lua:1: script time limit \(0.5 s\) exceeded" \
    'while true do pcall(function() while true do end end) end'
hostile xpcall_loop "xpcall_loop.lua:1: script time limit \(0.5 s\) exceeded" \
    'while true do xpcall(function() while true do end end, function() while true do end end) end'
hostile find "find.lua:2: string.find: this pattern could take too long" \
    "local s = string.rep('a', 40000)
return s:find('.-.-.-.-.-b')"
hostile gsub "gsub.lua:2: string.gsub: this pattern could take too long" \
    "local s = string.rep('a', 40000)
return s:gsub('.-.-.-.-.-b', 'x')"
hostile gc "gc.lua:1: setmetatable: __gc \(a finaliser\) is not available to scripts" \
    'setmetatable({}, {__gc = function() while true do end end})'
hostile explanation "explain.after_observation: .*explanation.lua:3: (the function returned 70000000 bytes, an explanation is at most 4096|string.rep: not enough memory)" \
    "return lab.experiment{ world = {variables = 3}, train = { mix = { { explain = true } } },
  explain = { after_observation =
    function(step) return string.rep('raises ', 1e7) end } }"
hostile memory "train.mix\[1\].accept: .*memory.lua:2: not enough memory \(script memory limit 32 MB\)" \
    "return lab.experiment{ train = { mix = { { accept = function(ep)
  local t = {} for i = 1, 1e9 do t[i] = {i, i, i, i, i, i, i, i} end return true end } } } }" 5
hostile accept_string "train.mix\[1\].accept: .*accept_string.lua:1: the function must return true or false, it returned string" \
    'return lab.experiment{ train = { mix = { { accept = function(ep) return "yes" end } } } }'
hostile error_nil "error_nil.lua:2: error raised with no message \(nil\)" $'local x = 1\nerror()'
hostile error_table "error_table.lua:2: an error object that is a table" \
    $'return lab.experiment{ heldout = function(g)\n  error({}) end }'
# weights or noise large enough to overflow a world's values are refused where they are written
hostile huge_weights "huge_weights.lua:1: world.weights: expected \\{lo, hi\\}, two numbers from 0 to 10$" \
    'return lab.experiment{ world = { variables = 5, edge_prob = 1, weights = {1, 1e300} } }'
hostile huge_edge "huge_edge.lua:1: lab.world.edges\\[1\\]: edge A -> B: weight must be non-zero and at most 10 in size" \
    'local w = lab.world{ variables = 3, edges = { {"A", "B", -1e300} } }'
# the 70 MB explanation under the default memory cap reaches the size bound
printf '%s\n' "return lab.experiment{ world = {variables = 3}, train = { mix = { { explain = true } } },
  explain = { after_observation = function(step) return string.rep('raises ', 1e7) end } }" > "$TMP/big.lua"
expect_status 1 "a 70 MB explanation" -- $DOLAB run "$TMP/big.lua" --notebook "$NB" --quick
expect_match "its message" "$ERR" "big.lua:2: the function returned 70000000 bytes, an explanation is at most 4096"
[ ! -e "$NB" ] && ok || bad "a failed run wrote the notebook"

# ---- the TUI's : line -----------------------------------------------------------------------
tui() { expect_status 0 "tui: $1" -- timeout 30 $DOLAB tui --no-model --notebook "$NB" --size 120x36 --headless ":$1<enter>"; }
tui 'setmetatable({}, {__tostring = function() error("x") end})'
expect_match "a failing __tostring ends the line" "$OUT" "Lua: command:1: x"
tui 't = {} t.self = t return {1, "two", n = {m = {k = {}}}}, t'
expect_match "tables are shown" "$OUT" '\{1, "two", n = \{m = \{k = \{…\}\}\}\} +\{self = \{…cycle\}\}'
# 32 MB built from 1 MB pieces (a one-byte unit is 2^25 copies, over the line's 3 s under ASan
# and load; 128 MB was too, at load 8), then a 288 MB concatenation the cap refuses at once
tui 'x = string.rep(string.rep("x", 2^20), 2^5) y = x .. x .. x .. x .. x .. x .. x .. x .. x'
expect_match "memory at the cap ends the line" "$OUT" "Lua: command:1: not enough memory \(script memory limit 256 MB\)"
tui 'while true do end'
expect_match "a runaway line ends at the : line's own limit" "$OUT" "Lua: command:1: script time limit \(3 s\) exceeded"
tui 'lab.episode(world, "model")'
expect_match "no model: said so" "$OUT" "no model is loaded here"
expect_status 0 "tui: the model answers" -- $DOLAB tui --model models/default.ckpt --notebook "$NB" --size 120x36 \
    --headless ':ep = lab.episode(world, "model") return ep.exploit["do"], ep.normalised_reward<enter>'
expect_match "the model's episode" "$OUT" '│ B +1\.0 '

# through a real terminal: the TUI is still there after the line, and q quits cleanly
if command -v tmux >/dev/null; then
    SOCK="$TMP/tmux.sock"
    T() { tmux -u -S "$SOCK" "$@"; }
    trap 'T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
    T -f /dev/null new-session -d -s t -x 100 -y 30 \
        "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $DOLAB tui --no-model --notebook $NB 2>$TMP/tui.err; echo EXITED \$?; sleep 600"
    wait_for() { for _ in $(seq 100); do T capture-pane -p -t t | grep -Eq -- "$1" && return 0; sleep 0.1; done; return 1; }
    wait_for "LIVE" && ok || bad "tmux: the TUI did not start"
    T send-keys -t t ':' 'setmetatable({}, {__tostring = function() error("x") end})' Enter
    wait_for "Lua: command:1: x" && ok || bad "tmux: no error line"
    T send-keys -t t q
    wait_for "EXITED 0" && ok || { bad "tmux: the TUI did not quit cleanly"; T capture-pane -p -t t | tail -5 >&2; }
    T kill-server 2>/dev/null
fi
finish
