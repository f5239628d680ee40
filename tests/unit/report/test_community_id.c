/* test_community_id.c — Community ID v1 against the specification's example
 * (128.232.110.120:34855 -> 66.35.250.204:80, TCP, seed 0), both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "community_id.h"

static endpoint_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    endpoint_t e = {.family = 4, .port = port};
    e.addr[0] = a;
    e.addr[1] = b;
    e.addr[2] = c;
    e.addr[3] = d;
    return e;
}

static void test_spec_vector(void **st)
{
    (void)st;
    endpoint_t cli = v4(128, 232, 110, 120, 34855), srv = v4(66, 35, 250, 204, 80);
    char out[COMMUNITY_ID_MAX];
    assert_string_equal(community_id_tcp(&cli, &srv, 0, out), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    assert_string_equal(community_id_tcp(&srv, &cli, 0, out), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    /* another seed gives another ID; mixed families give none */
    assert_string_not_equal(community_id_tcp(&cli, &srv, 1, out), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    endpoint_t six = {.family = 6, .port = 443};
    six.addr[15] = 1;
    assert_null(community_id_tcp(&cli, &six, 0, out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_spec_vector)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
