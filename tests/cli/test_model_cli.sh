#!/usr/bin/env bash
# dolab train / eval as a person types them: a short run end to end, its checkpoint, bad input.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

for c in train eval; do
    expect_status 0 "dolab $c --help" -- $DOLAB $c --help
    expect_match "dolab $c --help" "$OUT" "^usage: dolab $c"
done

# train's defaults are the experiment schema's, shown by the help from the flags' targets
expect_status 0 "train --help" -- $DOLAB train --help
for d in "--steps N .*\(default 30000\)$" "--lr LR .*\(default 0.003\)$" "--threads N .*\(default 2\)$" "--seed S .*\(default 1\)$"; do
    expect_match "train --help: $d" "$OUT" "$d"
done
expect_no_match "train --help: no bare (default)" "$OUT" "\(default\)"

bad_input() {
    local what=$1 pattern=$2; shift 2
    expect_status 2 "$what" -- "$@"
    expect_match "$what: message" "$ERR" "$pattern"
    expect_lines "$what: one line" "$ERR" 1
}
bad_input "train: zero steps" "--steps: expected an integer from 1" $DOLAB train --steps 0
bad_input "train: heads" "dim \(30\) must be a multiple of heads \(4\)" $DOLAB train --dim 30
bad_input "train: lr" "--lr: expected a number" $DOLAB train --lr abc
bad_input "train: threads" "--threads: expected an integer from 1 to 2" $DOLAB train --threads 3
bad_input "eval: no model" "missing argument" $DOLAB eval
bad_input "eval: seed" "--seed: expected a non-negative integer" $DOLAB eval x.ckpt --seed -1
bad_input "eval: seed overflow" "--seed: expected a non-negative integer" $DOLAB eval x.ckpt --seed 99999999999999999999999
bad_input "eval: temperature" "--temperature: expected a number from 0 to 10" $DOLAB eval x.ckpt --temperature 11

# a short training run, end to end
expect_status 0 "train" -- $DOLAB train --steps 60 --eval-every 30 --seed 3 -o "$TMP/m.ckpt"
expect_match "train reports" "$OUT" "wrote $TMP/m.ckpt: 60 steps"
expect_match "progress lines on stderr (not a terminal)" "$ERR" "^train 60/60 \(100%\)"
expect_match "dev evaluation on stderr" "$ERR" "step 30 .*dev reward -?[0-9.]+"
[ -f "$TMP/m.ckpt" ] && ok || bad "no checkpoint written"
expect_no_match "no temp file left" "$(ls "$TMP")" 'tmp'
head -c 20 "$TMP/m.ckpt" | grep -q '^{"format":"dolab-ch' && ok || bad "checkpoint header"

expect_status 0 "eval" -- $DOLAB eval "$TMP/m.ckpt" --episodes 50
for s in train heldout critical; do expect_match "eval set $s" "$OUT" "^$s: 50 episodes"; done
expect_match "model row" "$OUT" '^  model +-?[0-9]\.[0-9]{3}  \[-?[0-9.]+, -?[0-9.]+\]'
expect_match "agreement line" "$OUT" "model's exploit agrees with"
a=$OUT
expect_status 0 "eval again" -- $DOLAB eval "$TMP/m.ckpt" --episodes 50
[ "$a" = "$OUT" ] && ok || bad "evaluation not deterministic"
expect_status 0 "eval json" -- $DOLAB eval "$TMP/m.ckpt" --episodes 30 --json
if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [s["name"] for s in d["sets"]] == ["train", "heldout", "critical"]
for s in d["sets"]:
    names = [r["name"] for r in s["strategies"]]
    assert names[0] == "model" and "oracle" in names and s["episodes"] == 30
    for r in s["strategies"]: assert r["ci95"][0] <= r["mean_normalised_reward"] <= r["ci95"][1]
    assert set(s["agreement"]) >= {"expert", "oracle", "corr", "max_seen", "parents", "episodes"}
assert d["experiment"]["heldout"] == "edge A->E"
'; then ok; else bad "eval --json content"; fi

# broken checkpoints: a clear error naming the file, exit 1, no crash
expect_status 1 "missing checkpoint" -- $DOLAB eval "$TMP/none.ckpt"
expect_match "missing: names file" "$ERR" "none.ckpt"
head -c 3000 "$TMP/m.ckpt" > "$TMP/cut.ckpt"
expect_status 1 "truncated checkpoint" -- $DOLAB eval "$TMP/cut.ckpt"
expect_match "truncated: message" "$ERR" "cut.ckpt"
cp "$TMP/m.ckpt" "$TMP/flip.ckpt"
size=$(stat -c %s "$TMP/flip.ckpt")
printf '\x7f' | dd of="$TMP/flip.ckpt" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
expect_status 1 "corrupt weights" -- $DOLAB eval "$TMP/flip.ckpt"
expect_match "checksum message" "$ERR" "checksum"
printf 'not a checkpoint\n' > "$TMP/junk.ckpt"
expect_status 1 "junk file" -- $DOLAB eval "$TMP/junk.ckpt"
expect_match "junk: message" "$ERR" "junk.ckpt"
finish
