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

# ---- notebooks: loaded strings are UTF-8, every field in range, named -------------------------
nbfile() { # nbfile NAME ENTRY-JSON-BYTES: a one-entry notebook
    printf '{"format":"dolab-notebook","version":1,"entries":[\n%s\n]}\n' "$2" > "$TMP/$1.json"
}
nb_refused() { # nb_refused NAME PATTERN: every viewer refuses it with one line
    for v in "notebook $TMP/$1.json" "notebook $TMP/$1.json show 1" "export $TMP/$1.json --csv" "export $TMP/$1.json --jsonl"; do
        expect_status 1 "$v" -- $DOLAB $v
        expect_match "$v: message" "$ERR" "$TMP/$1.json: entry 1 \(id 1\): $2"
        expect_lines "$v: one line" "$ERR" 1
    done
}
nbfile cut_utf8 $'{"type":"note","id":1,"text":"ab\xf0"}'
nb_refused cut_utf8 "text is not valid UTF-8 text"
nbfile cut_title $'{"type":"run","id":1,"title":"abc\xe2\x82"}'
nb_refused cut_title "title is not valid UTF-8 text"
nbfile key_utf8 $'{"type":"run","id":1,"config":{"na\xffme":"x"}}'
nb_refused key_utf8 "config \(a key\) is not valid UTF-8 text"
nbfile run_seed '{"type":"run","id":1,"seed":1e300}'
nb_refused run_seed "seed: 1e\+300 is not an integer"
nbfile run_cfgseed '{"type":"run","id":1,"config":{"eval":{"seed":-1}}}'
nb_refused run_cfgseed "config.eval.seed: -1 is not an integer"
nbfile run_cue '{"type":"run","id":1,"config":{"eval":{"sets":[{"name":"a","cue":2147483648}]}}}'
nb_refused run_cue "config.eval.sets\[0\].cue: expected an integer from 0 to 8"
nbfile run_best '{"type":"run","id":1,"config":{"eval":{"sets":[{"name":"a","best":""}]}}}'
nb_refused run_best "config.eval.sets\[0\].best: expected a string of 1 to 1 bytes"
nbfile run_mean '{"type":"run","id":1,"eval":{"sets":[{"name":"a","strategies":[{"name":"m","mean_normalised_reward":1e300}]}]}}'
nb_refused run_mean "eval.sets\[0\].strategies\[0\].mean_normalised_reward: expected a number from -1"
nbfile run_ci '{"type":"run","id":1,"eval":{"sets":[{"name":"a","strategies":[{"name":"m","ci95":[0]}]}]}}'
nb_refused run_ci "eval.sets\[0\].strategies\[0\].ci95: expected a list of 2 to 2"
nbfile run_curve '{"type":"run","id":1,"training":{"curve":[[1,"x"]]}}'
nb_refused run_curve "training.curve\[0\]: expected \[step, loss"
nbfile run_inf '{"type":"run","id":1,"wall_seconds":1e999}'
nb_refused run_inf "wall_seconds is a number out of range"
nbfile note_empty '{"type":"note","id":1,"text":""}'
nb_refused note_empty "text: expected a string of 1"
nbfile sess_seed '{"type":"session","id":1,"seed":"-5","events":[]}'
nb_refused sess_seed 'seed: "-5" is not a decimal integer'
# an entry of a later dolab's type is kept and shown as it is
nbfile future '{"type":"hologram","id":1,"what":"x"}'
expect_status 0 "an unknown entry type is listed" -- $DOLAB notebook "$TMP/future.json"
expect_status 0 "and shown raw" -- $DOLAB notebook "$TMP/future.json" show 1
expect_match "raw" "$OUT" "\"what\":[[:space:]]*\"x\""
# a valid notebook with the extremes every viewer must take
nbfile edge '{"type":"run","id":1,"title":"ünïcödé ☃ title that is long enough to be cut in the list view","seed":"18446744073709551615","eval":{"seed":"9007199254740993","sets":[{"name":"s","episodes":1,"strategies":[{"name":"model","mean_normalised_reward":-1,"ci95":[-1,1],"oracle_action_share":0,"explored_once_share":1}]}]}}'
for v in "notebook $TMP/edge.json" "notebook $TMP/edge.json show 1" "export $TMP/edge.json --csv" "export $TMP/edge.json --jsonl"; do
    expect_status 0 "$v" -- $DOLAB $v
done
expect_match "list cuts the title on a character" "$OUT" "."
expect_status 0 "show the edge run" -- $DOLAB notebook "$TMP/edge.json" show 1
expect_match "a 64-bit seed shown exactly" "$OUT" "seed +18446744073709551615"
expect_match "an exact eval seed shown" "$OUT" "Evaluation seed 9007199254740993"
expect_status 0 "export csv" -- $DOLAB export "$TMP/edge.json" --csv
expect_match "csv seed exact" "$OUT" "^1,.*,18446744073709551615,s,model,1,-1,-1,1,0,1,"

# ---- exact seeds wherever they are written ------------------------------------------------------
expect_status 0 "stream jsonl, 64-bit seed" -- $DOLAB stream --episodes 1 --format jsonl --seed 18446744073709551615
expect_match "stream seed exact" "$OUT" '"seed":"18446744073709551615"'
expect_status 0 "stream jsonl, seed 2^53-1" -- $DOLAB stream --episodes 1 --format jsonl --seed 9007199254740991
expect_match "stream seed 2^53-1 digit for digit" "$OUT" '"seed":9007199254740991,'
expect_status 0 "baselines json" -- $DOLAB baselines --episodes 20 --json --seed 9007199254740993
expect_match "baselines seed exact" "$OUT" '"seed":[[:space:]]*"9007199254740993"'
expect_status 2 "tui --seed overflow" -- $DOLAB tui --seed 99999999999999999999 --headless x
expect_match "tui --seed message" "$ERR" "^dolab tui: --seed: expected a non-negative integer"
expect_lines "tui --seed: one line" "$ERR" 1
expect_status 0 "tui session with a 64-bit seed" -- $DOLAB tui --no-model --seed 18446744073709551615 \
    --notebook "$TMP/tui.json" --headless 'nnnnnnnnW'
if python3 - "$TMP/tui.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["entries"][0]
assert e["type"] == "session" and e["seed"] == "18446744073709551615", e["seed"]
assert e["events"][0]["seed"] == "18446744073709551615"
PY
then ok; else bad "TUI session seed exact"; fi
expect_status 0 "the TUI's session notebook reads back" -- $DOLAB notebook "$TMP/tui.json" show 1
# no -0 anywhere in JSON or text (a reward of exactly zero is 0)
expect_status 0 "baselines json on many episodes" -- $DOLAB baselines --episodes 300 --json --variables 3
expect_no_match "no -0 in baselines JSON" "$OUT" '(^|[^0-9.e])-0([^.0-9]|\.0+([^0-9]|$))'
expect_status 0 "stream jsonl on many episodes" -- $DOLAB stream --episodes 300 --format jsonl --variables 3
expect_no_match "no -0 in stream JSON" "$OUT" '[:,\[]-0[],}]'

# ---- writers never replace what is not a regular file ---------------------------------------------
# Tests run as root in CI: a regression here could turn /dev/null into a file.  Every case works
# on links and pipes in $TMP first; /dev/null itself is only written when those all passed.
fail_before=$fail
[ -c /dev/null ] && ok || bad "/dev/null is not a character device before the tests"
ln -s /dev/null "$TMP/null-link"
expect_status 0 "export -o a link to /dev/null" -- $DOLAB export "$TMP/edge.json" --csv -o "$TMP/null-link"
[ -L "$TMP/null-link" ] && [ -c /dev/null ] && ok || bad "export replaced the link or /dev/null"
expect_status 0 "train -o a link to /dev/null" -- $DOLAB train --steps 1 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet -o "$TMP/null-link"
[ -L "$TMP/null-link" ] && [ -c /dev/null ] && ok || bad "train replaced the link or /dev/null"
expect_no_match "no temp file beside /dev/null" "$(ls /dev | grep 'null\.tmp')" 'tmp'
mkfifo "$TMP/fifo"
expect_status 0 "export to stdout" -- $DOLAB export "$TMP/edge.json" --csv
want=$OUT
exec 3<>"$TMP/fifo" # a reader that is there before the writer (read-write: opening does not block)
expect_status 0 "export -o a named pipe with a reader" -- timeout 20 $DOLAB export "$TMP/edge.json" --csv -o "$TMP/fifo"
got=$(timeout 5 head -c "$(printf '%s\n' "$want" | wc -c)" <&3)
exec 3<&-
[ -p "$TMP/fifo" ] && ok || bad "the pipe was replaced"
[ "$got" = "$want" ] && ok || bad "the reader got what export writes"
expect_status 1 "export -o a pipe nobody reads" -- timeout 20 $DOLAB export "$TMP/edge.json" --csv -o "$TMP/fifo"
expect_match "no reader: message" "$ERR" "fifo: a named pipe that nobody is reading"
mkdir "$TMP/adir"
expect_status 1 "export -o a directory" -- $DOLAB export "$TMP/edge.json" --csv -o "$TMP/adir"
expect_match "directory: message" "$ERR" "adir: a directory, not a file: refusing to replace it"
expect_status 1 "train -o a directory" -- $DOLAB train --steps 1 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet -o "$TMP/adir"
expect_match "train directory: message" "$ERR" "adir: a directory, not a file"
[ -d "$TMP/adir" ] && [ -z "$(ls -A "$TMP/adir")" ] && ok || bad "the directory was changed"
ln -s "$TMP/nowhere/x" "$TMP/dangling"
expect_status 1 "export -o a dangling link" -- $DOLAB export "$TMP/edge.json" --csv -o "$TMP/dangling"
expect_match "dangling: message" "$ERR" "a symbolic link to nothing"
echo old > "$TMP/target.csv"
ln -s "$TMP/target.csv" "$TMP/file-link"
expect_status 0 "export -o a link to a file" -- $DOLAB export "$TMP/edge.json" --csv -o "$TMP/file-link"
[ -L "$TMP/file-link" ] && grep -q '^run_id,' "$TMP/target.csv" && ok || bad "the link's file gets the export, the link stays"
if [ "$fail" = "$fail_before" ]; then
    expect_status 0 "export -o /dev/null" -- $DOLAB export "$TMP/edge.json" --csv -o /dev/null
    [ -c /dev/null ] && ok || bad "/dev/null is no longer a character device"
    expect_status 0 "train -o /dev/null" -- $DOLAB train --steps 1 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet -o /dev/null
    [ -c /dev/null ] && ok || bad "/dev/null is no longer a character device"
else
    bad "skipped writing to /dev/null itself: the safer cases failed"
fi

# ---- help and manual list every command ----------------------------------------------------------
expect_status 0 "bench --help" -- $DOLAB bench --help
expect_match "bench --help lists tui" "$OUT" "^usage: dolab bench world\|train\|scaling\|eval\|heldout\|tui"
expect_match "bench --help explains tui" "$OUT" "^  tui "
syn=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' docs/dolab.1)
for c in tui stream baselines run train eval bench notebook export; do
    expect_match "man page synopsis lists $c" "$syn" "^\.B dolab $c( |$)"
done

finish
