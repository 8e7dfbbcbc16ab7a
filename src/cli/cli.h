#ifndef DOLAB_CLI_CLI_H
#define DOLAB_CLI_CLI_H
int cli_main(int argc, char **argv);
#endif
