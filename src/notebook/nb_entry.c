#include "notebook/nb_entry.h"

#include <math.h>
#include <string.h>

#include "util/jsonu.h"

const cJSON *nbe_get(const cJSON *o, const char *path) {
    char key[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
        path += n + (dot ? 1 : 0);
    }
    return o;
}

double nbe_num(const cJSON *o, const char *path) {
    const cJSON *v = nbe_get(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *nbe_str(const cJSON *o, const char *path) {
    const cJSON *v = nbe_get(o, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long nbe_id(const cJSON *x) {
    double id = nbe_num(x, "id"); /* checked by nb_open: a positive integer below 2^53 */
    return id >= 0 && id < 9e15 ? (long)id : -1;
}

const char *nbe_type(const cJSON *x) { return nbe_str(x, "type") ? nbe_str(x, "type") : "?"; }

const char *nbe_title(const cJSON *run) {
    const char *t = nbe_str(run, "title");
    if (t && *t) return t;
    t = nbe_str(run, "config.name");
    return t && *t ? t : "(untitled)";
}

int nbe_quick(const cJSON *run) {
    const cJSON *q = nbe_get(run, "quick");
    if (q) return cJSON_IsTrue(q);
    const char *ck = nbe_str(run, "checkpoint");
    return ck && strstr(ck, "-quick") != NULL;
}

static double num_or_nan(const cJSON *v) { return cJSON_IsNumber(v) ? v->valuedouble : NAN; }

int nbe_read_run(const cJSON *x, NbeRun *r, Err *e) {
    memset(r, 0, sizeof *r);
    r->id = nbe_id(x);
    if (strcmp(nbe_type(x), "run") != 0) return err_set(e, "entry %ld: a %s, not a run", r->id, nbe_type(x));
    r->time = nbe_str(x, "time");
    r->title = nbe_title(x);
    r->uid = nbe_str(x, "uid");
    r->experiment = nbe_str(x, "config.name") ? nbe_str(x, "config.name") : r->title;
    const cJSON *seed = nbe_get(x, "seed");
    if (seed) {
        if (ju_get_u64(seed, "seed", &r->seed, e)) return err_prefix(e, "entry %ld", r->id);
        r->has_seed = 1;
    }
    r->quick = nbe_quick(x);
    r->sweep = nbe_str(x, "sweep.name");
    double job = nbe_num(x, "sweep.job");
    r->job = job >= 0 && job < 9e15 && job == floor(job) ? (long)job : -1;
    r->settings = cJSON_IsObject(nbe_get(x, "sweep.set")) ? nbe_get(x, "sweep.set") : NULL;
    r->curve = cJSON_IsArray(nbe_get(x, "training.curve")) ? nbe_get(x, "training.curve") : NULL;
    const cJSON *set;
    cJSON_ArrayForEach(set, nbe_get(x, "eval.sets")) {
        if (r->n_sets == NBE_MAX_SETS) return err_set(e, "entry %ld: eval.sets: more than %d sets", r->id, NBE_MAX_SETS);
        NbeSet *s = &r->sets[r->n_sets++];
        s->name = nbe_str(set, "name") ? nbe_str(set, "name") : "?";
        double ep = nbe_num(set, "episodes");
        s->episodes = ep >= 0 && ep < 1e9 ? (int)ep : 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, nbe_get(set, "strategies")) {
            if (s->n_rows == NBE_MAX_ROWS)
                return err_set(e, "entry %ld: eval.sets.%s: more than %d strategies", r->id, s->name, NBE_MAX_ROWS);
            NbeRow *w = &s->rows[s->n_rows++];
            w->name = nbe_str(row, "name") ? nbe_str(row, "name") : "?";
            w->mean = nbe_num(row, "mean_normalised_reward");
            const cJSON *ci = nbe_get(row, "ci95");
            w->lo = cJSON_GetArraySize(ci) == 2 ? num_or_nan(cJSON_GetArrayItem(ci, 0)) : NAN;
            w->hi = cJSON_GetArraySize(ci) == 2 ? num_or_nan(cJSON_GetArrayItem(ci, 1)) : NAN;
            w->sd = nbe_num(row, "sd");
            w->oracle_share = nbe_num(row, "oracle_action_share");
            w->explored_share = nbe_num(row, "explored_once_share");
        }
        const cJSON *ag = nbe_get(set, "agreement"), *it;
        if (!cJSON_IsObject(ag)) ag = NULL;
        double aep = nbe_num(ag, "episodes");
        s->agree_episodes = aep >= 0 && aep < 1e9 ? (int)aep : 0;
        cJSON_ArrayForEach(it, ag) {
            if (!it->string || !strcmp(it->string, "of") || !strcmp(it->string, "episodes") || !cJSON_IsNumber(it) ||
                !(it->valuedouble >= 0 && it->valuedouble <= 1))
                continue;
            if (s->n_agree == NBE_MAX_ROWS) break;
            s->agree_name[s->n_agree] = it->string;
            s->agree_share[s->n_agree++] = it->valuedouble;
        }
        const cJSON *xp = nbe_get(set, "explanations");
        double xn = nbe_num(xp, "explained"), xf = nbe_num(xp, "follows");
        s->expl_episodes = cJSON_IsObject(xp) && xn >= 0 && xn < 1e9 ? (int)xn : 0;
        s->expl_follows = s->expl_episodes > 0 && xf >= 0 && xf <= 1 ? xf : NAN;
        const cJSON *names = s->expl_episodes > 0 ? nbe_get(xp, "names") : NULL;
        cJSON_ArrayForEach(it, names) {
            if (!it->string || !cJSON_IsNumber(it) || !(it->valuedouble >= 0 && it->valuedouble <= 1)) continue;
            if (s->n_expl == NBE_MAX_ROWS) break;
            s->expl_name[s->n_expl] = it->string;
            s->expl_share[s->n_expl++] = it->valuedouble;
        }
    }
    return 0;
}

int nbe_curve(const cJSON *curve, int col, double *steps, double *vals, int max) {
    int n = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, curve) {
        if (n == max) break;
        const cJSON *v = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, col) : NULL;
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) continue;
        if (steps) steps[n] = num_or_nan(cJSON_GetArrayItem(pt, 0));
        vals[n++] = v->valuedouble;
    }
    return n;
}
