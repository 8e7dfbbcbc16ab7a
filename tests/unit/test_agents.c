/* The agent protocol (learn/ext_agent): the reference expert agent scores exactly what the
 * built-in expert scores, episode for episode; late, malformed and illegal replies fall back and
 * are counted; a dying agent is an error; no zombie is left. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "learn/ext_agent.h"
#include "test.h"

enum { NEP = 300 };

static Episode eps[NEP];
static Episode *ptr[NEP];

static int no_children(void) {
    int st;
    return waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD;
}

static void draw(const EpConfig *c, int n) {
    Err e;
    for (int i = 0; i < n; i++) {
        ep_generate(&eps[i], c, 77, (uint64_t)i, NULL, NULL, &e);
        ptr[i] = &eps[i];
    }
}

static void expert_match(EpConfig c, const char *what) {
    Err e;
    draw(&c, NEP);
    double want[NEP];
    CHECK(strat_play(strat_find("expert"), ptr, NEP, &e) == 0, "%s: expert: %s", what, e.msg);
    for (int i = 0; i < NEP; i++) want[i] = eps[i].reward, ep_restart(&eps[i]);
    Vocab *voc = tok_vocab_new();
    Strategy *s = ext_agent_new("python3 experiments/agents/expert_agent.py", &c, NULL, voc, 5000, &e);
    CHECK(s != NULL, "%s: start: %s", what, e.msg);
    if (!s) return;
    CHECK(strcmp(s->name, "agent:expert") == 0, "name %s", s->name);
    CHECK(strat_play(s, ptr, NEP, &e) == 0, "%s: agent: %s", what, e.msg);
    int same = 0;
    for (int i = 0; i < NEP; i++) same += eps[i].reward == want[i];
    CHECK(same == NEP, "%s: %d of %d episodes score exactly the expert's reward", what, same, NEP);
    ExtAgentStats st;
    ext_agent_stats(s, &st);
    CHECK(st.episodes == NEP && st.marked == 0 && st.timeouts + st.malformed + st.illegal == 0,
          "%s: %ld episodes, %ld marked", what, st.episodes, st.marked);
    s->destroy(s);
    tok_vocab_free(voc);
    CHECK(no_children(), "%s: a child is left", what);
}

TEST(test_expert_agent_exact) {
    expert_match(ep_config_default(), "default");
    EpConfig c = ep_config_default();
    c.world.n = 6;
    c.cue_size = 3; /* only the cued variables are relevant */
    c.passive = 2;
    c.explore = 4;  /* one more step than relevant variables: the expert goes round again */
    expert_match(c, "cued");
}

/* Runs an agent script on 4 episodes; returns the stats (and whether play failed). */
static int run_bad(const char *cmd, int timeout_ms, ExtAgentStats *st, Err *e) {
    EpConfig c = ep_config_default();
    draw(&c, 4);
    Vocab *voc = tok_vocab_new();
    Strategy *s = ext_agent_new(cmd, &c, NULL, voc, timeout_ms, e);
    int rc = -2;
    if (s) {
        rc = strat_play(s, ptr, 4, e);
        ext_agent_stats(s, st);
        s->destroy(s);
    }
    tok_vocab_free(voc);
    return rc;
}

/* A shell agent: answers hello, then for each decide runs BODY with $id and $first (the first
 * legal action) set. */
#define SH_AGENT(body)                                                                              \
    "while IFS= read -r line; do id=$(printf '%s' \"$line\" | sed 's/.*\"id\":\\([0-9]*\\).*/\\1/'); " \
    "first=$(printf '%s' \"$line\" | sed 's/.*\"legal\":\\[\"\\([^\"]*\\)\".*/\\1/'); "                  \
    "case \"$line\" in *'\"hello\"'*) echo '{\"type\":\"ready\",\"id\":0}';; *) " body ";; esac; done"

TEST(test_bad_replies_fall_back) {
    ExtAgentStats st = {0};
    Err e = {{0}};
    /* garbage on every decision: all malformed, every episode marked, play goes on */
    int rc = run_bad(SH_AGENT("echo 'not json'"), 2000, &st, &e);
    CHECK(rc == 0, "garbage: %s", e.msg);
    CHECK(st.malformed == st.decisions && st.decisions > 0 && st.marked == 4 && st.episodes == 4,
          "garbage: %ld/%ld malformed, %ld marked", st.malformed, st.decisions, st.marked);
    /* an action that is never legal (Z) */
    rc = run_bad(SH_AGENT("echo \"{\\\"id\\\":$id,\\\"action\\\":\\\"Z+\\\"}\""), 2000, &st, &e);
    CHECK(rc == 0 && st.illegal == st.decisions && st.marked == 4, "illegal: rc %d, %ld/%ld: %s", rc, st.illegal,
          st.decisions, e.msg);
    /* sleeps past the timeout on decision 2 only, then answers the stale one (skipped).  The
     * margins hold on a loaded machine (load 7 made a 400 ms limit time out an ordinary decision
     * too): every other decision has 1.5 s, and decision 3, sent at the timeout, is answered
     * about 0.5 s later, after the stale reply. */
    rc = run_bad(SH_AGENT("if [ \"$id\" = 2 ]; then sleep 2; fi; echo \"{\\\"id\\\":$id,\\\"action\\\":\\\"$first\\\"}\""),
                 1500, &st, &e);
    CHECK(rc == 0 && st.timeouts == 1 && st.malformed + st.illegal == 0 && st.marked == 1, "sleep: rc %d, %ld timeouts, %ld marked: %s", rc,
          st.timeouts, st.marked, e.msg);
    CHECK(no_children(), "a child is left");
}

TEST(test_dying_agent_is_an_error) {
    ExtAgentStats st = {0};
    Err e = {{0}};
    signal(SIGPIPE, SIG_DFL); /* the agent must protect dolab itself */
    int rc = run_bad(SH_AGENT("echo 'giving up' >&2; exit 3"), 2000, &st, &e);
    CHECK(rc == -1, "dies: rc %d", rc);
    CHECK(strstr(e.msg, "agent:") && strstr(e.msg, "status 3") && strstr(e.msg, "giving up"), "dies: %s", e.msg);
    rc = run_bad("exit 0", 2000, &st, &e);
    CHECK(rc == -2 && strstr(e.msg, "hello"), "no hello: %s", e.msg);
    rc = run_bad("/nonexistent/agent-xyz", 2000, &st, &e);
    CHECK(rc == -2 && strstr(e.msg, "127") && strstr(e.msg, "not found"), "not found: %s", e.msg);
    CHECK(no_children(), "a child is left");
}

int main(void) {
    RUN(test_expert_agent_exact);
    RUN(test_bad_replies_fall_back);
    RUN(test_dying_agent_is_an_error);
    return TEST_SUMMARY();
}
