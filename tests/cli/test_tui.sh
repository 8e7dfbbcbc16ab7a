#!/usr/bin/env bash
# The TUI as a person uses it: `dolab tui` in a 100x30 tmux session, keys sent, the pane
# captured and checked.  Plus the headless mode and the command's flags.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

# a quickly trained model and its notebook
"$DOLAB" run experiments/heldout_links.lua --quick --quiet -o "$TMP/m.ckpt" --notebook "$TMP/nb.json" >/dev/null 2>&1
[ -f "$TMP/m.ckpt" ] && ok || bad "quick model not trained"

# ---- flags and headless ---------------------------------------------------------------------
expect_status 0 "help" -- "$DOLAB" tui --help
expect_match "help names the headless mode" "$OUT" "--headless"
expect_status 1 "bad theme name is refused" -- "$DOLAB" tui --theme nope --headless "" --no-model --notebook "$TMP/nb.json"
expect_match "bad theme message" "$ERR" "no theme 'nope'"
expect_status 1 "missing model is an error when named" -- "$DOLAB" tui --model "$TMP/none.ckpt" --headless ""
expect_match "missing model message" "$ERR" "none.ckpt"
expect_status 2 "a bad size" -- "$DOLAB" tui --size 10 --headless ""
expect_status 0 "headless" -- "$DOLAB" tui --model "$TMP/m.ckpt" --notebook "$TMP/nb.json" --headless "C<enter>"
expect_match "headless: the hand intervention" "$OUT" "\[C=\+5\.0\]"
expect_match "headless: the model's probabilities" "$OUT" "◀ model"
# train.goals: on every line of a stream episode that asks several goals, the World pane marks
# the goal of that line's question and shows that line's exploit (not the episode's first)
"$DOLAB" train --goals 4 --steps 5 --threads 1 --eval-every 0 --quiet -o "$TMP/goals.ckpt" >/dev/null 2>&1
checked=0 wrong=
for k in $(seq 6 16); do
    keys=$'\t'$(printf 'n%.0s' $(seq 1 "$k"))
    frame=$("$DOLAB" tui --model "$TMP/goals.ckpt" --notebook "$TMP/goals.json" --headless "$keys" --size 100x30 2>&1)
    line=$(printf '%s\n' "$frame" | grep -o '▶[^│]*' | sed 's/^▶//; s/ *$//')
    star=$(printf '%s\n' "$frame" | grep -o '\[[A-E][^]]*\]★' | cut -c2)
    if [[ $line =~ ^goal\ max\ ([A-E])$ ]]; then
        checked=$((checked + 1)); [ "$star" = "${BASH_REMATCH[1]}" ] || wrong="$wrong [$line: ★ on $star]"
    elif [[ $line =~ ^do\ ([A-E])=([+-])5\ →\ ([A-E])=(-?[0-9.]+)$ ]]; then
        v=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]} t=${BASH_REMATCH[3]}
        checked=$((checked + 1))
        printf '%s\n' "$frame" | grep -q "\[$v=${s}5\.0\]" && [ "$star" = "$t" ] || wrong="$wrong [$line: ★ on $star]"
    fi
done
[ "$checked" -ge 6 ] && [ -z "$wrong" ] && ok || bad "train.goals in the World pane: $checked lines checked, wrong:$wrong"
expect_status 0 "headless without a model" -- "$DOLAB" tui --no-model --notebook "$TMP/nb.json" --headless "" --size 80x24
expect_match "80x24 shows every variable" "$OUT" "\[A.*" 
# an external agent (docs/agents.md): s reaches it after the baselines, n lets it act
AGENT="python3 experiments/agents/expert_agent.py"
expect_status 0 "tui --agent" -- "$DOLAB" tui --no-model --notebook "$TMP/nb.json" --agent "$AGENT" --headless "ssssssnnnnnn"
expect_match "tui --agent: it acts" "$OUT" "exploit: agent:expert did [A-E][+-]"
expect_match "tui --agent: its reward is the oracle's" "$OUT" "reward -?[0-9.]+ vs oracle -?[0-9.]+ \([A-E][+-]\) = 1\.00"
expect_match "tui --agent: the status line" "$OUT" "acting: agent:expert"
expect_status 0 "tui --agent: s goes round to the first baseline" -- "$DOLAB" tui --no-model --notebook "$TMP/nb.json" --agent "$AGENT" --headless "sssssss"
expect_match "round" "$OUT" "acting: expert"
expect_status 1 "tui --agent that cannot start" -- "$DOLAB" tui --no-model --notebook "$TMP/nb.json" --agent /nonexistent/agent --headless ""
expect_match "tui --agent: clear error" "$ERR" "^dolab tui: --agent: .*status 127"
# Q: the quality token the model is asked for, in turn; the status line shows it and each
# decision's event records it
"$DOLAB" run experiments/mixed_demonstrators.lua --arm mixed_demonstrator_token --quick --quiet -o "$TMP/q.ckpt" --notebook "$TMP/qnb.json" >/dev/null 2>&1
expect_status 0 "tui: a model trained with quality tokens" -- "$DOLAB" tui --model "$TMP/q.ckpt" --notebook "$TMP/qnb.json" --headless ""
expect_match "tui: it starts at eval.quality" "$OUT" "model: q\.ckpt as expert · acting: model"
expect_status 0 "tui: Q" -- "$DOLAB" tui --model "$TMP/q.ckpt" --notebook "$TMP/qnb.json" --headless "Q<esc>"
expect_match "tui: Q asks for the next quality" "$OUT" "model: q\.ckpt as (max_seen|random) · "
expect_status 0 "tui: Q four times" -- "$DOLAB" tui --model "$TMP/q.ckpt" --notebook "$TMP/qnb.json" --headless "QQQQ<esc>"
expect_match "tui: Q goes round (none, then back)" "$OUT" "model: q\.ckpt as expert · "
expect_status 0 "tui: Q three times" -- "$DOLAB" tui --model "$TMP/q.ckpt" --notebook "$TMP/qnb.json" --headless "QQQ"
expect_match "tui: no quality token" "$OUT" "asked with no quality token"
expect_status 0 "tui: Q then steps, saved" -- "$DOLAB" tui --model "$TMP/q.ckpt" --notebook "$TMP/qnb.json" --headless "nnQnnnW"
q=$(grep -o '"model_quality":"[a-z_]*"' "$TMP/qnb.json" | sort | uniq -c | awk '{printf "%s%s", s, $0; s=","}')
expect_match "tui: the session records the quality of each decision" "$q" '^ *2 "model_quality":"expert", *3 "model_quality":"(max_seen|random)"$'
expect_status 0 "tui: Q on a model without quality tokens" -- "$DOLAB" tui --model "$TMP/m.ckpt" --notebook "$TMP/nb.json" --headless "Q"
expect_match "tui: Q says why not" "$OUT" "trained without quality tokens"
# a checkpoint whose held-out structures are a Lua predicate: rebuilt from the script it keeps
cat >"$TMP/luapred.lua" <<'LUA'
return lab.experiment{ name = "luapred", heldout = function(g) return g:is_ancestor("A", "E") end,
  train = { steps = 10, batch = 4 }, model = { dim = 8, heads = 1, layers = 1 }, eval = { episodes = 5 } }
LUA
expect_status 0 "a run with a Lua predicate" -- "$DOLAB" run "$TMP/luapred.lua" --quick --quiet --notebook "$TMP/lp.json" -o "$TMP/lp.ckpt"
expect_status 0 "the TUI loads its checkpoint" -- "$DOLAB" tui --model "$TMP/lp.ckpt" --notebook "$TMP/nb.json" --headless "n"
expect_match "and the model acts" "$OUT" "model: lp\.ckpt · acting: model"
expect_status 0 "no terminal: usage" -- "$DOLAB"
expect_match "dolab alone without a terminal prints usage" "$OUT" "usage: dolab"
expect_status 2 "tui without a terminal" -- "$DOLAB" tui
expect_match "tui asks for a terminal" "$ERR" "needs a terminal"

# the shipped model (made by `make model`), when it is there, is what the TUI opens with
if [ -f models/default.ckpt ]; then
    expect_status 0 "the shipped model loads" -- "$DOLAB" tui --notebook "$TMP/nb.json" --headless ""
    expect_match "the TUI opens with models/default.ckpt" "$OUT" "model: default\.ckpt"
    expect_match "and the model acts" "$OUT" "◀ model"
fi

# first start: no ./notebook.json yet, so the shipped model's run is shown, read-only
if [ -f models/notebook.json ]; then
    mkdir -p "$TMP/first" && abs=$(cd "$(dirname "$DOLAB")" && pwd)/$(basename "$DOLAB")
    # wide, so that the path of a checkout anywhere fits on the line
    out=$(cd "$TMP/first" && "$abs" tui --headless '<tab><tab>' --size 240x36 2>&1)
    expect_match "first start shows models/notebook.json" "$out" "models/notebook\.json \(read-only\)"
    expect_match "with its run" "$out" "1 run +[0-9]{4}-"
    out=$(cd "$TMP/first" && "$abs" tui --headless 'CnW' --size 120x36 2>&1)
    expect_match "W says it cannot write there" "$out" "read-only"
    [ ! -e "$TMP/first/notebook.json" ] && ok || bad "a notebook.json was written at first start"
fi

# ---- tmux --------------------------------------------------------------------------------------
if ! command -v tmux >/dev/null; then
    bad "tmux is not installed (make deps installs it)"
    finish; exit
fi
# a fresh server (socket) per session: a new session on a server that is still shutting down fails
NSOCK=0
SOCK="$TMP/tmux.0.sock"
T() { tmux -u -S "$SOCK" "$@"; }
fresh() { T kill-server 2>/dev/null; NSOCK=$((NSOCK + 1)); SOCK="$TMP/tmux.$NSOCK.sock"; }
trap 'T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
cap() { T capture-pane -p -t t "$@" 2>/dev/null; }
# wait_for REGEX [SECONDS]: until the pane shows it
wait_for() {
    local i n=$(( ${2:-15} * 10 ))
    for ((i = 0; i < n; i++)); do
        cap | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
check() { if wait_for "$2" "${3:-30}"; then ok; else bad "$1: no /$2/ in:"; cap | head -40 >&2; fi; }
check_not() { sleep 0.4; if cap | grep -Eq -- "$2"; then bad "$1: unexpected /$2/"; else ok; fi; }
start() { # start ENV...: dolab tui in a fresh session of $W x $H (100x30)
    fresh
    T -f /dev/null new-session -d -s t -x "${W:-100}" -y "${H:-30}" \
        "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $* $DOLAB tui --model $TMP/m.ckpt --notebook $TMP/nb.json 2>$TMP/tui.err; echo EXITED \$?; sleep 600"
    T set-option -t t status off >/dev/null
}
keys() { T send-keys -t t "$@"; }

start
check "World shows every variable" "\[A.*\[|\[A"
for v in A B C D E; do check "World shows $v" "\[$v[ =]"; done
check "Live shows the model's choice" "◀ model"
check "Live shows the baselines' choices" "expert [A-E].*oracle [A-E]|[A-E] .*expert.*oracle"
check "status line" "LIVE .*model: m.ckpt"

# the stream advances on space (Tab goes from Live to the Stream below it)
keys Tab
check "stream mode" "STREAM"
before=$(cap | grep -o '▶.*' | head -1)
keys Space
sleep 1.2
after=$(cap | grep -o '▶.*' | head -1)
[ -n "$before" ] && [ "$before" != "$after" ] && ok || bad "the stream did not advance: '$before' -> '$after'"
keys Space
check "paused" "paused"

# ? lists the keys; any key closes
keys '?'
check "help lists the keys" "take over"
check "help lists undo" "undo the last"
keys x
check_not "help closed" "any key closes"

# a hand intervention changes the World values: back to Live, C, Enter
keys BTab
check "live mode" "LIVE|HAND"
keys C Enter
check "hand intervention in the World" "\[C=\+5\.0\]"
check "the history shows the person's step" "C\(you\)"
keys u
check_not "undo" "\[C=\+5\.0\]"

# resize to 40x12: the too-small message; back to 100x30: the layout again
T resize-window -t t -x 40 -y 12
check "too small" "too small"
T resize-window -t t -x 100 -y 30
check "layout restored" "World"
check_not "no more too-small" "too small"

keys q
check "q asks about the unsaved live session" "quit anyway"
keys y
check "y quits" "EXITED 0"
[ -s "$TMP/tui.err" ] && bad "stderr while curses ran: $(head -c 200 "$TMP/tui.err")" || ok

# `dolab` alone on a terminal opens the TUI
fresh
T -f /dev/null new-session -d -s t -x 100 -y 30 "env LANG=C.UTF-8 TERM=xterm-256color $DOLAB; echo EXITED \$?; sleep 600"
check "dolab alone opens the TUI" "Live"
keys q
check "and q quits it" "EXITED 0"

# colour escapes with colours, none with NO_COLOR
start
check "started" "◀ model"
if cap -e | grep -Eq $'\e\\[[0-9;]*(3[0-7]|38;5;[0-9]+|4[0-7]|9[0-7])m'; then ok; else bad "no colour escapes without NO_COLOR"; fi
keys q
start NO_COLOR=1
check "started without colour" "◀ model"
if cap -e | grep -Eq $'\e\\[[0-9;]*(3[0-7]|38;5;[0-9]+|4[0-7]|9[0-7]|48;5;[0-9]+)m'; then
    bad "colour escapes with NO_COLOR: $(cap -e | grep -Eo $'\e\\[[0-9;]*m' | sort -u | tr '\n' ' ')"
else ok; fi
# an unsaved note makes q ask
keys Tab Tab a h i
check "note editor" "new note"
keys Escape
sleep 0.3
keys q
check "q asks about the unsaved note" "quit anyway"
keys y
check "y quits" "EXITED 0"

# the Notebook pane reads entries through notebook/nb_entry: a quick sweep run is marked quick
python3 - "$TMP/quick_nb.json" <<'PY'
import json, sys
run = {"type": "run", "id": 1, "time": "2026-11-29T10:00:00Z", "title": "arm_x, seed 3 (quick)", "quick": True,
       "config": {"name": "arm_x", "heldout": "nothing", "world": {"variables": 4}, "model": {"layers": 2, "dim": 16, "heads": 2}},
       "training": {"steps": 40, "curve": [[1, 4.5, None], [40, 1.25, 0.5]]},
       "eval": {"sets": [{"name": "heldout", "episodes": 10, "strategies": [{"name": "model", "mean_normalised_reward": 0.625}]}]}}
json.dump({"format": "dolab-notebook", "version": 1, "entries": [run]}, open(sys.argv[1], "w"))
PY
expect_status 0 "notebook pane with a quick run" -- $DOLAB tui --no-model --notebook "$TMP/quick_nb.json" --headless $'\t\t\t' --size 220x30
expect_match "notebook pane: quick marked in the list" "$OUT" '  1 run +2026-11-29 \[quick\] arm_x, seed 3'
expect_match "notebook pane: config line" "$OUT" 'config: arm_x · held out nothing · 4 variables · L2 C16 H2 · 40 steps · quick'
expect_match "notebook pane: results" "$OUT" 'heldout +model 0.62'

# Ctrl-S saves a note through a real terminal: flow control (IXON) is off while the TUI runs,
# so the terminal does not freeze and the keys typed after it are seen
start
check "started" "◀ model"
keys Tab Tab a
check "note editor" "new note"
keys -l "flow control"
check "the note is typed" "flow control"
keys C-s
check "Ctrl-S saved the note" "note saved"
keys a
check "the keys after Ctrl-S arrive" "new note"
keys -l "after"
check "and are shown" "after"
keys Escape
check "the draft is kept" "draft"
if grep -q '"text": *"flow control"' "$TMP/nb.json"; then ok; else bad "the note is not in the notebook"; fi
keys q
check "q asks about the draft" "quit anyway"
keys y
check "quits" "EXITED 0"

# Ctrl-Z suspends to the shell and fg brings the screen back, keys working and flow control
# still off (an interactive shell, for job control); the shell gets its own mode back on quit
fresh
T -f /dev/null new-session -d -s t -x 100 -y 30 \
    "env -i PATH=$PATH HOME=$TMP TERM=xterm-256color LANG=C.UTF-8 PS1='PROMPT\$ ' bash --norc --noprofile -i"
T set-option -t t status off >/dev/null
check "a shell" "PROMPT"
keys "$DOLAB tui --no-model --notebook $TMP/nb.json" Enter
check "the TUI runs in it" "expert · ep 1"
keys C-z
check "Ctrl-Z suspends it" "Stopped"
keys fg Enter
check "fg brings the screen back" "expert · ep 1"
keys Tab Tab a
check "keys work after fg" "new note"
keys -l "resumed"
keys C-s
check "Ctrl-S after a resume still saves" "note saved"
keys q
check "back in the shell" "PROMPT.*\$ *$"
keys "stty -a | tr ' ' '\n' | grep -x -- '-*ixon'" Enter
check "the shell's flow control is as it was" "^ixon"

# 80x24, the smallest laid-out size: the model's pick, every variable, every key in the help
W=80 H=24 start
check "80x24: the pick line" "model picks [A-E]"
for v in A B C D E; do check "80x24: World shows $v" "\[$v[ =]"; done
keys '?'
check "80x24: help page 1" "keys 1/"
check "80x24: help names space for the next page" "space: next page"
seen=$(cap)
for i in 1 2 3; do keys Space; sleep 0.3; seen="$seen$(cap)"; done
for what in "save the live session" "next theme" "add / re-weight an edge" "remove an edge" "make the selected variable the goal" \
    "cancel the training" "faster / slower" "pauses at each decision" "enlarge / shrink the Log"; do
    if printf '%s' "$seen" | grep -q -- "$what"; then ok; else bad "80x24: the help does not show '$what'"; fi
done
keys q
check "80x24 quits" "EXITED 0"

finish
