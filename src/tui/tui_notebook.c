/* tui_notebook — the Notebook pane: the entries, the selected one, the note editor, training
 * progress (see tui_internal.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "notebook/nb_entry.h"
#include "tui/tui_internal.h"

static void save_note(App *a) {
    if (!a->note_len) {
        app_say(a, 0, "the note is empty");
        return;
    }
    if (!a->nb || a->nb_readonly) {
        app_say(a, 1, a->nb ? "the notebook %s is the shipped model's (read-only): start with --notebook FILE to save"
                            : "no notebook: %s",
                a->nb ? nb_path(a->nb) : a->nb_error);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "note");
    a->note[a->note_len] = 0;
    cJSON_AddStringToObject(o, "text", a->note);
    Err e;
    if (nb_add(a->nb, o, &e)) {
        app_say(a, 1, "note not saved: %s", e.msg);
        return;
    }
    a->note_len = 0;
    a->note_dirty = 0;
    a->note_open = 0;
    a->nb_sel = nb_count(a->nb) - 1;
    app_say(a, 0, "note saved to %s", nb_path(a->nb));
}

int note_key(App *a, int k) {
    if (k == TK_ESC) {
        a->note_open = 0;
        if (a->note_dirty) app_say(a, 0, "the note is kept as a draft: a opens it again, Ctrl-S saves");
    } else if (k == TK_CTRL_S || k == TK_F2) {
        save_note(a);
    } else if (k == TK_BACKSPACE || k == 8) {
        while (a->note_len > 0 && ((unsigned char)a->note[--a->note_len] & 0xC0) == 0x80) {
        }
        a->note_dirty = a->note_len > 0;
    } else if ((k == TK_ENTER || k == '\r' || (k >= 32 && k < 0x110000)) && a->note_len < (int)sizeof a->note - 5) {
        a->note_len += tui_utf8_put(a->note + a->note_len, k == '\r' ? '\n' : (uint32_t)k);
        a->note_dirty = 1;
    }
    a->note[a->note_len] = 0;
    return TUI_REDRAW;
}

int notebook_key(App *a, int k) {
    int cnt = a->nb ? nb_count(a->nb) : 0;
    if (k == 'j' || k == TK_DOWN) a->nb_sel = a->nb_sel + 1 < cnt ? a->nb_sel + 1 : a->nb_sel;
    else if (k == 'k' || k == TK_UP) a->nb_sel = a->nb_sel > 0 ? a->nb_sel - 1 : 0;
    else if (k == 'a' || k == TK_ENTER) a->note_open = 1;
    else return 0;
    return TUI_REDRAW;
}

/* ---- Notebook ------------------------------------------------------------------------------- */

/* Entries are read through notebook/nb_entry (one reader of the schema for every caller). */
static const char *jstr(const cJSON *o, const char *path) {
    const char *s = nbe_str(o, path);
    return s ? s : "";
}

static int jint(const cJSON *o, const char *path) {
    double v = nbe_num(o, path);
    return v == v && fabs(v) < 1e9 ? (int)v : 0;
}

static void draw_training(App *a, TuiCanvas *c, int *y, int bottom, int x, int w) {
    TuiTrainStatus s;
    tui_train_status(a->train, &s);
    char b[200];
    char dev[64] = "";
    if (s.stop_at > 0 && !isnan(s.dev) && !strcmp(s.phase, "training"))
        snprintf(dev, sizeof dev, s.cooling ? "  dev %.3f (reached %g, cooling down)" : "  dev %.3f (stops at %g)", s.dev,
                 s.stop_at);
    snprintf(b, sizeof b, "training: %s %ld/%ld  loss %.3f%s  (X cancels)", s.phase, s.step, s.total,
             s.n_loss ? s.loss[s.n_loss - 1] : 0.0, dev);
    if (*y < bottom) tui_text(c, (*y)++, x, b, TR_TITLE, w);
    if (*y < bottom && s.n_loss) tui_sparkline(c, (*y)++, x, w, s.loss, s.n_loss, TR_SPARK);
}

void draw_notebook(App *a, TuiCanvas *c, TuiRect r) {
    int y = r.y, bottom = r.y + r.h, x = r.x + 1, w = r.w - 2;
    if (a->train) draw_training(a, c, &y, bottom, x, w);
    if (a->note_open) {
        tui_text(c, y++, x, "new note — type; Enter: new line; Ctrl-S: save; Esc: close (draft kept)", TR_PROMPT, w);
        /* the note, wrapped, its end in view */
        int lines = bottom - y, col = 0, row = 0;
        int total_rows = 1;
        for (int i = 0; i < a->note_len; i++)
            if (a->note[i] == '\n' || ++col >= w) total_rows++, col = 0;
        int skip = total_rows > lines ? total_rows - lines : 0;
        col = 0;
        const char *p = a->note;
        while (*p) {
            uint32_t ch = tui_utf8_next(&p);
            if (ch == '\n') {
                row++, col = 0;
                continue;
            }
            if (row >= skip) tui_put(c, y + row - skip, x + col, ch, TR_NORMAL);
            if (++col >= w) row++, col = 0;
        }
        if (row - skip < lines) tui_put(c, y + row - skip, x + col, 0x2581, TR_CURSOR);
        return;
    }
    if (!a->nb) {
        tui_text(c, y, x, a->nb_error[0] ? a->nb_error : "no notebook", TR_ERROR, w);
        return;
    }
    int cnt = nb_count(a->nb);
    tui_textf(c, y++, x, TR_DIM, w, "%s%s: %d entr%s · j/k select · a: new note%s", nb_path(a->nb),
              a->nb_readonly ? " (read-only)" : "", cnt, cnt == 1 ? "y" : "ies", a->note_dirty ? " (draft unsaved)" : "");
    if (!cnt) {
        tui_text(c, y, x, "empty: T trains a model (a run), a writes a note, W saves this session", TR_DIM, w);
        return;
    }
    if (a->nb_sel >= cnt) a->nb_sel = cnt - 1;
    int list_h = (bottom - y) / 2;
    if (list_h < 2) list_h = 2;
    if (a->nb_sel < a->nb_top) a->nb_top = a->nb_sel;
    if (a->nb_sel >= a->nb_top + list_h) a->nb_top = a->nb_sel - list_h + 1;
    for (int i = a->nb_top; i < cnt && i < a->nb_top + list_h && y < bottom; i++) {
        const cJSON *en = nb_entry(a->nb, i);
        const char *type = nbe_type(en);
        int run = strcmp(type, "run") == 0;
        const char *what = strcmp(type, "note") == 0 ? jstr(en, "text") : run ? nbe_title(en) : "";
        char line[300];
        snprintf(line, sizeof line, "%3ld %-7s %.10s %s%s", nbe_id(en), type, jstr(en, "time"),
                 run && nbe_quick(en) ? "[quick] " : "", what);
        for (char *p = line; *p; p++)
            if (*p == '\n') *p = ' ';
        tui_text(c, y, x, line, i == a->nb_sel ? TR_CURSOR : TR_NORMAL, w);
        if (i == a->nb_sel) tui_recolor(c, (TuiRect){y, x, 1, w}, TR_CURSOR);
        y++;
    }
    if (y < bottom) tui_fill(c, (TuiRect){y++, x, 1, w}, 0x2500, TR_BORDER);
    /* the selected entry */
    const cJSON *en = nb_entry(a->nb, a->nb_sel);
    const char *type = nbe_type(en);
    if (strcmp(type, "note") == 0) {
        const char *p = jstr(en, "text");
        int col = 0;
        while (*p && y < bottom) {
            uint32_t ch = tui_utf8_next(&p);
            if (ch == '\n' || col >= w) y++, col = 0;
            if (ch != '\n' && y < bottom) tui_put(c, y, x + col++, ch, TR_NORMAL);
        }
    } else if (strcmp(type, "session") == 0) {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(en, "events");
        const cJSON *done = cJSON_GetObjectItemCaseSensitive(en, "episodes_done");
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(en, "mean_normalised_reward");
        if (cJSON_IsNumber(done) && cJSON_IsNumber(mean))
            tui_textf(c, y++, x, TR_NORMAL, w, "%d episodes done, mean normalised %.2f · %d events · model %s",
                      done->valueint, mean->valuedouble, cJSON_GetArraySize(ev), jstr(en, "model"));
        else
            tui_textf(c, y++, x, TR_NORMAL, w, "%d events · model %s", cJSON_GetArraySize(ev), jstr(en, "model"));
    } else if (strcmp(type, "run") == 0) {
        char b[300];
        snprintf(b, sizeof b, "config: %s · held out %s · %d variables · L%d C%d H%d · %d steps%s",
                 jstr(en, "config.name"), jstr(en, "config.heldout"), jint(en, "config.world.variables"),
                 jint(en, "config.model.layers"), jint(en, "config.model.dim"), jint(en, "config.model.heads"),
                 jint(en, "training.steps"), nbe_quick(en) ? " · quick" : "");
        if (y < bottom) tui_text(c, y++, x, b, TR_DIM, w);
        NbeRun run;
        Err e;
        if (nbe_read_run(en, &run, &e)) {
            if (y < bottom) tui_text(c, y++, x, e.msg, TR_ERROR, w);
            return;
        }
        double loss[512];
        int m = nbe_curve(run.curve, 1, NULL, loss, 512);
        if (m > 0 && y < bottom) {
            int k = tui_textf(c, y, x, TR_DIM, w, "loss %.3f→%.3f ", loss[0], loss[m - 1]);
            tui_sparkline(c, y++, x + k, w - k, loss, m, TR_SPARK);
        }
        for (int s = 0; s < run.n_sets && y < bottom; s++) {
            const NbeSet *set = &run.sets[s];
            int xx = x + tui_textf(c, y, x, TR_TITLE, w, "%-9.9s", set->name);
            for (int k = 0; k < set->n_rows; k++) {
                const NbeRow *row = &set->rows[k];
                char cell[48];
                snprintf(cell, sizeof cell, " %s %.2f", row->name, isnan(row->mean) ? 0.0 : row->mean);
                if (xx + tui_text_width(cell) > x + w) break;
                xx += tui_text(c, y, xx, cell, strcmp(row->name, "model") == 0 ? TR_BAR_CHOICE : TR_NORMAL, x + w - xx);
            }
            y++;
        }
    }
}

