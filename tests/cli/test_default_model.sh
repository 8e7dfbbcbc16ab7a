#!/usr/bin/env bash
# The shipped model (models/default.ckpt, made by `make model`): it loads, acts, and scores
# exactly what its header records on the experiment's own evaluation.
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
M=models/default.ckpt
if [ ! -f "$M" ]; then bad "$M is missing: run make model"; finish; exit; fi
size=$(stat -c %s "$M")
[ "$size" -lt 4000000 ] && ok || bad "$M is $size bytes, more than a few MB"
expect_status 0 "eval the shipped model" -- $DOLAB eval "$M" --json
printf '%s' "$OUT" > "$TMP/now.json"
if python3 - "$M" "$TMP/now.json" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as f:
    header = json.loads(f.readline())
recorded = header["meta"]["eval"]
now = json.load(open(sys.argv[2]))
assert header["meta"]["experiment"]["name"] == "heldout_links"
assert recorded["seed"] == now["seed"]
rec = {s["name"]: s for s in recorded["sets"]}
bad = []
for s in now["sets"]:
    r = rec[s["name"]]
    for a, b in zip(r["strategies"], s["strategies"]):
        assert a["name"] == b["name"]
        if abs(a["mean_normalised_reward"] - b["mean_normalised_reward"]) > 1e-9:
            bad.append((s["name"], a["name"], a["mean_normalised_reward"], b["mean_normalised_reward"]))
held = [x for x in rec["heldout"]["strategies"] if x["name"] == "model"][0]
assert held["mean_normalised_reward"] >= 0.9, held
if bad:
    print("scores differ from the header:", bad)
    sys.exit(1)
PY
then ok; else bad "the shipped model does not score what its header records"; fi
finish
