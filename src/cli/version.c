/* Rebuilt on every make (see the Makefile) so the commit is never stale. */
#include "cli/version.h"

#ifndef DOLAB_COMMIT
#define DOLAB_COMMIT "unknown"
#endif

const char *dolab_commit(void) { return DOLAB_COMMIT; }
