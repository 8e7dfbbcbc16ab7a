#!/usr/bin/env bash
# dolab stream / baselines / bench as a person types them: output, determinism, bad input.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

# --help everywhere, and the top-level usage
for c in "" stream baselines bench; do
    expect_status 0 "dolab $c --help" -- $DOLAB $c --help
    expect_match "dolab $c --help" "$OUT" '^usage: dolab'
done
expect_status 0 "dolab with no command" -- $DOLAB
expect_match "usage lists commands" "$OUT" 'stream'

# bad input: one clear line on stderr, exit 2, nothing on stdout
bad_input() {
    local what=$1 pattern=$2; shift 2
    expect_status 2 "$what" -- "$@"
    expect_match "$what: message" "$ERR" "$pattern"
    expect_lines "$what: one line" "$ERR" 1
    [ -z "$OUT" ] && ok || bad "$what: printed to stdout"
}
bad_input "unknown command" "unknown command 'strem'" $DOLAB strem
bad_input "unknown flag" "unknown option '--episdes'" $DOLAB stream --episdes 3
bad_input "episodes 0" "--episodes: expected an integer from 1 to 1000000, got '0'" $DOLAB stream --episodes 0
bad_input "episodes abc" "--episodes: expected an integer.*got 'abc'" $DOLAB baselines --episodes abc
bad_input "variables 9" "--variables: expected an integer from 2 to 8, got '9'" $DOLAB stream --variables 9
bad_input "variables 1" "--variables: expected an integer from 2 to 8" $DOLAB baselines --variables=1
bad_input "negative noise" "--noise: expected a number from 0 to 100, got '-1'" $DOLAB stream --noise -1
bad_input "noise nan" "--noise: expected a number" $DOLAB stream --noise nan
bad_input "bad format" "--format: expected one of text\|tokens\|jsonl, got 'xml'" $DOLAB stream --format xml
bad_input "missing value" "--seed needs a value" $DOLAB stream --seed
bad_input "negative seed" "--seed: expected a non-negative integer, got '-3'" $DOLAB stream --seed -3
bad_input "seed overflow" "--seed: expected a non-negative integer" $DOLAB stream --seed 99999999999999999999999
bad_input "cue of 1" "cue size: expected 0 \(no cue\) or 2 to 5, got 1" $DOLAB stream --cue 1
bad_input "cue too big" "cue size" $DOLAB stream --cue 7 --variables 4
bad_input "flag with value" "--json takes no value" $DOLAB baselines --json=1
bad_input "stray argument" "unexpected argument 'extra'" $DOLAB baselines extra
bad_input "world options with a script" "the world comes from the script" $DOLAB stream experiments/shortcut.lua --variables 4
bad_input "unknown benchmark" "unknown benchmark 'warp'" $DOLAB bench warp
bad_input "bench without name" "missing argument" $DOLAB bench

# the stream: deterministic, seed-dependent, three formats
expect_status 0 "stream" -- $DOLAB stream --episodes 20 --seed 5
a=$OUT
expect_status 0 "stream again" -- $DOLAB stream --episodes 20 --seed 5
[ "$a" = "$OUT" ] && ok || bad "same seed gave different streams"
expect_status 0 "stream other seed" -- $DOLAB stream --episodes 20 --seed 6
[ "$a" != "$OUT" ] && ok || bad "different seeds gave the same stream"
expect_lines "text: one goal line per episode" "$a" 20 '^goal max [A-E]$'
expect_match "text shows interventions" "$a" '^do A=\+5 → A=5\.0 B=-?[0-9]+\.[05] '
expect_status 0 "tokens" -- $DOLAB stream --episodes 7 --format tokens
expect_lines "tokens: one line per episode" "$OUT" 7 '^<bos> do A '
expect_status 0 "explained" -- $DOLAB stream --episodes 3 --explain --passive 2 --cue 3 --variables 6
expect_match "explanations" "$OUT" '\| [A-F] (raises|lowers|changes)'
expect_match "cue line" "$OUT" '^cue [A-F] [A-F] [A-F]$'
expect_match "passive line" "$OUT" '^obs A=.* F='

# jsonl: every episode re-checked outside dolab from the weights it prints
expect_status 0 "jsonl" -- $DOLAB stream --episodes 50 --format jsonl --seed 3 --variables 6
printf '%s\n' "$OUT" > "$TMP/s.jsonl"
expect_lines "jsonl: one line per episode" "$OUT" 50 '^\{'
if python3 - "$TMP/s.jsonl" <<'PY'
import json, sys
def te(w, n):
    # total effects by summing over paths: T = W + W^2 + ... (nilpotent on a DAG)
    tot = [[float(i == j) for j in range(n)] for i in range(n)]
    p = [row[:] for row in tot]
    for _ in range(n):
        p = [[sum(p[i][k] * w[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
        tot = [[tot[i][j] + p[i][j] for j in range(n)] for i in range(n)]
    return tot
bad = 0
for line in open(sys.argv[1]):
    ep = json.loads(line)
    names = ep["world"]["variables"]; n = len(names); w = ep["world"]["weights"]
    t = te(w, n); g = names.index(ep["goal"])
    x = names.index(ep["exploit"]["do"]); v = ep["exploit"]["value"]
    reward = v * t[x][g]
    best = max(abs(t[i][g]) for i in range(n) if i != g) * abs(v)
    ok = abs(reward - ep["reward"]) < 1e-9 and abs(best - ep["optimal_reward"]) < 1e-9
    ok = ok and ep["tokens"][0] == "<bos>" and len(ep["tokens"]) == len(ep["classes"])
    ok = ok and len(ep["steps"]) == n and all(s["observed"][names.index(s["do"])] == s["value"] for s in ep["steps"])
    bad += not ok
sys.exit(1 if bad else 0)
PY
then ok; else bad "jsonl episodes do not re-check from their weights"; fi

# baselines: the table and its JSON
expect_status 0 "baselines" -- $DOLAB baselines --episodes 300 --seed 2
for s in expert oracle corr max_seen parents random; do expect_match "baselines row $s" "$OUT" "^$s +-?[0-9]\.[0-9]{3}  \[-?[0-9.]+, -?[0-9.]+\]"; done
expect_status 0 "baselines json" -- $DOLAB baselines --episodes 300 --seed 2 --json
if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = {x["name"]: x for x in d["strategies"]}
assert d["episodes"] == 300 and len(s) == 6
assert s["oracle"]["mean_normalised_reward"] == 1.0 and s["oracle"]["oracle_action_share"] == 1.0
assert s["expert"]["mean_normalised_reward"] > 0.99
assert s["corr"]["ci95"][1] < s["expert"]["ci95"][0]
for x in s.values(): assert x["ci95"][0] <= x["mean_normalised_reward"] <= x["ci95"][1]
'; then ok; else bad "baselines --json content"; fi

# bench prints a figure
expect_status 0 "bench world" -- $DOLAB bench world --seconds 0.2
expect_match "bench figure" "$OUT" '[0-9]+ episodes/s'
# bench train and scaling: tokens/s, FLOP/s as a share of the measured peak, memory
expect_status 0 "bench train" -- $DOLAB bench train --steps 1 --batch 2
expect_match "bench train: the peak" "$OUT" '^  peak: [0-9.]+ GFLOP/s per core \(OpenBLAS '
expect_lines "bench train: one row per thread count" "$OUT" 2 '^  [12] threads? ?: +[0-9]+ tokens/s +[0-9.]+ ms/step +[0-9.]+ GFLOP/s +[0-9]+% of (one core.s|two cores.) peak +[0-9.]+ MiB$'
expect_status 0 "bench scaling" -- $DOLAB bench scaling --steps 1 --batch 2
expect_lines "bench scaling: 4 widths x 2 depths" "$OUT" 8 '^ +(32|64|128|256) +[24] +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+% +[0-9.]+ MiB$'
expect_match "bench scaling: parameters of the default model" "$OUT" '^ +64 +2 +109504 '
expect_status 2 "bench: an unknown benchmark" -- $DOLAB bench nosuch
expect_match "bench: the unknown benchmark named" "$ERR" "unknown benchmark 'nosuch' \(expected world, train, scaling,"
# dolab stream SCRIPT.lua: the stream an experiment trains on, and an evaluation set's episodes
expect_status 0 "stream a script" -- $DOLAB stream experiments/variable_subsets.lua --episodes 4
expect_match "stream a script: header" "$OUT" '^# experiments/variable_subsets.lua: variable_subsets, the passive stream it trains on'
expect_lines "stream a script: episodes" "$OUT" 4 '^# training episode [0-3], seed 1$'
expect_lines "stream a script: the cue of its training mix" "$OUT" 4 '^cue [A-E] [A-E] [A-E]'
s1="$OUT"
expect_status 0 "stream a script, another seed" -- $DOLAB stream experiments/variable_subsets.lua --episodes 4 --seed 2
[ "$s1" != "$OUT" ] && ok || bad "--seed changes the training stream"
expect_status 0 "stream an evaluation set" -- $DOLAB stream experiments/heldout_links.lua --eval-set critical --episodes 3
expect_lines "critical episodes: goal E" "$OUT" 3 '^goal max E$'
expect_lines "critical episodes: seed of the evaluation" "$OUT" 3 '^# critical episode [0-2], seed 1000$'
expect_status 0 "stream a script with --set" -- $DOLAB stream experiments/heldout_links.lua --set world.noise=0.75 --episodes 1 --format jsonl
expect_match "--set reaches the stream" "$OUT" '"noise_sd":0.75'
# train.goals: one exploration, then several goals, each with its exploit and that goal's outcome
expect_status 0 "stream with train.goals 3" -- $DOLAB stream experiments/heldout_links.lua --set train.goals=3 --episodes 4
g=$(printf '%s\n' "$OUT" | grep -c '^goal max [A-E]$'); x=$(printf '%s\n' "$OUT" | grep -c '^do [A-E]=[+-]5 → [A-E]=-\?[0-9.]*$')
[ "$g" -gt 4 ] && [ "$g" -le 12 ] && [ "$x" = "$g" ] && ok || bad "train.goals 3: $g goal lines and $x exploits in 4 episodes"
expect_status 0 "stream with train.goals 1" -- $DOLAB stream experiments/heldout_links.lua --set train.goals=1 --episodes 4
expect_lines "train.goals 1: one goal each" "$OUT" 4 '^goal max [A-E]$'
expect_status 1 "train.goals 8 refused" -- $DOLAB stream experiments/heldout_links.lua --set train.goals=8 --episodes 1
expect_match "train.goals 8: the field and its range" "$ERR" 'train.goals: expected an integer from 1 to 7, got 8'
# a stream of several demonstrators names each episode's: the one its quality token names
expect_status 0 "stream of mixed demonstrators" -- $DOLAB stream experiments/mixed_demonstrators.lua --arm mixed_demonstrator_token --episodes 60
hdr=$(printf '%s\n' "$OUT" | awk '/^# training episode/ {split($0, p, "demonstrator "); by = p[2]; next}
    /^quality / {n++; if ($2 != by) bad++; kinds[by] = 1} END {k = 0; for (x in kinds) k++; printf "%d %d %d", n, bad + 0, k}')
[ "$hdr" = "60 0 3" ] && ok || bad "each header names the demonstrator its quality token names, 3 kinds in 60 (episodes, mismatches, kinds: $hdr)"
expect_status 0 "stream of mixed demonstrators, jsonl" -- $DOLAB stream experiments/mixed_demonstrators.lua --arm mixed_demonstrator_token --episodes 60 --format jsonl
j=$(printf '%s\n' "$OUT" | grep -c '"demonstrator":"\(expert\|max_seen\|random\)"')
[ "$j" = 60 ] && ok || bad "jsonl names a demonstrator on every episode ($j of 60)"
expect_status 0 "stream of one demonstrator" -- $DOLAB stream experiments/heldout_links.lua --episodes 2
expect_lines "one demonstrator: the header stays short" "$OUT" 2 '^# training episode [01], seed 1$'
expect_status 1 "stream a missing script" -- $DOLAB stream nope.lua
expect_match "stream a missing script" "$ERR" 'nope.lua'

expect_status 1 "stream: unknown evaluation set" -- $DOLAB stream experiments/heldout_links.lua --eval-set nope
expect_match "stream: unknown evaluation set" "$ERR" '^dolab stream: --eval-set nope: heldout_links has no such set \(it has train, heldout, critical\)$'
expect_status 2 "stream: --eval-set without a script" -- $DOLAB stream --eval-set critical
finish
