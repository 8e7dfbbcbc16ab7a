#!/usr/bin/env python3
"""An agent that acts at random through the agent protocol (docs/agents.md): every decision is
a uniform choice among the legal actions.  --seed S makes it repeatable.  Standard library only."""
import argparse
import json
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "hello":
            reply = {"type": "ready", "id": msg["id"], "protocol": 1, "name": "random"}
        elif msg["type"] == "decide":
            reply = {"id": msg["id"], "action": rng.choice(msg["legal"])}
        else:
            continue
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
