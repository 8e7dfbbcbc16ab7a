/* tui — the curses front end, the headless runner and the bench (see tui.h).  The only file
 * in dolab that calls curses. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "tui/tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tui/tui_internal.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- curses output ------------------------------------------------------------------------ */

typedef struct Term {
    int color, utf8;
    attr_t attr[TR_COUNT];
    short pair[TR_COUNT];
} Term;

static void term_theme(Term *t, const TuiTheme *th) {
    for (int r = 0; r < TR_COUNT; r++) {
        const TuiStyle *s = &th->role[r];
        attr_t a = 0;
        if (s->attrs & TUI_A_BOLD) a |= A_BOLD;
        if (s->attrs & TUI_A_DIM) a |= A_DIM;
        if (s->attrs & TUI_A_REVERSE) a |= A_REVERSE;
        if (s->attrs & TUI_A_UNDERLINE) a |= A_UNDERLINE;
        t->attr[r] = a;
        t->pair[r] = 0;
        if (t->color) {
            short fg = s->fg, bg = s->bg;
            if (fg >= COLORS) fg = (short)(fg % 8);
            if (bg >= COLORS) bg = (short)(bg % 8);
            init_pair((short)(r + 1), fg, bg);
            t->pair[r] = (short)(r + 1);
        } else if (r == TR_STATUS || r == TR_STATUS_KEY || r == TR_STATUS_MODE || r == TR_CURSOR || r == TR_NODE_SELECTED ||
                   r == TR_NODE_INTERVENED || r == TR_MATCH) {
            t->attr[r] |= A_REVERSE; /* without colour, reverse keeps them visible */
        }
    }
    if (t->color) bkgdset((chtype)COLOR_PAIR(TR_NORMAL + 1));
}

static wchar_t ascii_of(uint32_t ch) {
    switch (ch) {
    case 0x2500: case 0x2504: return '-';
    case 0x2502: case 0x250A: return '|';
    case 0x250C: case 0x2510: case 0x2514: case 0x2518: case 0x251C: case 0x2524: case 0x252C: case 0x2534:
    case 0x253C: return '+';
    case 0x2571: return '/';
    case 0x2572: return '\\';
    case 0x25BC: return 'v';
    case 0x2715: return 'x';
    case 0x25B6: return '>';
    case 0x25C0: return '<';
    case 0x2605: return '*';
    case 0x2588: return '#';
    case 0x00B7: return '.';
    case 0x2192: return '>';
    case 0x270B: return '!';
    case 0x2212: return '-';
    default: return ch >= 0x2581 && ch <= 0x2588 ? (wchar_t)"_.-=+*#@"[ch - 0x2581] : ch < 0x80 ? (wchar_t)ch : '?';
    }
}

static void term_present(const Term *t, const TuiCanvas *c) {
    cchar_t row[512];
    for (int y = 0; y < c->h; y++) {
        int w = c->w < 512 ? c->w : 512;
        for (int x = 0; x < w; x++) {
            const TuiCell *cell = &c->cells[y * c->w + x];
            int r = cell->role < TR_COUNT ? cell->role : 0;
            wchar_t wc[2] = {t->utf8 ? (wchar_t)cell->ch : ascii_of(cell->ch), 0};
            setcchar(&row[x], wc, t->attr[r], t->pair[r], NULL);
        }
        /* the last cell of the last row would scroll some terminals: leave it */
        mvadd_wchnstr(y, 0, row, y == c->h - 1 ? w - 1 : w);
    }
}

static int map_key(int rc, wint_t ch) {
    if (rc == OK) {
        if (ch == '\r' || ch == '\n') return TK_ENTER;
        if (ch == 127 || ch == 8) return TK_BACKSPACE;
        return (int)ch;
    }
    switch (ch) {
    case KEY_UP: return TK_UP;
    case KEY_DOWN: return TK_DOWN;
    case KEY_LEFT: return TK_LEFT;
    case KEY_RIGHT: return TK_RIGHT;
    case KEY_BTAB: return TK_BTAB;
    case KEY_PPAGE: return TK_PGUP;
    case KEY_NPAGE: return TK_PGDN;
    case KEY_HOME: return TK_HOME;
    case KEY_END: return TK_END;
    case KEY_ENTER: return TK_ENTER;
    case KEY_BACKSPACE: return TK_BACKSPACE;
    case KEY_F(2): return TK_F2;
    default: return -1;
    }
}

static int term_init(Term *t, int no_color) {
    memset(t, 0, sizeof *t);
    const char *cs = nl_langinfo(CODESET);
    t->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    t->color = !no_color && has_colors();
    if (t->color) {
        start_color();
        use_default_colors();
    }
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    return 0;
}

int tui_main(const TuiOptions *o) {
    setlocale(LC_ALL, "");
    App *a = malloc(sizeof *a);
    if (!a) return 1;
    Err e;
    if (app_init(a, o, 0, &e)) {
        fprintf(stderr, "dolab tui: %s\n", e.msg);
        app_free(a);
        free(a);
        return 1;
    }
    /* stderr goes into the log pane while curses owns the screen */
    int errpipe[2] = {-1, -1}, saved_err = dup(2);
    if (pipe(errpipe) == 0) {
        fcntl(errpipe[0], F_SETFL, O_NONBLOCK);
        fcntl(errpipe[1], F_SETFL, O_NONBLOCK);
        dup2(errpipe[1], 2);
    }
    if (!initscr()) {
        dup2(saved_err, 2);
        fprintf(stderr, "dolab tui: cannot start the terminal (is TERM set?)\n");
        app_free(a);
        free(a);
        return 1;
    }
    Term t;
    term_init(&t, o->no_color);
    /* Ctrl-S is a key here (it saves a note), not XOFF: with flow control on, the terminal
     * would stop showing output until Ctrl-Q.  The shell's mode (IXON on) comes back with
     * endwin, and def_prog_mode makes a resume after Ctrl-Z keep it off. */
    struct termios tio;
    if (tcgetattr(0, &tio) == 0) {
        tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
        tcsetattr(0, TCSANOW, &tio);
        def_prog_mode();
    }
    mousemask(BUTTON1_PRESSED, NULL);
    mouseinterval(0);
    term_theme(&t, &a->theme);
    a->theme_changed = 0;
    TuiCanvas c = {0};
    int redraw = 1, quit = 0;
    double next_tick = 0;
    while (!quit) {
        if (a->theme_changed) {
            term_theme(&t, &a->theme);
            a->theme_changed = 0;
            redraw = 1;
        }
        if (redraw) {
            if (c.w != COLS || c.h != LINES) tui_canvas_resize(&c, COLS, LINES);
            tui_render(a, &c);
            term_present(&t, &c);
            refresh();
            redraw = 0;
        }
        int to = app_timeout_ms(a);
        double now = now_ms();
        if (to >= 0 && next_tick <= 0) next_tick = now + to;
        if (to < 0) next_tick = 0;
        int wait = to < 0 ? -1 : (int)(next_tick > now ? next_tick - now : 0);
        struct pollfd fds[2] = {{0, POLLIN, 0}, {errpipe[0], POLLIN, 0}};
        int rc = poll(fds, errpipe[0] >= 0 ? 2 : 1, wait);
        if (rc == 0 && to >= 0) {
            next_tick = 0;
            if (app_tick(a)) redraw = 1;
            continue;
        }
        if (rc > 0 && errpipe[0] >= 0 && (fds[1].revents & POLLIN)) {
            char buf[4096];
            ssize_t n = read(errpipe[0], buf, sizeof buf - 1);
            if (n > 0) {
                buf[n] = 0;
                app_logs(a, buf);
                redraw = 1;
            }
        }
        /* keys (also after EINTR: a resize arrives as KEY_RESIZE) */
        wint_t ch;
        int krc;
        while ((krc = get_wch(&ch)) != ERR) {
            if (krc == KEY_CODE_YES && ch == KEY_RESIZE) {
                redraw = 1;
                continue;
            }
            if (krc == KEY_CODE_YES && ch == KEY_MOUSE) {
                MEVENT me;
                if (getmouse(&me) == OK && (me.bstate & BUTTON1_PRESSED) && app_click(a, me.y, me.x)) redraw = 1;
                continue;
            }
            int k = map_key(krc, ch);
            if (k < 0) continue;
            /* a too-small terminal waits: only q works */
            if (a->too_small && k != 'q') continue;
            int r = app_key(a, k);
            if (r & TUI_QUIT) {
                quit = 1;
                break;
            }
            if (r) redraw = 1;
        }
    }
    endwin();
    tui_canvas_free(&c);
    if (saved_err >= 0) {
        dup2(saved_err, 2);
        close(saved_err);
    }
    if (errpipe[0] >= 0) close(errpipe[0]), close(errpipe[1]);
    app_free(a);
    free(a);
    return 0;
}

/* ---- headless --------------------------------------------------------------------------------- */

/* Next scripted event: a key (>= 0), or -2 resize (w, h), -3 click (y, x), -4 tick, -5 wait for
 * training, -6 wait ms in *p1; 0 at the end. */
static int next_event(const char **s, int *p1, int *p2, Err *e) {
    const char *p = *s;
    if (!*p) return 0;
    if (*p != '<' || p[1] == '>' || !strchr(p, '>')) {
        *s = p;
        return (int)tui_utf8_next(s);
    }
    const char *end = strchr(p, '>');
    char tok[64];
    snprintf(tok, sizeof tok, "%.*s", (int)(end - p - 1), p + 1);
    *s = end + 1;
    static const struct {
        const char *name;
        int key;
    } names[] = {{"tab", TK_TAB},     {"stab", TK_BTAB},    {"enter", TK_ENTER}, {"esc", TK_ESC},
                 {"up", TK_UP},       {"down", TK_DOWN},    {"left", TK_LEFT},   {"right", TK_RIGHT},
                 {"space", ' '},      {"bs", TK_BACKSPACE}, {"pgup", TK_PGUP},   {"pgdn", TK_PGDN},
                 {"ctrl-s", TK_CTRL_S}, {"ctrl-u", 21}, {"lt", '<'}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(tok, names[i].name) == 0) return names[i].key;
    if (sscanf(tok, "resize:%dx%d", p1, p2) == 2) return -2;
    if (sscanf(tok, "click:%d,%d", p1, p2) == 2) return -3;
    if (strcmp(tok, "tick") == 0) return -4;
    if (strcmp(tok, "train-wait") == 0) return -5;
    if (sscanf(tok, "wait:%d", p1) == 1) return -6;
    err_set(e, "headless keys: unknown <%s> (tab, stab, enter, esc, up, down, left, right, space, bs, pgup, pgdn, "
               "ctrl-s, ctrl-u, lt, resize:WxH, click:Y,X, tick, wait:MS, train-wait)", tok);
    return -100;
}

int tui_headless(const TuiOptions *o, const char *keys, int frames, SB *out, Err *e) {
    App *a = malloc(sizeof *a);
    if (!a) return err_set(e, "out of memory");
    int rc = -1;
    TuiCanvas c = {0};
    if (app_init(a, o, 1, e)) goto done;
    if (tui_canvas_resize(&c, o->w > 0 ? o->w : 100, o->h > 0 ? o->h : 30)) {
        err_set(e, "out of memory");
        goto done;
    }
    const char *s = keys ? keys : "";
    tui_render(a, &c);
    for (int f = 0; f < frames; f++) {
        int p1 = 0, p2 = 0, ev = next_event(&s, &p1, &p2, e);
        if (ev == -100) goto done;
        if (ev == -2) {
            if (tui_canvas_resize(&c, p1, p2)) {
                err_set(e, "out of memory");
                goto done;
            }
        } else if (ev == -3) {
            app_click(a, p1, p2);
        } else if (ev == -5) {
            for (int k = 0; k < 6000 && a->train; k++) {
                TuiTrainStatus st;
                tui_train_status(a->train, &st);
                if (st.state != TT_RUNNING) break;
                struct timespec ts = {0, 50 * 1000000L};
                nanosleep(&ts, NULL);
            }
            app_tick(a);
        } else if (ev == -6) {
            struct timespec ts = {p1 / 1000, (long)(p1 % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            app_tick(a);
        } else if (ev == -4 || (ev == 0 && app_timeout_ms(a) >= 0)) {
            app_tick(a);
        } else if (ev > 0) {
            if (!(a->too_small && ev != 'q') && (app_key(a, ev) & TUI_QUIT)) {
                tui_render(a, &c);
                break;
            }
        }
        tui_render(a, &c);
    }
    tui_canvas_dump(&c, out);
    rc = 0;
done:
    tui_canvas_free(&c);
    app_free(a);
    free(a);
    return rc;
}

/* ---- bench ------------------------------------------------------------------------------------ */

int tui_bench(const TuiOptions *o, int w, int h, int frames, TuiBench *b, Err *e) {
    setlocale(LC_ALL, "");
    App *a = malloc(sizeof *a);
    if (!a) return err_set(e, "out of memory");
    int rc = -1;
    TuiCanvas c = {0};
    FILE *fo = fopen("/dev/null", "w"), *fi = fopen("/dev/null", "r");
    SCREEN *scr = NULL;
    if (app_init(a, o, 1, e)) goto done;
    if (!fo || !fi || tui_canvas_resize(&c, w, h)) {
        err_set(e, "cannot open /dev/null");
        goto done;
    }
    scr = newterm("xterm-256color", fo, fi);
    if (!scr) {
        err_set(e, "no terminfo entry for xterm-256color");
        goto done;
    }
    resizeterm(h, w);
    Term t;
    term_init(&t, o->no_color);
    term_theme(&t, &a->theme);
    app_key(a, 'n'); /* a decision made: bars, history */
    double tr = 0, tc = 0;
    for (int f = 0; f < frames; f++) {
        if (f % 2) app_key(a, 'n'); /* the content changes between frames */
        double t0 = now_ms();
        tui_render(a, &c);
        double t1 = now_ms();
        clearok(stdscr, TRUE); /* repaint everything, not just the changes */
        term_present(&t, &c);
        refresh();
        double t2 = now_ms();
        tr += t1 - t0, tc += t2 - t1;
    }
    b->frames = frames;
    b->render_ms = tr / frames;
    b->curses_ms = tc / frames;
    rc = 0;
done:
    if (scr) {
        endwin();
        delscreen(scr);
    }
    if (fo) fclose(fo);
    if (fi) fclose(fi);
    tui_canvas_free(&c);
    app_free(a);
    free(a);
    return rc;
}
