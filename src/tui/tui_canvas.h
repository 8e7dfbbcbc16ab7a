/* tui_canvas — an off-screen grid of cells that every pane draws into.
 *
 * Drawing code never calls curses: it writes characters with a colour role (tui_theme.h) into
 * a TuiCanvas, and the terminal front end (tui.c) copies the canvas to curses once a frame.
 * The same canvas is what the headless mode prints and what the unit tests read, so a test
 * sees exactly what a person would.  Writes outside the canvas are clipped, never errors.
 *
 * Ownership: the caller owns the TuiCanvas value; tui_canvas_resize allocates its cells and
 * tui_canvas_free releases them. */
#ifndef DOLAB_TUI_CANVAS_H
#define DOLAB_TUI_CANVAS_H

#include <stdint.h>
#include <string.h>

#include "util/strbuf.h"

typedef struct TuiCell {
    uint32_t ch;  /* a Unicode code point */
    uint8_t role; /* TuiRole */
} TuiCell;

typedef struct TuiCanvas {
    int w, h;
    TuiCell *cells; /* (h, w) */
} TuiCanvas;

/* A rectangle: top row, left column, height, width. */
typedef struct TuiRect {
    int y, x, h, w;
} TuiRect;

int tui_canvas_resize(TuiCanvas *c, int w, int h);
void tui_canvas_free(TuiCanvas *c);
void tui_canvas_clear(TuiCanvas *c);
void tui_put(TuiCanvas *c, int y, int x, uint32_t ch, int role);
/* Writes UTF-8 text from (y, x), at most maxw cells (maxw < 0: to the right edge); returns
 * the number of cells written. */
int tui_text(TuiCanvas *c, int y, int x, const char *s, int role, int maxw);
int tui_textf(TuiCanvas *c, int y, int x, int role, int maxw, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void tui_fill(TuiCanvas *c, TuiRect r, uint32_t ch, int role);
/* Sets the role of every cell in r, keeping the characters. */
void tui_recolor(TuiCanvas *c, TuiRect r, int role);
/* A frame around r with a title in its top edge. */
void tui_frame(TuiCanvas *c, TuiRect r, const char *title, int role, int title_role);
uint32_t tui_char_at(const TuiCanvas *c, int y, int x);
int tui_role_at(const TuiCanvas *c, int y, int x);
/* The canvas as UTF-8 text, one line per row, trailing blanks trimmed. */
void tui_canvas_dump(const TuiCanvas *c, SB *out);
/* Number of cells a UTF-8 string takes (one per code point). */
int tui_text_width(const char *s);
/* Decodes one UTF-8 code point from *s and advances it (invalid bytes give U+FFFD). */
uint32_t tui_utf8_next(const char **s);
/* Encodes cp into buf (at least 5 bytes); returns the length. */
int tui_utf8_put(char *buf, uint32_t cp);

/* Copies src into dst[n], cut to fit (a plain strlcpy). */
static inline void tui_copy(char *dst, size_t n, const char *src) {
    size_t k = strlen(src);
    if (k >= n) k = n - 1;
    memcpy(dst, src, k);
    dst[k] = 0;
}

#endif
