/* summary_json.c — the end summary as one JSON object (see summary_json.h). */
#include "summary_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastfmt.h"
#include "growbuf.h"

#include "json_build.h"
#include "summary_links.h"

/* Counts are cJSON numbers (jb_number), as they always were. */
static void count(jb *b, cJSON *o, const char *key, uint64_t v) { jb_number(b, o, key, (double)v); }

static void capture_obj(jb *b, cJSON *o, const summary_capture *cap)
{
    cJSON *k = jb_obj(b, o, "capture");
    count(b, k, "packets", cap->packets);
    count(b, k, "bytes", cap->bytes);
    count(b, k, "flows_evicted", cap->flows_evicted);
    jb_bool(b, k, "live", cap->live);
    count(b, k, "connections", cap->connections_seen);
    count(b, k, "failed", cap->failed_seen);
    cJSON *files = cap->n_files ? jb_arr(b, k, "files") : NULL;
    for (size_t i = 0; files && i < cap->n_files; i++) {
        cJSON *fo = jb_obj(b, files, NULL);
        jb_str(b, fo, "path", cap->files[i].name, JB_BORROW);
        count(b, fo, "packets", cap->files[i].packets);
    }
    if (cap->live) {
        count(b, k, "kernel_received", cap->kernel_received);
        count(b, k, "kernel_dropped", cap->kernel_dropped);
        count(b, k, "interface_dropped", cap->interface_dropped);
    }
}

/* A certificate's validity bound (seconds; before 1970 as 1970). */
static void day_time(jb *b, cJSON *o, const char *key, int64_t t)
{
    jb_time(b, o, key, (uint64_t)(t > 0 ? t : 0) * 1000000u);
}

/* A certificate's inventory: "server_endpoints" [{ip, port, sni, handshakes,
 * failed}], "client_addresses" [{ip, handshakes, failed}] and "uses", the
 * (client address, server) pairs [{client_ip, server_ip, server_port, sni,
 * handshakes, failed, first_seen, last_seen}] (the --inventory CSV's rows). */
static void inventory(jb *b, cJSON *ro, const summary_cert *r)
{
    cJSON *a = jb_arr(b, ro, "server_endpoints");
    for (size_t k = 0; a && k < r->n_server_endpoints; k++) {
        const summary_server *sv = &r->server_endpoints[k];
        cJSON *e = jb_obj(b, a, NULL);
        jb_str(b, e, "ip", sv->ip, JB_BORROW);
        jb_u64(b, e, "port", sv->port);
        jb_str(b, e, "sni", sv->sni, JB_BORROW);
        count(b, e, "handshakes", sv->handshakes);
        count(b, e, "failed", sv->failures);
    }
    a = jb_arr(b, ro, "client_addresses");
    for (size_t k = 0; a && k < r->n_clients; k++) {
        cJSON *e = jb_obj(b, a, NULL);
        jb_str(b, e, "ip", r->clients[k].ip, JB_BORROW);
        count(b, e, "handshakes", r->clients[k].handshakes);
        count(b, e, "failed", r->clients[k].failures);
    }
    a = jb_arr(b, ro, "uses");
    for (size_t k = 0; a && k < r->n_uses; k++) {
        const summary_use *u = &r->uses[k];
        cJSON *e = jb_obj(b, a, NULL);
        jb_str(b, e, "client_ip", u->client_ip, JB_BORROW);
        jb_str(b, e, "server_ip", u->server_ip, JB_BORROW);
        jb_u64(b, e, "server_port", u->server_port);
        jb_str(b, e, "sni", u->sni, JB_BORROW);
        count(b, e, "handshakes", u->handshakes);
        count(b, e, "failed", u->failures);
        jb_time(b, e, "first_seen", u->first_us);
        jb_time(b, e, "last_seen", u->last_us);
    }
}

/* One row of "client_certificates" into the object ro. */
static void cert_row(jb *b, cJSON *ro, const summary_cert *r)
{
    jb_hex(b, ro, "sha256", r->sha256);
    jb_str(b, ro, "subject", r->subject, JB_BORROW);
    jb_str(b, ro, "issuer", r->issuer, JB_BORROW);
    jb_hex(b, ro, "serial", r->serial);
    day_time(b, ro, "not_before", r->not_before);
    day_time(b, ro, "not_after", r->not_after);
    jb_bool(b, ro, "valid", r->valid);
    jb_bool(b, ro, "trust_checked", r->trust_checked);
    jb_str(b, ro, "status", r->status, JB_BORROW);
    count(b, ro, "handshakes", r->handshakes);
    count(b, ro, "failed", r->failures);
    jb_time(b, ro, "first_seen", r->first_us);
    jb_time(b, ro, "last_seen", r->last_us);
    cJSON *sv = jb_arr(b, ro, "servers");
    for (size_t k = 0; sv && k < r->n_servers; k++)
        jb_str(b, sv, NULL, r->servers[k], JB_BORROW);
    jb_bool(b, ro, "servers_capped", r->servers_capped);
    inventory(b, ro, r);
}

static void ids_arr(jb *b, cJSON *o, const char *key, const link_ids *s)
{
    cJSON *a = jb_arr(b, o, key);
    for (size_t i = 0; a && i < s->n; i++)
        count(b, a, NULL, s->v[i]);
}

/* "resumptions": [{"connection":N,"resumed_from":M}, ...], written as one raw
 * node: a day of traffic has tens of thousands, and a tree node per number
 * would cost more memory than the rest of the summary. */
static void resumptions(jb *b, cJSON *o, const summary_links *l)
{
    size_t n_res = 0;
    const link_resumption *res = summary_links_resumptions(l, &n_res);
    size_t cap = 2 + n_res * (sizeof("{\"connection\":,\"resumed_from\":},") + 2 * FASTFMT_INT_MAX);
    char *t = malloc(cap);
    if (!t) {
        b->oom = true;
        return;
    }
    size_t n = 0;
    t[n++] = '[';
    for (size_t i = 0; i < n_res; i++) {
        static const char c1[] = "{\"connection\":", c2[] = ",\"resumed_from\":";
        if (i)
            t[n++] = ',';
        memcpy(t + n, c1, sizeof(c1) - 1);
        n += sizeof(c1) - 1;
        n += fastfmt_u64(res[i].id, t + n);
        if (res[i].from) {
            memcpy(t + n, c2, sizeof(c2) - 1);
            n += sizeof(c2) - 1;
            n += fastfmt_u64(res[i].from, t + n);
        }
        t[n++] = '}';
    }
    t[n++] = ']';
    jb_raw(b, o, "resumptions", t, n);
    free(t);
}

/* "intermediates_elsewhere", "resumptions", "links_capped". */
static void links(jb *b, cJSON *o, const summary_links *l)
{
    cJSON *ie = jb_arr(b, o, "intermediates_elsewhere");
    for (size_t i = 0; ie && !b->oom && i < summary_links_n_intermediates(l); i++) {
        link_intermediate it = summary_links_intermediate(l, i);
        cJSON *e = jb_obj(b, ie, NULL);
        jb_str(b, e, "subject", it.subject, JB_BORROW);
        jb_hex(b, e, "sha256", it.sha256);
        ids_arr(b, e, "sent_on", it.sent_on);
        count(b, e, "sent_on_count", it.sent_on->total);
        jb_str(b, e, "lacked_by", it.lacked_by_server ? "server" : "client", JB_BORROW);
        ids_arr(b, e, "lacked_on", it.lacked_on);
        count(b, e, "lacked_on_count", it.lacked_on->total);
    }
    resumptions(b, o, l);
    jb_bool(b, o, "links_capped", summary_links_capped(l));
    if (!summary_links_complete(l))
        b->oom = true;
}

static void summary_obj(jb *b, cJSON *o, const summary *sm)
{
    const summary_capture *cap = summary_capture_info(sm);
    uint64_t ts = cap ? cap->end_ts_us : 0;
    if (!ts) { /* nothing was read: the time of the report */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ts = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    }
    jb_time(b, o, "@timestamp", ts);
    jb_str(b, o, "type", "summary", JB_BORROW);
    jb_str(b, o, "schema_version", JSON_SCHEMA_VERSION, JB_BORROW);
    jb_str(b, jb_obj(b, o, "ecs"), "version", JSON_ECS_VERSION, JB_BORROW);
    cJSON *ev = jb_obj(b, o, "event");
    jb_str(b, ev, "kind", "metric", JB_BORROW);
    jb_str(b, ev, "module", "mtlsdump", JB_BORROW);
    jb_str(b, ev, "dataset", "mtlsdump.summary", JB_BORROW);
    jb_str(b, ev, "action", "summary", JB_BORROW);
    if (cap && cap->live && cap->iface) {
        char host[256];
        jb_observer(b, o, gethostname(host, sizeof host) == 0 ? (host[sizeof host - 1] = '\0', host) : NULL,
                    cap->iface);
    }
    count(b, o, "connections", summary_connections(sm));
    count(b, o, "failed", summary_failed(sm));
    jb_bool(b, o, "interrupted", cap && cap->interrupted);
    cJSON *c = jb_obj(b, o, "counts");
    for (int v = 1; c && v < VERDICT__COUNT; v++)
        count(b, c, verdict_name((verdict_t)v), summary_verdict_count(sm, (verdict_t)v));
    if (cap)
        capture_obj(b, o, cap);
    jb_bool(b, o, "client_certificates_capped", summary_capped(sm));
    count(b, o, "hidden_client_certificates", summary_hidden_client_certs(sm));
    jb_bool(b, o, "inventory_capped", summary_inventory_capped(sm));
}

/* Print the tree o into t: whole, or (members) its members alone, without the
 * braces. False on OOM. */
static bool put_tree(growbuf *t, const cJSON *o, bool members)
{
    char *txt = cJSON_PrintUnformatted(o);
    if (!txt)
        return false;
    size_t n = strlen(txt);
    if (!members)
        growbuf_putn(t, txt, n);
    else if (n > 2)
        growbuf_putn(t, txt + 1, n - 2);
    cJSON_free(txt);
    return !t->failed;
}

/* The parts of the summary object, each built as a small tree in sc and
 * printed into t at once: the head (counts, capture), each certificate row of
 * "client_certificates" on its own, then the links. A tree of the whole
 * object would hold every row's nodes at once: with the inventories of
 * thousands of certificates, several times the text. False on OOM. */
static bool summary_text_into(growbuf *t, scratch *sc, const summary *sm)
{
    jb b = {.sc = sc};
    cJSON head = {.type = cJSON_Object};
    summary_obj(&b, &head, sm);
    growbuf_putn(t, "{", 1);
    if (b.oom || !put_tree(t, &head, true))
        return false;
    growbuf_puts(t, ",\"client_certificates\":[");
    for (size_t i = 0; i < summary_distinct_certs(sm); i++) {
        scratch_reset(sc);
        cJSON row = {.type = cJSON_Object};
        cert_row(&b, &row, summary_cert_at(sm, i));
        if (i)
            growbuf_putn(t, ",", 1);
        if (b.oom || !put_tree(t, &row, false))
            return false;
    }
    growbuf_putn(t, "]", 1);
    scratch_reset(sc);
    cJSON tail = {.type = cJSON_Object};
    links(&b, &tail, summary_links_of(sm));
    growbuf_putn(t, ",", 1);
    if (b.oom || !put_tree(t, &tail, true))
        return false;
    growbuf_putn(t, "}", 1);
    return !t->failed;
}

char *summary_json(const summary *sm)
{
    scratch *sc = scratch_new();
    if (!sc)
        return NULL;
    growbuf t = {0};
    bool ok = summary_text_into(&t, sc, sm);
    scratch_free(sc);
    if (!ok) {
        growbuf_free(&t);
        return NULL;
    }
    return growbuf_take(&t);
}

int summary_write_json(FILE *out, const summary *sm)
{
    char *txt = summary_json(sm);
    if (!txt)
        return -1;
    int rc = (fputs(txt, out) == EOF || fputc('\n', out) == EOF) ? -1 : 0;
    cJSON_free(txt);
    return rc;
}
