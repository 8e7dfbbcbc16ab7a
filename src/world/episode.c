#include "world/episode.h"

#include <math.h>
#include <string.h>

#include "util/rng.h"

enum { STREAM_WORLD = 1, STREAM_PASSIVE = 0x100, STREAM_STEP = 0x200, STREAM_AGENT = 0x400 };

EpConfig ep_config_default(void) {
    EpConfig c = {.world = scm_params_default(), .value = 5.0, .exploit_value = 5.0, .passive = 0,
                  .explore = 0, .cue_size = 0};
    return c;
}

int ep_config_check(const EpConfig *c, Err *e) {
    if (scm_params_check(&c->world, e)) return -1;
    if (!(isfinite(c->value) && c->value != 0.0 && fabs(c->value) <= 20.0))
        return err_set(e, "intervention value: expected a non-zero number in [-20, 20], got %g", c->value);
    if (!(isfinite(c->exploit_value) && c->exploit_value > 0.0 && c->exploit_value <= 20.0))
        return err_set(e, "exploit value: expected a number in (0, 20], got %g", c->exploit_value);
    if (c->passive < 0 || c->passive > EP_MAX_PASSIVE)
        return err_set(e, "passive observations: expected 0 to %d, got %d", EP_MAX_PASSIVE, c->passive);
    if (c->explore < 0 || c->explore > EP_MAX_STEPS)
        return err_set(e, "exploration steps: expected 0 (one per variable) to %d, got %d", EP_MAX_STEPS, c->explore);
    if (c->cue_size != 0 && (c->cue_size < 2 || c->cue_size > c->world.n))
        return err_set(e, "cue size: expected 0 (no cue) or 2 to %d, got %d", c->world.n, c->cue_size);
    return 0;
}

/* Relevant variables that have a relevant ancestor: the possible goals. */
static unsigned goal_candidates(const Scm *w, unsigned relevant) {
    unsigned out = 0;
    for (int v = 0; v < w->n; v++)
        if (((relevant >> v) & 1u) && (scm_ancestors(w, v) & relevant)) out |= 1u << v;
    return out;
}

/* A member of a non-empty bit set, uniformly at random (one draw from r). */
static int pick_member(Rng *r, unsigned set) {
    int pick = (int)rng_below(r, (uint32_t)__builtin_popcount(set));
    for (int v = 0; v < SCM_MAX_VARS; v++)
        if (((set >> v) & 1u) && pick-- == 0) return v;
    return -1;
}

static void observe(const Episode *ep, uint64_t stream, const ScmDo *d, int nd, double *out) {
    Rng r;
    rng_init(&r, ep->seed, stream);
    double eps[SCM_MAX_VARS];
    for (int j = 0; j < ep->world.n; j++) eps[j] = rng_normal(&r);
    scm_sample_eps(&ep->world, d, nd, eps, out);
}

static void set_best(Episode *ep) {
    const Scm *w = &ep->world;
    double best = -1.0;
    ep->best_var = -1;
    ep->best_sign = 1;
    for (int x = 0; x < w->n; x++) {
        if (x == ep->goal || !((ep->view.relevant >> x) & 1u)) continue;
        double te = scm_effect(w, x, ep->goal);
        if (fabs(te) > best) {
            best = fabs(te);
            ep->best_var = x;
            ep->best_sign = te < 0 ? -1 : 1;
        }
    }
    ep->optimal = ep->view.exploit_value * best;
}

static void begin(Episode *ep, const EpConfig *c, int goal, unsigned relevant, int cued, uint64_t seed) {
    EpView *v = &ep->view;
    memset(v, 0, sizeof *v);
    v->n = ep->world.n;
    v->relevant = relevant;
    v->cued = cued;
    v->value = c->value;
    v->exploit_value = c->exploit_value;
    v->explore_total = c->explore ? c->explore : __builtin_popcount(relevant);
    if (v->explore_total > EP_MAX_STEPS) v->explore_total = EP_MAX_STEPS;
    v->n_passive = c->passive;
    v->assoc_rule = c->assoc_rule;
    ep->seed = seed;
    ep->goal = goal;
    {
        Rng r;
        rng_init(&r, seed, STREAM_AGENT);
        v->agent_seed = rng_u64(&r);
    }
    for (int i = 0; i < c->passive; i++) observe(ep, STREAM_PASSIVE + (uint64_t)i, NULL, 0, v->passive[i]);
    set_best(ep);
    ep_restart(ep);
}

void ep_restart(Episode *ep) {
    EpView *v = &ep->view;
    v->n_steps = 0;
    v->goal = v->explore_total == 0 ? ep->goal : -1;
    v->exploit_var = -1;
    v->exploit_sign = 0;
    ep->reward = ep->norm_reward = 0.0;
}

int ep_generate(Episode *ep, const EpConfig *c, uint64_t seed, uint64_t index, EpWorldFilter filter,
                void *filter_ctx, Err *e) {
    if (ep_config_check(c, e)) return -1;
    memset(ep, 0, sizeof *ep);
    Rng r;
    rng_init(&r, seed, index * 0x10001ull + STREAM_WORLD);
    unsigned all = (1u << c->world.n) - 1;
    for (int tries = 0; tries < EP_MAX_DRAWS; tries++) {
        if (scm_random(&ep->world, &c->world, &r, e)) return -1;
        unsigned relevant = all;
        if (c->cue_size) {
            int perm[SCM_MAX_VARS];
            for (int i = 0; i < c->world.n; i++) perm[i] = i;
            rng_shuffle(&r, perm, c->world.n);
            relevant = 0;
            for (int i = 0; i < c->cue_size; i++) relevant |= 1u << perm[i];
        }
        unsigned cand = goal_candidates(&ep->world, relevant);
        if (!cand) continue;
        if (filter) {
            int ok = filter(&ep->world, filter_ctx, e);
            if (ok < 0) return -1;
            if (!ok) continue;
        }
        int goal = pick_member(&r, cand);
        begin(ep, c, goal, relevant, c->cue_size != 0, rng_u64(&r));
        return 0;
    }
    return err_set(e, "no acceptable world in %d draws: the held-out filter rejects (almost) every world",
                   EP_MAX_DRAWS);
}

int ep_from_world(Episode *ep, const Scm *world, const EpConfig *c, int goal, unsigned relevant, int cued,
                  uint64_t seed, Err *e) {
    EpConfig cc = *c;
    cc.world.n = world->n;
    cc.cue_size = 0;
    if (ep_config_check(&cc, e)) return -1;
    unsigned all = (1u << world->n) - 1;
    if (relevant == 0) relevant = all;
    if (relevant & ~all) return err_set(e, "relevant variables outside the world");
    if (goal < 0 || goal >= world->n) return err_set(e, "goal: no variable %d in a world of %d", goal, world->n);
    if (!((goal_candidates(world, relevant) >> goal) & 1u))
        return err_set(e, "goal %c: it must be a relevant variable with a relevant cause", scm_name(goal));
    Scm w = *world; /* world may live inside ep */
    memset(ep, 0, sizeof *ep);
    ep->world = w;
    begin(ep, &cc, goal, relevant, cued, seed);
    return 0;
}

EpPhase ep_phase(const EpView *v) {
    if (v->n_steps < v->explore_total) return EP_EXPLORE;
    if (v->exploit_var < 0) return EP_EXPLOIT;
    return EP_DONE;
}

int ep_explore(Episode *ep, int var, Err *e) {
    EpView *v = &ep->view;
    if (ep_phase(v) != EP_EXPLORE) return err_set(e, "explore: the exploration phase is over");
    if (var < 0 || var >= v->n || !((v->relevant >> var) & 1u))
        return err_set(e, "explore: %c is not a variable the agent may intervene on", var >= 0 && var < 26 ? scm_name(var) : '?');
    EpStep *s = &v->steps[v->n_steps];
    s->var = var;
    s->value = v->value;
    ScmDo d = {var, v->value};
    observe(ep, STREAM_STEP + (uint64_t)v->n_steps, &d, 1, s->obs);
    v->n_steps++;
    if (v->n_steps == v->explore_total) v->goal = ep->goal;
    return 0;
}

double ep_action_reward(const Episode *ep, int var, int sign) {
    double r = sign * ep->view.exploit_value * scm_effect(&ep->world, var, ep->goal);
    return r == 0 ? 0.0 : r; /* -5 * 0 is -0, which would print as "-0.0" */
}

int ep_exploit(Episode *ep, int var, int sign, Err *e) {
    EpView *v = &ep->view;
    if (ep_phase(v) != EP_EXPLOIT) return err_set(e, "exploit: not the exploit phase");
    if (!ep_can_exploit(v, var))
        return err_set(e, "exploit: %c cannot be set (it is the goal or not relevant)", var >= 0 && var < 26 ? scm_name(var) : '?');
    if (sign != 1 && sign != -1) return err_set(e, "exploit: sign must be +1 or -1");
    v->exploit_var = var;
    v->exploit_sign = sign;
    ep->reward = ep_action_reward(ep, var, sign);
    ep->norm_reward = ep->optimal > 0 ? ep->reward / ep->optimal : 0.0;
    return 0;
}

unsigned ep_goal_candidates(const Episode *ep) { return goal_candidates(&ep->world, ep->view.relevant); }

int ep_draw_goal(const Episode *ep, unsigned exclude, Rng *r) {
    unsigned cand = ep_goal_candidates(ep) & ~exclude;
    return cand ? pick_member(r, cand) : -1;
}

int ep_regoal(Episode *ep, int goal, Err *e) {
    EpView *v = &ep->view;
    if (v->n_steps < v->explore_total) return err_set(e, "regoal: exploration is not over");
    if (goal < 0 || goal >= v->n || !((ep_goal_candidates(ep) >> goal) & 1u))
        return err_set(e, "regoal: %c is not a possible goal", goal >= 0 && goal < 26 ? scm_name(goal) : '?');
    v->exploit_var = -1;
    v->exploit_sign = 0;
    ep->reward = ep->norm_reward = 0.0;
    ep->goal = v->goal = goal;
    set_best(ep);
    return 0;
}

int ep_undo(Episode *ep) {
    EpView *v = &ep->view;
    if (v->exploit_var >= 0) {
        v->exploit_var = -1;
        v->exploit_sign = 0;
        ep->reward = ep->norm_reward = 0.0;
        return 0;
    }
    if (v->n_steps == 0) return -1;
    v->n_steps--;
    if (v->n_steps < v->explore_total) v->goal = -1;
    return 0;
}

double ep_seen(const EpView *v, int x, int y) {
    for (int s = v->n_steps - 1; s >= 0; s--)
        if (v->steps[s].var == x) return v->steps[s].obs[y];
    return NAN;
}

/* Sample i of a view: passive observations first, then exploration observations. */
static const double *sample_row(const EpView *v, int i) {
    return i < v->n_passive ? v->passive[i] : v->steps[i - v->n_passive].obs;
}

int ep_most_correlated(const EpView *v, int with_steps, int *sign) {
    int m = v->n_passive + (with_steps ? v->n_steps : 0), t = v->goal, best = -1;
    double mt = 0, vt = 0, best_r = -1.0;
    for (int i = 0; i < m; i++) mt += sample_row(v, i)[t];
    mt /= m > 0 ? m : 1;
    for (int i = 0; i < m; i++) vt += (sample_row(v, i)[t] - mt) * (sample_row(v, i)[t] - mt);
    for (int x = 0; x < v->n; x++) {
        if (!ep_can_exploit(v, x)) continue;
        double mx = 0, vx = 0, cxy = 0;
        for (int i = 0; i < m; i++) mx += sample_row(v, i)[x];
        mx /= m > 0 ? m : 1;
        for (int i = 0; i < m; i++) {
            const double *r = sample_row(v, i);
            vx += (r[x] - mx) * (r[x] - mx);
            cxy += (r[x] - mx) * (r[t] - mt);
        }
        double r = (vx > 0 && vt > 0) ? cxy / sqrt(vx * vt) : 0.0;
        if (fabs(r) > best_r) {
            best_r = fabs(r);
            best = x;
            if (sign) *sign = r < 0 ? -1 : 1;
        }
    }
    return best;
}

int ep_legal_answers(const EpView *v, char out[][3]) {
    int k = 0, exploit = ep_phase(v) == EP_EXPLOIT;
    for (int x = 0; x < v->n; x++) {
        if (exploit ? !ep_can_exploit(v, x) : !((v->relevant >> x) & 1u)) continue;
        for (int sg = 0; sg < (exploit ? 2 : 1); sg++) {
            out[k][0] = scm_name(x);
            out[k][1] = exploit ? "+-"[sg] : 0;
            out[k][2] = 0;
            k++;
        }
    }
    return k;
}

int ep_parse_answer(const EpView *v, const char *s, int *var, int *sign) {
    char legal[EP_MAX_ANSWERS][3];
    int n = ep_legal_answers(v, legal);
    for (int i = 0; i < n; i++)
        if (strcmp(s, legal[i]) == 0) {
            *var = s[0] - 'A';
            *sign = s[1] == '-' ? -1 : 1;
            return 0;
        }
    return -1;
}
