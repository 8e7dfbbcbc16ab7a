#!/usr/bin/env python3
"""Any command-line language model as a dolab agent (docs/agents.md).

For every decision it writes the paper-style few-shot prompt -- the demonstrations (text made by
`dolab prompt EXPERIMENT.lua --shots K [--explain] --shots-only`), then the episode so far as the
stream shows it, then an open "do" -- pipes it to the LM command's stdin, and parses the start of
the LM's answer as the action: " C" or " C=+5" while exploring, " C=+5" / " C=-5" at the exploit
(a bare " C" at the exploit means C=+5).  An answer that does not parse is passed on as it is,
so dolab counts it as illegal.  Standard library only.

  dolab prompt experiments/heldout_links.lua --shots 4 --shots-only > shots.txt
  dolab eval --agent "python3 experiments/agents/lm_agent.py --shots shots.txt --lm 'llm -m mymodel'" \\
      --agent-timeout 60000 --episodes 20
"""
import argparse
import json
import re
import subprocess
import sys

ACTION = re.compile(r"^\s*([A-Z])\b\s*(?:=\s*([+-])\s*\d*(?:\.\d*)?)?")


def parse(answer, phase):
    """The action in the LM's answer, or None."""
    m = ACTION.match(answer)
    if not m:
        return None
    var, sign = m.group(1), m.group(2)
    return var if phase == "explore" else var + (sign or "+")


def build_prompt(shots, n_shots, msg):
    return shots.rstrip("\n") + "\n\nEpisode %d:\n%sdo" % (n_shots + 1, msg["text"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lm", required=True, help="the language model's command: reads the prompt on stdin, writes its continuation")
    ap.add_argument("--shots", help="the demonstrations: output of dolab prompt ... --shots-only (default: none)")
    args = ap.parse_args()
    shots = open(args.shots, encoding="utf-8").read() if args.shots else ""
    n_shots = len(re.findall(r"^Episode \d+:$", shots, re.M))
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "hello":
            reply = {"type": "ready", "id": msg["id"], "protocol": 1, "name": "lm"}
        elif msg["type"] == "decide":
            prompt = build_prompt(shots, n_shots, msg)
            run = subprocess.run(args.lm, shell=True, input=prompt, capture_output=True, text=True)
            if run.returncode != 0:
                sys.stderr.write("lm exited with %d: %s\n" % (run.returncode, run.stderr.strip()[-200:]))
            answer = run.stdout
            action = parse(answer, msg["phase"])
            reply = {"id": msg["id"], "action": action if action else answer.strip()[:16],
                     "explanation": answer.strip()[:200]}
        else:
            continue
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
