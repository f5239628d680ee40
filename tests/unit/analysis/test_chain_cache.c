/*
 * test_chain_cache.c — the chain cache: a repeated chain is analyzed once
 * (same report pointer, a hit by chain_cache_analyze's out_hit), the key
 * covers chain bytes, side, SNI and trust context, validity buckets split
 * exactly at the certificate time boundaries, and eviction keeps reports
 * alive for their holders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chain_cache.h"
#include "pki/test_pki.h"

static char *dir;
static EVP_PKEY *k_root, *k_int, *k_leaf;
static X509 *root, *inter, *leaf, *leaf2;
static bytes_t chain[2], chain2[2];
static chain_ctx *ctx, *ctx2;

/* leaf validity: [T0 - 10d, T0 + 100d]; CAs are much longer */
#define NB (TP_T0 - 10 * TP_DAY)
#define NA (TP_T0 + 100 * TP_DAY)

static int setup(void **state)
{
    (void)state;
    dir = tp_tmpdir("cache");
    k_root = tp_key_ec();
    k_int = tp_key_ec();
    k_leaf = tp_key_ec();
    tp_opts ca = {.nb = TP_T0 - 1000 * TP_DAY, .na = TP_T0 + 3650 * TP_DAY, .ca = 1, .pathlen = -1};
    root = tp_cert("Cache Root", k_root, NULL, NULL, &ca);
    inter = tp_cert("Cache Intermediate", k_int, root, k_root, &ca);
    tp_opts o = {.nb = NB, .na = NA, .ca = 0, .pathlen = -1, .eku = "clientAuth,serverAuth",
                 .san = "DNS:a.test"};
    leaf = tp_cert("a.test", k_leaf, inter, k_int, &o);
    o.serial = 2;
    leaf2 = tp_cert("b.test", k_leaf, inter, k_int, &o);
    chain[0] = tp_der(leaf);
    chain[1] = tp_der(inter);
    chain2[0] = tp_der(leaf2);
    chain2[1] = tp_der(inter);
    char *pem = tp_write_pem(dir, "root.pem", &root, 1);
    chain_config cfg = {.ca_path = pem};
    ctx = chain_ctx_new(&cfg, NULL);
    ctx2 = chain_ctx_new(&cfg, NULL);
    free(pem);
    assert_non_null(ctx);
    assert_non_null(ctx2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    chain_ctx_free(ctx);
    chain_ctx_free(ctx2);
    tp_free_chain(chain, 2);
    tp_free_chain(chain2, 2);
    X509_free(root);
    X509_free(inter);
    X509_free(leaf);
    X509_free(leaf2);
    EVP_PKEY_free(k_root);
    EVP_PKEY_free(k_int);
    EVP_PKEY_free(k_leaf);
    tp_rmtree(dir);
    free(dir);
    return 0;
}

/* Hits and misses as the caller sees them (chain_cache_analyze's out_hit),
 * counted by cached(); each test starts from zero. */
static struct {
    unsigned hits, misses;
} seen;

/* chain_cache_analyze of a chain without CertificateRequest CA names. */
static const chain_report *cached(chain_cache *c, chain_ctx *x, const bytes_t *certs, size_t n, int side,
                                  const char *sni, int64_t t)
{
    chain_input in = {certs, n, side, sni, t, NULL, 0};
    bool hit = true;
    const chain_report *r = chain_cache_analyze(c, x, &in, &hit);
    if (hit)
        seen.hits++;
    else
        seen.misses++;
    return r;
}

static chain_cache *fresh_cache(size_t max_entries)
{
    memset(&seen, 0, sizeof(seen));
    return chain_cache_new(max_entries);
}

static void test_hit_returns_same_report(void **state)
{
    (void)state;
    chain_cache *c = fresh_cache(16);
    assert_non_null(c);
    const chain_report *a = cached(c, ctx, chain, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_non_null(a);
    assert_true(a->valid);
    assert_int_equal(seen.misses, 1);
    assert_int_equal(seen.hits, 0);
    /* a copy of the same bytes, elsewhere in memory, a second later */
    bytes_t copy[2];
    for (int i = 0; i < 2; i++) {
        copy[i].len = chain[i].len;
        copy[i].data = malloc(chain[i].len);
        memcpy(copy[i].data, chain[i].data, chain[i].len);
    }
    const chain_report *b = cached(c, ctx, copy, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0 + 1);
    assert_ptr_equal(a, b);
    assert_int_equal(a->refs, 3); /* cache + two holders */
    assert_int_equal(seen.hits, 1);
    assert_int_equal(seen.misses, 1);
    tp_free_chain(copy, 2);
    chain_report_unref(a);
    chain_report_unref(b);
    chain_cache_free(c);
}

static void test_key_parts(void **state)
{
    (void)state;
    chain_cache *c = fresh_cache(16);
    const chain_report *r[6];
    r[0] = cached(c, ctx, chain, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    r[1] = cached(c, ctx, chain, 2, CHAIN_SIDE_SERVER, NULL, TP_T0);   /* side */
    r[2] = cached(c, ctx, chain, 2, CHAIN_SIDE_SERVER, "a.test", TP_T0); /* SNI */
    r[3] = cached(c, ctx, chain, 2, CHAIN_SIDE_SERVER, "x.test", TP_T0);
    r[4] = cached(c, ctx2, chain, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);  /* trust ctx */
    r[5] = cached(c, ctx, chain2, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);  /* bytes */
    assert_int_equal(seen.misses, 6);
    assert_int_equal(seen.hits, 0);
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++)
            assert_ptr_not_equal(r[i], r[j]);
    assert_true(r[2]->valid);
    assert_false(r[3]->valid);
    assert_true(findings_has(&r[3]->findings, "hostname_mismatch"));
    /* a chain that is a prefix of another (one cert fewer) is another key */
    const chain_report *p = cached(c, ctx, chain, 1, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_int_equal(seen.misses, 7);
    /* the intermediate the other chains sent is not known to it */
    assert_true(findings_has(&p->findings, "untrusted_root"));
    chain_report_unref(p);
    for (int i = 0; i < 6; i++)
        chain_report_unref(r[i]);
    chain_cache_free(c);
}

static const chain_report *at(chain_cache *c, int64_t t)
{
    const chain_report *r = cached(c, ctx, chain, 2, CHAIN_SIDE_CLIENT, NULL, t);
    assert_non_null(r);
    return r;
}

static void test_validity_buckets(void **state)
{
    (void)state;
    chain_cache *c = fresh_cache(64);
    const int64_t soon = NA - CHAIN_EXPIRES_SOON_SECS + 1; /* first second of "expires soon" */
    const chain_report *mid = at(c, TP_T0);
    const chain_report *r;
    /* anywhere inside [NB, soon) is the same answer */
    r = at(c, NB);
    assert_ptr_equal(r, mid);
    chain_report_unref(r);
    r = at(c, soon - 1);
    assert_ptr_equal(r, mid);
    chain_report_unref(r);
    assert_int_equal(seen.hits, 2);
    assert_true(mid->valid);
    assert_false(findings_has(&mid->findings, "cert_expires_soon"));
    /* crossing into the expires-soon window is a new bucket */
    const chain_report *s = at(c, soon);
    assert_ptr_not_equal(s, mid);
    assert_true(findings_has(&s->findings, "cert_expires_soon"));
    assert_true(s->valid);
    r = at(c, NA); /* the last valid second is in the same bucket */
    assert_ptr_equal(r, s);
    chain_report_unref(r);
    /* one second after notAfter: expired */
    const chain_report *e = at(c, NA + 1);
    assert_ptr_not_equal(e, s);
    assert_false(e->valid);
    assert_true(findings_has(&e->findings, "cert_expired"));
    r = at(c, NA + 500 * TP_DAY);
    assert_ptr_equal(r, e);
    chain_report_unref(r);
    /* one second before notBefore: not yet valid */
    const chain_report *y = at(c, NB - 1);
    assert_ptr_not_equal(y, mid);
    assert_true(findings_has(&y->findings, "cert_not_yet_valid"));
    /* beyond the intermediate's notAfter the bucket changes again */
    const chain_report *late = at(c, TP_T0 + 3651 * TP_DAY);
    assert_ptr_not_equal(late, e);
    assert_int_equal(seen.misses, 5);
    assert_int_equal(seen.hits, 4);
    chain_report_unref(mid);
    chain_report_unref(s);
    chain_report_unref(e);
    chain_report_unref(y);
    chain_report_unref(late);
    chain_cache_free(c);
}

static void test_eviction_keeps_reports_alive(void **state)
{
    (void)state;
    chain_cache *c = fresh_cache(2);
    const chain_report *a = cached(c, ctx, chain, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    const chain_report *b = cached(c, ctx, chain2, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    const chain_report *d = cached(c, ctx, chain, 2, CHAIN_SIDE_SERVER, NULL, TP_T0);
    /* the oldest (a) was evicted: the holder's reference keeps it alive;
     * b and d are held by the cache and their holders */
    assert_int_equal(a->refs, 1);
    assert_int_equal(b->refs, 2);
    assert_int_equal(d->refs, 2);
    assert_string_equal(a->certs[0].subject, "CN=a.test");
    /* asking again for a is a miss that evicts b */
    const chain_report *a2 = cached(c, ctx, chain, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_ptr_not_equal(a2, a);
    assert_false(seen.hits);
    assert_int_equal(b->refs, 1);
    assert_int_equal(a2->refs, 2);
    /* d is still cached */
    const chain_report *d2 = cached(c, ctx, chain, 2, CHAIN_SIDE_SERVER, NULL, TP_T0);
    assert_ptr_equal(d2, d);
    chain_cache_free(c); /* drops the cache's references only */
    assert_int_equal(d->refs, 2);
    chain_report_unref(a);
    chain_report_unref(a2);
    chain_report_unref(b);
    chain_report_unref(d);
    chain_report_unref(d2);
    chain_cache_free(NULL);
}

static void test_many_repeats_cost_one_analysis(void **state)
{
    (void)state;
    chain_cache *c = fresh_cache(0);
    for (int i = 0; i < 10000; i++) {
        const chain_report *r = cached(c, ctx, chain, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0 + i);
        assert_non_null(r);
        chain_report_unref(r);
    }
    assert_int_equal(seen.misses, 1);
    assert_int_equal(seen.hits, 9999);
    chain_cache_free(c);
}

/* A chain's report never depends on other chains analysed before it (one
 * connection, one diagnosis): a leaf-only chain stays untrusted_root, and a
 * hit, after a chain that sends the intermediate; the CertificateRequest's CA
 * names are part of the key (they can turn untrusted_root into
 * missing_intermediate). */
static void test_independent_of_other_chains(void **state)
{
    (void)state;
    char *pem = tp_write_pem(dir, "root-only.pem", &root, 1);
    chain_config cfg = {.ca_path = pem};
    chain_ctx *fresh = chain_ctx_new(&cfg, NULL);
    free(pem);
    assert_non_null(fresh);
    chain_cache *c = fresh_cache(16);
    const chain_report *p = cached(c, fresh, chain, 1, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_true(findings_has(&p->findings, "untrusted_root"));
    /* another connection sends leaf + intermediate */
    const chain_report *full = cached(c, fresh, chain2, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_true(full->valid);
    const chain_report *q = cached(c, fresh, chain, 1, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_ptr_equal(q, p); /* a hit: the same answer as before */
    assert_true(findings_has(&q->findings, "untrusted_root"));
    assert_int_equal(seen.misses, 2);
    /* a fresh cache gives the same answer whatever came first */
    chain_cache *c2 = chain_cache_new(16);
    const chain_report *full2 = cached(c2, fresh, chain2, 2, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    const chain_report *q2 = cached(c2, fresh, chain, 1, CHAIN_SIDE_CLIENT, NULL, TP_T0);
    assert_true(findings_has(&q2->findings, "untrusted_root"));
    assert_false(findings_has(&q2->findings, "missing_intermediate"));
    /* the same chain with the intermediate's name in the CertificateRequest: another key */
    bytes_t nm = {NULL, 0};
    int len = i2d_X509_NAME(X509_get_subject_name(inter), &nm.data);
    assert_true(len > 0);
    nm.len = (size_t)len;
    chain_input in = {chain, 1, CHAIN_SIDE_CLIENT, NULL, TP_T0, &nm, 1};
    const chain_report *listed = chain_cache_analyze(c2, fresh, &in, NULL);
    assert_ptr_not_equal(listed, q2);
    assert_true(findings_has(&listed->findings, "missing_intermediate"));
    const chain_report *listed2 = chain_cache_analyze(c2, fresh, &in, NULL);
    assert_ptr_equal(listed, listed2);
    /* server chains ignore CA names: a hit on the key without them */
    const chain_report *s1 = cached(c2, fresh, chain, 1, CHAIN_SIDE_SERVER, NULL, TP_T0);
    chain_input sin = {chain, 1, CHAIN_SIDE_SERVER, NULL, TP_T0, &nm, 1};
    const chain_report *s2 = chain_cache_analyze(c2, fresh, &sin, NULL);
    assert_ptr_not_equal(s1, NULL);
    assert_true(findings_has(&s2->findings, "untrusted_root"));
    OPENSSL_free(nm.data);
    const chain_report *all[] = {p, full, q, full2, q2, listed, listed2, s1, s2};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        chain_report_unref(all[i]);
    chain_cache_free(c);
    chain_cache_free(c2);
    chain_ctx_free(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_returns_same_report),
        cmocka_unit_test(test_key_parts),
        cmocka_unit_test(test_validity_buckets),
        cmocka_unit_test(test_eviction_keeps_reports_alive),
        cmocka_unit_test(test_many_repeats_cost_one_analysis),
        cmocka_unit_test(test_independent_of_other_chains),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
