/* test_scratch.c — the bump allocator the JSON objects are built in: aligned,
 * zeroed when asked, blocks reused after a reset, allocations larger than a
 * block, and no two live allocations overlapping. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scratch.h"

static void test_alloc_reset(void **st)
{
    (void)st;
    scratch *s = scratch_new();
    assert_non_null(s);
    unsigned char *seen[4000];
    size_t sizes[4000];
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 4000; i++) {
            sizes[i] = i % 97 == 0 ? 100000 : 1 + i % 300; /* some larger than a block */
            unsigned char *p = scratch_zalloc(s, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
            for (size_t k = 0; k < sizes[i]; k++)
                assert_int_equal(p[k], 0);
            memset(p, (int)(i & 0xff) | 1, sizes[i]);
            seen[i] = p;
        }
        /* nothing overwrote anything: every allocation still holds its own bytes */
        for (size_t i = 0; i < 4000; i++)
            for (size_t k = 0; k < sizes[i]; k += 37)
                assert_int_equal(seen[i][k], (int)(i & 0xff) | 1);
        unsigned char *first = seen[0];
        scratch_reset(s);
        /* after a reset the memory is reused, from the start */
        unsigned char *again = scratch_alloc(s, 1);
        assert_ptr_equal(again, first);
        scratch_reset(s);
    }
    char *c = scratch_strndup(s, "hello, world", 5);
    assert_string_equal(c, "hello");
    assert_null(scratch_alloc(s, SIZE_MAX - 8)); /* overflow is an error, not a wrap */
    scratch_free(s);
    scratch_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
