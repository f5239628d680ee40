/*
 * summary.c — counts per verdict and the audit table of distinct client
 * certificates. Distinct certificates are found with an open-addressing
 * table keyed by the leaf's SHA-256 hex; capped at max_certs.
 */
#include "summary.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "endpoint_text.h"
#include "escape.h"
#include "fmt_time.h"
#include "report_json.h"
#include "summary_links.h"

typedef struct audit_row {
    char sha256[65];
    char *subject, *issuer;
    int64_t not_before, not_after;
    bool valid, trust_checked;
    char *status; /* verify sentence or "valid" */
    uint64_t handshakes, failures;
    uint64_t first_us, last_us;
    char **servers; /* "ip:port SNI" distinct */
    size_t n_servers;
    bool servers_capped;
} audit_row;

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
};

summary *summary_new(size_t max_certs)
{
    summary *sm = calloc(1, sizeof(*sm));
    if (!sm)
        return NULL;
    sm->max_certs = max_certs ? max_certs : SUMMARY_DEFAULT_MAX_CERTS;
    if (!(sm->links = summary_links_new())) {
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
        audit_row *r = &sm->rows[i];
        free(r->subject);
        free(r->issuer);
        free(r->status);
        for (size_t k = 0; k < r->n_servers; k++)
            free(r->servers[k]);
        free(r->servers);
    }
    free(sm->rows);
    free(sm->slots);
    summary_links_free(sm->links);
    free(sm);
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

static int add_server(audit_row *r, char *srv);

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
    if (r->handshakes == 0) {
        r->subject = ci->subject ? strdup(ci->subject) : NULL;
        r->issuer = ci->issuer ? strdup(ci->issuer) : NULL;
        r->not_before = ci->not_before;
        r->not_after = ci->not_after;
        r->valid = cc->valid;
        r->trust_checked = cc->trust_checked;
        r->status = strdup(cc->valid ? "valid"
                           : cc->verify_sentence ? cc->verify_sentence
                           : cc->verify_error_str ? cc->verify_error_str
                                                  : "invalid");
        r->first_us = s->first_ts_us;
        if ((ci->subject && !r->subject) || (ci->issuer && !r->issuer) || !r->status)
            return -1;
    }
    r->handshakes++;
    if (dg->failed)
        r->failures++;
    if (s->first_ts_us < r->first_us)
        r->first_us = s->first_ts_us;
    if (s->last_ts_us > r->last_us)
        r->last_us = s->last_ts_us;

    char ip[64];
    char *srv = NULL;
    endpoint_text(&s->server, ip, sizeof ip);
    if (asprintf(&srv, "%s%s%s", ip, s->ch.sni ? " " : "", s->ch.sni ? s->ch.sni : "") < 0)
        return -1;
    return add_server(r, srv);
}

static int add_server(audit_row *r, char *srv)
{
    for (size_t k = 0; k < r->n_servers; k++)
        if (strcmp(r->servers[k], srv) == 0) {
            free(srv);
            return 0;
        }
    if (r->n_servers >= SUMMARY_MAX_SERVERS_PER_CERT) {
        r->servers_capped = true;
        free(srv);
        return 0;
    }
    char **p = realloc(r->servers, (r->n_servers + 1) * sizeof(*p));
    if (!p) {
        free(srv);
        return -1;
    }
    r->servers = p;
    r->servers[r->n_servers++] = srv;
    return 0;
}

int summary_merge(summary *dst, summary *src)
{
    for (int v = 0; v < VERDICT__COUNT; v++)
        dst->counts[v] += src->counts[v];
    dst->connections += src->connections;
    dst->failed += src->failed;
    dst->capped |= src->capped;
    int rc = summary_links_merge(dst->links, src->links);
    for (size_t i = 0; i < src->n_rows; i++) {
        audit_row *from = &src->rows[i];
        audit_row *r;
        if (find_row(dst, from->sha256, &r) < 0) {
            rc = -1;
            continue;
        }
        if (!r)
            continue;
        if (r->handshakes == 0 || from->first_us < r->first_us) {
            /* the earliest handshake's view of the certificate, as one engine keeps */
            audit_row keep = *r;
            *r = *from;
            r->servers = keep.servers;
            r->n_servers = keep.n_servers;
            r->servers_capped = keep.servers_capped;
            r->handshakes = keep.handshakes;
            r->failures = keep.failures;
            r->last_us = keep.last_us > from->last_us ? keep.last_us : from->last_us;
            free(keep.subject);
            free(keep.issuer);
            free(keep.status);
        } else if (from->last_us > r->last_us) {
            r->last_us = from->last_us;
        }
        if (r->subject == from->subject) { /* moved: src must not free them */
            from->subject = from->issuer = from->status = NULL;
        }
        r->handshakes += from->handshakes;
        r->failures += from->failures;
        r->servers_capped |= from->servers_capped;
        for (size_t k = 0; k < from->n_servers; k++) {
            if (add_server(r, from->servers[k]) < 0)
                rc = -1;
            from->servers[k] = NULL;
        }
        from->n_servers = 0;
    }
    return rc;
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

static void day(char *buf, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d", &tm))
        snprintf(buf, n, "%" PRId64, t);
}

int summary_write_text(FILE *out, const summary *sm, const rtext_options *opt)
{
    bool err = false;
    bool color = opt && opt->color;
    if (fprintf(out, "%sSummary:%s %zu connection%s, %zu failed\n", color ? "\033[1m" : "",
                color ? "\033[0m" : "", sm->connections, sm->connections == 1 ? "" : "s",
                sm->failed) < 0)
        err = true;
    for (int v = 1; v < VERDICT__COUNT; v++)
        if (sm->counts[v] && fprintf(out, "  %-22s %zu\n", verdict_name((verdict_t)v),
                                     sm->counts[v]) < 0)
            err = true;
    if (sm->have_capture && sm->cap.live &&
        fprintf(out, "Capture: %llu packets received by the kernel, %llu dropped by the kernel, %llu dropped by "
                     "the interface%s\n",
                (unsigned long long)sm->cap.kernel_received, (unsigned long long)sm->cap.kernel_dropped,
                (unsigned long long)sm->cap.interface_dropped,
                sm->cap.kernel_dropped ? " (raise the buffer with -B KIB)" : "") < 0)
        err = true;
    if (sm->have_capture && sm->cap.flows_evicted &&
        fprintf(out, "Evicted: %llu flows stopped being tracked before they ended (idle timeout, "
                     "--max-flows or --max-memory; each connection's evicted finding names which)\n",
                (unsigned long long)sm->cap.flows_evicted) < 0)
        err = true;
    if (sm->have_capture && sm->cap.filtered &&
        fprintf(out, "Selected by the filters: %zu of %llu connections seen (%llu of them failed)\n",
                sm->connections, (unsigned long long)sm->cap.connections_seen,
                (unsigned long long)sm->cap.failed_seen) < 0)
        err = true;
    if (sm->have_capture && sm->cap.interrupted &&
        fprintf(out, "Interrupted: a signal stopped the reading before the end of the input; these "
                     "counts cover only what was read\n") < 0)
        err = true;
    if (sm->n_rows) {
        fprintf(out, "Client certificates (%zu distinct%s):\n", sm->n_rows,
                sm->capped ? ", cap reached: more were seen but not listed" : "");
        for (size_t i = 0; i < sm->n_rows; i++) {
            const audit_row *r = &sm->rows[i];
            char nb[16], na[16], f1[40], f2[40];
            day(nb, sizeof nb, r->not_before);
            day(na, sizeof na, r->not_after);
            fmt_time_rfc3339(r->first_us, f1, sizeof f1);
            fmt_time_rfc3339(r->last_us, f2, sizeof f2);
            fputs("  - subject: ", out);
            err |= esc_fputs(out, r->subject ? r->subject : "-",
                             strlen(r->subject ? r->subject : "-")) < 0;
            fputs("\n    issuer:  ", out);
            err |= esc_fputs(out, r->issuer ? r->issuer : "-",
                             strlen(r->issuer ? r->issuer : "-")) < 0;
            fprintf(out, "\n    sha256:  %s\n    valid:   %s .. %s; ", r->sha256, nb, na);
            err |= esc_fputs(out, r->status, strlen(r->status)) < 0;
            fprintf(out, "%s\n    handshakes: %" PRIu64 " (%" PRIu64
                         " failed), first %s, last %s\n    servers:",
                    r->trust_checked ? "" : " (trust not checked)", r->handshakes, r->failures,
                    f1, f2);
            for (size_t k = 0; k < r->n_servers; k++) {
                fputs(k ? ", " : " ", out);
                err |= esc_fputs(out, r->servers[k], strlen(r->servers[k])) < 0;
            }
            if (fprintf(out, "%s\n", r->servers_capped ? ", ..." : "") < 0)
                err = true;
        }
    }
    if (summary_links_write_text(out, sm->links) < 0)
        err = true;
    return err || ferror(out) ? -1 : 0;
}

void summary_set_capture(summary *sm, const summary_capture *cap)
{
    put_in_order(sm);
    sm->cap = *cap;
    sm->have_capture = true;
}

cJSON *summary_json(const summary *sm)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool oom = false;
    char tbuf[40];
    uint64_t ts = sm->have_capture ? sm->cap.end_ts_us : 0;
    if (!ts) { /* nothing was read: the time of the report */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ts = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    }
    oom |= !cJSON_AddStringToObject(o, "@timestamp", fmt_time_rfc3339(ts, tbuf, sizeof tbuf));
    oom |= !cJSON_AddStringToObject(o, "type", "summary");
    oom |= !cJSON_AddStringToObject(o, "schema_version", RJSON_SCHEMA_VERSION);
    oom |= !cJSON_AddNumberToObject(o, "connections", (double)sm->connections);
    oom |= !cJSON_AddNumberToObject(o, "failed", (double)sm->failed);
    oom |= !cJSON_AddBoolToObject(o, "interrupted", sm->have_capture && sm->cap.interrupted);
    cJSON *c = cJSON_AddObjectToObject(o, "counts");
    oom |= !c;
    for (int v = 1; c && v < VERDICT__COUNT; v++)
        oom |= !cJSON_AddNumberToObject(c, verdict_name((verdict_t)v), (double)sm->counts[v]);
    if (sm->have_capture) {
        cJSON *k = cJSON_AddObjectToObject(o, "capture");
        oom |= !k;
        if (k) {
            oom |= !cJSON_AddNumberToObject(k, "packets", (double)sm->cap.packets);
            oom |= !cJSON_AddNumberToObject(k, "bytes", (double)sm->cap.bytes);
            oom |= !cJSON_AddNumberToObject(k, "flows_evicted", (double)sm->cap.flows_evicted);
            oom |= !cJSON_AddBoolToObject(k, "live", sm->cap.live);
            oom |= !cJSON_AddNumberToObject(k, "connections", (double)sm->cap.connections_seen);
            oom |= !cJSON_AddNumberToObject(k, "failed", (double)sm->cap.failed_seen);
            if (sm->cap.live) {
                oom |= !cJSON_AddNumberToObject(k, "kernel_received", (double)sm->cap.kernel_received);
                oom |= !cJSON_AddNumberToObject(k, "kernel_dropped", (double)sm->cap.kernel_dropped);
                oom |= !cJSON_AddNumberToObject(k, "interface_dropped", (double)sm->cap.interface_dropped);
            }
        }
    }
    oom |= !cJSON_AddBoolToObject(o, "client_certificates_capped", sm->capped);
    cJSON *a = cJSON_AddArrayToObject(o, "client_certificates");
    oom |= !a;
    for (size_t i = 0; a && !oom && i < sm->n_rows; i++) {
        const audit_row *r = &sm->rows[i];
        cJSON *ro = cJSON_CreateObject();
        if (!ro || !cJSON_AddItemToArray(a, ro)) {
            cJSON_Delete(ro);
            oom = true;
            break;
        }
        char t[40];
        oom |= rjson_add_str(ro, "sha256", r->sha256) < 0;
        oom |= rjson_add_str(ro, "subject", r->subject) < 0;
        oom |= rjson_add_str(ro, "issuer", r->issuer) < 0;
        oom |= rjson_add_str(ro, "not_before",
                             fmt_time_rfc3339((uint64_t)(r->not_before > 0 ? r->not_before : 0) * 1000000u,
                                        t, sizeof t)) < 0;
        oom |= rjson_add_str(ro, "not_after",
                             fmt_time_rfc3339((uint64_t)(r->not_after > 0 ? r->not_after : 0) * 1000000u,
                                        t, sizeof t)) < 0;
        oom |= !cJSON_AddBoolToObject(ro, "valid", r->valid);
        oom |= !cJSON_AddBoolToObject(ro, "trust_checked", r->trust_checked);
        oom |= rjson_add_str(ro, "status", r->status) < 0;
        oom |= !cJSON_AddNumberToObject(ro, "handshakes", (double)r->handshakes);
        oom |= !cJSON_AddNumberToObject(ro, "failed", (double)r->failures);
        oom |= rjson_add_str(ro, "first_seen", fmt_time_rfc3339(r->first_us, t, sizeof t)) < 0;
        oom |= rjson_add_str(ro, "last_seen", fmt_time_rfc3339(r->last_us, t, sizeof t)) < 0;
        cJSON *sv = cJSON_AddArrayToObject(ro, "servers");
        oom |= !sv;
        for (size_t k = 0; sv && k < r->n_servers; k++) {
            char *clean = esc_utf8_sanitize(r->servers[k], strlen(r->servers[k]));
            cJSON *it = clean ? cJSON_CreateString(clean) : NULL;
            free(clean);
            if (!it || !cJSON_AddItemToArray(sv, it)) {
                cJSON_Delete(it);
                oom = true;
            }
        }
        oom |= !cJSON_AddBoolToObject(ro, "servers_capped", r->servers_capped);
    }
    oom |= !oom && summary_links_json(o, sm->links) < 0;
    if (oom) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int summary_write_json(FILE *out, const summary *sm)
{
    cJSON *o = summary_json(sm);
    if (!o)
        return -1;
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!txt)
        return -1;
    int rc = (fputs(txt, out) == EOF || fputc('\n', out) == EOF) ? -1 : 0;
    cJSON_free(txt);
    return rc;
}
