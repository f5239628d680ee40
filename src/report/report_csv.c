/* report_csv.c — CSV/TSV rows per connection and the inventory CSV (see report_csv.h). */
#include "report_csv.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_facts.h"
#include "csv_row.h"
#include "escape.h"
#include "fmt_time.h"
#include "growbuf.h"
#include "names.h"
#include "reporter.h"
#include "summary_text.h"

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

static void conn_row(csv_row *r, const conn_view *c)
{
    const session_t *s = c->s;
    const diagnosis *d = c->d;
    name_buf nb;
    csv_field_time(r, s->first_ts_us);
    csv_field_u64(r, s->id);
    csv_field_ip(r, &s->client);
    csv_field_u64(r, s->client.port);
    csv_field_ip(r, &s->server);
    csv_field_u64(r, s->server.port);
    csv_field(r, s->ch.sni, true);
    uint16_t v = s->version ? s->version : (s->sh.present ? s->sh.selected_version : 0);
    csv_field(r, v ? names_version(v, &nb) : NULL, false);
    csv_field(r, verdict_name(d->verdict), false);
    csv_field_bool(r, d->failed);
    csv_field(r, evidence_name(d->evidence), false);
    conn_cause cause;
    conn_cause_of(c, &cause);
    csv_field(r, cause.kind, false);
    csv_field(r, cause.code, false);

    csv_field(r, cert_seen_name(conn_cert_seen(c, DIR_C2S)), false);
    const chain_report *cc = c->a->chain[DIR_C2S];
    const cert_info *cl = cc && cc->n_certs ? &cc->certs[0] : NULL;
    bool cl_ok = cl && !cl->decode_error;
    csv_field(r, cl_ok ? cl->subject : NULL, true);
    csv_field(r, cl_ok ? cl->issuer : NULL, true);
    csv_field(r, cl_ok ? cl->serial_hex : NULL, false);
    csv_field(r, cl ? cl->sha256 : NULL, false);
    if (cl_ok)
        csv_field_day(r, cl->not_after);
    else
        csv_field(r, NULL, false);
    if (cc && cc->n_certs) {
        csv_field_bool(r, cc->valid);
        csv_field_bool(r, cc->trust_checked);
        csv_field(r, chain_error(cc), false);
    } else {
        csv_field(r, NULL, false);
        csv_field(r, NULL, false);
        csv_field(r, NULL, false);
    }

    csv_field(r, cert_seen_name(conn_cert_seen(c, DIR_S2C)), false);
    const chain_report *sc = c->a->chain[DIR_S2C];
    const cert_info *sl = sc && sc->n_certs ? &sc->certs[0] : NULL;
    csv_field(r, sl && !sl->decode_error ? sl->subject : NULL, true);
    csv_field(r, sl ? sl->sha256 : NULL, false);
}

typedef struct rcsv_state {
    FILE *out;
    csv_row r;
} rcsv_state;

static void *rcsv_open_sep(FILE *out, const report_options *opt, char sep)
{
    rcsv_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->out = out;
    st->r.sep = sep;
    if (opt->header_out) { /* one header for the whole output: the front's reporter writes it */
        csv_header(&st->r, conn_header, CONN_COLUMNS);
        if (csv_write_row(opt->header_out, &st->r) < 0) {
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
    return csv_write_row(st->out, &st->r);
}

/* The rows stay rows: the summary goes to stderr as text (as -q does);
 * --inventory FILE holds the audit table as CSV. */
static int rcsv_summary(void *state, const summary *sm)
{
    rcsv_state *st = state;
    if (fflush(st->out) != 0)
        return -1;
    return summary_write_text(stderr, sm, false, 0);
}

static void rcsv_close(void *state)
{
    rcsv_state *st = state;
    if (!st)
        return;
    growbuf_free(&st->r.b);
    free(st);
}

const reporter_ops rcsv_reporter = {"csv", rcsv_open, rcsv_connection, rcsv_summary, rcsv_close, NULL, false};
const reporter_ops rtsv_reporter = {"tsv", rtsv_open, rcsv_connection, rcsv_summary, rcsv_close, NULL, false};

/* ---- the inventory ---- */

static const char *const inv_header[] = {
    "client_cert_sha256", "client_cert_subject", "client_cert_issuer", "client_cert_serial",
    "client_cert_not_before", "client_cert_not_after", "client_cert_status",
    "client_ip", "server_ip", "server_port", "sni", "handshakes", "failed", "first_seen", "last_seen",
};

int summary_write_inventory_csv(FILE *out, const summary *sm)
{
    csv_row r = {.sep = ','};
    int rc = 0;
    csv_header(&r, inv_header, sizeof(inv_header) / sizeof(inv_header[0]));
    rc |= csv_write_row(out, &r);
    for (size_t i = 0; rc == 0 && i < summary_distinct_certs(sm); i++) {
        const summary_cert *c = summary_cert_at(sm, i);
        for (size_t k = 0; rc == 0 && k < c->n_uses; k++) {
            const summary_use *u = &c->uses[k];
            csv_field(&r, c->sha256, false);
            csv_field(&r, c->subject, true);
            csv_field(&r, c->issuer, true);
            csv_field(&r, c->serial, false);
            csv_field_day(&r, c->not_before);
            csv_field_day(&r, c->not_after);
            csv_field(&r, c->valid ? "valid" : "invalid", false);
            csv_field(&r, u->client_ip, false);
            csv_field(&r, u->server_ip, false);
            csv_field_u64(&r, u->server_port);
            csv_field(&r, u->sni, true);
            csv_field_u64(&r, u->handshakes);
            csv_field_u64(&r, u->failures);
            csv_field_time(&r, u->first_us);
            csv_field_time(&r, u->last_us);
            rc |= csv_write_row(out, &r);
        }
    }
    growbuf_free(&r.b);
    return rc || fflush(out) != 0 || ferror(out) ? -1 : 0;
}
