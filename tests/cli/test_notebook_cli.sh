#!/usr/bin/env bash
# dolab notebook / export end to end on a notebook written by hand: list, show, compare, notes,
# CSV and JSON lines, bad input, corrupt files and a crash in the middle of a save.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
DOLAB=$(cd "$(dirname "$DOLAB")" && pwd)/$(basename "$DOLAB") # absolute: some tests run elsewhere

NB=$TMP/nb.json
# Two runs of the shape the run command stores (config from exp_to_json, eval from eval_to_json).
python3 - "$NB" <<'PY'
import copy, json, sys
def config(steps, layers):
    return {"name": "heldout_links", "about": "A->E never in training.",
            "world": {"variables": 5, "edge_prob": 0.5, "weights": [0.5, 1.5], "noise": 0.1, "value": 5,
                      "exploit_value": 5, "passive": 0, "explore": 5, "cue": 0},
            "heldout": "edge A->E",
            "train": {"mix": [{"variables": 5, "weight": 1, "explain": False}], "seed": 1, "steps": steps,
                      "batch": 32, "lr": 0.003, "betas": [0.9, 0.95]},
            "model": {"layers": layers, "dim": 64, "heads": 4, "context": 42},
            "eval": {"seed": 1000, "explain": False,
                     "sets": [{"name": "train", "worlds": "train", "episodes": 100},
                              {"name": "heldout", "worlds": "heldout", "episodes": 100},
                              {"name": "critical", "worlds": "heldout", "goal": "E", "best": "A", "episodes": 100}],
                     "strategies": ["expert", "corr"]}}
def row(name, m, lo, hi, o=0.5, x=1.0):
    return {"name": name, "mean_normalised_reward": m, "ci95": [lo, hi], "oracle_action_share": o,
            "explored_once_share": x}
def ev(model):
    sets = []
    for name, mm in zip(["train", "heldout", "critical"], model):
        sets.append({"name": name, "episodes": 100,
                     "strategies": [row("model", *mm), row("expert", 0.999, 0.998, 1.0, 0.98),
                                    row("corr", 0.52, 0.40, 0.65, 0.38)],
                     "agreement": {"of": "model", "episodes": 40, "expert": 0.8, "oracle": 0.5, "corr": 0.1,
                                   "max_seen": 0.2, "parents": None}})
    return {"seed": 1000, "seconds": 1.5, "sets": sets}
def run(i, title, cfg, e, seed):
    return {"type": "run", "id": i, "time": "2026-11-0%dT10:00:00Z" % i, "title": title,
            "script": {"path": "experiments/heldout_links.lua", "text": "return {}\n", "sha256": "ab" * 32},
            "config": cfg, "seed": seed, "dolab": {"version": "0.1.0", "commit": "4a94c6c"},
            "training": {"steps": cfg["train"]["steps"], "seconds": 600.5, "tokens_per_s": 123456,
                         "curve": [[s * 100, 3.0 - 0.1 * s, None if s % 5 else 0.05 * s] for s in range(25)]},
            "checkpoint": "run%d.ckpt" % i, "eval": e, "wall_seconds": 700, "cores": 2}
nb = {"format": "dolab-notebook", "version": 1, "entries": [
    run(1, "baseline, 2 layers", config(20000, 2), ev([(0.95, 0.93, 0.97), (0.62, 0.55, 0.69), (0.40, 0.30, 0.50)]), 1),
    run(2, "short — ünïcode", config(5000, 3), ev([(0.90, 0.87, 0.93), (0.92, 0.89, 0.95), (0.45, 0.35, 0.55)]), 2)]}
json.dump(nb, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
PY
cp "$NB" "$TMP/orig.json"

# --help
for c in notebook export; do
    expect_status 0 "dolab $c --help" -- $DOLAB $c --help
    expect_match "dolab $c --help" "$OUT" "^usage: dolab $c"
done
expect_status 0 "top-level usage" -- $DOLAB --help
expect_match "usage lists notebook" "$OUT" 'notebook'
expect_match "usage lists export" "$OUT" 'export'

# the list: one line per entry with the headline numbers
expect_status 0 "list" -- $DOLAB notebook "$NB"
expect_lines "list: header + 2 runs" "$OUT" 3
expect_match "list: run 1" "$OUT" '^   1  run      2026-11-01 10:00  baseline, 2 layers +train 0\.950 \[0\.930, 0\.970\]  heldout 0\.620 \[0\.550, 0\.690\]  critical 0\.400 \[0\.300, 0\.500\]$'
expect_match "list: run 2 with unicode title" "$OUT" '^   2  run .* short — ünïcode .*heldout 0\.920 \[0\.890, 0\.950\]'
cmp -s "$NB" "$TMP/orig.json" && ok || bad "listing changed the file"

# show
expect_status 0 "show 1" -- $DOLAB notebook "$NB" show 1
expect_match "show: title" "$OUT" '^run 1: baseline, 2 layers$'
expect_match "show: script" "$OUT" 'script +experiments/heldout_links\.lua \(sha256 abababababababab\)'
expect_match "show: config" "$OUT" 'model +2 layers, width 64, 4 heads, context 42'
expect_match "show: held out" "$OUT" 'held out +edge A->E'
expect_match "show: training" "$OUT" '^training: 20000 steps in 600\.5 s, 123456 tokens/s$'
expect_match "show: loss sparkline falls" "$OUT" 'loss +█[█▇▆▅▄▃▂▁]*▁  3\.0000 -> 0\.6000 \(25 points\)'
expect_match "show: dev reward sparkline" "$OUT" 'dev reward +▁[▁▂▃▄▅▆▇█]*█  0\.000 -> 1\.000 \(5 points\)'
expect_match "show: set heading" "$OUT" '^critical: 100 episodes from held-out worlds \(edge A->E\), goal E, best action on A$'
expect_match "show: table row" "$OUT" '^  model +0\.620  \[0\.550, 0\.690\] +50\.0% +100\.0%$'
expect_match "show: agreement" "$OUT" 'expert 80\.0% oracle 50\.0% corr 10\.0% max_seen 20\.0% parents -'
expect_status 0 "show 2" -- $DOLAB notebook "$NB" show 2
expect_match "show 2: 3 layers" "$OUT" 'model +3 layers'

# compare: configuration differences, then the tables side by side
expect_status 0 "compare" -- $DOLAB notebook "$NB" compare 1 2
expect_match "compare: steps" "$OUT" '^  train\.steps: 20000 -> 5000$'
expect_match "compare: layers" "$OUT" '^  model\.layers: 2 -> 3$'
expect_match "compare: seed" "$OUT" '^  seed: 1 -> 2$'
expect_lines "compare: only the differing paths" "$OUT" 3 '^  [a-z_.]+: .* -> '
expect_match "compare: difference with disjoint CIs" "$OUT" '^  model +0\.620 \[0\.550, 0\.690\] +0\.920 \[0\.890, 0\.950\] +\+0\.300 \*$'
expect_match "compare: overlapping CIs unmarked" "$OUT" '^  model +0\.400 \[0\.300, 0\.500\] +0\.450 \[0\.350, 0\.550\] +\+0\.050$'
expect_match "compare: same baseline" "$OUT" '^  expert +0\.999 .* \+0\.000$'
expect_status 0 "compare with itself" -- $DOLAB notebook "$NB" compare 2 2
expect_match "compare itself: no differences" "$OUT" '^  \(none\)$'

# notes: from the argument (several words, quotes, unicode) and from stdin
expect_status 0 "note" -- $DOLAB notebook "$NB" note 'held-out "A->E" works' — ✓
expect_match "note: id" "$OUT" '^note 3 added to '
printf 'from stdin\nsecond line\n' > "$TMP/in"
"$DOLAB" notebook "$NB" note - < "$TMP/in" > "$TMP/out" 2>&1 && ok || bad "note from stdin failed: $(cat "$TMP/out")"
expect_status 0 "list after notes" -- $DOLAB notebook "$NB"
expect_match "list: note 3" "$OUT" '^   3  note     20[0-9-]{8} [0-9:]{5}  held-out "A->E" works — ✓$'
expect_match "list: note 4 on one line" "$OUT" '^   4  note .* from stdin second line$'
expect_status 0 "show note" -- $DOLAB notebook "$NB" show 4
expect_match "show note: text kept" "$OUT" '^second line$'
python3 - "$NB" <<'PY' && ok || bad "notebook after notes is not the expected JSON"
import json, sys
nb = json.load(open(sys.argv[1], encoding="utf-8"))
e = nb["entries"]
assert nb["format"] == "dolab-notebook" and nb["version"] == 1
assert [x["id"] for x in e] == [1, 2, 3, 4]
assert e[2]["text"] == 'held-out "A->E" works — ✓' and e[3]["text"] == "from stdin\nsecond line"
assert e[0]["eval"]["sets"][1]["strategies"][0]["ci95"] == [0.55, 0.69]
PY

# DOLAB_NOTEBOOK and notebook.json in the current folder
mkdir -p "$TMP/here"
(cd "$TMP/here" && "$DOLAB" notebook note "in the current folder" >/dev/null) && ok || bad "note to ./notebook.json"
[ -f "$TMP/here/notebook.json" ] && ok || bad "no ./notebook.json written"
DOLAB_NOTEBOOK=$NB expect_status 0 "DOLAB_NOTEBOOK" -- $DOLAB notebook show 1
expect_match "DOLAB_NOTEBOOK used" "$OUT" '^run 1: baseline'
expect_status 0 "list a missing notebook" -- $DOLAB notebook "$TMP/none.json"
expect_match "missing: says so" "$OUT" 'no notebook yet'
[ ! -e "$TMP/none.json" ] && ok || bad "listing created the file"

# export: CSV
expect_status 0 "csv" -- $DOLAB export "$NB" --csv
expect_lines "csv: header + 2 runs x 3 sets x 3 strategies" "$OUT" 19
expect_match "csv: header" "$OUT" '^run_id,title,seed,set,strategy,episodes,mean,ci_lo,ci_hi,oracle_share,explored_share,quick,sweep,job$'
expect_match "csv: a row, title quoted" "$OUT" '^1,"baseline, 2 layers",1,heldout,model,100,0\.62,0\.55,0\.69,0\.5,1,0,,$'
printf '%s\n' "$OUT" > "$TMP/stdout.csv"
python3 - "$TMP/stdout.csv" <<'PY' && ok || bad "csv does not read back"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert len(rows) == 18
r = [x for x in rows if x["run_id"] == "2" and x["set"] == "heldout" and x["strategy"] == "model"][0]
assert r["title"] == "short — ünïcode" and float(r["mean"]) == 0.92 and float(r["ci_hi"]) == 0.95
PY
expect_status 0 "csv -o" -- $DOLAB export "$NB" --csv -o "$TMP/out.csv"
[ -z "$OUT" ] && ok || bad "csv -o printed to stdout"
cmp -s "$TMP/out.csv" "$TMP/stdout.csv" && ok || bad "csv -o differs from stdout"
ls "$TMP"/out.csv.tmp.* >/dev/null 2>&1 && bad "csv -o left a temp file" || ok

# export: JSON lines
expect_status 0 "jsonl" -- $DOLAB export "$NB" --jsonl
expect_lines "jsonl: one line per entry" "$OUT" 4 '^\{"type":'
printf '%s\n' "$OUT" > "$TMP/all.jsonl"
python3 - "$TMP/all.jsonl" "$NB" <<'PY' && ok || bad "jsonl is not the notebook's entries"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert lines == json.load(open(sys.argv[2], encoding="utf-8"))["entries"]
PY
expect_status 0 "jsonl --output" -- $DOLAB export "$NB" --jsonl --output "$TMP/o.jsonl"
cmp -s "$TMP/o.jsonl" "$TMP/all.jsonl" && ok || bad "jsonl -o differs"

# bad input: one clear line on stderr, exit 2, nothing on stdout
bad_input() {
    local what=$1 pattern=$2; shift 2
    expect_status 2 "$what" -- "$@"
    expect_match "$what: message" "$ERR" "$pattern"
    expect_lines "$what: one line" "$ERR" 1
    [ -z "$OUT" ] && ok || bad "$what: printed to stdout"
}
bad_input "unknown action" "unknown action 'shwo'" $DOLAB notebook "$NB" shwo 1
bad_input "misspelt action, default file" "unknown action 'shwo'" $DOLAB notebook shwo 1
bad_input "show without id" "show: expected one entry id" $DOLAB notebook "$NB" show
bad_input "show two ids" "show: expected one entry id" $DOLAB notebook "$NB" show 1 2
bad_input "show bad id" "'?x'?: an entry id is a positive integer" $DOLAB notebook "$NB" show x
bad_input "show id 0" "0: an entry id is a positive integer" $DOLAB notebook "$NB" show 0
bad_input "compare one id" "compare: expected two entry ids" $DOLAB notebook "$NB" compare 1
bad_input "note without text" "note: missing the text" $DOLAB notebook "$NB" note
bad_input "empty note" "note: the text is empty" $DOLAB notebook "$NB" note "  "
bad_input "unknown option" "unknown option '--frobnicate'" $DOLAB notebook --frobnicate
bad_input "export without format" "choose one of --csv or --jsonl" $DOLAB export "$NB"
bad_input "export both formats" "choose one of --csv or --jsonl" $DOLAB export "$NB" --csv --jsonl
bad_input "export two files" "unexpected argument" $DOLAB export "$NB" "$NB" --csv
bad_input "export -o without value" "-o needs a value" $DOLAB export "$NB" --csv -o
bad_input "export onto the notebook" "is the notebook itself" $DOLAB export "$NB" --csv -o "$NB"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$NB" && ok || bad "export -o onto the notebook broke it"

# failures: exit 1, one line
failure() {
    local what=$1 pattern=$2; shift 2
    expect_status 1 "$what" -- "$@"
    expect_match "$what: message" "$ERR" "$pattern"
    expect_lines "$what: one line" "$ERR" 1
}
failure "show missing id" "no entry 9 \(ids 1 to 4\)" $DOLAB notebook "$NB" show 9
failure "compare a note" "entry 3 is a note, not a run" $DOLAB notebook "$NB" compare 1 3
failure "show in a missing notebook" "none\.json: no such notebook" $DOLAB notebook "$TMP/none.json" show 1
failure "export a missing notebook" "none\.json: no such notebook" $DOLAB export "$TMP/none.json" --csv

# a corrupt notebook: path:line:col, and nothing overwrites it
printf '{"format":"dolab-notebook","version":1,"entries":[\n{"type":"note","id":1,"text":"ok"},\n{"type":"note" "id":2}\n]}\n' > "$TMP/bad.json"
cp "$TMP/bad.json" "$TMP/bad.orig"
failure "list corrupt" "bad\.json:3:16: not valid JSON" $DOLAB notebook "$TMP/bad.json"
failure "note on corrupt" "bad\.json:3:16: not valid JSON" $DOLAB notebook "$TMP/bad.json" note hello
failure "export corrupt" "bad\.json:3:16" $DOLAB export "$TMP/bad.json" --jsonl
cmp -s "$TMP/bad.json" "$TMP/bad.orig" && ok || bad "the corrupt notebook was changed"
printf '{"format":"dolab-notebook","version":2,"entries":[]}' > "$TMP/v2.json"
failure "version 2" "v2\.json: notebook version 2 is not supported" $DOLAB notebook "$TMP/v2.json" note hello
printf '{"format":"something-else","version":1,"entries":[]}' > "$TMP/other.json"
failure "other format" "other\.json: not a dolab notebook" $DOLAB notebook "$TMP/other.json"

# a crash in the middle of a save leaves the previous notebook as it was
cp "$NB" "$TMP/before.json"
for cut in 0 25 100000; do
    DOLAB_TEST_CRASH_SAVE=$cut "$DOLAB" notebook "$NB" note "lost in a crash" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 99 ] && ok || bad "crash hook at $cut: exit $rc, want 99"
    cmp -s "$NB" "$TMP/before.json" && ok || bad "crash at $cut changed the notebook"
done
rm -f "$NB".tmp.*
expect_status 0 "list after crashes" -- $DOLAB notebook "$NB"
expect_lines "still 4 entries" "$OUT" 4 '^ +[0-9]+  '
expect_status 0 "note after crashes" -- $DOLAB notebook "$NB" note "after the crash"
expect_match "next id is 5" "$OUT" '^note 5 added'

# merge: shards into one notebook, idempotent, provenance kept, conflicts refused
python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
def nb(entries): return {"format": "dolab-notebook", "version": 1, "entries": entries}
run = lambda i, uid, job, mean: {"type": "run", "id": i, "time": "2026-11-29T10:00:00Z", "uid": uid, "title": "t",
    "seed": job, "sweep": {"name": "s", "job": job, "arm": "a", "set": {}},
    "eval": {"sets": [{"name": "heldout", "episodes": 10, "strategies": [{"name": "model", "mean_normalised_reward": mean}]}]}}
json.dump(nb([run(1, "00000000000000a1", 1, 0.5)]), open(d + "/sh1.json", "w"))
json.dump(nb([run(1, "00000000000000a2", 2, 0.6), {"type": "note", "id": 2, "time": "2026-11-29T10:00:00Z", "text": "n"}]), open(d + "/sh2.json", "w"))
json.dump(nb([run(1, "00000000000000a1", 1, 0.9)]), open(d + "/bad1.json", "w"))
json.dump(nb([run(1, "00000000000000a9", 2, 0.6)]), open(d + "/bad2.json", "w"))
PY
M="$TMP/merged.json"
expect_status 0 "merge two shards" -- $DOLAB notebook merge "$M" "$TMP/sh1.json" "$TMP/sh2.json"
expect_match "merge counts" "$OUT" '^merged 2 shards into .*merged.json: 3 entries added, 0 already there$'
expect_status 0 "merge again" -- $DOLAB notebook merge "$M" "$TMP/sh1.json" "$TMP/sh2.json"
expect_match "merge again adds nothing" "$OUT" ': 0 entries added, 3 already there$'
cp "$M" "$TMP/merged.before"
expect_status 1 "merge a conflicting uid" -- $DOLAB notebook merge "$M" "$TMP/sh1.json" "$TMP/bad1.json"
expect_match "conflicting uid named" "$ERR" '^dolab notebook: merge: conflicting duplicate: run 00000000000000a1 is entry 1 of .*merged.json and entry 1 of .*bad1.json with different contents$'
expect_status 1 "merge a second run of the same job" -- $DOLAB notebook merge "$M" "$TMP/bad2.json"
expect_match "conflicting job named" "$ERR" 'conflicting duplicate: job 2 of sweep s is entry 2 of .*merged.json \(uid 00000000000000a2\) and entry 1 of .*bad2.json \(uid 00000000000000a9\)'
cmp -s "$M" "$TMP/merged.before" && ok || bad "a refused merge leaves OUT as it was"
python3 - "$M" <<'PY' && ok || bad "merged entries keep their fields and say where they came from"
import json, sys
es = json.load(open(sys.argv[1]))["entries"]
assert [e["id"] for e in es] == [1, 2, 3]
assert es[1]["uid"] == "00000000000000a2" and es[1]["sweep"]["job"] == 2 and es[1]["time"] == "2026-11-29T10:00:00Z"
assert es[1]["origin"]["file"].endswith("sh2.json") and es[1]["origin"]["id"] == 1
assert es[2]["type"] == "note" and es[2]["origin"]["id"] == 2
PY
expect_status 2 "merge without shards" -- $DOLAB notebook merge "$M"
expect_status 1 "merge a missing shard" -- $DOLAB notebook merge "$M" "$TMP/nope.json"
expect_match "missing shard named" "$ERR" 'nope.json: no such notebook'
expect_status 1 "merge OUT into itself" -- $DOLAB notebook merge "$M" "$M"
finish
