#include "engine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "certdump.h"
#include "chain_cache.h"
#include "chain_verify.h"
#include "decode.h"
#include "diagnose.h"
#include "flow.h"
#include "keylog.h"
#include "pcapng_secrets.h"
#include "proof.h"
#include "report_json.h"
#include "report_text.h"
#include "session.h"
#include "summary.h"
#include "tls_stream.h"

/* Resumption: remember full handshakes by server + session id (ring). */
#define RESUME_RING 4096
typedef struct resume_entry {
    endpoint_t server;
    uint8_t sid[32];
    size_t sid_len;
    uint64_t id;
} resume_entry;

struct engine {
    const mtls_config *cfg;
    FILE *out;
    int dlt;
    decoder_t *dec;
    flow_table *flows;
    chain_ctx *cctx;
    chain_cache *cache;
    keylog *keys;
    summary *sum;
    size_t mem_total;
    reasm_limits rlim;
    tlss_options topt;
    rtext_options ropt;
    rjson_options jopt;
    diag_options dopt;
    uint64_t next_id;
    uint64_t last_ts;
    uint64_t last_idle_check;
    bool stop;
    bool out_error;
    engine_stats st;
    resume_entry resume_ring[RESUME_RING];
    size_t resume_pos;
    bool live;
    uint64_t k_recv, k_drop, k_ifdrop;
};

typedef struct flow_ctx {
    engine_t *e;
    flow_t *f;
} flow_ctx;

/* ------------------------------------------------------------------ setup */

engine_t *engine_new(const mtls_config *cfg, int dlt, FILE *out, char **err)
{
    engine_t *e = calloc(1, sizeof(*e));
    if (!e) {
        *err = strdup("out of memory");
        return NULL;
    }
    e->cfg = cfg;
    e->out = out;
    e->dlt = dlt;
    if (!decode_link_supported(dlt)) {
        if (asprintf(err, "unsupported link-layer type %s: mtlsdump decodes Ethernet (802.1Q/QinQ), Linux "
                          "cooked (SLL, SLL2), BSD loopback and raw IPv4/IPv6",
                     decode_link_name(dlt)) < 0)
            *err = NULL;
        free(e);
        return NULL;
    }
    e->dec = decoder_new(dlt, NULL);
    e->flows = flow_table_new(cfg->max_flows);
    if (!e->dec || !e->flows) {
        *err = strdup("out of memory");
        engine_free(e);
        return NULL;
    }
    e->rlim.max_pending_bytes = cfg->max_flow_bytes;
    e->rlim.total = &e->mem_total;
    e->rlim.max_total = cfg->max_memory;
    flow_table_set_reasm_limits(e->flows, &e->rlim);

    chain_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ca_path = cfg->ca;
    cc.server_ca_path = cfg->server_ca;
    cc.client_ca_path = cfg->client_ca;
    cc.use_system_store_for_server = true;
    cc.verify_time = cfg->verify_time_abs;
    cc.verify_time_now = cfg->verify_now;
    e->cctx = chain_ctx_new(&cc, err);
    if (!e->cctx) {
        engine_free(e);
        return NULL;
    }
    e->cache = chain_cache_new(65536);
    e->sum = summary_new(SUMMARY_DEFAULT_MAX_CERTS);
    if (!e->cache || !e->sum) {
        *err = strdup("out of memory");
        engine_free(e);
        return NULL;
    }
    if (cfg->dump_certs && certdump_check_dir(cfg->dump_certs, err) < 0) {
        engine_free(e);
        return NULL;
    }
    if (cfg->keylog) {
        e->keys = keylog_new();
        keylog_stats ks;
        memset(&ks, 0, sizeof(ks));
        int rc = e->keys ? keylog_load_file(e->keys, cfg->keylog, &ks) : KEYLOG_ERR_NOMEM;
        if (rc != KEYLOG_OK) {
            if (asprintf(err, "cannot read key log '%s'", cfg->keylog) < 0)
                *err = NULL;
            engine_free(e);
            return NULL;
        }
        if (ks.malformed) {
            fprintf(stderr, "mtlsdump: warning: key log '%s': %zu malformed line%s ignored (first at line %zu)\n",
                    cfg->keylog, ks.malformed, ks.malformed == 1 ? "" : "s", ks.bad_lines_n ? ks.bad_lines[0] : 0);
        }
    }
    /* keys embedded in the capture (pcapng Decryption Secrets Blocks) */
    bool dsb_keys = false;
    if (cfg->read_file) {
        keylog *kl = e->keys ? e->keys : keylog_new();
        int n = kl ? pcapng_load_secrets(cfg->read_file, kl) : 0;
        if (n > 0) {
            e->keys = kl;
            dsb_keys = true;
            if (cfg->verbose || cfg->stats)
                fprintf(stderr, "mtlsdump: using TLS secrets from %d pcapng Decryption Secrets Block%s\n", n,
                        n == 1 ? "" : "s");
        } else if (kl != e->keys) {
            keylog_free(kl);
        }
    }
    e->topt.keys = e->keys;
    e->topt.show_http = cfg->show_http;
    e->topt.max_buffer = cfg->max_flow_bytes;
    e->topt.mem_total = &e->mem_total;
    bool color = cfg->color == COLOR_ALWAYS || (cfg->color == COLOR_AUTO && isatty(fileno(out)) && getenv("NO_COLOR") == NULL);
    e->ropt.color = color;
    e->ropt.verbosity = cfg->verbose;
    e->ropt.quiet = cfg->quiet;
    e->jopt.verbosity = cfg->verbose;
    e->dopt.keylog_given = cfg->keylog != NULL || dsb_keys;
    e->dopt.client_ca_given = cfg->client_ca != NULL || cfg->ca != NULL;
    return e;
}

static void free_flow_cb(flow_table *t, flow_t *f, void *ctx)
{
    (void)t;
    (void)ctx;
    tlss_free(f->user);
    f->user = NULL;
}

void engine_free(engine_t *e)
{
    if (!e)
        return;
    if (e->flows) {
        flow_table_foreach(e->flows, free_flow_cb, NULL);
        flow_table_free(e->flows);
    }
    decoder_free(e->dec);
    chain_cache_free(e->cache);
    chain_ctx_free(e->cctx);
    keylog_free(e->keys);
    summary_free(e->sum);
    free(e);
}

/* ------------------------------------------------------------------ reporting */

static bool passes_filters(const engine_t *e, const session_t *s)
{
    const mtls_config *cfg = e->cfg;
    if (cfg->only_failures && !s->failed)
        return false;
    if (cfg->filter_sni && (!s->ch.sni || strcmp(s->ch.sni, cfg->filter_sni) != 0))
        return false;
    const chain_report *cr = s->side[DIR_C2S].chain;
    const cert_info *leaf = cr && cr->n_certs ? &cr->certs[0] : NULL;
    if (cfg->filter_client_subject && (!leaf || !leaf->subject || !strstr(leaf->subject, cfg->filter_client_subject)))
        return false;
    if (cfg->filter_client_fp) {
        if (!leaf)
            return false;
        size_t k = strlen(cfg->filter_client_fp);
        if (k > 64 || strncasecmp(leaf->sha256, cfg->filter_client_fp, k) != 0)
            return false;
    }
    return true;
}

static int64_t handshake_time(const session_t *s, mtls_dir d)
{
    for (size_t i = 0; i < s->n_steps; i++)
        if (s->steps[i].kind == STEP_CERTIFICATE && s->steps[i].dir == d)
            return (int64_t)(s->steps[i].ts_us / 1000000u);
    return (int64_t)(s->first_ts_us / 1000000u);
}

static void analyze_certs(engine_t *e, session_t *s)
{
    for (int d = 0; d < 2; d++) {
        side_info *si = &s->side[d];
        if (si->n_certs == 0)
            continue;
        chain_cache_stats before;
        chain_cache_get_stats(e->cache, &before);
        si->chain = chain_cache_analyze(e->cache, e->cctx, si->certs, si->n_certs,
                                        d == DIR_C2S ? CHAIN_SIDE_CLIENT : CHAIN_SIDE_SERVER,
                                        d == DIR_S2C ? s->ch.sni : NULL, handshake_time(s, (mtls_dir)d));
        chain_cache_stats after;
        chain_cache_get_stats(e->cache, &after);
        e->st.chain_cache_hits += after.hits - before.hits;
        e->st.chains_validated += after.misses - before.misses;
        if (e->cfg->dump_certs && si->chain) {
            for (size_t i = 0; i < si->n_certs && i < si->chain->n_certs; i++) {
                char *err = NULL;
                if (certdump_write(e->cfg->dump_certs, si->certs[i].data, si->certs[i].len,
                                   si->chain->certs[i].sha256, &err) < 0) {
                    fprintf(stderr, "mtlsdump: warning: --dump-certs: %s\n", err ? err : "write failed");
                }
                free(err);
            }
        }
    }
    if (s->cr.present && s->cr.n_ca_names && s->side[DIR_C2S].n_certs) {
        /* The answer depends only on the chain and the CA list: remember it on
         * the (cached, shared) chain report, keyed by a digest of the list. */
        chain_report *cr = s->side[DIR_C2S].chain;
        uint8_t dg[32];
        bool have_dg = false;
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        if (mc && EVP_DigestInit_ex(mc, EVP_sha256(), NULL) == 1) {
            have_dg = true;
            for (size_t i = 0; i < s->cr.n_ca_names && have_dg; i++) {
                uint8_t l[4] = {(uint8_t)(s->cr.ca_names[i].len >> 24), (uint8_t)(s->cr.ca_names[i].len >> 16),
                                (uint8_t)(s->cr.ca_names[i].len >> 8), (uint8_t)s->cr.ca_names[i].len};
                have_dg = EVP_DigestUpdate(mc, l, 4) == 1 &&
                          EVP_DigestUpdate(mc, s->cr.ca_names[i].data, s->cr.ca_names[i].len) == 1;
            }
            unsigned int dl = 0;
            have_dg = have_dg && EVP_DigestFinal_ex(mc, dg, &dl) == 1 && dl == 32;
        }
        EVP_MD_CTX_free(mc);
        if (cr && have_dg && cr->ca_memo && memcmp(cr->ca_names_digest, dg, 32) == 0) {
            s->client_ca_acceptable = cr->ca_match;
            s->client_ca_matched = cr->ca_match_dn ? strdup(cr->ca_match_dn) : NULL;
        } else {
            s->client_ca_acceptable = chain_matches_ca_names(e->cctx, s->side[DIR_C2S].certs, s->side[DIR_C2S].n_certs,
                                                             s->cr.ca_names, s->cr.n_ca_names, &s->client_ca_matched);
            if (cr && have_dg) {
                free(cr->ca_match_dn);
                cr->ca_match_dn = s->client_ca_matched ? strdup(s->client_ca_matched) : NULL;
                cr->ca_match = s->client_ca_acceptable;
                memcpy(cr->ca_names_digest, dg, 32);
                cr->ca_memo = true;
            }
        }
    }
}

static void note_resumption(engine_t *e, session_t *s)
{
    if (s->resumed) {
        for (size_t i = 0; i < RESUME_RING; i++) {
            const resume_entry *r = &e->resume_ring[i];
            if (r->id && r->sid_len && r->sid_len == s->sh.session_id_len &&
                memcmp(r->sid, s->sh.session_id, r->sid_len) == 0 && r->server.port == s->server.port &&
                memcmp(r->server.addr, s->server.addr, 16) == 0) {
                s->resumed_from_id = r->id;
                break;
            }
        }
        if (!s->resumed_from_id) {
            /* ticket resumption: the earlier full handshake to the same server that issued a ticket */
            for (size_t k = 0; k < RESUME_RING; k++) {
                size_t i = (e->resume_pos + RESUME_RING - 1 - k) % RESUME_RING;
                const resume_entry *r = &e->resume_ring[i];
                if (r->id && r->sid_len == 0 && r->server.port == s->server.port &&
                    memcmp(r->server.addr, s->server.addr, 16) == 0 && r->id < s->id) {
                    s->resumed_from_id = r->id;
                    break;
                }
            }
        }
        return;
    }
    if (!s->sh.present || (!s->side[DIR_S2C].cert_msg_seen))
        return;
    bool ticket = false;
    for (size_t i = 0; i < s->n_steps; i++)
        if (s->steps[i].kind == STEP_NEW_SESSION_TICKET)
            ticket = true;
    if (!s->sh.session_id_len && !ticket)
        return;
    resume_entry *r = &e->resume_ring[e->resume_pos];
    e->resume_pos = (e->resume_pos + 1) % RESUME_RING;
    r->server = s->server;
    r->sid_len = ticket && !s->sh.session_id_len ? 0 : s->sh.session_id_len;
    memcpy(r->sid, s->sh.session_id, s->sh.session_id_len);
    r->id = s->id;
    if (ticket && s->sh.session_id_len) {
        /* also remember it as a ticket issuer */
        resume_entry *t = &e->resume_ring[e->resume_pos];
        e->resume_pos = (e->resume_pos + 1) % RESUME_RING;
        *t = *r;
        t->sid_len = 0;
    }
}

static void report_session(engine_t *e, session_t *s)
{
    analyze_certs(e, s);
    proof_check(s);
    note_resumption(e, s);
    diag_run(s, &e->dopt);
    if (!passes_filters(e, s))
        return;
    /* the exit code follows the connections the user asked to see */
    if (s->failed)
        e->st.failed++;
    e->st.reported++;
    if (summary_add(e->sum, s) < 0) {
        /* summary capped or OOM: the summary says so */
    }
    int rc = e->cfg->json ? rjson_session(e->out, s, &e->jopt) : rtext_session(e->out, s, &e->ropt);
    if (rc < 0)
        e->out_error = true;
    if (e->cfg->iface)
        fflush(e->out);
}

/* End a flow: flush reassembly, report its session, free it. */
static void finish_flow(engine_t *e, flow_t *f, uint64_t ts, step_kind why);

/* ------------------------------------------------------------------ reassembly callbacks */

static void on_data(void *ctx, int side, uint64_t ts, const uint8_t *bytes, size_t n)
{
    flow_ctx *fc = ctx;
    tls_conn *c = fc->f->user;
    tlss_data(c, side, ts, bytes, n);
    uint64_t skip = tlss_take_skip(c, side);
    if (skip)
        reasm_skip(&fc->f->dir[side], skip);
}

static void on_event(void *ctx, int side, uint64_t ts, reasm_event ev, uint64_t off, uint64_t len)
{
    flow_ctx *fc = ctx;
    tls_conn *c = fc->f->user;
    (void)off;
    switch (ev) {
    case REASM_EV_GAP:
    case REASM_EV_CAP_DROPPED:
        tlss_gap(c, side, ts, len);
        break;
    case REASM_EV_FIN:
        tlss_fin(c, side, ts);
        break;
    case REASM_EV_RST:
        tlss_rst(c, side, ts);
        break;
    case REASM_EV_OVERLAP_CONFLICT: {
        session_t *s = tlss_session(c);
        if (s && !findings_has(&s->wire_findings, "tcp_overlap_conflict"))
            findings_add(&s->wire_findings, SEV_WARNING, "tcp_overlap_conflict", NULL,
                         "A retransmitted TCP segment carried different bytes for data already seen (%llu bytes); "
                         "the first copy was kept. This points at a broken middlebox or an evasion attempt.",
                         (unsigned long long)len);
        break;
    }
    default:
        break;
    }
}

static const reasm_callbacks rcb = {on_data, on_event};

/* ------------------------------------------------------------------ flows */

static void account_session(engine_t *e, tls_conn *c)
{
    session_t *s = tlss_session(c);
    if (s && s->id == 0) {
        s->id = ++e->next_id;
        e->st.connections++;
    }
}

static void finish_flow(engine_t *e, flow_t *f, uint64_t ts, step_kind why)
{
    tls_conn *c = f->user;
    if (c && tlss_get_state(c) != TLSS_NOT_TLS) {
        flow_ctx fc = {e, f};
        reasm_flush(&f->dir[0], ts, &rcb, &fc, 0);
        reasm_flush(&f->dir[1], ts, &rcb, &fc, 1);
        account_session(e, c);
        session_t *s = tlss_session(c);
        if (s) {
            if (why != STEP__COUNT)
                tlss_end(c, ts, why);
            if (why == STEP_EVICTED && !findings_has(&s->wire_findings, "evicted"))
                findings_add(&s->wire_findings, SEV_WARNING, "evicted", NULL,
                             "mtlsdump stopped tracking this connection before it ended because a resource limit "
                             "(--max-flows, --max-memory or --idle-timeout) was reached; raise the limit to see the rest.");
            s = tlss_take_session(c);
            if (!e->cfg->max_connections || e->st.reported < e->cfg->max_connections)
                report_session(e, s);
            session_free(s);
            if (e->cfg->max_connections && e->st.reported >= e->cfg->max_connections)
                e->stop = true;
        }
    }
    tlss_free(c);
    f->user = NULL;
    flow_table_remove(e->flows, f);
}

static void evict_oldest(engine_t *e, uint64_t ts)
{
    flow_t *old = flow_table_lru_oldest(e->flows);
    if (!old)
        return;
    e->st.flows_evicted++;
    finish_flow(e, old, ts, STEP_EVICTED);
}

static void idle_check(engine_t *e, uint64_t ts)
{
    if (ts < e->last_idle_check + 1000000u)
        return;
    e->last_idle_check = ts;
    for (;;) {
        flow_t *old = flow_table_lru_oldest(e->flows);
        if (!old || old->last_ts_us + e->cfg->idle_timeout_us > ts)
            break;
        e->st.flows_idle++;
        tls_conn *c = old->user;
        bool tls = c && tlss_session(c);
        finish_flow(e, old, ts, tls ? STEP_EVICTED : STEP__COUNT);
    }
}

void engine_tick(engine_t *e, uint64_t now_us)
{
    if (now_us > e->last_ts)
        e->last_ts = now_us;
    idle_check(e, now_us);
}

void engine_packet(engine_t *e, uint64_t ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    e->st.packets++;
    e->st.bytes += caplen;
    if (ts > e->last_ts)
        e->last_ts = ts;
    decoded_pkt pk;
    dx_result r = decode_packet(e->dec, ts, data, caplen, wirelen, &pk);
    if (r.status != DX_OK) {
        if (r.status == DX_MALFORMED || r.status == DX_TRUNCATED)
            e->st.malformed_packets++;
        else
            e->st.ignored_packets++;
        return;
    }
    e->st.tcp_packets++;
    idle_check(e, ts);
    bool want_create = (pk.flags & TCP_SYN) || pk.payload_wire_len > 0;
    int side = 0;
    bool created = false;
    flow_t *f = flow_table_get(e->flows, pk.family, pk.src, pk.dst, pk.sport, pk.dport, ts, want_create, &side, &created);
    if (!f && want_create) {
        evict_oldest(e, ts);
        f = flow_table_get(e->flows, pk.family, pk.src, pk.dst, pk.sport, pk.dport, ts, true, &side, &created);
    }
    if (!f)
        return;
    if (created) {
        e->st.flows_created++;
        int cs = -1;
        if ((pk.flags & TCP_SYN))
            cs = (pk.flags & TCP_ACK) ? 1 : 0;
        f->user = tlss_new(&e->topt, cs);
        if (!f->user) {
            flow_table_remove(e->flows, f);
            return;
        }
        endpoint_t a, b;
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        a.family = b.family = pk.family;
        memcpy(a.addr, pk.src, 16);
        memcpy(b.addr, pk.dst, 16);
        a.port = pk.sport;
        b.port = pk.dport;
        tlss_set_endpoints(f->user, &a, &b);
    }
    tls_conn *c = f->user;
    if (tlss_get_state(c) == TLSS_NOT_TLS) {
        if (pk.flags & (TCP_FIN | TCP_RST)) {
            e->st.flows_not_tls++;
            finish_flow(e, f, ts, STEP__COUNT);
        }
        return;
    }
    if (pk.flags & TCP_SYN)
        tlss_syn(c, side, ts, (pk.flags & TCP_ACK) != 0);
    flow_ctx fc = {e, f};
    reasm_segment(&f->dir[side], ts, pk.seq, pk.flags, pk.payload, pk.payload_len, pk.payload_wire_len, &rcb, &fc,
                  side);
    account_session(e, c);
    if (e->mem_total > e->st.peak_buffered)
        e->st.peak_buffered = e->mem_total;
    if (tlss_get_state(c) == TLSS_NOT_TLS) {
        reasm_cleanup(&f->dir[0]);
        reasm_cleanup(&f->dir[1]);
        reasm_init(&f->dir[0], &e->rlim);
        reasm_init(&f->dir[1], &e->rlim);
        return;
    }
    if (tlss_closed(c) && (pk.flags & TCP_RST || (f->dir[0].fin_seen && f->dir[1].fin_seen))) {
        finish_flow(e, f, ts, STEP__COUNT);
        return;
    }
    while (e->cfg->max_memory && e->mem_total > e->cfg->max_memory && flow_table_count(e->flows) > 1)
        evict_oldest(e, ts);
}

/* ------------------------------------------------------------------ end */

typedef struct finish_all_ctx {
    engine_t *e;
    flow_t **list;
    size_t n;
} finish_all_ctx;

static void collect_cb(flow_table *t, flow_t *f, void *ctx)
{
    (void)t;
    finish_all_ctx *fa = ctx;
    fa->list[fa->n++] = f;
}

static int by_first_seen(const void *a, const void *b)
{
    const flow_t *x = *(flow_t *const *)a, *y = *(flow_t *const *)b;
    if (x->first_ts_us != y->first_ts_us)
        return x->first_ts_us < y->first_ts_us ? -1 : 1;
    return 0;
}

void engine_set_capture_stats(engine_t *e, bool live, uint64_t recv, uint64_t drop, uint64_t ifdrop)
{
    e->live = live;
    e->k_recv = recv;
    e->k_drop = drop;
    e->k_ifdrop = ifdrop;
}

void engine_finish(engine_t *e)
{
    size_t n = flow_table_count(e->flows);
    if (n) {
        finish_all_ctx fa = {e, calloc(n, sizeof(flow_t *)), 0};
        if (fa.list) {
            flow_table_foreach(e->flows, collect_cb, &fa);
            qsort(fa.list, fa.n, sizeof(flow_t *), by_first_seen);
            for (size_t i = 0; i < fa.n; i++)
                finish_flow(e, fa.list[i], e->last_ts, STEP_CAPTURE_END);
            free(fa.list);
        }
    }
    summary_capture sc = {e->st.packets, e->st.bytes, e->st.flows_evicted + e->st.flows_idle, e->live,
                          e->k_recv, e->k_drop, e->k_ifdrop};
    summary_set_capture(e->sum, &sc);
    if (!e->cfg->no_summary) {
        int rc = e->cfg->json ? summary_write_json(e->out, e->sum) : summary_write_text(e->out, e->sum, &e->ropt);
        if (rc < 0)
            e->out_error = true;
    }
    fflush(e->out);
}

bool engine_should_stop(const engine_t *e) { return e->stop; }

int engine_exit_code(const engine_t *e) { return e->st.failed ? 1 : 0; }

void engine_get_stats(const engine_t *e, engine_stats *out) { *out = e->st; }

void engine_print_stats(const engine_t *e, FILE *f, double seconds)
{
    const engine_stats *s = &e->st;
    decode_stats ds;
    decoder_stats(e->dec, &ds);
    fprintf(f, "mtlsdump stats:\n");
    fprintf(f, "  packets            %llu (%llu bytes, %llu TCP, %llu ignored, %llu malformed/truncated)\n",
            (unsigned long long)s->packets, (unsigned long long)s->bytes, (unsigned long long)s->tcp_packets,
            (unsigned long long)s->ignored_packets, (unsigned long long)s->malformed_packets);
    fprintf(f, "  ip fragments       %llu (%llu reassembled)\n", (unsigned long long)ds.fragments,
            (unsigned long long)ds.reassembled);
    fprintf(f, "  flows              %llu created, %llu not TLS, %llu evicted, %llu idle\n",
            (unsigned long long)s->flows_created, (unsigned long long)s->flows_not_tls,
            (unsigned long long)s->flows_evicted, (unsigned long long)s->flows_idle);
    fprintf(f, "  tls connections    %llu (%llu reported, %llu failed)\n", (unsigned long long)s->connections,
            (unsigned long long)s->reported, (unsigned long long)s->failed);
    fprintf(f, "  chains validated   %llu (cache hits %llu)\n", (unsigned long long)s->chains_validated,
            (unsigned long long)s->chain_cache_hits);
    fprintf(f, "  peak buffered      %zu bytes\n", s->peak_buffered);
    if (seconds > 0)
        fprintf(f, "  time               %.3f s (%.1f MB/s, %.0f connections/s)\n", seconds,
                (double)s->bytes / 1e6 / seconds, (double)s->connections / seconds);
}
