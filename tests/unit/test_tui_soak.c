/* The TUI over a long time and under random use, driven through its application state (no
 * terminal): a soak (thousands of stream and live episodes; every key still answered fast;
 * memory bounded) and a property test (random steps, take-overs, undos, next episodes and
 * seed changes: the saved session's rewards are those of a replay of its episodes, and no
 * normalised reward is above the oracle's).  DOLAB_SOAK_EPISODES sets the soak's length
 * (default 5000). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "learn/exp.h"
#include "learn/train.h"
#include "tiny_model.h"
#include "notebook/notebook.h"
#include "test.h"
#include "tui/tui_internal.h"
#include "util/jsonu.h"
#include "util/rng.h"

static char dir[64], nbfile[128], model_path[128];

/* AddressSanitizer keeps freed memory in quarantine: resident memory says nothing there. */
#ifdef __SANITIZE_ADDRESS__
enum { CHECK_RSS = 0 };
#else
enum { CHECK_RSS = 1 };
#endif

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int open_app(App *a, TuiCanvas *c, const char *model) {
    TuiOptions o = {.no_model = !model, .model = model, .notebook = nbfile, .seed = 1, .version = "test", .commit = "test"};
    Err e;
    if (app_init(a, &o, 1, &e)) {
        fprintf(stderr, "app_init: %s\n", e.msg);
        return -1;
    }
    return tui_canvas_resize(c, 100, 30);
}

static void keys(App *a, const char *s) {
    for (; *s; s++) app_key(a, *s == '\n' ? TK_ENTER : *s);
}

static int screen_has(TuiCanvas *c, const char *what) {
    SB b = {0};
    tui_canvas_dump(c, &b);
    int r = strstr(sb_str(&b), what) != NULL;
    sb_free(&b);
    return r;
}

/* ---- soak ------------------------------------------------------------------------------------ */

/* The slowest of a round of keys (each followed by a full redraw), in ms. */
static double key_round(App *a, TuiCanvas *c) {
    static const int round[] = {'w', '?', 'x', TK_TAB, 'j', 'k', TK_BTAB, 'e', 'e', 'L', 'L', 'v', 'v', 'v', 'n', 'u', 'N'};
    double worst = 0;
    for (size_t i = 0; i < sizeof round / sizeof *round; i++) {
        double t0 = now_ms();
        app_key(a, round[i]);
        tui_render(a, c);
        double dt = now_ms() - t0;
        if (dt > worst) worst = dt;
    }
    return worst;
}

TEST(test_soak) {
    const char *env = getenv("DOLAB_SOAK_EPISODES");
    long want = env ? atol(env) : 5000;
    if (want < 10) want = 10;
    App *a = calloc(1, sizeof *a);
    TuiCanvas c = {0};
    CHECK(a && open_app(a, &c, model_path) == 0, "app");
    if (!a) return;
    CHECK(a->agent != NULL, "the (tiny) model acts");
    /* the stream: N pages through episodes; the ring stays STREAM_RING long */
    app_focus(a, P_STREAM);
    double t0 = now_ms(), worst = 0;
    long rss0 = 0;
    for (long i = 0; i < want; i++) {
        app_key(a, 'N');
        if (i % 50 == 0) tui_render(a, &c);
        if (i == want / 10) rss0 = rss_kb();
        if (i % 1000 == 999) {
            double w = key_round(a, &c);
            if (w > worst) worst = w;
        }
    }
    /* and played: each tick one line */
    a->st.playing = 1;
    for (int i = 0; i < 20000; i++) app_tick(a);
    a->st.playing = 0;
    tui_render(a, &c);
    long rss1 = rss_kb();
    double ms = now_ms() - t0;
    CHECK(a->st.cur.ep >= (uint64_t)want, "the stream went past %ld episodes (at %llu)", want,
          (unsigned long long)a->st.cur.ep);
    CHECK(screen_has(&c, "▶"), "the cursor is on screen");
    CHECK(!CHECK_RSS || rss1 - rss0 < 2048, "stream memory flat: %ld kB -> %ld kB", rss0, rss1);
    double search0 = now_ms();
    app_key(a, '/');
    keys(a, "zzzz\n");
    double search = now_ms() - search0;
    CHECK(strstr(a->msg, "not found"), "a search for what is not there ends: '%s'", a->msg);
    printf("  soak stream: %llu episodes (%llu generated) in %.0f ms; RSS %ld -> %ld kB; slowest key %.2f ms; "
           "/zzzz %.1f ms\n",
           (unsigned long long)a->st.cur.ep, (unsigned long long)a->st.generated, ms, rss0, rss1, worst, search);
    /* live: the model plays; the session holds at most TUI_SESSION_MAX episodes (then playing
     * stops and asks for W), so a W every 1000 episodes saves it and starts a new one */
    app_focus(a, P_LIVE);
    a->playing_live = 1;
    t0 = now_ms();
    worst = 0;
    long episodes = 0, saved = 0, rss_s0 = 0, rss_s1 = 0;
    uint64_t last = a->live_index;
    rss0 = 0;
    for (long tick = 0; episodes < want && tick < want * 20; tick++) {
        app_tick(a);
        if (!a->playing_live) { /* the session is full */
            LiveTally t;
            live_tally(a, &t);
            CHECK(strstr(a->msg, "W saves it") && t.done == TUI_SESSION_MAX && t.max_norm <= 1 + 1e-9,
                  "stopped at a full session: '%s', %d done, max %.3f", a->msg, t.done, t.max_norm);
            app_key(a, 'W');
            saved++;
            a->playing_live = 1;
        }
        if (a->live_index != last) {
            episodes++, last = a->live_index;
            if (episodes == 100) rss_s0 = rss_kb();
            if (episodes == TUI_SESSION_MAX - 1) rss_s1 = rss_kb();
            if (episodes == want / 10) rss0 = rss_kb();
            if (episodes % 1000 == 500) {
                double w = key_round(a, &c);
                if (w > worst) worst = w;
                a->playing_live = 1;
            }
            if (episodes % 50 == 0) tui_render(a, &c);
        }
    }
    rss1 = rss_kb();
    ms = now_ms() - t0;
    CHECK(episodes >= want, "%ld live episodes played", episodes);
    CHECK(worst < 50, "every key answered within 50 ms (slowest %.2f ms)", worst);
    printf("  soak live: %ld episodes in %.0f ms; %ld sessions saved; RSS %ld -> %ld kB (the saved sessions stay in "
           "the open notebook); the first session: %ld -> %ld kB over episodes 100..%d; slowest key %.2f ms\n",
           episodes, ms, saved, rss0, rss1, rss_s0, rss_s1, TUI_SESSION_MAX - 1, worst);
    CHECK(!CHECK_RSS || rss_s1 - rss_s0 < 40 * 1024, "a full session takes less than 40 MB (%ld kB)", rss_s1 - rss_s0);
    tui_canvas_free(&c);
    app_free(a);
    free(a);
}

/* ---- property: the saved session is a replay of its episodes ----------------------------------- */

static int filter_train(const Scm *w, void *ctx, Err *e) {
    int v = exp_pred_eval(&((const Experiment *)ctx)->heldout, w, e);
    return v < 0 ? -1 : !v;
}
static int filter_heldout(const Scm *w, void *ctx, Err *e) { return exp_pred_eval(&((const Experiment *)ctx)->heldout, w, e); }

/* Replays one saved episode; returns the number of mismatches. */
static int replay(const cJSON *rec, const Experiment *x, double *norm) {
    uint64_t seed = 0, index = 0;
    Err e;
    if (ju_get_u64(cJSON_GetObjectItemCaseSensitive(rec, "seed"), "seed", &seed, &e) ||
        ju_get_u64(cJSON_GetObjectItemCaseSensitive(rec, "index"), "index", &index, &e))
        return 1;
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(rec, "source");
    int heldout = cJSON_IsString(src) && strcmp(src->valuestring, "held-out") == 0;
    Episode ep;
    EpConfig c = x->world;
    if (ep_generate(&ep, &c, seed, index, heldout ? filter_heldout : filter_train, (void *)x, &e)) return 1;
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(rec, "steps")) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, "var"), *sg = cJSON_GetObjectItemCaseSensitive(st, "sign");
        if (!cJSON_IsString(v) || !cJSON_IsNumber(sg)) return 1;
        int var = v->valuestring[0] - 'A';
        int rc = ep_phase(&ep.view) == EP_EXPLORE ? ep_explore(&ep, var, &e) : ep_exploit(&ep, var, sg->valueint, &e);
        if (rc) return 1;
    }
    const cJSON *done = cJSON_GetObjectItemCaseSensitive(rec, "done");
    int is_done = ep_phase(&ep.view) == EP_DONE;
    if (cJSON_IsTrue(done) != is_done) return 1;
    if (!is_done) return 0;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(rec, "reward"), *n = cJSON_GetObjectItemCaseSensitive(rec, "normalised");
    if (!cJSON_IsNumber(r) || !cJSON_IsNumber(n)) return 1;
    *norm = ep.norm_reward;
    return fabs(r->valuedouble - ep.reward) > 1e-9 || fabs(n->valuedouble - ep.norm_reward) > 1e-9;
}

TEST(test_session_property) {
    Experiment x = exp_default();
    Rng rng;
    rng_init(&rng, 42, 0);
    int checked_sessions = 0, checked_eps = 0;
    for (int trial = 0; trial < 80; trial++) {
        unlink(nbfile);
        App *a = calloc(1, sizeof *a);
        TuiCanvas c = {0};
        if (!a || open_app(a, &c, NULL)) {
            CHECK(0, "app");
            free(a);
            return;
        }
        int nops = 40 + (int)(rng_u64(&rng) % 200);
        for (int op = 0; op < nops; op++) {
            switch (rng_u64(&rng) % 10) {
            case 0: case 1: case 2: app_key(a, 'n'); break;                 /* the agent steps */
            case 3: app_key(a, 'A' + (int)(rng_u64(&rng) % 5)); app_key(a, TK_ENTER); break; /* take over */
            case 4: app_key(a, 'A' + (int)(rng_u64(&rng) % 5)); app_key(a, '-'); break;
            case 5: app_key(a, 'i'); break;                                 /* hand back / take over */
            case 6: case 7: app_key(a, 'u'); break;                         /* undo */
            case 8: app_key(a, rng_u64(&rng) % 2 ? 'N' : 's'); break;       /* next episode, another agent */
            case 9: {                                                       /* another seed */
                char b[32];
                snprintf(b, sizeof b, "%llu", (unsigned long long)(rng_u64(&rng) % 1000));
                app_key(a, 'S');
                app_key(a, 21);
                keys(a, b);
                app_key(a, TK_ENTER);
                if (a->confirm) app_key(a, 'y');
                break;
            }
            }
            LiveTally t;
            live_tally(a, &t);
            CHECK(t.max_norm <= 1 + 1e-9, "no normalised reward above the oracle's (%.3f)", t.max_norm);
        }
        LiveTally t;
        live_tally(a, &t);
        int had = a->session_dirty;
        app_key(a, 'W');
        tui_canvas_free(&c);
        app_free(a);
        free(a);
        if (!had) continue;
        Notebook *nb = NULL;
        Err e;
        CHECK(nb_open(nbfile, &nb, &e) == 0 && nb_count(nb) == 1, "the session was saved");
        const cJSON *en = nb && nb_count(nb) ? nb_entry(nb, 0) : NULL;
        const cJSON *eps = cJSON_GetObjectItemCaseSensitive(en, "episodes");
        const cJSON *rec;
        int done = 0, bad = 0;
        double sum = 0;
        cJSON_ArrayForEach(rec, eps) {
            double norm = 0;
            bad += replay(rec, &x, &norm);
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "done"))) done++, sum += norm;
            CHECK(norm <= 1 + 1e-9, "a replayed normalised reward above 1: %.3f", norm);
            checked_eps++;
        }
        CHECK(bad == 0, "trial %d: %d saved episodes differ from their replay", trial, bad);
        const cJSON *nd = cJSON_GetObjectItemCaseSensitive(en, "episodes_done");
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(en, "mean_normalised_reward");
        CHECK(cJSON_IsNumber(nd) && nd->valueint == done && done == t.done, "episodes_done %d = replayed %d = tally %d",
              cJSON_IsNumber(nd) ? nd->valueint : -1, done, t.done);
        if (done)
            CHECK(cJSON_IsNumber(mean) && fabs(mean->valuedouble - sum / done) < 1e-9 && mean->valuedouble <= 1 + 1e-9,
                  "mean normalised %.4f = replayed %.4f", cJSON_IsNumber(mean) ? mean->valuedouble : -1, sum / done);
        nb_free(nb);
        checked_sessions++;
    }
    printf("  property: %d saved sessions, %d episodes replayed\n", checked_sessions, checked_eps);
    CHECK(checked_sessions >= 40 && checked_eps >= 60, "enough was checked: %d sessions, %d episodes", checked_sessions,
          checked_eps);
    unlink(nbfile);
}


int main(void) {
    snprintf(dir, sizeof dir, "/tmp/dolab-soak-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    snprintf(nbfile, sizeof nbfile, "%s/nb.json", dir);
    snprintf(model_path, sizeof model_path, "%s/m.ckpt", dir);
    CHECK(tiny_model_save(model_path) == 0, "a tiny model");
    RUN(test_session_property);
    RUN(test_soak);
    unlink(nbfile);
    unlink(model_path);
    rmdir(dir);
    return TEST_SUMMARY();
}
