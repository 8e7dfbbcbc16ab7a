/* dolab report (placeholder until the statistics land) */
#include <stdio.h>

#include "cli/commands.h"

int cmd_report(int argc, char **argv) {
    (void)argc, (void)argv;
    fprintf(stderr, "dolab report: not yet\n");
    return 1;
}
