#include "analysis.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ca_match.h"
#include "chain_cache.h"
#include "chain_verify.h"
#include "proof.h"
#include "resfail.h"

/* What the analyzers of one run share: the chain context (anchors, immutable
 * but for its thread-safe certificate memo) and the chain cache (thread-safe),
 * so --threads workers validate a chain once between them and hold one copy
 * of each report. */
typedef struct analysis_base {
    chain_ctx *cctx;
    chain_cache *cache;
    atomic_int refs;
} analysis_base;

struct analyzer {
    analysis_base *base;
    ca_matcher *ca;           /* its own memo: not shared */
    analyzer_stats st;        /* this analyzer's share of the cache traffic */
};

static void base_unref(analysis_base *b)
{
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    chain_cache_free(b->cache);
    chain_ctx_free(b->cctx);
    free(b);
}

void conn_analysis_init(conn_analysis *a)
{
    memset(a, 0, sizeof(*a));
    a->client_ca_acceptable = -1;
    a->cv[0].result = a->cv[1].result = a->ske.result = -1;
}

void conn_analysis_cleanup(conn_analysis *a)
{
    if (!a)
        return;
    for (int d = 0; d < 2; d++) {
        chain_report_unref(a->chain[d]);
        free(a->cv[d].note);
    }
    free(a->ske.note);
    free(a->client_ca_matched);
    conn_analysis_init(a);
}

analyzer *analyzer_new(const analyzer_config *cfg, char **err)
{
    analyzer *an = calloc(1, sizeof(*an));
    if (an && !(an->base = calloc(1, sizeof(*an->base)))) {
        free(an);
        an = NULL;
    }
    if (!an) {
        *err = strdup("out of memory");
        return NULL;
    }
    atomic_init(&an->base->refs, 1);
    chain_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ca_path = cfg->ca_path;
    cc.server_ca_path = cfg->server_ca_path;
    cc.client_ca_path = cfg->client_ca_path;
    cc.use_system_store_for_server = true;
    cc.verify_time = cfg->verify_time;
    cc.verify_time_now = cfg->verify_time_now;
    uint64_t failures = resfail_count();
    an->base->cctx = chain_ctx_new(&cc, err);
    if (resfail_count() != failures) {
        /* an anchor lost to a failed allocation would make chains "untrusted";
         * a file that failed to load for it is not a bad file */
        if (!an->base->cctx)
            free(*err);
        *err = strdup("cannot load the trust anchors: out of memory");
        analyzer_free(an);
        return NULL;
    }
    if (!an->base->cctx) {
        analyzer_free(an);
        return NULL;
    }
    an->base->cache = chain_cache_new(65536);
    an->ca = ca_matcher_new(an->base->cctx);
    if (!an->base->cache || !an->ca) {
        *err = strdup("out of memory");
        analyzer_free(an);
        return NULL;
    }
    return an;
}

void analyzer_free(analyzer *an)
{
    if (!an)
        return;
    ca_matcher_free(an->ca);
    base_unref(an->base);
    free(an);
}

/* Certificates are judged at the time they were sent (the packet time). */
static int64_t handshake_time(const session_t *s, mtls_dir d)
{
    long i = session_find_step(s, d, STEP_CERTIFICATE);
    return (int64_t)((i >= 0 ? s->steps[i].ts_us : s->first_ts_us) / 1000000u);
}

/* A proof check that ran out of memory says only that. */
static void proof_lost(proof_result *r)
{
    free(r->note);
    r->result = -1;
    r->note = strdup("not checked: out of memory");
}

void analyzer_run(analyzer *an, const session_t *s, conn_analysis *out)
{
    conn_analysis_init(out);
    static const unsigned lost_chain[2] = {ANALYSIS_LOST_CHAIN_CLIENT, ANALYSIS_LOST_CHAIN_SERVER};
    static const unsigned lost_cv[2] = {ANALYSIS_LOST_CV_CLIENT, ANALYSIS_LOST_CV_SERVER};
    for (int d = 0; d < 2; d++) {
        const side_info *si = &s->side[d];
        if (si->n_certs == 0)
            continue;
        /* A client chain is judged with this connection's CertificateRequest:
         * a missing issuer the server named is an intermediate the client did
         * not send (chain_verify.h). Nothing from other connections counts. */
        chain_input in = {si->certs, si->n_certs, d == DIR_C2S ? CHAIN_SIDE_CLIENT : CHAIN_SIDE_SERVER,
                          d == DIR_S2C ? s->ch.sni : NULL, handshake_time(s, (mtls_dir)d),
                          d == DIR_C2S && s->cr.present ? s->cr.ca_names : NULL,
                          d == DIR_C2S && s->cr.present ? s->cr.n_ca_names : 0};
        bool hit = false;
        uint64_t failures = resfail_count();
        out->chain[d] = chain_cache_analyze(an->base->cache, an->base->cctx, &in, &hit);
        if (resfail_count() != failures) {
            chain_report_unref(out->chain[d]); /* the cache kept none made out of memory */
            out->chain[d] = NULL;
            out->lost |= lost_chain[d];
        }
        if (out->chain[d]) {
            an->st.chain_cache_hits += hit;
            an->st.chains_validated += !hit;
        }
    }
    for (int d = 0; d < 2; d++) {
        uint64_t failures = resfail_count();
        proof_check(s, (mtls_dir)d, out->chain[d], &out->cv[d]);
        /* (without its chain report the leaf is decoded afresh, so the check still runs);
         * a mismatch over a session read out of memory may be a lost handshake
         * message in the transcript, not a wrong key */
        if (resfail_count() != failures || (s->out_of_memory && out->cv[d].result == 0)) {
            proof_lost(&out->cv[d]);
            out->lost |= lost_cv[d];
        }
    }
    uint64_t failures = resfail_count();
    proof_check_ske(s, out->chain[DIR_S2C], &out->ske);
    if (resfail_count() != failures || (s->out_of_memory && out->ske.result == 0)) {
        proof_lost(&out->ske);
        out->lost |= ANALYSIS_LOST_SKE;
    }
    const side_info *cli = &s->side[DIR_C2S];
    if (s->cr.present && s->cr.n_ca_names && cli->n_certs) {
        failures = resfail_count();
        out->client_ca_acceptable = ca_matcher_match(an->ca, out->chain[DIR_C2S], cli->certs, cli->n_certs,
                                                     s->cr.ca_names, s->cr.n_ca_names, &out->client_ca_matched);
        if (resfail_count() != failures) {
            out->client_ca_acceptable = -1;
            free(out->client_ca_matched);
            out->client_ca_matched = NULL;
            out->lost |= ANALYSIS_LOST_CA_MATCH;
        }
    }
}

analyzer *analyzer_new_sibling(analyzer *first, char **err)
{
    analyzer *an = calloc(1, sizeof(*an));
    if (an)
        an->ca = ca_matcher_new(first->base->cctx);
    if (!an || !an->ca) {
        analyzer_free(an);
        *err = strdup("out of memory");
        return NULL;
    }
    atomic_fetch_add(&first->base->refs, 1);
    an->base = first->base;
    return an;
}

void analyzer_get_stats(const analyzer *an, analyzer_stats *out) { *out = an->st; }
