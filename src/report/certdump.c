#include "certdump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "growbuf.h"
#include "csv_row.h"
#include "endpoint_text.h"
#include "text.h"

static void set_err(char **err, const char *fmt, ...) MTLS_PRINTF(2, 3);
static void set_err(char **err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    *err = text_vprintf(fmt, ap);
    va_end(ap);
}

/* Open DIR as a directory fd and apply the ownership rule. Returns the fd or
 * -1 with *err set. */
static int open_dir(const char *dir, char **err)
{
    bool root = geteuid() == 0;
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (root ? O_NOFOLLOW : 0);
    int fd = open(dir, flags);
    if (fd < 0) {
        set_err(err, "--dump-certs %s: cannot open directory: %s%s", dir, strerror(errno),
                root && errno == ELOOP ? " (a symlink is refused when running as root)" : "");
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        set_err(err, "--dump-certs %s: not a directory", dir);
        close(fd);
        return -1;
    }
    if (root && st.st_uid != 0) {
        set_err(err,
                "--dump-certs %s: refusing to write as root into a directory owned by uid %u; "
                "use a root-owned directory or run without root (-Z USER)",
                dir, (unsigned)st.st_uid);
        close(fd);
        return -1;
    }
    if (root && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
        set_err(err, "--dump-certs %s: refusing to write as root into a world-writable directory",
                dir);
        close(fd);
        return -1;
    }
    return fd;
}

int certdump_check_dir(const char *dir, char **err)
{
    if (err)
        *err = NULL;
    if (!dir || !*dir) {
        set_err(err, "--dump-certs needs a directory");
        return -1;
    }
    int fd = open_dir(dir, err);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static bool hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int certdump_write(const char *dir, const uint8_t *der, size_t len, const char sha256_hex[65],
                   char **err)
{
    if (err)
        *err = NULL;
    if (!sha256_hex || !hex64(sha256_hex)) {
        set_err(err, "--dump-certs: refusing a file name that is not a SHA-256 hex fingerprint");
        return -1;
    }
    if (!der || len == 0 || len > (size_t)INT32_MAX) {
        set_err(err, "--dump-certs: empty or oversized certificate");
        return -1;
    }
    if (!dir || !*dir) {
        set_err(err, "--dump-certs needs a directory");
        return -1;
    }
    /* the DER is written as it came off the wire, even when it does not
     * decode, so the exact bytes can be examined */
    BIO *mem = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long pem_len = 0;
    if (!mem || !PEM_write_bio(mem, "CERTIFICATE", "", der, (long)len) ||
        (pem_len = BIO_get_mem_data(mem, &pem)) <= 0) {
        BIO_free(mem);
        ERR_clear_error();
        set_err(err, "--dump-certs: cannot encode PEM");
        return -1;
    }
    int dfd = open_dir(dir, err);
    if (dfd < 0) {
        BIO_free(mem);
        return -1;
    }
    char name[64 + 5];
    memcpy(name, sha256_hex, 64);
    memcpy(name + 64, ".pem", 5);
    int rc = -1;
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) {
            rc = 0; /* written before (or something else is there): never touched */
        } else {
            set_err(err, "--dump-certs %s/%s: %s", dir, name, strerror(errno));
        }
    } else {
        int wrc = write_all(fd, pem, (size_t)pem_len);
        if (close(fd) != 0)
            wrc = -1;
        if (wrc == 0) {
            rc = 1;
        } else {
            set_err(err, "--dump-certs %s/%s: write failed: %s", dir, name, strerror(errno));
            unlinkat(dfd, name, 0);
        }
    }
    close(dfd);
    BIO_free(mem);
    return rc;
}

/* ---- the index ---- */

enum { ROLE_LEAF = 0, ROLE_INTERMEDIATE, ROLE_ROOT };
static const char *const role_names[2][3] = {
    {"client leaf", "client intermediate", "client root"},
    {"server leaf", "server intermediate", "server root"},
};

/* A sorted set of at most CERTINDEX_MAX_PEERS strings: the lowest ones,
 * whatever order they came in (so the index is the same for any --threads). */
typedef struct peer_set {
    char **v;
    size_t n;
    bool capped;
} peer_set;

typedef struct ix_entry {
    char sha256[65];
    unsigned roles;          /* bit side * 3 + role */
    char *subject, *issuer, *serial;
    int64_t not_before, not_after;
    uint64_t connections, first_us, last_us;
    peer_set servers, clients;
} ix_entry;

struct certindex {
    ix_entry *e;
    size_t n, cap;
    size_t *slots; /* index + 1 */
    size_t n_slots;
    bool capped;
};

certindex *certindex_new(void) { return calloc(1, sizeof(certindex)); }

static void peers_free(peer_set *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
}

void certindex_free(certindex *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n; i++) {
        free(ix->e[i].subject);
        free(ix->e[i].issuer);
        free(ix->e[i].serial);
        peers_free(&ix->e[i].servers);
        peers_free(&ix->e[i].clients);
    }
    free(ix->e);
    free(ix->slots);
    free(ix);
}

/* Add s (taken: freed when not kept). -1 on OOM. */
static int peers_add(peer_set *p, char *s)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(p->v[mid], s);
        if (c == 0) {
            free(s);
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (p->n == CERTINDEX_MAX_PEERS) {
        p->capped = true;
        if (lo == p->n) { /* above every kept one */
            free(s);
            return 0;
        }
        free(p->v[--p->n]); /* drop the highest */
    }
    if (!p->v && !(p->v = calloc(CERTINDEX_MAX_PEERS, sizeof(*p->v)))) {
        free(s);
        return -1;
    }
    memmove(p->v + lo + 1, p->v + lo, (p->n - lo) * sizeof(*p->v));
    p->v[lo] = s;
    p->n++;
    return 0;
}

static uint64_t ix_hash(const char *h)
{
    uint64_t x = 1469598103934665603ull;
    for (; *h; h++)
        x = (x ^ (uint8_t)*h) * 1099511628211ull;
    return x;
}

static int ix_rehash(certindex *ix, size_t n)
{
    size_t *ns = calloc(n, sizeof(*ns));
    if (!ns)
        return -1;
    for (size_t i = 0; i < ix->n; i++) {
        size_t j = ix_hash(ix->e[i].sha256) & (n - 1);
        while (ns[j])
            j = (j + 1) & (n - 1);
        ns[j] = i + 1;
    }
    free(ix->slots);
    ix->slots = ns;
    ix->n_slots = n;
    return 0;
}

/* The entry of sha256, made (zeroed but for the key) when new; *out NULL when capped. -1 on OOM. */
static int ix_find(certindex *ix, const char *sha256, ix_entry **out)
{
    *out = NULL;
    if (ix->n_slots) {
        for (size_t j = ix_hash(sha256) & (ix->n_slots - 1); ix->slots[j]; j = (j + 1) & (ix->n_slots - 1))
            if (strcmp(ix->e[ix->slots[j] - 1].sha256, sha256) == 0) {
                *out = &ix->e[ix->slots[j] - 1];
                return 0;
            }
    }
    if (ix->n >= CERTINDEX_MAX_CERTS) {
        ix->capped = true;
        return 0;
    }
    if ((ix->n + 1) * 2 > ix->n_slots && ix_rehash(ix, ix->n_slots ? ix->n_slots * 2 : 64) < 0)
        return -1;
    if (growbuf_array_room(&ix->e, &ix->cap, ix->n, sizeof(*ix->e), 16) < 0)
        return -1;
    ix_entry *e = &ix->e[ix->n];
    memset(e, 0, sizeof(*e));
    memcpy(e->sha256, sha256, sizeof e->sha256);
    size_t j = ix_hash(sha256) & (ix->n_slots - 1);
    while (ix->slots[j])
        j = (j + 1) & (ix->n_slots - 1);
    ix->slots[j] = ++ix->n;
    *out = e;
    return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = true;
    return d;
}

/* Note certificate i of side d of c. -1 on OOM. */
static int ix_note(certindex *ix, const conn_view *c, int d, size_t i)
{
    const cert_info *ci = &c->a->chain[d]->certs[i];
    ix_entry *e;
    if (ix_find(ix, ci->sha256, &e) < 0)
        return -1;
    if (!e)
        return 0;
    const session_t *s = c->s;
    bool oom = false;
    if (e->connections == 0) {
        if (!ci->decode_error) {
            e->subject = dup_or_null(ci->subject, &oom);
            e->issuer = dup_or_null(ci->issuer, &oom);
            e->serial = dup_or_null(ci->serial_hex, &oom);
            e->not_before = ci->not_before;
            e->not_after = ci->not_after;
        }
        e->first_us = s->first_ts_us;
    }
    int role = i == 0 ? ROLE_LEAF : ci->self_signed ? ROLE_ROOT : ROLE_INTERMEDIATE;
    e->roles |= 1u << (d * 3 + role);
    e->connections++;
    if (s->first_ts_us < e->first_us)
        e->first_us = s->first_ts_us;
    if (s->last_ts_us > e->last_us)
        e->last_us = s->last_ts_us;
    char ep[64], *peer = NULL;
    if (d == DIR_C2S) {
        endpoint_text(&s->server, ep, sizeof ep);
        if (asprintf(&peer, "%s%s%s", ep, s->ch.sni ? " " : "", s->ch.sni ? s->ch.sni : "") < 0)
            return -1;
        return peers_add(&e->servers, peer) < 0 || oom ? -1 : 0;
    }
    char ip[INET6_ADDRSTRLEN];
    if (!inet_ntop(s->client.family == 6 ? AF_INET6 : AF_INET, s->client.addr, ip, sizeof ip) || !(peer = strdup(ip)))
        return -1;
    return peers_add(&e->clients, peer) < 0 || oom ? -1 : 0;
}

static int peers_merge(peer_set *dst, peer_set *src)
{
    int rc = 0;
    dst->capped |= src->capped;
    for (size_t i = 0; i < src->n; i++) {
        if (peers_add(dst, src->v[i]) < 0)
            rc = -1;
        src->v[i] = NULL;
    }
    src->n = 0;
    return rc;
}

int certindex_merge(certindex *dst, certindex *src)
{
    int rc = 0;
    if (!dst || !src)
        return 0;
    dst->capped |= src->capped;
    for (size_t i = 0; i < src->n; i++) {
        ix_entry *from = &src->e[i], *e;
        if (ix_find(dst, from->sha256, &e) < 0) {
            rc = -1;
            continue;
        }
        if (!e)
            continue;
        if (e->connections == 0 || from->first_us < e->first_us) {
            /* the earliest connection's view, as one engine keeps */
            if (from->subject || from->issuer || from->serial || e->connections == 0) {
                free(e->subject);
                free(e->issuer);
                free(e->serial);
                e->subject = from->subject;
                e->issuer = from->issuer;
                e->serial = from->serial;
                from->subject = from->issuer = from->serial = NULL;
                e->not_before = from->not_before;
                e->not_after = from->not_after;
            }
            if (e->connections == 0 || from->first_us < e->first_us)
                e->first_us = from->first_us;
        }
        if (from->last_us > e->last_us)
            e->last_us = from->last_us;
        e->connections += from->connections;
        e->roles |= from->roles;
        if (peers_merge(&e->servers, &from->servers) < 0 || peers_merge(&e->clients, &from->clients) < 0)
            rc = -1;
    }
    return rc;
}

static int by_sha(const void *a, const void *b)
{
    return strcmp(((const ix_entry *)a)->sha256, ((const ix_entry *)b)->sha256);
}

static void field_peers(csv_row *r, const peer_set *p, growbuf *tmp)
{
    tmp->len = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            growbuf_putn(tmp, "; ", 2);
        growbuf_puts(tmp, p->v[i]);
    }
    if (p->capped)
        growbuf_puts(tmp, "; ...");
    growbuf_putn(tmp, "", 1);
    csv_field(r, tmp->failed ? NULL : (const char *)tmp->p, true);
}

static const char *const index_header[] = {
    "file", "sha256", "role", "subject", "issuer", "serial", "not_before", "not_after",
    "connections", "first_seen", "last_seen", "servers", "clients",
};

int certindex_write(const char *dir, certindex *ix, char **err)
{
    if (err)
        *err = NULL;
    if (ix->n > 1)
        qsort(ix->e, ix->n, sizeof(*ix->e), by_sha);
    ix->n_slots = 0; /* the order changed: no more lookups */
    int dfd = open_dir(dir, err);
    if (dfd < 0)
        return -1;
    static const char tmp_name[] = ".index.csv.tmp";
    unlinkat(dfd, tmp_name, 0); /* left by an earlier run that died: never followed */
    int fd = openat(dfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        set_err(err, "--dump-certs %s/index.csv: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        close(dfd);
        return -1;
    }
    csv_row r = {.sep = ','};
    growbuf tmp = {0};
    int rc = 0;
    csv_header(&r, index_header, sizeof(index_header) / sizeof(index_header[0]));
    rc |= csv_write_row(f, &r);
    for (size_t i = 0; rc == 0 && i < ix->n; i++) {
        const ix_entry *e = &ix->e[i];
        char file[64 + 5];
        snprintf(file, sizeof file, "%s.pem", e->sha256);
        csv_field(&r, file, false);
        csv_field(&r, e->sha256, false);
        tmp.len = 0;
        for (int d = 0; d < 2; d++)
            for (int k = 0; k < 3; k++)
                if (e->roles & (1u << (d * 3 + k))) {
                    if (tmp.len)
                        growbuf_putn(&tmp, ";", 1);
                    growbuf_puts(&tmp, role_names[d][k]);
                }
        growbuf_putn(&tmp, "", 1);
        csv_field(&r, tmp.failed ? NULL : (const char *)tmp.p, false);
        csv_field(&r, e->subject, true);
        csv_field(&r, e->issuer, true);
        csv_field(&r, e->serial, false);
        if (e->subject || e->issuer) {
            csv_field_day(&r, e->not_before);
            csv_field_day(&r, e->not_after);
        } else {
            csv_field(&r, NULL, false);
            csv_field(&r, NULL, false);
        }
        csv_field_u64(&r, e->connections);
        csv_field_time(&r, e->first_us);
        csv_field_time(&r, e->last_us);
        field_peers(&r, &e->servers, &tmp);
        field_peers(&r, &e->clients, &tmp);
        rc |= csv_write_row(f, &r);
    }
    growbuf_free(&r.b);
    growbuf_free(&tmp);
    if (fflush(f) != 0 || ferror(f))
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && renameat(dfd, tmp_name, dfd, "index.csv") != 0)
        rc = -1;
    if (rc != 0) {
        set_err(err, "--dump-certs %s/index.csv: write failed: %s", dir, strerror(errno));
        unlinkat(dfd, tmp_name, 0);
    } else if (ix->capped) {
        set_err(err, "--dump-certs %s/index.csv: more than %u distinct certificates: the index lists the first ones only",
                dir, CERTINDEX_MAX_CERTS);
    }
    close(dfd);
    return rc;
}

void certdump_connection(const char *dir, const conn_view *c, certindex *ix)
{
    for (int d = 0; d < 2; d++) {
        const side_info *si = &c->s->side[d];
        const chain_report *r = c->a->chain[d];
        for (size_t i = 0; r && i < si->n_certs && i < r->n_certs; i++) {
            char *err = NULL;
            int w = certdump_write(dir, si->certs[i].data, si->certs[i].len, r->certs[i].sha256, &err);
            if (w < 0)
                fprintf(stderr, "mtlsdump: warning: --dump-certs: %s\n", err ? err : "write failed");
            else if (ix && ix_note(ix, c, d, i) < 0)
                fprintf(stderr, "mtlsdump: warning: --dump-certs: out of memory: index.csv will miss a certificate\n");
            free(err);
        }
    }
}
