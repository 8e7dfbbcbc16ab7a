/* strbuf — a growable text buffer.  The caller owns the SB value and frees it with sb_free.
 * On out-of-memory the buffer keeps what it had and sets oom; callers check sb.oom once. */
#ifndef DOLAB_UTIL_STRBUF_H
#define DOLAB_UTIL_STRBUF_H

#include <stddef.h>

typedef struct SB {
    char *s;    /* NUL-terminated, or NULL while empty */
    size_t len, cap;
    int oom;
} SB;

void sb_puts(SB *b, const char *s);
void sb_putn(SB *b, const char *s, size_t n);
void sb_printf(SB *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(SB *b);
static inline const char *sb_str(const SB *b) { return b->s ? b->s : ""; }

#endif
