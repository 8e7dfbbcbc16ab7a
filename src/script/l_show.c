/* l_show — a Lua value as a person reads it on the TUI's `:` line: {1, 2, a = 1, b = {…}}.
 * Bounded: LAB_SHOW_DEPTH levels, LAB_SHOW_ITEMS entries a table, LAB_SHOW_MAX bytes in all; a
 * table met again inside itself shows as {…cycle}.  Keys are read raw (no __index or __pairs);
 * __tostring is honoured, so this runs inside lab_protect.  The text goes into a buffer the C
 * caller owns, so an error half way leaves nothing to free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/internal.h"

enum { LAB_SHOW_DEPTH = 3, LAB_SHOW_ITEMS = 40, LAB_SHOW_KEYS = 256, LAB_SHOW_STRING = 200 };

typedef struct Show {
    lua_State *L;
    SB *out;
    size_t end; /* out->len may not pass this */
    int seen;   /* stack index of the set of tables being shown (cycles) */
    int cut;
} Show;

static void put(Show *s, const char *t, size_t n) {
    if (s->cut) return;
    if (s->out->len + n > s->end) {
        sb_putn(s->out, t, s->end - s->out->len);
        s->cut = 1;
        return;
    }
    sb_putn(s->out, t, n);
}
static void puts_(Show *s, const char *t) { put(s, t, strlen(t)); }

static void put_quoted(Show *s, const char *t, size_t n) {
    puts_(s, "\"");
    size_t shown = n > LAB_SHOW_STRING ? LAB_SHOW_STRING : n;
    for (size_t i = 0; i < shown && !s->cut; i++) {
        unsigned char c = (unsigned char)t[i];
        char esc[8];
        if (c == '"' || c == '\\') snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n') snprintf(esc, sizeof esc, "\\n");
        else if (c < 32 || c == 127) snprintf(esc, sizeof esc, "\\%d", c);
        else esc[0] = (char)c, esc[1] = 0;
        puts_(s, esc);
    }
    if (shown < n) puts_(s, "…");
    puts_(s, "\"");
}

static int is_name(const char *k, size_t n) {
    if (n == 0 || n > 40 || !((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z') || k[0] == '_')) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void show(Show *s, int idx, int depth, int top);

static void show_table(Show *s, int t, int depth) {
    lua_State *L = s->L;
    if (depth >= LAB_SHOW_DEPTH) {
        puts_(s, "{…}");
        return;
    }
    lua_pushvalue(L, t);
    if (lua_rawget(L, s->seen) != LUA_TNIL) {
        lua_pop(L, 1);
        puts_(s, "{…cycle}");
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, s->seen);
    puts_(s, "{");
    int items = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    for (lua_Integer i = 1; i <= n && items < LAB_SHOW_ITEMS && !s->cut; i++, items++) {
        if (items) puts_(s, ", ");
        lua_rawgeti(L, t, i);
        show(s, lua_gettop(L), depth + 1, 0);
        lua_pop(L, 1);
    }
    /* string keys sorted, anchored in a table of their own while shown; then the other keys */
    lua_createtable(L, 16, 0);
    int keys = lua_gettop(L);
    const char *names[LAB_SHOW_KEYS];
    int nk = 0, no = 0, more = n > items;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 &&
            lua_tointeger(L, -1) <= n)
            continue;
        if (lua_type(L, -1) == LUA_TSTRING && nk < LAB_SHOW_KEYS) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, keys, nk + 1);
            names[nk++] = lua_tostring(L, -1);
        } else if (lua_type(L, -1) != LUA_TSTRING && no < LAB_SHOW_ITEMS) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, keys, LAB_SHOW_KEYS + 1 + no++); /* after the names */
        } else {
            more = 1;
        }
    }
    qsort(names, (size_t)nk, sizeof *names, cmp_str);
    for (int i = 0; i < nk && !s->cut; i++) {
        if (items >= LAB_SHOW_ITEMS) {
            more = 1;
            break;
        }
        if (items++) puts_(s, ", ");
        size_t len = strlen(names[i]);
        if (is_name(names[i], len)) {
            put(s, names[i], len);
        } else {
            puts_(s, "[");
            put_quoted(s, names[i], len);
            puts_(s, "]");
        }
        puts_(s, " = ");
        lua_pushstring(L, names[i]);
        lua_rawget(L, t);
        show(s, lua_gettop(L), depth + 1, 0);
        lua_pop(L, 1);
    }
    for (int i = LAB_SHOW_KEYS + 1; lua_rawgeti(L, keys, i) != LUA_TNIL && !s->cut; i++) {
        if (items >= LAB_SHOW_ITEMS) {
            more = 1;
            lua_pop(L, 1);
            break;
        }
        if (items++) puts_(s, ", ");
        int k = lua_gettop(L);
        puts_(s, "[");
        show(s, k, depth + 1, 0);
        puts_(s, "] = ");
        lua_pushvalue(L, k);
        lua_rawget(L, t);
        show(s, lua_gettop(L), depth + 1, 0);
        lua_pop(L, 2);
    }
    lua_settop(L, keys - 1);
    if (more) puts_(s, items ? ", …" : "…");
    puts_(s, "}");
    lua_pushvalue(L, t);
    lua_pushnil(L);
    lua_rawset(L, s->seen);
}

static void show(Show *s, int idx, int depth, int top) {
    lua_State *L = s->L;
    luaL_checkstack(L, 12, "the value is nested too deeply to show");
    size_t n;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        const char *t = lua_tolstring(L, idx, &n);
        if (top) put(s, t, n);
        else put_quoted(s, t, n);
        return;
    }
    case LUA_TNUMBER:
    case LUA_TBOOLEAN:
    case LUA_TNIL: {
        const char *t = luaL_tolstring(L, idx, &n); /* Lua's own spelling: 1, 1.0, 1e+100, true */
        put(s, t, n);
        lua_pop(L, 1);
        return;
    }
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL) {
            show_table(s, idx, depth);
            return;
        }
        lua_pop(L, 1);
        break;
    case LUA_TUSERDATA:
        if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL) {
            puts_(s, "userdata");
            return;
        }
        lua_pop(L, 1);
        break;
    default:
        puts_(s, luaL_typename(L, idx)); /* function, thread */
        return;
    }
    const char *t = luaL_tolstring(L, idx, &n); /* its __tostring: raises if that fails */
    put(s, t, n);
    lua_pop(L, 1);
}

void lab_show(lua_State *L, int idx, SB *out, size_t limit) {
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    Show s = {L, out, out->len + limit, lua_gettop(L), 0};
    show(&s, idx, 0, 1);
    lua_pop(L, 1);
    if (s.cut) sb_printf(out, "… (cut at %zu KB)", limit >> 10);
}
