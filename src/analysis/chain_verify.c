#include "chain_verify.h"

#include "chain_ctx_access.h"
#include "chain_errors.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "dn.h"
#include "text.h"
#include "x509_info.h"
#include "x509_memo.h"

/* CA/Browser Forum Baseline Requirements: server certificates issued on or
 * after 2020-09-01 may be valid for at most 398 days. */
#define CABF_398_SINCE ((int64_t)1598918400)
#define CABF_398_SECS ((int64_t)398 * 86400)

struct chain_ctx {
    X509_STORE *store[2]; /* anchors per side, NULL when none */
    X509_STORE *empty;    /* used for a side without anchors */
    bool system_server;   /* server store is the system default store */
    int64_t verify_time;
    bool verify_time_now;
    /* Every certificate of the CA files given (both sides), also in the
     * store of the side whose file it came from. Read-only after
     * chain_ctx_new. */
    STACK_OF(X509) *bundle;
    x509_memo *memo;            /* decoded CA certificates (sent at position >= 1) */
};

/* ---------- context ---------- */

chain_ctx *chain_ctx_new(const chain_config *cfg, char **err)
{
    if (err)
        *err = NULL;
    chain_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    ctx->empty = X509_STORE_new();
    ctx->bundle = sk_X509_new_null();
    ctx->memo = x509_memo_new();
    if (!ctx->empty || !ctx->bundle || !ctx->memo)
        goto fail;
    ctx->verify_time = cfg->verify_time;
    ctx->verify_time_now = cfg->verify_time_now;
    const char *side_path[2] = {cfg->client_ca_path, cfg->server_ca_path};
    for (int s = 0; s < 2; s++) {
        if (cfg->ca_path && chain_anchors_load(&ctx->store[s], ctx->bundle, cfg->ca_path, err) < 0)
            goto fail;
        if (side_path[s] && chain_anchors_load(&ctx->store[s], ctx->bundle, side_path[s], err) < 0)
            goto fail;
    }
    if (!ctx->store[CHAIN_SIDE_SERVER] && cfg->use_system_store_for_server) {
        /* opened once per process, not per worker (chain_anchors.c) */
        if (!(ctx->store[CHAIN_SIDE_SERVER] = chain_system_store()))
            goto fail;
        ctx->system_server = true;
        ERR_clear_error();
    }
    return ctx;
fail:
    ERR_clear_error();
    chain_ctx_free(ctx);
    return NULL;
}

void chain_ctx_free(chain_ctx *ctx)
{
    if (!ctx)
        return;
    X509_STORE_free(ctx->store[0]);
    X509_STORE_free(ctx->store[1]);
    X509_STORE_free(ctx->empty);
    sk_X509_pop_free(ctx->bundle, X509_free);
    x509_memo_free(ctx->memo);
    free(ctx);
}

int64_t chain_ctx_time(const chain_ctx *ctx, int64_t handshake_time)
{
    if (ctx && ctx->verify_time_now)
        return (int64_t)time(NULL);
    if (ctx && ctx->verify_time != 0)
        return ctx->verify_time;
    return handshake_time;
}

/* ---------- verification ---------- */

#define MAX_VERRS 16

typedef struct verr {
    int err;
    int depth;
    X509 *cert; /* referenced, may be NULL */
} verr;

typedef struct vstate {
    bool ignore_trust;
    verr errs[MAX_VERRS];
    int n_errs;
    int trust_err; /* first ignored trust error (0 none) */
    X509 *trust_cert;
} vstate;

static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
    if (ok)
        return 1;
    vstate *st = X509_STORE_CTX_get_app_data(sctx);
    int err = X509_STORE_CTX_get_error(sctx);
    int depth = X509_STORE_CTX_get_error_depth(sctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(sctx);
    if (!st)
        return 1;
    if (err == X509_V_ERR_UNABLE_TO_GET_CRL)
        return 1; /* no CRL given for that CA: revocation not checked there, not an error */
    if (st->ignore_trust && is_trust_error(err)) {
        if (!st->trust_err) {
            st->trust_err = err;
            if (cur && X509_up_ref(cur))
                st->trust_cert = cur;
        }
        return 1;
    }
    for (int i = 0; i < st->n_errs; i++)
        if (st->errs[i].err == err && st->errs[i].depth == depth)
            return 1;
    if (st->n_errs < MAX_VERRS) {
        verr *e = &st->errs[st->n_errs++];
        e->err = err;
        e->depth = depth;
        e->cert = (cur && X509_up_ref(cur)) ? cur : NULL;
    }
    return 1; /* keep going: report every problem, not just the first */
}

/* The CA files given held a CRL (PEM "X509 CRL" blocks): then revocation is
 * checked for every certificate whose issuer has one (cert_revoked). The
 * store is immutable after start-up, so reading it needs no lock. */
static bool store_has_crls(X509_STORE *store)
{
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++)
        if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) == X509_LU_CRL)
            return true;
    return false;
}

static void vstate_cleanup(vstate *st)
{
    for (int i = 0; i < st->n_errs; i++)
        X509_free(st->errs[i].cert);
    X509_free(st->trust_cert);
}

static const char *side_name(int side)
{
    return side == CHAIN_SIDE_SERVER ? "server" : "client";
}

/* Add a finding located at sent certificate idx (or the chain as a whole
 * when idx < 0). Returns 0 or -1 on OOM. */
static int add_at(chain_report *r, finding_sev sev, const char *code, int side, long idx,
                  const char *fmt, ...) MTLS_PRINTF(6, 7);
static int add_at(chain_report *r, finding_sev sev, const char *code, int side, long idx,
                  const char *fmt, ...)
{
    char where[64];
    if (idx >= 0)
        snprintf(where, sizeof(where), "%s chain[%ld]", side_name(side), idx);
    else
        snprintf(where, sizeof(where), "%s chain", side_name(side));
    va_list ap;
    va_start(ap, fmt);
    int rc = findings_vadd(&r->findings, sev, code, where, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *subj(const chain_report *r, long idx)
{
    if (idx < 0 || (size_t)idx >= r->n_certs || !r->certs[idx].subject)
        return "?";
    return r->certs[idx].subject;
}

static long sent_index(X509 *const *xs, size_t n, X509 *x)
{
    if (!x)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (xs[i] && X509_cmp(xs[i], x) == 0)
            return (long)i;
    return -1;
}

static void bucket_add(int64_t t, int64_t b, int64_t *lo, int64_t *hi)
{
    if (b <= t && b > *lo)
        *lo = b;
    if (b > t && b < *hi)
        *hi = b;
}

static void bucket_cert(X509 *x, int64_t t, int64_t *lo, int64_t *hi)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm))
        bucket_add(t, (int64_t)timegm(&tm), lo, hi);
    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm)) {
        int64_t na = (int64_t)timegm(&tm);
        bucket_add(t, na + 1, lo, hi);
        bucket_add(t, na - CHAIN_EXPIRES_SOON_SECS + 1, lo, hi);
    }
    ERR_clear_error();
}

/* Refine INVALID_PURPOSE at the leaf: EKU fine but keyUsage lacks
 * digitalSignature. */
static bool ku_is_the_problem(const cert_info *ci, int side)
{
    const char *want = side == CHAIN_SIDE_SERVER ? "serverAuth" : "clientAuth";
    bool eku_ok = !ci->ext_key_usage || strstr(ci->ext_key_usage, want) ||
                  strstr(ci->ext_key_usage, "anyExtendedKeyUsage");
    bool ku_ok = !ci->key_usage || strstr(ci->key_usage, "digitalSignature");
    if (side == CHAIN_SIDE_SERVER && ci->key_usage &&
        (strstr(ci->key_usage, "keyEncipherment") || strstr(ci->key_usage, "keyAgreement")))
        ku_ok = true;
    return eku_ok && !ku_ok;
}

/* ---------- a missing issuer: incomplete chain or foreign CA ---------- */

static bool issued_by(X509 *issuer, X509 *subject);

/* What is known, within this connection and the configuration, about the
 * missing issuer of a certificate. Nothing here comes from other connections:
 * a connection's findings never depend on what else is in the capture, its
 * order or the thread count (cross-connection knowledge, such as "another
 * connection sent this intermediate", is the end summary's). */
typedef struct issuer_facts {
    /* a certificate with the issuer's name (and subjectKeyIdentifier = the
     * authorityKeyIdentifier, when there is one) is in the CA files given and
     * chains to a trust anchor of the side being validated */
    bool in_ca_files;
    /* client chains: this connection's CertificateRequest named the issuer */
    bool listed;
} issuer_facts;

static int anchor_cb(int ok, X509_STORE_CTX *sctx)
{
    bool *untrusted = X509_STORE_CTX_get_app_data(sctx);
    if (!ok && untrusted && is_trust_error(X509_STORE_CTX_get_error(sctx)))
        *untrusted = true;
    return 1;
}

/* True when ca chains to an anchor of side's store, with the certificates of
 * the CA files as intermediates. Only trust counts: time, purpose and key
 * sizes are not this question. */
static bool chains_to_anchor(chain_ctx *ctx, int side, X509 *ca)
{
    bool untrusted = false, ok = false;
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    X509_STORE *store = ctx->store[side] ? ctx->store[side] : ctx->empty;
    if (sctx && X509_STORE_CTX_init(sctx, store, ca, ctx->bundle)) {
        X509_STORE_CTX_set_app_data(sctx, &untrusted);
        X509_STORE_CTX_set_verify_cb(sctx, anchor_cb);
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
        X509_VERIFY_PARAM_set_auth_level(param, 0);
        ok = X509_verify_cert(sctx) > 0 && !untrusted;
    }
    X509_STORE_CTX_free(sctx);
    ERR_clear_error();
    return ok;
}

/* One of the DER DistinguishedNames a CertificateRequest listed equals name. */
static bool name_listed(const X509_NAME *name, const bytes_t *ca_names, size_t n_ca_names)
{
    const unsigned char *enc = NULL;
    size_t enc_len = 0;
    bool have_enc = X509_NAME_get0_der((X509_NAME *)name, &enc, &enc_len) == 1;
    for (size_t i = 0; ca_names && i < n_ca_names; i++) {
        const bytes_t *b = &ca_names[i];
        if (!b->data || b->len == 0 || b->len > (size_t)LONG_MAX)
            continue;
        if (have_enc && enc_len == b->len && memcmp(enc, b->data, enc_len) == 0)
            return true; /* the same encoding: no need to decode */
        const unsigned char *p = b->data;
        X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)b->len);
        bool eq = nm && p == b->data + b->len && X509_NAME_cmp(nm, name) == 0;
        X509_NAME_free(nm);
        if (eq)
            return true;
    }
    return false;
}

static issuer_facts issuer_facts_of(chain_ctx *ctx, int side, X509 *cert, const bytes_t *ca_names,
                                    size_t n_ca_names)
{
    issuer_facts f = {false, false};
    for (int i = 0; i < sk_X509_num(ctx->bundle) && !f.in_ca_files; i++) {
        X509 *c = sk_X509_value(ctx->bundle, i);
        if (X509_cmp(c, cert) != 0 && issued_by(c, cert) && chains_to_anchor(ctx, side, c))
            f.in_ca_files = true;
    }
    if (side == CHAIN_SIDE_CLIENT)
        f.listed = name_listed(X509_get_issuer_name(cert), ca_names, n_ca_names);
    ERR_clear_error();
    return f;
}

static bool issuer_in_ca_files(const issuer_facts *f) { return f->in_ca_files; }
static bool issuer_listed(const issuer_facts *f) { return f->listed; }
static bool issuer_unknown(const issuer_facts *f) { (void)f; return true; }

/* What a missing issuer means, by what is known about it: the first row
 * whose predicate holds decides. Each sentence follows "<the certificate's
 * issuer> \"<issuer DN>\" ". */
typedef struct issuer_row {
    const char *name;
    bool (*applies)(const issuer_facts *f);
    const char *code;
    const char *sentence[2]; /* by side: client, server */
} issuer_row;

static const issuer_row issuer_table[] = {
    {"in_ca_files", issuer_in_ca_files, "missing_intermediate",
     {"is in the CA files given here and chains to a trusted root, but the client did not send "
      "it: configure the client to send its intermediate CA certificates, leaf first (curl: "
      "the whole chain in the --cert file).",
      "is in the CA files given here and chains to a trusted root, but the server did not send "
      "it: configure the server to send its intermediate CA certificates, leaf first (full "
      "chain file)."}},
    /* client chains only: the server named the CAs it accepts client certificates from */
    {"listed_by_server", issuer_listed, "missing_intermediate",
     {"is a CA the server named in its CertificateRequest, but the client did not send it and "
      "the CA files given here do not contain it: configure the client to send its "
      "intermediate CA certificates, leaf first, and pass that CA with --client-ca FILE here "
      "to check the rest of the chain.",
      "is a CA named in the CertificateRequest, but the server did not send it and the CA "
      "files given here do not contain it: configure the server to send its intermediate CA "
      "certificates, leaf first."}},
    {"unknown", issuer_unknown, "untrusted_root",
     {"is not a trusted CA and nothing known chains it to one: the server will not accept "
      "this certificate; use a certificate issued by a CA the server trusts (--client-ca FILE "
      "here). If it is in fact an intermediate CA of a trusted root, the client must send it "
      "(a CA file containing it tells the two apart).",
      "is not a trusted CA and nothing known chains it to one: the client will not accept "
      "this certificate; use a certificate issued by a CA the clients trust, or add that CA "
      "to their trust store (--server-ca FILE here). If it is in fact an intermediate CA of a "
      "trusted root, the server must send it (a CA file containing it tells the two apart)."}},
};

static const issuer_row *issuer_decide(chain_ctx *ctx, int side, X509 *cert, const bytes_t *ca_names,
                                       size_t n_ca_names)
{
    issuer_facts f = issuer_facts_of(ctx, side, cert, ca_names, n_ca_names);
    for (size_t i = 0; i < MTLS_ARRAY_LEN(issuer_table); i++)
        if (issuer_table[i].applies(&f))
            return &issuer_table[i];
    return &issuer_table[MTLS_ARRAY_LEN(issuer_table) - 1];
}

/* The sentence for a missing issuer of cert (the leaf when depth is 0);
 * malloc'd, NULL on OOM. */
static char *issuer_sentence(const issuer_row *row, int side, int depth, X509 *cert)
{
    char *dn = dn_name_to_string(X509_get_issuer_name(cert));
    const char *who = side == CHAIN_SIDE_SERVER ? "server" : "client";
    char *s = depth == 0 ? text_printf("The %s certificate's issuer \"%s\" %s", who,
                                       dn ? dn : "?", row->sentence[side])
                         : text_printf("The issuer \"%s\" of a CA certificate of the %s chain %s",
                                       dn ? dn : "?", who, row->sentence[side]);
    free(dn);
    return s;
}

/* One finding per problem and certificate: OpenSSL may report errors that
 * map to the same code for the same certificate (20 then 21 for a leaf whose
 * issuer is missing). */
typedef struct emitted {
    const char *code[MAX_VERRS];
    long idx[MAX_VERRS];
    X509 *cert[MAX_VERRS]; /* borrowed from the vstate */
    int n;
} emitted;

static bool emitted_before(emitted *em, const char *code, long idx, X509 *cert)
{
    for (int i = 0; i < em->n; i++) {
        if (strcmp(em->code[i], code) != 0)
            continue;
        if (idx >= 0 ? em->idx[i] == idx
                     : (em->idx[i] < 0 && cert && em->cert[i] && X509_cmp(em->cert[i], cert) == 0))
            return true;
    }
    if (em->n < MAX_VERRS) {
        em->code[em->n] = code;
        em->idx[em->n] = idx;
        em->cert[em->n] = cert;
        em->n++;
    }
    return false;
}

static int run_verify(chain_ctx *ctx, chain_report *r, X509 *const *xs, size_t n, int side,
                      const char *sni, const bytes_t *ca_names, size_t n_ca_names, int64_t t,
                      int64_t *lo, int64_t *hi)
{
    int rc = -1;
    vstate st;
    memset(&st, 0, sizeof(st));
    st.ignore_trust = !r->trust_checked;
    X509_STORE *store = ctx->store[side] ? ctx->store[side] : ctx->empty;
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (!sctx || !untrusted)
        goto out;
    for (size_t i = 1; i < n; i++)
        if (xs[i] && !sk_X509_push(untrusted, xs[i]))
            goto out;
    if (!X509_STORE_CTX_init(sctx, store, xs[0], untrusted))
        goto out;
    X509_STORE_CTX_set_app_data(sctx, &st);
    X509_STORE_CTX_set_verify_cb(sctx, verify_cb);
    X509_STORE_CTX_set_purpose(sctx, side == CHAIN_SIDE_SERVER ? X509_PURPOSE_SSL_SERVER
                                                               : X509_PURPOSE_SSL_CLIENT);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)t);
    /* no security-level rejections: weak keys and hashes become our own
     * findings with their real cause */
    X509_VERIFY_PARAM_set_auth_level(param, 0);
    if (store_has_crls(store))
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    /* an IP literal as SNI (RFC 6066 forbids it, libmosquitto sends it) is
     * matched against the certificate's IP addresses, as the client does */
    if (side == CHAIN_SIDE_SERVER && sni && *sni && !X509_VERIFY_PARAM_set1_ip_asc(param, sni)) {
        ERR_clear_error();
        X509_VERIFY_PARAM_set1_host(param, sni, 0);
    }
    int ok = X509_verify_cert(sctx);
    if (ok <= 0 && st.n_errs == 0 && !st.trust_err) {
        st.errs[0].err = X509_STORE_CTX_get_error(sctx);
        if (st.errs[0].err == X509_V_OK)
            st.errs[0].err = X509_V_ERR_UNSPECIFIED;
        st.errs[0].depth = 0;
        st.n_errs = 1;
    }
    STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(sctx);
    for (int i = 0; built && i < sk_X509_num(built); i++)
        bucket_cert(sk_X509_value(built, i), t, lo, hi);

    r->valid = st.n_errs == 0;
    emitted em;
    memset(&em, 0, sizeof(em));
    for (int i = 0; i < st.n_errs; i++) {
        const verr *e = &st.errs[i];
        long idx = e->depth == 0 ? 0 : sent_index(xs, n, e->cert);
        const char *code = chain_error_code(e->err, e->depth, side);
        const char *sentence = chain_error_sentence(e->err, e->depth, side);
        const verr_row *row = verr_find(e->err);
        char *owned = NULL;
        if (row && row->issuer_missing && e->cert) {
            const issuer_row *ir = issuer_decide(ctx, side, e->cert, ca_names, n_ca_names);
            code = ir->code;
            owned = issuer_sentence(ir, side, e->depth, e->cert);
            if (!owned)
                goto out;
            sentence = owned;
        }
        if (e->err == X509_V_ERR_INVALID_PURPOSE && idx == 0 && ku_is_the_problem(&r->certs[0], side)) {
            code = "key_usage_mismatch";
            sentence = side == CHAIN_SIDE_SERVER
                           ? "The server certificate's keyUsage does not allow TLS server "
                             "authentication (digitalSignature): reissue it with that key usage."
                           : "The client certificate's keyUsage lacks digitalSignature, which TLS "
                             "client authentication needs: reissue it with that key usage.";
        }
        if (i == 0) {
            r->verify_error = e->err;
            r->verify_depth = e->depth;
            r->verify_error_str = strdup(X509_verify_cert_error_string(e->err));
            r->verify_sentence = strdup(sentence);
            if (!r->verify_error_str || !r->verify_sentence) {
                free(owned);
                goto out;
            }
        }
        if (emitted_before(&em, code, idx, e->cert)) {
            free(owned);
            continue;
        }
        char *dn = e->cert ? dn_name_to_string(X509_get_subject_name(e->cert)) : NULL;
        int frc;
        if (idx >= 0)
            frc = add_at(r, SEV_ERROR, code, side, idx, "%s [%s; OpenSSL error %d at depth %d: %s]",
                         sentence, dn ? dn : subj(r, idx), e->err, e->depth,
                         X509_verify_cert_error_string(e->err));
        else
            frc = add_at(r, SEV_ERROR, code, side, -1,
                         "%s [trust store certificate %s; OpenSSL error %d at depth %d: %s]",
                         sentence, dn ? dn : "?", e->err, e->depth,
                         X509_verify_cert_error_string(e->err));
        free(dn);
        free(owned);
        if (frc < 0)
            goto out;
    }
    if (!r->trust_checked) {
        char *top = NULL;
        if (st.trust_cert)
            top = dn_name_to_string(X509_get_issuer_name(st.trust_cert));
        r->trust_note =
            side == CHAIN_SIDE_SERVER
                ? text_printf("trust not checked: no server CA given and the system store is "
                              "disabled (pass --server-ca FILE or --ca FILE)%s%s",
                              top ? "; the chain ends at issuer " : "", top ? top : "")
                : text_printf("trust not checked: no client CA given (pass --client-ca FILE or "
                              "--ca FILE)%s%s",
                              top ? "; the chain ends at issuer " : "", top ? top : "");
        free(top);
        if (!r->trust_note)
            goto out;
        if (findings_add(&r->findings, SEV_INFO, "trust_not_checked", NULL, "%s", r->trust_note) < 0)
            goto out;
    }
    rc = 0;
out:
    ERR_clear_error();
    vstate_cleanup(&st);
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(sctx);
    return rc;
}

/* ---------- chain shape ---------- */

static bool issued_by(X509 *issuer, X509 *subject)
{
    int rc = X509_check_issued(issuer, subject);
    return rc == X509_V_OK || rc == X509_V_ERR_KEYUSAGE_NO_CERTSIGN;
}

static int shape_findings(chain_report *r, X509 *const *xs, size_t n, int side)
{
    int rc = -1;
    long *dup_of = malloc(n * sizeof(long));
    size_t *path = malloc(n * sizeof(size_t));
    bool *in_path = calloc(n, sizeof(bool));
    if (!dup_of || !path || !in_path)
        goto out;
    for (size_t i = 0; i < n; i++) {
        dup_of[i] = -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->certs[i].sha256, r->certs[j].sha256) == 0) {
                dup_of[i] = (long)j;
                break;
            }
    }
    /* the leaf: the sent certificate that issued no other sent certificate */
    size_t leaf = 0;
    bool leaf_first = true;
    if (xs[0]) {
        for (size_t j = 1; j < n; j++)
            if (xs[j] && dup_of[j] < 0 && X509_cmp(xs[0], xs[j]) != 0 && issued_by(xs[0], xs[j]))
                leaf_first = false;
    }
    if (!leaf_first) {
        for (size_t j = 1; j < n; j++) {
            if (!xs[j] || dup_of[j] >= 0)
                continue;
            bool issues_any = false;
            for (size_t k = 0; k < n && !issues_any; k++)
                if (k != j && xs[k] && dup_of[k] < 0 && X509_cmp(xs[j], xs[k]) != 0 &&
                    issued_by(xs[j], xs[k]))
                    issues_any = true;
            if (!issues_any) {
                leaf = j;
                break;
            }
        }
        if (add_at(r, SEV_ERROR, "leaf_not_first", side, 0,
                   "The first certificate sent (%s) is a CA that issued another certificate of "
                   "the chain; the end-entity certificate must come first: fix the order in the "
                   "certificate chain file.", subj(r, 0)) < 0)
            goto out;
    }
    size_t plen = 0;
    if (xs[leaf]) {
        path[plen++] = leaf;
        in_path[leaf] = true;
        while (plen < n) {
            X509 *cur = xs[path[plen - 1]];
            if (r->certs[path[plen - 1]].self_signed)
                break;
            size_t next = n;
            for (size_t j = 0; j < n; j++)
                if (!in_path[j] && xs[j] && dup_of[j] < 0 && issued_by(xs[j], cur)) {
                    next = j;
                    break;
                }
            if (next == n)
                break;
            path[plen++] = next;
            in_path[next] = true;
        }
    }
    bool out_of_order = false;
    for (size_t k = 1; k < plen; k++)
        if (path[k] < path[k - 1])
            out_of_order = true;
    if (out_of_order &&
        add_at(r, SEV_WARNING, "chain_out_of_order", side, -1,
               "The chain is not sent in order (each certificate should be followed by its "
               "issuer); strict peers reject it: reorder the certificate chain file leaf first, "
               "then each issuer.") < 0)
        goto out;
    for (size_t j = 0; j < n; j++) {
        if (!xs[j] || in_path[j])
            continue;
        if (dup_of[j] >= 0) {
            if (add_at(r, SEV_WARNING, "duplicate_cert", side, (long)j,
                       "This certificate (%s) was already sent at position %ld: remove the "
                       "duplicate from the chain file.", subj(r, (long)j), dup_of[j]) < 0)
                goto out;
        } else if (add_at(r, SEV_WARNING, "unrelated_extra_cert", side, (long)j,
                          "This certificate (%s) is not part of the leaf's issuer chain: remove "
                          "it from the chain file.", subj(r, (long)j)) < 0) {
            goto out;
        }
    }
    if (plen >= 2) {
        size_t top = path[plen - 1];
        if (r->certs[top].self_signed &&
            add_at(r, SEV_INFO, "root_sent", side, (long)top,
                   "The root CA (%s) was sent; peers must already have it, so it only costs "
                   "bytes: it can be left out of the chain file.", subj(r, (long)top)) < 0)
            goto out;
    }
    for (size_t k = 1; k < plen; k++) {
        size_t j = path[k];
        if (r->certs[j].is_ca == -1 &&
            add_at(r, SEV_WARNING, "ca_without_basic_constraints", side, (long)j,
                   "This CA certificate (%s) has no basicConstraints extension; verifiers reject "
                   "it as an issuer: reissue it with basicConstraints CA:TRUE.",
                   subj(r, (long)j)) < 0)
            goto out;
    }
    if (xs[0] && r->certs[0].self_signed && !findings_has(&r->findings, "self_signed_leaf") &&
        add_at(r, SEV_WARNING, "self_signed_leaf", side, 0,
               "The %s certificate (%s) is self-signed: peers only accept it when it is pinned "
               "as a trust anchor; issue it from a CA instead.",
               side_name(side), subj(r, 0)) < 0)
        goto out;
    rc = 0;
out:
    free(dup_of);
    free(path);
    free(in_path);
    return rc;
}

/* ---------- hygiene ---------- */

static int hygiene_findings(chain_report *r, X509 *const *xs, size_t n, int side, int64_t t)
{
    for (size_t i = 0; i < n; i++) {
        const cert_info *ci = &r->certs[i];
        if (!xs[i])
            continue;
        const char *ka = ci->key_alg ? ci->key_alg : "";
        bool rsa_dsa = !strcmp(ka, "RSA") || !strcmp(ka, "RSA-PSS") || !strcmp(ka, "DSA");
        if (((rsa_dsa && ci->key_bits < 2048) || (!strcmp(ka, "EC") && ci->key_bits < 224)) &&
            !findings_has(&r->findings, "weak_key") &&
            add_at(r, SEV_WARNING, "weak_key", side, (long)i,
                   "The certificate %s has a %d-bit %s key, too small to be safe (and refused by "
                   "current TLS libraries): reissue it with RSA 2048+ or an EC key.",
                   subj(r, (long)i), ci->key_bits, ka) < 0)
            return -1;
        int mdnid = NID_undef, pknid = NID_undef, secbits = 0;
        uint32_t flags = 0;
        if (!ci->self_signed &&
            X509_get_signature_info(xs[i], &mdnid, &pknid, &secbits, &flags) &&
            (mdnid == NID_md5 || mdnid == NID_sha1 || mdnid == NID_md5_sha1 ||
             mdnid == NID_md4 || mdnid == NID_md2) &&
            add_at(r, SEV_WARNING, "weak_signature_hash", side, (long)i,
                   "The certificate %s is signed with %s, a broken hash that current TLS "
                   "libraries refuse: have it reissued with SHA-256.",
                   subj(r, (long)i), OBJ_nid2sn(mdnid)) < 0)
            return -1;
        ERR_clear_error();
        if (ci->not_before <= t && t <= ci->not_after &&
            t > ci->not_after - CHAIN_EXPIRES_SOON_SECS) {
            int64_t days = (ci->not_after - t) / 86400;
            if (add_at(r, SEV_WARNING, "cert_expires_soon", side, (long)i,
                       "The certificate %s expires within %lld day(s) of the handshake: renew it.",
                       subj(r, (long)i), (long long)days) < 0)
                return -1;
        }
    }
    if (side == CHAIN_SIDE_SERVER && xs[0] && !r->certs[0].self_signed) {
        const cert_info *ci = &r->certs[0];
        int64_t period = ci->not_after - ci->not_before + 1;
        if (ci->not_before >= CABF_398_SINCE && period > CABF_398_SECS &&
            add_at(r, SEV_WARNING, "server_validity_too_long", side, 0,
                   "The server certificate is valid for %lld days, more than the 398 days "
                   "browsers accept for certificates issued since 2020-09-01: reissue it with a "
                   "shorter validity.", (long long)(period / 86400)) < 0)
            return -1;
    }
    return 0;
}

/* ---------- entry points ---------- */

chain_report *chain_analyze_bucket(chain_ctx *ctx, const chain_input *in, int64_t *out_lo,
                                   int64_t *out_hi)
{
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    const bytes_t *certs = in->certs;
    size_t n = in->n_certs;
    int side = in->side;
    const char *sni = in->sni;
    int64_t handshake_time = in->handshake_time;
    int64_t t = chain_ctx_time(ctx, handshake_time);
    side = side == CHAIN_SIDE_SERVER ? CHAIN_SIDE_SERVER : CHAIN_SIDE_CLIENT;
    if (!ctx || (n > 0 && !certs))
        return NULL;
    chain_report *r = calloc(1, sizeof(*r));
    X509 **xs = NULL;
    if (!r)
        return NULL;
    r->refs = 1;
    r->verify_depth = -1;
    r->trust_checked = ctx && ctx->store[side] != NULL;
    if (n > 0) {
        r->certs = calloc(n, sizeof(cert_info));
        xs = calloc(n, sizeof(X509 *));
        if (!r->certs || !xs)
            goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        /* the leaf is new to this chain; the CA certificates after it recur */
        if (i == 0)
            xs[i] = x509i_decode(certs[i].data, certs[i].len);
        if (i == 0 ? x509i_extract_x509(xs[i], certs[i].data, certs[i].len, &r->certs[i])
                   : x509_memo_get(ctx->memo, certs[i].data, certs[i].len, &xs[i], &r->certs[i]))
            goto fail;
        r->n_certs = i + 1;
        if (xs[i])
            bucket_cert(xs[i], t, &lo, &hi);
        else if (add_at(r, SEV_ERROR, "cert_decode_error", side, (long)i,
                        "The certificate at position %zu (%zu bytes) is not valid DER and cannot "
                        "be decoded: the peer sends a damaged certificate file.", i,
                        certs[i].len) < 0)
            goto fail;
    }
    if (n == 0) {
        r->verify_sentence = strdup("No certificate was presented.");
        if (!r->verify_sentence)
            goto fail;
    } else if (!xs[0]) {
        r->verify_error = X509_V_ERR_UNSPECIFIED;
        r->verify_depth = 0;
        r->verify_error_str = strdup("leaf certificate could not be decoded");
        r->verify_sentence = strdup("The leaf certificate cannot be decoded, so the chain cannot "
                                    "be validated: the peer sends a damaged certificate file.");
        if (!r->verify_error_str || !r->verify_sentence)
            goto fail;
    } else {
        if (run_verify(ctx, r, xs, n, side, sni, side == CHAIN_SIDE_CLIENT ? in->ca_names : NULL,
                       side == CHAIN_SIDE_CLIENT ? in->n_ca_names : 0, t, &lo, &hi) < 0)
            goto fail;
    }
    if (n > 0 && (shape_findings(r, xs, n, side) < 0 || hygiene_findings(r, xs, n, side, t) < 0))
        goto fail;
    if (n > 0 && xs[0]) {
        EVP_PKEY *pk = X509_get0_pubkey(xs[0]);
        if (pk && EVP_PKEY_up_ref(pk) == 1)
            r->leaf_pkey = pk;
        ERR_clear_error();
    }
    for (size_t i = 0; i < n; i++)
        X509_free(xs[i]);
    free(xs);
    if (out_lo)
        *out_lo = lo;
    if (out_hi)
        *out_hi = hi;
    return r;
fail:
    for (size_t i = 0; xs && i < n; i++)
        X509_free(xs[i]);
    free(xs);
    chain_report_unref(r);
    ERR_clear_error();
    return NULL;
}

/* ---------- accessors for chain_ca_names.c ---------- */

X509_STORE *chain_ctx_store(const chain_ctx *ctx, int side) { return ctx ? ctx->store[side] : NULL; }

STACK_OF(X509) *chain_ctx_bundle(const chain_ctx *ctx) { return ctx ? ctx->bundle : NULL; }
