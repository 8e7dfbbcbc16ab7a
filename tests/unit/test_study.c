/* Unit tests of the study layer's notebook parts: the entry reader (notebook/nb_entry) and
 * merging shards (notebook/nb_merge). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notebook/nb_entry.h"
#include "notebook/nb_merge.h"
#include "notebook/notebook.h"
#include "test.h"

static char dir[64];

static const char *in_dir(const char *name) {
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static cJSON *run_entry(const char *uid, const char *sweep, int job, double seed, double mean) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"type\":\"run\",\"title\":\"t\",\"uid\":\"%s\",\"seed\":%.17g,\"checkpoint\":\"runs/x-seed1-quick.ckpt\","
             "\"config\":{\"name\":\"arm_a\"},\"sweep\":{\"name\":\"%s\",\"job\":%d,\"set\":{\"train.steps\":20}},"
             "\"training\":{\"curve\":[[1,4.5,null],[20,1.5,0.25],[40,1.25,0.5]]},"
             "\"eval\":{\"sets\":[{\"name\":\"heldout\",\"episodes\":60,\"strategies\":[{\"name\":\"model\","
             "\"mean_normalised_reward\":%.17g,\"ci95\":[0.1,0.9],\"sd\":0.25},{\"name\":\"oracle\","
             "\"mean_normalised_reward\":1}]}]}}",
             uid, seed, sweep, job, mean);
    return cJSON_Parse(text);
}

TEST(test_entry_reader) {
    cJSON *x = run_entry("00000000000000aa", "s", 3, 7, 0.5);
    NbeRun r;
    Err e;
    CHECK(nbe_read_run(x, &r, &e) == 0, "read: %s", e.msg);
    CHECK(r.has_seed && r.seed == 7, "seed %llu", (unsigned long long)r.seed);
    CHECK(!strcmp(r.experiment, "arm_a") && !strcmp(r.uid, "00000000000000aa"), "experiment and uid");
    CHECK(r.sweep && !strcmp(r.sweep, "s") && r.job == 3, "sweep provenance");
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(r.settings, "train.steps")), "sweep settings");
    CHECK(r.quick == 1, "an entry without \"quick\" and a -quick checkpoint is quick");
    CHECK(r.n_sets == 1 && r.sets[0].episodes == 60 && r.sets[0].n_rows == 2, "sets and rows");
    CHECK(r.sets[0].rows[0].mean == 0.5 && r.sets[0].rows[0].lo == 0.1 && r.sets[0].rows[0].sd == 0.25, "model row");
    CHECK(isnan(r.sets[0].rows[1].lo) && isnan(r.sets[0].rows[1].sd), "absent fields are NAN");
    double st[8], v[8];
    CHECK(nbe_curve(r.curve, 1, st, v, 8) == 3 && st[1] == 20 && v[2] == 1.25, "loss column");
    CHECK(nbe_curve(r.curve, 2, st, v, 8) == 2 && st[0] == 20 && v[1] == 0.5, "dev reward column, nulls skipped");
    cJSON *odd = cJSON_Parse("[[1,\"x\",0.5],[2,3],[3],7,[4,2.5,null]]");
    CHECK(nbe_curve(odd, 1, st, v, 8) == 2 && st[0] == 2 && v[1] == 2.5, "points without a number are skipped");
    CHECK(nbe_curve(odd, 1, st, v, 1) == 1, "at most max points");
    cJSON_Delete(odd);
    cJSON_AddItemToObject(x, "quick", cJSON_CreateFalse());
    CHECK(nbe_quick(x) == 0, "\"quick\": false wins over the checkpoint name");
    cJSON_ReplaceItemInObject(x, "seed", cJSON_CreateNumber(-1));
    CHECK(nbe_read_run(x, &r, &e) == -1 && strstr(e.msg, "seed"), "a negative seed is refused: %s", e.msg);
    cJSON_Delete(x);
    cJSON *note = cJSON_Parse("{\"type\":\"note\",\"id\":4,\"text\":\"n\"}");
    CHECK(nbe_read_run(note, &r, &e) == -1 && strstr(e.msg, "entry 4: a note, not a run"), "%s", e.msg);
    CHECK(nbe_id(note) == 4 && !strcmp(nbe_title(note), "(untitled)"), "id and title of a note");
    cJSON_Delete(note);
}

static Notebook *shard(const char *name, cJSON *a, cJSON *b) {
    Notebook *nb;
    Err e;
    unlink(in_dir(name));
    if (nb_open(in_dir(name), &nb, &e)) return nb;
    if (a) CHECK(nb_add(nb, a, &e) == 0, "shard %s: %s", name, e.msg);
    if (b) CHECK(nb_add(nb, b, &e) == 0, "shard %s: %s", name, e.msg);
    return nb;
}

TEST(test_merge) {
    Notebook *s1 = shard("s1.json", run_entry("00000000000000a1", "s", 1, 1, 0.25), run_entry("00000000000000a2", "s", 2, 2, 0.5));
    Notebook *s2 = shard("s2.json", run_entry("00000000000000a2", "s", 2, 2, 0.5), NULL); /* the same run again */
    Notebook *out;
    Err e;
    unlink(in_dir("out.json"));
    CHECK(nb_open(in_dir("out.json"), &out, &e) == 0, "open out");
    Notebook *both[2] = {s1, s2};
    NbMergeStats st;
    CHECK(nb_merge(out, both, 2, &st, &e) == 0, "merge: %s", e.msg);
    CHECK(st.added == 2 && st.skipped == 1 && nb_count(out) == 2, "added %d, skipped %d", st.added, st.skipped);
    CHECK(nb_merge(out, both, 2, &st, &e) == 0 && st.added == 0 && st.skipped == 3, "twice: added %d", st.added);
    const cJSON *m = nb_entry(out, 1);
    CHECK(!strcmp(nbe_str(m, "uid"), "00000000000000a2") && nbe_num(m, "origin.id") == 2 &&
              strstr(nbe_str(m, "origin.file"), "s1.json"),
          "origin kept");
    /* conflicts: the same uid with other content; the same job under another uid */
    Notebook *bad1 = shard("b1.json", run_entry("00000000000000a1", "s", 1, 1, 0.75), NULL);
    Notebook *bad2 = shard("b2.json", run_entry("00000000000000ff", "s", 1, 1, 0.25), NULL);
    CHECK(nb_merge(out, &bad1, 1, &st, &e) == -1 && strstr(e.msg, "conflicting duplicate: run 00000000000000a1"),
          "%s", e.msg);
    CHECK(nb_merge(out, &bad2, 1, &st, &e) == -1 && strstr(e.msg, "job 1 of sweep s"), "%s", e.msg);
    Notebook *ok_then_bad[2] = {shard("s3.json", run_entry("00000000000000a3", "s", 3, 3, 0.5), NULL), bad1};
    CHECK(nb_merge(out, ok_then_bad, 2, &st, &e) == -1 && nb_count(out) == 2, "a conflict adds nothing, even before it");
    nb_free(ok_then_bad[0]);
    nb_free(bad1);
    nb_free(bad2);
    nb_free(s1);
    nb_free(s2);
    nb_free(out);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/dolab-study-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_entry_reader);
    RUN(test_merge);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return TEST_SUMMARY();
}
