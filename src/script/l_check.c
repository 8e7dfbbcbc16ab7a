/* l_check — reading script tables: every message names the field path (and the script line). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/internal.h"

/* ---- small checks with the field path in every message ------------------------------------ */

/* luaL_error with printf formats (lua_pushfstring knows no %g): "script:line: message". */
int l_err(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int l_err(lua_State *L, const char *fmt, ...) {
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    luaL_where(L, 1);
    lua_pushstring(L, buf);
    lua_concat(L, 2);
    return lua_error(L);
}

const char *l_typename(lua_State *L, int idx) { return luaL_typename(L, idx); }

void l_unknown_fields(lua_State *L, int t, const char *path, const char *const *allowed) {
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            if (lua_type(L, -1) == LUA_TNUMBER)
                l_err(L, "%s: unexpected list item [%s] (use named fields)", path, lua_tostring(L, -1));
            l_err(L, "%s: unexpected %s key", path, l_typename(L, -1));
        }
        const char *k = lua_tostring(L, -1);
        int ok = 0;
        for (int i = 0; allowed[i]; i++) ok |= strcmp(k, allowed[i]) == 0;
        if (!ok) {
            char list[400] = "";
            for (int i = 0; allowed[i]; i++) {
                if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, allowed[i], sizeof list - strlen(list) - 1);
            }
            l_err(L, "%s%s%s: unknown field (expected one of %s)", path, *path ? "." : "", k, list);
        }
    }
}

/* Pushes t[key]; returns its type (LUA_TNIL when absent). */
int l_field(lua_State *L, int t, const char *key) { return lua_getfield(L, t, key); }

void l_get_num(lua_State *L, int t, const char *path, const char *key, double *dst, double lo, double hi) {
    if (l_field(L, t, key) != LUA_TNIL) {
        int isnum;
        double v = lua_tonumberx(L, -1, &isnum);
        if (!isnum || lua_type(L, -1) != LUA_TNUMBER || !(v >= lo && v <= hi))
            l_err(L, "%s.%s: expected a number from %g to %g, got %s", path, key, lo, hi,
                 lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : l_typename(L, -1));
        *dst = v;
    }
    lua_pop(L, 1);
}

void l_get_int(lua_State *L, int t, const char *path, const char *key, int *dst, int lo, int hi) {
    if (l_field(L, t, key) != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || lua_type(L, -1) != LUA_TNUMBER || v < lo || v > hi)
            l_err(L, "%s.%s: expected an integer from %d to %d, got %s", path, key, lo, hi,
                       lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : l_typename(L, -1));
        *dst = (int)v;
    }
    lua_pop(L, 1);
}

void l_get_u64(lua_State *L, int t, const char *path, const char *key, uint64_t *dst) {
    if (l_field(L, t, key) != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 0) l_err(L, "%s.%s: expected a non-negative integer, got %s", path, key, lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : l_typename(L, -1));
        *dst = (uint64_t)v;
    }
    lua_pop(L, 1);
}

void l_get_bool(lua_State *L, int t, const char *path, const char *key, int *dst) {
    if (l_field(L, t, key) != LUA_TNIL) {
        if (!lua_isboolean(L, -1)) l_err(L, "%s.%s: expected true or false, got %s", path, key, l_typename(L, -1));
        *dst = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
}

void l_get_str(lua_State *L, int t, const char *path, const char *key, char *dst, size_t cap) {
    if (l_field(L, t, key) != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING) l_err(L, "%s%s%s: expected a string, got %s", path, *path ? "." : "", key, l_typename(L, -1));
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (n >= cap) l_err(L, "%s%s%s: longer than %d characters", path, *path ? "." : "", key, (int)cap - 1);
        memcpy(dst, s, n + 1);
    }
    lua_pop(L, 1);
}

int l_var_index(lua_State *L, int idx, int n, const char *path) {
    if (lua_type(L, idx) != LUA_TSTRING)
        return l_err(L, "%s: expected a variable name like \"A\", got %s", path, l_typename(L, idx));
    const char *s = lua_tostring(L, idx);
    if (!s[0] || s[1] || s[0] < 'A' || s[0] >= 'A' + n)
        return l_err(L, "%s: '%s' is not a variable (A to %c)", path, s, 'A' + n - 1);
    return s[0] - 'A';
}

void l_get_var(lua_State *L, int t, const char *path, const char *key, int *dst, int n) {
    if (l_field(L, t, key) != LUA_TNIL) {
        char p[128];
        snprintf(p, sizeof p, "%s.%s", path, key);
        *dst = l_var_index(L, -1, n, p);
    }
    lua_pop(L, 1);
}

void l_get_pair(lua_State *L, int t, const char *path, const char *key, double *a, double *b, double lo, double hi) {
    if (l_field(L, t, key) != LUA_TNIL) {
        int ok = lua_type(L, -1) == LUA_TTABLE && luaL_len(L, -1) == 2;
        double v[2] = {0, 0};
        for (int i = 0; ok && i < 2; i++) {
            ok = lua_rawgeti(L, -1, i + 1) == LUA_TNUMBER;
            v[i] = lua_tonumber(L, -1);
            ok = ok && v[i] >= lo && v[i] <= hi;
            lua_pop(L, 1);
        }
        if (!ok) l_err(L, "%s%s%s: expected {lo, hi}, two numbers from %g to %g", path, *path ? "." : "", key, lo, hi);
        *a = v[0];
        *b = v[1];
    }
    lua_pop(L, 1);
}

void l_check_table(lua_State *L, int idx, const char *path) {
    if (lua_type(L, idx) != LUA_TTABLE) l_err(L, "%s: expected a table, got %s", path, l_typename(L, idx));
}
