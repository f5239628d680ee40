/* test_escape.c — terminal escaping and UTF-8 sanitising of hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "fixtures/utf8_check.h"

static void check(const char *in, size_t len, const char *want)
{
    char *got = esc_text(in, len);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}
#define CHECK(lit, want) check(lit, sizeof(lit) - 1, want)

/* No byte that a terminal interprets survives: C0, DEL, and C1 as UTF-8. */
static void assert_terminal_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        assert_true(*p >= 0x20 && *p != 0x7f);
        if (*p == 0xc2)
            assert_false(p[1] >= 0x80 && p[1] <= 0x9f);
        if (*p == 0xe2 && p[1] == 0x80)
            assert_false(p[2] >= 0xaa && p[2] <= 0xae);
        if (*p == 0xe2 && p[1] == 0x81)
            assert_false(p[2] >= 0xa6 && p[2] <= 0xa9);
    }
}

static void test_plain_and_utf8_pass(void **st)
{
    (void)st;
    CHECK("api.example.test", "api.example.test");
    CHECK("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92");
    CHECK("", "");
    CHECK("a\\b", "a\\\\b");
}

static void test_controls(void **st)
{
    (void)st;
    CHECK("a\nb\rc\td", "a\\nb\\rc\\td");
    CHECK("\x00\x01\x7f", "\\x00\\x01\\x7f");
    CHECK("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
    /* OSC 8 hyperlink and OSC 0 title */
    CHECK("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "\\x1b]8;;http://evil\\x1b\\\\click\\x1b]8;;\\x1b\\\\");
    CHECK("evil\x1b]0;pwned\x07", "evil\\x1b]0;pwned\\x07");
    /* C1 CSI (U+009B) encoded in UTF-8 */
    CHECK("\xc2\x9b" "31m", "\\u009b31m");
}

static void test_bidi(void **st)
{
    (void)st;
    CHECK("abc\xe2\x80\xaetxt.exe", "abc\\u202etxt.exe");
    CHECK("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202a\\u202b\\u202c\\u202d");
    CHECK("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069");
    CHECK("\xe2\x80\x8f\xd8\x9c", "\\u200f\\u061c");
}

static void test_invalid_utf8(void **st)
{
    (void)st;
    CHECK("\xff\xfe", "\\xff\\xfe");
    CHECK("\xc0\xaf", "\\xc0\\xaf");              /* overlong '/' */
    CHECK("\xe0\x80\xaf", "\\xe0\\x80\\xaf");     /* overlong 3-byte */
    CHECK("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
    CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80");     /* surrogate U+D800 */
    CHECK("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    CHECK("ok\xe2\x82", "ok\\xe2\\x82");          /* truncated at end */
    CHECK("\xe2\x82" "A", "\\xe2\\x82A");         /* truncated mid-string */
    CHECK("\x80", "\\x80");                       /* lone continuation */
}

static void test_buf_truncation(void **st)
{
    (void)st;
    char out[8];
    size_t need = esc_text_buf("ab\x1b" "cdef", 7, out, sizeof out);
    assert_int_equal(need, 10);
    assert_string_equal(out, "ab\\x1bc"); /* 7 chars + NUL */
    need = esc_text_buf("ab\x1b", 3, out, 5);
    assert_int_equal(need, 6);
    assert_string_equal(out, "ab"); /* the escape does not fit whole: cut before it */
    assert_int_equal(esc_text_buf("xyz", 3, NULL, 0), 3);
}

static void test_sanitize(void **st)
{
    (void)st;
    char *s = esc_utf8_sanitize("a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", 12);
    assert_non_null(s);
    /* \xc0 and \xaf are each a maximal invalid subpart; \xed\xa0\x80: \xed then \xa0, \x80 */
    assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd");
    assert_true(utf8_check(s, strlen(s)));
    free(s);
    s = esc_utf8_sanitize("x\0y", 3);
    assert_string_equal(s, "x\xef\xbf\xbdy");
    free(s);
    s = esc_utf8_sanitize("\x1b[31m\xe2\x80\xae", 8); /* controls left for cJSON */
    assert_string_equal(s, "\x1b[31m\xe2\x80\xae");
    free(s);
    s = esc_utf8_sanitize(NULL, 5);
    assert_string_equal(s, "");
    free(s);
    /* the judge itself: overlong, surrogate, above U+10FFFF, cut short; the last code point */
    assert_false(utf8_check("\xc0\x80", 2));
    assert_false(utf8_check("\xed\xa0\x80", 3));
    assert_false(utf8_check("\xf4\x90\x80\x80", 4));
    assert_false(utf8_check("\xe2\x82", 2));
    assert_true(utf8_check("\xe2\x82\xac", 3));
    assert_true(utf8_check("\xf4\x8f\xbf\xbf", 4));
}

/* Every 1- and 2-byte input, and pseudo-random 4..7-byte inputs: escape is
 * terminal-safe and valid UTF-8; sanitize is valid UTF-8; valid input is
 * unchanged by sanitize. */
static void test_exhaustive(void **st)
{
    (void)st;
    unsigned char in[8];
    uint32_t seed = 12345;
    for (uint32_t i = 0; i < 65536 + 256 + 200000; i++) {
        size_t len;
        if (i < 256) {
            in[0] = (unsigned char)i;
            len = 1;
        } else if (i < 256 + 65536) {
            in[0] = (unsigned char)((i - 256) >> 8);
            in[1] = (unsigned char)(i - 256);
            len = 2;
        } else {
            len = 4 + (i % 4);
            for (size_t k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                in[k] = (unsigned char)(seed >> 16);
                if (k % 2 == 0)
                    in[k] |= 0x80; /* bias toward multi-byte sequences */
            }
        }
        char *e = esc_text((const char *)in, len);
        assert_non_null(e);
        assert_true(utf8_check(e, strlen(e)));
        assert_terminal_safe(e);
        free(e);
        char *z = esc_utf8_sanitize((const char *)in, len);
        assert_non_null(z);
        assert_true(utf8_check(z, strlen(z)));
        if (utf8_check((const char *)in, len) && !memchr(in, 0, len))
            assert_memory_equal(z, in, len);
        free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_utf8_pass),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_bidi),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_buf_truncation),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_exhaustive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
