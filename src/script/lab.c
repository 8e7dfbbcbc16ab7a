/* lab — the sandbox: state, allocator, time limit, restricted libraries, require, print. */
#include "script/lab.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "script/internal.h"
#include "util/fileio.h"
#include "util/progress.h"

LabLimits lab_limits_default(void) {
    LabLimits l = {256u << 20, 10.0};
    return l;
}

/* ---- memory cap ------------------------------------------------------------------------- */

static void *lab_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    Lab *lab = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        lab->mem_used -= old;
        return NULL;
    }
    if (nsize > old && lab->mem_used - old + nsize > lab->mem_limit) return NULL; /* Lua raises "not enough memory" */
    void *p = realloc(ptr, nsize);
    if (p) lab->mem_used = lab->mem_used - old + nsize;
    return p;
}

/* ---- time limit ------------------------------------------------------------------------- */

static void count_hook(lua_State *L, lua_Debug *ar) {
    Lab *lab = lab_from_state(L);
    if (progress_now() > lab->deadline) {
        char msg[1400];
        lua_getinfo(L, "Sl", ar); /* where the script is now */
        snprintf(msg, sizeof msg, "%s:%d: script stopped: it ran longer than %g s (a runaway loop?)", ar->short_src,
                 ar->currentline, lab->seconds);
        lua_pushstring(L, msg);
        lua_error(L);
    }
}

Lab *lab_from_state(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* ---- protected calls ------------------------------------------------------------------- */

static int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int lab_pcall(Lab *lab, int nargs, int nres, Err *e) {
    lua_State *L = lab->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    double saved = lab->deadline;
    int outer = saved == 0; /* nested calls (a predicate inside a script) share the deadline */
    if (outer) lab->deadline = progress_now() + lab->seconds;
    int rc = lua_pcall(L, nargs, nres, base);
    if (outer) lab->deadline = 0;
    lua_remove(L, base);
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        err_set(e, "%s", m ? m : "error without a message");
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* ---- replaced globals ------------------------------------------------------------------- */

static int l_print(lua_State *L) {
    Lab *lab = lab_from_state(L);
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (lab->log) {
            if (i > 1) sb_puts(lab->log, "\t");
            sb_putn(lab->log, s, len);
        }
        lua_pop(L, 1);
    }
    if (lab->log) sb_puts(lab->log, "\n");
    return 0;
}

/* load(chunk [, name [, mode [, env]]]): text chunks only, whatever mode asks for. */
static int l_load(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    int env = !lua_isnone(L, 4) ? 4 : 0;
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env) {
        lua_pushvalue(L, env);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

static int valid_module_name(const char *n) {
    if (!*n || strlen(n) > 64) return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '.'))
            return 0;
    return strstr(n, "..") == NULL && n[0] != '.';
}

/* require(name): dolab's lua/NAME.lua or NAME.lua beside the script (dots are folders). */
static int l_require(lua_State *L) {
    Lab *lab = lab_from_state(L);
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "dolab.loaded");
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    if (!valid_module_name(name)) return luaL_error(L, "require: '%s' is not a module name (letters, digits, _ and .)", name);
    char rel[80], path[2200];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.') *p = '/';
    const char *dirs[2] = {lab->script_dir, lab->lua_dir};
    int found = 0;
    for (int i = 0; i < 2 && !found; i++) {
        if (!dirs[i][0]) continue;
        snprintf(path, sizeof path, "%s/%s.lua", dirs[i], rel);
        found = access(path, R_OK) == 0;
    }
    if (!found)
        return luaL_error(L, "require: no module '%s' beside the script or in dolab's lua/ (%s)", name, lab->lua_dir);
    Err e;
    size_t len;
    char *text = fio_read(path, &len, 4u << 20, &e);
    if (!text) return luaL_error(L, "require: %s", e.msg);
    char chunk[2300];
    snprintf(chunk, sizeof chunk, "@%s", path);
    int rc = luaL_loadbufferx(L, text, len, chunk, "t");
    free(text);
    if (rc != LUA_OK) return lua_error(L);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

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

Lab *lab_new(const LabLimits *limits, const char *lua_dir, SB *log, Err *e) {
    Lab *lab = calloc(1, sizeof *lab);
    if (!lab) {
        err_set(e, "out of memory");
        return NULL;
    }
    LabLimits d = lab_limits_default();
    if (!limits) limits = &d;
    lab->mem_limit = limits->memory;
    lab->seconds = limits->seconds;
    lab->log = log;
    find_lua_dir(lab, lua_dir);
    lua_State *L = lua_newstate(lab_alloc, lab);
    if (!L) {
        free(lab);
        err_set(e, "cannot create a Lua state (memory limit too small?)");
        return NULL;
    }
    lab->L = L;
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8},
                                    {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    static const char *const drop[] = {"dofile", "loadfile", "collectgarbage", NULL};
    for (int i = 0; drop[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, drop[i]);
    }
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lua_pushcfunction(L, l_load);
    lua_setglobal(L, "load");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "dolab.loaded");
    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 10000);
    lab_open_api(L);
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
    lua_close(lab->L);
    sb_free(&lab->script_text);
    free(lab);
}

void lab_set_quick(Lab *lab, int quick) {
    lab->quick = quick;
    lua_getglobal(lab->L, "lab");
    lua_pushboolean(lab->L, quick);
    lua_setfield(lab->L, -2, "quick");
    lua_pop(lab->L, 1);
}

int lab_callback_error(const Lab *lab, Err *e) {
    for (int i = 0; i < lab->n_fns; i++)
        if (lab->fns[i]->failed) {
            *e = lab->fns[i]->err;
            return -1;
        }
    return 0;
}

const char *lab_script_text(const Lab *lab) { return sb_str(&lab->script_text); }

int lab_load_experiment(Lab *lab, const char *path, Experiment *x, Err *e) {
    int n;
    if (lab_load_experiments(lab, path, x, 1, &n, e)) return -1;
    return 0;
}

int lab_load_experiments(Lab *lab, const char *path, Experiment *xs, int max, int *n, Err *e) {
    *n = 0;
    lua_State *L = lab->L;
    size_t len;
    char *text = fio_read(path, &len, 4u << 20, e);
    if (!text) return -1;
    sb_free(&lab->script_text);
    sb_putn(&lab->script_text, text, len);
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(lab->script_dir, sizeof lab->script_dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(lab->script_dir, sizeof lab->script_dir, ".");
    char chunk[1100];
    snprintf(chunk, sizeof chunk, "@%s", path);
    int top = lua_gettop(L);
    int rc = luaL_loadbufferx(L, text, len, chunk, "t");
    free(text);
    if (rc != LUA_OK) {
        err_set(e, "%s", lua_tostring(L, -1));
        lua_settop(L, top);
        return -1;
    }
    lua_getglobal(L, "lab"); /* scripts may also `local lab = require "dolab"` */
    lua_setglobal(L, "lab");
    if (lab_pcall(lab, 0, 1, e)) {
        lua_settop(L, top);
        return -1;
    }
    if (luaL_testudata(L, -1, LAB_EXPERIMENT_MT)) {
        rc = lab_experiment_from(L, -1, &xs[0], e);
        *n = rc == 0;
        lua_settop(L, top);
        return rc;
    }
    int count = lua_type(L, -1) == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    if (count < 1) {
        err_set(e, "%s: the script must return lab.experiment{...} (or a list of them), it returned %s", path,
                luaL_typename(L, -1));
        lua_settop(L, top);
        return -1;
    }
    if (count > max) {
        err_set(e, "%s: the script returns %d experiments, at most %d", path, count, max);
        lua_settop(L, top);
        return -1;
    }
    for (int i = 1; i <= count; i++) {
        lua_rawgeti(L, -1, i);
        if (!luaL_testudata(L, -1, LAB_EXPERIMENT_MT)) {
            err_set(e, "%s: item %d of the returned list is a %s, not lab.experiment{...}", path, i, luaL_typename(L, -1));
            lua_settop(L, top);
            return -1;
        }
        lab_experiment_from(L, -1, &xs[i - 1], e);
        lua_pop(L, 1);
    }
    *n = count;
    lua_settop(L, top);
    return 0;
}

int lab_eval_line(Lab *lab, const char *line, SB *out, Err *e) {
    lua_State *L = lab->L;
    int top = lua_gettop(L);
    SB *saved = lab->log;
    lab->log = out;
    /* an expression first ("return " .. line), then a statement */
    char *buf = malloc(strlen(line) + 8);
    if (!buf) return err_set(e, "out of memory");
    sprintf(buf, "return %s", line);
    int rc = luaL_loadbufferx(L, buf, strlen(buf), "=command", "t");
    if (rc != LUA_OK) {
        lua_pop(L, 1);
        rc = luaL_loadbufferx(L, line, strlen(line), "=command", "t");
    }
    free(buf);
    if (rc != LUA_OK) {
        err_set(e, "%s", lua_tostring(L, -1));
        lua_settop(L, top);
        lab->log = saved;
        return -1;
    }
    rc = lab_pcall(lab, 0, LUA_MULTRET, e);
    if (rc == 0)
        for (int i = top + 1; i <= lua_gettop(L); i++) {
            size_t len;
            const char *s = luaL_tolstring(L, i, &len);
            if (i > top + 1) sb_puts(out, "\t");
            sb_putn(out, s, len);
            lua_pop(L, 1);
            if (i == lua_gettop(L)) sb_puts(out, "\n");
        }
    lua_settop(L, top);
    lab->log = saved;
    return rc;
}

int lab_set_world(Lab *lab, const Scm *world, const Episode *ep) {
    lua_State *L = lab->L;
    if (world) lab_push_world(L, world, 1);
    else lua_pushnil(L);
    lua_setglobal(L, "world");
    if (ep) lab_push_episode(L, ep);
    else lua_pushnil(L);
    lua_setglobal(L, "episode");
    return 0;
}

int lab_get_world(Lab *lab, Scm *out) {
    lua_State *L = lab->L;
    lua_getglobal(L, "world");
    int ok = lab_to_world(L, -1, out);
    lua_pop(L, 1);
    return ok;
}
