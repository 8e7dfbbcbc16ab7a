/* l_lesson — lab.lesson{...}: reads a lesson script's table into a Lesson (see lesson.h), with
 * the field's path and the script's line in every error, like lab.experiment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/internal.h"
#include "script/lesson.h"
#include "util/fileio.h"

#define LAB_LESSON_MT "dolab.lesson"

static const struct {
    unsigned bit;
    const char *name, *what;
} show_rows[] = {
#define LESSON_SHOW_ROW(id, bit, name, what) {bit, name, what},
    LESSON_SHOW(LESSON_SHOW_ROW)
#undef LESSON_SHOW_ROW
};

const char *lesson_show_name(int i, const char **what) {
    if (i < 0 || i >= (int)(sizeof show_rows / sizeof *show_rows)) return NULL;
    if (what) *what = show_rows[i].what;
    return show_rows[i].name;
}

/* A world: a lab.world / graph value, or a table {variables, edges, seed, edge_prob, noise, weights}. */
static void read_world(lua_State *L, int t, const char *path, Scm *out) {
    if (lab_to_world(L, t, out)) return;
    l_check_table(L, t, path);
    static const char *const allowed[] = {"variables", "edges", "seed", "edge_prob", "noise", "weights", NULL};
    l_unknown_fields(L, t, path, allowed);
    ScmParams p = scm_params_default();
    uint64_t seed = 1;
    l_get_int(L, t, path, "variables", &p.n, SCM_MIN_VARS, SCM_MAX_VARS);
    l_get_u64(L, t, path, "seed", &seed);
    l_get_num(L, t, path, "edge_prob", &p.edge_prob, 0, 1);
    l_get_num(L, t, path, "noise", &p.sigma, 0, 100);
    char sub[160];
    if (l_field(L, t, "weights") != LUA_TNIL) {
        snprintf(sub, sizeof sub, "%s.weights", path);
        l_check_table(L, -1, sub);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        if (lua_type(L, -2) != LUA_TNUMBER || lua_type(L, -1) != LUA_TNUMBER || luaL_len(L, -3) != 2)
            l_err(L, "%s: expected {lo, hi}", sub);
        p.w_lo = lua_tonumber(L, -2);
        p.w_hi = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    Err e;
    if (l_field(L, t, "edges") != LUA_TNIL) {
        snprintf(sub, sizeof sub, "%s.edges", path);
        l_check_table(L, -1, sub);
        if (scm_init(out, p.n, p.sigma, &e)) l_err(L, "%s: %s", path, e.msg);
        int m = (int)luaL_len(L, -1);
        for (int i = 1; i <= m; i++) {
            snprintf(sub, sizeof sub, "%s.edges[%d]", path, i);
            lua_rawgeti(L, -1, i);
            l_check_table(L, -1, sub);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            lua_rawgeti(L, -3, 3);
            int a = l_var_index(L, -3, p.n, sub), b = l_var_index(L, -2, p.n, sub);
            double wt = 1.0;
            if (!lua_isnil(L, -1)) {
                if (lua_type(L, -1) != LUA_TNUMBER) l_err(L, "%s: the weight: expected a number, got %s", sub, l_typename(L, -1));
                wt = lua_tonumber(L, -1);
            }
            if (scm_add_edge(out, a, b, wt, &e)) l_err(L, "%s: %s", sub, e.msg);
            lua_pop(L, 4);
        }
    } else {
        Rng r;
        rng_init(&r, seed, 0x3017); /* the same world lab.world{seed = ...} draws */
        if (scm_params_check(&p, &e) || scm_random(out, &p, &r, &e)) l_err(L, "%s: %s", path, e.msg);
    }
    lua_pop(L, 1);
}

/* "A+" / "C-" -> var, sign; 0 when s is not an action of an n-variable world. */
static int parse_action(const char *s, int n, int *var, int *sign) {
    if (!s[0] || !s[1] || s[2] || s[0] < 'A' || s[0] >= 'A' + n || (s[1] != '+' && s[1] != '-')) return 0;
    *var = s[0] - 'A';
    *sign = s[1] == '+' ? 1 : -1;
    return 1;
}

static void read_action(lua_State *L, int st, const char *path, LessonStep *s) {
    char p[160];
    snprintf(p, sizeof p, "%s.action", path);
    int ty = l_field(L, st, "action");
    s->action = LA_NONE;
    s->exploit_var = -1;
    if (ty == LUA_TSTRING) {
        const char *a = lua_tostring(L, -1);
        if (strcmp(a, "none") == 0) {
        } else if (strcmp(a, "model") == 0 || strat_find(a)) {
            s->action = LA_PLAY;
            snprintf(s->actor, sizeof s->actor, "%s", a);
        } else {
            l_err(L, "%s: '%s' is not a strategy (expert, oracle, corr, max_seen, parents, random, assoc, model) or \"none\"", p, a);
        }
    } else if (ty == LUA_TTABLE) {
        int A = lua_gettop(L);
        static const char *const allowed[] = {"explore", "exploit", NULL};
        l_unknown_fields(L, A, p, allowed);
        s->action = LA_EXPLORE;
        char q[200];
        snprintf(q, sizeof q, "%s.explore", p);
        if (l_field(L, A, "explore") == LUA_TNIL) l_err(L, "%s: expected a list of variables to do(), e.g. {\"A\", \"C\"}", q);
        l_check_table(L, -1, q);
        int m = (int)luaL_len(L, -1);
        if (m < 1 || m > EP_MAX_STEPS) l_err(L, "%s: expected 1 to %d variables, got %d", q, EP_MAX_STEPS, m);
        for (int i = 1; i <= m; i++) {
            char qi[220];
            snprintf(qi, sizeof qi, "%s[%d]", q, i);
            lua_rawgeti(L, -1, i);
            s->explore[s->n_explore++] = l_var_index(L, -1, s->world.n, qi);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        snprintf(q, sizeof q, "%s.exploit", p);
        if (l_field(L, A, "exploit") != LUA_TNIL) {
            const char *x = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (!parse_action(x, s->world.n, &s->exploit_var, &s->exploit_sign) || s->exploit_var == s->goal)
                l_err(L, "%s: expected a variable other than the goal and a sign, like \"A+\" or \"B-\"", q);
        }
        lua_pop(L, 1);
    } else if (ty != LUA_TNIL) {
        l_err(L, "%s: expected a strategy name (\"expert\", \"model\", ...), \"none\" or {explore = {...}}, got %s", p,
              l_typename(L, -1));
    }
    lua_pop(L, 1);
}

static void read_question(lua_State *L, int st, const char *path, LessonStep *s) {
    char p[160];
    snprintf(p, sizeof p, "%s.question", path);
    s->question = LQ_NONE;
    s->answer = -1;
    if (l_field(L, st, "question") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    l_check_table(L, -1, p);
    int Q = lua_gettop(L);
    static const char *const allowed[] = {"ask", "options", "answer", "reveal", NULL};
    l_unknown_fields(L, Q, p, allowed);
    l_get_str(L, Q, p, "ask", s->ask, sizeof s->ask);
    if (!s->ask[0]) l_err(L, "%s.ask: expected the question's text", p);
    l_get_str(L, Q, p, "reveal", s->reveal, sizeof s->reveal);
    char q[200];
    snprintf(q, sizeof q, "%s.options", p);
    int ty = l_field(L, Q, "options");
    if (ty == LUA_TNIL || (ty == LUA_TSTRING && strcmp(lua_tostring(L, -1), "actions") == 0)) {
        s->question = LQ_ACTIONS; /* every variable but the goal, with both signs */
        for (int v = 0; v < s->world.n; v++)
            for (int sg = 1; sg >= -1 && v != s->goal; sg -= 2) {
                LessonOption *o = &s->opt[s->n_opt++];
                o->var = v, o->sign = sg;
                snprintf(o->text, sizeof o->text, "%c%c", scm_name(v), sg > 0 ? '+' : '-');
            }
    } else if (ty == LUA_TTABLE) {
        int m = (int)luaL_len(L, -1);
        if (m < 2 || m > LESSON_MAX_OPTS) l_err(L, "%s: expected 2 to %d options, got %d", q, LESSON_MAX_OPTS, m);
        int actions = 0;
        for (int i = 1; i <= m; i++) {
            char qi[220];
            snprintf(qi, sizeof qi, "%s[%d]", q, i);
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) != LUA_TSTRING) l_err(L, "%s: expected a string, got %s", qi, l_typename(L, -1));
            size_t len;
            const char *t = lua_tolstring(L, -1, &len);
            if (len == 0 || len >= sizeof s->opt[0].text) l_err(L, "%s: expected 1 to %d characters", qi, (int)sizeof s->opt[0].text - 1);
            LessonOption *o = &s->opt[s->n_opt++];
            memcpy(o->text, t, len + 1);
            o->var = -1;
            if (parse_action(t, s->world.n, &o->var, &o->sign)) {
                if (o->var == s->goal) l_err(L, "%s: '%s' sets the goal, which the exploit may not", qi, t);
                actions++;
            }
            lua_pop(L, 1);
        }
        if (actions && actions != m) l_err(L, "%s: either every option is an action like \"A+\" or none is", q);
        s->question = actions ? LQ_ACTIONS : LQ_CHOICE;
    } else {
        l_err(L, "%s: expected \"actions\" or a list of strings, got %s", q, l_typename(L, -1));
    }
    lua_pop(L, 1);
    int answer = 0;
    l_get_int(L, Q, p, "answer", &answer, 1, s->n_opt);
    if (answer && s->question == LQ_ACTIONS)
        l_err(L, "%s.answer: an actions question is answered by the rewards; leave answer out", p);
    s->answer = answer - 1;
    if (s->question == LQ_ACTIONS && s->action == LA_NONE)
        l_err(L, "%s: an actions question needs an action that explores first (a strategy or {explore = ...})", p);
    lua_pop(L, 1);
}

static void read_show(lua_State *L, int st, const char *path, LessonStep *s) {
    char p[160];
    snprintf(p, sizeof p, "%s.show", path);
    int ty = l_field(L, st, "show");
    if (ty == LUA_TNIL || (ty == LUA_TSTRING && strcmp(lua_tostring(L, -1), "all") == 0)) {
        s->show = LS_ALL;
    } else if (ty == LUA_TTABLE) {
        s->show = 0;
        int m = (int)luaL_len(L, -1);
        for (int i = 1; i <= m; i++) {
            lua_rawgeti(L, -1, i);
            const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            unsigned bit = 0;
            for (size_t k = 0; name && k < sizeof show_rows / sizeof *show_rows; k++)
                if (strcmp(name, show_rows[k].name) == 0) bit = show_rows[k].bit;
            if (!bit) l_err(L, "%s[%d]: expected one of structure, values, evidence, baselines, model", p, i);
            s->show |= bit;
            lua_pop(L, 1);
        }
    } else {
        l_err(L, "%s: expected a list such as {\"structure\", \"evidence\"} or \"all\", got %s", p, l_typename(L, -1));
    }
    lua_pop(L, 1);
}

static void read_step(lua_State *L, int st, int i, LessonStep *s, const LessonStep *prev) {
    char path[64];
    snprintf(path, sizeof path, "steps[%d]", i + 1);
    l_check_table(L, st, path);
    static const char *const allowed[] = {"title", "narration", "world", "goal", "seed", "passive", "value",
                                          "show", "action", "question", NULL};
    l_unknown_fields(L, st, path, allowed);
    l_get_str(L, st, path, "title", s->title, sizeof s->title);
    l_get_str(L, st, path, "narration", s->narration, sizeof s->narration);
    if (!s->narration[0]) l_err(L, "%s.narration: every step needs its narration (a few lines)", path);
    if (!s->title[0]) snprintf(s->title, sizeof s->title, "step %d", i + 1);
    char p[96];
    if (l_field(L, st, "world") != LUA_TNIL) {
        snprintf(p, sizeof p, "%s.world", path);
        read_world(L, lua_gettop(L), p, &s->world);
        s->goal = -1;
    } else if (prev) {
        s->world = prev->world; /* a step without a world keeps the previous step's */
        s->goal = prev->goal;
    } else {
        l_err(L, "%s.world: the first step needs a world", path);
    }
    lua_pop(L, 1);
    if (l_field(L, st, "goal") != LUA_TNIL) {
        snprintf(p, sizeof p, "%s.goal", path);
        s->goal = l_var_index(L, -1, s->world.n, p);
    }
    lua_pop(L, 1);
    if (s->goal < 0) /* the last variable that has a cause */
        for (int v = s->world.n - 1; v >= 0 && s->goal < 0; v--)
            if (scm_parents(&s->world, v)) s->goal = v;
    if (s->goal < 0 || !scm_ancestors(&s->world, s->goal))
        l_err(L, "%s.goal: the goal must have a cause in the world (a variable with an incoming edge)", path);
    /* the noise: the previous step's on the same world (the same snapshots), else the step's number */
    int kept = 0;
    if (prev) {
        l_field(L, st, "world");
        kept = lua_isnil(L, -1);
        lua_pop(L, 1);
    }
    s->seed = kept ? prev->seed : (uint64_t)i + 1;
    l_get_u64(L, st, path, "seed", &s->seed);
    s->passive = kept ? prev->passive : 0;
    l_get_int(L, st, path, "passive", &s->passive, 0, EP_MAX_PASSIVE);
    s->value = 5;
    l_get_num(L, st, path, "value", &s->value, -20, 20);
    if (s->value == 0) l_err(L, "%s.value: a do() value of 0 shows nothing; use e.g. 5", path);
    read_show(L, st, path, s);
    read_action(L, st, path, s);
    read_question(L, st, path, s);
}

static int l_lesson(lua_State *L) {
    l_check_table(L, 1, "lab.lesson");
    static const char *const top[] = {"name", "about", "model", "model_hint", "pace", "steps", NULL};
    l_unknown_fields(L, 1, "", top);
    Lesson *les = lua_newuserdatauv(L, sizeof *les, 0); /* Lua owns it: an error below frees it */
    memset(les, 0, sizeof *les);
    luaL_setmetatable(L, LAB_LESSON_MT);
    int U = lua_gettop(L);
    snprintf(les->name, sizeof les->name, "lesson");
    les->pace = 0.7;
    l_get_str(L, 1, "", "name", les->name, sizeof les->name);
    l_get_str(L, 1, "", "about", les->about, sizeof les->about);
    l_get_str(L, 1, "", "model", les->model, sizeof les->model);
    l_get_str(L, 1, "", "model_hint", les->model_hint, sizeof les->model_hint);
    l_get_num(L, 1, "", "pace", &les->pace, 0, 10);
    if (l_field(L, 1, "steps") == LUA_TNIL) l_err(L, "steps: a lesson needs its steps (a list of tables)");
    l_check_table(L, -1, "steps");
    int m = (int)luaL_len(L, -1);
    if (m < 1 || m > LESSON_MAX_STEPS) l_err(L, "steps: expected 1 to %d steps, got %d", LESSON_MAX_STEPS, m);
    for (int i = 0; i < m; i++) {
        lua_rawgeti(L, -1, i + 1);
        read_step(L, lua_gettop(L), i, &les->step[i], i ? &les->step[i - 1] : NULL);
        lua_pop(L, 1);
        les->n_steps = i + 1;
    }
    lua_settop(L, U);
    return 1;
}

static int l_lesson_tostring(lua_State *L) {
    Lesson *les = luaL_checkudata(L, 1, LAB_LESSON_MT);
    lua_pushfstring(L, "lesson %s (%d steps)", les->name, les->n_steps);
    return 1;
}

void lab_open_lesson(lua_State *L) {
    luaL_newmetatable(L, LAB_LESSON_MT);
    lua_pushcfunction(L, l_lesson_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lab_rawget_global(L, "lab");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushcfunction(L, l_lesson);
        lua_setfield(L, -2, "lesson");
    }
    lua_pop(L, 1);
}

/* ---- loading a lesson script ---------------------------------------------------------------- */

typedef struct LessonJob {
    const char *path, *text;
    size_t len;
    Lesson *out;
} LessonJob;

static int lesson_body(lua_State *L) {
    LessonJob *j = lua_touserdata(L, 1);
    char chunk[1100];
    snprintf(chunk, sizeof chunk, "@%s", j->path);
    if (luaL_loadbufferx(L, j->text, j->len, chunk, "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 1);
    Lesson *les = luaL_testudata(L, -1, LAB_LESSON_MT);
    if (!les) return luaL_error(L, "%s: the script must return lab.lesson{...}, it returned %s", j->path, luaL_typename(L, -1));
    memcpy(j->out, les, sizeof *les);
    return 0;
}

int lab_load_lesson(Lab *lab, const char *path, Lesson *out, Err *e) {
    size_t len;
    char *text = fio_read(path, &len, 1u << 20, e);
    if (!text) return -1;
    sb_free(&lab->script_text);
    sb_putn(&lab->script_text, text, len);
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(lab->script_dir, sizeof lab->script_dir, "%.*s", (int)(slash - path), path);
    else snprintf(lab->script_dir, sizeof lab->script_dir, ".");
    snprintf(lab->src, sizeof lab->src, "%s", path);
    LessonJob j = {path, text, len, out};
    int rc = lab_protect(lab, lesson_body, &j, e);
    free(text);
    return rc;
}
