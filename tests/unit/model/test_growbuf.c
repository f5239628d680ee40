/* test_growbuf.c — the one growable buffer: byte appends within a max, the
 * growth rule (first capacity, doubling, clamp to max, exact fit), consume,
 * clear, detach, the text helpers (NUL-terminated, printf across a regrowth)
 * and the sticky failed flag of a string builder, including a real
 * allocation failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "growbuf.h"

/* A request the allocator refuses, under AddressSanitizer too. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#define HUGE_NEED (SIZE_MAX / 4)

static void test_append_growth(void **state)
{
    (void)state;
    growbuf b = {0};
    uint8_t chunk[700];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (uint8_t)i;
    assert_int_equal(growbuf_append_first(&b, chunk, 100, 1024, 5000), 0);
    assert_int_equal(b.len, 100);
    assert_int_equal(b.cap, 1024); /* the first capacity */
    assert_int_equal(growbuf_append_first(&b, chunk, 700, 1024, 5000), 0);
    assert_int_equal(growbuf_append_first(&b, chunk, 700, 1024, 5000), 0);
    assert_int_equal(b.len, 1500);
    assert_int_equal(b.cap, 2048); /* doubled */
    assert_memory_equal(b.p + 100, chunk, 700);
    assert_memory_equal(b.p + 800, chunk, 700);
    for (int i = 0; i < 4; i++)
        assert_int_equal(growbuf_append_first(&b, chunk, 700, 1024, 5000), 0);
    assert_int_equal(b.len, 4300);
    assert_int_equal(b.cap, 5000); /* 8192 clamped to max */
    assert_false(b.failed);

    /* over max: refused, nothing changed */
    uint8_t *p = b.p;
    assert_int_equal(growbuf_append_first(&b, chunk, 701, 1024, 5000), -1);
    assert_ptr_equal(b.p, p);
    assert_int_equal(b.len, 4300);
    assert_int_equal(b.cap, 5000);
    assert_true(b.failed);
    /* ... but the byte functions do not read the flag: exactly max still fits */
    assert_int_equal(growbuf_append_first(&b, chunk, 700, 1024, 5000), 0);
    assert_int_equal(b.len, 5000);
    assert_int_equal(growbuf_append_first(&b, NULL, 0, GROWBUF_FIRST, 5000), 0);
    assert_int_equal(growbuf_append_first(&b, chunk, 1, GROWBUF_FIRST, SIZE_MAX), 0); /* a larger max grows on */
    assert_int_equal(b.cap, 10000);
    growbuf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.len + b.cap, 0);
    assert_false(b.failed);
}

static void test_reserve(void **state)
{
    (void)state;
    growbuf b = {0};
    assert_int_equal(growbuf_reserve(&b, 1, 100000), 0);
    assert_int_equal(b.cap, GROWBUF_FIRST);
    assert_int_equal(growbuf_reserve(&b, GROWBUF_FIRST, 100000), 0);
    assert_int_equal(b.cap, GROWBUF_FIRST); /* already held */
    assert_int_equal(growbuf_reserve(&b, 3 * GROWBUF_FIRST, 100000), 0);
    assert_int_equal(b.cap, 4 * GROWBUF_FIRST);
    assert_int_equal(growbuf_reserve(&b, 100001, 100000), -1);
    assert_int_equal(b.cap, 4 * GROWBUF_FIRST);
    assert_int_equal(b.len, 0);
    /* exact fit: grows to exactly what is asked, never shrinks */
    assert_int_equal(growbuf_reserve_exact(&b, 1500), 0);
    assert_int_equal(b.cap, 1500);
    assert_int_equal(growbuf_reserve_exact(&b, 100), 0);
    assert_int_equal(b.cap, 1500);
    growbuf_free(&b);
    assert_int_equal(growbuf_reserve_exact(&b, 77), 0);
    assert_int_equal(b.cap, 77);
    /* first 0: the default first capacity */
    growbuf_free(&b);
    assert_int_equal(growbuf_reserve_first(&b, 5, 0, SIZE_MAX), 0);
    assert_int_equal(b.cap, GROWBUF_FIRST);
    growbuf_free(&b);
    growbuf_free(&b); /* twice */
    growbuf_free(NULL);
}

static void test_consume_clear_detach(void **state)
{
    (void)state;
    growbuf b = {0};
    assert_int_equal(growbuf_append_first(&b, "abcdefgh", 8, GROWBUF_FIRST, 64), 0);
    growbuf_consume(&b, 3);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.p, "defgh", 5);
    growbuf_consume(&b, 0);
    assert_int_equal(b.len, 5);
    size_t cap = b.cap;
    growbuf_consume(&b, 99);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap); /* the memory stays */

    assert_int_equal(growbuf_append_first(&b, "xy", 2, GROWBUF_FIRST, 64), 0);
    assert_int_equal(growbuf_append_first(&b, "z", 1, GROWBUF_FIRST, 2), -1);
    assert_true(b.failed);
    growbuf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_false(b.failed);
    assert_int_equal(b.cap, cap);

    assert_int_equal(growbuf_append_first(&b, "kept", 4, GROWBUF_FIRST, 64), 0);
    uint8_t *p = growbuf_detach(&b);
    assert_non_null(p);
    assert_memory_equal(p, "kept", 4);
    assert_null(b.p);
    assert_int_equal(b.len + b.cap, 0);
    free(p);
    assert_null(growbuf_detach(&b));
}

static void test_text(void **state)
{
    (void)state;
    growbuf b = {0};
    assert_string_equal(growbuf_cstr(&b), "");
    growbuf_puts(&b, "");
    assert_non_null(b.p); /* NUL-terminated even when empty */
    assert_string_equal(growbuf_cstr(&b), "");
    growbuf_puts(&b, "ja3");
    growbuf_putn(&b, ",771,xyz", 5);
    assert_string_equal(growbuf_cstr(&b), "ja3,771,");
    assert_int_equal(b.len, 8);
    growbuf_printf(&b, "%s-%u-%zu", "a", 7u, (size_t)42);
    assert_string_equal(growbuf_cstr(&b), "ja3,771,a-7-42");
    char *s = growbuf_take(&b);
    assert_string_equal(s, "ja3,771,a-7-42");
    free(s);
    assert_null(b.p);

    /* nothing written: take hands over "" */
    s = growbuf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

/* printf that needs more than the room left, several times over */
static void test_printf_growth(void **state)
{
    (void)state;
    growbuf b = {0};
    char want[5000] = "";
    size_t wl = 0;
    for (int i = 0; i < 40; i++) {
        growbuf_printf(&b, "<%d:%*s>", i, i * 3, "x");
        wl += (size_t)snprintf(want + wl, sizeof want - wl, "<%d:%*s>", i, i * 3, "x");
        assert_int_equal(b.len, wl);
        assert_string_equal(growbuf_cstr(&b), want);
    }
    assert_true(b.cap > b.len);
    /* a piece far bigger than the buffer */
    growbuf_clear(&b);
    size_t cap = b.cap;
    growbuf_printf(&b, "%9000s|", "end");
    assert_int_equal(b.len, 9001);
    assert_true(b.cap > cap);
    assert_memory_equal(b.p + 8997, "end|", 5);
    growbuf_free(&b);
}

/* a string builder after a failure: appends are no-ops, take gives NULL */
static void test_failed_flag(void **state)
{
    (void)state;
    growbuf b = {0};
    growbuf_puts(&b, "before");
    b.failed = true;
    growbuf_puts(&b, " after");
    growbuf_putn(&b, "x", 1);
    growbuf_printf(&b, "%d", 5);
    assert_int_equal(b.len, 6);
    assert_string_equal(growbuf_cstr(&b), "before"); /* what was written before the failure */
    assert_null(growbuf_take(&b));
    assert_null(b.p); /* freed */
    assert_false(b.failed);
}

/* a real allocation failure: the buffer is unchanged and the flag set */
/* A typed array grown one element at a time: room is made only when full,
 * doubling from the first capacity; the elements survive each growth; an
 * element size that would overflow is refused with the array unchanged. */
static void test_array_room(void **state)
{
    (void)state;
    struct rec {
        uint64_t id;
        char tag[12];
    } *v = NULL;
    size_t n = 0, cap = 0;
    for (uint64_t i = 0; i < 100; i++) {
        assert_int_equal(growbuf_array_room(&v, &cap, n, sizeof(*v), 4), 0);
        assert_true(cap > n);
        v[n].id = i;
        snprintf(v[n].tag, sizeof v[n].tag, "r%llu", (unsigned long long)i);
        n++;
    }
    assert_int_equal(cap, 128); /* 4, 8, ..., 128 */
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(v[i].id, i);
    assert_string_equal(v[99].tag, "r99");
    struct rec *before = v;
    assert_int_equal(growbuf_array_room(&v, &cap, 50, sizeof(*v), 4), 0); /* not full: nothing */
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 128);
    assert_int_equal(growbuf_array_room(&v, &cap, n = 128, SIZE_MAX / 64, 4), -1); /* 256 x that overflows */
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 128);
    free(v);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    growbuf b = {0};
    assert_int_equal(growbuf_append_first(&b, "abc", 3, GROWBUF_FIRST, SIZE_MAX), 0);
    uint8_t *p = b.p;
    size_t cap = b.cap;
    assert_int_equal(growbuf_reserve(&b, HUGE_NEED, SIZE_MAX), -1);
    assert_true(b.failed);
    assert_ptr_equal(b.p, p);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.p, "abc", 3);
    assert_int_equal(growbuf_reserve_exact(&b, HUGE_NEED), -1);
    assert_int_equal(b.cap, cap);
    growbuf_free(&b);

    /* a string builder: a piece that cannot be held, then nothing more */
    growbuf_puts(&b, "start");
    char *big = malloc(64);
    assert_non_null(big);
    growbuf_putn(&b, big, HUGE_NEED); /* not read: the room is refused first */
    free(big);
    assert_true(b.failed);
    assert_string_equal(growbuf_cstr(&b), "start");
    growbuf_puts(&b, "more");
    assert_string_equal(growbuf_cstr(&b), "start");
    assert_null(growbuf_take(&b));

    /* overflowing sizes are refused, not wrapped */
    assert_int_equal(growbuf_append_first(&b, "ab", 2, GROWBUF_FIRST, SIZE_MAX), 0);
    assert_int_equal(growbuf_append_first(&b, "ab", SIZE_MAX, GROWBUF_FIRST, SIZE_MAX), -1);
    assert_int_equal(b.len, 2);
    growbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_growth),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_consume_clear_detach),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_printf_growth),
        cmocka_unit_test(test_failed_flag),
        cmocka_unit_test(test_array_room),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
