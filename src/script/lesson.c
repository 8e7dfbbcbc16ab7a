/* lesson — playing a lesson's step: its episode, its action, and what every strategy would
 * choose at the reveal (see lesson.h).  The TUI's lesson mode and the handouts both use these,
 * so a handout shows the numbers the class saw. */
#include "script/lesson.h"

#include <string.h>

int lesson_episode(const LessonStep *s, Episode *ep, Err *e) {
    EpConfig c = ep_config_default();
    c.world.n = s->world.n;
    c.world.sigma = s->world.sigma;
    c.value = s->value;
    c.passive = s->passive;
    c.explore = s->action == LA_EXPLORE ? s->n_explore : 0;
    if (ep_config_check(&c, e)) return -1;
    unsigned all = (1u << s->world.n) - 1;
    return ep_from_world(ep, &s->world, &c, s->goal, all, 0, s->seed, e);
}

static int decide(Strategy *st, const Episode *ep, StratAction *act, Err *e) {
    const EpView *v = &ep->view;
    const Episode *t = ep;
    int id = 0;
    if (st->act(st, &v, st->needs_truth ? &t : NULL, &id, 1, act, e)) return err_prefix(e, "%s", st->name);
    return 0;
}

int lesson_decide(Strategy *st, const Episode *ep, StratAction *act, Err *e) {
    if (st->begin && st->begin(st, 1, e)) return err_prefix(e, "%s", st->name);
    return decide(st, ep, act, e);
}

int lesson_play(const LessonStep *s, Episode *ep, Strategy *model, Err *e) {
    int stop_at_exploit = s->question == LQ_ACTIONS;
    if (s->action == LA_EXPLORE) {
        for (int i = 0; i < s->n_explore && ep_phase(&ep->view) == EP_EXPLORE; i++)
            if (ep_explore(ep, s->explore[i], e)) return -1;
        if (s->exploit_var >= 0 && !stop_at_exploit && ep_phase(&ep->view) == EP_EXPLOIT)
            return ep_exploit(ep, s->exploit_var, s->exploit_sign, e);
        return 0;
    }
    if (s->action != LA_PLAY) return 0;
    Strategy *st = strcmp(s->actor, "model") == 0 ? model : strat_find(s->actor);
    if (!st) return err_set(e, "no model is loaded, and this step is played by the model");
    if (st->begin && st->begin(st, 1, e)) return err_prefix(e, "%s", st->name);
    for (;;) {
        EpPhase ph = ep_phase(&ep->view);
        if (ph == EP_DONE || (ph == EP_EXPLOIT && stop_at_exploit)) return 0;
        StratAction a;
        if (decide(st, ep, &a, e)) return -1;
        int rc = ph == EP_EXPLORE ? ep_explore(ep, a.var, e) : ep_exploit(ep, a.var, a.sign, e);
        if (rc) return err_prefix(e, "%s", st->name);
    }
}

int lesson_choices(const Episode *ep, Strategy *model, LessonChoice *out, int *n, Err *e) {
    *n = 0;
    if (ep_phase(&ep->view) != EP_EXPLOIT) return err_set(e, "the episode is not at its exploit");
    e->msg[0] = 0;
    for (int i = 0; i < STRAT_BUILTIN_COUNT + 2; i++) {
        int is_model = i == STRAT_BUILTIN_COUNT + 1;
        Strategy *st = i < STRAT_BUILTIN_COUNT ? strat_builtin(i) : is_model ? model : strat_find("assoc");
        if (i == STRAT_BUILTIN_COUNT && !ep->view.n_passive) continue;
        if (!st) break;
        LessonChoice *c = &out[(*n)++];
        memset(c, 0, sizeof *c);
        c->name = is_model ? "model" : st->name;
        Episode copy = *ep;
        Err e2;
        if ((st->begin && st->begin(st, 1, &e2)) || decide(st, &copy, &c->act, &e2)) {
            if (is_model) err_set(e, "%s", e2.msg); /* the others still answer */
            continue;
        }
        c->ok = ep_can_exploit(&ep->view, c->act.var);
        if (c->ok) c->reward = ep_action_reward(ep, c->act.var, c->act.sign);
    }
    return 0;
}

double lesson_option_reward(const Episode *ep, const LessonOption *o) {
    return o->var >= 0 ? ep_action_reward(ep, o->var, o->sign) : 0;
}
