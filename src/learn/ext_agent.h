/* ext_agent — an external agent (any program) as one more strategy (world/strategy.h).
 *
 * The agent is a child process started with /bin/sh -c CMD.  dolab speaks JSON lines to it
 * (docs/agents.md, protocol version EXT_AGENT_PROTOCOL): one "hello" with the world's shape,
 * answered by "ready"; then, per decision, a "decide" message with the episode so far (its
 * tokens, the stream text, the exact observations), the phase and the legal actions, answered
 * by {"id": N, "action": "C"} (exploring) or {"id": N, "action": "C+"} (exploiting).
 *
 * A reply that is late (the per-decision timeout), malformed or illegal does not stop the
 * evaluation: the decision falls back to the first legal action (exploring: the first relevant
 * variable in A, B, C order; exploiting: the first legal variable with sign +), the problem is
 * counted and the episode is marked.  The agent exiting, closing its output or not reading its
 * input is an error naming the agent, with the tail of its stderr (kept in a temporary file).
 * SIGPIPE is ignored while an agent exists (restored when the last one is destroyed).
 *
 * Ownership: ext_agent_new borrows fmt's templates and voc (both must outlive the strategy);
 * s->destroy(s) closes the agent's input, waits for it to exit (killing it after a second) and
 * frees everything: no zombie is left. */
#ifndef DOLAB_LEARN_EXT_AGENT_H
#define DOLAB_LEARN_EXT_AGENT_H

#include "world/strategy.h"
#include "world/tok.h"

#define EXT_AGENT_PROTOCOL 1

typedef struct ExtAgentStats {
    long decisions;
    long timeouts, malformed, illegal; /* replies that fell back to the default action */
    long episodes;                     /* episodes finished (exploit decided) */
    long marked;                       /* of those, episodes with at least one fallback */
} ExtAgentStats;

/* Starts CMD and exchanges hello/ready (the agent has max(timeout, 10 s) to answer).
 * shape: the world's shape for the hello.  timeout_ms: per decision.  The strategy's name is
 * "agent:NAME", NAME from the ready reply or else the command's first word (no directory, no
 * extension, no "_agent"), cut to fit 15 characters.  NULL with e set on failure. */
Strategy *ext_agent_new(const char *cmd, const EpConfig *shape, const TokFormat *fmt, const Vocab *voc,
                        int timeout_ms, Err *e);
void ext_agent_stats(const Strategy *s, ExtAgentStats *out);
/* Names the agent's row agent:NAME (NAME cut to fit), whatever the agent calls itself. */
void ext_agent_set_name(Strategy *s, const char *name);
/* The last bytes the agent wrote to its stderr (at most n - 1), NUL-terminated; "" if none. */
void ext_agent_stderr_tail(const Strategy *s, char *buf, size_t n);

#endif
