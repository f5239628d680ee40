/* test_fmt_time.c — the shared text forms of times and endpoints
 * (fmt_time.c, endpoint_text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "endpoint_text.h"
#include "fmt_time.h"

static void test_time_format(void **st)
{
    (void)st;
    char b[40];
    assert_string_equal(fmt_time_rfc3339(0, b, sizeof b), "1970-01-01T00:00:00.000000Z");
    assert_string_equal(fmt_time_rfc3339(1714564800123456ull, b, sizeof b), "2024-05-01T12:00:00.123456Z");
    assert_string_equal(fmt_time_rfc3339(951782400000001ull, b, sizeof b), "2000-02-29T00:00:00.000001Z");
    char small[11];
    assert_string_equal(fmt_time_rfc3339(0, small, sizeof small), "1970-01-01"); /* truncated */
}

static void test_endpoint_v4_v6(void **st)
{
    (void)st;
    endpoint_t e = {.family = 6, .port = 8443};
    e.addr[15] = 1;
    char b[64];
    assert_string_equal(endpoint_text(&e, b, sizeof b), "[::1]:8443");
    endpoint_t f = {.family = 4, .port = 443, .addr = {192, 0, 2, 1}};
    assert_string_equal(endpoint_text(&f, b, sizeof b), "192.0.2.1:443");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_endpoint_v4_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
