/* tui_canvas — the off-screen cell grid (see tui_canvas.h). */
#include "tui/tui_canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tui_canvas_resize(TuiCanvas *c, int w, int h) {
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    TuiCell *cells = calloc((size_t)w * (size_t)h, sizeof *cells);
    if (!cells) return -1;
    free(c->cells);
    c->cells = cells;
    c->w = w;
    c->h = h;
    tui_canvas_clear(c);
    return 0;
}

void tui_canvas_free(TuiCanvas *c) {
    free(c->cells);
    c->cells = NULL;
    c->w = c->h = 0;
}

void tui_canvas_clear(TuiCanvas *c) {
    for (int i = 0; i < c->w * c->h; i++) c->cells[i] = (TuiCell){' ', 0};
}

void tui_put(TuiCanvas *c, int y, int x, uint32_t ch, int role) {
    if (y < 0 || x < 0 || y >= c->h || x >= c->w) return;
    c->cells[y * c->w + x] = (TuiCell){ch, (uint8_t)role};
}

uint32_t tui_utf8_next(const char **sp) {
    const unsigned char *s = (const unsigned char *)*sp;
    uint32_t cp;
    int n;
    if (s[0] < 0x80) cp = s[0], n = 1;
    else if ((s[0] & 0xE0) == 0xC0) cp = s[0] & 0x1F, n = 2;
    else if ((s[0] & 0xF0) == 0xE0) cp = s[0] & 0x0F, n = 3;
    else if ((s[0] & 0xF8) == 0xF0) cp = s[0] & 0x07, n = 4;
    else {
        *sp += 1;
        return 0xFFFD;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *sp += i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *sp += n;
    return cp;
}

int tui_utf8_put(char *b, uint32_t cp) {
    if (cp < 0x80) return b[0] = (char)cp, 1;
    if (cp < 0x800) return b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int tui_text_width(const char *s) {
    int n = 0;
    while (*s) tui_utf8_next(&s), n++;
    return n;
}

int tui_text(TuiCanvas *c, int y, int x, const char *s, int role, int maxw) {
    if (!s) return 0;
    if (maxw < 0) maxw = c->w - x;
    int n = 0;
    while (*s && n < maxw) {
        uint32_t cp = tui_utf8_next(&s);
        if (cp == '\n' || cp == '\t') cp = ' ';
        if (cp < 0x20) cp = '?';
        tui_put(c, y, x + n, cp, role);
        n++;
    }
    return n;
}

int tui_textf(TuiCanvas *c, int y, int x, int role, int maxw, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return tui_text(c, y, x, buf, role, maxw);
}

void tui_fill(TuiCanvas *c, TuiRect r, uint32_t ch, int role) {
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) tui_put(c, y, x, ch, role);
}

void tui_recolor(TuiCanvas *c, TuiRect r, int role) {
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            if (y >= 0 && x >= 0 && y < c->h && x < c->w) c->cells[y * c->w + x].role = (uint8_t)role;
}

void tui_frame(TuiCanvas *c, TuiRect r, const char *title, int role, int title_role) {
    if (r.w < 2 || r.h < 2) return;
    int b = r.y + r.h - 1, rt = r.x + r.w - 1;
    for (int x = r.x + 1; x < rt; x++) tui_put(c, r.y, x, 0x2500, role), tui_put(c, b, x, 0x2500, role);
    for (int y = r.y + 1; y < b; y++) tui_put(c, y, r.x, 0x2502, role), tui_put(c, y, rt, 0x2502, role);
    tui_put(c, r.y, r.x, 0x250C, role);
    tui_put(c, r.y, rt, 0x2510, role);
    tui_put(c, b, r.x, 0x2514, role);
    tui_put(c, b, rt, 0x2518, role);
    if (title && *title && r.w > 6) {
        tui_put(c, r.y, r.x + 1, ' ', role);
        int n = tui_text(c, r.y, r.x + 2, title, title_role, r.w - 5);
        tui_put(c, r.y, r.x + 2 + n, ' ', role);
    }
}

uint32_t tui_char_at(const TuiCanvas *c, int y, int x) {
    if (y < 0 || x < 0 || y >= c->h || x >= c->w) return 0;
    return c->cells[y * c->w + x].ch;
}

int tui_role_at(const TuiCanvas *c, int y, int x) {
    if (y < 0 || x < 0 || y >= c->h || x >= c->w) return -1;
    return c->cells[y * c->w + x].role;
}

void tui_canvas_dump(const TuiCanvas *c, SB *out) {
    for (int y = 0; y < c->h; y++) {
        int end = c->w;
        while (end > 0 && c->cells[y * c->w + end - 1].ch == ' ') end--;
        for (int x = 0; x < end; x++) {
            char b[5];
            sb_putn(out, b, (size_t)tui_utf8_put(b, c->cells[y * c->w + x].ch));
        }
        sb_puts(out, "\n");
    }
}
