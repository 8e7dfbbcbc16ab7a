/* lab — the interpreter and its limits: state, memory cap, time limit, the one protected way
 * into Lua, the panic handler, and the entry points of lab.h. */
#include "script/lab.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn/agent.h"
#include "script/internal.h"
#include "util/fileio.h"
#include "util/jsonu.h"
#include "util/progress.h"

LabLimits lab_limits_default(void) {
    LabLimits l = {256u << 20, 10.0};
    return l;
}

Lab *lab_from_state(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* ---- memory cap --------------------------------------------------------------------------
 * Past mem_limit an allocation still succeeds (up to mem_hard) and the count hook is set to fire
 * at the very next instruction, which raises "x.lua:LINE: not enough memory" with the line.
 * lua_sethook is safe here (Lua's own interpreter calls it from a signal handler).  Past mem_hard
 * the allocation is refused: Lua raises its bare "not enough memory"; the line is noted first
 * when the refused block is a new one (the Lua stack is consistent then). */

static void note_where(Lab *lab, char *dst, size_t cap) {
    lua_Debug ar;
    for (int level = 0; lua_getstack(lab->L, level, &ar); level++) {
        if (!lua_getinfo(lab->L, "Sl", &ar)) break;
        if (ar.currentline > 0) {
            snprintf(dst, cap, "%s:%d", ar.short_src, ar.currentline);
            return;
        }
    }
}

static void *lab_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    Lab *lab = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        lab->mem_used -= old;
        return NULL;
    }
    if (nsize > old && lab->mem_used - old + nsize > lab->mem_limit) {
        size_t after = lab->mem_used - old + nsize;
        if (after > lab->mem_hard || after < nsize) {
            if (!ptr && lab->L && lab->depth > 0 && !lab->oom_where[0])
                note_where(lab, lab->oom_where, sizeof lab->oom_where);
            return NULL; /* Lua raises "not enough memory" */
        }
        if (lab->L && lab->depth > 0 && !lab->mem_over) {
            lab->mem_over = 1;
            lua_sethook(lab->L, count_hook, LUA_MASKCOUNT, 1);
        }
    }
    void *p = realloc(ptr, nsize);
    if (p) lab->mem_used = lab->mem_used - old + nsize;
    return p;
}

/* ---- time limit and the memory check: the count hook ------------------------------------- */

static void stop_here(lua_State *L, lua_Debug *ar, const char *what) {
    Lab *lab = lab_from_state(L);
    char msg[sizeof lab->stop];
    lua_getinfo(L, "Sl", ar);
    snprintf(msg, sizeof msg, "%s:%d: %s", ar->short_src, ar->currentline, what);
    if (!lab->stop[0]) memcpy(lab->stop, msg, sizeof msg);
    lua_pushstring(L, msg);
    lua_error(L);
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    Lab *lab = lab_from_state(L);
    char what[120];
    if (!lab->timed_out && lab->deadline > 0 && progress_now() > lab->deadline) {
        /* from now on every instruction fails: a pcall in the script cannot outlive the limit */
        lab->timed_out = 1;
        lab->stop[0] = 0;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    if (lab->timed_out) {
        snprintf(what, sizeof what, "script time limit (%g s) exceeded", lab->seconds);
        stop_here(L, ar, what);
    }
    if (lab->mem_over) {
        lua_gc(L, LUA_GCCOLLECT); /* the limit is on what the script holds, not on garbage */
        /* a call that does not grow the memory may run, so `big = nil` can free what a
         * command kept past the limit */
        if (lab->mem_used > lab->mem_limit && lab->mem_used > lab->mem_entry + lab->mem_limit / 16) {
            snprintf(what, sizeof what, "not enough memory (script memory limit %g MB)",
                     (double)lab->mem_limit / (1 << 20));
            stop_here(L, ar, what);
        }
        lab->mem_over = 0;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, LAB_HOOK_COUNT);
    }
}

/* ---- the message handler: every error becomes "script:line: readable text" + traceback --- */

const char *lab_after_position(const char *m) {
    const char *c = strchr(m, ':');
    if (!c || c == m || memchr(m, '\n', (size_t)(c - m))) return m;
    const char *d = c + 1;
    while (*d >= '0' && *d <= '9') d++;
    if (d == c + 1 || *d != ':') return m;
    return d[1] == ' ' ? d + 2 : d + 1;
}

static int tostring_body(lua_State *L) {
    luaL_tolstring(L, 1, NULL); /* raises when __tostring does not return a string */
    return 1;
}

static void describe_error(lua_State *L, char *msg, size_t cap) {
    Lab *lab = lab_from_state(L);
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, 1, &n);
        if (n > 1000) snprintf(msg, cap, "%.1000s… (an error message of %zu bytes, cut)", s, n);
        else snprintf(msg, cap, "%s", s);
    } else if (t == LUA_TNUMBER) {
        if (lua_isinteger(L, 1)) snprintf(msg, cap, "%lld", (long long)lua_tointeger(L, 1));
        else snprintf(msg, cap, "%.14g", lua_tonumber(L, 1));
    } else if (t == LUA_TNIL || t == LUA_TNONE) {
        snprintf(msg, cap, "error raised with no message (nil)");
    } else if (luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        const char *why = "its __tostring failed";
        char inner[300] = "";
        if (!lab->timed_out && !lab->mem_over && lua_checkstack(L, 3)) {
            /* user code inside the handler: protected on its own, under the same limits */
            lua_pushcfunction(L, tostring_body);
            lua_pushvalue(L, 1);
            if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
                size_t n;
                const char *s = lua_tolstring(L, -1, &n);
                snprintf(msg, cap, "%.1000s", s);
                lua_pop(L, 1);
                return;
            }
            if (lua_type(L, -1) == LUA_TSTRING) snprintf(inner, sizeof inner, ": %.250s", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        snprintf(msg, cap, "an error object (%s) that cannot be shown: %s%s", luaL_typename(L, 1), why, inner);
    } else {
        snprintf(msg, cap, "an error object that is a %s, not a message", luaL_typename(L, 1));
    }
}

static int traceback_handler(lua_State *L) {
    char msg[1400], where[300] = "";
    describe_error(L, msg, sizeof msg);
    if (lab_after_position(msg) == msg) { /* no "name:12:" yet */
        Lab *lab = lab_from_state(L);
        (void)lab;
        lua_Debug ar;
        for (int level = 1; lua_getstack(L, level, &ar); level++) {
            lua_getinfo(L, "Sl", &ar);
            if (ar.currentline > 0) {
                snprintf(where, sizeof where, "%s:%d: ", ar.short_src, ar.currentline);
                break;
            }
        }
    }
    lua_pushstring(L, where);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    luaL_traceback(L, L, lua_tostring(L, -1), 1);
    return 1;
}

/* ---- the one way in ----------------------------------------------------------------------- */

/* An error outside any protected call.  dolab makes none (everything runs under lab_protect),
 * so this is a last line of defence: report, and jump back to the lab_protect that was running;
 * the state is then unusable and every later call fails with this message. */
static int at_panic(lua_State *L) {
    Lab *lab = lab_from_state(L);
    const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "an error object that is not a message";
    snprintf(lab->panic_msg, sizeof lab->panic_msg, "%s", m);
    fprintf(stderr, "dolab: Lua error outside a protected call: %s\n", lab->panic_msg);
    lab->broken = 1;
    if (lab->panic_to) longjmp(*lab->panic_to, 1);
    return 0; /* nowhere to go: Lua aborts */
}

static void lab_stop_limits(Lab *lab) {
    lab->deadline = 0;
    lab->timed_out = lab->mem_over = 0;
    lua_sethook(lab->L, count_hook, LUA_MASKCOUNT, LAB_HOOK_COUNT);
}

int lab_protect(Lab *lab, lua_CFunction body, void *ud, Err *e) {
    if (lab->broken) return err_set(e, "the script interpreter is out of order after an earlier error (%s)", lab->panic_msg);
    lua_State *L = lab->L;
    int top = lua_gettop(L);
    if (!lua_checkstack(L, 8)) return err_set(e, "%s: not enough memory (script memory limit %g MB)", lab->src, (double)lab->mem_limit / (1 << 20));
    int outer = lab->depth == 0;
    if (outer) {
        lab->deadline = progress_now() + lab->seconds;
        lab->timed_out = lab->mem_over = 0;
        lab->stop[0] = lab->oom_where[0] = 0;
        lab->log_left = LAB_LOG_MAX;
        lab->mem_entry = lab->mem_used;
    }
    jmp_buf here, *saved = lab->panic_to;
    lab->panic_to = &here;
    lab->depth++;
    if (setjmp(here)) {
        lab->depth = 0;
        lab->panic_to = NULL;
        return err_set(e, "the script interpreter failed outside a protected call: %s", lab->panic_msg);
    }
    lua_pushcfunction(L, traceback_handler);
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, ud);
    int rc = lua_pcall(L, 1, 0, top + 1);
    if (rc != LUA_OK) {
        const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error without a message";
        if (lab->timed_out && lab->stop[0] && !strstr(m, lab->stop)) err_set(e, "%s", lab->stop);
        else if (rc == LUA_ERRMEM)
            err_set(e, "%s: not enough memory (script memory limit %g MB)", lab->oom_where[0] ? lab->oom_where : lab->src,
                    (double)lab->mem_limit / (1 << 20));
        else err_set(e, "%s", m);
    }
    lua_settop(L, top);
    lab->depth--;
    lab->panic_to = saved;
    if (outer) {
        lab_stop_limits(lab);
        if (rc != LUA_OK) lua_gc(L, LUA_GCCOLLECT); /* what the failed call built is garbage now */
    }
    return rc == LUA_OK ? 0 : -1;
}

void lab_rawget_global(lua_State *L, const char *name) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

void lab_rawset_global(lua_State *L, const char *name) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, name);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 2);
}

/* ---- lab_new / lab_free ------------------------------------------------------------------- */

static void find_lua_dir(Lab *lab, const char *given) {
    if (given) {
        snprintf(lab->lua_dir, sizeof lab->lua_dir, "%s", given);
        return;
    }
    /* beside the executable (./dolab -> ./lua), installed (../share/dolab/lua), else ./lua */
    if (!fio_data_path(NULL, "lua/dolab.lua", lab->lua_dir, sizeof lab->lua_dir) ||
        strlen(lab->lua_dir) < strlen("/dolab.lua"))
        snprintf(lab->lua_dir, sizeof lab->lua_dir, "lua");
    else
        lab->lua_dir[strlen(lab->lua_dir) - strlen("/dolab.lua")] = 0;
}

static int open_body(lua_State *L) {
    lab_open_sandbox(L);
    lab_open_api(L);
    lab_open_lesson(L); /* lab.lesson (l_lesson.c) */
    return 0;
}

Lab *lab_new(const LabLimits *limits, const char *lua_dir, SB *log, Err *e) {
    Lab *lab = calloc(1, sizeof *lab);
    if (!lab) {
        err_set(e, "out of memory");
        return NULL;
    }
    LabLimits d = lab_limits_default();
    if (!limits) limits = &d;
    lab->mem_limit = limits->memory;
    /* room for the work in flight when the cap is crossed (the script stops at its next instruction) */
    lab->mem_hard = limits->memory + (limits->memory / 2 > (1u << 20) ? limits->memory / 2 : (1u << 20));
    lab->seconds = limits->seconds;
    lab->log = log;
    snprintf(lab->src, sizeof lab->src, "script");
    find_lua_dir(lab, lua_dir);
    lua_State *L = lua_newstate(lab_alloc, lab);
    if (!L) {
        free(lab);
        err_set(e, "cannot create a Lua state (memory limit too small?)");
        return NULL;
    }
    lab->L = L;
    lua_atpanic(L, at_panic);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, LAB_HOOK_COUNT);
    if (lab_protect(lab, open_body, NULL, e)) {
        lab_free(lab);
        return NULL;
    }
    return lab;
}

void lab_free(Lab *lab) {
    if (!lab) return;
    for (int i = 0; i < lab->n_vocabs; i++) tok_vocab_free(lab->vocabs[i]);
    for (int i = 0; i < lab->n_fns; i++) {
        free(lab->fns[i]->ids);
        free(lab->fns[i]->vals);
        free(lab->fns[i]);
    }
    if (lab->model) lab->model->destroy(lab->model);
    lua_close(lab->L); /* also after a panic: closing resets the call stack to its base first */
    lab_settings_free(lab);
    sb_free(&lab->script_text);
    for (int i = 0; i < lab->n_modules; i++) free(lab->modules[i].text);
    free(lab->modules);
    free(lab);
}

/* ---- small entry points ------------------------------------------------------------------- */

static int quick_body(lua_State *L) {
    Lab *lab = lua_touserdata(L, 1);
    lab_rawget_global(L, "lab");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushboolean(L, lab->quick);
        lua_setfield(L, -2, "quick");
    }
    return 0;
}

void lab_set_quick(Lab *lab, int quick) {
    lab->quick = quick;
    Err e;
    lab_protect(lab, quick_body, lab, &e); /* fails only at the memory cap; lab.quick then stays */
}

const char *lab_script_text(const Lab *lab) { return sb_str(&lab->script_text); }

int lab_set_model(Lab *lab, const Gpt *model, const TokFormat *fmt, const EpConfig *c, Err *e) {
    if (lab->model) lab->model->destroy(lab->model);
    lab->model = NULL;
    lab->model_cfg = c ? *c : ep_config_default();
    if (!model) return 0;
    lab->model = agent_new(model, fmt, 0.0, 0, e);
    return lab->model ? 0 : -1;
}

/* ---- experiments ---------------------------------------------------------------------------- */

typedef struct LoadJob {
    Lab *lab;
    const char *path, *text;
    size_t len;
    Experiment *xs;
    int max, n;
} LoadJob;

static int load_body(lua_State *L) {
    LoadJob *j = lua_touserdata(L, 1);
    char chunk[1100];
    snprintf(chunk, sizeof chunk, "@%s", j->path);
    if (luaL_loadbufferx(L, j->text, j->len, chunk, "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 1);
    if (luaL_testudata(L, -1, LAB_EXPERIMENT_MT)) {
        Err e;
        if (lab_experiment_from(L, -1, &j->xs[0], &e)) return luaL_error(L, "%s", e.msg);
        j->n = 1;
        return 0;
    }
    lua_Integer count = lua_type(L, -1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : 0;
    if (count < 1)
        return luaL_error(L, "%s: the script must return lab.experiment{...} (or a list of them), it returned %s", j->path,
                          luaL_typename(L, -1));
    if (count > j->max) return luaL_error(L, "%s: the script returns %d experiments, at most %d", j->path, (int)count, j->max);
    for (int i = 1; i <= count; i++) {
        lua_rawgeti(L, -1, i);
        if (!luaL_testudata(L, -1, LAB_EXPERIMENT_MT))
            return luaL_error(L, "%s: item %d of the returned list is a %s, not lab.experiment{...}", j->path, i,
                              luaL_typename(L, -1));
        Err e;
        if (lab_experiment_from(L, -1, &j->xs[i - 1], &e)) return luaL_error(L, "%s", e.msg);
        lua_pop(L, 1);
    }
    j->n = (int)count;
    return 0;
}

int lab_load_experiment(Lab *lab, const char *path, Experiment *x, Err *e) {
    int n;
    if (lab_load_experiments(lab, path, x, 1, &n, e)) return -1;
    return 0;
}

static int load_text(Lab *lab, const char *path, const char *text, size_t len, Experiment *xs, int max, int *n, Err *e) {
    *n = 0;
    sb_free(&lab->script_text);
    sb_putn(&lab->script_text, text, len);
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(lab->script_dir, sizeof lab->script_dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(lab->script_dir, sizeof lab->script_dir, ".");
    snprintf(lab->src, sizeof lab->src, "%s", path);
    snprintf(lab->script_path, sizeof lab->script_path, "%s", path);
    LoadJob j = {lab, path, text, len, xs, max, 0};
    if (lab_protect(lab, load_body, &j, e)) return -1;
    *n = j.n;
    return 0;
}

int lab_load_experiments(Lab *lab, const char *path, Experiment *xs, int max, int *n, Err *e) {
    *n = 0;
    size_t len;
    char *text = fio_read(path, &len, 4u << 20, e);
    if (!text) return -1;
    int rc = load_text(lab, path, text, len, xs, max, n, e);
    free(text);
    return rc;
}

/* ---- the script as a checkpoint keeps it ------------------------------------------------------ */

cJSON *lab_script_json(const Lab *lab) {
    if (!lab->script_path[0]) return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", lab->script_path);
    cJSON_AddStringToObject(o, "text", sb_str(&lab->script_text));
    cJSON *mods = cJSON_AddArrayToObject(o, "modules");
    for (int i = 0; i < lab->n_modules; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "name", lab->modules[i].name);
        cJSON_AddStringToObject(m, "text", lab->modules[i].text);
        cJSON_AddItemToArray(mods, m);
    }
    cJSON *set = cJSON_AddArrayToObject(o, "settings");
    for (int i = 0; i < lab->n_settings; i++) cJSON_AddItemToArray(set, cJSON_CreateString(lab->settings[i]));
    cJSON_AddBoolToObject(o, "quick", lab->quick);
    return o;
}

static const JuRule script_rules[] = {
    {"path", JU_STR, 1, 1023, JU_REQUIRED},         {"text", JU_STR, 0, 4 << 20, JU_REQUIRED},
    {"modules", JU_LIST, 0, LAB_MAX_MODULES, 0},    {"modules[].name", JU_STR, 1, 64, JU_REQUIRED},
    {"modules[].text", JU_STR, 0, 4 << 20, JU_REQUIRED}, {"settings", JU_LIST, 0, 32, 0},
    {"settings[]", JU_STR, 1, 1000, 0},             {"quick", JU_BOOL, 0, 0, 0},
};

int lab_load_experiments_json(Lab *lab, const cJSON *script, Experiment *xs, int max, int *n, Err *e) {
    *n = 0;
    if (!cJSON_IsObject(script)) return err_set(e, "script: expected an object, got %s", ju_kind(script));
    if (ju_check(script, "script", script_rules, (int)(sizeof script_rules / sizeof *script_rules), e)) return -1;
    const cJSON *it;
    int k = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(script, "modules")) {
        const char *name = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
        const char *text = cJSON_GetObjectItemCaseSensitive(it, "text")->valuestring;
        if (lab_module_add(lab, name, text, strlen(text))) return err_set(e, "script.modules[%d]: out of memory", k);
        k++;
    }
    lab->modules_only = 1;
    k = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(script, "settings")) {
        if (lab_set_field(lab, it->valuestring, e)) return err_prefix(e, "script.settings[%d]", k);
        k++;
    }
    lab_set_quick(lab, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(script, "quick")));
    const char *path = cJSON_GetObjectItemCaseSensitive(script, "path")->valuestring;
    const char *text = cJSON_GetObjectItemCaseSensitive(script, "text")->valuestring;
    return load_text(lab, path, text, strlen(text), xs, max, n, e);
}

/* ---- the TUI's command line ----------------------------------------------------------------- */

typedef struct EvalJob {
    Lab *lab;
    const char *line;
    SB *out;
    size_t mark; /* out->len before the results: an error while showing them drops the half shown */
    int showing;
} EvalJob;

static int eval_body(lua_State *L) {
    EvalJob *j = lua_touserdata(L, 1);
    int base = lua_gettop(L);
    /* an expression first ("return " .. line), then a statement */
    lua_pushfstring(L, "return %s", j->line);
    size_t n;
    const char *expr = lua_tolstring(L, -1, &n);
    if (luaL_loadbufferx(L, expr, n, "=command", "t") != LUA_OK) {
        lua_settop(L, base);
        if (luaL_loadbufferx(L, j->line, strlen(j->line), "=command", "t") != LUA_OK) return lua_error(L);
    } else {
        lua_remove(L, -2);
    }
    lua_call(L, 0, LUA_MULTRET);
    int first = base + 1, last = lua_gettop(L);
    if (last < first) return 0;
    /* the results are shown here, inside the protected call: __tostring is script code */
    j->mark = j->out->len;
    j->showing = 1;
    for (int i = first; i <= last; i++) {
        if (i > first) sb_puts(j->out, "\t");
        size_t used = j->out->len - j->mark;
        lab_show(L, i, j->out, used < LAB_SHOW_MAX ? LAB_SHOW_MAX - used : 0);
    }
    sb_puts(j->out, "\n");
    return 0;
}

int lab_eval_line(Lab *lab, const char *line, SB *out, Err *e) {
    SB *saved = lab->log;
    lab->log = out; /* print() goes where the results go */
    snprintf(lab->src, sizeof lab->src, "command");
    EvalJob j = {lab, line, out, 0, 0};
    int rc = lab_protect(lab, eval_body, &j, e);
    if (rc && j.showing && out->s) {
        out->len = j.mark;
        out->s[out->len] = 0;
    }
    lab->log = saved;
    return rc;
}

typedef struct WorldJob {
    const Scm *world;
    const Episode *ep;
    Scm *out;
    int found;
} WorldJob;

static int set_world_body(lua_State *L) {
    WorldJob *j = lua_touserdata(L, 1);
    if (j->world) lab_push_world(L, j->world, 1);
    else lua_pushnil(L);
    lab_rawset_global(L, "world");
    if (j->ep) lab_push_episode(L, j->ep);
    else lua_pushnil(L);
    lab_rawset_global(L, "episode");
    return 0;
}

int lab_set_world(Lab *lab, const Scm *world, const Episode *ep) {
    WorldJob j = {world, ep, NULL, 0};
    Err e;
    return lab_protect(lab, set_world_body, &j, &e);
}

static int get_world_body(lua_State *L) {
    WorldJob *j = lua_touserdata(L, 1);
    lab_rawget_global(L, "world");
    j->found = lab_to_world(L, -1, j->out);
    return 0;
}

int lab_get_world(Lab *lab, Scm *out) {
    WorldJob j = {NULL, NULL, out, 0};
    Err e;
    if (lab_protect(lab, get_world_body, &j, &e)) return 0;
    return j.found;
}
