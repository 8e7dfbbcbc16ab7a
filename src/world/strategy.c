#include "world/strategy.h"

#include <math.h>
#include <string.h>

#include "util/rng.h"
#include "world/tok.h"

/* ---- exploration shared by expert, corr, max_seen, parents ---------------------------- */

int strat_expert_explore(const EpView *v) {
    /* Each relevant variable once, in A, B, C... order; if K exceeds their number, go round
     * again. */
    unsigned done = 0;
    for (int s = 0; s < v->n_steps; s++) done |= 1u << v->steps[s].var;
    unsigned left = v->relevant & ~done;
    if (!left) left = v->relevant;
    return __builtin_ctz(left);
}

/* Latest observation of the goal under do(x = value), or NAN if x was never explored. */
static double seen_goal_under(const EpView *v, int x) { return ep_seen(v, x, v->goal); }

static int invert(int m, double a[][SCM_MAX_VARS + 1], double inv[][SCM_MAX_VARS + 1]) {
    double aug[SCM_MAX_VARS + 1][2 * (SCM_MAX_VARS + 1)];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < 2 * m; j++) aug[i][j] = j < m ? a[i][j] : (j - m == i);
    for (int c = 0; c < m; c++) {
        int p = c;
        for (int r = c + 1; r < m; r++)
            if (fabs(aug[r][c]) > fabs(aug[p][c])) p = r;
        if (fabs(aug[p][c]) < 1e-12) return -1;
        if (p != c)
            for (int j = 0; j < 2 * m; j++) {
                double t = aug[p][j];
                aug[p][j] = aug[c][j];
                aug[c][j] = t;
            }
        double d = aug[c][c];
        for (int j = 0; j < 2 * m; j++) aug[c][j] /= d;
        for (int r = 0; r < m; r++) {
            if (r == c || aug[r][c] == 0.0) continue;
            double f = aug[r][c];
            for (int j = 0; j < 2 * m; j++) aug[r][j] -= f * aug[c][j];
        }
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) inv[i][j] = aug[i][m + j];
    return 0;
}

StratAction strat_expert_exploit(const EpView *v) {
    StratAction best = {-1, 1};
    double best_score = -INFINITY;
    for (int x = 0; x < v->n; x++) {
        if (!ep_can_exploit(v, x)) continue;
        double t = seen_goal_under(v, x);
        if (isnan(t)) continue;
        double eff = t / v->value; /* measured effect of x on the goal */
        if (fabs(eff) > best_score) {
            best_score = fabs(eff);
            best.var = x;
            best.sign = eff < 0 ? -1 : 1;
        }
    }
    if (best.var < 0) /* nothing explored that may be set: first legal variable */
        for (int x = 0; x < v->n && best.var < 0; x++)
            if (ep_can_exploit(v, x)) best.var = x;
    return best;
}

static int explore_like_expert(const EpView *const *views, int n, StratAction *out) {
    for (int i = 0; i < n; i++) {
        out[i].var = strat_expert_explore(views[i]);
        out[i].sign = 1;
    }
    return 0;
}

/* ---- expert ----------------------------------------------------------------------------- */

static int expert_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n, StratAction *out,
                      Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    if (n && ep_phase(views[0]) == EP_EXPLORE) return explore_like_expert(views, n, out);
    for (int i = 0; i < n; i++) out[i] = strat_expert_exploit(views[i]);
    return 0;
}

/* ---- oracle ----------------------------------------------------------------------------- */

static int oracle_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n, StratAction *out,
                      Err *e) {
    (void)s, (void)ids, (void)e;
    if (n && ep_phase(views[0]) == EP_EXPLORE) return explore_like_expert(views, n, out);
    for (int i = 0; i < n; i++) {
        out[i].var = truth[i]->best_var;
        out[i].sign = truth[i]->best_sign;
    }
    return 0;
}

/* ---- corr: the variable most correlated with the goal over every sample seen ------------- */

static StratAction corr_exploit(const EpView *v) {
    StratAction best = {-1, 1};
    best.var = ep_most_correlated(v, 1, &best.sign);
    return best;
}

static int corr_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n, StratAction *out,
                    Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    if (n && ep_phase(views[0]) == EP_EXPLORE) return explore_like_expert(views, n, out);
    for (int i = 0; i < n; i++) out[i] = corr_exploit(views[i]);
    return 0;
}

/* ---- max_seen: repeat the intervention under which the goal was highest ------------------ */

static StratAction max_seen_exploit(const EpView *v) {
    StratAction best = {-1, 1};
    double hi = -INFINITY;
    for (int s = 0; s < v->n_steps; s++) {
        int x = v->steps[s].var;
        if (!ep_can_exploit(v, x)) continue;
        if (v->steps[s].obs[v->goal] > hi) {
            hi = v->steps[s].obs[v->goal];
            best.var = x;
            best.sign = v->value < 0 ? -1 : 1; /* the same intervention: never flips the sign */
        }
    }
    if (best.var < 0)
        for (int x = 0; x < v->n && best.var < 0; x++)
            if (ep_can_exploit(v, x)) best.var = x;
    return best;
}

static int max_seen_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                        StratAction *out, Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    if (n && ep_phase(views[0]) == EP_EXPLORE) return explore_like_expert(views, n, out);
    for (int i = 0; i < n; i++) out[i] = max_seen_exploit(views[i]);
    return 0;
}

/* ---- parents: direct causes only ------------------------------------------------------ */
/* From single interventions the agent estimates total effects TE[x][y] = obs_y / value over
 * the explored variables S plus the goal; in a linear SCM the direct weights follow as
 * W = I - TE^-1.  The strategy then acts on the largest estimated direct weight into the
 * goal, ignoring paths through other variables. */

static StratAction parents_exploit(const EpView *v) {
    int vars[SCM_MAX_VARS + 1], m = 0, ti = -1;
    for (int x = 0; x < v->n; x++)
        if (x == v->goal || !isnan(seen_goal_under(v, x))) {
            if (x == v->goal) ti = m;
            vars[m++] = x;
        }
    double te[SCM_MAX_VARS + 1][SCM_MAX_VARS + 1], inv[SCM_MAX_VARS + 1][SCM_MAX_VARS + 1];
    for (int a = 0; a < m; a++) {
        const EpStep *st = NULL;
        for (int s = v->n_steps - 1; s >= 0 && !st; s--)
            if (v->steps[s].var == vars[a]) st = &v->steps[s];
        for (int b = 0; b < m; b++)
            te[a][b] = a == b ? 1.0 : (st ? st->obs[vars[b]] / st->value : 0.0);
    }
    StratAction best = {-1, 1};
    if (invert(m, te, inv) == 0) {
        double hi = -1.0;
        for (int a = 0; a < m; a++) {
            int x = vars[a];
            if (!ep_can_exploit(v, x)) continue;
            double direct = -inv[a][ti]; /* W = I - TE^-1, off the diagonal */
            if (fabs(direct) > hi) {
                hi = fabs(direct);
                best.var = x;
                best.sign = direct < 0 ? -1 : 1;
            }
        }
    }
    if (best.var < 0) best = strat_expert_exploit(v);
    return best;
}

static int parents_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                       StratAction *out, Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    if (n && ep_phase(views[0]) == EP_EXPLORE) return explore_like_expert(views, n, out);
    for (int i = 0; i < n; i++) out[i] = parents_exploit(views[i]);
    return 0;
}

/* ---- assoc: the associational cue ------------------------------------------------------ */

static int assoc_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                     StratAction *out, Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    if (n && ep_phase(views[0]) == EP_EXPLORE) return explore_like_expert(views, n, out);
    for (int i = 0; i < n; i++) {
        int sign = 1, x = tok_assoc_cue(views[i], &sign);
        out[i] = x >= 0 ? (StratAction){x, sign} : strat_expert_exploit(views[i]);
    }
    return 0;
}

/* ---- random ---------------------------------------------------------------------------- */

static int random_pick(Rng *r, unsigned set) {
    int k = (int)rng_below(r, (uint32_t)__builtin_popcount(set));
    for (int x = 0;; x++)
        if (((set >> x) & 1u) && k-- == 0) return x;
}

static int random_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n, StratAction *out,
                      Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    for (int i = 0; i < n; i++) {
        const EpView *v = views[i];
        Rng r; /* seeded by episode and step, so the choice does not depend on batching */
        rng_init(&r, v->agent_seed, (uint64_t)v->n_steps + (v->goal >= 0 ? 1000u : 0u));
        if (ep_phase(v) == EP_EXPLORE) {
            out[i].var = random_pick(&r, v->relevant);
            out[i].sign = 1;
        } else {
            unsigned legal = v->relevant & ~(1u << v->goal);
            out[i].var = random_pick(&r, legal);
            out[i].sign = (rng_u64(&r) >> 63) ? -1 : 1;
        }
    }
    return 0;
}

/* ---- epsilon: a noisy expert (a poor demonstrator for training mixes) --------------------- */

static int epsilon_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                       StratAction *out, Err *e) {
    (void)s, (void)truth, (void)ids, (void)e;
    for (int i = 0; i < n; i++) {
        const EpView *v = views[i];
        if (ep_phase(v) == EP_EXPLORE) {
            out[i].var = strat_expert_explore(v);
            out[i].sign = 1;
            continue;
        }
        Rng r; /* seeded by the episode, so the choice does not depend on batching */
        rng_init(&r, v->agent_seed, 2000u);
        if (rng_uniform(&r) < 0.5) {
            unsigned legal = v->relevant & ~(1u << v->goal);
            out[i].var = random_pick(&r, legal);
            out[i].sign = (rng_u64(&r) >> 63) ? -1 : 1;
        } else {
            out[i] = strat_expert_exploit(v);
        }
    }
    return 0;
}

/* ---- registry and player ---------------------------------------------------------------- */

static Strategy builtins[STRAT_COUNT] = {
#define STRAT_X_ROW(nm, roles_, truth, about_) \
    [STRAT_ID_##nm] = {.name = #nm, .about = about_, .needs_truth = truth, .act = nm##_act, .roles = roles_},
    STRAT_REGISTRY(STRAT_X_ROW)
#undef STRAT_X_ROW
};

Strategy *strat_builtin(int i) { return (i >= 0 && i < STRAT_BUILTIN_COUNT) ? &builtins[i] : NULL; }

Strategy *strat_registered(int i) { return (i >= 0 && i < STRAT_COUNT) ? &builtins[i] : NULL; }

Strategy *strat_find(const char *name) {
    for (int i = 0; i < STRAT_COUNT; i++)
        if (strcmp(builtins[i].name, name) == 0) return &builtins[i];
    return NULL;
}

const char *strat_names(void) {
#define STRAT_X_NAME(nm, roles, truth, about) ", " #nm
    static const char all[] = STRAT_REGISTRY(STRAT_X_NAME);
#undef STRAT_X_NAME
    return all + 2;
}

int strat_play(Strategy *s, Episode *const *eps, int n, Err *e) {
    const EpView *views[STRAT_BATCH];
    const Episode *truth[STRAT_BATCH];
    Episode *who[STRAT_BATCH];
    StratAction act[STRAT_BATCH];
    int ids[STRAT_BATCH];
    for (int base = 0; base < n; base += STRAT_BATCH) {
        int end = base + STRAT_BATCH < n ? base + STRAT_BATCH : n;
        if (s->begin && s->begin(s, end - base, e)) return err_prefix(e, "%s", s->name);
        for (;;) {
            /* One phase at a time: every exploring episode first, then every exploiting one. */
            int m = 0;
            EpPhase phase = EP_DONE;
            for (int i = base; i < end; i++) {
                EpPhase p = ep_phase(&eps[i]->view);
                if (p == EP_EXPLORE) phase = EP_EXPLORE;
                else if (p == EP_EXPLOIT && phase == EP_DONE) phase = EP_EXPLOIT;
            }
            if (phase == EP_DONE) break;
            for (int i = base; i < end; i++)
                if (ep_phase(&eps[i]->view) == phase) {
                    who[m] = eps[i];
                    ids[m] = i - base;
                    views[m] = &eps[i]->view;
                    truth[m] = eps[i];
                    m++;
                }
            if (s->act(s, views, s->needs_truth ? truth : NULL, ids, m, act, e)) return err_prefix(e, "%s", s->name);
            for (int k = 0; k < m; k++) {
                int rc = phase == EP_EXPLORE ? ep_explore(who[k], act[k].var, e)
                                             : ep_exploit(who[k], act[k].var, act[k].sign, e);
                if (rc) return err_prefix(e, "strategy %s", s->name);
            }
        }
    }
    return 0;
}
