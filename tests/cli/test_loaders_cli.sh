#!/usr/bin/env bash
# Hostile checkpoints, notebooks and themes, built value by value: every one is refused with
# one line naming the file and the field, never a crash.  Plus exact seeds and writers that
# never replace what is not a regular file.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh

# a small checkpoint (a second), then variants of its header
expect_status 0 "small train" -- $DOLAB train --steps 2 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet -o "$TMP/m.ckpt"
# ck NAME PYTHON: writes $TMP/NAME.ckpt with the header changed by PYTHON (h is the header)
ck() {
    python3 - "$TMP/m.ckpt" "$TMP/$1.ckpt" "$2" <<'PY'
import json, sys
src, dst, code = sys.argv[1:]
data = open(src, "rb").read()
nl = data.index(b"\n")
h = json.loads(data[:nl])
m = h["meta"]; x = m["experiment"]
exec(code)
open(dst, "wb").write(json.dumps(h, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogateescape") + data[nl:])
PY
}
refused() { # refused NAME PATTERN: dolab eval refuses $TMP/NAME.ckpt with one line matching PATTERN
    expect_status 1 "eval $1" -- $DOLAB eval "$TMP/$1.ckpt" --episodes 2
    expect_match "eval $1: message" "$ERR" "^dolab eval: $TMP/$1.ckpt: .*$2"
    expect_lines "eval $1: one line" "$ERR" 1
}
ck where_num 'x["eval"]["sets"][0]["where"] = 5'
refused where_num "meta.experiment: eval.sets\[0\].where: expected a string"
ck heldout_num 'x["heldout"] = 7'
refused heldout_num "heldout: expected a string"
ck cue_big 'x["eval"]["sets"][0]["cue"] = 2147483647'
refused cue_big "eval.sets\[0\].cue: expected an integer from 0 to 8"
ck cue_huge 'x["eval"]["sets"][0]["cue"] = 1e300'
refused cue_huge "eval.sets\[0\].cue"
ck seed_huge 'x["train"]["seed"] = 1e300'
refused seed_huge "train.seed: 1e\+300 is not an integer"
ck evseed_neg 'x["eval"]["seed"] = -1'
refused evseed_neg "eval.seed: -1 is not an integer"
ck best_y 'x["eval"]["sets"][0]["best"] = "\u00ff"'
refused best_y 'eval.sets\[0\].best: expected a variable name from A to E, got "ÿ"'
ck best_empty 'x["eval"]["sets"][0]["best"] = ""'
refused best_empty 'eval.sets\[0\].best: expected a variable name'
ck goal_num 'x["eval"]["sets"][0]["goal"] = 4'
refused goal_num 'eval.sets\[0\].goal: expected a variable name from A to E, got a number'
ck worlds_bad 'x["eval"]["sets"][0]["worlds"] = "moon"'
refused worlds_bad 'eval.sets\[0\].worlds: expected "train", "heldout" or "all"'
ck episodes_big 'x["eval"]["sets"][0]["episodes"] = 1e12'
refused episodes_big 'eval.sets\[0\].episodes: expected an integer from 1 to 1000000'
ck strat_bad 'x["eval"]["strategies"].append("oracle2")'
refused strat_bad 'eval.strategies\[6\]: expected a strategy'
ck vars_big 'x["world"]["variables"] = 1e9'
refused vars_big 'world.variables: expected an integer from 2 to 8'
ck explain_str 'x["train"]["mix"][0]["explain"] = "yes"'
refused explain_str 'train.mix\[0\].explain: expected true or false'
ck name_long 'x["name"] = "n" * 200'
refused name_long 'name: longer than 63 bytes'
ck meta_seed 'm["seed"] = "12x"'
refused meta_seed 'meta.seed: "12x" is not a decimal integer'
ck meta_steps 'm["steps"] = -3'
refused meta_steps 'meta.steps: expected an integer from 0'
ck meta_curve 'm["training"]["curve"][0] = ["a", 1]'
refused meta_curve 'meta.training.curve\[0\]: expected \[step, loss'
ck bad_utf8 'x["about"] = "ab\udcf0"'
refused bad_utf8 'checkpoint header: meta.experiment.about is not valid UTF-8'
ck inf_num 'x["train"]["lr"] = float("inf")'
sed -i '1s/Infinity/1e999/' "$TMP/inf_num.ckpt"
refused inf_num 'checkpoint header: meta.experiment.train.lr is a number out of range'
ck ctx_big 'x["model"]["context"] = 400'
refused ctx_big 'context \(400 tokens\) exceeds the model'

# not a checkpoint at all
expect_status 1 "eval README.md" -- $DOLAB eval README.md
expect_match "eval README.md: message" "$ERR" "README.md: not a dolab checkpoint"

# seeds are exact: 2^53+1 and 2^64-1 survive a checkpoint and are read back (both forms)
expect_status 0 "train with a 64-bit seed" -- $DOLAB train --steps 1 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet \
    --seed 18446744073709551615 -o "$TMP/s.ckpt"
expect_match "seed as a string in the header" "$(head -n 1 "$TMP/s.ckpt")" '"seed":"18446744073709551615"'
expect_status 0 "eval the 64-bit seed model" -- $DOLAB eval "$TMP/s.ckpt" --episodes 2 --seed 9007199254740993
expect_match "training seed read back exactly" "$OUT" "training seed 18446744073709551615"
expect_status 0 "eval json" -- $DOLAB eval "$TMP/s.ckpt" --episodes 2 --seed 9007199254740993 --json
expect_match "eval seed exact in JSON" "$OUT" '"seed":[[:space:]]*"9007199254740993"'
expect_match "train seed exact in JSON" "$OUT" '"seed":[[:space:]]*"18446744073709551615"'
expect_status 0 "train with seed 2^53-1" -- $DOLAB train --steps 1 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet \
    --seed 9007199254740991 -o "$TMP/s2.ckpt"
expect_match "seed 2^53-1 as a number, digit for digit" "$(head -n 1 "$TMP/s2.ckpt")" '"seed":9007199254740991[,}]'

finish
