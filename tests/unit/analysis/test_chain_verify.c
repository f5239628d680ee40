/*
 * test_chain_verify.c — chain validation on a PKI made by OpenSSL inside the
 * test (tests/unit/pki/test_pki.h): each finding code, each X509_V_ERR
 * mapping, trust_checked=false, validation time, acceptable-CA matching;
 * missing issuer judged by what is known (missing_intermediate vs
 * untrusted_root), also on the real sample PKI (samples/pki).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "chain_ctx_access.h"
#include "chain_verify.h"
#include "pki/test_pki.h"

typedef struct pki {
    char *dir;
    EVP_PKEY *k_root, *k_int, *k_leaf, *k_rogue, *k_rsa1024;
    X509 *root, *inter, *client, *server, *rogue_root, *rogue_leaf, *expired, *notyet,
        *wrong_eku, *sha1, *weak, *selfsigned, *soon, *toolong, *ku_bad, *int_nobc,
        *leaf_nobc, *later;
    chain_ctx *ctx;         /* client and server anchors: root */
    chain_ctx *ctx_notrust; /* no anchors at all */
} pki;

static pki P;

static X509 *leaf_from(const char *cn, const tp_opts *o, X509 *issuer, EVP_PKEY *ik)
{
    return tp_cert(cn, P.k_leaf, issuer, ik, o);
}

static int setup(void **state)
{
    (void)state;
    P.dir = tp_tmpdir("chain");
    P.k_root = tp_key_ec();
    P.k_int = tp_key_ec();
    P.k_leaf = tp_key_ec();
    P.k_rogue = tp_key_ec();
    P.k_rsa1024 = tp_key_rsa(1024);
    tp_opts ca = {.nb = TP_T0 - 1000 * TP_DAY, .na = TP_T0 + 3650 * TP_DAY, .ca = 1,
                  .pathlen = -1, .org = "Test"};
    P.root = tp_cert("Test Root CA", P.k_root, NULL, NULL, &ca);
    ca.pathlen = 0;
    P.inter = tp_cert("Test Intermediate CA", P.k_int, P.root, P.k_root, &ca);
    P.rogue_root = tp_cert("Rogue Root CA", P.k_rogue, NULL, NULL, &ca);

    tp_opts cl = {.ca = 0, .pathlen = -1, .eku = "clientAuth", .org = "Test"};
    P.client = leaf_from("client.test", &cl, P.inter, P.k_int);
    P.rogue_leaf = leaf_from("client.test", &cl, P.rogue_root, P.k_rogue);
    tp_opts o = cl;
    o.nb = TP_T0 - 400 * TP_DAY;
    o.na = TP_T0 - TP_DAY;
    P.expired = leaf_from("expired.test", &o, P.inter, P.k_int);
    o.nb = TP_T0 + TP_DAY;
    o.na = TP_T0 + 300 * TP_DAY;
    P.notyet = leaf_from("notyet.test", &o, P.inter, P.k_int);
    o.nb = TP_T0 + 100 * TP_DAY; /* valid today, not at T0 */
    o.na = TP_T0 + 100000 * TP_DAY;
    P.later = leaf_from("later.test", &o, P.inter, P.k_int);
    o = cl;
    o.eku = "serverAuth";
    P.wrong_eku = leaf_from("wrongeku.test", &o, P.inter, P.k_int);
    o = cl;
    o.md = "SHA1";
    P.sha1 = leaf_from("sha1.test", &o, P.inter, P.k_int);
    P.weak = tp_cert("weak.test", P.k_rsa1024, P.inter, P.k_int, &cl);
    P.selfsigned = tp_cert("selfsigned.test", P.k_leaf, NULL, NULL, &cl);
    o = cl;
    o.nb = TP_T0 - 300 * TP_DAY;
    o.na = TP_T0 + 10 * TP_DAY;
    P.soon = leaf_from("soon.test", &o, P.inter, P.k_int);
    tp_opts sv = {.ca = 0, .pathlen = -1, .eku = "serverAuth", .san = "DNS:server.test"};
    P.server = leaf_from("server.test", &sv, P.inter, P.k_int);
    sv.nb = TP_T0 - 10 * TP_DAY;
    sv.na = TP_T0 + 800 * TP_DAY;
    P.toolong = leaf_from("server.test", &sv, P.inter, P.k_int);
    o = cl;
    o.ku = "critical,keyEncipherment";
    P.ku_bad = leaf_from("kubad.test", &o, P.inter, P.k_int);
    tp_opts nobc = {.ca = -1, .pathlen = -1, .ku = "", .org = "NoBC"};
    P.int_nobc = tp_cert("No BC Intermediate", P.k_rogue, P.root, P.k_root, &nobc);
    P.leaf_nobc = leaf_from("nobc-leaf.test", &cl, P.int_nobc, P.k_rogue);

    char *root_pem = tp_write_pem(P.dir, "root.pem", &P.root, 1);
    char *err = NULL;
    chain_config cfg = {.client_ca_path = root_pem, .server_ca_path = root_pem};
    P.ctx = chain_ctx_new(&cfg, &err);
    assert_null(err);
    assert_non_null(P.ctx);
    chain_config none = {.use_system_store_for_server = false};
    P.ctx_notrust = chain_ctx_new(&none, &err);
    assert_non_null(P.ctx_notrust);
    free(root_pem);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    chain_ctx_free(P.ctx);
    chain_ctx_free(P.ctx_notrust);
    X509 *all[] = {P.root, P.inter, P.client, P.server, P.rogue_root, P.rogue_leaf, P.expired,
                   P.notyet, P.wrong_eku, P.sha1, P.weak, P.selfsigned, P.soon, P.toolong,
                   P.ku_bad, P.int_nobc, P.leaf_nobc, P.later};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        X509_free(all[i]);
    EVP_PKEY_free(P.k_root);
    EVP_PKEY_free(P.k_int);
    EVP_PKEY_free(P.k_leaf);
    EVP_PKEY_free(P.k_rogue);
    EVP_PKEY_free(P.k_rsa1024);
    tp_rmtree(P.dir);
    free(P.dir);
    return 0;
}

/* Analyze a chain of up to 4 certs (NULL-terminated). */
static chain_report *analyze(chain_ctx *ctx, int side, const char *sni, int64_t t, X509 *a,
                             X509 *b, X509 *c, X509 *d)
{
    X509 *xs[4] = {a, b, c, d};
    bytes_t v[4];
    size_t n = 0;
    while (n < 4 && xs[n]) {
        v[n] = tp_der(xs[n]);
        n++;
    }
    chain_input in = {v, n, side, sni, t, NULL, 0};
    chain_report *r = chain_analyze_bucket(ctx, &in, NULL, NULL);
    tp_free_chain(v, n);
    assert_non_null(r);
    assert_int_equal(r->refs, 1);
    assert_int_equal(r->n_certs, n);
    return r;
}

static const finding_t *find(const chain_report *r, const char *code)
{
    for (size_t i = 0; i < r->findings.n; i++)
        if (strcmp(r->findings.items[i].code, code) == 0)
            return &r->findings.items[i];
    return NULL;
}

static size_t count_sev(const chain_report *r, finding_sev sev)
{
    size_t k = 0;
    for (size_t i = 0; i < r->findings.n; i++)
        k += r->findings.items[i].severity == sev;
    return k;
}

static void assert_failure(const chain_report *r, int err, int depth, const char *code,
                           const char *where)
{
    assert_false(r->valid);
    assert_int_equal(r->verify_error, err);
    assert_int_equal(r->verify_depth, depth);
    assert_non_null(r->verify_error_str);
    assert_string_equal(r->verify_error_str, X509_verify_cert_error_string(err));
    assert_non_null(r->verify_sentence);
    assert_true(strlen(r->verify_sentence) > 20);
    const finding_t *f = find(r, code);
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    if (where) {
        assert_non_null(f->where);
        assert_string_equal(f->where, where);
    }
}

static void test_valid_client_chain(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter, NULL, NULL);
    assert_true(r->trust_checked);
    assert_true(r->valid);
    assert_int_equal(r->verify_error, 0);
    assert_int_equal(r->verify_depth, -1);
    assert_null(r->trust_note);
    assert_int_equal(count_sev(r, SEV_ERROR), 0);
    assert_int_equal(count_sev(r, SEV_WARNING), 0);
    assert_string_equal(r->certs[0].subject, "CN=client.test,O=Test");
    assert_string_equal(r->certs[0].issuer, "CN=Test Intermediate CA,O=Test");
    assert_string_equal(r->certs[1].subject_cn, "Test Intermediate CA");
    chain_report_unref(r);
}

static void test_valid_server_chain_and_hostname(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, P.inter,
                              NULL, NULL);
    assert_true(r->valid);
    assert_int_equal(count_sev(r, SEV_ERROR), 0);
    chain_report_unref(r);
    r = analyze(P.ctx, CHAIN_SIDE_SERVER, "other.test", TP_T0, P.server, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_HOSTNAME_MISMATCH, 0, "hostname_mismatch", "server chain[0]");
    chain_report_unref(r);
    /* no SNI: no name to check */
    r = analyze(P.ctx, CHAIN_SIDE_SERVER, NULL, TP_T0, P.server, P.inter, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
}

static void test_expired_and_validation_time(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.expired, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_CERT_HAS_EXPIRED, 0, "cert_expired", "client chain[0]");
    chain_report_unref(r);
    /* the same chain at a handshake inside its validity is fine */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0 - 100 * TP_DAY, P.expired, P.inter, NULL, NULL);
    assert_true(r->valid);
    assert_null(find(r, "cert_expired"));
    chain_report_unref(r);
    /* --verify-time <time> overrides the handshake time */
    char *err = NULL;
    char *root_pem = NULL;
    assert_true(asprintf(&root_pem, "%s/root.pem", P.dir) > 0);
    chain_config cfg = {.ca_path = root_pem, .verify_time = TP_T0 - 100 * TP_DAY};
    chain_ctx *c2 = chain_ctx_new(&cfg, &err);
    assert_non_null(c2);
    assert_int_equal(chain_ctx_time(c2, TP_T0), TP_T0 - 100 * TP_DAY);
    r = analyze(c2, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.expired, P.inter, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
    chain_ctx_free(c2);
    /* --verify-time now */
    chain_config cfg_now = {.ca_path = root_pem, .verify_time_now = true};
    c2 = chain_ctx_new(&cfg_now, &err);
    assert_non_null(c2);
    assert_true(chain_ctx_time(c2, TP_T0) >= (int64_t)time(NULL) - 5);
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.later, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_CERT_NOT_YET_VALID, 0, "cert_not_yet_valid", "client chain[0]");
    chain_report_unref(r);
    r = analyze(c2, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.later, P.inter, NULL, NULL);
    assert_null(find(r, "cert_not_yet_valid"));
    assert_null(find(r, "cert_expired"));
    chain_report_unref(r);
    chain_ctx_free(c2);
    free(root_pem);
}

static void test_not_yet_valid(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.notyet, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_CERT_NOT_YET_VALID, 0, "cert_not_yet_valid", "client chain[0]");
    chain_report_unref(r);
}

static void test_wrong_eku(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.wrong_eku, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_INVALID_PURPOSE, 0, "eku_no_client_auth", "client chain[0]");
    chain_report_unref(r);
    /* a client certificate presented by a server */
    r = analyze(P.ctx, CHAIN_SIDE_SERVER, NULL, TP_T0, P.client, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_INVALID_PURPOSE, 0, "eku_no_server_auth", "server chain[0]");
    chain_report_unref(r);
    /* keyUsage without digitalSignature, EKU fine */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.ku_bad, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_INVALID_PURPOSE, 0, "key_usage_mismatch", "client chain[0]");
    assert_null(find(r, "eku_no_client_auth"));
    chain_report_unref(r);
}

static size_t count_at(const chain_report *r, finding_sev sev, const char *where)
{
    size_t k = 0;
    for (size_t i = 0; i < r->findings.n; i++)
        k += r->findings.items[i].severity == sev && r->findings.items[i].where &&
             strcmp(r->findings.items[i].where, where) == 0;
    return k;
}

static chain_ctx *ctx_files(X509 *const *client, size_t nc, X509 *const *server, size_t ns)
{
    static int k;
    char name[2][32];
    snprintf(name[0], sizeof name[0], "client-%d.pem", k);
    snprintf(name[1], sizeof name[1], "server-%d.pem", k++);
    char *cp = tp_write_pem(P.dir, name[0], client, nc);
    char *sp = tp_write_pem(P.dir, name[1], server, ns);
    chain_config cfg = {.client_ca_path = cp, .server_ca_path = sp};
    chain_ctx *c = chain_ctx_new(&cfg, NULL);
    assert_non_null(c);
    free(cp);
    free(sp);
    return c;
}

/* The issuer of the sent leaf is not sent and not an anchor: what is known
 * about it decides between missing_intermediate and untrusted_root. */
static void test_missing_intermediate(void **state)
{
    (void)state;
    X509 *root[1] = {P.root}, *both[2] = {P.inter, P.root};
    /* nothing known about the intermediate: an issuer nobody connects to a root */
    chain_ctx *c = ctx_files(root, 1, root, 1);
    chain_report *r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, NULL, NULL, NULL);
    assert_failure(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, "untrusted_root",
                   "client chain[0]");
    assert_null(find(r, "missing_intermediate"));
    assert_non_null(strstr(find(r, "untrusted_root")->message,
                           "issuer \"CN=Test Intermediate CA,O=Test\" is not a trusted CA"));
    assert_int_equal(count_at(r, SEV_ERROR, "client chain[0]"), 1);
    chain_report_unref(r);
    /* another chain that sends the intermediate changes nothing: a chain is
     * judged on its own connection (one connection, one diagnosis) */
    r = analyze(c, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, P.inter, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, NULL, NULL, NULL);
    assert_failure(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, "untrusted_root",
                   "client chain[0]");
    assert_null(find(r, "missing_intermediate"));
    chain_report_unref(r);
    chain_ctx_free(c);

    /* in this side's CA file (intermediate + root): used to complete the chain,
     * as a peer loading the same file would, so a leaf-only chain is valid */
    c = ctx_files(both, 2, both, 2);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, NULL, NULL, NULL);
    assert_true(r->valid);
    assert_null(find(r, "missing_intermediate"));
    chain_report_unref(r);
    r = analyze(c, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, NULL, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
    chain_ctx_free(c);

    /* the other side's CA file counts too: it still chains to this side's root */
    c = ctx_files(root, 1, both, 2);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, NULL, NULL, NULL);
    assert_non_null(find(r, "missing_intermediate"));
    assert_null(find(r, "untrusted_root"));
    chain_report_unref(r);
    chain_ctx_free(c);

    /* a CA name this connection's CertificateRequest listed (client chains only) */
    c = ctx_files(root, 1, root, 1);
    X509_NAME *in = X509_get_subject_name(P.inter);
    bytes_t nm = {NULL, 0};
    int len = i2d_X509_NAME(in, &nm.data);
    assert_true(len > 0);
    nm.len = (size_t)len;
    bytes_t leaf = tp_der(P.client);
    chain_input ci = {&leaf, 1, CHAIN_SIDE_CLIENT, NULL, TP_T0, &nm, 1};
    r = chain_analyze_bucket(c, &ci, NULL, NULL);
    assert_non_null(r);
    assert_failure(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, "missing_intermediate",
                   "client chain[0]");
    assert_non_null(strstr(r->verify_sentence, "CertificateRequest"));
    chain_report_unref(r);
    /* the list of one connection does not reach the next one */
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, NULL, NULL, NULL);
    assert_non_null(find(r, "untrusted_root"));
    chain_report_unref(r);
    tp_free_chain(&leaf, 1);
    /* server chains: CA names do not apply */
    bytes_t srv = tp_der(P.server);
    chain_input si = {&srv, 1, CHAIN_SIDE_SERVER, "server.test", TP_T0, &nm, 1};
    r = chain_analyze_bucket(c, &si, NULL, NULL);
    assert_non_null(find(r, "untrusted_root"));
    assert_null(find(r, "missing_intermediate"));
    chain_report_unref(r);
    tp_free_chain(&srv, 1);
    OPENSSL_free(nm.data);
    chain_ctx_free(c);
}

/* A leaf from an unrelated CA: untrusted_root naming that CA, never
 * missing_intermediate, one finding for the leaf. */
static void test_unrelated_ca(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.rogue_leaf, NULL, NULL, NULL);
    assert_failure(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, "untrusted_root",
                   "client chain[0]");
    assert_null(find(r, "missing_intermediate"));
    assert_non_null(strstr(find(r, "untrusted_root")->message,
                           "The client certificate's issuer \"CN=Rogue Root CA,O=Test\" is not a "
                           "trusted CA and nothing known chains it to one"));
    assert_non_null(strstr(r->verify_sentence, "--client-ca FILE"));
    assert_int_equal(count_at(r, SEV_ERROR, "client chain[0]"), 1);
    chain_report_unref(r);
    /* known (seen in a chain, in the other side's CA file) but chaining to no
     * anchor of this side: still foreign */
    X509 *root[1] = {P.root}, *rogue[1] = {P.rogue_root};
    chain_ctx *c = ctx_files(root, 1, rogue, 1);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.rogue_leaf, P.rogue_root, NULL, NULL);
    assert_non_null(find(r, "untrusted_root"));
    chain_report_unref(r);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.rogue_leaf, NULL, NULL, NULL);
    assert_non_null(find(r, "untrusted_root"));
    assert_null(find(r, "missing_intermediate"));
    assert_int_equal(count_at(r, SEV_ERROR, "client chain[0]"), 1);
    chain_report_unref(r);
    /* the same the other way round: our root is known (the client CA file)
     * but is no anchor for server chains here */
    r = analyze(c, CHAIN_SIDE_SERVER, NULL, TP_T0, P.server, P.inter, NULL, NULL);
    assert_false(r->valid);
    const finding_t *f = find(r, "untrusted_root");
    assert_non_null(f);
    assert_string_equal(f->where, "server chain[1]");
    assert_non_null(strstr(f->message, "The issuer \"CN=Test Root CA,O=Test\" of a CA certificate "
                                       "of the server chain is not a trusted CA"));
    assert_null(find(r, "missing_intermediate"));
    chain_report_unref(r);
    chain_ctx_free(c);
}

/* ---- the real sample PKI (samples/pki) ---- */

static X509 *sample_cert(const char *name)
{
    char path[4096];
    const char *src = getenv("MTLS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/samples/pki/%s", src ? src : ".", name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static chain_ctx *sample_ctx(const char *file)
{
    char path[4096];
    const char *src = getenv("MTLS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/samples/pki/%s", src ? src : ".", file);
    chain_config cfg = {.ca_path = path};
    char *err = NULL;
    chain_ctx *c = chain_ctx_new(&cfg, &err);
    assert_null(err);
    assert_non_null(c);
    return c;
}

/* The distinct errors OpenSSL's verify callback reports at depth 0. */
static int raw_cb(int ok, X509_STORE_CTX *sctx)
{
    int *seen = X509_STORE_CTX_get_app_data(sctx);
    int e = X509_STORE_CTX_get_error(sctx);
    if (!ok && X509_STORE_CTX_get_error_depth(sctx) == 0 && e > 0 && e < 128)
        seen[e] = 1;
    return 1;
}

static void test_sample_pki(void **state)
{
    (void)state;
    X509 *mallory = sample_cert("mallory.pem"), *alice = sample_cert("alice.pem");
    X509 *inter = sample_cert("intermediate.pem"), *server = sample_cert("server.pem");
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    assert_true(ASN1_TIME_to_tm(X509_get0_notBefore(alice), &tm));
    int64_t t = (int64_t)timegm(&tm) + 86400;

    /* tls12-unknown-ca: mallory from the rogue CA against root.pem. OpenSSL
     * reports both 20 and 21 for that one certificate ... */
    chain_ctx *c = sample_ctx("root.pem");
    int seen[128] = {0};
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    assert_true(X509_STORE_CTX_init(sctx, st, mallory, NULL));
    X509_STORE_CTX_set_app_data(sctx, seen);
    X509_STORE_CTX_set_verify_cb(sctx, raw_cb);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx), X509_V_FLAG_NO_CHECK_TIME);
    (void)X509_verify_cert(sctx);
    assert_true(seen[X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY]);
    assert_true(seen[X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE]);
    X509_STORE_CTX_free(sctx);
    X509_STORE_free(st);
    /* ... which make one finding: untrusted_root naming the rogue CA */
    chain_report *r = analyze(c, CHAIN_SIDE_CLIENT, NULL, t, mallory, NULL, NULL, NULL);
    assert_failure(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, "untrusted_root",
                   "client chain[0]");
    assert_null(find(r, "missing_intermediate"));
    assert_int_equal(count_at(r, SEV_ERROR, "client chain[0]"), 1);
    assert_int_equal(count_sev(r, SEV_ERROR), 1);
    assert_non_null(strstr(r->verify_sentence, "\"CN=Rogue Test CA,O=rogue\""));
    chain_report_unref(r);
    /* alice without her intermediate, root.pem only: nothing known about the
     * intermediate yet */
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, t, alice, NULL, NULL, NULL);
    assert_non_null(find(r, "untrusted_root"));
    assert_non_null(strstr(r->verify_sentence, "\"CN=mtlsdump Test Intermediate CA,O=mtlsdump test\""));
    chain_report_unref(r);
    chain_ctx_free(c);

    /* ca-chain.pem (intermediate + root): a peer with this file completes
     * the chain itself, so the leaf alone is valid */
    c = sample_ctx("ca-chain.pem");
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, t, alice, NULL, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
    r = analyze(c, CHAIN_SIDE_SERVER, "server.mtls.test", t, server, NULL, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, t, alice, inter, NULL, NULL);
    assert_true(r->valid);
    chain_report_unref(r);
    r = analyze(c, CHAIN_SIDE_CLIENT, NULL, t, mallory, NULL, NULL, NULL);
    assert_non_null(find(r, "untrusted_root"));
    assert_null(find(r, "missing_intermediate"));
    chain_report_unref(r);
    chain_ctx_free(c);
    X509_free(mallory);
    X509_free(alice);
    X509_free(inter);
    X509_free(server);
}

static void test_untrusted_root_and_root_sent(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.rogue_leaf, P.rogue_root,
                              NULL, NULL);
    assert_failure(r, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1, "untrusted_root", "client chain[1]");
    const finding_t *f = find(r, "root_sent");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_INFO);
    assert_string_equal(f->where, "client chain[1]");
    chain_report_unref(r);
    /* a trusted chain that also sends the root: valid, root_sent */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter, P.root, NULL);
    assert_true(r->valid);
    assert_non_null(find(r, "root_sent"));
    assert_null(find(r, "chain_out_of_order"));
    chain_report_unref(r);
}

static void test_self_signed_leaf(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.selfsigned, NULL, NULL, NULL);
    assert_failure(r, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, "self_signed_leaf", "client chain[0]");
    assert_true(r->certs[0].self_signed);
    chain_report_unref(r);
    /* without anchors the trust error is not a failure, the shape still is reported */
    r = analyze(P.ctx_notrust, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.selfsigned, NULL, NULL, NULL);
    assert_true(r->valid);
    const finding_t *f = find(r, "self_signed_leaf");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    chain_report_unref(r);
}

static void test_chain_shape(void **state)
{
    (void)state;
    /* out of order: leaf, root, intermediate */
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.root, P.inter, NULL);
    assert_true(r->valid);
    assert_non_null(find(r, "chain_out_of_order"));
    assert_null(find(r, "leaf_not_first"));
    assert_null(find(r, "unrelated_extra_cert"));
    chain_report_unref(r);
    /* leaf not first */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.inter, P.client, NULL, NULL);
    const finding_t *f = find(r, "leaf_not_first");
    assert_non_null(f);
    assert_string_equal(f->where, "client chain[0]");
    chain_report_unref(r);
    /* unrelated extra certificate */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter, P.rogue_root, NULL);
    assert_true(r->valid);
    f = find(r, "unrelated_extra_cert");
    assert_non_null(f);
    assert_string_equal(f->where, "client chain[2]");
    assert_null(find(r, "chain_out_of_order"));
    chain_report_unref(r);
    /* duplicate */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter, P.inter, NULL);
    assert_true(r->valid);
    f = find(r, "duplicate_cert");
    assert_non_null(f);
    assert_string_equal(f->where, "client chain[2]");
    assert_null(find(r, "unrelated_extra_cert"));
    chain_report_unref(r);
    /* a clean chain has none of them */
    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter, NULL, NULL);
    assert_int_equal(r->findings.n, 0);
    chain_report_unref(r);
}

static void test_hygiene(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.sha1, P.inter, NULL, NULL);
    assert_true(r->valid); /* SHA-1 is not a verification failure at auth level 0 */
    const finding_t *f = find(r, "weak_signature_hash");
    assert_non_null(f);
    assert_string_equal(f->where, "client chain[0]");
    assert_string_equal(r->certs[0].sig_alg, "ecdsa-with-SHA1");
    chain_report_unref(r);

    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.weak, P.inter, NULL, NULL);
    assert_true(r->valid);
    assert_non_null(find(r, "weak_key"));
    assert_int_equal(r->certs[0].key_bits, 1024);
    chain_report_unref(r);

    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.soon, P.inter, NULL, NULL);
    assert_true(r->valid);
    f = find(r, "cert_expires_soon");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "10 day"));
    chain_report_unref(r);

    r = analyze(P.ctx, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.toolong, P.inter, NULL, NULL);
    assert_true(r->valid);
    assert_non_null(find(r, "server_validity_too_long"));
    chain_report_unref(r);
    /* the 375-day server certificate is within the limit; clients have no limit */
    r = analyze(P.ctx, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, P.inter, NULL, NULL);
    assert_null(find(r, "server_validity_too_long"));
    chain_report_unref(r);

    r = analyze(P.ctx, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.leaf_nobc, P.int_nobc, NULL, NULL);
    assert_false(r->valid);
    f = find(r, "ca_without_basic_constraints");
    assert_non_null(f);
    assert_string_equal(f->where, "client chain[1]");
    assert_int_equal(r->certs[1].is_ca, -1);
    chain_report_unref(r);
}

static void test_trust_not_checked(void **state)
{
    (void)state;
    chain_report *r = analyze(P.ctx_notrust, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter,
                              NULL, NULL);
    assert_false(r->trust_checked);
    assert_true(r->valid);
    assert_int_equal(r->verify_error, 0);
    assert_non_null(r->trust_note);
    assert_non_null(strstr(r->trust_note, "--client-ca"));
    assert_non_null(strstr(r->trust_note, "CN=Test Root CA"));
    assert_non_null(find(r, "trust_not_checked"));
    chain_report_unref(r);
    /* a chain from a rogue CA is not judged on trust ... */
    r = analyze(P.ctx_notrust, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.rogue_leaf, P.rogue_root, NULL, NULL);
    assert_true(r->valid);
    assert_null(find(r, "untrusted_root"));
    chain_report_unref(r);
    /* ... but everything else still is */
    r = analyze(P.ctx_notrust, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.expired, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_CERT_HAS_EXPIRED, 0, "cert_expired", "client chain[0]");
    assert_false(r->trust_checked);
    chain_report_unref(r);
    r = analyze(P.ctx_notrust, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.wrong_eku, P.inter, NULL, NULL);
    assert_failure(r, X509_V_ERR_INVALID_PURPOSE, 0, "eku_no_client_auth", NULL);
    chain_report_unref(r);
    /* server side without anchors and without the system store */
    r = analyze(P.ctx_notrust, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, P.inter, NULL, NULL);
    assert_false(r->trust_checked);
    assert_true(r->valid);
    assert_non_null(strstr(r->trust_note, "--server-ca"));
    chain_report_unref(r);
}

static void test_system_store_default(void **state)
{
    (void)state;
    chain_config cfg = {.use_system_store_for_server = true};
    char *err = NULL;
    chain_ctx *c = chain_ctx_new(&cfg, &err);
    assert_non_null(c);
    /* our private root is not in the system store */
    chain_report *r = analyze(c, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, P.inter, NULL, NULL);
    assert_true(r->trust_checked);
    assert_false(r->valid);
    /* the intermediate was sent; its root is in no store and nothing known
     * chains it to one */
    const finding_t *f = find(r, "untrusted_root");
    assert_non_null(f);
    assert_string_equal(f->where, "server chain[1]");
    assert_non_null(strstr(f->message, "\"CN=Test Root CA,O=Test\""));
    assert_null(find(r, "missing_intermediate"));
    chain_report_unref(r);
    /* one system store per process: a second context (a --threads worker)
     * shares it, and outlives the first */
    chain_ctx *c2 = chain_ctx_new(&cfg, &err);
    assert_non_null(c2);
    assert_ptr_equal(chain_ctx_store(c, CHAIN_SIDE_SERVER), chain_ctx_store(c2, CHAIN_SIDE_SERVER));
    chain_ctx_free(c);
    r = analyze(c2, CHAIN_SIDE_SERVER, "server.test", TP_T0, P.server, P.inter, NULL, NULL);
    assert_true(r->trust_checked);
    assert_non_null(find(r, "untrusted_root"));
    chain_report_unref(r);
    chain_ctx_free(c2);
}

static void test_decode_errors(void **state)
{
    (void)state;
    bytes_t v[3];
    v[0] = tp_der(P.client);
    static uint8_t garbage[] = {0x30, 0x82, 0x01, 0x00, 0x02, 0x01};
    v[1].data = garbage;
    v[1].len = sizeof(garbage);
    v[2] = tp_der(P.inter);
    chain_input in = {v, 3, CHAIN_SIDE_CLIENT, NULL, TP_T0, NULL, 0};
    chain_report *r = chain_analyze_bucket(P.ctx, &in, NULL, NULL);
    assert_non_null(r);
    assert_true(r->certs[1].decode_error);
    assert_int_equal(r->certs[1].der_len, sizeof(garbage));
    assert_int_equal(strlen(r->certs[1].sha256), 64);
    const finding_t *f = find(r, "cert_decode_error");
    assert_non_null(f);
    assert_string_equal(f->where, "client chain[1]");
    assert_true(r->valid); /* the path leaf -> intermediate -> root is still fine */
    chain_report_unref(r);
    /* undecodable leaf */
    in = (chain_input){&v[1], 2, CHAIN_SIDE_CLIENT, NULL, TP_T0, NULL, 0};
    r = chain_analyze_bucket(P.ctx, &in, NULL, NULL);
    assert_non_null(r);
    assert_false(r->valid);
    assert_int_equal(r->verify_depth, 0);
    assert_non_null(r->verify_sentence);
    chain_report_unref(r);
    /* empty chain */
    in = (chain_input){NULL, 0, CHAIN_SIDE_CLIENT, NULL, TP_T0, NULL, 0};
    r = chain_analyze_bucket(P.ctx, &in, NULL, NULL);
    assert_non_null(r);
    assert_int_equal(r->n_certs, 0);
    assert_false(r->valid);
    chain_report_unref(r);
    free(v[0].data);
    free(v[2].data);
}

static void test_error_mapping(void **state)
{
    (void)state;
    static const struct {
        int err;
        int side;
        const char *code;
    } rows[] = {
        {X509_V_ERR_CERT_HAS_EXPIRED, 0, "cert_expired"},
        {X509_V_ERR_CERT_NOT_YET_VALID, 0, "cert_not_yet_valid"},
        /* issuer not found: untrusted_root unless chain_analyze_bucket knows the issuer */
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, "untrusted_root"},
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, 1, "untrusted_root"},
        {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, 1, "untrusted_root"},
        {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 0, "untrusted_root"},
        {X509_V_ERR_CERT_UNTRUSTED, 1, "untrusted_root"},
        {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, "self_signed_leaf"},
        {X509_V_ERR_HOSTNAME_MISMATCH, 1, "hostname_mismatch"},
        {X509_V_ERR_IP_ADDRESS_MISMATCH, 1, "hostname_mismatch"},
        {X509_V_ERR_INVALID_PURPOSE, 0, "eku_no_client_auth"},
        {X509_V_ERR_INVALID_PURPOSE, 1, "eku_no_server_auth"},
        {X509_V_ERR_CERT_REVOKED, 0, "cert_revoked"},
        {X509_V_ERR_CERT_SIGNATURE_FAILURE, 0, "cert_signature_invalid"},
        {X509_V_ERR_EE_KEY_TOO_SMALL, 0, "weak_key"},
        {X509_V_ERR_CA_MD_TOO_WEAK, 1, "weak_signature_hash"},
        {X509_V_ERR_INVALID_CA, 0, "ca_invalid"},
        {X509_V_ERR_PATH_LENGTH_EXCEEDED, 0, "path_length_exceeded"},
        {X509_V_ERR_SUBJECT_ISSUER_MISMATCH, 0, "chain_verify_failed"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_string_equal(chain_error_code(rows[i].err, 0, rows[i].side), rows[i].code);
        const char *s = chain_error_sentence(rows[i].err, 0, rows[i].side);
        assert_non_null(s);
        assert_non_null(strchr(s, ':')); /* "what happened: what to do" */
    }
    /* side-specific advice */
    assert_non_null(strstr(chain_error_sentence(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1, 0), "--client-ca"));
    assert_non_null(strstr(chain_error_sentence(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1, 1), "--server-ca"));
}

static bytes_t name_der(X509_NAME *n)
{
    bytes_t b = {NULL, 0};
    int len = i2d_X509_NAME(n, &b.data);
    assert_true(len > 0);
    b.len = (size_t)len;
    return b;
}

static void test_acceptable_ca(void **state)
{
    (void)state;
    bytes_t chain[2] = {tp_der(P.client), tp_der(P.inter)};
    bytes_t names[3];
    names[0] = name_der(X509_get_subject_name(P.rogue_root));
    names[1] = name_der(X509_get_subject_name(P.root));
    static uint8_t junk[] = {0x30, 0x05, 0x01};
    names[2].data = junk;
    names[2].len = sizeof(junk);
    char *dn = NULL;
    /* the intermediate's issuer is the listed root */
    assert_int_equal(chain_matches_ca_names(P.ctx, chain, 2, names, 2, &dn), 1);
    assert_string_equal(dn, "CN=Test Root CA,O=Test");
    free(dn);
    /* only the rogue CA listed */
    assert_int_equal(chain_matches_ca_names(P.ctx, chain, 2, names, 1, &dn), 0);
    assert_null(dn);
    /* no names: not applicable */
    assert_int_equal(chain_matches_ca_names(P.ctx, chain, 2, names, 0, &dn), -1);
    /* leaf only: the listed root is reached through the configured client CA store
     * (which holds the intermediate and the root) ... */
    X509 *both[2] = {P.inter, P.root};
    char *pem = tp_write_pem(P.dir, "inter-root.pem", both, 2);
    chain_config cfg = {.client_ca_path = pem};
    chain_ctx *full = chain_ctx_new(&cfg, NULL);
    assert_non_null(full);
    assert_int_equal(chain_matches_ca_names(full, chain, 1, &names[1], 1, &dn), 1);
    assert_string_equal(dn, "CN=Test Root CA,O=Test");
    free(dn);
    chain_ctx_free(full);
    free(pem);
    /* ... but not when the store lacks the intermediate, or there is no store */
    assert_int_equal(chain_matches_ca_names(P.ctx, chain, 1, &names[1], 1, NULL), 0);
    assert_int_equal(chain_matches_ca_names(P.ctx_notrust, chain, 1, &names[1], 1, NULL), 0);
    /* garbage names are skipped, never matched */
    assert_int_equal(chain_matches_ca_names(P.ctx, chain, 2, &names[2], 1, NULL), 0);
    /* the intermediate listed directly */
    bytes_t iname = name_der(X509_get_subject_name(P.inter));
    assert_int_equal(chain_matches_ca_names(P.ctx_notrust, chain, 1, &iname, 1, &dn), 1);
    assert_string_equal(dn, "CN=Test Intermediate CA,O=Test");
    free(dn);
    /* empty chain */
    assert_int_equal(chain_matches_ca_names(P.ctx, NULL, 0, names, 2, NULL), 0);
    OPENSSL_free(iname.data);
    OPENSSL_free(names[0].data);
    OPENSSL_free(names[1].data);
    tp_free_chain(chain, 2);
}

static void test_ctx_errors(void **state)
{
    (void)state;
    char *err = NULL;
    chain_config cfg = {.client_ca_path = "/nonexistent/ca.pem"};
    assert_null(chain_ctx_new(&cfg, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    free(err);
    err = NULL;
    char *empty = NULL;
    assert_true(asprintf(&empty, "%s/empty.pem", P.dir) > 0);
    FILE *f = fopen(empty, "w");
    assert_non_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    chain_config cfg2 = {.ca_path = empty};
    assert_null(chain_ctx_new(&cfg2, &err));
    assert_non_null(err);
    free(err);
    free(empty);
    chain_ctx_free(NULL);
}

static void test_ca_dir(void **state)
{
    (void)state;
    /* a c_rehash-style directory: <hash>.0 */
    char *dir = NULL, *name = NULL;
    assert_true(asprintf(&dir, "%s/cadir", P.dir) > 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_true(asprintf(&name, "%08lx.0", X509_NAME_hash_ex(X509_get_subject_name(P.root), NULL, NULL, NULL)) > 0);
    free(tp_write_pem(dir, name, &P.root, 1));
    chain_config cfg = {.client_ca_path = dir};
    char *err = NULL;
    chain_ctx *c = chain_ctx_new(&cfg, &err);
    assert_non_null(c);
    chain_report *r = analyze(c, CHAIN_SIDE_CLIENT, NULL, TP_T0, P.client, P.inter, NULL, NULL);
    assert_true(r->trust_checked);
    assert_true(r->valid);
    chain_report_unref(r);
    chain_ctx_free(c);
    free(dir);
    free(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_client_chain),
        cmocka_unit_test(test_valid_server_chain_and_hostname),
        cmocka_unit_test(test_expired_and_validation_time),
        cmocka_unit_test(test_not_yet_valid),
        cmocka_unit_test(test_wrong_eku),
        cmocka_unit_test(test_missing_intermediate),
        cmocka_unit_test(test_unrelated_ca),
        cmocka_unit_test(test_sample_pki),
        cmocka_unit_test(test_untrusted_root_and_root_sent),
        cmocka_unit_test(test_self_signed_leaf),
        cmocka_unit_test(test_chain_shape),
        cmocka_unit_test(test_hygiene),
        cmocka_unit_test(test_trust_not_checked),
        cmocka_unit_test(test_system_store_default),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_acceptable_ca),
        cmocka_unit_test(test_ctx_errors),
        cmocka_unit_test(test_ca_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
