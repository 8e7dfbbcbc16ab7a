/* Settings given on the command line (dolab run --set train.steps=500): written into the table
 * an experiment script hands to lab.experiment, before that table is read, so a setting is
 * checked exactly like the script's own field (type, range, unknown names) and a world setting
 * reaches every mix component that inherits it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/internal.h"

#define LAB_MAX_SETTINGS 32

static int segment_ok(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

int lab_set_field(Lab *lab, const char *assignment, Err *e) {
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return err_set(e, "--set %s: expected FIELD=VALUE (e.g. train.steps=500)", assignment);
    for (const char *p = assignment; p < eq;) {
        const char *dot = memchr(p, '.', (size_t)(eq - p));
        size_t n = dot ? (size_t)(dot - p) : (size_t)(eq - p);
        if (!segment_ok(p, n))
            return err_set(e, "--set %s: a field path is names and list positions joined by dots (train.steps, "
                              "eval.sets.1.episodes)", assignment);
        p += n + (dot ? 1 : 0);
        if (dot && p == eq) return err_set(e, "--set %s: the field path ends with a dot", assignment);
    }
    if (!eq[1]) return err_set(e, "--set %s: the value is empty", assignment);
    if (lab->n_settings == LAB_MAX_SETTINGS) return err_set(e, "--set: at most %d settings", LAB_MAX_SETTINGS);
    char *copy = malloc(strlen(assignment) + 1);
    if (!copy) return err_set(e, "out of memory");
    strcpy(copy, assignment);
    char **grown = realloc(lab->settings, sizeof *grown * (size_t)(lab->n_settings + 1));
    if (!grown) {
        free(copy);
        return err_set(e, "out of memory");
    }
    lab->settings = grown;
    lab->settings[lab->n_settings++] = copy;
    return 0;
}

void lab_settings_free(Lab *lab) {
    for (int i = 0; i < lab->n_settings; i++) free(lab->settings[i]);
    free(lab->settings);
    lab->settings = NULL;
    lab->n_settings = 0;
}

static int oerr(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Pushes one scalar: a number as Lua reads it, true/false, else the text. */
static void push_scalar(lua_State *L, const char *v) {
    if (strcmp(v, "true") == 0)
        lua_pushboolean(L, 1);
    else if (strcmp(v, "false") == 0)
        lua_pushboolean(L, 0);
    else if (!lua_stringtonumber(L, v))
        lua_pushstring(L, v);
}

/* Pushes the value of a setting: "{a, b, ...}" a list of scalars (train.betas={0.9,0.95}),
 * anything else one scalar.  Items are trimmed of spaces; "{}" is an empty list. */
static void push_value(lua_State *L, const char *setting, const char *v) {
    size_t n = strlen(v);
    if (n < 2 || v[0] != '{' || v[n - 1] != '}') {
        push_scalar(L, v);
        return;
    }
    lua_newtable(L);
    char item[256];
    lua_Integer k = 0;
    for (const char *p = v + 1, *end = v + n - 1; p < end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *q = comma ? comma : end;
        while (p < q && *p == ' ') p++;
        const char *r = q;
        while (r > p && r[-1] == ' ') r--;
        if (r == p) {
            if (!comma && k == 0) break; /* "{}" or "{ }" */
            oerr(L, "--set %s: an empty item in the list", setting);
        }
        if ((size_t)(r - p) >= sizeof item) oerr(L, "--set %s: an item of the list is too long", setting);
        memcpy(item, p, (size_t)(r - p));
        item[r - p] = 0;
        push_scalar(L, item);
        lua_rawseti(L, -2, ++k);
        p = comma ? comma + 1 : end;
        if (comma && p == end) oerr(L, "--set %s: the list ends with a comma", setting);
    }
}

/* In a list of named tables (eval.sets), the position of the one called name; 0 if none. */
static lua_Integer find_named(lua_State *L, int t, const char *name) {
    lua_Integer n = luaL_len(L, t);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        int found = 0;
        if (lua_istable(L, -1)) {
            found = lua_getfield(L, -1, "name") == LUA_TSTRING && strcmp(lua_tostring(L, -1), name) == 0;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (found) return i;
    }
    return 0;
}

/* luaL_error with printf formats (lua_pushfstring knows no %.*s or %ld). */
static int oerr(lua_State *L, const char *fmt, ...) {
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lua_pushstring(L, buf);
    return lua_error(L);
}

/* Sets one path=value into the table at t; an error names the setting. */
static void apply_one(lua_State *L, int t, const char *setting) {
    const char *eq = strchr(setting, '=');
    lua_pushvalue(L, t);
    const char *p = setting;
    for (;;) {
        const char *dot = memchr(p, '.', (size_t)(eq - p));
        size_t n = dot ? (size_t)(dot - p) : (size_t)(eq - p);
        char key[64];
        if (n >= sizeof key) oerr(L, "--set %s: a field name is too long", setting);
        memcpy(key, p, n);
        key[n] = 0;
        char *end;
        long idx = strtol(key, &end, 10);
        int numeric = !*end && idx >= 1;
        if (!numeric && lua_rawlen(L, -1) > 0) { /* a list: find the element by name */
            idx = (long)find_named(L, lua_gettop(L), key);
            if (!idx) oerr(L, "--set %s: no element named '%s' in %.*s", setting, key, (int)(p - setting - 1), setting);
            numeric = 1;
        }
        if (!dot) {
            push_value(L, setting, eq + 1);
            if (numeric) lua_rawseti(L, -2, idx);
            else lua_setfield(L, -2, key);
            lua_pop(L, 1);
            return;
        }
        int ty = numeric ? lua_rawgeti(L, -1, idx) : lua_getfield(L, -1, key);
        if (ty == LUA_TNIL) {
            if (numeric) oerr(L, "--set %s: %.*s has no element %ld", setting, (int)(p - setting - 1), setting, idx);
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, key);
        } else if (ty != LUA_TTABLE) {
            oerr(L, "--set %s: %.*s is a %s, not a table of fields", setting, (int)(dot - setting), setting,
                       luaL_typename(L, -1));
        }
        lua_remove(L, -2);
        p = dot + 1;
    }
}

void lab_apply_settings(lua_State *L, int t) {
    Lab *lab = lab_from_state(L);
    t = lua_absindex(L, t);
    for (int i = 0; i < lab->n_settings; i++) apply_one(L, t, lab->settings[i]);
}
