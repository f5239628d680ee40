/* test_json_build.c — the arena cJSON builder both JSON renderers use: the
 * one way to add a string (jb_str) prints exactly what cJSON prints for the
 * sanitised string, borrows or copies as asked; numbers print as cJSON's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "escape.h"
#include "json_build.h"

/* What cJSON itself prints for {"k":s} after UTF-8 sanitising. */
static char *reference(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    char *clean = esc_utf8_sanitize(s, strlen(s));
    assert_non_null(cJSON_AddStringToObject(o, "k", clean));
    free(clean);
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

static void test_strings_print_as_cjson(void **st)
{
    (void)st;
    const char *cases[] = {
        "", "plain", "exactly8", "a longer plain ASCII sentence, with punctuation!",
        "quote \" and backslash \\", "tab\tnewline\n", "esc \x1b]0;x\x07", "caf\xc3\xa9",
        "bad \xff\xfe utf-8", "\xe2\x80\xae bidi", "0123456789abcdef\x7f",
    };
    scratch *sc = scratch_new();
    assert_non_null(sc);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int own = JB_BORROW; own <= JB_COPY; own++) {
            scratch_reset(sc);
            jb b = {.sc = sc};
            cJSON root = {.type = cJSON_Object};
            jb_str(&b, &root, "k", cases[i], (jb_own)own);
            assert_false(b.oom);
            char *got = cJSON_PrintUnformatted(&root);
            char *want = reference(cases[i]);
            assert_string_equal(got, want);
            cJSON_free(got);
            cJSON_free(want);
        }
    }
    scratch_free(sc);
}

static void test_borrow_and_copy(void **st)
{
    (void)st;
    scratch *sc = scratch_new();
    jb b = {.sc = sc};
    cJSON root = {.type = cJSON_Object};
    char buf[] = "line\nbreak"; /* plain ASCII cJSON must escape: a string item */
    jb_str(&b, &root, "borrowed", buf, JB_BORROW);
    jb_str(&b, &root, "copied", buf, JB_COPY);
    jb_str(&b, &root, "absent", NULL, JB_COPY);
    jb_str(&b, NULL, "no parent", buf, JB_COPY); /* after a failure: nothing */
    cJSON *a = jb_arr(&b, &root, "list");
    jb_str(&b, a, NULL, "one", JB_BORROW);
    jb_str(&b, a, NULL, "two", JB_COPY);
    assert_false(b.oom);
    assert_ptr_equal(cJSON_GetObjectItem(&root, "borrowed")->valuestring, buf);
    assert_ptr_not_equal(cJSON_GetObjectItem(&root, "copied")->valuestring, buf);
    assert_null(cJSON_GetObjectItem(&root, "absent"));
    buf[0] = 'L'; /* the borrowed one follows the buffer, the copy does not */
    char *txt = cJSON_PrintUnformatted(&root);
    assert_string_equal(txt, "{\"borrowed\":\"Line\\nbreak\",\"copied\":\"line\\nbreak\",\"list\":[\"one\",\"two\"]}");
    cJSON_free(txt);
    scratch_free(sc);
}

static void test_numbers_and_times(void **st)
{
    (void)st;
    const double nums[] = {0, 1, -1, 3000000000.0, 1e15, 9007199254740993.0, 0.5};
    scratch *sc = scratch_new();
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        scratch_reset(sc);
        jb b = {.sc = sc};
        cJSON root = {.type = cJSON_Object};
        jb_number(&b, &root, "n", nums[i]);
        cJSON *ref = cJSON_CreateObject();
        cJSON_AddNumberToObject(ref, "n", nums[i]);
        char *got = cJSON_PrintUnformatted(&root), *want = cJSON_PrintUnformatted(ref);
        assert_string_equal(got, want);
        cJSON_free(got);
        cJSON_free(want);
        cJSON_Delete(ref);
    }
    scratch_reset(sc);
    fastfmt_clock clock = FASTFMT_CLOCK_INIT;
    jb b = {.sc = sc, .clock = &clock};
    cJSON root = {.type = cJSON_Object};
    jb_time(&b, &root, "t", 1714564800123456ull);
    jb_u64(&b, &root, "u", UINT64_MAX);
    jb_i64(&b, &root, "i", INT64_MIN);
    jb_bool(&b, jb_obj(&b, &root, "o"), "yes", true);
    char *txt = cJSON_PrintUnformatted(&root);
    assert_string_equal(txt, "{\"t\":\"2024-05-01T12:00:00.123456Z\",\"u\":18446744073709551615,"
                             "\"i\":-9223372036854775808,\"o\":{\"yes\":true}}");
    cJSON_free(txt);
    scratch_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_print_as_cjson),
        cmocka_unit_test(test_borrow_and_copy),
        cmocka_unit_test(test_numbers_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
