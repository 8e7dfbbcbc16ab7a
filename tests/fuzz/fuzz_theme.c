/* fuzz_theme — a theme file (JSON, structure-aware mutation) through tui_theme_parse. */
#include "fuzz_common.h"

#include "tui/tui_theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    TuiTheme t;
    Err e;
    tui_theme_parse(fz_str(data, size), "fuzz.json", &t, &e);
    return 0;
}
