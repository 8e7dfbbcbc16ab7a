#!/usr/bin/env bash
# dolab eval --agent: the agent protocol end to end (docs/agents.md).
. "$(dirname "$0")/lib.sh"
AG=experiments/agents

# the reference expert agent scores exactly what the expert scores on the same episodes
expect_status 0 "expert agent" -- $DOLAB eval --agent "python3 $AG/expert_agent.py" --episodes 60 --json
printf '%s' "$OUT" >"$TMP/expert.json"
if python3 - "$TMP/expert.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["agent"]["name"] == "agent:expert" and r["agent"]["decisions"] > 0
assert r["agent"]["timeouts"] == r["agent"]["malformed"] == r["agent"]["illegal"] == r["agent"]["episodes_marked"] == 0
for s in r["sets"]:
    rows = {x["name"]: x for x in s["strategies"]}
    assert s["strategies"][0]["name"] == "agent:expert"
    a, x = rows["agent:expert"], rows["expert"]
    for k in ("mean_normalised_reward", "ci95", "sd", "oracle_action_share", "explored_once_share"):
        assert a[k] == x[k], (s["name"], k, a[k], x[k])
    assert s["agreement"]["of"] == "agent:expert" and s["agreement"]["expert"] == 1
PY
then ok; else bad "expert agent does not score exactly the expert's rewards"; fi

# the random agent: within the statistical range of the built-in random strategy
expect_status 0 "random agent" -- $DOLAB eval --agent "python3 $AG/random_agent.py --seed 3" --episodes 200 --json
printf '%s' "$OUT" >"$TMP/random.json"
if python3 - "$TMP/random.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for s in r["sets"]:
    rows = {x["name"]: x for x in s["strategies"]}
    a, x = rows["agent:random"], rows["random"]
    # two independent means of 200 rewards with sd ~0.6: the difference is within 4 standard errors
    se = (a["sd"] ** 2 / 200 + x["sd"] ** 2 / 200) ** 0.5
    assert abs(a["mean_normalised_reward"] - x["mean_normalised_reward"]) < 4 * se, (s["name"], a, x)
    assert a["mean_normalised_reward"] < 0.3 and rows["expert"]["mean_normalised_reward"] > 0.9
PY
then ok; else bad "random agent outside the range of random"; fi

# agents that misbehave: counted, the episodes marked, dolab exits cleanly
cat >"$TMP/bad.py" <<'PY'
import json, sys, time
mode = sys.argv[1]
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "hello":
        print(json.dumps({"type": "ready", "id": 0, "name": mode}), flush=True)
        continue
    if mode == "garbage":
        print("this is not JSON", flush=True)
    elif mode == "illegal":
        print(json.dumps({"id": m["id"], "action": m["goal"] + "+" if m["goal"] else "Q"}), flush=True)
    elif mode == "sleepy":
        if m["id"] == 3:
            sys.stderr.write("thinking hard\n"); sys.stderr.flush()
            time.sleep(0.5)
        print(json.dumps({"id": m["id"], "action": m["legal"][0]}), flush=True)
    elif mode == "dies":
        if m["phase"] == "exploit":
            sys.stderr.write("out of ideas\n")
            sys.exit(4)
        print(json.dumps({"id": m["id"], "action": m["legal"][0]}), flush=True)
PY
counts() { python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["agent"]; print(a["decisions"], a["timeouts"], a["malformed"], a["illegal"], a["episodes"], a["episodes_marked"])' "$1"; }
# one set of 5 episodes = 3 sets x 5 = 15 episodes; default world: 5 explore + 1 exploit decisions each
expect_status 0 "garbage agent" -- $DOLAB eval --agent "python3 $TMP/bad.py garbage" --episodes 5 --json
printf '%s' "$OUT" >"$TMP/g.json"
expect_match "garbage counts" "$(counts "$TMP/g.json")" '^90 0 90 0 15 15$'
expect_status 0 "illegal agent" -- $DOLAB eval --agent "python3 $TMP/bad.py illegal" --episodes 5 --json
printf '%s' "$OUT" >"$TMP/i.json"
expect_match "illegal counts" "$(counts "$TMP/i.json")" '^90 0 0 90 15 15$'
expect_status 0 "sleepy agent" -- $DOLAB eval --agent "python3 $TMP/bad.py sleepy" --episodes 5 --agent-timeout 300
expect_match "sleepy counts" "$OUT" 'agent:sleepy: 90 decisions; 1 timeouts, 0 malformed, 0 illegal .*1 of 15 episodes marked'
expect_match "sleepy stderr shown" "$OUT" "agent:sleepy's stderr \(tail\): thinking hard"
expect_status 1 "agent exits mid-episode" -- $DOLAB eval --agent "python3 $TMP/bad.py dies" --episodes 5
expect_match "dies: named, status, stderr" "$ERR" '^dolab eval: eval set .train.: agent:dies: decision [0-9]+: the agent closed its output .*exited with status 4.*out of ideas'
expect_lines "dies: one error line" "$ERR" 1
if [ -z "$OUT" ]; then ok; else bad "dies: stdout not empty: $OUT"; fi
expect_status 1 "agent not found" -- $DOLAB eval --agent "/nonexistent/agent" --episodes 5
expect_match "not found: clear" "$ERR" 'before answering the hello.*status 127'
expect_status 2 "neither model nor agent" -- $DOLAB eval
expect_match "neither: says what" "$ERR" 'expected a MODEL checkpoint, an --agent CMD, or both'

# dolab prompt: K demonstrations that are the training stream itself (same seed), then the test
# episode so far, ending in an open "do"
S=experiments/heldout_links.lua
expect_status 0 "prompt" -- $DOLAB prompt $S --shots 3 --seed 5
printf '%s' "$OUT" >"$TMP/prompt.txt"
expect_lines "prompt: 4 episodes" "$OUT" 4 '^Episode [0-9]+:$'
expect_match "prompt: ends with the goal and an open do" "$(tail -n 2 "$TMP/prompt.txt")" '^goal max [A-E]
do$'
expect_status 0 "stream of the same seed" -- $DOLAB stream $S --episodes 3 --seed 5
printf '%s\n' "$OUT" | grep -E '^(do|goal|obs)' >"$TMP/stream.txt"
sed -n '/^Episode 1:$/,/^Episode 4:$/p' "$TMP/prompt.txt" | grep -E '^(do|goal|obs)' >"$TMP/shots.txt"
if cmp -s "$TMP/stream.txt" "$TMP/shots.txt" && [ -s "$TMP/shots.txt" ]; then ok; else bad "prompt: demonstrations differ from dolab stream --seed 5"; fi
expect_status 0 "critical set's stream" -- $DOLAB stream $S --eval-set critical --episodes 1
printf '%s\n' "$OUT" | grep -E '^(do|goal)' | sed '$d' >"$TMP/test_want.txt"
expect_status 0 "prompt on critical" -- $DOLAB prompt $S --shots 0 --eval-set critical
printf '%s\n' "$OUT" | sed -n '/^Episode 1:$/,$p' | grep -E '^(do |goal)' >"$TMP/test_got.txt"
if cmp -s "$TMP/test_want.txt" "$TMP/test_got.txt" && [ -s "$TMP/test_got.txt" ]; then ok; else bad "prompt: test episode differs from the set's episode 0"; fi
expect_status 0 "prompt --explain" -- $DOLAB prompt $S --shots 1 --explain --steps 2
expect_match "explained" "$OUT" '^do A=\+5 → .*\| '
expect_lines "two steps of the test episode" "$(printf '%s\n' "$OUT" | sed -n '/^Episode 2:$/,$p')" 2 '^do [A-E]='
expect_status 1 "prompt: unknown set" -- $DOLAB prompt $S --eval-set nosuch
expect_match "unknown set named" "$ERR" 'no such set \(it has train, heldout, critical\)'
expect_status 0 "prompt: same output twice" -- $DOLAB prompt $S --shots 3 --seed 5
if [ "$OUT" = "$(cat "$TMP/prompt.txt")" ]; then ok; else bad "prompt not reproducible"; fi

# the LM agent: the prompt it pipes to the LM is the shots plus the episode so far; answers parse
expect_status 0 "shots only" -- $DOLAB prompt $S --shots 2 --shots-only
printf '%s\n' "$OUT" >"$TMP/lmshots.txt"
expect_no_match "shots only: no test episode" "$OUT" 'Episode 3'
expect_status 0 "lm agent" -- $DOLAB eval --agent "python3 $AG/lm_agent.py --shots $TMP/lmshots.txt --lm 'cat > $TMP/lastprompt.txt; echo \" D=-5 → x\"'" --episodes 3 --json
printf '%s' "$OUT" >"$TMP/lm.json"
expect_match "lm agent: answers parse (no malformed)" "$(counts "$TMP/lm.json")" '^54 0 0 [0-9]+ 9 [0-9]+$'
expect_match "lm agent: prompt ends with the goal and an open do" "$(tail -n 2 "$TMP/lastprompt.txt")" '^goal max [A-E]
do$'
expect_lines "lm agent: 3 episodes in the prompt" "$(cat "$TMP/lastprompt.txt")" 3 '^Episode [0-9]+:$'

# agents in a script's eval: same episodes, same CIs and agreement, recorded in the notebook
cat >"$TMP/ag.lua" <<LUA
return lab.experiment{
  name = "agents_demo", heldout = lab.link("A", "E"),
  train = { steps = 20 }, model = { dim = 8, heads = 1, layers = 1 },
  eval = { episodes = 12, strategies = { "expert", "random" },
           agents = { { name = "mine", cmd = "python3 $AG/expert_agent.py" },
                      { cmd = "python3 $TMP/bad.py garbage", timeout_ms = 2000 } } },
}
LUA
NB="$TMP/agnb.json"
expect_status 2 "script agents need --agents" -- $DOLAB run "$TMP/ag.lua" --quick --quiet --notebook "$NB" -o "$TMP/ag.ckpt"
expect_match "says which command and how to allow it" "$ERR" "^dolab run: agents_demo: eval.agents would run python3 .*expert_agent.py and more commands: add --agents to run them$"
if [ ! -e "$NB" ] && [ ! -e "$TMP/ag.ckpt" ]; then ok; else bad "refused run left a notebook or checkpoint"; fi
expect_status 0 "script agents" -- $DOLAB run "$TMP/ag.lua" --quick --quiet --agents --notebook "$NB" -o "$TMP/ag.ckpt"
expect_lines "agent rows in each set" "$OUT" 2 '^  agent:mine '
expect_lines "agreement lines of each agent" "$OUT" 4 "^  agent:(mine|garbage)'s exploit agrees with"
expect_match "garbage agent's counts" "$OUT" 'agent:garbage \(python3 .*bad.py garbage\): 144 decisions; 0 timeouts, 144 malformed, 0 illegal .*24 of 24 episodes marked'
if python3 - "$NB" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["entries"][0]
ev = run["eval"]
a = {x["name"]: x for x in ev["agents"]}
assert a["agent:mine"]["protocol"] == 1 and a["agent:mine"]["command"].endswith("expert_agent.py")
assert a["agent:mine"]["malformed"] == 0 and a["agent:mine"]["episodes"] == 24 and a["agent:mine"]["timeout_ms"] == 5000
assert a["agent:garbage"]["malformed"] == 144 and a["agent:garbage"]["episodes_marked"] == 24 and a["agent:garbage"]["timeout_ms"] == 2000
for s in ev["sets"]:
    rows = {x["name"]: x for x in s["strategies"]}
    assert [x["name"] for x in s["strategies"]][:3] == ["model", "agent:mine", "agent:garbage"]
    for k in ("mean_normalised_reward", "ci95", "sd", "oracle_action_share", "explored_once_share"):
        assert rows["agent:mine"][k] == rows["expert"][k], (s["name"], k)
    g = {x["of"]: x for x in s["agent_agreement"]}
    assert g["agent:mine"]["expert"] == 1, g
assert [x["cmd"] for x in run["config"]["eval"]["agents"]][0].endswith("expert_agent.py")
PY
then ok; else bad "notebook run entry: agents not recorded as expected"; fi
expect_status 0 "notebook show" -- $DOLAB notebook "$NB" show 1
expect_match "show: agent counts" "$OUT" 'agent:mine \(python3 .*expert_agent.py, protocol 1, 5000 ms a decision\): 144 decisions; 0 timeouts'
expect_lines "show: agent agreement lines" "$OUT" 4 "^  agent:(mine|garbage)'s exploit agrees with"
expect_status 0 "report" -- $DOLAB report "$NB"
expect_lines "report: the agent's rows" "$OUT" 2 '^  [a-z]+ +agent:mine '

# with a model: the agent first (with the agreement line), the model second, same episodes
expect_status 0 "small train" -- $DOLAB train --steps 2 --eval-every 0 --dim 8 --heads 1 --layers 1 --quiet -o "$TMP/m.ckpt"
expect_status 0 "model and agent" -- $DOLAB eval "$TMP/m.ckpt" --agent "python3 $AG/expert_agent.py" --episodes 20
expect_match "rows" "$OUT" 'agent:expert +1\.000.*'
expect_lines "model row in each set" "$OUT" 3 '^  model '
expect_match "agreement of the agent" "$OUT" "agent:expert's exploit agrees with"
finish
