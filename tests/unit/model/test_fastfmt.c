/* test_fastfmt.c — the number and time formatters of the JSON output against
 * the libc functions they replace (printf, gmtime_r + strftime), at the edges
 * (0, UINT64_MAX, INT64_MIN, day/month/year boundaries, leap days, the last
 * microsecond of a second) and over a pseudo-random sweep; and the
 * one-second cache, which must never hand out a stale date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fastfmt.h"

/* What report_json.c wrote before fastfmt: gmtime_r + strftime + snprintf. */
static void libc_time(uint64_t ts_us, char *buf, size_t n)
{
    time_t t = (time_t)(ts_us / 1000000u);
    struct tm tm;
    char b[40] = "?";
    assert_non_null(gmtime_r(&t, &tm));
    assert_true(strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm) > 0);
    snprintf(buf, n, "%s.%06uZ", b, (unsigned)(ts_us % 1000000u));
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_u64(uint64_t v, const char *want)
{
    char b[FASTFMT_INT_MAX];
    assert_int_equal(fastfmt_u64(v, b), strlen(want));
    assert_string_equal(b, want);
}

static void test_u64(void **st)
{
    (void)st;
    check_u64(0, "0");
    check_u64(9, "9");
    check_u64(10, "10");
    check_u64(99, "99");
    check_u64(100, "100");
    check_u64(65535, "65535");
    check_u64(4294967295u, "4294967295");
    check_u64(UINT64_MAX, "18446744073709551615");
    char b[FASTFMT_INT_MAX], want[32];
    for (uint64_t p = 1; p && p <= UINT64_MAX / 10; p *= 10) { /* every power of ten and its neighbours */
        for (int d = -1; d <= 1; d++) {
            uint64_t v = p + (uint64_t)(int64_t)d;
            snprintf(want, sizeof want, "%llu", (unsigned long long)v);
            fastfmt_u64(v, b);
            assert_string_equal(b, want);
        }
    }
    for (int i = 0; i < 100000; i++) {
        uint64_t v = next() >> (next() % 64);
        snprintf(want, sizeof want, "%llu", (unsigned long long)v);
        assert_int_equal(fastfmt_u64(v, b), strlen(want));
        assert_string_equal(b, want);
    }
}

static void test_i64(void **st)
{
    (void)st;
    char b[FASTFMT_INT_MAX], want[32];
    const int64_t edges[] = {0, 1, -1, 9, -9, 10, -10, INT32_MIN, INT32_MAX, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        snprintf(want, sizeof want, "%lld", (long long)edges[i]);
        assert_int_equal(fastfmt_i64(edges[i], b), strlen(want));
        assert_string_equal(b, want);
    }
    assert_int_equal(fastfmt_i64(INT64_MIN, b), 20);
    assert_string_equal(b, "-9223372036854775808");
    for (int i = 0; i < 100000; i++) {
        int64_t v = (int64_t)(next() >> (next() % 64));
        if (i & 1)
            v = -v;
        snprintf(want, sizeof want, "%lld", (long long)v);
        fastfmt_i64(v, b);
        assert_string_equal(b, want);
    }
}

static void check_ms3(uint64_t us, const char *want)
{
    char b[FASTFMT_MS_MAX];
    assert_int_equal(fastfmt_ms3(us, b), strlen(want));
    assert_string_equal(b, want);
}

static void test_ms3(void **st)
{
    (void)st;
    check_ms3(0, "0.000");
    check_ms3(1, "0.001");
    check_ms3(999, "0.999");
    check_ms3(1000, "1.000");
    check_ms3(1500, "1.500");
    check_ms3(2400, "2.400");
    check_ms3(10303, "10.303");
    check_ms3(UINT64_MAX, "18446744073709551.615"); /* exact, where a double would round */
    /* the same text as the printf("%.3f", us / 1000.0) it replaces, below 2^51
     * (71 years of relative time); from about 2^52 on the double division rounds
     * to a neighbouring thousandth, which fastfmt does not copy */
    check_ms3(8995349907100595ull, "8995349907100.595"); /* printf: "...100.596" */
    char b[FASTFMT_MS_MAX], want[64];
    for (int i = 0; i < 200000; i++) {
        uint64_t us = (next() >> 13) >> (next() % 51);
        snprintf(want, sizeof want, "%.3f", (double)us / 1000.0);
        fastfmt_ms3(us, b);
        assert_string_equal(b, want);
    }
}

static void check_time(uint64_t us, const char *want)
{
    char b[FASTFMT_TIME_MAX];
    assert_int_equal(fastfmt_time(NULL, us, b), strlen(want));
    assert_string_equal(b, want);
    fastfmt_clock c = FASTFMT_CLOCK_INIT;
    assert_int_equal(fastfmt_time(&c, us, b), strlen(want));
    assert_string_equal(b, want);
    assert_int_equal(fastfmt_time(&c, us, b), strlen(want)); /* from the cache */
    assert_string_equal(b, want);
}

#define S 1000000ull /* one second in microseconds */

static void test_time_edges(void **st)
{
    (void)st;
    check_time(0, "1970-01-01T00:00:00.000000Z");
    check_time(1, "1970-01-01T00:00:00.000001Z");
    check_time(S - 1, "1970-01-01T00:00:00.999999Z"); /* the last microsecond stays in its second */
    check_time(S, "1970-01-01T00:00:01.000000Z");
    check_time(86399 * S + 999999, "1970-01-01T23:59:59.999999Z");
    check_time(86400 * S, "1970-01-02T00:00:00.000000Z");
    check_time(68169600 * S, "1972-02-29T00:00:00.000000Z");      /* first leap day after the epoch */
    check_time(951782400000001ull, "2000-02-29T00:00:00.000001Z"); /* 2000: divisible by 400, leap */
    check_time(951868800 * S, "2000-03-01T00:00:00.000000Z");
    check_time(1714564800123456ull, "2024-05-01T12:00:00.123456Z");
    check_time(1709164800 * S, "2024-02-29T00:00:00.000000Z");
    check_time(1735689599 * S + 999999, "2024-12-31T23:59:59.999999Z"); /* year boundary */
    check_time(1735689600 * S, "2025-01-01T00:00:00.000000Z");
    check_time(4107456000 * S, "2100-02-28T00:00:00.000000Z");
    check_time(4107542400 * S, "2100-03-01T00:00:00.000000Z"); /* 2100: not a leap year */
    check_time(253402300799 * S + 999999, "9999-12-31T23:59:59.999999Z");
    check_time(253402300800 * S, "10000-01-01T00:00:00.000000Z"); /* five-digit year, as strftime %Y */
    /* the largest time there is */
    char want[64];
    libc_time(UINT64_MAX, want, sizeof want);
    check_time(UINT64_MAX, want);
    assert_int_equal(strlen(want), 29);
    assert_true(strlen(want) < FASTFMT_TIME_MAX);
}

/* gmtime_r + strftime agree on every day from 1970 to 2500 and on random times up
 * to UINT64_MAX; the cached formatter agrees on sequences that go back and forth. */
static void test_time_sweep(void **st)
{
    (void)st;
    char got[FASTFMT_TIME_MAX], want[64];
    for (uint64_t day = 0; day < 194000; day++) {
        uint64_t us = day * 86400 * S + (day * 7919 % 86400) * S + day % S;
        libc_time(us, want, sizeof want);
        fastfmt_time(NULL, us, got);
        assert_string_equal(got, want);
    }
    fastfmt_clock c = FASTFMT_CLOCK_INIT;
    uint64_t us = 1714564800123456ull;
    for (int i = 0; i < 200000; i++) {
        switch (next() % 4) {
        case 0: us += next() % 5000; break;             /* within the second, mostly */
        case 1: us -= next() % (3 * S); break;          /* back a little (packets out of order) */
        case 2: us += next() % (90000 * S); break;      /* across days */
        default: us = next() >> (next() % 20); break;   /* anywhere */
        }
        libc_time(us, want, sizeof want);
        assert_int_equal(fastfmt_time(&c, us, got), strlen(want));
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_i64),
        cmocka_unit_test(test_ms3),
        cmocka_unit_test(test_time_edges),
        cmocka_unit_test(test_time_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
