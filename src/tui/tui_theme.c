/* tui_theme — roles and theme files (see tui_theme.h). */
#include "tui/tui_theme.h"

#include <cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonu.h"
#include "util/strbuf.h"


#define TUI_ROLE_NAME(id, name) name,
static const char *const role_names[TR_COUNT] = {TUI_ROLES(TUI_ROLE_NAME)};
#undef TUI_ROLE_NAME

const char *tui_role_name(int role) { return role >= 0 && role < TR_COUNT ? role_names[role] : "?"; }

enum { C_DEF = -1, C_BLACK, C_RED, C_GREEN, C_YELLOW, C_BLUE, C_MAGENTA, C_CYAN, C_WHITE };

TuiTheme tui_theme_default(void) {
    TuiTheme t = {.name = "dark"};
    for (int r = 0; r < TR_COUNT; r++) t.role[r] = (TuiStyle){C_DEF, C_DEF, 0};
    t.role[TR_DIM] = (TuiStyle){C_DEF, C_DEF, TUI_A_DIM};
    t.role[TR_BORDER] = (TuiStyle){C_DEF, C_DEF, TUI_A_DIM};
    t.role[TR_BORDER_FOCUS] = (TuiStyle){C_CYAN, C_DEF, TUI_A_BOLD};
    t.role[TR_TITLE] = (TuiStyle){C_DEF, C_DEF, TUI_A_BOLD};
    t.role[TR_STATUS] = (TuiStyle){C_BLACK, C_WHITE, 0};
    t.role[TR_STATUS_KEY] = (TuiStyle){C_BLUE, C_WHITE, TUI_A_BOLD};
    t.role[TR_STATUS_MODE] = (TuiStyle){C_WHITE, C_BLUE, TUI_A_BOLD};
    t.role[TR_NODE] = (TuiStyle){C_DEF, C_DEF, TUI_A_BOLD};
    t.role[TR_NODE_SELECTED] = (TuiStyle){C_DEF, C_DEF, TUI_A_REVERSE};
    t.role[TR_NODE_INTERVENED] = (TuiStyle){C_BLACK, C_YELLOW, TUI_A_BOLD};
    t.role[TR_NODE_GOAL] = (TuiStyle){C_MAGENTA, C_DEF, TUI_A_BOLD};
    t.role[TR_EDGE_POS] = (TuiStyle){C_GREEN, C_DEF, 0};
    t.role[TR_EDGE_NEG] = (TuiStyle){C_RED, C_DEF, 0};
    t.role[TR_EDGE_CUT] = (TuiStyle){C_DEF, C_DEF, TUI_A_DIM};
    t.role[TR_EDGE_HIDDEN] = (TuiStyle){C_DEF, C_DEF, TUI_A_DIM};
    t.role[TR_HELDOUT] = (TuiStyle){C_YELLOW, C_DEF, TUI_A_BOLD | TUI_A_UNDERLINE};
    t.role[TR_TOK_ACTION] = (TuiStyle){C_CYAN, C_DEF, TUI_A_BOLD};
    t.role[TR_TOK_OBS] = (TuiStyle){C_DEF, C_DEF, 0};
    t.role[TR_TOK_GOAL] = (TuiStyle){C_MAGENTA, C_DEF, TUI_A_BOLD};
    t.role[TR_TOK_EXPL] = (TuiStyle){C_YELLOW, C_DEF, 0};
    t.role[TR_CURSOR] = (TuiStyle){C_DEF, C_DEF, TUI_A_REVERSE};
    t.role[TR_MATCH] = (TuiStyle){C_BLACK, C_YELLOW, 0};
    t.role[TR_BAR] = (TuiStyle){C_BLUE, C_DEF, 0};
    t.role[TR_BAR_CHOICE] = (TuiStyle){C_CYAN, C_DEF, TUI_A_BOLD};
    t.role[TR_GOOD] = (TuiStyle){C_GREEN, C_DEF, TUI_A_BOLD};
    t.role[TR_BAD] = (TuiStyle){C_RED, C_DEF, TUI_A_BOLD};
    t.role[TR_ERROR] = (TuiStyle){C_RED, C_DEF, TUI_A_BOLD};
    t.role[TR_PROMPT] = (TuiStyle){C_DEF, C_DEF, TUI_A_BOLD};
    t.role[TR_SPARK] = (TuiStyle){C_CYAN, C_DEF, 0};
    return t;
}

static int parse_color(const cJSON *j, short *out) {
    static const char *const names[] = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"};
    if (cJSON_IsNumber(j)) {
        if (j->valuedouble < -1 || j->valuedouble > 255 || j->valuedouble != (int)j->valuedouble) return -1;
        *out = (short)j->valueint;
        return 0;
    }
    if (!cJSON_IsString(j)) return -1;
    const char *s = j->valuestring;
    if (strcmp(s, "default") == 0) return *out = -1, 0;
    int bright = strncmp(s, "bright_", 7) == 0;
    if (bright) s += 7;
    for (int i = 0; i < 8; i++)
        if (strcmp(s, names[i]) == 0) return *out = (short)(i + (bright ? 8 : 0)), 0;
    return -1;
}

int tui_theme_parse(const char *json, const char *what, TuiTheme *t, Err *e) {
    cJSON *root = cJSON_Parse(json);
    if (!root) return err_set(e, "%s: not valid JSON", what);
    TuiTheme th = tui_theme_default();
    int rc = -1;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(root, "roles");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "dolab-theme") != 0) {
        err_set(e, "%s: \"format\" must be \"dolab-theme\"", what);
        goto out;
    }
    if (!cJSON_IsString(name) || !*name->valuestring || strlen(name->valuestring) >= sizeof th.name) {
        err_set(e, "%s: \"name\" must be a short string", what);
        goto out;
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != TUI_THEME_VERSION) {
        if (cJSON_IsNumber(ver))
            err_set(e, "%s: theme version %g is not supported (this dolab reads version %d)", what, ver->valuedouble,
                    TUI_THEME_VERSION);
        else
            err_set(e, "%s: \"version\" must be %d, got %s", what, TUI_THEME_VERSION, ju_kind(ver));
        goto out;
    }
    char where[256];
    if (ju_find_bad_utf8(root, "", where, sizeof where)) {
        err_set(e, "%s: %s is not valid UTF-8 text", what, where);
        goto out;
    }
    snprintf(th.name, sizeof th.name, "%s", name->valuestring);
    if (!cJSON_IsObject(roles)) {
        err_set(e, "%s: \"roles\" must be an object", what);
        goto out;
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, roles) {
        int id = -1;
        for (int k = 0; k < TR_COUNT; k++)
            if (strcmp(r->string, role_names[k]) == 0) id = k;
        if (id < 0) {
            err_set(e, "%s: unknown role \"%s\"", what, r->string);
            goto out;
        }
        if (!cJSON_IsObject(r)) {
            err_set(e, "%s: role \"%s\" must be an object", what, r->string);
            goto out;
        }
        TuiStyle s = {-1, -1, 0};
        const cJSON *fg = cJSON_GetObjectItemCaseSensitive(r, "fg"), *bg = cJSON_GetObjectItemCaseSensitive(r, "bg");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "attrs");
        if ((fg && parse_color(fg, &s.fg)) || (bg && parse_color(bg, &s.bg))) {
            err_set(e, "%s: role \"%s\": a colour is a name (red, bright_red, default...) or 0..255", what, r->string);
            goto out;
        }
        if (at) {
            const cJSON *a;
            if (!cJSON_IsArray(at)) {
                err_set(e, "%s: role \"%s\": \"attrs\" must be an array", what, r->string);
                goto out;
            }
            cJSON_ArrayForEach(a, at) {
                const char *n = cJSON_IsString(a) ? a->valuestring : "";
                if (strcmp(n, "bold") == 0) s.attrs |= TUI_A_BOLD;
                else if (strcmp(n, "dim") == 0) s.attrs |= TUI_A_DIM;
                else if (strcmp(n, "reverse") == 0) s.attrs |= TUI_A_REVERSE;
                else if (strcmp(n, "underline") == 0) s.attrs |= TUI_A_UNDERLINE;
                else {
                    err_set(e, "%s: role \"%s\": unknown attribute (bold, dim, reverse, underline)", what, r->string);
                    goto out;
                }
            }
        }
        th.role[id] = s;
    }
    *t = th;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int tui_theme_load(const char *dir, const char *name, TuiTheme *t, Err *e) {
    for (const char *p = name; *p; p++)
        if (!(*p == '-' || *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return err_set(e, "theme '%s': a theme name has only letters, digits, '-' and '_'", name);
    char path[1400];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, "theme '%s': no file %s", name, path);
    SB b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sb_putn(&b, buf, n);
    fclose(f);
    int rc = b.oom ? err_set(e, "out of memory") : tui_theme_parse(sb_str(&b), path, t, e);
    sb_free(&b);
    return rc;
}

static int cmp_name(const void *a, const void *b) { return strcmp(a, b); }

int tui_theme_list(const char *dir, char names[][32], int max) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while (n < max && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > 5 && len - 5 < 32 && strcmp(de->d_name + len - 5, ".json") == 0) {
            memcpy(names[n], de->d_name, len - 5);
            names[n][len - 5] = 0;
            n++;
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_name);
    /* the default first */
    for (int i = 1; i < n; i++)
        if (strcmp(names[i], "dark") == 0) {
            char tmp[32];
            memcpy(tmp, names[i], 32);
            memmove(names[1], names[0], (size_t)i * 32);
            memcpy(names[0], tmp, 32);
        }
    return n;
}
