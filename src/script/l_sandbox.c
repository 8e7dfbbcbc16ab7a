/* l_sandbox — what scripts may call: the restricted libraries, print into dolab's log, text-only
 * load, require from two folders, setmetatable without finalisers, and pattern functions that
 * refuse a pattern whose worst case on the subject would outlast any time limit (one C call
 * cannot be interrupted by the count hook). */
#include <ctype.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script/internal.h"
#include "util/fileio.h"
#include "util/progress.h"

/* ---- print, load -------------------------------------------------------------------------- */

static int l_print(lua_State *L) {
    Lab *lab = lab_from_state(L);
    int n = lua_gettop(L);
    luaL_Buffer b; /* a Lua buffer: a __tostring that raises leaves nothing behind */
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (!lab->log || lab->log_left == 0 || lab->log_full == lab->log) return 0;
    if (lab->log->len + len > LAB_LOG_KEEP) {
        sb_printf(lab->log, "… (print: the log holds %d MB, nothing more is kept)\n", LAB_LOG_KEEP >> 20);
        lab->log_full = lab->log;
    } else if (len <= lab->log_left) {
        sb_putn(lab->log, s, len);
        lab->log_left -= len;
    } else {
        sb_printf(lab->log, "… (print: more than %d KB in one call into the script, the rest is not shown)\n",
                  LAB_LOG_MAX >> 10);
        lab->log_left = 0;
    }
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

/* ---- require ------------------------------------------------------------------------------- */

static int valid_module_name(const char *n) {
    if (!*n || strlen(n) > 64) return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '.'))
            return 0;
    return strstr(n, "..") == NULL && n[0] != '.';
}

static char loading_mark; /* dolab.loaded[name] while name is being loaded */
static int run_module(lua_State *L, const char *name);

/* require(name): dolab's lua/NAME.lua or NAME.lua beside the script (dots are folders). */
static int l_require(lua_State *L) {
    Lab *lab = lab_from_state(L);
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "dolab.loaded"); /* 2 */
    lua_getfield(L, 2, name);
    if (lua_touserdata(L, -1) == &loading_mark)
        return luaL_error(L, "require: module '%s' requires itself (directly or through other modules)", name);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    if (!valid_module_name(name)) return luaL_error(L, "require: '%s' is not a module name (letters, digits, _ and .)", name);
    if (lab->modules_only) { /* rebuilding from a checkpoint: the modules it recorded, nothing else */
        for (int i = 0; i < lab->n_modules; i++)
            if (strcmp(lab->modules[i].name, name) == 0) {
                char chunk[100];
                snprintf(chunk, sizeof chunk, "@%s.lua (recorded)", name);
                if (luaL_loadbufferx(L, lab->modules[i].text, lab->modules[i].len, chunk, "t") != LUA_OK) return lua_error(L);
                return run_module(L, name);
            }
        return luaL_error(L, "require: module '%s' is not among the modules the checkpoint recorded", name);
    }
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
    if (rc == LUA_OK && lab_module_add(lab, name, text, len)) {
        free(text);
        return luaL_error(L, "require: more than %d modules", LAB_MAX_MODULES);
    }
    free(text);
    if (rc != LUA_OK) return lua_error(L);
    return run_module(L, name);
}

int lab_module_add(Lab *lab, const char *name, const char *text, size_t len) {
    for (int i = 0; i < lab->n_modules; i++)
        if (strcmp(lab->modules[i].name, name) == 0) return 0;
    if (lab->n_modules >= LAB_MAX_MODULES || strlen(name) >= sizeof lab->modules[0].name) return -1;
    if (!lab->modules && !(lab->modules = calloc(LAB_MAX_MODULES, sizeof *lab->modules))) return -1;
    struct LabModule *m = &lab->modules[lab->n_modules];
    if (!(m->text = malloc(len + 1))) return -1;
    memcpy(m->text, text, len);
    m->text[len] = 0;
    m->len = len;
    snprintf(m->name, sizeof m->name, "%s", name);
    lab->n_modules++;
    return 0;
}

/* Runs the loaded chunk at the top as module `name` (stack: name, dolab.loaded, ..., chunk). */
static int run_module(lua_State *L, const char *name) {
    lua_pushlightuserdata(L, &loading_mark);
    lua_setfield(L, 2, name);
    lua_pushstring(L, name);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) { /* unmark, so a later require tries again */
        lua_pushnil(L);
        lua_setfield(L, 2, name);
        return lua_error(L);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

/* ---- setmetatable without __gc ------------------------------------------------------------- */

/* Lua 5.4 runs finalisers with hooks off, so a __gc could loop past every limit.  An object is
 * only ever finalised if its metatable had __gc when it was set: refusing that here suffices. */
static int l_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushstring(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) return l_err(L, "setmetatable: __gc (a finaliser) is not available to scripts");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* ---- xpcall whose handler cannot outlive a limit ---------------------------------------------
 * An error raised by the count hook (time limit, memory cap) reaches xpcall's handler with
 * hooks still off, so a script's handler would run unbounded: for those errors it is skipped
 * and the limit's message goes on as it is. */
static int xpcall_handler(lua_State *L) {
    Lab *lab = lab_from_state(L);
    if (lab->timed_out || lab->mem_over) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_checkstack(L, n + 3, "too many arguments");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, xpcall_handler, 1);
    for (int i = 3; i <= n; i++) lua_pushvalue(L, i);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L) - n;
}

/* ---- bounded patterns ------------------------------------------------------------------------
 * string.find, match, gmatch and gsub backtrack: ".-.-.-b" on 40,000 characters would run for
 * ages inside one C call.  Before the call an upper bound of its steps is worked out: every start
 * position times, for each repetition that has more pattern after it, the longest run of the
 * subject it can match (the choices backtracking may try).  Over LAB_PATTERN_MAX the call is
 * refused.  Measured on this machine: about 1 ns a unit of the bound on "a*b" against a run of
 * a's, 9 ns on a long pattern without repetitions: that is, a call at the bound takes 0.1-0.9 s. */

#define LAB_PATTERN_MAX 1e8

static int class_match(int c, int cl) {
    int res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    default: return cl == c;
    }
    if (isupper(cl)) res = !res;
    return res != 0;
}

/* The end of the one-character class at p; NULL when the pattern is malformed (Lua says why). */
static const char *class_end(const char *p, const char *pe) {
    if (p >= pe) return NULL;
    if (*p == '%') return p + 1 < pe ? p + 2 : NULL;
    if (*p != '[') return p + 1;
    p++;
    if (p < pe && *p == '^') p++;
    do {
        if (p >= pe) return NULL;
        if (*p++ == '%' && p < pe) p++;
    } while (p >= pe || *p != ']');
    return p + 1;
}

static int bracket_match(int c, const char *p, const char *ec) { /* p at '[', ec at ']' */
    int sig = 1;
    if (p[1] == '^') {
        sig = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == '%') {
            p++;
            if (p < ec && class_match(c, (unsigned char)*p)) return sig;
        } else if (p + 2 < ec && p[1] == '-') {
            p += 2;
            if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p) return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

static int single_match(int c, const char *p, const char *ce) {
    switch (*p) {
    case '.': return 1;
    case '%': return class_match(c, (unsigned char)p[1]);
    case '[': return bracket_match(c, p, ce - 1);
    default: return (unsigned char)*p == c;
    }
}

static double longest_run(const char *s, size_t n, const char *p, const char *ce) {
    if (*p == '.') return (double)n;
    size_t best = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = single_match((unsigned char)s[i], p, ce) ? run + 1 : 0;
        if (run > best) best = run;
    }
    return (double)best;
}

/* Upper bound of the steps; -1 when the pattern is malformed (the real function reports it). */
static double pattern_cost(const char *s, size_t n, const char *p, size_t pl, int anchors) {
    const char *pe = p + pl;
    double starts = (double)n + 1, choices = 1;
    if (anchors && pl && *p == '^') {
        starts = 1;
        p++;
    }
    while (p < pe) {
        if (*p == '(' || *p == ')' || (*p == '$' && p + 1 == pe)) {
            p++;
            continue;
        }
        if (*p == '%' && p + 1 < pe && p[1] == 'b') { /* %bxy: a scan of the subject */
            if (p + 4 > pe) return -1;
            choices *= (double)n + 1;
            p += 4;
            continue;
        }
        if (*p == '%' && p + 1 < pe && p[1] >= '0' && p[1] <= '9') { /* a back reference */
            choices *= (double)n + 1;
            p += 2;
            continue;
        }
        if (*p == '%' && p + 1 < pe && p[1] == 'f') { /* %f[set]: one look */
            p += 2;
            if (p >= pe || *p != '[' || !(p = class_end(p, pe))) return -1;
            continue;
        }
        const char *ce = class_end(p, pe);
        if (!ce) return -1;
        char q = ce < pe ? *ce : 0;
        if (q == '*' || q == '+' || q == '-' || q == '?') {
            int more = 0; /* something after it can fail and make it backtrack */
            for (const char *r = ce + 1; r < pe && !more; r++) more = *r != '(' && *r != ')';
            if (more) choices *= q == '?' ? 2 : longest_run(s, n, p, ce) + 1;
            p = ce + 1;
        } else {
            p = ce;
        }
        if (choices > 1e300) break;
    }
    return starts * choices * (1 + (double)pl); /* each try may walk the whole pattern */
}

static int no_specials(const char *p, size_t pl) {
    for (size_t i = 0; i < pl; i++)
        if (strchr("^$*+?.([%-", p[i]) && p[i]) return 0;
    return 1;
}

static const char *const pattern_fn[] = {"find", "match", "gmatch", "gsub"};

static int l_pattern(lua_State *L) {
    int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
    size_t n, pl;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &pl);
    double cost;
    if (kind == 0 && (lua_toboolean(L, 4) || no_specials(p, pl))) cost = (double)n * (double)pl / 32; /* a plain search */
    else cost = pattern_cost(s, n, p, pl, kind != 2);
    if (cost > LAB_PATTERN_MAX)
        return l_err(L,
                     "string.%s: this pattern could take too long on %zu characters (worst case %.0e steps, "
                     "at most %.0e): simplify the pattern or shorten the string",
                     pattern_fn[kind], n, cost, LAB_PATTERN_MAX);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.rep: a result that cannot fit is refused with the line, before Lua tries. */
static int l_rep(lua_State *L) {
    Lab *lab = lab_from_state(L);
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && l + lsep == 0) { /* Lua would loop n times copying nothing */
        lua_pushliteral(L, "");
        return 1;
    }
    double total = n > 0 ? (double)l * (double)n + (double)lsep * (double)(n - 1) : 0;
    double room = lab->mem_used < lab->mem_limit ? (double)(lab->mem_limit - lab->mem_used) : 0;
    if (total > room)
        return l_err(L, "string.rep: not enough memory for a string of %.0f MB (script memory limit %g MB)",
                     total / (1 << 20), (double)lab->mem_limit / (1 << 20));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* ---- table.move and table.sort: loops in C ---------------------------------------------------
 * table.move({}, 1, 1e15, 2) would loop 10^15 times inside one C call; no table under the memory
 * cap holds more than mem_limit / 16 elements, so a longer move is refused.  table.sort without a
 * comparator compares in C: a sort that cannot end in the time the call has left is refused. */

static int l_move(lua_State *L) {
    Lab *lab = lab_from_state(L);
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    double n = e >= f ? (double)e - (double)f + 1 : 0, most = (double)(lab->mem_limit / 16) + 1;
    if (n > most)
        return l_err(L, "table.move: %.0f elements, more than a table can hold under the script memory limit (%.0f)", n, most);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_sort(lua_State *L) {
    Lab *lab = lab_from_state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_isnoneornil(L, 2) && lab->deadline > 0) {
        double n = (double)luaL_len(L, 1);
        double need = n > 1 ? n * log2(n) * 100e-9 : 0; /* measured: 100 ns a comparison (5e6 numbers, busy machine) */
        double left = lab->deadline - progress_now();
        if (need > 0.05 && need > left)
            return l_err(L, "table.sort: sorting %.0f elements could take %.1f s, the script has %.1f s left", n, need,
                         left > 0 ? left : 0);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

/* ---- opening ------------------------------------------------------------------------------- */

void lab_open_sandbox(lua_State *L) {
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
    for (int k = 0; k < 4; k++) {
        lua_getfield(L, -1, pattern_fn[k]);
        lua_pushinteger(L, k);
        lua_pushcclosure(L, l_pattern, 2);
        lua_setfield(L, -2, pattern_fn[k]);
    }
    lua_getfield(L, -1, "rep");
    lua_pushcclosure(L, l_rep, 1);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 1);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "move");
    lua_pushcclosure(L, l_move, 1);
    lua_setfield(L, -2, "move");
    lua_getfield(L, -1, "sort");
    lua_pushcclosure(L, l_sort, 1);
    lua_setfield(L, -2, "sort");
    lua_pop(L, 1);
    lua_getglobal(L, "xpcall");
    lua_pushcclosure(L, l_xpcall, 1);
    lua_setglobal(L, "xpcall");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, l_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lua_pushcfunction(L, l_load);
    lua_setglobal(L, "load");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "dolab.loaded");
    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
}
