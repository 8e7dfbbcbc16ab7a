/* test_util — exact 64-bit integers and -0 in JSON (util/jsonu). */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
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

int main(void) {
    RUN(test_u64_exact);
    RUN(test_u64_refused);
    RUN(test_no_negative_zero);
    return TEST_SUMMARY();
}
