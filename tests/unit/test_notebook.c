/* Tests of src/notebook: new and reopened notebooks, ids and times, refusal to touch files
 * that do not parse, version checks, a crash in the middle of a save, unicode and quotes. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notebook/notebook.h"
#include "util/fileio.h"
#include "test.h"

static char dir[64];

static const char *in_dir(const char *name) {
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static char *slurp(const char *path, size_t *len) {
    Err e;
    return fio_read(path, len, 0, &e);
}

static void write_text(const char *path, const char *text) {
    Err e;
    fio_write_all_atomic(path, text, strlen(text), &e);
}

static cJSON *note(const char *text) {
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "type", "note");
    cJSON_AddStringToObject(x, "text", text);
    return x;
}

/* A run entry of the shape the run command hands over (config and eval abbreviated). */
static cJSON *run(const char *title, double mean) {
    char js[1024];
    snprintf(js, sizeof js,
             "{\"type\":\"run\",\"title\":\"%s\",\"seed\":7,\"config\":{\"name\":\"heldout_links\",\"train\":"
             "{\"steps\":100}},\"training\":{\"steps\":100,\"seconds\":1.5,\"tokens_per_s\":1000,\"curve\":"
             "[[0,3.2,null],[50,2.0,0.4],[100,1.1,0.7]]},\"checkpoint\":\"m.ckpt\",\"eval\":{\"seed\":1000,\"sets\":"
             "[{\"name\":\"heldout\",\"episodes\":50,\"strategies\":[{\"name\":\"model\",\"mean_normalised_reward\":%g,"
             "\"ci95\":[0.1,0.9],\"oracle_action_share\":0.5,\"explored_once_share\":1}]}]}}",
             title, mean);
    return cJSON_Parse(js);
}

static long id_of(const cJSON *x) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "id");
    return cJSON_IsNumber(id) ? (long)id->valuedouble : -1;
}

static const char *str_of(const cJSON *x, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

TEST(test_missing_is_empty) {
    Notebook *nb;
    Err e;
    const char *p = in_dir("none.json");
    CHECK(nb_open(p, &nb, &e) == 0, "missing file opens: %s", e.msg);
    CHECK(nb && nb_count(nb) == 0 && nb_is_new(nb), "missing file is a new empty notebook");
    CHECK(nb_entry(nb, 0) == NULL && nb_find(nb, 1) == NULL, "no entries");
    struct stat st;
    CHECK(stat(p, &st) != 0, "opening writes nothing");
    nb_free(nb);
}

TEST(test_add_and_reopen) {
    const char *p = in_dir("nb.json");
    Notebook *nb;
    Err e;
    CHECK(nb_open(p, &nb, &e) == 0, "open: %s", e.msg);
    CHECK(nb_add(nb, note("first"), &e) == 0, "add note: %s", e.msg);
    CHECK(nb_add(nb, run("tiny", 0.5), &e) == 0, "add run: %s", e.msg);
    CHECK(nb_add(nb, note("third"), &e) == 0, "add note: %s", e.msg);
    CHECK(nb_count(nb) == 3 && !nb_is_new(nb), "three entries");
    for (int i = 0; i < 3; i++) CHECK(id_of(nb_entry(nb, i)) == i + 1, "ids increment from 1: entry %d", i);
    const char *t = str_of(nb_entry(nb, 0), "time");
    CHECK(strlen(t) == 20 && t[4] == '-' && t[10] == 'T' && t[19] == 'Z', "ISO-8601 UTC time, got '%s'", t);
    CHECK(!strcmp(str_of(nb_entry(nb, 0), "type"), "note") && nb_entry(nb, 0)->child &&
              !strcmp(nb_entry(nb, 0)->child->string, "type"),
          "type comes first in an entry");
    nb_free(nb);

    /* the file is a plain JSON document of the documented shape */
    size_t len;
    char *text = slurp(p, &len);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    CHECK(doc != NULL, "the saved file parses");
    CHECK(!strcmp(str_of(doc, "format"), "dolab-notebook"), "format name");
    CHECK(cJSON_GetObjectItemCaseSensitive(doc, "version") &&
              cJSON_GetObjectItemCaseSensitive(doc, "version")->valuedouble == 1,
          "version 1");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "entries")) == 3, "three entries on disk");
    cJSON_Delete(doc);
    free(text);

    /* reopened: the same entries, and the next id continues */
    CHECK(nb_open(p, &nb, &e) == 0, "reopen: %s", e.msg);
    CHECK(nb_count(nb) == 3, "reopened sees 3 entries, got %d", nb_count(nb));
    const cJSON *r = nb_find(nb, 2);
    CHECK(r && !strcmp(str_of(r, "type"), "run") && !strcmp(str_of(r, "title"), "tiny"), "find the run by id");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r, "eval");
    CHECK(ev && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ev, "sets")) == 1, "run keeps its eval");
    CHECK(nb_add(nb, note("fourth"), &e) == 0 && id_of(nb_entry(nb, 3)) == 4, "next id is 4");
    nb_free(nb);
}

TEST(test_given_ids_and_bad_entries) {
    const char *p = in_dir("ids.json");
    Notebook *nb;
    Err e;
    nb_open(p, &nb, &e);
    cJSON *x = note("numbered");
    cJSON_AddNumberToObject(x, "id", 10);
    cJSON_AddStringToObject(x, "time", "2026-01-01T00:00:00Z");
    CHECK(nb_add(nb, x, &e) == 0, "a given id is kept: %s", e.msg);
    CHECK(id_of(nb_entry(nb, 0)) == 10 && !strcmp(str_of(nb_entry(nb, 0), "time"), "2026-01-01T00:00:00Z"),
          "given id and time kept");
    CHECK(nb_add(nb, note("next"), &e) == 0 && id_of(nb_entry(nb, 1)) == 11, "next id follows the largest");
    x = note("dup");
    cJSON_AddNumberToObject(x, "id", 10);
    CHECK(nb_add(nb, x, &e) == -1 && strstr(e.msg, "already used"), "duplicate id refused: %s", e.msg);
    x = note("bad id");
    cJSON_AddNumberToObject(x, "id", 2.5);
    CHECK(nb_add(nb, x, &e) == -1 && strstr(e.msg, "positive integer"), "fractional id refused: %s", e.msg);
    x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "type", "dream");
    CHECK(nb_add(nb, x, &e) == -1 && strstr(e.msg, "unknown entry type 'dream'"), "unknown type refused: %s", e.msg);
    CHECK(nb_add(nb, cJSON_CreateObject(), &e) == -1 && strstr(e.msg, "\"type\""), "entry without type refused");
    CHECK(nb_add(nb, cJSON_CreateString("note"), &e) == -1, "a non-object refused");
    CHECK(nb_add(nb, note(""), &e) == -1 && strstr(e.msg, "text"), "empty note refused: %s", e.msg);
    x = run("t", 0.5);
    cJSON_ReplaceItemInObject(x, "eval", cJSON_CreateString("good"));
    CHECK(nb_add(nb, x, &e) == -1 && strstr(e.msg, "run entry: eval: expected an object, got a string"), "mistyped run field: %s", e.msg);
    CHECK(nb_add(nb, note("bad \xC3\x28 utf-8"), &e) == -1 && strstr(e.msg, "UTF-8"), "invalid UTF-8 refused: %s",
          e.msg);
    x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "type", "session");
    cJSON *evs = cJSON_AddArrayToObject(x, "events");
    cJSON_AddItemToArray(evs, cJSON_CreateString("do A=+5"));
    CHECK(nb_add(nb, x, &e) == 0, "a session is stored: %s", e.msg);
    CHECK(nb_count(nb) == 3, "refused entries left nothing behind: %d", nb_count(nb));
    nb_free(nb);
    CHECK(nb_open(p, &nb, &e) == 0 && nb_count(nb) == 3, "and nothing on disk either");
    nb_free(nb);
}

TEST(test_corrupt_file_untouched) {
    const char *p = in_dir("corrupt.json");
    const char *text = "{\"format\":\"dolab-notebook\",\"version\":1,\"entries\":[\n"
                       "{\"type\":\"note\",\"id\":1,\"text\":\"ok\"},\n"
                       "{\"type\":\"note\" \"id\":2}\n]}\n";
    write_text(p, text);
    Notebook *nb = NULL;
    Err e;
    CHECK(nb_open(p, &nb, &e) == -1, "a corrupt file is an error");
    char want[300];
    snprintf(want, sizeof want, "%s:3:16:", p);
    CHECK(strstr(e.msg, want) != NULL, "message names path:line:col '%s': %s", want, e.msg);
    CHECK(nb != NULL && nb_count(nb) == 0, "a handle that holds nothing");
    Err e2;
    CHECK(nb_add(nb, note("must not land"), &e2) == -1 && strstr(e2.msg, "not written"), "nb_add refuses: %s",
          e2.msg);
    CHECK(nb_save(nb, &e2) == -1, "nb_save refuses");
    nb_free(nb);
    size_t len;
    char *now = slurp(p, &len);
    CHECK(now && len == strlen(text) && memcmp(now, text, len) == 0, "the file is byte-identical");
    free(now);

    /* line:col counts characters, not bytes: the same mistake after "uni" and after "ünï" */
    write_text(p, "{\"format\":\"dolab-notebook\",\"version\":1,\"entries\":[\n{\"text\":\"uni\",]}");
    nb_open(p, &nb, &e);
    nb_free(nb);
    write_text(p, "{\"format\":\"dolab-notebook\",\"version\":1,\"entries\":[\n{\"text\":\"ünï\",]}");
    nb_open(p, &nb, &e2);
    nb_free(nb);
    CHECK(strstr(e.msg, ":2:") && !strcmp(strstr(e.msg, ":2:"), strstr(e2.msg, ":2:")),
          "same line:col after unicode: '%s' vs '%s'", e.msg, e2.msg);

    write_text(p, "   \n");
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "empty"), "an empty file is refused: %s", e.msg);
    CHECK(nb_add(nb, note("x"), &e2) == -1, "and not overwritten");
    nb_free(nb);

    write_text(p, "{\"format\":\"dolab-notebook\",\"version\":1,\"entries\":[{\"type\":\"note\",\"id\":1,\"text\":\"a\"},"
                  "{\"type\":\"note\",\"id\":1,\"text\":\"b\"}]}");
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "two entries have id 1"), "duplicate ids on disk: %s", e.msg);
    nb_free(nb);
    write_text(p, "{\"format\":\"dolab-notebook\",\"version\":1,\"entries\":[{\"id\":1}]}");
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "entry 1 has no \"type\""), "untyped entry on disk: %s", e.msg);
    nb_free(nb);
}

TEST(test_wrong_format_or_version) {
    const char *p = in_dir("v.json");
    Notebook *nb;
    Err e;
    const char *v2 = "{\"format\":\"dolab-notebook\",\"version\":2,\"entries\":[]}";
    write_text(p, v2);
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "version 2") && strstr(e.msg, p), "version 2 refused: %s", e.msg);
    CHECK(nb_add(nb, note("x"), &e) == -1, "and not overwritten");
    nb_free(nb);
    size_t len;
    char *now = slurp(p, &len);
    CHECK(now && !strcmp(now, v2), "version-2 file unchanged");
    free(now);
    write_text(p, "{\"format\":\"dolab-checkpoint\",\"version\":1,\"entries\":[]}");
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "not a dolab notebook"), "other format refused: %s", e.msg);
    nb_free(nb);
    write_text(p, "{\"format\":\"dolab-notebook\",\"entries\":[]}");
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "version"), "missing version refused: %s", e.msg);
    nb_free(nb);
    write_text(p, "{\"format\":\"dolab-notebook\",\"version\":1}");
    CHECK(nb_open(p, &nb, &e) == -1 && strstr(e.msg, "entries"), "missing entries refused: %s", e.msg);
    nb_free(nb);
}

TEST(test_crash_mid_save) {
    const char *p = in_dir("crash.json");
    Notebook *nb;
    Err e;
    nb_open(p, &nb, &e);
    nb_add(nb, note("before the crash"), &e);
    nb_add(nb, run("kept", 0.25), &e);
    nb_free(nb);
    size_t len0;
    char *before = slurp(p, &len0);
    const char *cuts[] = {"0", "1", "40", "100000"};
    for (int k = 0; k < 4; k++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            setenv(NB_TEST_CRASH_ENV, cuts[k], 1);
            Notebook *c;
            Err ce;
            if (nb_open(p, &c, &ce)) _exit(1);
            nb_add(c, note("lost in the crash"), &ce);
            _exit(0); /* the hook should have exited with 99 */
        }
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 99, "child crashed in the save (cut %s): status %d", cuts[k], st);
        char tmp[300];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", p, (long)pid);
        struct stat ts;
        CHECK(stat(tmp, &ts) == 0, "the crash left its partial temp file (cut %s)", cuts[k]);
        unlink(tmp);
        size_t len;
        char *after = slurp(p, &len);
        CHECK(after && len == len0 && memcmp(after, before, len) == 0, "notebook byte-identical after a crash at %s",
              cuts[k]);
        free(after);
    }
    CHECK(nb_open(p, &nb, &e) == 0 && nb_count(nb) == 2, "and it still opens with its 2 entries");
    nb_free(nb);
    free(before);
}

TEST(test_unicode_and_quotes) {
    const char *p = in_dir("uni.json");
    const char *texts[] = {"Ünïcödé ✓ — 因果 🧪", "she said \"A causes E\", then left", "back\\slash\ttab\nnewline",
                           "{\"not\": \"json\"}]}", "\x01\x1f control"};
    Notebook *nb;
    Err e;
    nb_open(p, &nb, &e);
    for (int i = 0; i < 5; i++) CHECK(nb_add(nb, note(texts[i]), &e) == 0, "add text %d: %s", i, e.msg);
    cJSON *r = run("t", 0.5);
    cJSON_ReplaceItemInObject(r, "title", cJSON_CreateString("titel \"mit\" Ümlaut"));
    CHECK(nb_add(nb, r, &e) == 0, "run with quotes in the title");
    nb_free(nb);
    CHECK(nb_open(p, &nb, &e) == 0, "reopen: %s", e.msg);
    for (int i = 0; i < 5; i++)
        CHECK(!strcmp(str_of(nb_entry(nb, i), "text"), texts[i]), "text %d survives: '%s'", i,
              str_of(nb_entry(nb, i), "text"));
    CHECK(!strcmp(str_of(nb_entry(nb, 5), "title"), "titel \"mit\" Ümlaut"), "title survives");
    nb_free(nb);
}

TEST(test_other_writer) {
    /* two handles on one file: the second's add lands after the first's, nothing is lost */
    const char *p = in_dir("two.json");
    Notebook *a, *b;
    Err e;
    nb_open(p, &a, &e);
    nb_open(p, &b, &e);
    CHECK(nb_add(a, note("from a"), &e) == 0, "a adds");
    CHECK(nb_add(b, note("from b"), &e) == 0, "b adds: %s", e.msg);
    CHECK(nb_count(b) == 2 && id_of(nb_entry(b, 1)) == 2, "b read a's entry first");
    nb_free(a);
    nb_free(b);
    CHECK(nb_open(p, &a, &e) == 0 && nb_count(a) == 2, "both on disk");
    CHECK(!strcmp(str_of(nb_entry(a, 0), "text"), "from a") && !strcmp(str_of(nb_entry(a, 1), "text"), "from b"),
          "in order");
    nb_free(a);

    /* unknown top-level keys written by another tool are kept */
    write_text(p, "{\"format\":\"dolab-notebook\",\"version\":1,\"owner\":\"lab 3\",\"entries\":[]}");
    nb_open(p, &a, &e);
    CHECK(nb_add(a, note("x"), &e) == 0, "add");
    nb_free(a);
    size_t len;
    char *text = slurp(p, &len);
    CHECK(text && strstr(text, "\"owner\":\"lab 3\""), "top-level key kept");
    free(text);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/dolab-nb-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_missing_is_empty);
    RUN(test_add_and_reopen);
    RUN(test_given_ids_and_bad_entries);
    RUN(test_corrupt_file_untouched);
    RUN(test_wrong_format_or_version);
    RUN(test_crash_mid_save);
    RUN(test_unicode_and_quotes);
    RUN(test_other_writer);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return TEST_SUMMARY();
}
