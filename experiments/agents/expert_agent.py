#!/usr/bin/env python3
"""The expert of dolab, re-implemented outside dolab through the agent protocol (docs/agents.md).

Explores each relevant variable once in A, B, C... order (round again if there are more steps),
then exploits the variable whose measured effect on the goal, (goal under do(X=+v)) / v, is
largest in magnitude, with the sign of that effect.  It reads the exact observations of the
"steps" field, so it scores exactly what dolab's built-in expert scores, episode for episode.
Standard library only."""
import json
import sys


def explore(msg):
    done = {s["var"] for s in msg["steps"]}
    left = [x for x in msg["relevant"] if x not in done]
    return (left or msg["relevant"])[0]


def exploit(msg, names):
    goal, value = msg["goal"], msg["value"]
    gi = names.index(goal)
    legal = set(msg["legal"])
    best, best_score = None, float("-inf")
    for x in names:  # A, B, C... order: the first of equal effects wins
        if x + "+" not in legal:
            continue
        seen = [s["obs"][gi] for s in msg["steps"] if s["var"] == x]
        if not seen:
            continue
        eff = seen[-1] / value  # the latest observation under do(x)
        if abs(eff) > best_score:
            best_score, best = abs(eff), x + ("-" if eff < 0 else "+")
    if best is None:  # nothing explored that may be set: the first legal variable
        best = next(x for x in names if x + "+" in legal) + "+"
    return best


def main():
    names = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "hello":
            names = msg["names"]
            reply = {"type": "ready", "id": msg["id"], "protocol": 1, "name": "expert"}
        elif msg["type"] == "decide":
            act = explore(msg) if msg["phase"] == "explore" else exploit(msg, names)
            reply = {"id": msg["id"], "action": act}
        else:
            continue
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
