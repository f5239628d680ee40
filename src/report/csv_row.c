/* csv_row.c — RFC 4180 rows (see csv_row.h). */
#include "csv_row.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "escape.h"
#include "fmt_time.h"

/* Append one field. wire: a string from the wire (made valid UTF-8,
 * formula-safe). NULL is an empty field. */
void csv_field(csv_row *r, const char *s, bool wire)
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

void csv_field_u64(csv_row *r, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%" PRIu64, v);
    csv_field(r, t, false);
}

void csv_field_time(csv_row *r, uint64_t us)
{
    char t[40];
    csv_field(r, us ? fmt_time_rfc3339(us, t, sizeof t) : NULL, false);
}

/* A certificate date (seconds; before 1970 as 1970). */
void csv_field_day(csv_row *r, int64_t t)
{
    char b[40];
    if (t < 0)
        t = 0;
    if ((uint64_t)t > UINT64_MAX / 1000000u) /* past year 586,000: not an X.509 time */
        t = (int64_t)(UINT64_MAX / 1000000u);
    csv_field(r, fmt_time_rfc3339((uint64_t)t * 1000000u, b, sizeof b), false);
}

void csv_field_bool(csv_row *r, bool v) { csv_field(r, v ? "true" : "false", false); }

void csv_field_ip(csv_row *r, const endpoint_t *e)
{
    char ip[INET6_ADDRSTRLEN];
    csv_field(r, inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof ip), false);
}

/* Ends the row (CRLF); its text, or NULL on OOM. */
static const char *row_end(csv_row *r, size_t *len)
{
    growbuf_putn(&r->b, "\r\n", 2);
    if (r->b.failed)
        return NULL;
    *len = r->b.len;
    return (const char *)r->b.p;
}

static void row_reset(csv_row *r)
{
    r->b.len = 0;
    r->n = 0;
}

int csv_write_row(FILE *out, csv_row *r)
{
    size_t n;
    const char *t = row_end(r, &n);
    int rc = (!t || fwrite(t, 1, n, out) != n) ? -1 : 0;
    row_reset(r);
    return rc;
}

void csv_header(csv_row *r, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csv_field(r, names[i], false);
}
