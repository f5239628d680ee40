/*
 * summary.c — counts per verdict and the audit table of distinct client
 * certificates. Distinct certificates are found with an open-addressing
 * table keyed by the leaf's SHA-256 hex; capped at max_certs. Data only:
 * the reporters print it (summary_text.c, summary_json.c).
 *
 * The rows' strings live in one pool (scratch.h) that the summary frees
 * whole, and a row's status (a chain's verdict sentence, a few hundred bytes
 * that thousands of certificates share) is kept once. The table lives as long
 * as the run: one malloc per string, spread among the short-lived allocations
 * of every connection, pinned half-empty pages all over the heap (with
 * --threads, all over each worker's malloc arena, which then could not be
 * handed back when the worker finished: parallel.c).
 *
 * --threads workers add to one summary, the front's, under its lock
 * (engine.c). A row keeps what the chain's validation said at the
 * certificate's earliest handshake, so the order of the adds does not matter.
 */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint_text.h"
#include "scratch.h"

typedef summary_cert audit_row;

#define STATUS_SLOTS 64u /* distinct statuses kept once; more are copied */
#define STATUS_PROBES 8u

struct summary {
    size_t counts[VERDICT__COUNT];
    size_t connections, failed;
    size_t max_certs;
    bool capped;
    audit_row *rows; /* insertion order */
    size_t n_rows, cap_rows;
    size_t *slots;   /* hash table of row index + 1 (0 = empty) */
    size_t n_slots;
    bool have_capture;
    summary_capture cap;
    summary_links *links; /* what connections tell about each other (summary_links.h) */
    scratch *pool;        /* the rows' strings and server lists */
    char *statuses[STATUS_SLOTS]; /* in the pool */
};

summary *summary_new(size_t max_certs)
{
    summary *sm = calloc(1, sizeof(*sm));
    if (!sm)
        return NULL;
    sm->max_certs = max_certs ? max_certs : SUMMARY_DEFAULT_MAX_CERTS;
    if (!(sm->links = summary_links_new()) || !(sm->pool = scratch_new())) {
        summary_links_free(sm->links);
        free(sm);
        return NULL;
    }
    return sm;
}

void summary_free(summary *sm)
{
    if (!sm)
        return;
    free(sm->rows);
    free(sm->slots);
    summary_links_free(sm->links);
    scratch_free(sm->pool);
    free(sm);
}

/* A copy of s in the pool; NULL when s is NULL, or *oom set. */
static char *pool_str(summary *sm, const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *c = scratch_strndup(sm->pool, s, strlen(s));
    if (!c)
        *oom = true;
    return c;
}

static uint64_t hash_hex(const char *h)
{
    uint64_t x = 1469598103934665603ull;
    for (; *h; h++)
        x = (x ^ (uint8_t)*h) * 1099511628211ull;
    return x;
}

static int rehash(summary *sm, size_t n)
{
    size_t *ns = calloc(n, sizeof(*ns));
    if (!ns)
        return -1;
    for (size_t i = 0; i < sm->n_rows; i++) {
        size_t j = hash_hex(sm->rows[i].sha256) & (n - 1);
        while (ns[j])
            j = (j + 1) & (n - 1);
        ns[j] = i + 1;
    }
    free(sm->slots);
    sm->slots = ns;
    sm->n_slots = n;
    return 0;
}

/* Find or create the row; *out NULL when capped. Returns -1 on OOM. */
static int find_row(summary *sm, const char *sha, audit_row **out)
{
    *out = NULL;
    if (sm->n_slots) {
        size_t j = hash_hex(sha) & (sm->n_slots - 1);
        while (sm->slots[j]) {
            audit_row *r = &sm->rows[sm->slots[j] - 1];
            if (strcmp(r->sha256, sha) == 0) {
                *out = r;
                return 0;
            }
            j = (j + 1) & (sm->n_slots - 1);
        }
    }
    if (sm->n_rows >= sm->max_certs) {
        sm->capped = true;
        return 0;
    }
    if ((sm->n_rows + 1) * 2 > sm->n_slots && rehash(sm, sm->n_slots ? sm->n_slots * 2 : 64) < 0)
        return -1;
    if (sm->n_rows == sm->cap_rows) {
        size_t nc = sm->cap_rows ? sm->cap_rows * 2 : 16;
        audit_row *p = realloc(sm->rows, nc * sizeof(*p));
        if (!p)
            return -1;
        sm->rows = p;
        sm->cap_rows = nc;
    }
    audit_row *r = &sm->rows[sm->n_rows];
    memset(r, 0, sizeof(*r));
    snprintf(r->sha256, sizeof r->sha256, "%s", sha);
    size_t j = hash_hex(sha) & (sm->n_slots - 1);
    while (sm->slots[j])
        j = (j + 1) & (sm->n_slots - 1);
    sm->slots[j] = ++sm->n_rows;
    *out = r;
    return 0;
}

/* The status s, kept once in the pool for every row that has it. */
static char *status_str(summary *sm, const char *s, bool *oom)
{
    uint64_t h = hash_hex(s);
    for (size_t i = 0; i < STATUS_PROBES; i++) {
        char **e = &sm->statuses[(h + i) & (STATUS_SLOTS - 1)];
        if (*e && strcmp(*e, s) == 0)
            return *e; /* shared: read-only, like every row string */
        if (!*e) {
            char *c = pool_str(sm, s, oom);
            *e = c;
            return c;
        }
    }
    return pool_str(sm, s, oom);
}

static int add_server(summary *sm, audit_row *r, const char *srv);

int summary_add(summary *sm, const conn_view *c)
{
    const session_t *s = c->s;
    const diagnosis *dg = c->d;
    if ((unsigned)dg->verdict < VERDICT__COUNT)
        sm->counts[dg->verdict]++;
    sm->connections++;
    if (dg->failed)
        sm->failed++;
    if (summary_links_add(sm->links, c) < 0)
        return -1;
    const chain_report *cc = c->a->chain[DIR_C2S];
    if (!cc || cc->n_certs == 0)
        return 0;
    const cert_info *ci = &cc->certs[0];
    audit_row *r;
    if (find_row(sm, ci->sha256, &r) < 0)
        return -1;
    if (!r)
        return 0;
    bool oom = false;
    if (r->handshakes == 0) { /* the certificate's own fields: the same in every connection */
        r->subject = pool_str(sm, ci->subject, &oom);
        r->issuer = pool_str(sm, ci->issuer, &oom);
        r->not_before = ci->not_before;
        r->not_after = ci->not_after;
    }
    /* what the chain's validation said: the earliest handshake's (then the
     * lowest id's), whatever order connections end or --threads workers add
     * them in */
    if (r->handshakes == 0 || s->first_ts_us < r->first_us ||
        (s->first_ts_us == r->first_us && s->id < r->first_id)) {
        r->valid = cc->valid;
        r->trust_checked = cc->trust_checked;
        r->status = status_str(sm,
                               cc->valid ? "valid"
                               : cc->verify_sentence ? cc->verify_sentence
                               : cc->verify_error_str ? cc->verify_error_str
                                                      : "invalid",
                               &oom);
        r->first_us = s->first_ts_us;
        r->first_id = s->id;
    }
    if (oom)
        return -1;
    r->handshakes++;
    if (dg->failed)
        r->failures++;
    if (s->last_ts_us > r->last_us)
        r->last_us = s->last_ts_us;

    char ip[64];
    endpoint_text(&s->server, ip, sizeof ip);
    char *srv = NULL;
    if (asprintf(&srv, "%s%s%s", ip, s->ch.sni ? " " : "", s->ch.sni ? s->ch.sni : "") < 0)
        return -1;
    int rc = add_server(sm, r, srv);
    free(srv);
    return rc;
}

/* Note srv (copied) among r's servers. */
static int add_server(summary *sm, audit_row *r, const char *srv)
{
    for (size_t k = 0; k < r->n_servers; k++)
        if (strcmp(r->servers[k], srv) == 0)
            return 0;
    if (r->n_servers >= SUMMARY_MAX_SERVERS_PER_CERT) {
        r->servers_capped = true;
        return 0;
    }
    size_t n = r->n_servers;
    if (n == 0 || (n >= 2 && (n & (n - 1)) == 0)) { /* full: room for twice as many (2 at first) */
        char **p = scratch_alloc(sm->pool, (n ? 2 * n : 2) * sizeof(*p));
        if (!p)
            return -1;
        if (n)
            memcpy(p, r->servers, n * sizeof(*p));
        r->servers = p;
    }
    bool oom = false;
    char *c = pool_str(sm, srv, &oom);
    if (oom)
        return -1;
    r->servers[r->n_servers++] = c;
    return 0;
}

static int by_first_seen(const void *a, const void *b)
{
    const audit_row *x = a, *y = b;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    return strcmp(x->sha256, y->sha256);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The audit table in an order that does not depend on which connection was
 * reported first (--threads): certificates by first handshake, servers by name. */
static void put_in_order(summary *sm)
{
    if (sm->n_rows > 1)
        qsort(sm->rows, sm->n_rows, sizeof(*sm->rows), by_first_seen);
    for (size_t i = 0; i < sm->n_rows; i++)
        if (sm->rows[i].n_servers > 1)
            qsort(sm->rows[i].servers, sm->rows[i].n_servers, sizeof(char *), by_name);
    if (sm->n_slots && rehash(sm, sm->n_slots) < 0) {
        /* the old slots still point at rows by index: only lookups are off,
         * and nothing is added after the table is printed */
    }
}

size_t summary_connections(const summary *sm) { return sm->connections; }
size_t summary_failed(const summary *sm) { return sm->failed; }
size_t summary_verdict_count(const summary *sm, verdict_t v)
{
    return (unsigned)v < VERDICT__COUNT ? sm->counts[v] : 0;
}
size_t summary_distinct_certs(const summary *sm) { return sm->n_rows; }
bool summary_capped(const summary *sm) { return sm->capped; }

void summary_set_capture(summary *sm, const summary_capture *cap)
{
    put_in_order(sm);
    if (summary_links_finish(sm->links) < 0) {
        /* the links say they are incomplete (summary_links_complete) */
    }
    sm->cap = *cap;
    sm->have_capture = true;
}

const summary_cert *summary_cert_at(const summary *sm, size_t i) { return &sm->rows[i]; }
const summary_capture *summary_capture_info(const summary *sm) { return sm->have_capture ? &sm->cap : NULL; }
const summary_links *summary_links_of(const summary *sm) { return sm->links; }
