/* dolab — subcommand dispatch only; each command lives in src/cli. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
