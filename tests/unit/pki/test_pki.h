/*
 * test_pki.h — a throwaway PKI made with OpenSSL 3 inside the tests (no
 * committed keys, times relative to a fixed "handshake time" so results do not
 * change as years pass). Used by test_x509_info, test_chain_verify,
 * test_chain_cache and test_cert_verify.
 */
#ifndef MTLS_TEST_PKI_H
#define MTLS_TEST_PKI_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "session.h"

/* 2023-11-14T22:13:20Z: the handshake time the chains are judged at */
#define TP_T0 ((int64_t)1700000000)
#define TP_DAY ((int64_t)86400)

typedef struct tp_opts {
    int64_t nb, na;     /* validity; 0/0 means T0-10d .. T0+365d */
    int ca;             /* 1 CA:TRUE, 0 CA:FALSE, -1 no basicConstraints */
    int pathlen;        /* -1: none */
    const char *eku;    /* "clientAuth", "serverAuth,clientAuth"; NULL: no EKU */
    const char *ku;     /* NULL: default (CA: keyCertSign,cRLSign; else digitalSignature) ; "": none */
    const char *san;    /* "DNS:server.test,IP:127.0.0.1"; NULL: none */
    const char *md;     /* "SHA256" when NULL; "SHA1", "MD5"; "" for EdDSA */
    long serial;        /* 0: 1 */
    const char *org;    /* optional O= */
} tp_opts;

static inline EVP_PKEY *tp_key_ec(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static inline EVP_PKEY *tp_key_rsa(int bits)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

static inline EVP_PKEY *tp_key_named(const char *type)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, type);
}

static inline int tp_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!e)
        return 0;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

/* A certificate for cn/key issued by issuer (NULL: self-signed). Aborts the
 * test program on failure (setup, not behaviour under test). */
static inline X509 *tp_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                            const tp_opts *o)
{
    tp_opts def;
    memset(&def, 0, sizeof(def));
    def.ca = 0;
    def.pathlen = -1;
    if (!o)
        o = &def;
    X509 *x = X509_new();
    if (!x)
        abort();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), o->serial ? o->serial : 1);
    int64_t nb = o->nb, na = o->na;
    if (!nb && !na) {
        nb = TP_T0 - 10 * TP_DAY;
        na = TP_T0 + 365 * TP_DAY;
    }
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
    X509_NAME *name = X509_get_subject_name(x);
    if (o->org)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)o->org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x, key);
    X509 *iss = issuer ? issuer : x;
    if (!tp_ext(x, iss, NID_subject_key_identifier, "hash") ||
        !tp_ext(x, iss, NID_authority_key_identifier, "keyid:always"))
        abort();
    if (o->ca >= 0) {
        char bc[64];
        if (o->ca && o->pathlen >= 0)
            snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", o->pathlen);
        else
            snprintf(bc, sizeof(bc), "critical,%s", o->ca ? "CA:TRUE" : "CA:FALSE");
        if (!tp_ext(x, iss, NID_basic_constraints, bc))
            abort();
    }
    const char *ku = o->ku ? o->ku : (o->ca == 1 ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (*ku && !tp_ext(x, iss, NID_key_usage, ku))
        abort();
    if (o->eku && !tp_ext(x, iss, NID_ext_key_usage, o->eku))
        abort();
    if (o->san && !tp_ext(x, iss, NID_subject_alt_name, o->san))
        abort();
    EVP_PKEY *sk = issuer_key ? issuer_key : key;
    const char *md = o->md ? o->md : "SHA256";
    if (EVP_PKEY_is_a(sk, "ED25519") || EVP_PKEY_is_a(sk, "ED448"))
        md = ""; /* EdDSA signs without a separate digest */
    if (!X509_sign(x, sk, *md ? EVP_get_digestbyname(md) : NULL))
        abort();
    return x;
}

static inline bytes_t tp_der(X509 *x)
{
    bytes_t b = {NULL, 0};
    int n = i2d_X509(x, NULL);
    if (n <= 0)
        abort();
    b.data = malloc((size_t)n);
    if (!b.data)
        abort();
    unsigned char *p = b.data;
    i2d_X509(x, &p);
    b.len = (size_t)n;
    return b;
}

static inline void tp_free_chain(bytes_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].data);
}

/* A fresh directory for test files: $MTLS_BINARY_DIR/test-pki/<tag>-XXXXXX,
 * or under /tmp. Returns a malloc'd path. */
static inline char *tp_tmpdir(const char *tag)
{
    const char *base = getenv("MTLS_BINARY_DIR");
    char *parent = NULL, *path = NULL;
    if (base && *base) {
        if (asprintf(&parent, "%s/test-pki", base) < 0)
            abort();
        mkdir(parent, 0700);
    } else {
        parent = strdup("/tmp");
    }
    if (asprintf(&path, "%s/%s-XXXXXX", parent, tag) < 0 || !mkdtemp(path))
        abort();
    free(parent);
    return path;
}

static inline int tp_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void tp_rmtree(const char *path)
{
    nftw(path, tp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write certificates as PEM to dir/name; returns the malloc'd path. */
static inline char *tp_write_pem(const char *dir, const char *name, X509 *const *xs, size_t n)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!PEM_write_X509(f, xs[i]))
            abort();
    fclose(f);
    return path;
}

#endif
