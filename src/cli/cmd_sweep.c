/* dolab sweep SCRIPT.lua: arms x settings x seeds as a list of `dolab run` jobs under
 * runs/NAME/, run through GNU parallel (--local), a Slurm job array (--slurm), or printed for
 * any other engine (--print).
 *
 * runs/NAME/
 *   sweep.json      what the sweep is: script, seeds, settings, and every job with its resolved
 *                   configuration (written beside, before anything runs)
 *   jobs.txt        one `dolab run` command per line, job k on line k (stable order: arm, then
 *                   the settings in the order given, then seed)
 *   sbatch.sh       the Slurm array script: task i runs line i
 *   shards/job-K.json  each job's own notebook (written atomically when the job ends)
 *   ckpt/job-K.ckpt    each job's checkpoint
 *   joblog          GNU parallel's --joblog (what --local resumes from)
 *   logs/           each job's output
 * Jobs never write the same file.  A job whose shard already records it does nothing (dolab run
 * --sweep/--job), so a rerun never records a job twice whatever the engine remembers. */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/arm.h"
#include "cli/commands.h"
#include "cli/proc.h"
#include "cli/version.h"
#include "learn/eval.h"
#include "learn/exp.h"
#include "notebook/nb_entry.h"
#include "notebook/nb_merge.h"
#include "notebook/notebook.h"
#include "script/lab.h"
#include "util/fileio.h"
#include "util/jsonu.h"
#include "util/strbuf.h"

#define SWEEP_MAX_JOBS 100000
#define SWEEP_MAX_SEEDS 10000
#define SWEEP_MAX_ARMS 8

typedef struct Setting {
    char path[128];
    int n;
    char **values; /* point into the --set argument copy */
    char *copy;
} Setting;

typedef struct Job {
    int k; /* 1-based */
    int arm;
    uint64_t seed;
    int combo; /* index into the setting combinations */
} Job;

/* "1-10", "1,3,5", "1-3,7": seeds in the order given, no duplicates. */
static int parse_seeds(const char *s, uint64_t **out, int *n, Err *e) {
    uint64_t *v = NULL;
    int cnt = 0, cap = 0;
    const char *p = s;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char part[64];
        if (len == 0 || len >= sizeof part) goto bad;
        memcpy(part, p, len);
        part[len] = 0;
        uint64_t a, b;
        char *dash = strchr(part, '-');
        if (dash) {
            *dash = 0;
            if (ju_parse_u64(part, &a) || ju_parse_u64(dash + 1, &b) || b < a) goto bad;
        } else {
            if (ju_parse_u64(part, &a)) goto bad;
            b = a;
        }
        for (uint64_t x = a;; x++) {
            for (int i = 0; i < cnt; i++)
                if (v[i] == x) {
                    free(v);
                    return err_set(e, "--seeds %s: seed %llu is given twice", s, (unsigned long long)x);
                }
            if (cnt == SWEEP_MAX_SEEDS) {
                free(v);
                return err_set(e, "--seeds %s: at most %d seeds", s, SWEEP_MAX_SEEDS);
            }
            if (cnt == cap) {
                cap = cap ? 2 * cap : 16;
                uint64_t *g = realloc(v, sizeof *g * (size_t)cap);
                if (!g) {
                    free(v);
                    return err_set(e, "out of memory");
                }
                v = g;
            }
            v[cnt++] = x;
            if (x == b) break;
        }
        p += len + (comma ? 1 : 0);
        if (comma && !*p) goto bad;
    }
    if (!cnt) goto bad;
    *out = v;
    *n = cnt;
    return 0;
bad:
    free(v);
    return err_set(e, "--seeds %s: expected seeds like 1-10 or 1,3,5 (non-negative integers)", s);
}

static int parse_setting(const char *arg, Setting *st, Err *e) {
    memset(st, 0, sizeof *st);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof st->path)
        return err_set(e, "--set %s: expected FIELD=V1,V2,... (e.g. train.steps=500,1000; a list value in braces: "
                          "train.betas={0.9,0.95},{0.9,0.99})", arg);
    snprintf(st->path, sizeof st->path, "%.*s", (int)(eq - arg), arg);
    st->copy = strdup(eq + 1);
    if (!st->copy) return err_set(e, "out of memory");
    int cap = 1;
    for (const char *p = st->copy; *p; p++) cap += *p == ',';
    st->values = calloc((size_t)cap, sizeof *st->values);
    if (!st->values) return err_set(e, "out of memory");
    for (char *p = st->copy;;) {
        char *comma = p; /* the next comma outside a {list} value (train.betas={0.9,0.95},{0.9,0.99}) */
        for (int depth = 0; *comma && (depth > 0 || *comma != ','); comma++) depth += (*comma == '{') - (*comma == '}');
        if (!*comma) comma = NULL;
        if (comma) *comma = 0;
        if (!*p) return err_set(e, "--set %s: an empty value", arg);
        st->values[st->n++] = p;
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

/* The value of setting s in combination c (mixed radix, the last setting fastest). */
static const char *combo_value(const Setting *s, int ns, int c, int which) {
    for (int i = ns - 1; i > which; i--) c /= s[i].n;
    return s[which].values[c % s[which].n];
}

/* Single-quoted for sh. */
static void sh_quote(SB *b, const char *s) {
    int plain = *s != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+@%", *p)) plain = 0;
    if (plain) {
        sb_puts(b, s);
        return;
    }
    sb_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'') sb_puts(b, "'\\''");
        else sb_putn(b, p, 1);
    }
    sb_puts(b, "'");
}

static int mkdirs(const char *dir, Err *e) {
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s", dir) >= sizeof p) return err_set(e, "%.60s...: the path is too long", dir);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) && errno != EEXIST) return err_set(e, "%s: cannot create the folder: %s", p, strerror(errno));
            *s = c;
            if (!c) break;
        }
    }
    return 0;
}

/* An absolute form of path (which need not exist yet: its folder must). */
static void absolute(const char *path, char *out, size_t n) {
    if (path[0] == '/') {
        if ((size_t)snprintf(out, n, "%s", path) >= n) out[0] = 0;
        return;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
    if ((size_t)snprintf(out, n, "%s/%s", cwd, path) >= n) out[0] = 0;
}

/* 1 when the shard already records job k of the sweep. */
static int job_done(const char *shard, const char *name, int k) {
    struct stat st;
    if (stat(shard, &st) != 0) return 0;
    Notebook *nb;
    Err e;
    int done = 0;
    if (nb_open(shard, &nb, &e) == 0)
        for (int i = 0; i < nb_count(nb) && !done; i++) {
            NbeRun r;
            if (nbe_read_run(nb_entry(nb, i), &r, &e) == 0 && r.sweep && strcmp(r.sweep, name) == 0 && r.job == k)
                done = 1;
        }
    nb_free(nb);
    return done;
}

int cmd_sweep(int argc, char **argv) {
    const char *seeds_arg = NULL, *name = NULL, *dir = "runs", *partition = NULL, *time_limit = NULL;
    int quick = 0, local = 0, slurm = 0, print = 0, jobs_n = 0, cpus = 1, no_merge = 0;
    ArgList sets = {{0}, 0};
    ArgOpt opts[] = {
        {"--seeds", ARG_STRING, &seeds_arg, 0, 0, NULL, "LIST", "training seeds: 1-10, 1,3,5 or 1-3,7 (required)"},
        {"--set", ARG_LIST, &sets, 0, 0, NULL, "FIELD=V1,V2",
         "vary an experiment field over these values (every combination); repeatable"},
        {"--name", ARG_STRING, &name, 0, 0, NULL, "NAME", "the sweep's name and folder runs/NAME (default: the script's name)"},
        {"--dir", ARG_STRING, &dir, 0, 0, NULL, "DIR", "where the sweep's folder goes (default runs)"},
        {"--quick", ARG_FLAG, &quick, 0, 0, NULL, NULL, "small versions of the runs (seconds each; marked quick)"},
        {"--local", ARG_FLAG, &local, 0, 0, NULL, NULL, "run the jobs here through GNU parallel (resumable)"},
        {"-j", ARG_INT, &jobs_n, 1, 4096, NULL, "N", "jobs at a time with --local (default: one per core)"},
        {"--no-merge", ARG_FLAG, &no_merge, 0, 0, NULL, NULL, "with --local: leave the shards unmerged"},
        {"--slurm", ARG_FLAG, &slurm, 0, 0, NULL, NULL, "submit the jobs that are not done as one Slurm job array"},
        {"--partition", ARG_STRING, &partition, 0, 0, NULL, "P", "Slurm partition"},
        {"--time", ARG_STRING, &time_limit, 0, 0, NULL, "T", "Slurm time limit per job (e.g. 30:00)"},
        {"--cpus", ARG_INT, &cpus, 1, 1024, NULL, "C", "Slurm CPUs per job (default 1)"},
        {"--print", ARG_FLAG, &print, 0, 0, NULL, NULL, "print the job list and the sbatch script (for any other engine)"},
    };
    ArgCmd cmd = {"sweep", "dolab sweep EXPERIMENT.lua --seeds LIST [--set FIELD=V1,V2 ...] [--name NAME] [--quick] "
                           "[--local [-j N] | --slurm [...] | --print]",
                  "Expands the script's arms x the --set values x the seeds into one `dolab run` job each, in a\n"
                  "stable order, under runs/NAME/: jobs.txt (job k on line k), sweep.json (every job's resolved\n"
                  "configuration), sbatch.sh.  Each job writes its own notebook shard and checkpoint.  --local runs\n"
                  "them through GNU parallel and merges the shards into runs/NAME/notebook.json; running the same\n"
                  "command again resumes (finished jobs are skipped, killed ones rerun, none recorded twice).\n"
                  "--slurm submits the jobs not yet done as one job array.  docs/sweeps.md has the whole guide.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab sweep experiments/explanations_confound.lua --seeds 1-5 --local\n"
                  "  dolab sweep experiments/heldout_links.lua --seeds 1-10 --set model.layers=2,4 --slurm --time 1:00:00\n"
                  "  dolab sweep experiments/shortcut.lua --seeds 1-3 --quick --print\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    if (!seeds_arg) {
        fprintf(stderr, "dolab sweep: --seeds is required (e.g. --seeds 1-10)\n");
        return 2;
    }
    if (local + slurm + print > 1) {
        fprintf(stderr, "dolab sweep: choose one of --local, --slurm or --print\n");
        return 2;
    }
    if (jobs_n && !local) {
        fprintf(stderr, "dolab sweep: -j goes with --local\n");
        return 2;
    }
    if ((partition || time_limit) && !slurm && !print) {
        fprintf(stderr, "dolab sweep: --partition and --time go with --slurm or --print\n");
        return 2;
    }
    const char *script = pos[0];
    uint64_t *seeds = NULL;
    int nseeds = 0, nsettings = sets.n, narms = 0, ncombos = 1, njobs = 0;
    Setting settings[ARG_LIST_MAX];
    memset(settings, 0, sizeof settings);
    Experiment *xs = NULL;
    char arm_names[SWEEP_MAX_ARMS][64];
    cJSON *doc = NULL;
    SB lines = {0}, sbatch = {0};
    Job *jobs = NULL;
    rc = 2;
    if (parse_seeds(seeds_arg, &seeds, &nseeds, &e)) {
        fprintf(stderr, "dolab sweep: %s\n", e.msg);
        goto done;
    }
    for (int i = 0; i < nsettings; i++) {
        if (parse_setting(sets.v[i], &settings[i], &e)) {
            fprintf(stderr, "dolab sweep: %s\n", e.msg);
            goto done;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(settings[j].path, settings[i].path) == 0) {
                fprintf(stderr, "dolab sweep: --set %s is given twice\n", settings[i].path);
                goto done;
            }
        if ((long)ncombos * settings[i].n > SWEEP_MAX_JOBS) {
            fprintf(stderr, "dolab sweep: more than %d setting combinations\n", SWEEP_MAX_JOBS);
            goto done;
        }
        ncombos *= settings[i].n;
    }
    char script_abs[PATH_MAX];
    if (!realpath(script, script_abs)) {
        fprintf(stderr, "dolab sweep: %s: %s\n", script, strerror(errno));
        rc = 1;
        goto done;
    }
    if (!name) {
        const char *base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
        static char def[128];
        snprintf(def, sizeof def, "%.*s%s", (int)(strstr(base, ".lua") ? strstr(base, ".lua") - base : (long)strlen(base)),
                 base, quick ? "-quick" : "");
        name = def;
    }
    for (const char *p = name; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p) || !*name || name[0] == '.') {
            fprintf(stderr, "dolab sweep: --name %s: letters, digits, '_', '-' and '.' only\n", name);
            goto done;
        }
    /* every combination of settings resolved once: arms, and each job's configuration */
    xs = calloc(SWEEP_MAX_ARMS, sizeof *xs);
    doc = cJSON_CreateObject();
    if (!xs || !doc) {
        fprintf(stderr, "dolab sweep: out of memory\n");
        rc = 1;
        goto done;
    }
    if ((long)ncombos * nseeds * SWEEP_MAX_ARMS > SWEEP_MAX_JOBS * 8L) {
        fprintf(stderr, "dolab sweep: too many jobs (at most %d)\n", SWEEP_MAX_JOBS);
        goto done;
    }
    char root[PATH_MAX], tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/%s", dir, name);
    absolute(tmp, root, sizeof root);
    if (!root[0] || strlen(root) > PATH_MAX - 64) {
        fprintf(stderr, "dolab sweep: %s/%s: the path is too long\n", dir, name);
        goto done;
    }
    cJSON_AddStringToObject(doc, "format", "dolab-sweep");
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON_AddStringToObject(doc, "name", name);
    cJSON_AddStringToObject(doc, "script", script_abs);
    cJSON_AddBoolToObject(doc, "quick", quick);
    cJSON *js = cJSON_AddArrayToObject(doc, "seeds");
    for (int i = 0; i < nseeds; i++) cJSON_AddItemToArray(js, ju_u64(seeds[i]));
    cJSON *jset = cJSON_AddObjectToObject(doc, "set");
    for (int i = 0; i < nsettings; i++) {
        cJSON *a = cJSON_AddArrayToObject(jset, settings[i].path);
        for (int k = 0; k < settings[i].n; k++) cJSON_AddItemToArray(a, cJSON_CreateString(settings[i].values[k]));
    }
    cJSON *jarms = cJSON_AddArrayToObject(doc, "arms");
    cJSON *jjobs = cJSON_AddArrayToObject(doc, "jobs");
    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) snprintf(self, sizeof self, "dolab");
    else self[sl] = 0;
    jobs = calloc((size_t)SWEEP_MAX_JOBS, sizeof *jobs);
    if (!jobs) {
        fprintf(stderr, "dolab sweep: out of memory\n");
        rc = 1;
        goto done;
    }
    cJSON **configs = calloc((size_t)ncombos * SWEEP_MAX_ARMS, sizeof *configs);
    if (!configs) {
        fprintf(stderr, "dolab sweep: out of memory\n");
        rc = 1;
        goto done;
    }
    int failed = 0;
    for (int c = 0; c < ncombos && !failed; c++) {
        LabLimits lim = lab_limits_default();
        Lab *lab = lab_new(&lim, NULL, NULL, &e);
        if (!lab) {
            fprintf(stderr, "dolab sweep: %s\n", e.msg);
            failed = 1;
            break;
        }
        lab_set_quick(lab, quick);
        char assign[ARG_LIST_MAX][400];
        ArgList given = {.n = 0}; /* this combination's settings, as dolab run gets them */
        for (int i = 0; i < nsettings && !failed; i++) {
            int w = snprintf(assign[i], sizeof assign[i], "%s=%s", settings[i].path, combo_value(settings, nsettings, c, i));
            if (w < 0 || (size_t)w >= sizeof assign[i]) {
                fprintf(stderr, "dolab sweep: --set %s: the value is too long\n", settings[i].path);
                failed = 1;
            } else if (lab_set_field(lab, assign[i], &e)) {
                fprintf(stderr, "dolab sweep: %s\n", e.msg);
                failed = 1;
            } else {
                given.v[given.n++] = assign[i];
            }
        }
        int n = 0;
        if (!failed && lab_load_experiments(lab, script, xs, SWEEP_MAX_ARMS, &n, &e)) {
            script_load_error("sweep", &given, e.msg);
            if (nsettings) {
                fprintf(stderr, "  (with");
                for (int i = 0; i < nsettings; i++) fprintf(stderr, " %s", assign[i]);
                fprintf(stderr, ")\n");
            }
            failed = 1;
        }
        for (int a = 0; a < n && !failed; a++) {
            if (exp_check(&xs[a], &e) || eval_probe(&xs[a], &e)) {
                fprintf(stderr, "dolab sweep: %s: %s\n", xs[a].name, e.msg);
                failed = 1;
                break;
            }
            if (c == 0) {
                snprintf(arm_names[a], sizeof arm_names[a], "%s", xs[a].name);
                for (int b = 0; b < a; b++)
                    if (strcmp(arm_names[b], arm_names[a]) == 0) {
                        fprintf(stderr, "dolab sweep: %s: two arms are called %s\n", script, arm_names[a]);
                        failed = 1;
                    }
            } else if (n != narms || strcmp(arm_names[a], xs[a].name) != 0) {
                fprintf(stderr, "dolab sweep: %s: the arms change with the settings\n", script);
                failed = 1;
            }
            configs[c * SWEEP_MAX_ARMS + a] = exp_to_json(&xs[a]);
        }
        if (c == 0) narms = n;
        lab_free(lab);
    }
    if (failed) {
        for (int i = 0; i < ncombos * SWEEP_MAX_ARMS; i++) cJSON_Delete(configs[i]);
        free(configs);
        rc = 1;
        goto done;
    }
    for (int a = 0; a < narms; a++) cJSON_AddItemToArray(jarms, cJSON_CreateString(arm_names[a]));
    if ((long)narms * ncombos * nseeds > SWEEP_MAX_JOBS) {
        fprintf(stderr, "dolab sweep: %d jobs: at most %d\n", narms * ncombos * nseeds, SWEEP_MAX_JOBS);
        for (int i = 0; i < ncombos * SWEEP_MAX_ARMS; i++) cJSON_Delete(configs[i]);
        free(configs);
        goto done;
    }
    /* the jobs: arm, then settings, then seed */
    for (int a = 0; a < narms; a++)
        for (int c = 0; c < ncombos; c++)
            for (int s = 0; s < nseeds; s++) {
                Job *j = &jobs[njobs];
                *j = (Job){njobs + 1, a, seeds[s], c};
                njobs++;
                char shard[PATH_MAX + 64], ckpt[PATH_MAX + 64];
                snprintf(shard, sizeof shard, "%s/shards/job-%04d.json", root, j->k);
                snprintf(ckpt, sizeof ckpt, "%s/ckpt/job-%04d.ckpt", root, j->k);
                sh_quote(&lines, self);
                sb_puts(&lines, " run ");
                sh_quote(&lines, script_abs);
                sb_printf(&lines, " --quiet --seed %llu --arm ", (unsigned long long)j->seed);
                sh_quote(&lines, arm_names[a]);
                if (quick) sb_puts(&lines, " --quick");
                cJSON *jo = cJSON_CreateObject();
                cJSON_AddNumberToObject(jo, "job", j->k);
                cJSON_AddStringToObject(jo, "arm", arm_names[a]);
                cJSON_AddItemToObject(jo, "seed", ju_u64(j->seed));
                cJSON *jos = cJSON_AddObjectToObject(jo, "set");
                for (int i = 0; i < nsettings; i++) {
                    char assign[400];
                    const char *v = combo_value(settings, nsettings, c, i);
                    if ((size_t)snprintf(assign, sizeof assign, "%s=%s", settings[i].path, v) >= sizeof assign) assign[0] = 0;
                    sb_puts(&lines, " --set ");
                    sh_quote(&lines, assign);
                    cJSON_AddStringToObject(jos, settings[i].path, v);
                }
                sb_puts(&lines, " --notebook ");
                sh_quote(&lines, shard);
                sb_puts(&lines, " -o ");
                sh_quote(&lines, ckpt);
                sb_puts(&lines, " --sweep ");
                sh_quote(&lines, name);
                sb_printf(&lines, " --job %d\n", j->k);
                cJSON_AddStringToObject(jo, "shard", shard);
                cJSON_AddStringToObject(jo, "checkpoint", ckpt);
                cJSON *cfg = cJSON_Duplicate(configs[c * SWEEP_MAX_ARMS + a], 1);
                cJSON *tr = cJSON_GetObjectItemCaseSensitive(cfg, "train");
                if (tr) cJSON_ReplaceItemInObjectCaseSensitive(tr, "seed", ju_u64(j->seed));
                cJSON_AddItemToObject(jo, "config", cfg);
                cJSON_AddItemToArray(jjobs, jo);
            }
    for (int i = 0; i < ncombos * SWEEP_MAX_ARMS; i++) cJSON_Delete(configs[i]);
    free(configs);
    /* the sbatch script: task i runs line i */
    sb_printf(&sbatch, "#!/bin/sh\n# dolab sweep %s: one Slurm array task per line of jobs.txt\n", name);
    sb_printf(&sbatch, "#SBATCH --job-name=dolab-%s\n#SBATCH --array=1-%d\n#SBATCH --cpus-per-task=%d\n", name, njobs, cpus);
    sb_printf(&sbatch, "#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n", root);
    if (partition) sb_printf(&sbatch, "#SBATCH --partition=%s\n", partition);
    if (time_limit) sb_printf(&sbatch, "#SBATCH --time=%s\n", time_limit);
    sb_printf(&sbatch, "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" '%s/jobs.txt')\n", root);
    sb_puts(&sbatch, "[ -n \"$line\" ] || { echo \"no job $SLURM_ARRAY_TASK_ID\" >&2; exit 1; }\nexec sh -c \"$line\"\n");
    if (lines.oom || sbatch.oom) {
        fprintf(stderr, "dolab sweep: out of memory\n");
        rc = 1;
        goto done;
    }
    /* the folder: a new sweep, or the same sweep again (resume) */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/jobs.txt", root);
    {
        size_t len;
        Err re;
        char *old = fio_read(path, &len, (size_t)1 << 30, &re);
        if (old && strcmp(old, sb_str(&lines)) != 0) {
            fprintf(stderr,
                    "dolab sweep: %s holds a different sweep (other jobs): choose another --name, or remove the folder\n",
                    root);
            free(old);
            rc = 1;
            goto done;
        }
        free(old);
    }
    char sub[PATH_MAX + 64];
    const char *subs[] = {"", "/shards", "/ckpt", "/logs"};
    for (int i = 0; i < 4; i++) {
        snprintf(sub, sizeof sub, "%s%s", root, subs[i]);
        if (mkdirs(sub, &e)) {
            fprintf(stderr, "dolab sweep: %s\n", e.msg);
            rc = 1;
            goto done;
        }
    }
    char *json = cJSON_Print(doc);
    if (!json) {
        fprintf(stderr, "dolab sweep: out of memory\n");
        rc = 1;
        goto done;
    }
    snprintf(sub, sizeof sub, "%s/sweep.json", root);
    int werr = fio_write_all_atomic(sub, json, strlen(json), &e);
    free(json);
    snprintf(sub, sizeof sub, "%s/sbatch.sh", root);
    if (!werr) werr = fio_write_all_atomic(path, sb_str(&lines), lines.len, &e);
    if (!werr) werr = fio_write_all_atomic(sub, sb_str(&sbatch), sbatch.len, &e);
    if (werr) {
        fprintf(stderr, "dolab sweep: %s\n", e.msg);
        rc = 1;
        goto done;
    }
    int ndone = 0;
    int *pending = calloc((size_t)njobs, sizeof *pending);
    int npending = 0;
    if (!pending) {
        fprintf(stderr, "dolab sweep: out of memory\n");
        rc = 1;
        goto done;
    }
    for (int k = 1; k <= njobs; k++) {
        char shard[PATH_MAX + 64];
        snprintf(shard, sizeof shard, "%s/shards/job-%04d.json", root, k);
        if (job_done(shard, name, k)) ndone++;
        else pending[npending++] = k;
    }
    if (print) {
        printf("# %s/jobs.txt: %d jobs (%d arm%s x %d setting%s x %d seed%s), %d done\n%s\n# %s\n%s", root, njobs, narms,
               narms == 1 ? "" : "s", ncombos, ncombos == 1 ? "" : "s", nseeds, nseeds == 1 ? "" : "s", ndone,
               sb_str(&lines), sub, sb_str(&sbatch));
        rc = 0;
    } else if (!local && !slurm) {
        printf("sweep %s: %d jobs (%d arm%s x %d setting%s x %d seed%s), %d done, in %s\n"
               "run them with the same command and --local [-j N] (GNU parallel), or --slurm; --print shows them\n",
               name, njobs, narms, narms == 1 ? "" : "s", ncombos, ncombos == 1 ? "" : "s", nseeds, nseeds == 1 ? "" : "s",
               ndone, root);
        rc = 0;
    } else if (local) {
        if (!proc_on_path("parallel")) {
            fprintf(stderr, "dolab sweep: --local needs GNU parallel (Debian's package parallel: make deps installs it)\n");
            rc = 1;
        } else {
            char jarg[32], joblog[PATH_MAX + 64];
            snprintf(jarg, sizeof jarg, "%d", jobs_n ? jobs_n : (int)sysconf(_SC_NPROCESSORS_ONLN));
            snprintf(joblog, sizeof joblog, "%s/joblog", root);
            char *pargv[] = {"parallel", "--will-cite", "--joblog", joblog, "--resume-failed", "-j", jarg,
                             "--halt", "never", "--line-buffer", "--tagstring", "job {#}:", "--arg-file", path, NULL};
            printf("sweep %s: %d jobs, %d done; running the rest with GNU parallel -j %s (log %s)\n", name, njobs, ndone,
                   jarg, joblog);
            int prc = proc_run(pargv, NULL);
            int now = 0;
            for (int k = 1; k <= njobs; k++) {
                char shard[PATH_MAX + 64];
                snprintf(shard, sizeof shard, "%s/shards/job-%04d.json", root, k);
                now += job_done(shard, name, k);
            }
            printf("sweep %s: %d of %d jobs done%s\n", name, now, njobs,
                   now < njobs ? "; run the same command again to resume" : "");
            rc = now == njobs && prc == 0 ? 0 : 1;
            if (now == njobs && !no_merge) {
                Notebook *out = NULL, **sh = calloc((size_t)njobs, sizeof *sh);
                char nbpath[PATH_MAX + 64];
                snprintf(nbpath, sizeof nbpath, "%s/notebook.json", root);
                int ok = sh != NULL;
                for (int k = 1; ok && k <= njobs; k++) {
                    char shard[PATH_MAX + 64];
                    snprintf(shard, sizeof shard, "%s/shards/job-%04d.json", root, k);
                    if (nb_open(shard, &sh[k - 1], &e)) ok = 0;
                }
                NbMergeStats st;
                if (ok && nb_open(nbpath, &out, &e)) ok = 0;
                if (ok && nb_merge(out, sh, njobs, &st, &e)) ok = 0;
                if (ok)
                    printf("merged into %s (%d added, %d already there); dolab report %s\n", nbpath, st.added, st.skipped,
                           nbpath);
                else {
                    fprintf(stderr, "dolab sweep: merging the shards: %s\n", e.msg);
                    rc = 1;
                }
                for (int k = 0; sh && k < njobs; k++) nb_free(sh[k]);
                free(sh);
                nb_free(out);
            }
        }
    } else { /* slurm */
        if (!npending) {
            printf("sweep %s: all %d jobs are done; dolab notebook merge %s/notebook.json %s/shards/*.json\n", name, njobs,
                   root, root);
            rc = 0;
        } else if (!proc_on_path("sbatch")) {
            fprintf(stderr, "dolab sweep: --slurm needs sbatch (Slurm) on PATH\n");
            rc = 1;
        } else {
            SB arr = {0};
            sb_puts(&arr, "--array=");
            for (int i = 0; i < npending; i++) { /* ranges: 1-4,7,9-12 */
                int a = pending[i];
                while (i + 1 < npending && pending[i + 1] == pending[i] + 1) i++;
                sb_printf(&arr, "%s%d", arr.len > 8 ? "," : "", a);
                if (pending[i] != a) sb_printf(&arr, "-%d", pending[i]);
            }
            char idfile[PATH_MAX + 64];
            snprintf(idfile, sizeof idfile, "%s/logs/sbatch.out", root);
            char *sargv[] = {"sbatch", "--parsable", (char *)sb_str(&arr), sub, NULL};
            int src = proc_run(sargv, idfile);
            size_t len;
            char *id = fio_read(idfile, &len, 4096, &e);
            if (id) id[strcspn(id, ";\n")] = 0;
            if (src != 0 || !id || !*id) {
                fprintf(stderr, "dolab sweep: sbatch failed (exit %d)\n", src);
                rc = 1;
            } else {
                printf("submitted Slurm job array %s: %d of %d jobs (%s)\n"
                       "follow it:  squeue -j %s     logs: %s/logs/slurm-%s_*.out\n"
                       "when done:  dolab notebook merge %s/notebook.json %s/shards/*.json\n",
                       id, npending, njobs, sb_str(&arr) + 8, id, root, id, root, root);
                rc = 0;
            }
            free(id);
            sb_free(&arr);
        }
    }
    free(pending);
done:
    for (int i = 0; i < nsettings; i++) {
        free(settings[i].copy);
        free(settings[i].values);
    }
    free(seeds);
    free(xs);
    free(jobs);
    cJSON_Delete(doc);
    sb_free(&lines);
    sb_free(&sbatch);
    return rc;
}
