/* report_csv.c — CSV/TSV rows per connection and the inventory CSV (see report_csv.h). */
#include "report_csv.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_facts.h"
#include "escape.h"
#include "fmt_time.h"
#include "growbuf.h"
#include "names.h"
#include "reporter.h"
#include "summary_text.h"

/* A row being built: fields appended with their separator and quoting. */
typedef struct row {
    growbuf b;
    char sep;
    size_t n; /* fields so far */
} row;

/* Append one field. wire: a string from the wire (made valid UTF-8,
 * formula-safe). NULL is an empty field. */
static void field(row *r, const char *s, bool wire)
{
    if (r->n++)
        growbuf_putn(&r->b, &r->sep, 1);
    if (!s || !*s)
        return;
    char *clean = NULL;
    if (wire) {
        clean = esc_utf8_sanitize(s, strlen(s));
        if (!clean) {
            r->b.failed = true;
            return;
        }
        s = clean;
    }
    bool formula = wire && strchr("=+-@", s[0]) != NULL;
    bool quote = formula || strpbrk(s, "\"\r\n") || strchr(s, r->sep);
    if (quote)
        growbuf_putn(&r->b, "\"", 1);
    if (formula)
        growbuf_putn(&r->b, "'", 1);
    for (const char *p = s; *p;) {
        const char *q = quote ? strchr(p, '"') : NULL;
        size_t k = q ? (size_t)(q - p) + 1 : strlen(p);
        growbuf_putn(&r->b, p, k);
        if (q)
            growbuf_putn(&r->b, "\"", 1); /* "" inside a quoted field */
        p += k;
    }
    if (quote)
        growbuf_putn(&r->b, "\"", 1);
    free(clean);
}

static void field_u64(row *r, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%" PRIu64, v);
    field(r, t, false);
}

static void field_time(row *r, uint64_t us)
{
    char t[40];
    field(r, us ? fmt_time_rfc3339(us, t, sizeof t) : NULL, false);
}

/* A certificate date (seconds; before 1970 as 1970). */
static void field_day(row *r, int64_t t) { field_time(r, (uint64_t)(t > 0 ? t : 0) * 1000000u); }

static void field_bool(row *r, bool v) { field(r, v ? "true" : "false", false); }

static void field_ip(row *r, const endpoint_t *e)
{
    char ip[INET6_ADDRSTRLEN];
    field(r, inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof ip), false);
}

/* Ends the row (CRLF); its text, or NULL on OOM. */
static const char *row_end(row *r, size_t *len)
{
    growbuf_putn(&r->b, "\r\n", 2);
    if (r->b.failed)
        return NULL;
    *len = r->b.len;
    return (const char *)r->b.p;
}

static void row_reset(row *r)
{
    r->b.len = 0;
    r->n = 0;
}

/* ---- connections ---- */

static const char *const conn_header[] = {
    "time", "connection_id", "client_ip", "client_port", "server_ip", "server_port", "sni", "version",
    "verdict", "failed", "evidence", "cause_kind", "cause",
    "client_certificate", "client_cert_subject", "client_cert_issuer", "client_cert_serial",
    "client_cert_sha256", "client_cert_not_after", "client_chain_valid", "client_chain_trust_checked",
    "client_chain_error",
    "server_certificate", "server_cert_subject", "server_cert_sha256",
};
#define CONN_COLUMNS (sizeof(conn_header) / sizeof(conn_header[0]))

/* The first error-severity finding of a chain: what made it invalid. */
static const char *chain_error(const chain_report *cr)
{
    for (size_t i = 0; i < cr->findings.n; i++)
        if (cr->findings.items[i].severity == SEV_ERROR)
            return cr->findings.items[i].code;
    return NULL;
}

static void conn_row(row *r, const conn_view *c)
{
    const session_t *s = c->s;
    const diagnosis *d = c->d;
    name_buf nb;
    field_time(r, s->first_ts_us);
    field_u64(r, s->id);
    field_ip(r, &s->client);
    field_u64(r, s->client.port);
    field_ip(r, &s->server);
    field_u64(r, s->server.port);
    field(r, s->ch.sni, true);
    uint16_t v = s->version ? s->version : (s->sh.present ? s->sh.selected_version : 0);
    field(r, v ? names_version(v, &nb) : NULL, false);
    field(r, verdict_name(d->verdict), false);
    field_bool(r, d->failed);
    field(r, evidence_name(d->evidence), false);
    conn_cause cause;
    conn_cause_of(c, &cause);
    field(r, cause.kind, false);
    field(r, cause.code, false);

    field(r, cert_seen_name(conn_cert_seen(c, DIR_C2S)), false);
    const chain_report *cc = c->a->chain[DIR_C2S];
    const cert_info *cl = cc && cc->n_certs ? &cc->certs[0] : NULL;
    bool cl_ok = cl && !cl->decode_error;
    field(r, cl_ok ? cl->subject : NULL, true);
    field(r, cl_ok ? cl->issuer : NULL, true);
    field(r, cl_ok ? cl->serial_hex : NULL, false);
    field(r, cl ? cl->sha256 : NULL, false);
    if (cl_ok)
        field_day(r, cl->not_after);
    else
        field(r, NULL, false);
    if (cc && cc->n_certs) {
        field_bool(r, cc->valid);
        field_bool(r, cc->trust_checked);
        field(r, chain_error(cc), false);
    } else {
        field(r, NULL, false);
        field(r, NULL, false);
        field(r, NULL, false);
    }

    field(r, cert_seen_name(conn_cert_seen(c, DIR_S2C)), false);
    const chain_report *sc = c->a->chain[DIR_S2C];
    const cert_info *sl = sc && sc->n_certs ? &sc->certs[0] : NULL;
    field(r, sl && !sl->decode_error ? sl->subject : NULL, true);
    field(r, sl ? sl->sha256 : NULL, false);
}

typedef struct rcsv_state {
    FILE *out;
    row r;
} rcsv_state;

static int write_row(FILE *out, row *r)
{
    size_t n;
    const char *t = row_end(r, &n);
    int rc = (!t || fwrite(t, 1, n, out) != n) ? -1 : 0;
    row_reset(r);
    return rc;
}

static void header(row *r, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        field(r, names[i], false);
}

static void *rcsv_open_sep(FILE *out, const report_options *opt, char sep)
{
    rcsv_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->out = out;
    st->r.sep = sep;
    if (opt->header_out) { /* one header for the whole output: the front's reporter writes it */
        header(&st->r, conn_header, CONN_COLUMNS);
        if (write_row(opt->header_out, &st->r) < 0) {
            free(st);
            return NULL;
        }
    }
    return st;
}

static void *rcsv_open(FILE *out, const report_options *opt) { return rcsv_open_sep(out, opt, ','); }
static void *rtsv_open(FILE *out, const report_options *opt) { return rcsv_open_sep(out, opt, '\t'); }

static int rcsv_connection(void *state, const conn_view *c)
{
    rcsv_state *st = state;
    conn_row(&st->r, c);
    return write_row(st->out, &st->r);
}

/* The rows stay rows: the summary goes to stderr as text (as -q does);
 * --inventory FILE holds the audit table as CSV. */
static int rcsv_summary(void *state, const summary *sm)
{
    rcsv_state *st = state;
    if (fflush(st->out) != 0)
        return -1;
    return summary_write_text(stderr, sm, false);
}

static void rcsv_close(void *state)
{
    rcsv_state *st = state;
    if (!st)
        return;
    growbuf_free(&st->r.b);
    free(st);
}

const reporter_ops rcsv_reporter = {"csv", rcsv_open, rcsv_connection, rcsv_summary, rcsv_close};
const reporter_ops rtsv_reporter = {"tsv", rtsv_open, rcsv_connection, rcsv_summary, rcsv_close};

/* ---- the inventory ---- */

static const char *const inv_header[] = {
    "client_cert_sha256", "client_cert_subject", "client_cert_issuer", "client_cert_serial",
    "client_cert_not_before", "client_cert_not_after", "client_cert_status",
    "client_ip", "server_ip", "server_port", "sni", "handshakes", "failed", "first_seen", "last_seen",
};

int summary_write_inventory_csv(FILE *out, const summary *sm)
{
    row r = {.sep = ','};
    int rc = 0;
    header(&r, inv_header, sizeof(inv_header) / sizeof(inv_header[0]));
    rc |= write_row(out, &r);
    for (size_t i = 0; rc == 0 && i < summary_distinct_certs(sm); i++) {
        const summary_cert *c = summary_cert_at(sm, i);
        for (size_t k = 0; rc == 0 && k < c->n_uses; k++) {
            const summary_use *u = &c->uses[k];
            field(&r, c->sha256, false);
            field(&r, c->subject, true);
            field(&r, c->issuer, true);
            field(&r, c->serial, false);
            field_day(&r, c->not_before);
            field_day(&r, c->not_after);
            field(&r, c->valid ? "valid" : "invalid", false);
            field(&r, u->client_ip, false);
            field(&r, u->server_ip, false);
            field_u64(&r, u->server_port);
            field(&r, u->sni, true);
            field_u64(&r, u->handshakes);
            field_u64(&r, u->failures);
            field_time(&r, u->first_us);
            field_time(&r, u->last_us);
            rc |= write_row(out, &r);
        }
    }
    growbuf_free(&r.b);
    return rc || fflush(out) != 0 || ferror(out) ? -1 : 0;
}
