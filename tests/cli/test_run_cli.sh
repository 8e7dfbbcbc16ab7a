#!/usr/bin/env bash
# dolab run: every shipped experiment in its --quick form, end to end into a notebook; broken
# scripts give script:line messages and leave the notebook as it was.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
NB="$TMP/nb.json"

expect_status 0 "run --help" -- $DOLAB run --help
expect_match "run --help" "$OUT" '^usage: dolab run EXPERIMENT.lua'

for x in experiments/*.lua; do
    name=$(basename "$x" .lua)
    expect_status 0 "quick $name" -- $DOLAB run "$x" --quick --notebook "$NB" -o "$TMP/$name.ckpt"
    expect_match "$name: results table" "$OUT" '^  model +-?[0-9]\.[0-9]{3}  \['
    expect_match "$name: notebook entry" "$OUT" "notebook $NB, entry [0-9]+"
    expect_match "$name: progress on stderr" "$ERR" '^train 200/200'
done
# seven scripts, twelve runs (the confound study and the mixed demonstrators have three arms
# each, the rule-learnability study two)
if python3 - "$NB" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
assert nb["format"] == "dolab-notebook" and nb["version"] == 1
runs = [e for e in nb["entries"] if e["type"] == "run"]
assert len(runs) == 12, len(runs)
for r in runs:
    assert r["script"]["text"].startswith("--") and len(r["script"]["fnv1a64"]) == 16
    assert r["config"]["train"]["steps"] == 200 and r["seed"] == 1
    assert r["training"]["curve"][-1][0] == 200
    assert r["dolab"]["version"] and r["dolab"]["commit"]
    for s in r["eval"]["sets"]:
        names = [x["name"] for x in s["strategies"]]
        assert names[0] == "model" and "oracle" in names
names = [r["config"]["name"] for r in runs]
assert names.count("heldout_links") == 1 and "confound_assoc_explanations" in names, names
assert "causal_only" in names and "cue_only" in names, names
PY
then ok; else bad "notebook entries of the quick runs"; fi
[ -f "$TMP/heldout_links.ckpt" ] && ok || bad "checkpoint of heldout_links"
# dolab eval rebuilds every shipped experiment from the script its checkpoint keeps (Lua
# predicates, filters and explanation functions included)
n=0
for c in "$TMP"/*.ckpt "$TMP"/*.ckpt.[0-9]; do
    [ -f "$c" ] || continue
    n=$((n + 1))
    expect_status 0 "eval $(basename "$c")" -- $DOLAB eval "$c" --episodes 5
    expect_match "eval $(basename "$c"): results" "$OUT" '^  model +-?[0-9]\.[0-9]{3}  \['
done
[ "$n" = 12 ] && ok || bad "twelve checkpoints of the quick runs, found $n"
# quality tokens: a conditioned model can be asked for any quality its training wrote, and only those
M="$TMP/mixed_demonstrators.ckpt"
expect_status 0 "eval --quality" -- $DOLAB eval "$M.2" --episodes 5 --quality max_seen
expect_match "eval --quality says so" "$OUT" '^the model is asked for quality max_seen$'
expect_status 0 "eval --quality json" -- $DOLAB eval "$M.3" --episodes 5 --quality q_low --json
expect_match "eval --quality json" "$OUT" '"quality":[[:space:]]+"q_low"'
expect_status 1 "eval --quality nobody wrote" -- $DOLAB eval "$M.2" --episodes 5 --quality q_high
expect_match "eval --quality nobody wrote" "$ERR" "eval.quality: no training mix component writes the quality 'q_high'"
expect_status 1 "eval --quality of an unconditioned model" -- $DOLAB eval "$M.1" --episodes 5 --quality expert
expect_status 0 "stream with quality tokens" -- $DOLAB stream experiments/mixed_demonstrators.lua --arm mixed_demonstrator_token --episodes 40
expect_match "stream: the demonstrators' names" "$OUT" '^quality max_seen$'
expect_match "stream: the header" "$OUT" "its demonstrators' episodes"
# a script beside a module of its own, with a Lua held-out predicate: the checkpoint keeps both,
# so it evaluates after the files are gone
mkdir -p "$TMP/own"
cat >"$TMP/own/mypreds.lua" <<'LUA'
return { no_ae = function(g) return g:is_ancestor("A", "E") end }
LUA
cat >"$TMP/own/own.lua" <<'LUA'
local p = require("mypreds")
return lab.experiment{ name = "own", heldout = p.no_ae, train = { steps = 20 },
  model = { dim = 8, heads = 1, layers = 1 }, eval = { episodes = 10 } }
LUA
expect_status 0 "own script" -- $DOLAB run "$TMP/own/own.lua" --quick --quiet --notebook "$TMP/own.json" -o "$TMP/own.ckpt" --set train.batch=8
rm -r "$TMP/own"
expect_status 0 "eval with the script and its module gone" -- $DOLAB eval "$TMP/own.ckpt" --episodes 5
expect_match "held-out set of the Lua predicate" "$OUT" 'from held-out worlds \(heldout \(script function\)\)'
# a checkpoint written before an optional field existed (world.assoc_rule here) still loads: its
# record lacks the key, which means the default the script's rebuild has; a record whose value
# differs from what the script builds is still refused, with the field named
{ head -n 1 "$TMP/own.ckpt" | sed 's/,"assoc_rule":0//g'; tail -n +2 "$TMP/own.ckpt"; } > "$TMP/older.ckpt"
expect_status 1 "the older record lacks the key" -- grep -c assoc_rule "$TMP/older.ckpt"
expect_status 0 "eval a checkpoint older than an optional field" -- $DOLAB eval "$TMP/older.ckpt" --episodes 5
{ head -n 1 "$TMP/own.ckpt" | sed 's/"assoc_rule":0/"assoc_rule":1/'; tail -n +2 "$TMP/own.ckpt"; } > "$TMP/other.ckpt"
expect_status 1 "eval a checkpoint whose script builds another experiment" -- $DOLAB eval "$TMP/other.ckpt" --episodes 5
expect_match "it names the field" "$ERR" "no longer builds the experiment it was trained on \(world.assoc_rule differs\)"

expect_status 0 "eval a run's checkpoint" -- $DOLAB eval "$TMP/shortcut.ckpt" --episodes 20
expect_match "eval rebuilds the experiment" "$OUT" 'experiment shortcut'

# the same seed gives the same results table
expect_status 0 "rerun" -- $DOLAB run experiments/heldout_links.lua --quick --quiet --notebook "$TMP/nb2.json" -o "$TMP/a.ckpt"
a=$(printf '%s' "$OUT" | grep -v '^checkpoint\|seed 1, 200 steps')
expect_status 0 "rerun again" -- $DOLAB run experiments/heldout_links.lua --quick --quiet --notebook "$TMP/nb3.json" -o "$TMP/b.ckpt"
b=$(printf '%s' "$OUT" | grep -v '^checkpoint\|seed 1, 200 steps')
[ "$a" = "$b" ] && ok || bad "same script and seed, different tables"

# broken scripts: script:line: field: what was expected; exit 1; notebook untouched
cp "$NB" "$TMP/before.json"
printf 'return lab.experiment{\n  name = "x",\n  heldout = 3,\n}\n' > "$TMP/bad.lua"
expect_status 1 "bad field" -- $DOLAB run "$TMP/bad.lua" --notebook "$NB"
expect_match "bad field message" "$ERR" "bad.lua:[0-9]+: heldout: expected a function"
printf 'return lab.experiment{ wrld = {} }\n' > "$TMP/typo.lua"
expect_status 1 "typo" -- $DOLAB run "$TMP/typo.lua" --notebook "$NB"
expect_match "typo message" "$ERR" "typo.lua:1: wrld: unknown field"
printf 'while true do end\n' > "$TMP/loop.lua"
expect_status 1 "runaway" -- $DOLAB run "$TMP/loop.lua" --notebook "$NB" --script-time 0.5
expect_match "runaway message" "$ERR" "loop.lua:1: script time limit \(0.5 s\) exceeded"
printf 'os.execute("touch %s/pwned")\n' "$TMP" > "$TMP/escape.lua"
expect_status 1 "escape" -- $DOLAB run "$TMP/escape.lua" --notebook "$NB"
[ ! -e "$TMP/pwned" ] && ok || bad "os.execute ran"
printf 'return lab.experiment{ train = { mix = { { accept = function(ep) error("no") end } } } }\n' > "$TMP/cb.lua"
expect_status 1 "error inside a callback" -- $DOLAB run "$TMP/cb.lua" --notebook "$NB" --quick
expect_match "callback message" "$ERR" "train.mix\[1\].accept: .*cb.lua:1: no"
# stream and prompt say the script's error too, not "its filter accepted none of 10000 episodes"
expect_status 1 "stream: error inside a filter" -- $DOLAB stream "$TMP/cb.lua" --episodes 2
expect_match "stream: the filter's message" "$ERR" "episode 0: train.mix\[1\].accept: .*cb.lua:1: no"
expect_status 1 "prompt: error inside a filter" -- $DOLAB prompt "$TMP/cb.lua" --shots 2
expect_match "prompt: the filter's message" "$ERR" "demonstration 1: train.mix\[1\].accept: .*cb.lua:1: no"
printf 'local d = require "dolab"\nlocal s = d.standard_sets("A", "E", 10)\ns[2].accept = function(ep) error("bad set") end\nreturn lab.experiment{ heldout = lab.link("A", "E"), eval = { sets = s } }\n' > "$TMP/cbset.lua"
expect_status 1 "stream: error inside a set's filter" -- $DOLAB stream "$TMP/cbset.lua" --eval-set heldout --episodes 2
expect_match "stream: the set filter's message" "$ERR" "accept: .*cbset.lua:3: bad set"
# a held-out function on 6-variable worlds runs lazily (once per new structure) during training:
# its error stops the run at that world, with its message, and nothing is recorded
printf 'return lab.experiment{ world = { variables = 6 }, heldout = function(g) if g:edge("A", "F") then error("no F") end return false end }\n' > "$TMP/cbheld.lua"
expect_status 1 "run: error inside a lazy held-out function" -- $DOLAB run "$TMP/cbheld.lua" --notebook "$TMP/cbheld.json" --quick --quiet
expect_match "run: the held-out function's message" "$ERR" "heldout: .*cbheld.lua:1: no F"
expect_no_match "run: it stops at once, not after 10000 draws" "$ERR" "accepted none|no acceptable world"
[ ! -e "$TMP/cbheld.json" ] && ok || bad "a failed held-out function records nothing"
expect_status 1 "stream: error inside a lazy held-out function" -- $DOLAB stream "$TMP/cbheld.lua" --episodes 50
expect_match "stream: the held-out function's message" "$ERR" "cbheld.lua:1: no F"
expect_status 1 "missing script" -- $DOLAB run "$TMP/nope.lua" --notebook "$NB"
expect_match "missing script message" "$ERR" "nope.lua: cannot open"
cmp -s "$NB" "$TMP/before.json" && ok || bad "a failed run changed the notebook"
printf '{"format": "dolab-notebook", "version": 1, "entries": [\n' > "$TMP/broken.json"
expect_status 1 "broken notebook" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$TMP/broken.json"
expect_match "broken notebook message" "$ERR" "broken.json"
expect_status 2 "bad seed" -- $DOLAB run experiments/heldout_links.lua --seed x
# --set: any experiment field by its path, checked like the script's own field
SNB="$TMP/set.json"
expect_status 0 "--set two fields" -- $DOLAB run experiments/heldout_links.lua --quick --quiet --notebook "$SNB" \
    -o "$TMP/set.ckpt" --set train.steps=30 --set model.dim=16 --set eval.sets.heldout.episodes=20
python3 - "$SNB" <<'PY' && ok || bad "--set reaches the resolved configuration; quick is marked"
import json, sys
r = json.load(open(sys.argv[1]))["entries"][-1]
c = r["config"]
assert c["train"]["steps"] == 30 and c["model"]["dim"] == 16, c
assert [s["episodes"] for s in c["eval"]["sets"]] == [60, 20, 60], c["eval"]["sets"]
assert r["quick"] is True and "(quick)" in r["title"] and len(r["uid"]) == 16
assert all("sd" in row for s in r["eval"]["sets"] for row in s["strategies"])
PY
# train.restart_below: a start that never reached it in restart_after steps begins again; the record says when
RNB="$TMP/restart.json"
expect_status 0 "restart" -- $DOLAB run experiments/heldout_links.lua --quick --quiet --notebook "$RNB" -o "$TMP/rs.ckpt" \
    --set train.restart_below=1 --set train.restart_after=100
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['entries'][0]['training']; assert t['restarts']==[100] and t['steps']==200, t" "$RNB" \
    && ok || bad "the notebook records the restart after step 100 of 200"
expect_status 0 "show a restarted run" -- $DOLAB notebook "$RNB" show 1
expect_match "show names the restart" "$OUT" "restarted from a new initialisation after step 100"
# train.cooldown: seed 1's quick run reaches a tiny stop_at at its first evaluation (step 25)
CNB="$TMP/cool.json"
expect_status 0 "cooldown" -- $DOLAB run experiments/heldout_links.lua --quick --quiet --seed 1 --notebook "$CNB" -o "$TMP/cool.ckpt" \
    --set train.stop_at=0.000001 --set train.cooldown=50 --set train.eval_every=25
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['entries'][0]['training']; assert t['cooled_from']==25 and t['steps']==75 and t['curve'][-1][0]==75, t" "$CNB" \
    && ok || bad "the notebook records the cooldown from step 25 to step 75"
expect_status 0 "show a cooled run" -- $DOLAB notebook "$CNB" show 1
expect_match "show names the cooldown" "$OUT" "reached train.stop_at at step 25, then the rate decayed to train.lr_min until step 75"
expect_status 1 "cooldown without stop_at" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$CNB" \
    --set train.stop_at=0 --set train.cooldown=100
expect_match "cooldown without stop_at message" "$ERR" "train.cooldown: 100 steps need train.stop_at > 0"
expect_status 1 "restart without evaluations" -- $DOLAB run experiments/heldout_links.lua --notebook "$RNB" \
    --set train.steps=10 --set train.restart_below=0.2 --set train.eval_every=0 --set train.stop_at=0 --set train.cooldown=0
expect_match "restart without evaluations message" "$ERR" "train.restart_below: 0.2 needs train.eval_every > 0"
expect_status 1 "--set out of range" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$SNB" --set train.steps=0
expect_match "--set out of range names the setting and the range" "$ERR" '^dolab run: --set train.steps=0: .*train.steps: expected an integer from 1 to 100000000, got 0'
expect_status 1 "--set unknown field" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$SNB" --set train.stepz=5
expect_match "--set unknown field" "$ERR" 'train.stepz: unknown field \(expected one of seed, steps'
expect_status 2 "--set without =" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$SNB" --set train.steps
expect_match "--set without =" "$ERR" '^dolab run: --set train.steps: expected FIELD=VALUE'
expect_status 1 "--set a set by a missing name" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$SNB" --set eval.sets.nosuch.episodes=3
expect_match "--set a set by a missing name" "$ERR" "no element named 'nosuch' in eval.sets"
expect_no_match "--set errors are the setting's: no script position, no traceback" "$ERR" 'stack traceback|heldout_links.lua:[0-9]'
# a list value in braces: the pair fields (train.betas, world.weights)
LNB="$TMP/list.json"
expect_status 0 "--set a list" -- $DOLAB run experiments/heldout_links.lua --quick --quiet --notebook "$LNB" -o "$TMP/list.ckpt" \
    --set 'train.betas={0.9, 0.95}' --set 'world.weights={0.25,2}' --set train.steps=20
python3 - "$LNB" <<'PY' && ok || bad "--set lists reach the record"
import json, sys
r = json.load(open(sys.argv[1]))["entries"][-1]
c = r["config"]
assert c["train"]["betas"] == [0.9, 0.95], c["train"]
assert c["world"]["weights"] == [0.25, 2], c["world"]
PY
expect_status 0 "a checkpoint made with list settings loads again (its script is rebuilt with them)" -- \
    $DOLAB eval "$TMP/list.ckpt" --episodes 5 --json
expect_status 1 "--set a list with a bad item" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$LNB" --set 'train.betas={0.9,2}'
expect_match "--set a list out of range" "$ERR" '^dolab run: --set train.betas=\{0.9,2\}: train.betas: expected \{lo, hi\}, two numbers from 0 to 0.999$'
expect_status 1 "--set a list ending in a comma" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$LNB" --set 'train.betas={0.9,}'
expect_match "--set a list ending in a comma" "$ERR" '^dolab run: --set train.betas=\{0.9,\}: the list ends with a comma$'
expect_status 1 "--set a list with an empty item" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$LNB" --set 'train.betas={,0.9}'
expect_match "--set a list with an empty item" "$ERR" 'an empty item in the list'
expect_status 1 "--set a list from stream" -- $DOLAB stream experiments/heldout_links.lua --set 'train.betas={1,2,3}'
expect_match "stream names the setting too" "$ERR" '^dolab stream: --set train.betas=\{1,2,3\}: train.betas: expected'
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['entries']))" "$SNB")
[ "$n" = 1 ] && ok || bad "failed --set runs add nothing ($n entries)"
# --arm, and a sweep job recorded once
expect_status 1 "--arm unknown" -- $DOLAB run experiments/explanations_confound.lua --quick --notebook "$SNB" --arm nope
expect_match "--arm unknown lists the arms" "$ERR" 'no such arm \(it has confound_no_explanations, confound_causal_explanations, confound_assoc_explanations\)'
expect_status 0 "--arm one arm as a sweep job" -- $DOLAB run experiments/explanations_confound.lua --quick --quiet --notebook "$SNB" \
    -o "$TMP/arm.ckpt" --arm confound_causal_explanations --set train.steps=20 --sweep s1 --job 4
expect_status 0 "the same job again" -- $DOLAB run experiments/explanations_confound.lua --quick --quiet --notebook "$SNB" \
    -o "$TMP/arm.ckpt" --arm confound_causal_explanations --set train.steps=20 --sweep s1 --job 4
expect_match "the same job again does nothing" "$OUT" 'job 4 of sweep s1 is already recorded in .* \(entry 2\): nothing to do'
python3 - "$SNB" <<'PY' && ok || bad "a sweep job's provenance, recorded once"
import json, sys
es = json.load(open(sys.argv[1]))["entries"]
assert len(es) == 2, len(es)
r = es[1]
assert r["config"]["name"] == "confound_causal_explanations"
assert r["sweep"] == {"name": "s1", "job": 4, "arm": "confound_causal_explanations", "set": {"train.steps": 20}}, r["sweep"]
PY
# issue 11: an arm that writes explanations records, per set, what its explanation before the
# exploit named on the episodes where the references disagree, and whether its exploit followed it
python3 - "$SNB" <<'PY' && ok || bad "the explanations record of an explaining arm"
import json, sys
es = json.load(open(sys.argv[1]))["entries"]
r = es[1]
for s in r["eval"]["sets"]:
    x, ag = s["explanations"], s["agreement"]
    assert x["of"] == "model" and x["episodes"] == ag["episodes"], x
    assert 0 <= x["explained"] <= x["episodes"], x
    refs = [k for k in ag if k not in ("of", "episodes")]
    assert sorted(x["names"]) == sorted(refs), (x["names"], refs)
    for v in list(x["names"].values()) + [x["follows"]]:
        assert v is None or 0 <= v <= 1, x
    if x["explained"] == 0:
        assert x["follows"] is None, x
assert "explanations" not in es[0]["eval"]["sets"][0], "an arm without explanations records none"
PY
expect_status 0 "notebook show of the explaining arm" -- $DOLAB notebook "$SNB" show 2
expect_lines "it shows what the explanations named, per set" "$OUT" 2 "^  model's explanation before its exploit, in the same episodes: names a variable in [0-9]+"
expect_status 0 "eval of the explaining arm's checkpoint" -- $DOLAB eval "$TMP/arm.ckpt" --episodes 30
expect_lines "eval prints the same line" "$OUT" 2 "^  model's explanation before its exploit, in the same episodes: names a variable in [0-9]+"
expect_status 0 "report of the sweep with the explaining arm" -- $DOLAB report "$SNB" --sweep s1 --format csv
said=$(python3 -c "import json,sys; print(any(s['explanations']['explained'] > 0 for s in json.load(open(sys.argv[1]))['entries'][1]['eval']['sets']))" "$SNB")
if [ "$said" = True ]; then
  expect_match "the report carries what the explanations named" "$OUT" "confound_causal_explanations.*,says:expert,"
  expect_match "and whether the exploit followed it" "$OUT" "confound_causal_explanations.*,says:followed,"
else
  expect_no_match "no explanation named a variable: no rows" "$OUT" "says:"
fi
python3 - "$SNB" "$TMP/badexpl.json" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
nb["entries"][1]["eval"]["sets"][0]["explanations"]["follows"] = 2
json.dump(nb, open(sys.argv[2], "w"))
PY
expect_status 1 "a notebook whose explanations share is out of range" -- $DOLAB notebook "$TMP/badexpl.json"
expect_match "the field is named" "$ERR" "explanations.follows"
expect_status 2 "--sweep without --job" -- $DOLAB run experiments/heldout_links.lua --quick --notebook "$SNB" --sweep s1
# issue 9: an evaluation set no episode can fit (the best action on the goal itself) stops the run
# before training, naming the set, instead of after it; a sweep refuses it before any job
cat > "$TMP/noset.lua" <<'LUA'
return lab.experiment{ world = { variables = 4 }, train = { steps = 100000 },
  eval = { sets = { { name = "fine", episodes = 5 }, { name = "never", goal = "D", best = "D", episodes = 5 } } } }
LUA
t0=$(date +%s)
expect_status 1 "an impossible eval set" -- $DOLAB run "$TMP/noset.lua" --notebook "$TMP/noset.json" -o "$TMP/noset.ckpt"
expect_match "it names the set" "$ERR" "eval set 'never': no episode fits its filters in [0-9]+ draws"
expect_no_match "no training" "$OUT$ERR" "train done|step "
[ $(( $(date +%s) - t0 )) -lt 10 ] && ok || bad "the impossible set took $(( $(date +%s) - t0 )) s to refuse"
[ ! -e "$TMP/noset.json" ] && [ ! -e "$TMP/noset.ckpt" ] && ok || bad "a refused run wrote a file"
expect_status 1 "a sweep of it" -- $DOLAB sweep "$TMP/noset.lua" --seeds 1-2 --print --dir "$TMP/nosweep"
expect_match "the sweep names the set" "$ERR" "eval set 'never': no episode fits"
finish
