/* test_wrap.c — paragraphs broken to a terminal's width: no line passes the
 * width unless one word is longer, continuation lines get the hanging indent,
 * words are never cut or lost, width 0 writes the text as is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wrap.h"

static char *wrap(const char *text, size_t col, size_t indent, size_t width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(wrap_fputs(f, text, col, indent, width), 0);
    fclose(f);
    return buf;
}

static void test_width_zero_is_verbatim(void **st)
{
    (void)st;
    const char *t = "a  sentence   with odd  spacing that is long enough to need wrapping on any terminal at all";
    char *o = wrap(t, 5, 5, 0);
    assert_string_equal(o, t);
    free(o);
}

static void test_hanging_indent(void **st)
{
    (void)st;
    char *o = wrap("The client presented a certificate issued by a CA the server does not trust.", 5, 5, 30);
    /* "Fix: " (5 columns) was written by the caller */
    assert_string_equal(o, "The client presented a\n"
                           "     certificate issued by a\n"
                           "     CA the server does not\n"
                           "     trust.");
    free(o);
}

static void test_lines_fit_and_words_kept(void **st)
{
    (void)st;
    const char *t = "Add \"CN=Rogue Test CA,O=rogue\" (and its root) to the server's client CA file (nginx: "
                    "ssl_client_certificate / ssl_trusted_certificate and ssl_verify_depth; Apache: "
                    "SSLCACertificateFile) sha256:a4ef3fea2430d433f3644c9dfd649680275b0f8b476148626c9dc4518fbfa8d5 é é";
    for (size_t width = 20; width <= 100; width += 7) {
        char *o = wrap(t, 2, 4, width);
        /* every line fits unless it is one overlong word after the indent */
        size_t lineno = 0;
        for (char *line = o, *next; line; line = next, lineno++) {
            next = strchr(line, '\n');
            size_t n = next ? (size_t)(next - line) : strlen(line);
            char save = line[n];
            line[n] = '\0';
            size_t cols = wrap_columns(line) + (lineno == 0 ? 2 : 0);
            if (cols > width)
                assert_null(strchr(line + 4, ' ')); /* a single word too long for any line */
            if (lineno > 0)
                assert_memory_equal(line, "    ", 4);
            line[n] = save;
            if (next)
                next++;
        }
        /* the words, in order, are the text's */
        char *a = strdup(t), *b = strdup(o), *sa = NULL, *sb = NULL;
        char *wa = strtok_r(a, " \n", &sa), *wb = strtok_r(b, " \n", &sb);
        while (wa && wb) {
            assert_string_equal(wa, wb);
            wa = strtok_r(NULL, " \n", &sa);
            wb = strtok_r(NULL, " \n", &sb);
        }
        assert_null(wa);
        assert_null(wb);
        free(a);
        free(b);
        free(o);
    }
}

static void test_utf8_columns(void **st)
{
    (void)st;
    assert_int_equal(wrap_columns("é€x"), 3);
    assert_int_equal(wrap_columns(""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_zero_is_verbatim),
        cmocka_unit_test(test_hanging_indent),
        cmocka_unit_test(test_lines_fit_and_words_kept),
        cmocka_unit_test(test_utf8_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
