/* Tests of src/world: the episode protocol, the strategies, the stream. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "world/episode.h"
#include "world/strategy.h"
#include "world/tok.h"

static Episode *make_episodes(const EpConfig *c, uint64_t seed, int n) {
    Episode *eps = malloc(sizeof *eps * (size_t)n);
    Err e;
    for (int i = 0; i < n; i++)
        if (ep_generate(&eps[i], c, seed, (uint64_t)i, NULL, NULL, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            abort();
        }
    return eps;
}

static void play_all(Strategy *s, Episode *eps, int n) {
    Episode **p = malloc(sizeof *p * (size_t)n);
    for (int i = 0; i < n; i++) {
        ep_restart(&eps[i]);
        p[i] = &eps[i];
    }
    Err e;
    int rc = strat_play(s, p, n, &e);
    CHECK(rc == 0, "play %s: %s", s->name, rc ? e.msg : "");
    free(p);
}

TEST(test_protocol) {
    EpConfig c = ep_config_default();
    Episode *eps = make_episodes(&c, 11, 500);
    int goal_ok = 1, hidden_ok = 1;
    for (int i = 0; i < 500; i++) {
        Episode *ep = &eps[i];
        if (scm_parents(&ep->world, ep->goal) == 0) goal_ok = 0; /* T is never a root */
        if (ep->view.goal != -1 || ep_phase(&ep->view) != EP_EXPLORE) hidden_ok = 0;
    }
    CHECK(goal_ok, "goal never a root");
    CHECK(hidden_ok, "goal hidden until exploration ends");
    Episode *ep = &eps[0];
    Err e;
    CHECK(ep_exploit(ep, 0, 1, &e) == -1, "no exploit while exploring");
    for (int k = 0; k < 5; k++) CHECK(ep_explore(ep, k, &e) == 0, "explore %d", k);
    CHECK(ep->view.goal == ep->goal, "goal revealed after K steps");
    CHECK(ep_explore(ep, 0, &e) == -1, "no sixth exploration");
    CHECK(ep_exploit(ep, ep->goal, 1, &e) == -1 && strstr(e.msg, "goal"), "the goal itself cannot be set: %s", e.msg);
    CHECK(ep_exploit(ep, ep->best_var, ep->best_sign, &e) == 0, "oracle's action is legal");
    CHECK_NEAR(ep->norm_reward, 1.0, 1e-12, "oracle action has normalised reward 1");
    CHECK_NEAR(ep->reward, ep->best_sign * 5.0 * scm_effect(&ep->world, ep->best_var, ep->goal), 1e-12,
               "reward = v * TE");
    /* An exploration observation is a do() sample: the intervened variable is exactly 5. */
    CHECK(ep->view.steps[2].obs[2] == 5.0, "do(C=+5) observed as 5");
    CHECK(ep_undo(ep) == 0 && ep_phase(&ep->view) == EP_EXPLOIT, "undo the exploit");
    CHECK(ep_undo(ep) == 0 && ep->view.goal == -1 && ep->view.n_steps == 4, "undo a step hides the goal");
    /* Common random numbers: replaying the same step gives the same values. */
    double before = ep->view.steps[3].obs[ep->goal];
    ep_restart(ep);
    for (int k = 0; k < 4; k++) ep_explore(ep, k, &e);
    CHECK(ep->view.steps[3].obs[ep->goal] == before, "same step, same noise");
    free(eps);
}

TEST(test_expert_matches_oracle) {
    EpConfig c = ep_config_default();
    int n = 5000;
    Episode *eps = make_episodes(&c, 1, n);
    Episode *copy = malloc(sizeof *copy * (size_t)n);
    memcpy(copy, eps, sizeof *copy * (size_t)n);
    play_all(strat_find("expert"), eps, n);
    int match = 0;
    double mean = 0;
    for (int i = 0; i < n; i++) {
        match += eps[i].view.exploit_var == eps[i].best_var && eps[i].view.exploit_sign == eps[i].best_sign;
        mean += eps[i].norm_reward;
    }
    /* Measured: 98.2% at sigma = 0.1.  Every miss is a near-tie between two causes whose
     * effects differ by less than the noise of one reading (mean loss 3% on those). */
    CHECK(match >= 0.98 * n, "expert picks the oracle's action in %.2f%% of episodes, want >= 98%%", 100.0 * match / n);
    CHECK(mean / n > 0.999, "expert mean normalised reward %.4f, want > 0.999", mean / n);
    int near_tie = 1;
    for (int i = 0; i < n; i++)
        if (eps[i].norm_reward < 0.8) near_tie = 0;
    CHECK(near_tie, "every expert miss is a near-tie (normalised reward >= 0.8)");
    /* explores each variable exactly once in A.. order */
    int order_ok = 1;
    for (int i = 0; i < n; i++)
        for (int s = 0; s < 5; s++)
            if (eps[i].view.steps[s].var != s) order_ok = 0;
    CHECK(order_ok, "expert explores A, B, C, D, E in order");
    free(eps);
    free(copy);
}

TEST(test_baselines_behave) {
    EpConfig c = ep_config_default();
    int n = 3000;
    Episode *eps = make_episodes(&c, 2, n);
    play_all(strat_find("max_seen"), eps, n);
    int neg = 0;
    for (int i = 0; i < n; i++) neg += eps[i].view.exploit_sign < 0;
    CHECK(neg == 0, "max_seen never flips the sign (%d negative)", neg);
    play_all(strat_find("oracle"), eps, n);
    int all_one = 1;
    for (int i = 0; i < n; i++)
        if (fabs(eps[i].norm_reward - 1.0) > 1e-12) all_one = 0;
    CHECK(all_one, "oracle always gets normalised reward 1");
    double mean[STRAT_BUILTIN_COUNT];
    for (int k = 0; k < STRAT_BUILTIN_COUNT; k++) {
        play_all(strat_builtin(k), eps, n);
        mean[k] = 0;
        for (int i = 0; i < n; i++) mean[k] += eps[i].norm_reward / n;
    }
    /* expert ~ oracle > parents, max_seen, corr > random ~ 0 */
    CHECK(mean[0] > 0.99, "expert %.3f", mean[0]);
    CHECK(mean[4] < mean[0] - 0.01 && mean[4] > 0.5, "parents %.3f below expert", mean[4]);
    CHECK(mean[3] < mean[0] - 0.05, "max_seen %.3f below expert", mean[3]);
    CHECK(mean[2] < mean[0] - 0.05, "corr %.3f below expert", mean[2]);
    CHECK(fabs(mean[5]) < 0.05, "random %.3f near 0", mean[5]);
    free(eps);
}

TEST(test_expert_low_noise) {
    /* With half the default noise, the measured-effect expert matches the oracle >= 99%. */
    EpConfig c = ep_config_default();
    c.world.sigma = 0.05;
    int n = 5000, match = 0;
    Episode *eps = make_episodes(&c, 5, n);
    play_all(strat_find("expert"), eps, n);
    for (int i = 0; i < n; i++)
        match += eps[i].view.exploit_var == eps[i].best_var && eps[i].view.exploit_sign == eps[i].best_sign;
    CHECK(match >= 0.99 * n, "expert at sigma 0.05 matches oracle in %.2f%%", 100.0 * match / n);
    free(eps);
}

TEST(test_confounded_world) {
    /* A and B both cause C and D; C has no path to D.  Goal D.  C is the variable most
     * correlated with D, but setting it does nothing: corr falls for it, the expert does not. */
    Scm w;
    Err e;
    scm_init(&w, 4, 0.1, &e);
    scm_add_edge(&w, 0, 2, 1.0, &e);
    scm_add_edge(&w, 0, 3, 1.0, &e);
    scm_add_edge(&w, 1, 2, 1.0, &e);
    scm_add_edge(&w, 1, 3, 1.0, &e);
    CHECK(!scm_is_ancestor(&w, 2, 3) && scm_effect(&w, 2, 3) == 0.0, "no path C -> D");
    EpConfig c = ep_config_default();
    c.passive = 20;
    int corr_x = 0, expert_x = 0, expert_cause = 0, n = 200;
    for (int i = 0; i < n; i++) {
        Episode ep;
        CHECK(ep_from_world(&ep, &w, &c, 3, 0, 0, 1000 + (uint64_t)i, &e) == 0, "episode: %s", e.msg);
        Episode *p = &ep;
        strat_play(strat_find("corr"), &p, 1, &e);
        corr_x += ep.view.exploit_var == 2;
        ep_restart(&ep);
        strat_play(strat_find("expert"), &p, 1, &e);
        expert_x += ep.view.exploit_var == 2;
        expert_cause += (ep.view.exploit_var == 0 || ep.view.exploit_var == 1) && ep.view.exploit_sign == 1;
    }
    CHECK(corr_x == n, "corr picks the confounded C in %d/%d episodes", corr_x, n);
    CHECK(expert_x == 0, "expert picks C in %d episodes", expert_x);
    CHECK(expert_cause == n, "expert sets a true cause up in %d/%d", expert_cause, n);
    CHECK(ep_from_world(&(Episode){0}, &w, &c, 0, 0, 0, 1, &e) == -1 && strstr(e.msg, "goal"), "a root goal is refused");
}

TEST(test_cued_episodes) {
    EpConfig c = ep_config_default();
    c.cue_size = 3;
    int n = 1000, ok = 1, goal_ok = 1;
    Episode *eps = make_episodes(&c, 9, n);
    play_all(strat_find("expert"), eps, n);
    for (int i = 0; i < n; i++) {
        const EpView *v = &eps[i].view;
        if (__builtin_popcount(v->relevant) != 3 || v->n_steps != 3) ok = 0;
        for (int s = 0; s < v->n_steps; s++)
            if (!((v->relevant >> v->steps[s].var) & 1u)) ok = 0;
        if (!((v->relevant >> v->exploit_var) & 1u) || !((v->relevant >> eps[i].goal) & 1u)) ok = 0;
        if (!(scm_ancestors(&eps[i].world, eps[i].goal) & v->relevant)) goal_ok = 0;
    }
    CHECK(ok, "cued expert explores and exploits only the cued variables");
    CHECK(goal_ok, "the goal has a cued cause");
    Err e;
    ep_restart(&eps[0]);
    int outside = __builtin_ctz(~eps[0].view.relevant);
    CHECK(ep_explore(&eps[0], outside, &e) == -1, "exploring outside the cue is refused");
    free(eps);
}

static int reject_a_to_e(const Scm *w, void *ctx, Err *e) {
    (void)ctx, (void)e;
    return !scm_has_edge(w, 0, 4);
}

TEST(test_filter_and_determinism) {
    EpConfig c = ep_config_default();
    Err e;
    int held = 0;
    for (int i = 0; i < 2000; i++) {
        Episode ep;
        ep_generate(&ep, &c, 4, (uint64_t)i, reject_a_to_e, NULL, &e);
        held += scm_has_edge(&ep.world, 0, 4);
    }
    CHECK(held == 0, "the filter keeps A->E out (%d)", held);
    Episode a, b;
    ep_generate(&a, &c, 77, 123, NULL, NULL, &e);
    ep_generate(&b, &c, 77, 123, NULL, NULL, &e);
    CHECK(memcmp(&a, &b, sizeof a) == 0, "same seed and index, same episode");
    ep_generate(&b, &c, 78, 123, NULL, NULL, &e);
    CHECK(scm_id(&a.world) != scm_id(&b.world) || a.seed != b.seed, "another seed, another episode");
    c.world.n = 9;
    CHECK(ep_generate(&a, &c, 1, 1, NULL, NULL, &e) == -1 && strstr(e.msg, "variables"), "bad config: %s", e.msg);
}

static int reject_all(const Scm *w, void *ctx, Err *e) {
    (void)w, (void)ctx, (void)e;
    return 0;
}

/* A filter that fails on its third world: ep_generate stops there with the filter's message. */
static int fail_third(const Scm *w, void *ctx, Err *e) {
    (void)w;
    int *calls = ctx;
    if (++*calls == 3) return err_set(e, "the filter broke on world %d", *calls);
    return 0;
}

/* The quality token: right after <bos>, class goal (never a target by default), written
 * "quality Q" and parsed back; the buckets cut normalised reward at 0, 0.5 and 0.95. */
TEST(test_quality_token) {
    Vocab *voc = tok_vocab_new();
    Err e = {""};
    int q = tok_vocab_add(voc, "max_seen", &e);
    EpConfig c = ep_config_default();
    Episode ep, *p = &ep;
    TokFormat f = {0};
    f.quality = q;
    TokSeq *ts = malloc(sizeof *ts), *back = malloc(sizeof *back), *plain = malloc(sizeof *plain);
    CHECK(ep_generate(&ep, &c, 9, 3, NULL, NULL, &e) == 0 && strat_play(strat_find("max_seen"), &p, 1, &e) == 0 &&
              tok_encode(&f, &ep.view, ts, &e) == 0 && tok_encode(NULL, &ep.view, plain, &e) == 0,
          "an episode: %s", e.msg);
    CHECK(ts->n == plain->n + 1 && ts->tok[0] == TOK_BOS && ts->tok[1] == q && ts->cls[1] == TOKC_GOAL,
          "one quality token after <bos>, class goal (%d vs %d tokens)", ts->n, plain->n);
    CHECK(memcmp(ts->tok + 2, plain->tok + 1, sizeof(int) * (size_t)(plain->n - 1)) == 0, "the rest is the plain episode");
    SB text = {0};
    tok_render(voc, ts->tok, ts->n, c.value, NULL, &text);
    CHECK(strncmp(sb_str(&text), "quality max_seen\n", 17) == 0, "text starts with the quality line:\n%s", sb_str(&text));
    CHECK(tok_parse(voc, sb_str(&text), back, &e) == 0 && back->n == ts->n &&
              memcmp(back->tok, ts->tok, sizeof(int) * (size_t)ts->n) == 0 && back->cls[1] == TOKC_GOAL,
          "the text parses back to the same tokens: %s", e.msg);
    sb_free(&text);
    CHECK(tok_parse(voc, "goal max E\nquality max_seen\n", back, &e) == -1 && strstr(e.msg, "line 2") &&
              strstr(e.msg, "must come first"),
          "quality after other lines: %s", e.msg);
    CHECK(tok_parse(voc, "quality nosuchword\n", back, &e) == -1 && strstr(e.msg, "line 1"), "unknown quality: %s", e.msg);
    CHECK(tok_parse(voc, "quality A\n", back, &e) == -1, "a variable is not a quality");
    CHECK(tok_qbucket(-0.01) == 0 && tok_qbucket(0) == 1 && tok_qbucket(0.4999) == 1 && tok_qbucket(0.5) == 2 &&
              tok_qbucket(0.9499) == 2 && tok_qbucket(0.95) == 3 && tok_qbucket(1) == 3,
          "bucket edges");
    CHECK(tok_is_qbucket("q_high") && tok_is_qbucket("q_neg") && !tok_is_qbucket("expert"), "bucket names");
    free(ts), free(back), free(plain);
    tok_vocab_free(voc);
}

/* The legal answers as text (the agent protocol's and script demonstrators'), and parsing them. */
TEST(test_legal_answers) {
    EpConfig c = ep_config_default();
    Episode ep;
    Err e;
    CHECK(ep_generate(&ep, &c, 3, 1, NULL, NULL, &e) == 0, "episode: %s", e.msg);
    char a[EP_MAX_ANSWERS][3];
    int var, sign;
    CHECK(ep_legal_answers(&ep.view, a) == 5 && strcmp(a[0], "A") == 0 && strcmp(a[4], "E") == 0, "exploring: A..E");
    CHECK(ep_parse_answer(&ep.view, "C", &var, &sign) == 0 && var == 2 && sign == 1, "C while exploring");
    CHECK(ep_parse_answer(&ep.view, "C+", &var, &sign) == -1 && ep_parse_answer(&ep.view, "F", &var, &sign) == -1 &&
              ep_parse_answer(&ep.view, "", &var, &sign) == -1,
          "no sign, no variable outside the world, nothing empty while exploring");
    for (int s = 0; s < 5; s++) ep_explore(&ep, s, &e);
    int n = ep_legal_answers(&ep.view, a), g = ep.view.goal;
    CHECK(n == 8, "exploiting: 4 targets x 2 signs, got %d", n);
    char goal_plus[3] = {scm_name(g), '+', 0}, other[3] = {scm_name(g == 0 ? 1 : 0), '-', 0};
    CHECK(ep_parse_answer(&ep.view, goal_plus, &var, &sign) == -1, "the goal is no exploit");
    CHECK(ep_parse_answer(&ep.view, other, &var, &sign) == 0 && var == (g == 0 ? 1 : 0) && sign == -1, "X- at the exploit");
    CHECK(ep_parse_answer(&ep.view, other + 1, &var, &sign) == -1, "a sign alone is nothing");
}

TEST(test_tokens_round_trip) {
    Vocab *voc = tok_vocab_new();
    CHECK(voc != NULL, "vocab");
    CHECK(tok_value(4.74) == tok_value(4.5) && tok_value(4.76) == tok_value(5.0), "rounding to 0.5");
    CHECK(tok_value(33) == tok_value(20) && tok_value(-99) == tok_value(-20), "clipping at 20");
    CHECK(strcmp(tok_name(voc, tok_value(-0.1)), "0.0") == 0, "-0.1 shows as 0.0");
    Err e;
    CHECK(tok_vocab_add(voc, "do", &e) == -1, "special words are reserved");
    CHECK(tok_vocab_add(voc, "bad word", &e) == -1, "no spaces in words");
    int id = tok_vocab_add(voc, "because", &e);
    CHECK(id >= TOK_WORD0 && tok_vocab_add(voc, "because", &e) == id, "adding a word twice gives one id");
    for (int variant = 0; variant < 4; variant++) {
        EpConfig c = ep_config_default();
        c.passive = variant & 1 ? 3 : 0;
        c.cue_size = variant == 3 ? 3 : 0;
        c.world.n = 3 + variant;
        TokFormat f = {.explain = variant >= 2};
        int all_ok = 1;
        for (int i = 0; i < 200; i++) {
            Episode ep;
            ep_generate(&ep, &c, 3, (uint64_t)i, NULL, NULL, &e);
            Episode *p = &ep;
            strat_play(strat_find(i % 2 ? "expert" : "random"), &p, 1, &e);
            TokSeq a, b;
            if (tok_encode(&f, &ep.view, &a, &e)) all_ok = 0;
            SB text = {0};
            tok_render(voc, a.tok, a.n, c.value, &ep, &text);
            if (tok_parse(voc, sb_str(&text), &b, &e)) {
                fprintf(stderr, "parse: %s\n%s", e.msg, sb_str(&text));
                all_ok = 0;
            } else if (a.n != b.n || memcmp(a.tok, b.tok, sizeof(int) * (size_t)a.n) ||
                       memcmp(a.cls, b.cls, (size_t)a.n)) {
                fprintf(stderr, "round trip differs:\n%s", sb_str(&text));
                all_ok = 0;
            }
            sb_free(&text);
        }
        CHECK(all_ok, "tokens -> text -> tokens, variant %d", variant);
    }
    /* The default episode has the 42-token shape of DESIGN.md. */
    EpConfig c = ep_config_default();
    Episode ep;
    ep_generate(&ep, &c, 1, 0, NULL, NULL, &e);
    Episode *p = &ep;
    strat_play(strat_find("expert"), &p, 1, &e);
    TokSeq s;
    tok_encode(NULL, &ep.view, &s, &e);
    CHECK(s.n == 42, "default episode is 42 tokens, got %d", s.n);
    CHECK(s.tok[0] == TOK_BOS && s.tok[1] == TOK_DO && s.tok[2] == tok_var(0) && tok_is_value(s.tok[3]),
          "<bos> do A values...");
    CHECK(s.cls[2] == TOKC_ACTION && s.cls[3] == TOKC_OBS && s.cls[37] == TOKC_GOAL && s.cls[41] == TOKC_ACTION,
          "classes");
    CHECK(s.tok[41] == (ep.view.exploit_sign < 0 ? TOK_MINUS : TOK_PLUS), "ends with the exploit sign");
    SB text = {0};
    tok_render(voc, s.tok, s.n, 5.0, &ep, &text);
    CHECK(strstr(sb_str(&text), "do A=+5 → A=5.0") != NULL, "text shows do A=+5 → A=5.0: %s", sb_str(&text));
    CHECK(strstr(sb_str(&text), "goal max ") != NULL, "text shows the goal");
    sb_free(&text);
    TokSeq bad;
    CHECK(tok_parse(voc, "obs A=0.0 B=0.3\n", &bad, &e) == -1 && strstr(e.msg, "line 1") && strstr(e.msg, "B=0.3"),
          "off-grid value refused: %s", e.msg);
    CHECK(tok_parse(voc, "do A=+5 → A=5.0\nwobble\n", &bad, &e) == -1 && strstr(e.msg, "line 2"), "unknown line: %s",
          e.msg);
    int calls = 0;
    CHECK(ep_generate(&ep, &c, 1, 0, fail_third, &calls, &e) == -1 && calls == 3 &&
              strcmp(e.msg, "the filter broke on world 3") == 0,
          "a failing filter stops the draw at once with its own message: %d calls, %s", calls, e.msg);
    CHECK(ep_generate(&ep, &c, 1, 0, reject_all, NULL, &e) == -1 && strstr(e.msg, "filter"), "impossible filter: %s",
          e.msg);
    tok_vocab_free(voc);
}

/* An exploit with no effect on the goal, with sign -1, earns -5 * 0: it must be +0 so that no
 * writer prints "-0.0" (issue 9). */
TEST(test_zero_reward_is_positive_zero) {
    EpConfig c = ep_config_default();
    int found = 0;
    for (uint64_t i = 0; i < 200 && !found; i++) {
        Episode ep;
        Err e;
        if (ep_generate(&ep, &c, 5, i, NULL, NULL, &e)) continue;
        Episode *p = &ep;
        if (strat_play(strat_find("random"), &p, 1, &e)) continue;
        for (int x = 0; x < ep.world.n && !found; x++) {
            if (x == ep.goal || scm_effect(&ep.world, x, ep.goal) != 0) continue;
            double r = ep_action_reward(&ep, x, -1);
            CHECK(r == 0 && !signbit(r), "reward of a variable without effect is +0 (got %g, sign %d)", r, signbit(r) != 0);
            found = 1;
        }
    }
    CHECK(found, "found a variable with no effect on the goal");
    /* and the text never shows "-0.0" for a reward that rounds to zero */
    Vocab *voc = tok_vocab_new();
    Episode ep, *p = &ep;
    Err e;
    TokFormat f = {0};
    TokSeq ts;
    CHECK(ep_generate(&ep, &c, 5, 0, NULL, NULL, &e) == 0 && strat_play(strat_find("expert"), &p, 1, &e) == 0 &&
              tok_encode(&f, &ep.view, &ts, &e) == 0,
          "an episode");
    for (int k = 0; k < 3; k++) {
        ep.reward = (double[]){-0.0, -0.04, 0.0}[k];
        SB text = {0};
        tok_render(voc, ts.tok, ts.n, c.value, &ep, &text);
        CHECK(strstr(sb_str(&text), "=-0.0") == NULL && strstr(sb_str(&text), "=0.0\n"), "reward %g shows as 0.0:\n%s",
              ep.reward, sb_str(&text));
        sb_free(&text);
    }
    tok_vocab_free(voc);
}

/* The registry is the one list: baselines first, every name found, the agreement references
 * and the default baselines read from it. */
TEST(test_strategy_registry) {
    CHECK(STRAT_BUILTIN_COUNT == 6 && STRAT_COUNT == 8, "six baselines, assoc and epsilon, got %d of %d",
          STRAT_BUILTIN_COUNT, STRAT_COUNT);
    for (int i = 0; i < STRAT_COUNT; i++) {
        Strategy *s = strat_registered(i);
        CHECK(s && strat_find(s->name) == s, "registry entry %d found by its name", i);
        CHECK(!!(s->roles & STRAT_BASELINE) == (i < STRAT_BUILTIN_COUNT), "%s: baselines come first", s->name);
        CHECK(i >= STRAT_BUILTIN_COUNT || strat_builtin(i) == s, "strat_builtin(%d) is the registry's", i);
        CHECK(strstr(strat_names(), s->name) != NULL, "%s is in the names for messages", s->name);
    }
    CHECK(strcmp(strat_names(), "expert, oracle, corr, max_seen, parents, random, assoc, epsilon") == 0, "names: %s",
          strat_names());
    CHECK(strat_registered(STRAT_COUNT) == NULL && strat_builtin(STRAT_BUILTIN_COUNT) == NULL && !strat_find("psychic"),
          "nothing past the end");
    CHECK(strat_find("oracle")->needs_truth && !strat_find("expert")->needs_truth, "only the oracle needs the truth");
}

/* What the model wrote before its exploit: after the last "goal max X", up to the `do`. */
TEST(test_exploit_explanation) {
    const int C = tok_var(2), E = tok_var(4), B = tok_var(1);
    int named = 7;
    /* no goal yet: nothing */
    int t0[] = {TOK_BOS, TOK_DO, B, tok_value(1.0)};
    CHECK(tok_exploit_explanation(t0, 4, &named) == 0 && named == -1, "no goal: 0 tokens, no variable (got %d)", named);
    /* "| C raises E" then the exploit on C */
    int raises = TOK_WORD0; /* an explanation word */
    int t1[] = {TOK_BOS, TOK_GOAL, TOK_MAX, E, TOK_BAR, C, raises, E, TOK_DO, C, TOK_PLUS};
    int n = tok_exploit_explanation(t1, 11, &named);
    CHECK(n == 3 && named == 2, "C raises E: 3 tokens naming C (got %d, %d)", n, named);
    /* the last goal counts (an episode replayed after an undo keeps one goal; be safe anyway) */
    int t2[] = {TOK_GOAL, TOK_MAX, E, B, TOK_DO, B, TOK_GOAL, TOK_MAX, E, TOK_BAR, TOK_DO, C};
    n = tok_exploit_explanation(t2, 12, &named);
    CHECK(n == 0 && named == -1, "an empty explanation after the last goal (got %d, %d)", n, named);
    /* a goal at the very end: nothing written yet */
    int t3[] = {TOK_BOS, TOK_GOAL, TOK_MAX};
    CHECK(tok_exploit_explanation(t3, 3, &named) == 0 && named == -1, "a cut goal (got %d)", named);
    /* words only: tokens but no variable */
    int t4[] = {TOK_GOAL, TOK_MAX, E, TOK_BAR, raises, TOK_DO, C};
    n = tok_exploit_explanation(t4, 7, &named);
    CHECK(n == 1 && named == -1, "a word only: 1 token, no variable (got %d, %d)", n, named);
}

/* The confound study's episodes (one noisy snapshot, 4 variables, cue rule `rule`), not yet
 * played. */
static Episode *confound_episodes(int rule, uint64_t seed, int n) {
    EpConfig c = ep_config_default();
    c.passive = 1;
    c.world.sigma = 1.0;
    c.world.n = 4;
    c.assoc_rule = rule;
    return make_episodes(&c, seed, n);
}

static double shown(double x) { return tok_value_of(tok_value(x)); }

/* Explanations with evidence (values: {delta}, {assoc_value}) and the one written before the
 * exploit survive tokens -> text -> tokens; the text shows the latter on one "|" line, and
 * {assoc_value} is the cue's snapshot value as the stream shows it. */
TEST(test_explanations_round_trip) {
    Vocab *voc = tok_vocab_new();
    Err e;
    static const char *const before[3] = {"{assoc_value} {assoc} tracks {goal}", "{delta} {choice} {verb} {goal}",
                                          "{choice} {sign} because {delta} ,"};
    int n = 300, all_ok = 1, one_line = 1, value_ok = 1, expl_ok = 1;
    Episode *eps = confound_episodes(1, 5, n);
    play_all(strat_find("expert"), eps, n);
    for (int k = 0; k < 3; k++) {
        TokExplain x = *tok_explain_builtin();
        CHECK(tok_template_set(&x.after_obs, "{actor} {verb} {variable} {delta}", &e) == 0 &&
                  tok_template_set(&x.nothing, "{actor} changes nothing", &e) == 0 &&
                  tok_template_set(&x.before_exploit, before[k], &e) == 0 && tok_explain_compile(&x, voc, &e) == 0,
              "templates compile: %s", e.msg);
        TokFormat f = {.explain = 1, .spec = &x};
        for (int i = 0; i < n; i++) {
            TokSeq a, b;
            SB text = {0};
            if (tok_encode(&f, &eps[i].view, &a, &e)) all_ok = 0;
            for (int j = 0; j < a.n; j++) /* what the model may write when it explains (agent.c) */
                expl_ok &= a.cls[j] != TOKC_EXPL || tok_is_expl(a.tok[j]);
            tok_render(voc, a.tok, a.n, 5.0, &eps[i], &text);
            const char *g = strstr(sb_str(&text), "goal max ");
            const char *bar = g ? strchr(g, '\n') : NULL;
            one_line &= bar && strncmp(bar, "\n| ", 3) == 0 && strchr(bar + 1, '\n') && strncmp(strchr(bar + 1, '\n'), "\ndo ", 4) == 0;
            if (tok_parse(voc, sb_str(&text), &b, &e)) {
                fprintf(stderr, "parse: %s\n%s", e.msg, sb_str(&text));
                all_ok = 0;
            } else if (a.n != b.n || memcmp(a.tok, b.tok, sizeof(int) * (size_t)a.n) || memcmp(a.cls, b.cls, (size_t)a.n)) {
                fprintf(stderr, "round trip differs:\n%s", sb_str(&text));
                all_ok = 0;
            }
            if (k == 0) { /* "| value cue tracks goal do": the value two tokens after the last "|" */
                int cue = tok_assoc_cue(&eps[i].view, NULL), at = -1;
                for (int j = 0; j < a.n; j++)
                    if (a.tok[j] == TOK_BAR) at = j;
                value_ok &= cue >= 0 && at >= 0 && a.tok[at + 1] == tok_value(eps[i].view.passive[0][cue]) &&
                            a.tok[at + 2] == tok_var(cue);
            }
            sb_free(&text);
        }
        CHECK(all_ok, "tokens -> text -> tokens with '%s'", before[k]);
        CHECK(one_line, "the explanation before the exploit is one '|' line between the goal and the exploit");
    }
    CHECK(value_ok, "{assoc_value} is the cue's shown snapshot value");
    CHECK(expl_ok, "every token a template writes is one the model may write (tok_is_expl)");
    TokSeq bad;
    CHECK(tok_parse(voc, "goal max E\n| C do E\n", &bad, &e) == -1 && strstr(e.msg, "line 2") && strstr(e.msg, "'do'"),
          "a structure word inside an explanation is refused: %s", e.msg);
    CHECK(tok_parse(voc, "| C tracks E\n", &bad, &e) == -1 && strstr(e.msg, "line 1"),
          "an explanation line before the goal is refused: %s", e.msg);
    free(eps);
    tok_vocab_free(voc);
}

/* The one-snapshot associational cue: the variable closest to the goal in the snapshot as the
 * stream shows it (the first of equals, so a model can read it), set
 * the way exploration showed it acts on the goal.  So where the cue is the expert's variable it is
 * the expert's whole choice, in either sign (issue 11: an unsigned cue kept every confounded
 * training exploit at "+", and a model never saw a "-" exploit). */
TEST(test_assoc_cue_sign) {
    int n = 2000, same_var = 0, same_choice = 0, minus = 0, closest = 1, before = 1;
    Episode *eps = confound_episodes(0, 21, n);
    for (int i = 0; i < n; i++) {
        int sign = 0, cue = tok_assoc_cue(&eps[i].view, &sign); /* nothing explored yet */
        before &= cue < 0 || sign == 1;
    }
    play_all(strat_find("expert"), eps, n);
    for (int i = 0; i < n; i++) {
        const EpView *v = &eps[i].view;
        int sign = 0, cue = tok_assoc_cue(v, &sign);
        /* on the values as the stream shows them; of equals, the first */
        double g = shown(v->passive[0][v->goal]);
        for (int x = 0; x < v->n && cue >= 0; x++) {
            double d = fabs(shown(v->passive[0][x]) - g);
            double dc = fabs(shown(v->passive[0][cue]) - g);
            if (ep_can_exploit(v, x) && (d < dc || (d == dc && x < cue))) closest = 0;
        }
        double eff = ep_seen(v, cue, v->goal) / v->value;
        if (cue >= 0 && sign != (eff < 0 ? -1 : 1)) closest = 0;
        if (cue == v->exploit_var) {
            same_var++;
            same_choice += sign == v->exploit_sign;
            minus += v->exploit_sign < 0;
        }
    }
    CHECK(before, "before exploration the cue's sign is +");
    CHECK(closest, "the cue is the closest variable, signed by its seen effect");
    CHECK(same_var > n / 10 && same_choice == same_var, "cue = expert's variable in %d episodes, its sign agrees in %d",
          same_var, same_choice);
    CHECK(minus > same_var / 5, "of those, %d of %d are '-' exploits", minus, same_var);
    free(eps);
}

/* world.assoc_rule = 1: the one-snapshot cue is the settable variable whose shown value is the
 * highest (the first of equals), signed as for rule 0. */
TEST(test_assoc_cue_highest) {
    int n = 1000, highest = 1, differs = 0;
    Episode *eps = confound_episodes(1, 23, n);
    play_all(strat_find("expert"), eps, n);
    for (int i = 0; i < n; i++) {
        const EpView *v = &eps[i].view;
        int sign = 0, cue = tok_assoc_cue(v, &sign);
        double best = -INFINITY;
        int want = -1;
        for (int x = 0; x < v->n; x++)
            if (ep_can_exploit(v, x) && shown(v->passive[0][x]) > best) {
                best = shown(v->passive[0][x]);
                want = x;
            }
        highest &= cue == want && v->assoc_rule == 1;
        EpView v0 = *v;
        v0.assoc_rule = 0;
        differs += tok_assoc_cue(&v0, NULL) != cue;
    }
    CHECK(highest, "the cue is the highest settable variable as shown");
    CHECK(differs > n / 10, "rule 1 differs from rule 0 in %d of %d episodes", differs, n);
    free(eps);
}

int main(void) {
    RUN(test_strategy_registry);
    RUN(test_protocol);
    RUN(test_expert_matches_oracle);
    RUN(test_baselines_behave);
    RUN(test_expert_low_noise);
    RUN(test_confounded_world);
    RUN(test_cued_episodes);
    RUN(test_filter_and_determinism);
    RUN(test_tokens_round_trip);
    RUN(test_exploit_explanation);
    RUN(test_assoc_cue_sign);
    RUN(test_explanations_round_trip);
    RUN(test_assoc_cue_highest);
    RUN(test_quality_token);
    RUN(test_legal_answers);
    RUN(test_zero_reward_is_positive_zero);
    return TEST_SUMMARY();
}
