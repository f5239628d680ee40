/*
 * test_chain_anchors.c — the system store read from a directory of hashed
 * links (chain_system_store): with SSL_CERT_DIR a c_rehash-style directory
 * and no SSL_CERT_FILE, a server chain to the root linked there is trusted,
 * one to another root is not, and no certificate is read before a chain
 * asks for one (the store starts empty). One process, one system store: the
 * environment is set before the first chain_ctx.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain_ctx_access.h"
#include "chain_verify.h"
#include "pki/test_pki.h"

static EVP_PKEY *k_root, *k_other, *k_leaf;
static X509 *root, *other, *leaf, *stray;
static char *dir;

static int setup(void **state)
{
    (void)state;
    k_root = tp_key_ec();
    k_other = tp_key_ec();
    k_leaf = tp_key_ec();
    tp_opts ca = {.nb = TP_T0 - 1000 * TP_DAY, .na = TP_T0 + 3650 * TP_DAY, .ca = 1, .pathlen = -1,
                  .org = "Anchor Test"};
    root = tp_cert("Linked Root CA", k_root, NULL, NULL, &ca);
    other = tp_cert("Unlinked Root CA", k_other, NULL, NULL, &ca);
    tp_opts sv = {.ca = 0, .pathlen = -1, .eku = "serverAuth", .san = "DNS:server.test"};
    leaf = tp_cert("server.test", k_leaf, root, k_root, &sv);
    stray = tp_cert("server.test", k_leaf, other, k_other, &sv);

    /* what update-ca-certificates makes: <subject hash>.0 -> the PEM file */
    dir = tp_tmpdir("anchors");
    free(tp_write_pem(dir, "linked-root.pem", &root, 1));
    char link[4096];
    snprintf(link, sizeof link, "%s/%08lx.0", dir, X509_subject_name_hash(root));
    assert_int_equal(symlink("linked-root.pem", link), 0);
    setenv("SSL_CERT_DIR", dir, 1);
    unsetenv("SSL_CERT_FILE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509 *all[] = {root, other, leaf, stray};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        X509_free(all[i]);
    EVP_PKEY_free(k_root);
    EVP_PKEY_free(k_other);
    EVP_PKEY_free(k_leaf);
    tp_rmtree(dir);
    free(dir);
    return 0;
}

static chain_report *analyze_server(chain_ctx *c, X509 *x)
{
    bytes_t v = tp_der(x);
    chain_input in = {&v, 1, CHAIN_SIDE_SERVER, "server.test", TP_T0, NULL, 0};
    chain_report *r = chain_analyze_bucket(c, &in, NULL, NULL);
    tp_free_chain(&v, 1);
    assert_non_null(r);
    return r;
}

static void test_hashed_dir_read_on_demand(void **state)
{
    (void)state;
    chain_config cfg = {.use_system_store_for_server = true};
    char *err = NULL;
    chain_ctx *c = chain_ctx_new(&cfg, &err);
    assert_non_null(c);
    X509_STORE *st = chain_ctx_store(c, CHAIN_SIDE_SERVER);
    assert_non_null(st);
    X509_STORE *sys = chain_system_store();
    assert_ptr_equal(st, sys);
    X509_STORE_free(sys);
    assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)), 0); /* nothing read yet */

    chain_report *r = analyze_server(c, leaf);
    assert_true(r->trust_checked);
    assert_true(r->valid);
    chain_report_unref(r);
    assert_true(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) >= 1); /* the root, read for it */

    r = analyze_server(c, stray);
    assert_true(r->trust_checked);
    assert_false(r->valid);
    chain_report_unref(r);
    chain_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashed_dir_read_on_demand),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
