/* test_cursor.c — the bounds-checked reader: every read either succeeds whole or leaves the
 * cursor where it was, and child cursors report offsets relative to the outermost buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cursor.h"

static void test_fixed_width_reads(void **state)
{
    (void)state;
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    cur_t c;
    cur_init(&c, b, sizeof(b));
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    assert_true(cur_get_u8(&c, &u8));
    assert_int_equal(u8, 0x01);
    assert_true(cur_get_u16(&c, &u16));
    assert_int_equal(u16, 0x0203);
    assert_true(cur_get_u24(&c, &u32));
    assert_int_equal(u32, 0x040506);
    assert_false(cur_get_u16(&c, &u16)); /* one byte left */
    assert_int_equal(cur_remaining(&c), 1);
    assert_false(cur_get_u32(&c, &u32));
    assert_int_equal(cur_abs_offset(&c), 6);
    assert_true(cur_get_u8(&c, &u8));
    assert_true(cur_at_end(&c));
    assert_false(cur_get_u8(&c, &u8));
}

static void test_copy_and_sub(void **state)
{
    (void)state;
    const uint8_t b[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    cur_t c;
    cur_init(&c, b, sizeof(b));
    uint8_t out[8] = {0};
    assert_false(cur_copy_bytes(&c, out, 6));
    assert_int_equal(c.off, 0);
    assert_int_equal(out[0], 0); /* nothing written on failure */
    assert_true(cur_copy_bytes(&c, out, 0));
    assert_true(cur_copy_bytes(&c, out, 2));
    assert_memory_equal(out, "\xaa\xbb", 2);

    cur_t child;
    assert_false(cur_get_sub(&c, 4, &child));
    assert_int_equal(c.off, 2);
    assert_true(cur_get_sub(&c, 2, &child));
    assert_int_equal(child.len, 2);
    assert_int_equal(child.off, 0);
    assert_int_equal(cur_abs_offset(&child), 2); /* offsets stay absolute */
    assert_ptr_equal(cur_ptr(&child), b + 2);

    cur_t grandchild;
    assert_true(cur_skip(&child, 1));
    assert_true(cur_get_sub(&child, 1, &grandchild));
    assert_int_equal(cur_abs_offset(&grandchild), 3);

    cur_t rest;
    cur_take_rest(&c, &rest);
    assert_true(cur_at_end(&c));
    assert_int_equal(rest.len, 1);
    assert_int_equal(cur_abs_offset(&rest), 4);
}

/* A vector of each prefix width: whole, then every truncation (must fail and leave the
 * parent untouched), then a length that points past the end. */
static void check_prefixed(bool (*get)(cur_t *, cur_t *), size_t width)
{
    uint8_t b[16];
    memset(b, 0x5a, sizeof(b));
    memset(b, 0, width);
    b[width - 1] = 3; /* three body bytes */
    size_t whole = width + 3;

    cur_t c, child;
    cur_init(&c, b, whole);
    c.base = 100;
    assert_true(get(&c, &child));
    assert_true(cur_at_end(&c));
    assert_int_equal(child.len, 3);
    assert_int_equal(cur_abs_offset(&child), 100 + width);

    for (size_t k = 0; k < whole; k++) {
        cur_init(&c, b, k);
        cur_t before = c;
        memset(&child, 0xee, sizeof(child));
        assert_false(get(&c, &child));
        assert_memory_equal(&c, &before, sizeof(c));
    }

    b[width - 1] = 4; /* one more than there is */
    cur_init(&c, b, whole);
    assert_false(get(&c, &child));
    assert_int_equal(c.off, 0);

    if (width > 1) { /* the high bytes of the length count */
        b[width - 1] = 3;
        b[0] = 1;
        cur_init(&c, b, sizeof(b));
        assert_false(get(&c, &child));
        assert_int_equal(c.off, 0);
    }

    memset(b, 0, width); /* an empty vector */
    cur_init(&c, b, width);
    assert_true(get(&c, &child));
    assert_true(cur_at_end(&child));
    assert_true(cur_at_end(&c));
}

static void test_prefixed_u8(void **state)
{
    (void)state;
    check_prefixed(cur_get_prefixed_u8, 1);
}

static void test_prefixed_u16(void **state)
{
    (void)state;
    check_prefixed(cur_get_prefixed_u16, 2);
}

static void test_prefixed_u24(void **state)
{
    (void)state;
    check_prefixed(cur_get_prefixed_u24, 3);
}

static void test_null_data(void **state)
{
    (void)state;
    cur_t c, child;
    cur_init(&c, NULL, 10);
    assert_int_equal(cur_remaining(&c), 0);
    assert_null(cur_ptr(&c));
    assert_false(cur_get_prefixed_u8(&c, &child));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_width_reads), cmocka_unit_test(test_copy_and_sub),
        cmocka_unit_test(test_prefixed_u8),       cmocka_unit_test(test_prefixed_u16),
        cmocka_unit_test(test_prefixed_u24),      cmocka_unit_test(test_null_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
