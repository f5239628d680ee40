/* test_html_esc.c — wire text into the HTML page: markup stays text in HTML
 * and in the embedded JSON, controls and invalid UTF-8 become visible escapes,
 * a cut label ends with an ellipsis on a character boundary; the string table
 * hands out one index per distinct string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html_esc.h"
#include "html_strtab.h"

static char *html(const char *s, size_t max)
{
    growbuf b = {0};
    html_text(&b, s, max);
    return growbuf_take(&b);
}

static char *json(const char *s)
{
    growbuf b = {0};
    html_json_str(&b, s);
    return growbuf_take(&b);
}

static void test_markup_is_text(void **st)
{
    (void)st;
    char *o = html("<img src=x onerror=alert(1)>\"'&", 0);
    assert_string_equal(o, "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
    free(o);
    o = html(NULL, 0);
    assert_string_equal(o, "-");
    free(o);
    o = html("plain CN=alice,O=test", 0);
    assert_string_equal(o, "plain CN=alice,O=test");
    free(o);
}

static void test_controls_visible(void **st)
{
    (void)st;
    /* a newline, an ESC, a right-to-left override and a lone continuation byte */
    char *o = html("a\nb\x1b[31m\xe2\x80\xae" "c\x80", 0);
    assert_string_equal(o, "a\\nb\\x1b[31m\\u202ec\\x80");
    free(o);
}

static void test_cut(void **st)
{
    (void)st;
    char *o = html("abcdef", 3);
    assert_string_equal(o, "abc\xe2\x80\xa6");
    free(o);
    o = html("\xc3\xa9\xc3\xa9\xc3\xa9<", 2); /* "ééé<": cut after two characters, never inside one */
    assert_string_equal(o, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    free(o);
    o = html("a<b", 3); /* exactly max characters: no ellipsis */
    assert_string_equal(o, "a&lt;b");
    free(o);
}

static void test_json_in_script(void **st)
{
    (void)st;
    char *o = json("</script><script>alert(\"1\")</script>&'\\");
    assert_string_equal(o, "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(\\\"1\\\")\\u003c/script\\u003e\\u0026"
                           "\\u0027\\\\\\\\\"");
    assert_null(strchr(o, '<'));
    free(o);
    o = json(NULL);
    assert_string_equal(o, "null");
    free(o);
}

static void test_strtab(void **st)
{
    (void)st;
    html_strtab *t = html_strtab_new();
    assert_non_null(t);
    uint32_t a, b, c, d;
    assert_int_equal(html_strtab_id(t, "ServerHelloDone", &a), 0);
    assert_int_equal(html_strtab_id(t, "<x>", &b), 0);
    assert_int_equal(html_strtab_id(t, "ServerHelloDone", &c), 0);
    assert_int_equal(html_strtab_id(t, NULL, &d), 0);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(c, a);
    assert_int_equal(d, 2);
    /* enough strings to grow the table several times: each keeps its index */
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "s%d", i);
        uint32_t id;
        assert_int_equal(html_strtab_id(t, name, &id), 0);
        assert_int_equal(id, (uint32_t)(3 + i));
    }
    assert_int_equal(html_strtab_id(t, "s1234", &a), 0);
    assert_int_equal(a, 3 + 1234);
    growbuf g = {0};
    html_strtab_json(&g, t);
    char *s = growbuf_take(&g);
    assert_non_null(s);
    assert_memory_equal(s, "[\"ServerHelloDone\",\"\\u003cx\\u003e\",\"\",\"s0\"", 42);
    free(s);
    html_strtab_free(t);
    html_strtab_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup_is_text), cmocka_unit_test(test_controls_visible), cmocka_unit_test(test_cut),
        cmocka_unit_test(test_json_in_script), cmocka_unit_test(test_strtab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
