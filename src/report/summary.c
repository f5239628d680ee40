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

#include "growbuf.h"
#include "conn_facts.h"
#include "endpoint_text.h"
#include "scratch.h"

#include <arpa/inet.h>
#include <sys/socket.h>

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
    /* the inventory: distinct (row, client ip, server ip, port, SNI) triples */
    summary_use *uses;
    size_t n_uses, cap_uses;
    size_t *use_slots; /* hash table of use index + 1 */
    size_t n_use_slots;
    bool uses_capped;
    size_t hidden_client_certs;
};

summary *summary_new(size_t max_certs)
{
    summary *sm = calloc(1, sizeof(*sm));
    if (!sm)
        return NULL;
    sm->max_certs = max_certs ? max_certs : SUMMARY_DEFAULT_MAX_CERTS;
    if (!(sm->links = summary_links_new(0)) || !(sm->pool = scratch_new())) {
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
    for (size_t i = 0; i < sm->n_rows; i++) {
        free(sm->rows[i].server_endpoints);
        free(sm->rows[i].clients);
    }
    for (size_t i = 0; i < sm->n_uses; i++)
        free(sm->uses[i].sni);
    free(sm->uses);
    free(sm->use_slots);
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
    if (growbuf_array_room(&sm->rows, &sm->cap_rows, sm->n_rows, sizeof(*sm->rows), 16) < 0)
        return -1;
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

/* The code of the chain's finding that carries its verify sentence in full
 * (the text summary refers to it instead of repeating it), or NULL. */
static const char *sentence_code(const chain_report *cc)
{
    if (cc->valid || !cc->verify_sentence)
        return NULL;
    size_t sl = strlen(cc->verify_sentence);
    for (size_t i = 0; i < cc->findings.n; i++) {
        const finding_t *f = &cc->findings.items[i];
        if (f->message && f->code && strncmp(f->message, cc->verify_sentence, sl) == 0)
            return f->code;
    }
    return NULL;
}

static void ip_text(const endpoint_t *e, char *buf, size_t n)
{
    if (!inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, buf, (socklen_t)n))
        snprintf(buf, n, "?");
}

static uint64_t use_hash(const summary_use *u)
{
    uint64_t x = 1469598103934665603ull ^ (uint64_t)u->row;
    x = (x ^ hash_hex(u->client_ip)) * 1099511628211ull;
    x = (x ^ hash_hex(u->server_ip)) * 1099511628211ull;
    x = (x ^ u->server_port) * 1099511628211ull;
    return (x ^ hash_hex(u->sni ? u->sni : "")) * 1099511628211ull;
}

static bool same_use(const summary_use *a, const summary_use *b)
{
    return a->row == b->row && a->server_port == b->server_port && strcmp(a->client_ip, b->client_ip) == 0 &&
           strcmp(a->server_ip, b->server_ip) == 0 &&
           (a->sni && b->sni ? strcmp(a->sni, b->sni) == 0 : a->sni == b->sni);
}

static int rehash_uses(summary *sm, size_t n)
{
    size_t *ns = calloc(n, sizeof(*ns));
    if (!ns)
        return -1;
    for (size_t i = 0; i < sm->n_uses; i++) {
        size_t j = use_hash(&sm->uses[i]) & (n - 1);
        while (ns[j])
            j = (j + 1) & (n - 1);
        ns[j] = i + 1;
    }
    free(sm->use_slots);
    sm->use_slots = ns;
    sm->n_use_slots = n;
    return 0;
}

/* Count u (handshakes, failures, times) into its triple, made when new:
 * copy_sni says whether u->sni is borrowed (copied when kept) or owned
 * (taken when kept, freed otherwise). -1 on OOM. */
static int add_use(summary *sm, summary_use *u, bool copy_sni)
{
    if (sm->n_use_slots) {
        size_t j = use_hash(u) & (sm->n_use_slots - 1);
        for (; sm->use_slots[j]; j = (j + 1) & (sm->n_use_slots - 1)) {
            summary_use *e = &sm->uses[sm->use_slots[j] - 1];
            if (!same_use(e, u))
                continue;
            e->handshakes += u->handshakes;
            e->failures += u->failures;
            if (u->first_us < e->first_us)
                e->first_us = u->first_us;
            if (u->last_us > e->last_us)
                e->last_us = u->last_us;
            if (!copy_sni)
                free(u->sni);
            return 0;
        }
    }
    if (sm->n_uses >= SUMMARY_MAX_USES) {
        sm->uses_capped = true;
        if (!copy_sni)
            free(u->sni);
        return 0;
    }
    if ((sm->n_uses + 1) * 2 > sm->n_use_slots &&
        rehash_uses(sm, sm->n_use_slots ? sm->n_use_slots * 2 : 64) < 0)
        goto oom;
    if (growbuf_array_room(&sm->uses, &sm->cap_uses, sm->n_uses, sizeof(*sm->uses), 16) < 0)
        goto oom;
    summary_use *e = &sm->uses[sm->n_uses];
    *e = *u;
    if (copy_sni && u->sni && !(e->sni = strdup(u->sni)))
        return -1;
    size_t j = use_hash(e) & (sm->n_use_slots - 1);
    while (sm->use_slots[j])
        j = (j + 1) & (sm->n_use_slots - 1);
    sm->use_slots[j] = ++sm->n_uses;
    return 0;
oom:
    if (!copy_sni)
        free(u->sni);
    return -1;
}

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
    if (conn_cert_seen(c, DIR_C2S) == CERT_SEEN_HIDDEN)
        sm->hidden_client_certs++;
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
        r->serial = pool_str(sm, ci->serial_hex, &oom);
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
        const char *code = sentence_code(cc);
        r->status_code = code ? status_str(sm, code, &oom) : NULL;
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
    if (rc < 0)
        return -1;
    summary_use u;
    memset(&u, 0, sizeof(u));
    ip_text(&s->client, u.client_ip, sizeof u.client_ip);
    ip_text(&s->server, u.server_ip, sizeof u.server_ip);
    u.server_port = s->server.port;
    u.sni = (char *)s->ch.sni; /* copied by add_use when new */
    u.handshakes = 1;
    u.failures = dg->failed ? 1 : 0;
    u.first_us = s->first_ts_us;
    u.last_us = s->last_ts_us;
    u.row = (size_t)(r - sm->rows);
    return add_use(sm, &u, true);
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

/* by_first_seen on the first member (an audit_row) of put_in_order's keyed rows. */
static int by_first_seen_keyed(const void *a, const void *b) { return by_first_seen(a, b); }

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : ""); }

/* Numeric order of two address texts: IPv4 before IPv6, then by bytes. */
static int cmp_ip(const char *a, const char *b)
{
    uint8_t x[17] = {0}, y[17] = {0};
    x[0] = strchr(a, ':') ? 6 : 4;
    y[0] = strchr(b, ':') ? 6 : 4;
    if (inet_pton(x[0] == 6 ? AF_INET6 : AF_INET, a, x + 1) != 1 ||
        inet_pton(y[0] == 6 ? AF_INET6 : AF_INET, b, y + 1) != 1)
        return strcmp(a, b);
    int c = memcmp(x, y, sizeof x);
    return c ? c : strcmp(a, b);
}

/* Uses by certificate row, then server ip, port, SNI, then client address. */
static int by_use(const void *a, const void *b)
{
    const summary_use *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    int c = cmp_ip(x->server_ip, y->server_ip);
    if (c)
        return c;
    if (x->server_port != y->server_port)
        return x->server_port < y->server_port ? -1 : 1;
    if ((c = cmp_str(x->sni, y->sni)))
        return c;
    return cmp_ip(x->client_ip, y->client_ip);
}

static int by_client(const void *a, const void *b)
{
    return cmp_ip(((const summary_client *)a)->ip, ((const summary_client *)b)->ip);
}

/* Each row's slice of the (sorted) uses, its servers and its clients. */
static int inventory_views(summary *sm)
{
    int rc = 0;
    size_t i = 0;
    for (size_t r = 0; r < sm->n_rows; r++) {
        audit_row *row = &sm->rows[r];
        size_t start = i;
        while (i < sm->n_uses && sm->uses[i].row == r)
            i++;
        row->uses = sm->uses + start;
        row->n_uses = i - start;
        if (!row->n_uses)
            continue;
        row->server_endpoints = calloc(row->n_uses, sizeof(*row->server_endpoints));
        row->clients = calloc(row->n_uses, sizeof(*row->clients));
        if (!row->server_endpoints || !row->clients) {
            free(row->server_endpoints);
            free(row->clients);
            row->server_endpoints = NULL;
            row->clients = NULL;
            rc = -1;
            continue;
        }
        for (size_t k = 0; k < row->n_uses; k++) {
            const summary_use *u = &row->uses[k];
            summary_server *sv = row->n_server_endpoints ? &row->server_endpoints[row->n_server_endpoints - 1] : NULL;
            if (!sv || strcmp(sv->ip, u->server_ip) != 0 || sv->port != u->server_port || cmp_str(sv->sni, u->sni) != 0) {
                sv = &row->server_endpoints[row->n_server_endpoints++];
                sv->ip = u->server_ip;
                sv->port = u->server_port;
                sv->sni = u->sni;
            }
            sv->handshakes += u->handshakes;
            sv->failures += u->failures;
            /* one entry per use for now: sorted and summed below */
            row->clients[row->n_clients++] = (summary_client){u->client_ip, u->handshakes, u->failures};
        }
        if (row->n_clients > 1)
            qsort(row->clients, row->n_clients, sizeof(*row->clients), by_client);
        size_t n = 0;
        for (size_t k = 0; k < row->n_clients; k++) {
            if (n && strcmp(row->clients[n - 1].ip, row->clients[k].ip) == 0) {
                row->clients[n - 1].handshakes += row->clients[k].handshakes;
                row->clients[n - 1].failures += row->clients[k].failures;
            } else {
                row->clients[n++] = row->clients[k];
            }
        }
        row->n_clients = n;
    }
    return rc;
}

/* The audit table in an order that does not depend on which connection was
 * reported first (--threads): certificates by first handshake, servers by
 * name, the inventory as by_use says. */
static void put_in_order(summary *sm)
{
    if (sm->n_rows > 1) {
        /* the uses name their row by index: renumber them with the rows */
        struct keyed {
            audit_row r;
            size_t old;
        } *k = malloc(sm->n_rows * sizeof(*k));
        size_t *new_index = malloc(sm->n_rows * sizeof(*new_index));
        if (k && new_index) {
            for (size_t i = 0; i < sm->n_rows; i++)
                k[i] = (struct keyed){sm->rows[i], i};
            qsort(k, sm->n_rows, sizeof(*k), by_first_seen_keyed);
            for (size_t i = 0; i < sm->n_rows; i++) {
                sm->rows[i] = k[i].r;
                new_index[k[i].old] = i;
            }
            for (size_t i = 0; i < sm->n_uses; i++)
                sm->uses[i].row = new_index[sm->uses[i].row];
        } else {
            qsort(sm->rows, sm->n_rows, sizeof(*sm->rows), by_first_seen);
            for (size_t i = 0; i < sm->n_uses; i++) /* which row a use belongs to is lost */
                free(sm->uses[i].sni);
            sm->n_uses = 0;
            sm->uses_capped = true;
        }
        free(k);
        free(new_index);
    }
    if (sm->n_uses > 1)
        qsort(sm->uses, sm->n_uses, sizeof(*sm->uses), by_use);
    if (inventory_views(sm) < 0)
        sm->uses_capped = true;
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
bool summary_inventory_capped(const summary *sm) { return sm->uses_capped; }
size_t summary_hidden_client_certs(const summary *sm) { return sm->hidden_client_certs; }

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
