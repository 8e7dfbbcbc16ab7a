/* test_util — exact 64-bit integers and -0 in JSON (util/jsonu). */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/stats.h"
#include "util/jsonu.h"

static uint64_t round_trip(uint64_t v, int *ok) {
    cJSON *o = cJSON_CreateObject();
    ju_add_u64(o, "seed", v);
    char *text = cJSON_PrintUnformatted(o);
    cJSON *back = cJSON_Parse(text);
    uint64_t got = 0;
    Err e = {{0}};
    *ok = ju_get_u64(cJSON_GetObjectItemCaseSensitive(back, "seed"), "seed", &got, &e) == 0;
    free(text);
    cJSON_Delete(back);
    cJSON_Delete(o);
    return got;
}

TEST(test_u64_exact) {
    const uint64_t vs[] = {0, 1, 42, (1ull << 53) - 1, 1ull << 53, (1ull << 53) + 1, 12345678901234567890ull,
                           UINT64_MAX};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        int ok = 0;
        uint64_t got = round_trip(vs[i], &ok);
        CHECK(ok && got == vs[i], "round trip of %llu gave %llu", (unsigned long long)vs[i], (unsigned long long)got);
    }
    cJSON *n = ju_u64((1ull << 53) + 1);
    CHECK(cJSON_IsString(n), "2^53+1 is written as a string");
    cJSON_Delete(n);
    n = ju_u64(1ull << 53);
    CHECK(cJSON_IsRaw(n) && strcmp(n->valuestring, "9007199254740992") == 0, "2^53 is written as a number");
    cJSON_Delete(n);
}

TEST(test_u64_refused) {
    const char *bad[] = {"-1", "1e300", "1.5", "\"18446744073709551616\"", "\"-3\"", "\"\"", "\"12a\"", "true",
                         "null", "9007199254740994"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *j = cJSON_Parse(bad[i]);
        uint64_t got = 7;
        Err e = {{0}};
        int rc = ju_get_u64(j, "train.seed", &got, &e);
        CHECK(rc == -1 && got == 7 && strstr(e.msg, "train.seed"), "%s refused with the field named: %s", bad[i],
              e.msg);
        cJSON_Delete(j);
    }
    Err e = {{0}};
    uint64_t got;
    CHECK(ju_get_u64(NULL, "x.seed", &got, &e) == -1 && strstr(e.msg, "missing"), "a missing field: %s", e.msg);
}

TEST(test_no_negative_zero) {
    cJSON *o = cJSON_CreateObject();
    ju_add_num(o, "r", -0.0);
    ju_add_num(o, "s", -1.5);
    char *text = cJSON_PrintUnformatted(o);
    CHECK(strcmp(text, "{\"r\":0,\"s\":-1.5}") == 0, "-0 written as 0: %s", text);
    free(text);
    cJSON_Delete(o);
}

TEST(test_utf8) {
    CHECK(ju_utf8_ok("plain") && ju_utf8_ok("\xc3\xbc\xe2\x98\x83\xf0\x9f\x98\x80"), "valid UTF-8 accepted");
    const char *bad[] = {"ab\xf0", "ab\xe2\x82", "\xc3", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(!ju_utf8_ok(bad[i]), "bad UTF-8 %zu refused", i);
    cJSON *o = cJSON_Parse("{\"a\":[1,{\"b\":\"ok\"},{\"c\":\"x\"}]}");
    cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "a"), 2), "c"), "ab\xf0");
    char path[128] = "";
    CHECK(ju_find_bad_utf8(o, "doc", path, sizeof path) == 1 && strcmp(path, "doc.a[2].c") == 0, "path of the bad string: %s", path);
    cJSON_Delete(o);
}

TEST(test_rules) {
    static const JuRule rules[] = {
        {"n", JU_INT, 1, 10, JU_REQUIRED}, {"s[].name", JU_STR, 1, 4, 0}, {"s[].v", JU_NUM_NULL, -1, 1, 0},
        {"seed", JU_U64, 0, 0, 0},         {"flag", JU_BOOL, 0, 0, 0},
    };
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"n\":3,\"s\":[{\"name\":\"ab\",\"v\":null},{\"v\":0.5}],\"seed\":\"18446744073709551615\"}", NULL},
        {"{}", "x.n: missing"},
        {"{\"n\":2.5}", "x.n: expected an integer from 1 to 10, got 2.5"},
        {"{\"n\":3,\"s\":[{},{\"name\":\"\"}]}", "x.s[1].name: expected a string of 1 to 4 bytes, got 0"},
        {"{\"n\":3,\"s\":[{\"v\":2}]}", "x.s[0].v: expected a number from -1 to 1, got 2"},
        {"{\"n\":3,\"s\":{}}", "x.s: expected a list, got an object"},
        {"{\"n\":3,\"s\":[7]}", "x.s[0]: expected an object, got a number"},
        {"{\"n\":3,\"seed\":-1}", "x.seed: -1 is not an integer"},
        {"{\"n\":3,\"flag\":1}", "x.flag: expected true or false, got a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        Err e = {{0}};
        int rc = ju_check(j, "x", rules, (int)(sizeof rules / sizeof *rules), &e);
        if (!cases[i].want) CHECK(rc == 0, "case %zu passes: %s", i, e.msg);
        else CHECK(rc == -1 && strstr(e.msg, cases[i].want) == e.msg, "case %zu: '%s', want '%s'", i, e.msg, cases[i].want);
        cJSON_Delete(j);
    }
}

TEST(test_across_seed_stats) {
    double x[] = {0.9, 0.1, 0.5, 0.3, 0.7, 100.0};
    CHECK_NEAR(stats_sd(x, 2), sqrt(0.32), 1e-12, "sd of two values (n - 1)");
    CHECK_NEAR(stats_sd(x, 1), 0.0, 0, "sd of one value");
    /* IQM as scipy.stats.trim_mean(x, 0.25): n = 6 drops one each end; n = 3 drops none */
    CHECK_NEAR(stats_iqm(x, 6), (0.3 + 0.5 + 0.7 + 0.9) / 4, 1e-12, "iqm of 6 drops the outlier");
    CHECK_NEAR(stats_iqm(x, 3), 0.5, 1e-12, "iqm of 3 is the mean");
    CHECK_NEAR(stats_iqm(x, 4), (0.3 + 0.5) / 2, 1e-12, "iqm of 4 is the middle two");
    double m3[] = {9, 1, 4}, m4[] = {9, 1, 4, 2}, inf[] = {INFINITY, 3, INFINITY};
    CHECK(stats_median(m3, 3) == 4 && stats_median(m4, 4) == 3 && stats_median(m3, 0) == 0, "median of 3, of 4, of none");
    CHECK(stats_median(inf, 3) == INFINITY && stats_median(inf, 2) == INFINITY && stats_median(inf + 1, 1) == 3,
          "infinities sort last");
    /* two seeds: the percentile bootstrap of the mean spans exactly [min, max] */
    StatCI c = stats_bootstrap_mean(x, 2, 2000, 7);
    CHECK(c.lo == 0.1 && c.hi == 0.9, "two seeds: [%g, %g]", c.lo, c.hi);
    CHECK_NEAR(c.sd, sqrt(0.32), 1e-12, "StatCI carries the sd");
    /* hierarchical: no episode noise gives the seed bootstrap; noise widens it */
    double m[] = {0.2, 0.4, 0.6, 0.8}, sd0[] = {0, 0, 0, 0}, sd1[] = {0.5, 0.5, 0.5, 0.5};
    int ep[] = {100, 100, 100, 100};
    StatCI flat = stats_bootstrap_mean(m, 4, 4000, 3), h0 = stats_bootstrap_hier(m, sd0, ep, 4, 4000, 3);
    StatCI h1 = stats_bootstrap_hier(m, sd1, ep, 4, 4000, 3);
    CHECK_NEAR(h0.mean, 0.5, 1e-12, "hier mean");
    CHECK(fabs(h0.lo - flat.lo) < 0.051 && fabs(h0.hi - flat.hi) < 0.051, "sd 0: [%g, %g] vs [%g, %g]", h0.lo, h0.hi,
          flat.lo, flat.hi);
    CHECK(h1.hi - h1.lo > h0.hi - h0.lo, "episode noise widens the interval: %g vs %g", h1.hi - h1.lo, h0.hi - h0.lo);
    CHECK(h1.lo < 0.5 && h1.hi > 0.5 && h1.lo > 0.1 && h1.hi < 0.9, "hier [%g, %g]", h1.lo, h1.hi);
    StatCI again = stats_bootstrap_hier(m, sd1, ep, 4, 4000, 3);
    CHECK(again.lo == h1.lo && again.hi == h1.hi, "same seed, same interval");
}

int main(void) {
    RUN(test_across_seed_stats);
    RUN(test_u64_exact);
    RUN(test_u64_refused);
    RUN(test_no_negative_zero);
    RUN(test_utf8);
    RUN(test_rules);
    return TEST_SUMMARY();
}
