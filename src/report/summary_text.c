/* summary_text.c — the end summary as text (see summary_text.h). */
#include "summary_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "fmt_time.h"
#include "summary_links.h"
#include "wrap.h"

static void day(char *buf, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d", &tm))
        snprintf(buf, n, "%" PRId64, t);
}

/* What the capture counted, when there is something to say. */
static bool capture_lines(FILE *out, const summary *sm)
{
    const summary_capture *cap = summary_capture_info(sm);
    bool err = false;
    if (!cap)
        return false;
    if (cap->live &&
        fprintf(out, "Capture: %llu packets received by the kernel, %llu dropped by the kernel, %llu dropped by "
                     "the interface%s\n",
                (unsigned long long)cap->kernel_received, (unsigned long long)cap->kernel_dropped,
                (unsigned long long)cap->interface_dropped,
                cap->kernel_dropped ? " (raise the buffer with -B KIB)" : "") < 0)
        err = true;
    if (cap->n_files && fprintf(out, "Files: %zu read%s\n", cap->n_files,
                                cap->n_files > 1 ? " as one capture, merged by packet time" : "") < 0)
        err = true;
    for (size_t i = 0; i < cap->n_files; i++)
        if (fprintf(out, "  %s: %llu packets\n", cap->files[i].name, (unsigned long long)cap->files[i].packets) < 0)
            err = true;
    if (cap->flows_evicted &&
        fprintf(out, "Evicted: %llu flows stopped being tracked before they ended (idle timeout, "
                     "--max-flows or --max-memory; each connection's evicted finding names which)\n",
                (unsigned long long)cap->flows_evicted) < 0)
        err = true;
    if (cap->filtered &&
        fprintf(out, "Selected by the filters: %zu of %llu connections seen (%llu of them failed)\n",
                summary_connections(sm), (unsigned long long)cap->connections_seen,
                (unsigned long long)cap->failed_seen) < 0)
        err = true;
    if (cap->interrupted &&
        fprintf(out, "Interrupted: a signal stopped the reading before the end of the input; these "
                     "counts cover only what was read\n") < 0)
        err = true;
    return err;
}

static bool client_line(FILE *out, const summary_cert *r);

/* The audit table: one block per distinct client certificate. */
static bool cert_rows(FILE *out, const summary *sm, size_t width)
{
    bool err = false;
    size_t n = summary_distinct_certs(sm);
    if (!n)
        return false;
    fprintf(out, "Client certificates (%zu distinct%s):\n", n,
            summary_capped(sm) ? ", cap reached: more were seen but not listed" : "");
    for (size_t i = 0; i < n; i++) {
        const summary_cert *r = summary_cert_at(sm, i);
        char nb[16], na[16], f1[40], f2[40];
        day(nb, sizeof nb, r->not_before);
        day(na, sizeof na, r->not_after);
        fmt_time_rfc3339(r->first_us, f1, sizeof f1);
        fmt_time_rfc3339(r->last_us, f2, sizeof f2);
        fputs("  - subject: ", out);
        err |= esc_fputs(out, r->subject ? r->subject : "-", strlen(r->subject ? r->subject : "-")) < 0;
        fputs("\n    issuer:  ", out);
        err |= esc_fputs(out, r->issuer ? r->issuer : "-", strlen(r->issuer ? r->issuer : "-")) < 0;
        fprintf(out, "\n    sha256:  %s\n    valid:   %s .. %s; ", r->sha256, nb, na);
        if (r->status_code) {
            /* said in full once, in the connection's finding */
            err |= fprintf(out, "INVALID, see finding %s", r->status_code) < 0;
        } else {
            char *e = esc_text(r->status, strlen(r->status));
            err |= !e || wrap_fputs(out, e, 19 + strlen(nb) + strlen(na), 6, width) < 0;
            free(e);
        }
        fprintf(out, "%s\n    handshakes: %" PRIu64 " (%" PRIu64 " failed), first %s, last %s\n    servers:",
                r->trust_checked ? "" : " (trust not checked)", r->handshakes, r->failures, f1, f2);
        for (size_t k = 0; k < r->n_servers; k++) {
            fputs(k ? ", " : " ", out);
            err |= esc_fputs(out, r->servers[k], strlen(r->servers[k])) < 0;
        }
        if (fprintf(out, "%s\n", r->servers_capped ? ", ..." : "") < 0)
            err = true;
        err |= client_line(out, r);
    }
    return err;
}

/* "    clients: 10.0.0.5 (3), 10.0.0.7 (1 failed of 2)": the addresses that
 * presented it (the first SUMMARY_MAX_SERVERS_PER_CERT, then how many more). */
static bool client_line(FILE *out, const summary_cert *r)
{
    int err = 0;
    if (!r->n_clients)
        return false;
    err |= fputs("    clients:", out) == EOF;
    for (size_t k = 0; k < r->n_clients && k < SUMMARY_MAX_SERVERS_PER_CERT; k++) {
        const summary_client *c = &r->clients[k];
        if (c->failures)
            err |= fprintf(out, "%s%s (%" PRIu64 " failed of %" PRIu64 ")", k ? ", " : " ", c->ip, c->failures,
                           c->handshakes) < 0;
        else
            err |= fprintf(out, "%s%s (%" PRIu64 ")", k ? ", " : " ", c->ip, c->handshakes) < 0;
    }
    if (r->n_clients > SUMMARY_MAX_SERVERS_PER_CERT)
        err |= fprintf(out, " and %zu more (--inventory FILE lists them all)",
                       r->n_clients - SUMMARY_MAX_SERVERS_PER_CERT) < 0;
    err |= fputc('\n', out) == EOF;
    return err;
}

/* What could not be seen: handshakes whose client certificate was hidden,
 * and an inventory that reached its cap. */
static bool hidden_lines(FILE *out, const summary *sm)
{
    int err = 0;
    size_t h = summary_hidden_client_certs(sm);
    if (h)
        err |= fprintf(out, "Hidden: %zu handshake%s encrypted the client's certificate flight (TLS 1.3 without "
                            "keys): whether and which client certificate %s presented is unknown and not in the "
                            "list below; pass --keylog FILE (SSLKEYLOGFILE of the client or server) to see %s\n",
                       h, h == 1 ? "" : "s", h == 1 ? "it" : "they", h == 1 ? "it" : "them") < 0;
    if (summary_inventory_capped(sm))
        err |= fprintf(out, "Inventory capped: more than %u (certificate, client, server) triples; the client "
                            "lists below are incomplete\n", SUMMARY_MAX_USES) < 0;
    return err;
}

static int put_ids(FILE *out, const link_ids *s)
{
    int err = 0;
    for (size_t i = 0; i < s->n; i++)
        err |= fprintf(out, "%s#%" PRIu64, i ? ", " : "", s->v[i]) < 0;
    if (s->total > s->n)
        err |= fprintf(out, " and %" PRIu64 " more", s->total - s->n) < 0;
    return err;
}

/* "Intermediates sent on other connections:", "Resumptions:", the cap;
 * nothing when there is nothing to say. */
static bool link_lines(FILE *out, const summary_links *l, size_t width)
{
    int err = 0;
    size_t n_int = summary_links_n_intermediates(l);
    if (n_int) {
        err |= wrap_fputs(out, "Intermediates sent on other connections (not used for any connection's own "
                               "verdict):", 0, 2, width) < 0;
        err |= fputc('\n', out) == EOF;
    }
    for (size_t i = 0; i < n_int; i++) {
        /* one paragraph, made whole first so that a terminal gets it wrapped */
        char *para = NULL;
        size_t plen = 0;
        FILE *m = open_memstream(&para, &plen);
        if (!m)
            return true;
        link_intermediate it = summary_links_intermediate(l, i);
        const char *side = it.lacked_by_server ? "server" : "client";
        err |= fputc('"', m) == EOF;
        err |= esc_fputs(m, it.subject, strlen(it.subject)) < 0;
        err |= fprintf(m, "\" (sha256 %.16s...) was sent on ", it.sha256) < 0;
        err |= put_ids(m, it.sent_on);
        err |= fprintf(m, "; the %s chains of ", side) < 0;
        err |= put_ids(m, it.lacked_on);
        err |= fprintf(m, " lacked it: if it is the intermediate of a trusted root, the %s must "
                          "send it (a CA file containing it, --ca, makes that a "
                          "missing_intermediate finding)",
                       side) < 0;
        err |= fclose(m) != 0;
        err |= fputs("  - ", out) == EOF;
        err |= !para || wrap_fputs(out, para, 4, 4, width) < 0;
        err |= fputc('\n', out) == EOF;
        free(para);
    }
    size_t n_res = 0;
    const link_resumption *res = summary_links_resumptions(l, &n_res);
    if (n_res)
        err |= fputs("Resumptions:", out) == EOF;
    for (size_t i = 0; i < n_res; i++) {
        if (res[i].from)
            err |= fprintf(out, "%s#%" PRIu64 " resumed #%" PRIu64, i ? ", " : " ", res[i].id, res[i].from) < 0;
        else
            err |= fprintf(out, "%s#%" PRIu64 " (full handshake not in this capture)", i ? ", " : " ", res[i].id) < 0;
    }
    if (n_res)
        err |= fputc('\n', out) == EOF;
    if (summary_links_capped_handshakes(l))
        err |= fprintf(out, "Resumptions capped: only the %u resumable or resumed handshakes of the lowest "
                            "connection ids were kept; later ones are not listed\n", LINKS_MAX_HANDSHAKES) < 0;
    if (summary_links_capped_entries(l))
        err |= fprintf(out, "Links capped: more than %u CA certificates or lacked issuers; the "
                            "list above is incomplete\n", LINKS_MAX_ENTRIES) < 0;
    return err || !summary_links_complete(l);
}

int summary_write_text(FILE *out, const summary *sm, bool color, size_t width)
{
    bool err = false;
    size_t conns = summary_connections(sm);
    if (fprintf(out, "%sSummary:%s %zu connection%s, %zu failed\n", color ? "\033[1m" : "",
                color ? "\033[0m" : "", conns, conns == 1 ? "" : "s", summary_failed(sm)) < 0)
        err = true;
    for (int v = 1; v < VERDICT__COUNT; v++) {
        size_t n = summary_verdict_count(sm, (verdict_t)v);
        if (n && fprintf(out, "  %-22s %zu\n", verdict_name((verdict_t)v), n) < 0)
            err = true;
    }
    err |= capture_lines(out, sm);
    err |= hidden_lines(out, sm);
    err |= cert_rows(out, sm, width);
    err |= link_lines(out, summary_links_of(sm), width);
    return err || ferror(out) ? -1 : 0;
}
