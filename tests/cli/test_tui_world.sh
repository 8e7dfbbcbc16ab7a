#!/usr/bin/env bash
# The World pane through a real terminal: `dolab tui` in tmux at 80x24, 120x36 and 200x50, in
# every theme and under NO_COLOR, with the world of issue 8 (6 edges; 3 were labelled) set from
# the `:` line: every edge's weight, with its sign, must be on the screen inside the World pane,
# and the legend must tell the signs apart by line style.  The unit tests
# (tests/unit/test_tui_world.c) cover random worlds and the layout's details headless.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

if ! command -v tmux >/dev/null; then
    bad "tmux is not installed (make deps installs it)"
    finish; exit
fi
NSOCK=0
SOCK="$TMP/tmux.0.sock"
T() { tmux -u -S "$SOCK" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
cap() { T capture-pane -p -t t 2>/dev/null; }
# the World pane: the top-left half of the screen, down to its bottom border
world() { cap | python3 -c 'import sys
w = int(sys.argv[1]) // 2
for i, l in enumerate(sys.stdin.read().split("\n")):
    print(l[:w])
    if i and l.startswith("└"): break' "$COLS"; }
wait_for() {
    local i w
    for ((i = 0; i < 150; i++)); do
        w=$(world)
        printf '%s' "$w" | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

wait_screen() {
    local i
    for ((i = 0; i < 150; i++)); do
        cap | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

# check WHAT: every weight of the world and the legend in the World pane now
check_world() {
    local what=$1 W lab want got
    W=$(world)
    for lab in -0.6 -0.9 -0.8 +1.0 -1.2; do
        want=1; [ "$lab" = -0.6 ] && want=2
        got=$(printf '%s' "$W" | grep -o -F -- "$lab" | wc -l)
        if [ "$got" -ge "$want" ]; then ok; else bad "$what: weight $lab shown $got times, $want edges have it:
$W"; fi
    done
    expect_match "$what: the legend tells the signs apart by line style" "$W" "── \+ ╌╌ −"
    expect_match "$what: negative edges dashed" "$W" "╎"
    expect_match "$what: positive edges solid" "$W" "│"
}

# one session per environment; the sizes by resizing the window, the themes by `t`
for env in "" NO_COLOR=1; do
    T kill-server 2>/dev/null; NSOCK=$((NSOCK + 1)); SOCK="$TMP/tmux.$NSOCK.sock"
    COLS=80
    T -f /dev/null new-session -d -s t -x 80 -y 24 \
        "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $env $DOLAB tui --no-model --notebook $TMP/nb.json 2>$TMP/tui.err; echo EXITED \$?; sleep 600"
    T set-option -t t status off >/dev/null
    if ! wait_for "World"; then bad "$env: the TUI did not start: $(cap | head -5)"; continue; fi
    T send-keys -t t ':'
    T send-keys -t t -l "world = lab.world{variables = 5, edges = {{'A','B',-0.61}, {'A','D',-0.94}, {'A','E',-0.83}, {'B','D',-0.58}, {'B','E',0.97}, {'D','E',-1.23}}}"
    T send-keys -t t Enter
    if ! wait_for "edited world"; then bad "$env: the world was not set: $(world)"; continue; fi
    for size in 80x24 120x36 200x50; do
        COLS=${size%x*}
        T resize-window -t t -x "$COLS" -y "${size#*x}"
        # the TUI has redrawn at the new size when its top line spans the width
        for ((i = 0; i < 100; i++)); do
            [ "$(cap | head -1 | python3 -c 'import sys; print(len(sys.stdin.read().rstrip("\n")))')" = "$COLS" ] && break
            sleep 0.1
        done
        for theme in dark high-contrast light mono projector; do
            if [ "$theme" != dark ]; then # dark is where each size starts
                T send-keys -t t t
                wait_screen "theme $theme" || { bad "$size ${env:-colour}: theme $theme not reached: $(cap | tail -1)"; continue; }
            fi
            check_world "$size $theme ${env:-colour}"
        done
        T send-keys -t t t # back to dark
        wait_screen "theme dark" || bad "$size: back to dark"
    done
    T send-keys -t t q
done
finish
