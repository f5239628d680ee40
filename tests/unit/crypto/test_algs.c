/*
 * test_algs.c — digests fetched once per process (src/crypto/algs): every
 * digest is there with its size, names find the same object, digests match
 * known answers, and threads racing to the first call all get the same
 * fetched objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "algs.h"

static void test_every_digest_present(void **state)
{
    (void)state;
    static const int sizes[ALGS_N_MD] = {[ALGS_MD5] = 16, [ALGS_SHA1] = 20, [ALGS_SHA256] = 32,
                                         [ALGS_SHA384] = 48, [ALGS_SHA512] = 64};
    for (int i = 0; i < ALGS_N_MD; i++) {
        const EVP_MD *md = algs_md_get((algs_md)i);
        assert_non_null(md);
        assert_int_equal(EVP_MD_get_size(md), sizes[i]);
        assert_ptr_equal(algs_md_get((algs_md)i), md); /* fetched once */
    }
    assert_null(algs_md_get(ALGS_N_MD));
}

static void test_names(void **state)
{
    (void)state;
    assert_ptr_equal(algs_md_named("SHA256"), algs_md_get(ALGS_SHA256));
    assert_ptr_equal(algs_md_named("sha2-256"), algs_md_get(ALGS_SHA256));
    assert_ptr_equal(algs_md_named("SHA384"), algs_md_get(ALGS_SHA384));
    assert_ptr_equal(algs_md_named("sha1"), algs_md_get(ALGS_SHA1));
    assert_null(algs_md_named("MD5-SHA1")); /* not prefetched: the caller fetches it */
    assert_null(algs_md_named("no-such-digest"));
    assert_null(algs_md_named(NULL));
}

static void test_known_answers(void **state)
{
    (void)state;
    unsigned char out[64];
    unsigned int n = 0;
    static const unsigned char sha256_abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    assert_int_equal(algs_digest(ALGS_SHA256, "abc", 3, out, &n), 1);
    assert_int_equal(n, 32);
    assert_memory_equal(out, sha256_abc, 32);
    static const unsigned char md5_abc[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                              0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
    assert_int_equal(algs_digest(ALGS_MD5, "abc", 3, out, &n), 1);
    assert_int_equal(n, 16);
    assert_memory_equal(out, md5_abc, 16);
    assert_int_equal(algs_digest(ALGS_N_MD, "abc", 3, out, &n), 0);
}

static void *first_call(void *arg)
{
    *(const EVP_MD **)arg = algs_md_get(ALGS_SHA384);
    return NULL;
}

static void test_threads_share_one_fetch(void **state)
{
    (void)state;
    enum { N = 8 };
    pthread_t th[N];
    const EVP_MD *got[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, first_call, &got[i]), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(got[i], algs_md_get(ALGS_SHA384));
}

int main(void)
{
    /* the race test first: no earlier call has fetched anything */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_one_fetch),
        cmocka_unit_test(test_every_digest_present),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
