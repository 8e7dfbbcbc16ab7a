#!/usr/bin/env bash
# Lessons as a teacher uses them: `dolab lesson` refuses a broken script with file:line and the
# field, runs every shipped lesson headless to its last step, and in tmux at 80x24 and 200x50
# walks a question (votes, typed answers, the reveal) with the DAG visibly larger on the big
# screen; the class's place and answers are saved and resumed.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

# ---- the command and bad scripts ---------------------------------------------------------------
expect_status 0 "help" -- "$DOLAB" lesson --help
expect_match "help names the keys' guide" "$OUT" "teaching\.md"
expect_status 2 "a lesson needs its file" -- "$DOLAB" lesson
printf 'return lab.lesson{\n  steps = {\n    {narration = "x", world = {variables = 3, edges = {{"A", "B"}}}, titel = "t"}}}\n' >"$TMP/typo.lua"
expect_status 1 "a typo is refused" -- "$DOLAB" lesson "$TMP/typo.lua" --headless ""
expect_match "with file:line and the field" "$ERR" "typo\.lua:1: steps\[1\]\.titel: unknown field"
printf 'return lab.lesson{steps = {{narration = "x", world = {variables = 3, edges = {{"A", "B"}}}, goal = 2}}}\n' >"$TMP/type.lua"
expect_status 1 "a wrong type is refused" -- "$DOLAB" lesson "$TMP/type.lua" --headless ""
expect_match "naming the field" "$ERR" "type\.lua:1: steps\[1\]\.goal: expected a variable name"
printf 'local x = nil\n\nreturn lab.lesson{steps = {{narration = x.y}}}\n' >"$TMP/runtime.lua"
expect_status 1 "a runtime error is refused" -- "$DOLAB" lesson "$TMP/runtime.lua" --headless ""
expect_match "with its line" "$ERR" "runtime\.lua:3: attempt to index a nil value"
expect_status 1 "a missing file" -- "$DOLAB" lesson "$TMP/none.lua" --headless ""
expect_match "names it" "$ERR" "none\.lua"

# ---- every shipped lesson, headless, first step to last (votes and the reveal on each) --------
walk=""
for i in $(seq 1 12); do walk="${walk}12rn"; done
for f in experiments/lessons/*.lua; do
    rm -f "$TMP/walk.json"
    expect_status 0 "$f walks" -- "$DOLAB" lesson "$f" --notebook "$TMP/walk.json" --headless "${walk}q" --size 100x30
    n=$(grep -c "narration = " "$f")
    expect_match "$f ends at its last step" "$OUT" "$n/$n "
    saved=$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["entries"][-1]["lesson"]
qs = e["questions"]
print(e["step"], e["steps"], len(qs), all(q["revealed"] and sum(q["tally"]) == 2 for q in qs))' "$TMP/walk.json" 2>&1)
    expect_match "$f: every question answered and revealed in the notebook" "$saved" "^$n $n [1-9][0-9]* True$"
done

# ---- the handout: every step, each SVG parses and names every variable and edge --------------
expect_status 0 "a handout" -- "$DOLAB" lesson experiments/lessons/02_correlation.lua --handout "$TMP/handout"
expect_match "says what it wrote" "$OUT" "wrote 6 steps"
if command -v dot >/dev/null; then
    res=$(python3 - "$TMP/handout" <<'PY' 2>&1
import os, re, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
steps = sorted(f for f in os.listdir(d) if re.fullmatch(r"step-\d\d\.md", f))
bad = []
if len(steps) != 6: bad.append("%d step files" % len(steps))
for f in steps:
    n = f[5:7]
    for ext in ("md", "html", "svg", "dot"):
        if not os.path.exists(os.path.join(d, "step-%s.%s" % (n, ext))): bad.append("step-%s.%s missing" % (n, ext))
    dot = open(os.path.join(d, "step-%s.dot" % n)).read()
    nodes = re.findall(r"^  ([A-H]) \[", dot, re.M)
    edges = re.findall(r"^  ([A-H]) -> ([A-H]) \[label=\"([-+][0-9.e+-]+)\"", dot, re.M)
    try:
        svg = ET.parse(os.path.join(d, "step-%s.svg" % n)).getroot()
    except ET.ParseError as err:
        bad.append("step-%s.svg does not parse: %s" % (n, err)); continue
    ns = "{http://www.w3.org/2000/svg}"
    titles = [t.text for t in svg.iter(ns + "title")]
    texts = [t.text for t in svg.iter(ns + "text")]
    for v in nodes:
        if v not in titles: bad.append("step-%s.svg lacks variable %s" % (n, v))
    for a, b, w in edges:
        if "%s->%s" % (a, b) not in titles: bad.append("step-%s.svg lacks edge %s->%s" % (n, a, b))
        if w not in texts: bad.append("step-%s.svg lacks the weight %s of %s->%s" % (n, w, a, b))
    if not nodes or not edges: bad.append("step-%s.dot names no world" % n)
    md = open(os.path.join(d, "step-%s.md" % n)).read()
    if "step %d of 6" % int(n) not in md: bad.append("step-%s.md has no title" % n)
print("ok" if not bad else "; ".join(bad))
PY
)
    expect_match "every step present, each SVG parses and names every variable, edge and weight" "$res" "^ok$"
    step4=$(cat "$TMP/handout/step-04.md")
    expect_match "the question in the handout" "$step4" "Which do\(\) maximises D"
    expect_match "its outcome table: C- is worth 7.5 and the expert chose it" "$step4" "\| 6\. C- \| \+7\.5 \| [a-z_, ]*expert"
    expect_match "corr's choice, E+, worth nothing" "$step4" "\| 7\. E\+ \| 0\.0 \| [a-z_, ]*corr|\| 7\. E\+ \| \+0\.0 \| [a-z_, ]*corr"
    expect_match "the evidence table" "$step4" "\| C = \+5 \|"
    html=$(cat "$TMP/handout/step-04.html")
    expect_match "the HTML shows the picture" "$html" "<img src=\"step-04\.svg\""
else
    echo "test_lessons.sh: Graphviz's dot is missing (make deps installs graphviz): the SVG checks are skipped" >&2
    expect_match "without dot the handout says so" "$OUT" "dot is not installed"
fi
expect_status 0 "without dot on PATH" -- env PATH=/nonexistent "$DOLAB" lesson experiments/lessons/02_correlation.lua --handout "$TMP/nodot"
expect_match "it writes the text and says why there are no pictures" "$OUT" "no pictures: Graphviz's dot is not installed"
[ -f "$TMP/nodot/step-06.html" ] && [ ! -f "$TMP/nodot/step-01.svg" ] && ok || bad "without dot: text but no SVG"

# ---- tmux: a lesson at 80x24 and at 200x50 ------------------------------------------------------
if ! command -v tmux >/dev/null; then
    bad "tmux is not installed (make deps installs it)"
    finish; exit
fi
NSOCK=0
SOCK="$TMP/tmux.0.sock"
T() { tmux -u -S "$SOCK" "$@"; }
fresh() { T kill-server 2>/dev/null; NSOCK=$((NSOCK + 1)); SOCK="$TMP/tmux.$NSOCK.sock"; }
trap 'T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
cap() { T capture-pane -p -t t 2>/dev/null; }
wait_for() {
    local i n=$(( ${2:-15} * 10 ))
    for ((i = 0; i < n; i++)); do
        cap | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
check() { if wait_for "$2" "${3:-20}"; then ok; else bad "$1: no /$2/ in:"; cap | head -60 >&2; fi; }
keys() { T send-keys -t t "$@"; }
LESSON=experiments/lessons/02_correlation.lua
start() { # start W H: the lesson in a fresh session of W x H
    fresh
    T -f /dev/null new-session -d -s t -x "$1" -y "$2" \
        "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $DOLAB lesson $LESSON --notebook $TMP/class.json 2>$TMP/lesson.err; echo EXITED \$?; sleep 600"
    T set-option -t t status off >/dev/null
}
# rows from the first to the last line with a box of the DAG, in the World (left) half
dag_rows() { cap | awk -v half="$1" '{ l = substr($0, 1, half) } l ~ /\[ ?[A-E][ =]/ { if (!f) f = NR; e = NR } END { print e - f }'; }

for size in 80x24 200x50; do
    w=${size%x*}; h=${size#*x}
    rm -f "$TMP/class.json"
    start "$w" "$h"
    check "$size: the lesson opens" "LESSON"
    check "$size: step 1 with its question" "1/6"
    keys 1 4 4
    check "$size: votes counted" "a vote for E"
    keys c
    check "$size: the answers prompt" "answers \("
    keys '4:3 2' Enter
    check "$size: typed answers added" "4 answers added"
    keys r
    check "$size: the reveal marks the answer" "◀ the answer"
    check "$size: the tally (E: 5 votes)" "4 E .* 5"
    keys n n
    check "$size: step 3 draws the world" "3/6"
    sleep 0.3
    rows=$(dag_rows $((w / 2)))
    eval "rows_$w=$rows"
    keys q
    check "$size: q saves and quits" "EXITED 0"
    saved=$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["entries"][-1]["lesson"]
print(e["step"], e["questions"][0]["tally"], e["questions"][0]["revealed"])' "$TMP/class.json" 2>&1)
    expect_match "$size: the place and the answers are in the notebook" "$saved" "^3 \[1, 1, 0, 5\] True$"
done
[ "${rows_80:-0}" -gt 0 ] && [ "${rows_200:-0}" -ge $((2 * rows_80)) ] && ok ||
    bad "the DAG is not visibly larger at 200x50: $rows_200 rows against $rows_80 at 80x24"

# the next lesson resumes where the class was, with its answers
start 100 30
check "resumed at step 3" "resumed at step 3 of 6"
keys p p
check "back at the question" "1/6"
check "with its tally" "4 E .* 5"
# a step a strategy plays goes at the lesson's pace (space pauses), then stops at its end
keys n n n n
check "step 5, played by corr" "5/6"
check "playing at the lesson's pace" "corr · ep 1 · exploring [1-4]/5 · playing"
check "to the end, where it stops" "corr · ep 1 · done 5/5" 20
check "with corr's last move" "exploit: corr did E\+"
keys q
check "quits" "EXITED 0"

finish
