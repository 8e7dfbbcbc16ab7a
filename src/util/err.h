/* err — error messages carried out of library code.
 *
 * Library functions never exit: they return a status (0 ok, -1 error) and, on error,
 * fill an Err the caller owns with one line that names what and where.  Only main()
 * decides to exit.  An Err is a plain buffer: no allocation, nothing to free. */
#ifndef DOLAB_UTIL_ERR_H
#define DOLAB_UTIL_ERR_H

#include <stdarg.h>

typedef struct Err {
    char msg[512];
} Err;

/* Formats into e (if e is not NULL) and returns -1, so `return err_set(e, ...)` reads well. */
int err_set(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_vset(Err *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Puts "prefix: " in front of the message already in e; returns -1. */
int err_prefix(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
