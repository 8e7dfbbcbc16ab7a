#!/usr/bin/env bash
# dolab sweep / notebook merge / report: a 2 arms x 2 seeds --quick sweep under GNU parallel,
# merged and reported, the report's numbers recomputed here from the entries; a sweep killed
# midway and run again finishes the rest with no job recorded twice.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
cp tests/cli/two_arms.lua "$TMP/two.lua"
R="$TMP/runs"

expect_status 0 "sweep --help" -- $DOLAB sweep --help
expect_match "sweep --help" "$OUT" '^usage: dolab sweep EXPERIMENT.lua --seeds LIST'

# bad input: one clear line, nothing written
expect_status 2 "no --seeds" -- $DOLAB sweep "$TMP/two.lua" --dir "$R"
expect_match "no --seeds" "$ERR" '^dolab sweep: --seeds is required'
expect_status 2 "bad --seeds" -- $DOLAB sweep "$TMP/two.lua" --seeds 3-1 --dir "$R"
expect_match "bad --seeds" "$ERR" '^dolab sweep: --seeds 3-1: expected seeds like 1-10'
expect_status 2 "seed twice" -- $DOLAB sweep "$TMP/two.lua" --seeds 1-3,2 --dir "$R"
expect_match "seed twice" "$ERR" 'seed 2 is given twice'
expect_status 1 "--set out of range" -- $DOLAB sweep "$TMP/two.lua" --seeds 1 --set train.steps=10,0 --dir "$R"
expect_match "--set checked like the script's field" "$ERR" 'train.steps: expected an integer from 1 to 100000000, got 0'
expect_match "--set names the combination" "$ERR" '\(with train.steps=0\)'
expect_status 1 "--set unknown field" -- $DOLAB sweep "$TMP/two.lua" --seeds 1 --set model.depth=2 --dir "$R"
expect_match "--set unknown field" "$ERR" 'model.depth: unknown field'
# a list value in braces is one value: its commas do not split it
expect_status 0 "--set lists in a sweep" -- $DOLAB sweep "$TMP/two.lua" --seeds 1 --quick --name bl --dir "$TMP/bl" \
    --set 'train.betas={0.9,0.95},{0.9,0.99}' --print
expect_match "a list is one value (1)" "$OUT" "--set 'train.betas=\\{0.9,0.95\\}'"
expect_match "a list is one value (2)" "$OUT" "--set 'train.betas=\\{0.9,0.99\\}'"
expect_match "4 jobs: 2 arms x 2 lists" "$OUT" "4 jobs \\(2 arms x 2 settings x 1 seed\\)"
expect_status 1 "--set a bad list in a sweep" -- $DOLAB sweep "$TMP/two.lua" --seeds 1 --set 'train.betas={0.9,0.95},{2,3}' --dir "$R"
expect_match "a bad list names the setting" "$ERR" '^dolab sweep: --set train.betas=\{2,3\}: train.betas: expected'
expect_no_match "no traceback" "$ERR" 'stack traceback'
expect_status 2 "--local with --print" -- $DOLAB sweep "$TMP/two.lua" --seeds 1 --local --print --dir "$R"
[ ! -e "$R" ] && ok || bad "refused sweeps write nothing"

# --print: the job list (stable order: arm, settings, seed) and the sbatch script
expect_status 0 "--print" -- $DOLAB sweep "$TMP/two.lua" --seeds 1-2 --quick --name p --dir "$R" --set train.steps=20,30 --print
expect_lines "--print: 8 jobs" "$OUT" 8 ' run .* --sweep p --job [0-9]+$'
expect_match "--print: job 1" "$OUT" "run $TMP/two.lua --quiet --seed 1 --arm one_layer --quick --set train.steps=20 --notebook $R/p/shards/job-0001.json -o $R/p/ckpt/job-0001.ckpt --sweep p --job 1"
expect_match "--print: job 8" "$OUT" "--seed 2 --arm two_layers --quick --set train.steps=30 .* --job 8$"
expect_match "--print: sbatch array" "$OUT" '^#SBATCH --array=1-8$'
expect_match "--print: task i runs line i" "$OUT" 'sed -n "\$\{SLURM_ARRAY_TASK_ID\}p"'
python3 - "$R/p/sweep.json" <<'PY' && ok || bad "sweep.json: every job's resolved configuration"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["format"] == "dolab-sweep" and s["quick"] is True and s["arms"] == ["one_layer", "two_layers"]
jobs = s["jobs"]
assert [j["job"] for j in jobs] == list(range(1, 9))
assert [(j["arm"], j["set"]["train.steps"], j["seed"]) for j in jobs[:4]] == \
    [("one_layer", "20", 1), ("one_layer", "20", 2), ("one_layer", "30", 1), ("one_layer", "30", 2)]
for j in jobs:
    c = j["config"]
    assert c["name"] == j["arm"] and c["train"]["seed"] == j["seed"]
    assert c["train"]["steps"] == int(j["set"]["train.steps"]) and c["model"]["layers"] == (1 if j["arm"] == "one_layer" else 2)
PY
expect_status 1 "another sweep in the same folder" -- $DOLAB sweep "$TMP/two.lua" --seeds 1-3 --quick --name p --dir "$R" --print
expect_match "another sweep in the same folder" "$ERR" 'holds a different sweep \(other jobs\)'

# 2 arms x 2 seeds, quick, under GNU parallel; merged; reported
if ! command -v parallel >/dev/null; then
    bad "GNU parallel is missing (make deps installs it)"
    finish; exit
fi
expect_status 0 "sweep --local" -- $DOLAB sweep "$TMP/two.lua" --seeds 1-2 --quick --name s --dir "$R" --local -j 2
expect_match "all jobs done" "$OUT" '^sweep s: 4 of 4 jobs done$'
expect_match "merged" "$OUT" "merged into $R/s/notebook.json \(4 added, 0 already there\)"
expect_status 0 "sweep --local again" -- $DOLAB sweep "$TMP/two.lua" --seeds 1-2 --quick --name s --dir "$R" --local -j 2
expect_match "again: nothing to run" "$OUT" '^sweep s: 4 jobs, 4 done'
expect_match "again: nothing merged twice" "$OUT" '\(0 added, 4 already there\)'
NB="$R/s/notebook.json"
expect_status 0 "notebook list marks quick runs" -- $DOLAB notebook "$NB"
expect_lines "four quick runs listed" "$OUT" 4 '  quick [a-z]'
expect_status 0 "report json" -- $DOLAB report "$NB" --sweep s --format json -o "$TMP/report.json"
python3 - "$NB" "$TMP/report.json" <<'PY' && ok || bad "report numbers recomputed from the entries"
import json, sys, statistics
nb = json.load(open(sys.argv[1]))["entries"]
rep = json.load(open(sys.argv[2]))
runs = [e for e in nb if e["type"] == "run"]
assert len(runs) == 4 and sorted(e["sweep"]["job"] for e in runs) == [1, 2, 3, 4]
assert all(e["quick"] for e in runs) and rep["quick_runs"] == 4
vals = {}
for e in runs:
    for s in e["eval"]["sets"]:
        for row in s["strategies"]:
            vals.setdefault((e["config"]["name"], s["name"], row["name"]), {})[e["seed"]] = row["mean_normalised_reward"]
        for k, v in s.get("agreement", {}).items():  # the model's agreement with each reference: rows "agree:K"
            if k not in ("of", "episodes"):
                vals.setdefault((e["config"]["name"], s["name"], "agree:" + k), {})[e["seed"]] = v
arms = {a["arm"]: a for a in rep["arms"]}
assert sorted(arms) == ["one_layer", "two_layers"], sorted(arms)
n = 0
for a in rep["arms"]:
    assert a["seeds"] == [1, 2] and a["quick"] is True
    for c in a["cells"]:
        v = vals[(a["arm"], c["set"], c["strategy"])]
        xs = [v[1], v[2]]
        assert c["n"] == 2 and c["values"] == xs
        assert abs(c["mean"] - sum(xs) / 2) < 1e-12, (c["mean"], xs)
        assert abs(c["sd"] - statistics.stdev(xs)) < 1e-12
        assert abs(c["iqm"] - sum(xs) / 2) < 1e-12  # two seeds: nothing is trimmed
        # two seeds: the percentile bootstrap over seeds spans exactly [min, max]
        assert c["ci95"] == [min(xs), max(xs)], (c["ci95"], xs)
        lo, hi = c["ci95_hier"]
        assert lo <= c["mean"] <= hi and hi - lo >= 0
        n += 1
nsets = len(runs[0]["eval"]["sets"])
nagree = sum(len([k for k in s.get("agreement", {}) if k not in ("of", "episodes")]) for s in runs[0]["eval"]["sets"])
assert nagree > 0, "no agreement recorded"
assert n == 2 * (nsets * 3 + nagree), n  # 2 arms x (the sets x (model, oracle, corr) + agreement rows)
pairs = rep["paired"]
assert len(pairs) == nsets and all(p["arm"] == "two_layers" and p["vs"] == "one_layer" and p["strategy"] == "model" for p in pairs)
for p in pairs:
    d = [vals[("two_layers", p["set"], "model")][s] - vals[("one_layer", p["set"], "model")][s] for s in (1, 2)]
    assert p["n"] == 2 and abs(p["mean"] - sum(d) / 2) < 1e-12
    assert abs(p["ci95"][0] - min(d)) < 1e-12 and abs(p["ci95"][1] - max(d)) < 1e-12, (p["ci95"], d)
PY
# steps to a dev reward: per seed the first curve step at or above the threshold (null: never), recomputed
expect_status 0 "report --threshold" -- $DOLAB report "$NB" --sweep s --format json --threshold -1 -o "$TMP/report2.json"
expect_status 2 "report --threshold out of range" -- $DOLAB report "$NB" --threshold 2
python3 - "$NB" "$TMP/report.json" "$TMP/report2.json" <<'PY' && ok || bad "report: first steps at the dev threshold recomputed"
import json, sys, statistics
runs = [e for e in json.load(open(sys.argv[1]))["entries"] if e["type"] == "run"]
seen = 0
for path, t in ((sys.argv[2], 0.95), (sys.argv[3], -1)):
    for a in json.load(open(path))["arms"]:
        r = a["dev_reward_reached"]
        assert r["threshold"] == t
        want = []
        for s in a["seeds"]:
            e = [x for x in runs if x["config"]["name"] == a["arm"] and x["seed"] == s][0]
            hit = [p[0] for p in e["training"]["curve"] if p[2] is not None and p[2] >= t]
            want.append(hit[0] if hit else None)
        assert r["first_step"] == want, (r, want)
        assert r["reached"] == sum(w is not None for w in want)
        if None not in want:
            assert r["median"] == statistics.median(want)
            seen += 1
assert seen == 2, seen  # at -1 every seed of both arms reached it
PY
expect_status 0 "report text" -- $DOLAB report "$NB"
expect_match "report text: header" "$OUT" "^report: .*: 4 runs in 2 arms \(quick runs\)$"
expect_match "report text: an arm" "$OUT" '^two_layers: 2 seeds \(1, 2\)$'
expect_match "report text: a model row" "$OUT" '^  [a-z_]+ +model +2 +-?[0-9]\.[0-9]{3}  \[-?[0-9.]+, -?[0-9.]+\] +\[-?[0-9.]+, -?[0-9.]+\] +[0-9.]+ +-?[0-9.]+$'
expect_match "report text: curve sparkline" "$OUT" '^  loss +[▁▂▃▄▅▆▇█]+  '
expect_match "report text: paired" "$OUT" '^paired differences on the same seeds \(arm - one_layer\):'
expect_match "report text: steps to the dev threshold" "$OUT" '^  dev >= 0.95 first at step (never|[0-9]+), (never|[0-9]+) \(seeds 1, 2\); median (never|[0-9]+); reached by [0-2] of 2$'
expect_status 0 "report csv" -- $DOLAB report "$NB" --format csv
expect_match "report csv header" "$OUT" '^kind,arm,vs,set,strategy,n,mean,ci_lo,ci_hi,hier_lo,hier_hi,sd,iqm,quick$'
expect_lines "report csv rows" "$OUT" 6 '^arm,[^,]*,[^,]*,[^,]*,(model|oracle|corr),'
expect_lines "report csv agreement rows (2 arms x 5 references)" "$OUT" 10 '^arm,[^,]*,[^,]*,[^,]*,agree:'
expect_lines "report csv paired rows" "$OUT" 1 '^paired,two_layers,one_layer,'
expect_status 0 "report md" -- $DOLAB report "$NB" --format md
expect_match "report md table" "$OUT" '^\| set \| strategy \| n \| mean \| 95% CI \(seeds\) \|'
expect_status 1 "report: unknown sweep" -- $DOLAB report "$NB" --sweep nope
expect_match "report: unknown sweep" "$ERR" 'no evaluated runs of sweep nope'
if command -v gnuplot >/dev/null; then
    expect_status 0 "report --plot" -- $DOLAB report "$NB" --plot "$TMP/plots"
    for f in learning_loss bars_1; do
        [ -s "$TMP/plots/$f.png" ] && head -c 8 "$TMP/plots/$f.png" | grep -q PNG && ok || bad "plot $f.png"
        grep -q '<svg' "$TMP/plots/$f.svg" 2>/dev/null && ok || bad "plot $f.svg"
    done
fi
# quick and full runs are never pooled: refused unless --mixed, then separate arms
python3 - "$NB" "$TMP/mixed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = dict(d["entries"][0]); e["uid"] = "f" * 16; e.pop("quick"); e["id"] = 99; e.pop("sweep"); e.pop("origin")
d["entries"].append(e)
json.dump(d, open(sys.argv[2], "w"))
PY
expect_status 1 "report refuses quick + full" -- $DOLAB report "$TMP/mixed.json"
expect_match "report refuses quick + full" "$ERR" 'holds 4 quick and 1 full runs: choose a sweep with --sweep NAME, or --mixed'
expect_status 0 "report --mixed" -- $DOLAB report "$TMP/mixed.json" --mixed
expect_match "report --mixed keeps them apart" "$OUT" '^one_layer \(quick\): 2 seeds'
expect_match "report --mixed keeps them apart" "$OUT" '^one_layer: 1 seed \(1\)$'

# killed midway and run again: the rest finishes, no job recorded twice
K=(sweep "$TMP/two.lua" --seeds 1-3 --quick --name k --dir "$R" --set train.steps=120 --set train.batch=16 --set model.dim=32 --local -j 1)
setsid $DOLAB "${K[@]}" >"$TMP/k1.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e "$R/k/shards/job-0002.json" ] && break; sleep 0.1; done
kill -KILL -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sleep 0.2
done1=$(ls "$R/k/shards" 2>/dev/null | grep -c '^job-.*\.json$')
[ "$done1" -ge 2 ] && [ "$done1" -lt 6 ] && ok || bad "the sweep was killed midway ($done1 of 6 shards)"
[ ! -e "$R/k/notebook.json" ] && ok || bad "a killed sweep merged nothing"
expect_status 0 "the killed sweep run again" -- timeout 300 $DOLAB "${K[@]}"
expect_match "resumed: all done" "$OUT" '^sweep k: 6 of 6 jobs done$'
python3 - "$R/k" <<'PY' && ok || bad "after the rerun every job is recorded exactly once"
import json, sys, glob
d = sys.argv[1]
for k in range(1, 7):
    es = json.load(open(f"{d}/shards/job-{k:04d}.json"))["entries"]
    assert len(es) == 1 and es[0]["sweep"]["job"] == k, (k, len(es))
runs = json.load(open(f"{d}/notebook.json"))["entries"]
assert sorted(e["sweep"]["job"] for e in runs) == [1, 2, 3, 4, 5, 6]
assert len({e["uid"] for e in runs}) == 6
PY
# the same job started twice at once (an engine killed while its job went on, then rerun): the
# second waits for the first's lock and finds the job recorded, so it is recorded once
J=$(sed -n 1p "$R/k/jobs.txt" | sed 's#job-0001#job-twice#g')
bash -c "$J" >"$TMP/t1.out" 2>&1 &
tp=$!
sleep 0.1
expect_status 0 "the same job started again meanwhile" -- bash -c "$J"
wait "$tp" && ok || bad "the first run of the job failed: $(cat "$TMP/t1.out")"
python3 - "$R/k/shards/job-twice.json" <<'PY' && ok || bad "a job started twice at once is recorded once"
import json, sys
es = json.load(open(sys.argv[1]))["entries"]
assert len(es) == 1, len(es)
PY
if grep -q "already recorded" "$TMP/t1.out" || printf '%s' "$OUT" | grep -q "already recorded"; then ok; else bad "neither run said the job was already recorded"; fi
finish
