/* test.h — the unit-test harness: one binary per tests/unit/test_*.c file.
 *
 * TEST(name) defines a test; CHECK(cond, fmt, ...) records one assertion (a failed one
 * prints file:line and the message and the test goes on); RUN(name) runs a test.
 * main() ends with TEST_SUMMARY(), which prints "N passed, N failed" (counted in
 * assertions) and returns non-zero on any failure.  tests/run.sh adds the lines up. */
#ifndef DOLAB_TEST_H
#define DOLAB_TEST_H

#include <math.h>
#include <stdio.h>

static int test_passed, test_failed;
static const char *test_current = "";

#define TEST(name) static void name(void)
#define RUN(name)                                                                                  \
    do {                                                                                           \
        test_current = #name;                                                                      \
        name();                                                                                    \
    } while (0)
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_passed++;                                                                         \
        } else {                                                                                   \
            test_failed++;                                                                         \
            fprintf(stderr, "FAIL %s:%d %s: ", __FILE__, __LINE__, test_current);                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)
#define CHECK_NEAR(a, b, tol, what)                                                                \
    CHECK(fabs((double)(a) - (double)(b)) <= (tol), "%s: %.9g vs %.9g (tol %g)", what, (double)(a), \
          (double)(b), (double)(tol))
#define TEST_SUMMARY()                                                                             \
    (printf("%d passed, %d failed\n", test_passed, test_failed), test_failed ? 1 : 0)

#endif
