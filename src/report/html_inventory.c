/* html_inventory.c — client certificates x servers (see html_inventory.h). */
#include "html_inventory.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt_time.h"
#include "html_esc.h"

#define MATRIX_MAX_SERVERS 24u  /* columns of the matrix; more: the table alone */
#define MATRIX_MAX_CERTS 2000u

/* One row of the inventory, whatever the summary keeps it in. */
typedef struct inv_row {
    const char *sha256, *subject, *issuer, *status;
    int64_t not_before, not_after;
    bool valid, trust_checked, servers_capped;
    uint64_t handshakes, failures, first_us, last_us;
    const char *const *servers; /* "ip:port SNI", sorted */
    size_t n_servers;
    const summary_client *clients; /* the client addresses that presented it, sorted */
    size_t n_clients;
} inv_row;

/* The inventory's only source: the summary's audit table of distinct client
 * certificates with their servers and client addresses (summary.h). False
 * past the last row. */
static bool inventory_row(const summary *sm, size_t i, inv_row *out)
{
    if (i >= summary_distinct_certs(sm))
        return false;
    const summary_cert *r = summary_cert_at(sm, i);
    *out = (inv_row){r->sha256, r->subject, r->issuer, r->status, r->not_before, r->not_after, r->valid,
                     r->trust_checked, r->servers_capped, r->handshakes, r->failures, r->first_us, r->last_us,
                     (const char *const *)r->servers, r->n_servers, r->clients, r->n_clients};
    return true;
}

static void day(growbuf *b, int64_t t)
{
    char s[24];
    growbuf_puts(b, fmt_day(t, s, sizeof s));
}

static int by_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The distinct servers of every row, sorted; NULL when more than max (or OOM). */
static const char **all_servers(const summary *sm, size_t max, size_t *n_out)
{
    const char **v = NULL;
    size_t n = 0, cap = 0;
    inv_row r;
    for (size_t i = 0; inventory_row(sm, i, &r); i++) {
        if (i >= MATRIX_MAX_CERTS || r.servers_capped)
            goto no;
        for (size_t k = 0; k < r.n_servers; k++) {
            size_t j = 0;
            while (j < n && strcmp(v[j], r.servers[k]) != 0)
                j++;
            if (j < n)
                continue;
            if (n == max)
                goto no;
            if (growbuf_array_room(&v, &cap, n, sizeof(*v), 16) < 0)
                goto no;
            v[n++] = r.servers[k];
        }
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), by_str);
    *n_out = n;
    return v;
no:
    free(v);
    *n_out = 0;
    return NULL;
}

static void matrix(growbuf *b, const summary *sm)
{
    size_t n = 0;
    const char **sv = all_servers(sm, MATRIX_MAX_SERVERS, &n);
    if (!sv)
        return;
    growbuf_puts(b, "<div class=\"wide\"><table id=\"matrix\" class=\"matrix\"><thead><tr><th>client certificate</th>");
    for (size_t k = 0; k < n; k++) {
        growbuf_puts(b, "<th>");
        html_text(b, sv[k], 0);
        growbuf_puts(b, "</th>");
    }
    growbuf_puts(b, "</tr></thead><tbody>");
    inv_row r;
    for (size_t i = 0; inventory_row(sm, i, &r); i++) {
        growbuf_printf(b, "<tr class=\"%s\"><td>", r.valid ? "good" : "bad");
        html_text(b, r.subject, 0);
        growbuf_puts(b, "</td>");
        for (size_t k = 0; k < n; k++) {
            bool used = false;
            for (size_t j = 0; j < r.n_servers && !used; j++)
                used = strcmp(r.servers[j], sv[k]) == 0;
            growbuf_puts(b, used ? "<td class=\"x\">&#10003;</td>" : "<td></td>");
        }
        growbuf_puts(b, "</tr>");
    }
    growbuf_puts(b, "</tbody></table></div>");
    free(sv);
}

void html_inventory(growbuf *b, const summary *sm)
{
    growbuf_puts(b, "<section id=\"inventory\"><h2>Inventory: client certificates &#215; servers</h2>");
    if (!sm) {
        growbuf_puts(b, "<p class=\"note\">Not gathered (--no-summary).</p></section>");
        return;
    }
    size_t n = summary_distinct_certs(sm);
    growbuf_printf(b, "<p>%zu distinct client certificate%s%s.</p>", n, n == 1 ? "" : "s",
                   summary_capped(sm) ? " (cap reached: more were seen but not listed)" : "");
    size_t hidden = summary_hidden_client_certs(sm);
    if (hidden)
        growbuf_printf(b, "<p class=\"note\">%zu handshake%s hid the client certificate (TLS 1.3 read without "
                          "keys): not in this table; a key log (--keylog) shows them.</p>",
                       hidden, hidden == 1 ? "" : "s");
    if (summary_inventory_capped(sm))
        growbuf_puts(b, "<p class=\"note\">Inventory capped: some client addresses are missing.</p>");
    if (!n) {
        growbuf_puts(b, "</section>");
        return;
    }
    matrix(b, sm);
    growbuf_puts(b, "<div class=\"wide\"><table id=\"inv\" class=\"inv\"><thead><tr><th>client certificate</th><th>issuer</th>"
                    "<th>valid</th><th>status</th><th>handshakes</th><th>failed</th><th>first / last seen</th>"
                    "<th>servers</th><th>client addresses</th></tr></thead><tbody>");
    inv_row r;
    for (size_t i = 0; inventory_row(sm, i, &r); i++) {
        char t1[40], t2[40];
        growbuf_printf(b, "<tr class=\"%s\"><td>", r.valid ? "good" : "bad");
        html_text(b, r.subject, 0);
        growbuf_printf(b, "<div class=\"fp\">sha256 %s</div></td><td>", r.sha256);
        html_text(b, r.issuer, 0);
        growbuf_puts(b, "</td><td>");
        day(b, r.not_before);
        growbuf_puts(b, " .. ");
        day(b, r.not_after);
        growbuf_puts(b, "</td><td>");
        html_text(b, r.status, 0);
        if (!r.trust_checked)
            growbuf_puts(b, " (trust not checked)");
        growbuf_printf(b, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%s<br>%s</td><td>", r.handshakes,
                       r.failures, fmt_time_rfc3339(r.first_us, t1, sizeof t1),
                       fmt_time_rfc3339(r.last_us, t2, sizeof t2));
        for (size_t k = 0; k < r.n_servers; k++) {
            if (k)
                growbuf_puts(b, "<br>");
            html_text(b, r.servers[k], 0);
        }
        if (r.servers_capped)
            growbuf_puts(b, "<br>...");
        growbuf_puts(b, "</td><td>");
        for (size_t k = 0; k < r.n_clients; k++) {
            if (k)
                growbuf_puts(b, "<br>");
            html_text(b, r.clients[k].ip, 0);
            growbuf_printf(b, " (%" PRIu64 ")", r.clients[k].handshakes);
        }
        growbuf_puts(b, "</td></tr>\n");
    }
    growbuf_puts(b, "</tbody></table></div></section>");
}
