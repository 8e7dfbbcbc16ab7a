/* fuzz_notebook — a notebook file (JSON, structure-aware mutation) through nb_open and the
 * viewers: `dolab notebook` (the list) always, then one of `show` of its first entries,
 * `compare` of its first two runs, `export --csv` and `export --jsonl`, picked by the input's
 * length (each viewer re-reads the file: running all four made an input cost ~1 ms, too slow
 * for a campaign of 10^7).  Output goes to /dev/null. */
#include "fuzz_common.h"

#include "cli/commands.h"
#include "notebook/notebook.h"

static int run(int (*cmd)(int, char **), const char *a, const char *b, const char *c, const char *d) {
    char s[4][96];
    char *argv[4];
    int argc = 0;
    const char *in[4] = {a, b, c, d};
    for (int i = 0; i < 4 && in[i]; i++) {
        snprintf(s[i], sizeof s[i], "%s", in[i]);
        argv[argc++] = s[i];
    }
    return cmd(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_quiet();
    const char *path = fz_file(data, size);
    Notebook *nb;
    Err e;
    if (nb_open(path, &nb, &e) == 0) {
        char ids[4][24], runs[2][24];
        int n = 0, nr = 0;
        for (int i = 0; i < nb_count(nb); i++) {
            const cJSON *x = nb_entry(nb, i);
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "id");
            const cJSON *type = cJSON_GetObjectItemCaseSensitive(x, "type");
            if (!cJSON_IsNumber(id)) continue;
            if (n < 4) snprintf(ids[n++], sizeof ids[0], "%.0f", id->valuedouble);
            if (nr < 2 && cJSON_IsString(type) && strcmp(type->valuestring, "run") == 0)
                snprintf(runs[nr++], sizeof runs[0], "%.0f", id->valuedouble);
        }
        nb_free(nb);
        run(cmd_notebook, path, NULL, NULL, NULL);
        switch (size % 4) {
        case 0:
            for (int i = 0; i < n; i++) run(cmd_notebook, path, "show", ids[i], NULL);
            break;
        case 1:
            if (nr == 2) run(cmd_notebook, path, "compare", runs[0], runs[1]);
            break;
        case 2: run(cmd_export, path, "--csv", NULL, NULL); break;
        default: run(cmd_export, path, "--jsonl", NULL, NULL); break;
        }
    } else {
        nb_free(nb);
    }
    fflush(stdout);
    return 0;
}
