#!/usr/bin/env bash
# The World pane through a real terminal: `dolab tui` in an 80x24 tmux session, the world of
# issue 8 (6 edges; 3 were labelled) set from the `:` line; every edge's weight, with its sign,
# must be on the screen inside the World pane.  The unit tests (tests/unit/test_tui_world.c)
# cover the sizes, themes and random worlds headless.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

if ! command -v tmux >/dev/null; then
    bad "tmux is not installed (make deps installs it)"
    finish; exit
fi
SOCK="$TMP/tmux.sock"
T() { tmux -u -S "$SOCK" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
cap() { T capture-pane -p -t t 2>/dev/null; }
# the World pane: the top-left 40 columns, down to its bottom border
world() { cap | python3 -c 'import sys
for i, l in enumerate(sys.stdin.read().split("\n")):
    print(l[:40])
    if i and l.startswith("└"): break'; }
wait_for() {
    local i w
    for ((i = 0; i < 150; i++)); do
        w=$(world)
        printf '%s' "$w" | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

T -f /dev/null new-session -d -s t -x 80 -y 24 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $DOLAB tui --no-model --notebook $TMP/nb.json 2>$TMP/tui.err; echo EXITED \$?; sleep 600"
T set-option -t t status off >/dev/null
wait_for "World" && ok || bad "the TUI did not start: $(cap | head -5)"
T send-keys -t t ':'
T send-keys -t t -l "world = lab.world{variables = 5, edges = {{'A','B',-0.61}, {'A','D',-0.94}, {'A','E',-0.83}, {'B','D',-0.58}, {'B','E',0.97}, {'D','E',-1.23}}}"
T send-keys -t t Enter
if wait_for "edited world"; then ok; else bad "the world was not set: $(world)"; fi
W=$(world)
for lab in -0.6 -0.9 -0.8 +1.0 -1.2; do
    want=1; [ "$lab" = -0.6 ] && want=2
    got=$(printf '%s' "$W" | grep -o -F -- "$lab" | wc -l)
    if [ "$got" -ge "$want" ]; then ok; else bad "80x24 through tmux: weight $lab shown $got times, $want edges have it:
$W"; fi
done
expect_match "the legend tells the signs apart by line style" "$W" "── \+ ╌╌ −"
T send-keys -t t q
sleep 0.3
T send-keys -t t y 2>/dev/null
finish
