/*
 * keylog.c — NSS key log parser and the per-session secret table.
 */
#include "keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "cursor.h"
#include "growbuf.h"

static const struct {
    keylog_kind kind;
    const char *label;
    uint8_t min_len, max_len; /* accepted secret lengths: exactly min or max */
} keylog_labels[] = {
    {KEYLOG_MASTER_SECRET, "CLIENT_RANDOM", 48, 48},
    {KEYLOG_CLIENT_EARLY_TRAFFIC, "CLIENT_EARLY_TRAFFIC_SECRET", 32, 48},
    {KEYLOG_CLIENT_HANDSHAKE_TRAFFIC, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 32, 48},
    {KEYLOG_SERVER_HANDSHAKE_TRAFFIC, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 32, 48},
    {KEYLOG_CLIENT_TRAFFIC_0, "CLIENT_TRAFFIC_SECRET_0", 32, 48},
    {KEYLOG_SERVER_TRAFFIC_0, "SERVER_TRAFFIC_SECRET_0", 32, 48},
    {KEYLOG_EXPORTER, "EXPORTER_SECRET", 32, 48},
};
MTLS_STATIC_ASSERT(MTLS_ARRAY_LEN(keylog_labels) == KEYLOG__KINDS, "keylog_labels out of sync");

const char *keylog_kind_label(keylog_kind k)
{
    if ((unsigned)k < KEYLOG__KINDS)
        return keylog_labels[k].label;
    return "unknown";
}

/* ---- pure line parser ---- */

static bool is_blank(uint8_t b) { return b == ' ' || b == '\t'; }

static int hex_val(uint8_t b)
{
    if (b >= '0' && b <= '9')
        return b - '0';
    if (b >= 'a' && b <= 'f')
        return b - 'a' + 10;
    if (b >= 'A' && b <= 'F')
        return b - 'A' + 10;
    return -1;
}

static void skip_blanks(cur_t *c)
{
    uint8_t b;
    while (cur_peek_u8(c, 0, &b) && is_blank(b))
        if (!cur_skip(c, 1))
            break;
}

/* The next run of non-blank bytes as a child cursor (may be empty). */
static void next_field(cur_t *c, cur_t *field)
{
    size_t n = 0;
    uint8_t b;
    while (cur_peek_u8(c, n, &b) && !is_blank(b))
        n++;
    size_t start = cur_abs_offset(c);
    if (!cur_get_sub(c, n, field)) /* cannot fail: n <= remaining */
        cur_init(field, NULL, 0);
    field->base = start;
}

/* Decode a hex field into out (cap bytes). Returns the decoded length, or
 * (size_t)-1 with *bad_off set on odd length, non-hex digit or overflow. */
static size_t decode_hex(cur_t *f, uint8_t *out, size_t cap, size_t *bad_off)
{
    size_t n = 0;
    if (cur_remaining(f) % 2 != 0 || cur_remaining(f) / 2 > cap) {
        *bad_off = cur_abs_offset(f);
        return (size_t)-1;
    }
    while (!cur_at_end(f)) {
        uint8_t hi, lo;
        size_t at = cur_abs_offset(f);
        if (!cur_get_u8(f, &hi) || !cur_get_u8(f, &lo)) {
            *bad_off = at;
            return (size_t)-1;
        }
        int h = hex_val(hi), l = hex_val(lo);
        if (h < 0 || l < 0) {
            *bad_off = h < 0 ? at : at + 1;
            return (size_t)-1;
        }
        if (out)
            out[n] = (uint8_t)(h << 4 | l);
        n++;
    }
    return n;
}

static bool label_ok(cur_t f)
{
    uint8_t b;
    if (cur_at_end(&f))
        return false;
    while (cur_get_u8(&f, &b))
        if (!((b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_'))
            return false;
    return true;
}

dx_result keylog_parse_line(const uint8_t *line, size_t len, keylog_line *out)
{
    memset(out, 0, sizeof(*out));
    if (len > KEYLOG_MAX_LINE)
        return dx_malformed(DXE_KEYLOG_LINE, KEYLOG_MAX_LINE);

    cur_t c;
    cur_init(&c, line, len);
    /* strip one trailing '\r' */
    uint8_t last;
    if (len > 0 && cur_peek_u8(&c, len - 1, &last) && last == '\r')
        c.len--;

    skip_blanks(&c);
    uint8_t first;
    if (!cur_peek_u8(&c, 0, &first) || first == '#')
        return dx_ok(); /* blank or comment */

    cur_t f_label, f_random, f_secret, f_extra;
    next_field(&c, &f_label);
    skip_blanks(&c);
    next_field(&c, &f_random);
    skip_blanks(&c);
    next_field(&c, &f_secret);
    skip_blanks(&c);
    next_field(&c, &f_extra);

    if (!label_ok(f_label))
        return dx_malformed(DXE_KEYLOG_LINE, f_label.base);
    if (cur_at_end(&f_random))
        return dx_malformed(DXE_KEYLOG_LINE, f_random.base);
    if (cur_at_end(&f_secret))
        return dx_malformed(DXE_KEYLOG_LINE, f_secret.base);
    if (!cur_at_end(&f_extra))
        return dx_malformed(DXE_KEYLOG_LINE, f_extra.base);

    out->label = cur_ptr(&f_label);
    out->label_len = cur_remaining(&f_label);

    for (size_t i = 0; i < KEYLOG__KINDS; i++) {
        size_t ll = strlen(keylog_labels[i].label);
        if (ll == out->label_len && memcmp(keylog_labels[i].label, out->label, ll) == 0) {
            out->known = true;
            out->kind = keylog_labels[i].kind;
            break;
        }
    }

    size_t bad = 0;
    if (out->known) {
        size_t rlen = decode_hex(&f_random, out->client_random, KEYLOG_RANDOM_LEN, &bad);
        if (rlen == (size_t)-1)
            return dx_malformed(DXE_KEYLOG_LINE, bad);
        if (rlen != KEYLOG_RANDOM_LEN)
            return dx_malformed(DXE_KEYLOG_LINE, f_random.base);
    } else if (decode_hex(&f_random, NULL, (size_t)-1 / 2, &bad) == (size_t)-1) {
        /* unknown labels (RSA has an 8-byte key id) only need hex fields */
        return dx_malformed(DXE_KEYLOG_LINE, bad);
    }

    size_t base = f_secret.base;
    if (out->known) {
        size_t slen = decode_hex(&f_secret, out->secret, KEYLOG_SECRET_MAX, &bad);
        if (slen == (size_t)-1)
            return dx_malformed(DXE_KEYLOG_LINE, bad);
        if (slen != keylog_labels[out->kind].min_len && slen != keylog_labels[out->kind].max_len)
            return dx_malformed(DXE_KEYLOG_LINE, base);
        out->secret_len = slen;
    } else {
        /* unknown label: value must still be hex (any length, not stored) */
        size_t slen = decode_hex(&f_secret, NULL, (size_t)-1 / 2, &bad);
        if (slen == (size_t)-1)
            return dx_malformed(DXE_KEYLOG_LINE, bad);
    }
    out->is_secret = true;
    return dx_ok();
}

/* ---- the table ---- */

/* Entries live in fixed chunks that never move, so a keylog_entry pointer held
 * by a connection stays valid when more secrets arrive mid-capture (pcapng
 * Decryption Secrets Blocks read as the file streams in). */
#define KEYLOG_CHUNK 256u

struct keylog {
    keylog_entry **chunks; /* n used entries across cap / KEYLOG_CHUNK chunks */
    size_t n, cap, nchunks_alloc;
    uint32_t *slots;       /* open addressing: index+1 into entries, 0 = empty */
    size_t nslots;         /* power of two */
    const keylog *fallback; /* searched when a random is not here (not owned) */
};

keylog *keylog_new(void)
{
    keylog *kl = calloc(1, sizeof(*kl));
    return kl;
}

void keylog_free(keylog *kl)
{
    if (!kl)
        return;
    for (size_t c = 0; c < kl->cap / KEYLOG_CHUNK; c++) {
        OPENSSL_cleanse(kl->chunks[c], KEYLOG_CHUNK * sizeof(keylog_entry));
        free(kl->chunks[c]);
    }
    free(kl->chunks);
    free(kl->slots);
    free(kl);
}

static keylog_entry *entry_at(const keylog *kl, size_t i) { return &kl->chunks[i / KEYLOG_CHUNK][i % KEYLOG_CHUNK]; }

static uint64_t random_hash(const uint8_t r[KEYLOG_RANDOM_LEN])
{
    /* FNV-1a over the random; client randoms are uniformly random anyway. */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < KEYLOG_RANDOM_LEN; i++) {
        h ^= r[i];
        h *= 1099511628211ull;
    }
    return h;
}

static size_t find_slot(const keylog *kl, const uint8_t r[KEYLOG_RANDOM_LEN], bool *found)
{
    size_t mask = kl->nslots - 1;
    size_t i = (size_t)random_hash(r) & mask;
    for (;;) {
        uint32_t v = kl->slots[i];
        if (v == 0) {
            *found = false;
            return i;
        }
        if (memcmp(entry_at(kl, v - 1)->client_random, r, KEYLOG_RANDOM_LEN) == 0) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static bool grow_slots(keylog *kl)
{
    size_t ns = kl->nslots ? kl->nslots * 2 : 64;
    uint32_t *s = calloc(ns, sizeof(*s));
    if (!s)
        return false;
    free(kl->slots);
    kl->slots = s;
    kl->nslots = ns;
    for (size_t e = 0; e < kl->n; e++) {
        bool found;
        size_t i = find_slot(kl, entry_at(kl, e)->client_random, &found);
        kl->slots[i] = (uint32_t)(e + 1);
    }
    return true;
}

static bool grow_entries(keylog *kl)
{
    size_t c = kl->cap / KEYLOG_CHUNK;
    if (c == kl->nchunks_alloc) {
        size_t na = kl->nchunks_alloc ? kl->nchunks_alloc * 2 : 4;
        keylog_entry **nc = realloc(kl->chunks, na * sizeof(*nc));
        if (!nc)
            return false;
        kl->chunks = nc;
        kl->nchunks_alloc = na;
    }
    kl->chunks[c] = malloc(KEYLOG_CHUNK * sizeof(keylog_entry));
    if (!kl->chunks[c])
        return false;
    kl->cap += KEYLOG_CHUNK;
    return true;
}

const keylog_entry *keylog_find(const keylog *kl, const uint8_t client_random[KEYLOG_RANDOM_LEN])
{
    if (!kl || !client_random)
        return NULL;
    if (kl->n == 0)
        return keylog_find(kl->fallback, client_random);
    bool found;
    size_t i = find_slot(kl, client_random, &found);
    return found ? entry_at(kl, kl->slots[i] - 1) : keylog_find(kl->fallback, client_random);
}

void keylog_set_fallback(keylog *kl, const keylog *fallback) { kl->fallback = fallback; }

static void note_bad(keylog_stats *st, size_t lineno)
{
    st->malformed++;
    if (st->bad_lines_n < KEYLOG_BAD_LINES_KEPT)
        st->bad_lines[st->bad_lines_n++] = lineno;
}

/* Store a parsed secret line. */
static int store(keylog *kl, const keylog_line *ln, keylog_stats *st)
{
    if (!kl->slots && !grow_slots(kl))
        return KEYLOG_ERR_NOMEM;
    bool found;
    size_t i = find_slot(kl, ln->client_random, &found);
    keylog_entry *e;
    if (found) {
        e = entry_at(kl, kl->slots[i] - 1);
    } else {
        if (kl->n >= KEYLOG_MAX_SESSIONS) {
            st->dropped++;
            return KEYLOG_ERR_FULL;
        }
        if (kl->n == kl->cap && !grow_entries(kl))
            return KEYLOG_ERR_NOMEM;
        /* keep load factor <= 1/2 */
        if ((kl->n + 1) * 2 > kl->nslots) {
            if (!grow_slots(kl))
                return KEYLOG_ERR_NOMEM;
            i = find_slot(kl, ln->client_random, &found);
        }
        e = entry_at(kl, kl->n);
        memset(e, 0, sizeof(*e));
        memcpy(e->client_random, ln->client_random, KEYLOG_RANDOM_LEN);
        kl->slots[i] = (uint32_t)(kl->n + 1);
        kl->n++;
    }
    keylog_secret *s = &e->secret[ln->kind];
    if (keylog_entry_has(e, ln->kind) &&
        (s->len != ln->secret_len || memcmp(s->bytes, ln->secret, ln->secret_len) != 0))
        st->conflicts++;
    s->len = (uint8_t)ln->secret_len;
    memcpy(s->bytes, ln->secret, ln->secret_len);
    e->present |= 1u << ln->kind;
    st->secrets++;
    return KEYLOG_OK;
}

/* Parse + store one line, counting into st. */
static int add_line_counted(keylog *kl, const uint8_t *line, size_t len, size_t lineno,
                            keylog_stats *st)
{
    keylog_line ln;
    st->lines++;
    bool has_nul = memchr(line, '\0', len) != NULL;
    dx_result r = has_nul ? dx_malformed(DXE_KEYLOG_LINE, 0) : keylog_parse_line(line, len, &ln);
    int rc;
    if (r.status != DX_OK) {
        note_bad(st, lineno);
        rc = KEYLOG_ERR_MALFORMED;
    } else if (!ln.is_secret) {
        st->skipped++;
        rc = KEYLOG_SKIPPED;
    } else if (!ln.known) {
        st->unknown_label++;
        rc = KEYLOG_SKIPPED;
    } else {
        rc = store(kl, &ln, st);
    }
    OPENSSL_cleanse(&ln, sizeof(ln));
    return rc;
}

/* lineno: the number of lines before buf (a watched file's earlier lines). */
static int add_buffer_stats(keylog *kl, const uint8_t *buf, size_t len, size_t lineno, keylog_stats *st)
{
    cur_t c;
    cur_init(&c, buf, len);
    int rc = KEYLOG_OK;
    while (!cur_at_end(&c)) {
        size_t n = 0;
        uint8_t b;
        while (cur_peek_u8(&c, n, &b) && b != '\n')
            n++;
        const uint8_t *line = NULL;
        if (!cur_get_bytes(&c, n, &line))
            break;
        if (cur_peek_u8(&c, 0, &b) && b == '\n' && !cur_skip(&c, 1))
            break;
        lineno++;
        int r = add_line_counted(kl, line, n, lineno, st);
        if (r == KEYLOG_ERR_NOMEM) {
            rc = r;
            break;
        }
    }
    return rc;
}

int keylog_add_buffer(keylog *kl, const uint8_t *buf, size_t len, keylog_stats *out_st)
{
    keylog_stats st;
    memset(&st, 0, sizeof(st));
    int rc = !kl || (!buf && len) ? KEYLOG_ERR_MALFORMED : add_buffer_stats(kl, buf, len, 0, &st);
    if (out_st)
        *out_st = st;
    return rc;
}

int keylog_load_file(keylog *kl, const char *path, keylog_stats *out_st)
{
    keylog_stats st;
    memset(&st, 0, sizeof(st));
    if (out_st)
        *out_st = st;
    if (!kl || !path)
        return KEYLOG_ERR_IO;
    FILE *f = fopen(path, "rb");
    if (!f)
        return KEYLOG_ERR_IO;
    growbuf buf = {0};
    int rc = KEYLOG_OK;
    for (;;) {
        /* 64 KiB first, doubled whenever full */
        if (buf.len == buf.cap && growbuf_reserve_first(&buf, buf.len + 1, 64 * 1024, GROWBUF_NO_MAX) != 0) {
            rc = KEYLOG_ERR_NOMEM;
            break;
        }
        size_t got = fread(buf.p + buf.len, 1, buf.cap - buf.len, f);
        buf.len += got;
        if (got == 0) {
            if (ferror(f))
                rc = KEYLOG_ERR_IO;
            break;
        }
    }
    int saved = errno;
    fclose(f);
    if (rc == KEYLOG_OK)
        rc = add_buffer_stats(kl, buf.p, buf.len, 0, &st);
    if (buf.len)
        OPENSSL_cleanse(buf.p, buf.len);
    growbuf_free(&buf);
    if (out_st)
        *out_st = st;
    errno = saved;
    return rc;
}

/* ---- a key log that grows ---- */

#define KEYLOG_WATCH_INTERVAL_NS (20ull * 1000000ull)
#define KEYLOG_WATCH_MAX_READ ((size_t)64 << 20) /* bytes read by one poll at most */

struct keylog_watch {
    char *path;
    uint64_t offset;       /* bytes read: the end of the last complete line */
    size_t lines;          /* lines before offset */
    dev_t dev;
    ino_t ino;
    bool seen;             /* dev/ino known */
    off_t size;            /* size and mtime at the last read */
    struct timespec mtime;
    uint64_t last_poll_ns;
    bool polled;
};

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

keylog_watch *keylog_watch_new(const char *path, uint64_t offset)
{
    keylog_watch *w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return NULL;
    }
    w->offset = offset;
    return w;
}

void keylog_watch_free(keylog_watch *w)
{
    if (!w)
        return;
    free(w->path);
    free(w);
}

uint64_t keylog_watch_offset(const keylog_watch *w) { return w ? w->offset : 0; }

static void stats_sum(keylog_stats *to, const keylog_stats *from)
{
    to->lines += from->lines;
    to->secrets += from->secrets;
    to->skipped += from->skipped;
    to->unknown_label += from->unknown_label;
    to->malformed += from->malformed;
    to->conflicts += from->conflicts;
    to->dropped += from->dropped;
    for (size_t i = 0; i < from->bad_lines_n && to->bad_lines_n < KEYLOG_BAD_LINES_KEPT; i++)
        to->bad_lines[to->bad_lines_n++] = from->bad_lines[i];
}

int keylog_watch_poll(keylog_watch *w, keylog *kl, bool force, size_t *out_new, keylog_stats *out_st)
{
    if (out_new)
        *out_new = 0;
    if (!w || !kl)
        return KEYLOG_OK;
    uint64_t now = mono_ns();
    if (!force && w->polled && now - w->last_poll_ns < KEYLOG_WATCH_INTERVAL_NS)
        return KEYLOG_OK;
    w->polled = true;
    w->last_poll_ns = now;
    struct stat sb;
    if (stat(w->path, &sb) != 0)
        return errno == ENOENT ? KEYLOG_OK : KEYLOG_ERR_IO; /* not written yet */
    if (w->seen && (sb.st_dev != w->dev || sb.st_ino != w->ino || (uint64_t)sb.st_size < w->offset)) {
        w->offset = 0; /* replaced or truncated: read it again from the start */
        w->lines = 0;
    } else if (w->seen && sb.st_size == w->size && sb.st_mtim.tv_sec == w->mtime.tv_sec &&
               sb.st_mtim.tv_nsec == w->mtime.tv_nsec) {
        return KEYLOG_OK; /* unchanged */
    }
    if ((uint64_t)sb.st_size < w->offset)
        w->offset = 0;
    FILE *f = fopen(w->path, "rb");
    if (!f)
        return KEYLOG_ERR_IO;
    w->seen = true;
    w->dev = sb.st_dev;
    w->ino = sb.st_ino;
    w->size = sb.st_size;
    w->mtime = sb.st_mtim;
    int rc = KEYLOG_OK;
    growbuf buf = {0};
    if (fseeko(f, (off_t)w->offset, SEEK_SET) != 0) {
        fclose(f);
        return KEYLOG_ERR_IO;
    }
    for (;;) {
        if (buf.len == buf.cap &&
            growbuf_reserve_first(&buf, buf.len + 1, 16 * 1024, KEYLOG_WATCH_MAX_READ) != 0)
            break; /* the rest at the next poll (or out of memory: the same) */
        size_t got = fread(buf.p + buf.len, 1, buf.cap - buf.len, f);
        buf.len += got;
        if (got == 0) {
            if (ferror(f))
                rc = KEYLOG_ERR_IO;
            break;
        }
    }
    fclose(f);
    /* complete lines only: a writer may be in the middle of one */
    size_t upto = buf.len;
    while (upto > 0 && buf.p[upto - 1] != '\n')
        upto--;
    keylog_stats st;
    memset(&st, 0, sizeof(st));
    if (rc == KEYLOG_OK && upto > 0) {
        rc = add_buffer_stats(kl, buf.p, upto, w->lines, &st);
        w->offset += upto;
        w->lines += st.lines;
    }
    if (upto < buf.len)
        w->size = (off_t)-1; /* a partial line is left: look again at the next poll */
    if (buf.len)
        OPENSSL_cleanse(buf.p, buf.len);
    growbuf_free(&buf);
    if (out_new)
        *out_new = st.secrets;
    if (out_st)
        stats_sum(out_st, &st);
    return rc;
}

static void hex_into(char *out, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
}

char *keylog_entry_format(const keylog_entry *e, size_t *len)
{
    *len = 0;
    if (!e || !e->present)
        return NULL;
    /* label + ' ' + 64 + ' ' + 96 + '\n' per line at most */
    size_t cap = (size_t)KEYLOG__KINDS * (40 + 2 + 2 * KEYLOG_RANDOM_LEN + 2 * KEYLOG_SECRET_MAX + 1) + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    for (int k = 0; k < KEYLOG__KINDS; k++) {
        if (!keylog_entry_has(e, (keylog_kind)k))
            continue;
        const char *label = keylog_kind_label((keylog_kind)k);
        size_t ll = strlen(label);
        memcpy(out + n, label, ll);
        n += ll;
        out[n++] = ' ';
        hex_into(out + n, e->client_random, KEYLOG_RANDOM_LEN);
        n += 2 * KEYLOG_RANDOM_LEN;
        out[n++] = ' ';
        hex_into(out + n, e->secret[k].bytes, e->secret[k].len);
        n += 2u * e->secret[k].len;
        out[n++] = '\n';
    }
    out[n] = '\0';
    *len = n;
    return out;
}
