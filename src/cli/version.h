/* version — dolab's version and the git commit it was built from. */
#ifndef DOLAB_CLI_VERSION_H
#define DOLAB_CLI_VERSION_H
#define DOLAB_VERSION "0.1.0"
const char *dolab_commit(void);
#endif
