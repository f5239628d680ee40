#include "engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "analysis.h"
#include "certdump.h"
#include "report_csv.h"
#include "decode.h"
#include "export.h"
#include "outbuf.h"
#include "diagnose.h"
#include "flow.h"
#include "keylog.h"
#include "resfail.h"
#include "reporter.h"
#include "select.h"
#include "session.h"
#include "summary.h"
#include "stats_print.h"
#include "terminal.h"
#include "tls_stream.h"

/* The wiring: who calls whom. Policy lives in the stages (analysis, diagnose,
 * report); the engine owns their instances and the flow table. */
struct engine {
    const mtls_config *cfg;
    FILE *out;
    int dlt;
    decoder_t *dec;
    flow_table *flows;
    analyzer *an;
    analyzer *an_shared; /* the front of --threads: the chain context and cache its workers share */
    keylog *keys;
    summary *sum;         /* a --threads worker's is the front's (not owned) */
    pthread_mutex_t sum_mu; /* the front of --threads: its workers add to its summary under it */
    pthread_mutex_t *sum_lock; /* a worker: its front's sum_mu */
    reporter *rep;
    size_t mem_total;
    reasm_limits rlim;
    tlss_options topt;
    diag_options dopt;
    uint64_t frames;      /* packets read so far: the frame number of the last one */
    uint64_t last_ts;
    uint64_t last_idle_check;
    bool stop;
    bool out_error;
    FILE *inventory;        /* --inventory FILE, open from the start (front only) */
    certindex *certix;      /* --dump-certs: what goes into DIR/index.csv (each worker its own) */
    bool inventory_error;   /* it could not be written: exit status 2 */
    engine_stats st;
    bool live;
    bool interrupted;     /* a signal stopped reading a file */
    exporter *exp;        /* -w FILE, NULL without */
    char *export_error;   /* -w failed to write */
    uint64_t exported_conns, exported_pkts;
    uint64_t dsb_blocks;  /* Decryption Secrets Blocks met while reading a stream */
    uint64_t k_recv, k_drop, k_ifdrop;
    summary_file *files;  /* the capture files read (engine_set_input_files), names borrowed */
    size_t n_files;
    bool files_listed;
    int warned_links[8];  /* link types named as not decoded */
    size_t n_warned_links;
    bool worker;          /* one of --threads' workers: the front prints the summary */
    keylog *shared_keys;  /* a worker's view of the front's key log (not owned) */
    keylog_watch *kw;     /* --keylog still being written (live, pipe): read as it grows */
    bool kw_warned;       /* malformed lines met while following it were said */
    FILE *final_out;      /* --sort: where the sorted records go at the end */
    outbuf *rec;          /* --sort: the record being written */
    out_records records;  /* --sort: every connection's output, sorted at the end */
    void (*on_reported)(void *ctx); /* after each reported connection (engine_on_reported) */
    void *on_reported_ctx;
};

/* How long after a connection closed its late packets (a retransmitted FIN or
 * alert, a late RST) are strays rather than a new connection. */
#define STRAY_WINDOW_US (120ull * 1000000ull)

typedef struct flow_ctx {
    engine_t *e;
    flow_t *f;
} flow_ctx;

/* ------------------------------------------------------------------ setup */

static char *oom_error(void) { return strdup("out of memory"); }

static void warn_malformed(const char *path, const keylog_stats *ks)
{
    if (ks->malformed)
        fprintf(stderr, "mtlsdump: warning: key log '%s': %zu malformed line%s ignored (first at line %zu)\n", path,
                ks->malformed, ks->malformed == 1 ? "" : "s", ks->bad_lines_n ? ks->bad_lines[0] : 0);
}

/* tlss_options.refresh_keys: read what the key log gained since the last look. */
static bool refresh_keys(void *ctx, bool force)
{
    engine_t *e = ctx;
    size_t added = 0;
    keylog_stats ks;
    memset(&ks, 0, sizeof(ks));
    if (keylog_watch_poll(e->kw, e->keys, force, &added, &ks) != KEYLOG_OK && !e->kw_warned) {
        e->kw_warned = true;
        fprintf(stderr, "mtlsdump: warning: cannot read key log '%s' any more\n", e->cfg->keylog);
    }
    if (ks.malformed && !e->kw_warned) {
        e->kw_warned = true;
        warn_malformed(e->cfg->keylog, &ks);
    }
    return added > 0;
}

/* A live key log: the client writes it while we capture. It may not exist
 * yet; it is read as it grows (keylog_watch). */
static int follow_keys(engine_t *e, const mtls_config *cfg, char **err)
{
    keylog_stats ks;
    memset(&ks, 0, sizeof(ks));
    if (!(e->keys = keylog_new()) || !(e->kw = keylog_watch_new(cfg->keylog, 0))) {
        *err = oom_error();
        return -1;
    }
    if (keylog_watch_poll(e->kw, e->keys, true, NULL, &ks) != KEYLOG_OK) {
        if (asprintf(err, "cannot read key log '%s'", cfg->keylog) < 0)
            *err = NULL;
        return -1;
    }
    warn_malformed(cfg->keylog, &ks);
    struct stat sb;
    if (stat(cfg->keylog, &sb) != 0)
        fprintf(stderr, "mtlsdump: key log '%s' does not exist yet: it is read as it is written\n", cfg->keylog);
    e->topt.refresh_keys = refresh_keys;
    e->topt.refresh_ctx = e;
    return 0;
}

/* --keylog FILE. */
static int load_keys(engine_t *e, const mtls_config *cfg, char **err)
{
    if (cfg->keylog && cfg->input_live)
        return follow_keys(e, cfg, err);
    if (cfg->keylog) {
        e->keys = keylog_new();
        keylog_stats ks;
        memset(&ks, 0, sizeof(ks));
        uint64_t failures = resfail_count();
        int rc = e->keys ? keylog_load_file(e->keys, cfg->keylog, &ks) : KEYLOG_ERR_NOMEM;
        bool oom = rc == KEYLOG_ERR_NOMEM || resfail_count() != failures; /* never "a bad file" for that */
        if (rc != KEYLOG_OK || oom) {
            if (asprintf(err, "cannot read key log '%s'%s", cfg->keylog, oom ? ": out of memory" : "") < 0)
                *err = NULL;
            return -1;
        }
        warn_malformed(cfg->keylog, &ks);
    }
    return 0;
}

/* Secrets lost to a failed allocation: said once (the exit status is then 2,
 * engine_report_faults), never taken for a capture without keys in silence. */
static void secrets_lost(void)
{
    static atomic_flag said = ATOMIC_FLAG_INIT;
    if (!atomic_flag_test_and_set(&said))
        fprintf(stderr, "mtlsdump: out of memory: TLS secrets of the capture's Decryption Secrets Blocks were "
                        "lost; connections that needed them are reported without decryption\n");
}

void engine_add_secrets(engine_t *e, const uint8_t *text, size_t len)
{
    if (!e->keys && !(e->keys = keylog_new())) {
        secrets_lost();
        return;
    }
    if (keylog_add_buffer(e->keys, text, len, NULL) < 0) {
        secrets_lost();
        return;
    }
    /* connections from now on look their keys up here; diagnosis words
     * "no keys" knowing a key log was given */
    e->topt.keys = e->keys;
    e->dopt.keylog_given = true;
    e->dsb_blocks++;
    if (e->dsb_blocks == 1 && (e->cfg->verbose || e->cfg->stats))
        fprintf(stderr, "mtlsdump: using TLS secrets from the capture's pcapng Decryption Secrets Blocks\n");
}

/* terminal: where the output finally goes (colour and wrapping only for a
 * terminal); a worker's reporter writes no CSV header. */
static reporter *make_reporter(const mtls_config *cfg, FILE *out, FILE *terminal, bool worker)
{
    report_options ro;
    memset(&ro, 0, sizeof(ro));
    ro.width = terminal_width(terminal);
    ro.color = cfg->color == COLOR_ALWAYS ||
               (cfg->color == COLOR_AUTO && isatty(fileno(terminal)) && getenv("NO_COLOR") == NULL);
    ro.verbosity = cfg->verbose;
    ro.quiet = cfg->quiet;
    ro.certificate_chain = cfg->certificate_chain;
    char several[512]; /* the page header's capture: "a.pcap and 2 more files" (the reporter copies it) */
    ro.source = cfg->read_file ? cfg->read_file : cfg->iface;
    if (cfg->n_read_files > 1) {
        snprintf(several, sizeof several, "%s and %zu more file%s", cfg->read_files[0], cfg->n_read_files - 1,
                 cfg->n_read_files > 2 ? "s" : "");
        ro.source = several;
    }
    ro.live_iface = cfg->iface; /* JSON observer.*: which interface a live capture listened on */
    ro.header_out = worker ? NULL : terminal; /* CSV: one header, on the final output, before any row */
    return reporter_new(cfg->format ? cfg->format : "text", out, &ro);
}

/* What the front (or the only engine) and a --threads worker share: the
 * flow table, analyzer, summary and reporter of one engine. */
static int engine_setup(engine_t *e, const mtls_config *cfg, int dlt, FILE *out, FILE *terminal, bool analyse,
                        analyzer *share_with, char **err)
{
    e->cfg = cfg;
    e->dlt = dlt;
    e->final_out = out;
    if (cfg->sort) {
        if (!(e->rec = outbuf_new())) {
            *err = oom_error();
            return -1;
        }
        out = outbuf_stream(e->rec);
    }
    e->out = out;
    e->dec = decoder_new(dlt, NULL);
    e->flows = flow_table_new(analyse ? cfg->max_flows : 1); /* the front of --threads tracks no flow */
    if (!e->worker)
        e->sum = summary_new(SUMMARY_DEFAULT_MAX_CERTS);
    e->rep = make_reporter(cfg, out, terminal, e->worker);
    if (cfg->dump_certs && !(e->certix = certindex_new())) {
        *err = oom_error();
        return -1;
    }
    if (!e->dec || !e->flows || (!e->worker && !e->sum) || !e->rep) {
        *err = oom_error();
        return -1;
    }
    e->rlim.max_pending_bytes = cfg->max_flow_bytes;
    e->rlim.total = &e->mem_total;
    e->rlim.max_total = cfg->max_memory;
    flow_table_set_reasm_limits(e->flows, &e->rlim);

    analyzer_config ac = {cfg->ca, cfg->server_ca, cfg->client_ca, cfg->verify_time_abs, cfg->verify_now};
    if (analyse && !(e->an = share_with ? analyzer_new_sibling(share_with, err) : analyzer_new(&ac, err)))
        return -1;
    e->topt.max_buffer = cfg->max_flow_bytes;
    e->topt.mem_total = &e->mem_total;
    e->dopt.client_ca_given = cfg->client_ca != NULL || cfg->ca != NULL;
    e->dopt.server_ca_given = cfg->server_ca != NULL || cfg->ca != NULL;
    return 0;
}

engine_t *engine_new_front(const mtls_config *cfg, int dlt, FILE *out, bool workers, char **err)
{
    engine_t *e = calloc(1, sizeof(*e));
    if (!e) {
        *err = oom_error();
        return NULL;
    }
    if (!decode_link_supported(dlt)) {
        if (asprintf(err, "unsupported link-layer type %s: mtlsdump decodes Ethernet (802.1Q/QinQ), Linux "
                          "cooked (SLL, SLL2), BSD loopback and raw IPv4/IPv6",
                     decode_link_name(dlt)) < 0)
            *err = NULL;
        free(e);
        return NULL;
    }
    if (engine_setup(e, cfg, dlt, out, out, !workers, NULL, err) < 0 ||
        (cfg->dump_certs && certdump_check_dir(cfg->dump_certs, err) < 0) || load_keys(e, cfg, err) < 0) {
        engine_free(e);
        return NULL;
    }
    if (cfg->inventory && !(e->inventory = fopen(cfg->inventory, "w"))) {
        if (asprintf(err, "--inventory %s: %s", cfg->inventory, strerror(errno)) < 0)
            *err = NULL;
        engine_free(e);
        return NULL;
    }
    if (cfg->write_file) {
        e->exp = exporter_open(cfg->write_file, dlt, (uint32_t)cfg->snaplen, cfg->max_flow_bytes, cfg->max_memory, err);
        if (!e->exp) {
            engine_free(e);
            return NULL;
        }
    }
    /* the workers share one chain context and cache (analysis.h): loaded once here */
    analyzer_config ac = {cfg->ca, cfg->server_ca, cfg->client_ca, cfg->verify_time_abs, cfg->verify_now};
    if (workers && !(e->an_shared = analyzer_new(&ac, err))) {
        engine_free(e);
        return NULL;
    }
    if (workers) {
        pthread_mutex_init(&e->sum_mu, NULL);
        e->sum_lock = &e->sum_mu;
    }
    e->topt.keys = e->keys;
    e->dopt.keylog_given = cfg->keylog != NULL || e->dsb_blocks > 0;
    return e;
}

engine_t *engine_new_worker(engine_t *front, const mtls_config *cfg, FILE *out, char **err)
{
    engine_t *e = calloc(1, sizeof(*e));
    if (!e) {
        *err = oom_error();
        return NULL;
    }
    e->worker = true;
    if (engine_setup(e, cfg, front->dlt, out, front->final_out, true, front->an_shared, err) < 0) {
        engine_free(e);
        return NULL;
    }
    /* the worker sees its share of the closes: its share of the ring of
     * recently closed flows remembers them as long as one engine's would */
    size_t share = front->cfg->max_flows ? FLOW_CLOSED_SLOTS * cfg->max_flows / front->cfg->max_flows : FLOW_CLOSED_SLOTS;
    flow_table_set_closed_slots(e->flows, share);
    e->sum = front->sum;
    e->sum_lock = front->sum_lock;
    e->shared_keys = front->keys;
    e->topt.keys = front->keys;
    e->dopt.keylog_given = front->dopt.keylog_given;
    if (front->kw) {
        /* a live key log: each worker reads what it gains into a key log of its
         * own (the front's is read without a lock), from where the front's ends */
        if (!(e->keys = keylog_new()) ||
            !(e->kw = keylog_watch_new(cfg->keylog, keylog_watch_offset(front->kw)))) {
            *err = oom_error();
            engine_free(e);
            return NULL;
        }
        keylog_set_fallback(e->keys, e->shared_keys);
        e->topt.keys = e->keys;
        e->topt.refresh_keys = refresh_keys;
        e->topt.refresh_ctx = e;
    }
    return e;
}

void engine_on_reported(engine_t *e, void (*cb)(void *ctx), void *ctx)
{
    e->on_reported = cb;
    e->on_reported_ctx = ctx;
}

void engine_workers_made(engine_t *front)
{
    /* each worker holds a reference to the shared chain context and cache:
     * the last worker to shed its analyzer frees them */
    analyzer_free(front->an_shared);
    front->an_shared = NULL;
}

void engine_worker_secrets(engine_t *w, const uint8_t *text, size_t len)
{
    /* the front's key log is read by every worker without a lock, so secrets
     * met later in the stream go to each worker's own key log, which falls
     * back to the shared one */
    if (!w->keys) {
        if (!(w->keys = keylog_new())) {
            secrets_lost();
            return;
        }
        keylog_set_fallback(w->keys, w->shared_keys);
    }
    if (keylog_add_buffer(w->keys, text, len, NULL) < 0) {
        secrets_lost();
        return;
    }
    w->topt.keys = w->keys;
    w->dopt.keylog_given = true;
}

static void free_flow_cb(flow_table *t, flow_t *f, void *ctx)
{
    (void)t;
    engine_t *e = ctx;
    exporter_forget(e->exp, f);
    tlss_free(f->user);
    f->user = NULL;
}

void engine_free(engine_t *e)
{
    if (!e)
        return;
    engine_shed(e); /* flows, analyzer, reporter (a worker has shed them already) */
    analyzer_free(e->an_shared);
    decoder_free(e->dec);
    keylog_watch_free(e->kw);
    keylog_free(e->keys);
    if (!e->worker) {
        summary_free(e->sum);
        if (e->sum_lock)
            pthread_mutex_destroy(&e->sum_mu);
    }
    certindex_free(e->certix);
    if (e->inventory)
        fclose(e->inventory); /* start-up failed: nothing was written */
    char *ignored = NULL;
    uint64_t nc, np;
    if (exporter_close(e->exp, &nc, &np, &ignored) < 0) {
        /* only reached when engine_finish did not run (start-up failure) */
    }
    free(ignored);
    free(e->export_error);
    free(e->files);
    out_records_clear(&e->records);
    outbuf_free(e->rec);
    free(e);
}

/* ------------------------------------------------------------------ reporting */

/* A finished connection through the later stages: analysis, diagnosis, then
 * the reporter when the user selected it. True when it was reported;
 * *verdict: the diagnosis's. */
static bool report_session(engine_t *e, const session_t *s, verdict_t *verdict)
{
    conn_analysis a;
    diagnosis d;
    analyzer_run(e->an, s, &a);
    if (a.lost || s->out_of_memory)
        e->st.analysis_failed++; /* diagnosis says which part (finding analysis_failed) */
    uint64_t failures = resfail_count(); /* from here, a failure loses output */
    if (e->cfg->dump_certs)
        certdump_connection(e->cfg->dump_certs, &(conn_view){s, &a, NULL}, e->certix);
    diag_run(s, &a, &e->dopt, &d);
    conn_view c = {s, &a, &d};
    e->st.diagnosed++;
    if (d.failed)
        e->st.failed_all++;
    bool selected = report_selected(e->cfg, &c);
    if (selected) {
        /* the exit code follows the connections the user asked to see */
        if (d.failed)
            e->st.failed++;
        e->st.reported++;
        if (e->cfg->expect && !(e->cfg->expect_mask & (1u << d.verdict))) {
            e->st.unexpected++;
            fprintf(stderr, "mtlsdump: connection #%llu: verdict %s is not one of --expect %s\n",
                    (unsigned long long)s->id, verdict_name(d.verdict), e->cfg->expect);
        }
        if (e->sum_lock)
            pthread_mutex_lock(e->sum_lock);
        if (summary_add(e->sum, &c) < 0) {
            /* summary capped or OOM: the summary says so */
        }
        if (e->sum_lock)
            pthread_mutex_unlock(e->sum_lock);
        if (reporter_connection(e->rep, &c) < 0)
            e->out_error = true;
        if (e->rec) { /* --sort: this connection's output becomes one record */
            size_t n;
            const char *bytes = outbuf_take(e->rec, &n);
            if (outbuf_failed(e->rec) || out_records_add(&e->records, s->id, bytes, n) < 0)
                e->out_error = true; /* a record lost to OOM is output lost */
        }
        if (e->cfg->input_live || e->cfg->line_buffered)
            fflush(e->out); /* a person or a pipeline is waiting for it (-l) */
        if (!e->worker && !e->rec && out_check(e->out))
            e->stop = true; /* stdout failed: nothing more can be reported */
        if (e->on_reported)
            e->on_reported(e->on_reported_ctx);
    }
    if (resfail_count() != failures) {
        e->st.output_lost++;
        e->out_error = true;
    }
    *verdict = d.verdict;
    diagnosis_cleanup(&d);
    conn_analysis_cleanup(&a);
    return selected;
}

/* End a flow: flush reassembly, report its session, free it. */
static void finish_flow(engine_t *e, flow_t *f, uint64_t ts, step_kind why, end_cause reason, const char *cause);

/* ------------------------------------------------------------------ reassembly callbacks */

static void on_data(void *ctx, int side, uint64_t ts, const uint8_t *bytes, size_t n)
{
    flow_ctx *fc = ctx;
    tls_conn *c = fc->f->user;
    if (!c)
        return;
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
    if (!c)
        return; /* a FIN or RST before any payload: no TLS state was made */
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
    case REASM_EV_OVERLAP_CONFLICT:
        tlss_overlap_conflict(c, len);
        break;
    default:
        break;
    }
}

static const reasm_callbacks rcb = {on_data, on_event};

/* ------------------------------------------------------------------ flows */

/* The TLS state of a flow, made at its first payload byte: endpoints from the
 * flow key (side 0 = the first packet's sender), the client from the SYN when
 * one was seen. */
static tls_conn *new_tls_state(engine_t *e, const flow_t *f)
{
    tls_conn *c = tlss_new(&e->topt, f->client_side);
    if (!c) {
        e->st.output_lost++; /* a connection left out of the report (engine_report_faults) */
        return NULL;
    }
    endpoint_t ep[2];
    memset(ep, 0, sizeof(ep));
    for (int i = 0; i < 2; i++) {
        ep[i].family = f->key.family;
        memcpy(ep[i].addr, f->key.addr[i], 16);
        ep[i].port = f->key.port[i];
    }
    tlss_set_endpoints(c, &ep[0], &ep[1]);
    return c;
}

/* A connection's id is the frame number of its first packet, as Wireshark
 * numbers frames: the same whichever worker (--threads) handled it. */
static void account_session(engine_t *e, const flow_t *f, tls_conn *c)
{
    if (tlss_assign_id(c, f->first_frame))
        e->st.connections++;
}

static void finish_flow(engine_t *e, flow_t *f, uint64_t ts, step_kind why, end_cause reason, const char *cause)
{
    tls_conn *c = f->user;
    if (c && f->dir && tlss_get_state(c) != TLSS_NOT_TLS) {
        flow_ctx fc = {e, f};
        reasm_flush(&f->dir[0], ts, &rcb, &fc, 0);
        reasm_flush(&f->dir[1], ts, &rcb, &fc, 1);
        account_session(e, f, c);
        if (tlss_session(c)) {
            if (why != STEP__COUNT)
                tlss_end(c, ts, why, reason, cause);
            session_t *s = tlss_take_session(c);
            bool reported = false;
            verdict_t v = VERDICT__COUNT;
            if (!e->cfg->max_connections || e->st.reported < e->cfg->max_connections)
                reported = report_session(e, s, &v);
            if (reported && e->exp) {
                exporter_write(e->exp, f, s, verdict_name(v), e->keys);
                if (exporter_failed(e->exp))
                    e->stop = true; /* -w cannot be written: exit 2 at the end, said once */
            }
            session_free(s);
            if (e->cfg->max_connections && e->st.reported >= e->cfg->max_connections)
                e->stop = true;
        }
    }
    exporter_forget(e->exp, f);
    tlss_free(c);
    f->user = NULL;
    flow_table_remove(e->flows, f);
}

/* Evict the least recently used flow to make room; cause says which cap. */
static void evict_oldest(engine_t *e, uint64_t ts, const char *cause, uint64_t *counter)
{
    flow_t *old = flow_table_lru_oldest(e->flows);
    if (!old)
        return;
    e->st.flows_evicted++;
    (*counter)++;
    finish_flow(e, old, ts, STEP_EVICTED, END_LIMIT, cause);
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
        char cause[96];
        snprintf(cause, sizeof cause, "it was idle for %llu s (--idle-timeout)",
                 (unsigned long long)(e->cfg->idle_timeout_us / 1000000u));
        finish_flow(e, old, ts, tls ? STEP_EVICTED : STEP__COUNT, END_IDLE, cause);
    }
}

void engine_tick(engine_t *e, uint64_t now_us)
{
    if (now_us > e->last_ts)
        e->last_ts = now_us;
    idle_check(e, now_us);
}

bool engine_decode(engine_t *e, uint64_t ts, const uint8_t *data, size_t caplen, size_t wirelen, decoded_pkt *pk,
                   uint64_t *frame)
{
    e->st.packets++;
    e->st.bytes += caplen;
    *frame = ++e->frames;
    if (ts > e->last_ts)
        e->last_ts = ts;
    dx_result r = decode_packet(e->dec, ts, data, caplen, wirelen, pk);
    if (r.status != DX_OK) {
        if (r.status == DX_MALFORMED || r.status == DX_TRUNCATED)
            e->st.malformed_packets++;
        else
            e->st.ignored_packets++;
        return false;
    }
    e->st.tcp_packets++;
    return true;
}

void engine_packet(engine_t *e, uint64_t ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    decoded_pkt pk;
    uint64_t frame;
    if (engine_decode(e, ts, data, caplen, wirelen, &pk, &frame))
        engine_decoded(e, frame, &pk, data, caplen, wirelen);
}

void engine_decoded(engine_t *e, uint64_t frame, const decoded_pkt *pkt, const uint8_t *data, size_t caplen,
                    size_t wirelen)
{
    const decoded_pkt pk = *pkt;
    uint64_t ts = pk.ts_us;
    if (ts > e->last_ts)
        e->last_ts = ts;
    idle_check(e, ts);
    bool want_create = (pk.flags & TCP_SYN) || pk.payload_wire_len > 0;
    int side = 0;
    bool created = false;
    flow_t *f = flow_table_get(e->flows, pk.family, pk.src, pk.dst, pk.sport, pk.dport, ts, false, &side, &created);
    if (!f && want_create && !(pk.flags & TCP_SYN) &&
        flow_table_recently_closed(e->flows, pk.family, pk.src, pk.dst, pk.sport, pk.dport, ts, STRAY_WINDOW_US)) {
        e->st.stray_after_close++; /* a retransmission or late packet of a connection already reported */
        return;
    }
    if (!f && want_create)
        f = flow_table_get(e->flows, pk.family, pk.src, pk.dst, pk.sport, pk.dport, ts, true, &side, &created);
    if (!f && want_create) {
        evict_oldest(e, ts, "the flow table was full (--max-flows)", &e->st.evicted_full);
        f = flow_table_get(e->flows, pk.family, pk.src, pk.dst, pk.sport, pk.dport, ts, true, &side, &created);
    }
    if (!f)
        return;
    if (created) {
        e->st.flows_created++;
        f->first_frame = frame;
    }
    if ((pk.flags & TCP_SYN) && f->client_side < 0)
        f->client_side = (pk.flags & TCP_ACK) ? 1 - side : side; /* the SYN's sender is the client */
    /* The TLS state (about 1.2 KB) is made at the first payload byte: a flow
     * that is only a SYN (a scan, a flood, a refused connection) costs the
     * flow entry alone. */
    if (!f->user && pk.payload_wire_len > 0 && (!flow_dirs(e->flows, f) || !(f->user = new_tls_state(e, f)))) {
        flow_table_remove(e->flows, f);
        return;
    }
    tls_conn *c = f->user;
    if (e->exp && (!c || tlss_get_state(c) != TLSS_NOT_TLS))
        exporter_keep(e->exp, f, e->dlt, frame, ts, data, caplen, wirelen);
    if (!c) {
        flow_note_syn(f, side, pk.seq, pk.flags); /* no byte yet: the sequence numbers alone */
        if (pk.flags & (TCP_FIN | TCP_RST))
            finish_flow(e, f, ts, STEP__COUNT, END_CAPTURE, NULL); /* ended before any byte: nothing to report */
        return;
    }
    if (tlss_get_state(c) == TLSS_NOT_TLS) {
        if (pk.flags & (TCP_FIN | TCP_RST)) {
            e->st.flows_not_tls++;
            finish_flow(e, f, ts, STEP__COUNT, END_CAPTURE, NULL);
        }
        return;
    }
    flow_ctx fc = {e, f};
    reasm_segment(&f->dir[side], ts, pk.seq, pk.flags, pk.payload, pk.payload_len, pk.payload_wire_len, &rcb, &fc,
                  side);
    account_session(e, f, c);
    if (e->mem_total > e->st.peak_buffered)
        e->st.peak_buffered = e->mem_total;
    if (tlss_get_state(c) == TLSS_NOT_TLS) {
        flow_reset_reassembly(f, &e->rlim);
        exporter_forget(e->exp, f);
        return;
    }
    if (tlss_closed(c) && (pk.flags & TCP_RST || flow_both_fin(f))) {
        flow_table_remember_closed(e->flows, f, ts);
        finish_flow(e, f, ts, STEP__COUNT, END_CAPTURE, NULL);
        return;
    }
    while (e->cfg->max_memory && e->mem_total > e->cfg->max_memory && flow_table_count(e->flows) > 1)
        evict_oldest(e, ts, "the memory cap was reached (--max-memory)", &e->st.evicted_memory);
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

/* Filters select which connections are reported. */
static bool engine_filtered(const mtls_config *cfg)
{
    return cfg->only_failures || cfg->filter_sni || cfg->filter_client_subject || cfg->filter_client_fp;
}

void engine_set_interrupted(engine_t *e) { e->interrupted = true; }

void engine_set_link(engine_t *e, int dlt)
{
    e->dlt = dlt;
    if (decoder_set_link(e->dec, dlt))
        return;
    for (size_t i = 0; i < e->n_warned_links; i++)
        if (e->warned_links[i] == dlt)
            return;
    if (e->n_warned_links < MTLS_ARRAY_LEN(e->warned_links))
        e->warned_links[e->n_warned_links++] = dlt;
    fprintf(stderr, "mtlsdump: warning: packets of link-layer type %s are not decoded (counted as ignored); mtlsdump "
                    "decodes Ethernet (802.1Q/QinQ), Linux cooked (SLL, SLL2), BSD loopback and raw IPv4/IPv6\n",
            decode_link_name(dlt));
}

void engine_set_input_files(engine_t *e, const char *const *names, const uint64_t *packets, size_t n, bool listed)
{
    free(e->files);
    e->n_files = 0;
    e->files_listed = listed;
    if (!n || !(e->files = calloc(n, sizeof(*e->files))))
        return;
    for (size_t i = 0; i < n; i++)
        e->files[i] = (summary_file){names[i], packets[i]};
    e->n_files = n;
}

void engine_end_flows(engine_t *e, uint64_t last_ts)
{
    if (last_ts > e->last_ts)
        e->last_ts = last_ts;
    size_t n = flow_table_count(e->flows);
    if (n) {
        finish_all_ctx fa = {e, calloc(n, sizeof(flow_t *)), 0};
        if (fa.list) {
            flow_table_foreach(e->flows, collect_cb, &fa);
            qsort(fa.list, fa.n, sizeof(flow_t *), by_first_seen);
            for (size_t i = 0; i < fa.n; i++)
                finish_flow(e, fa.list[i], e->last_ts, STEP_CAPTURE_END, END_CAPTURE, NULL);
            free(fa.list);
        }
    }
}

void engine_shed(engine_t *e)
{
    if (e->flows) {
        flow_table_foreach(e->flows, free_flow_cb, e);
        flow_table_free(e->flows);
        e->flows = NULL;
    }
    if (e->an) {
        analyzer_stats as;
        analyzer_get_stats(e->an, &as);
        e->st.chains_validated += as.chains_validated; /* engine_get_stats adds a live analyzer's */
        e->st.chain_cache_hits += as.chain_cache_hits;
        analyzer_free(e->an);
        e->an = NULL;
    }
    reporter_free(e->rep); /* its writer's buffers and memos; it writes nothing at close */
    e->rep = NULL;
}

/* Every engine_stats counter, one row each: engine_absorb adds a worker's to
 * the front's. All are sums. The front alone counts packets, bytes, ignored
 * and malformed ones (it decodes; a worker's stay 0); peak_buffered becomes
 * the sum of each worker's peak, an upper bound. A new counter is a new row
 * (the assertion below fails without it). */
static const size_t summed_counters[] = {
    offsetof(engine_stats, packets),           offsetof(engine_stats, bytes),
    offsetof(engine_stats, tcp_packets),       offsetof(engine_stats, ignored_packets),
    offsetof(engine_stats, malformed_packets), offsetof(engine_stats, flows_created),
    offsetof(engine_stats, flows_not_tls),     offsetof(engine_stats, flows_evicted),
    offsetof(engine_stats, flows_idle),        offsetof(engine_stats, evicted_full),
    offsetof(engine_stats, evicted_memory),    offsetof(engine_stats, stray_after_close),
    offsetof(engine_stats, connections),       offsetof(engine_stats, reported),
    offsetof(engine_stats, failed),            offsetof(engine_stats, diagnosed),
    offsetof(engine_stats, failed_all),        offsetof(engine_stats, unexpected),
    offsetof(engine_stats, chains_validated),  offsetof(engine_stats, chain_cache_hits),
    offsetof(engine_stats, peak_buffered),     offsetof(engine_stats, analysis_failed),
    offsetof(engine_stats, output_lost),
};
_Static_assert(sizeof(summed_counters) / sizeof(summed_counters[0]) * sizeof(uint64_t) == sizeof(engine_stats),
               "every engine_stats counter needs its row in summed_counters");

/* to += from, counter by counter. */
static void stats_add(engine_stats *to, const engine_stats *from)
{
    for (size_t i = 0; i < sizeof(summed_counters) / sizeof(summed_counters[0]); i++) {
        uint64_t *t = (uint64_t *)(void *)((char *)to + summed_counters[i]);
        const uint64_t *f = (const uint64_t *)(const void *)((const char *)from + summed_counters[i]);
        *t += *f;
    }
}

void engine_absorb(engine_t *e, engine_t *w)
{
    engine_stats ws; /* with the worker's analyzer counts, shed or not */
    engine_get_stats(w, &ws);
    stats_add(&e->st, &ws);
    if (w->out_error)
        e->out_error = true;
    if (certindex_merge(e->certix, w->certix) < 0)
        fprintf(stderr, "mtlsdump: warning: --dump-certs: out of memory: index.csv misses certificates\n");
    if (e->rec && out_records_absorb(&e->records, &w->records) < 0)
        e->out_error = true;
}

void engine_finish(engine_t *e)
{
    engine_end_flows(e, 0);
    if (e->exp) {
        if (exporter_close(e->exp, &e->exported_conns, &e->exported_pkts, &e->export_error) < 0) {
            fprintf(stderr, "mtlsdump: -w: %s\n", e->export_error ? e->export_error : "write error");
            if (!e->export_error)
                e->export_error = strdup("write error");
        }
        e->exp = NULL;
    }
    summary_capture sc = {e->st.packets, e->st.bytes, e->st.flows_evicted + e->st.flows_idle, e->live,
                          e->k_recv, e->k_drop, e->k_ifdrop, e->interrupted,
                          engine_filtered(e->cfg), e->st.diagnosed, e->st.failed_all, e->last_ts, NULL, 0, e->live ? e->cfg->iface : NULL};
    if (e->n_files > 1 || e->files_listed) { /* one file named alone: the user knows which */
        sc.files = e->files;
        sc.n_files = e->n_files;
    }
    summary_set_capture(e->sum, &sc);
    if (e->certix) {
        char *ierr = NULL;
        if (certindex_write(e->cfg->dump_certs, e->certix, &ierr) < 0) {
            fprintf(stderr, "mtlsdump: %s\n", ierr ? ierr : "--dump-certs: index.csv: write failed");
            e->inventory_error = true;
        } else if (ierr) {
            fprintf(stderr, "mtlsdump: warning: %s\n", ierr);
        }
        free(ierr);
    }
    if (e->inventory) {
        int irc = summary_write_inventory_csv(e->inventory, e->sum);
        if (fclose(e->inventory) != 0 || irc < 0) {
            fprintf(stderr, "mtlsdump: --inventory %s: write error: %s\n", e->cfg->inventory, strerror(errno));
            e->inventory_error = true;
        } else if (summary_inventory_capped(e->sum) || summary_capped(e->sum)) {
            fprintf(stderr, "mtlsdump: --inventory %s: a cap was reached (%s): the inventory is incomplete\n",
                    e->cfg->inventory, summary_capped(e->sum) ? "distinct client certificates" : "triples");
        }
        e->inventory = NULL;
    }
    if (e->rec && out_records_write(&e->records, e->final_out) < 0)
        e->out_error = true;
    if (!e->cfg->no_summary) {
        if (reporter_summary(e->rep, e->sum) < 0)
            e->out_error = true;
    }
    if (reporter_finish(e->rep) < 0) /* a whole-page format writes its page now */
        e->out_error = true;
    if (e->rec) {
        size_t n;
        const char *bytes = outbuf_take(e->rec, &n);
        if (n && fwrite(bytes, 1, n, e->final_out) != n)
            e->out_error = true;
    }
    fflush(e->final_out);
    (void)out_check(e->final_out);
}

bool engine_should_stop(const engine_t *e) { return e->stop; }

int engine_exit_code(const engine_t *e)
{
    const mtls_config *cfg = e->cfg;
    if (e->export_error || e->inventory_error)
        return 2; /* -w or --inventory could not write the file the user asked for */
    if (resfail_total() || e->out_error)
        return 2; /* our own machinery failed: analysis or output was lost (engine_report_faults) */
    bool filtered = engine_filtered(cfg);
    if ((cfg->expect || filtered) && e->st.reported == 0)
        return 3; /* nothing was checked: a CI check must not pass on an empty selection */
    if (cfg->expect)
        return e->st.unexpected ? 1 : 0;
    return e->st.failed ? 1 : 0;
}

bool engine_report_faults(const engine_t *e, FILE *err)
{
    uint64_t n = resfail_total();
    if (!n)
        return false; /* (an output lost to a write error is main's to say) */
    const engine_stats *s = &e->st;
    fprintf(err, "mtlsdump: out of memory (%llu failed allocation%s): ", (unsigned long long)n, n == 1 ? "" : "s");
    if (s->analysis_failed)
        fprintf(err, "%llu connection%s not fully analysed (its analysis_failed findings say what was not done)%s",
                (unsigned long long)s->analysis_failed, s->analysis_failed == 1 ? "" : "s",
                s->output_lost || e->out_error ? "; " : "");
    if (s->output_lost || e->out_error)
        fprintf(err, "part of the report was lost");
    if (!s->analysis_failed && !s->output_lost && !e->out_error)
        fprintf(err, "connections or parts of them may be missing from the report");
    fprintf(err, "; exit status 2\n");
    return true;
}

void engine_get_stats(const engine_t *e, engine_stats *out)
{
    *out = e->st;
    analyzer_stats as = {0, 0};
    if (e->an)
        analyzer_get_stats(e->an, &as);
    out->chains_validated += as.chains_validated;
    out->chain_cache_hits += as.chain_cache_hits;
}

void engine_print_stats(const engine_t *e, FILE *f, double seconds)
{
    engine_stats st;
    engine_get_stats(e, &st);
    const engine_stats *s = &st;
    decode_stats ds;
    decoder_stats(e->dec, &ds);
    stats_print_counts(f, s, &ds);
    for (size_t i = 0; i < e->n_files; i++)
        fprintf(f, "  file               %s: %llu packets\n", e->files[i].name, (unsigned long long)e->files[i].packets);
    if (e->cfg->write_file)
        fprintf(f, "  written (-w)       %llu connections, %llu packets\n", (unsigned long long)e->exported_conns,
                (unsigned long long)e->exported_pkts);
    if (seconds > 0)
        fprintf(f, "  time               %.3f s (%.1f MB/s, %.0f connections/s)\n", seconds,
                (double)s->bytes / 1e6 / seconds, (double)s->connections / seconds);
}
