/* test_csv_row.c — RFC 4180 fields: quoting of separators, quotes and line
 * breaks, wire strings made valid UTF-8 and kept from running as formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv_row.h"

/* The row as written: fields, then CRLF. */
static char *written(csv_row *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(csv_write_row(f, r), 0);
    fclose(f);
    return buf;
}

static void test_quoting(void **state)
{
    (void)state;
    csv_row r = {.sep = ','};
    csv_field(&r, "plain", false);
    csv_field(&r, "CN=alice,O=mtlsdump test", true);      /* a separator: quoted */
    csv_field(&r, "say \"hi\"", true);                    /* quotes doubled */
    csv_field(&r, "two\r\nlines", true);                  /* line breaks kept, quoted */
    csv_field(&r, NULL, false);                           /* empty */
    csv_field(&r, "tab\there", false);                    /* a tab is data in csv */
    csv_field_u64(&r, 18446744073709551615ull);
    csv_field_bool(&r, false);
    char *s = written(&r);
    assert_string_equal(s, "plain,\"CN=alice,O=mtlsdump test\",\"say \"\"hi\"\"\",\"two\r\nlines\",,tab\there,"
                           "18446744073709551615,false\r\n");
    free(s);
    /* the row is empty again after it was written */
    csv_field(&r, "next", false);
    s = written(&r);
    assert_string_equal(s, "next\r\n");
    free(s);
    growbuf_free(&r.b);
}

static void test_tsv(void **state)
{
    (void)state;
    csv_row r = {.sep = '\t'};
    csv_field(&r, "a,b", false);     /* a comma is data in tsv */
    csv_field(&r, "tab\there", true); /* a tab is quoted */
    char *s = written(&r);
    assert_string_equal(s, "a,b\t\"tab\there\"\r\n");
    free(s);
    growbuf_free(&r.b);
}

static void test_wire_strings(void **state)
{
    (void)state;
    csv_row r = {.sep = ','};
    csv_field(&r, "=HYPERLINK(\"http://x\")", true); /* a formula from the wire: quoted, ' in front */
    csv_field(&r, "+1", true);
    csv_field(&r, "-1", false);                      /* our own numbers are not touched */
    csv_field(&r, "@SUM(A1)", true);
    csv_field(&r, "bad\xff" "byte", true);           /* invalid UTF-8 becomes U+FFFD */
    char *s = written(&r);
    assert_string_equal(s, "\"'=HYPERLINK(\"\"http://x\"\")\",\"'+1\",-1,\"'@SUM(A1)\",bad\xef\xbf\xbd" "byte\r\n");
    free(s);
    growbuf_free(&r.b);
}

static void test_times(void **state)
{
    (void)state;
    csv_row r = {.sep = ','};
    csv_field_time(&r, 1714564800123456ull);
    csv_field_time(&r, 0); /* unknown: empty */
    csv_field_day(&r, -5); /* before 1970: 1970 */
    char *s = written(&r);
    assert_string_equal(s, "2024-05-01T12:00:00.123456Z,,1970-01-01T00:00:00.000000Z\r\n");
    free(s);
    growbuf_free(&r.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_wire_strings),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
