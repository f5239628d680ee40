/*
 * fingerprint.c — JA3 / JA3S (Salesforce) and JA4 (FoxIO, TLS client part
 * only) computed from parsed hello structs.
 */
#include "fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "algs.h"
#include "growbuf.h"
#include "tls_registry.h"

/* The strings are growbufs (growbuf.h) written with its text helpers: after
 * an out-of-memory `failed` is set and appends are no-ops. */

static void sb_putu(growbuf *b, unsigned v)
{
    char tmp[16];
    size_t n = sizeof tmp;
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n);
    growbuf_putn(b, tmp + n, sizeof tmp - n);
}

static void sb_puthex4(growbuf *b, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[4] = {hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
    growbuf_putn(b, tmp, 4);
}

/* decimal values joined by '-', GREASE skipped */
static void ja3_list(growbuf *b, const uint16_t *v, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i]))
            continue;
        if (!first)
            growbuf_puts(b, "-");
        sb_putu(b, v[i]);
        first = false;
    }
}

static int digest_hex(const EVP_MD *md, const char *s, size_t len, char *out, size_t out_chars)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    static const char hexd[] = "0123456789abcdef";
    if (!EVP_Digest(s, len, d, &dlen, md, NULL))
        return -1;
    size_t k = 0;
    for (unsigned i = 0; i < dlen && k + 2 <= out_chars; i++) {
        out[k++] = hexd[d[i] >> 4];
        out[k++] = hexd[d[i] & 0xF];
    }
    if (k < out_chars)
        return -1;
    out[k] = '\0';
    return 0;
}

static int finish_md5(growbuf *b, char **out_str, char out_md5[33])
{
    size_t len = b->len;
    char *s = growbuf_take(b); /* NULL after an out-of-memory */
    const EVP_MD *md5 = s ? algs_md_get(ALGS_MD5) : NULL; /* fetched once per process */
    if (!md5 || digest_hex(md5, s, len, out_md5, 32) != 0) {
        free(s);
        *out_str = NULL;
        out_md5[0] = '\0';
        return -1;
    }
    *out_str = s;
    return 0;
}

/* A fingerprint over a list we did not keep whole would be wrong: refuse. */
static bool ch_lists_whole(const tls_client_hello *ch)
{
    return !(ch->ciphers.truncated || ch->ext.types.truncated || ch->ext.groups.truncated ||
             ch->ext.point_formats.truncated || ch->ext.sig_algs.truncated);
}

int fp_ja3(const tls_client_hello *ch, char **out_str, char out_md5[33])
{
    if (!ch_lists_whole(ch))
        return -1;
    growbuf b = {0};
    uint16_t v[TLS_LIST_MAX];
    sb_putu(&b, ch->legacy_version);
    growbuf_puts(&b, ",");
    ja3_list(&b, v, tls_u16_list_read(&ch->ciphers, v));
    growbuf_puts(&b, ",");
    ja3_list(&b, v, tls_u16_list_read(&ch->ext.types, v));
    growbuf_puts(&b, ",");
    ja3_list(&b, v, tls_u16_list_read(&ch->ext.groups, v));
    growbuf_puts(&b, ",");
    ja3_list(&b, v, tls_u16_list_read(&ch->ext.point_formats, v));
    return finish_md5(&b, out_str, out_md5);
}

int fp_ja3s(const tls_server_hello *sh, char **out_str, char out_md5[33])
{
    if (sh->ext.types.truncated)
        return -1;
    growbuf b = {0};
    uint16_t v[TLS_LIST_MAX];
    sb_putu(&b, sh->legacy_version);
    growbuf_puts(&b, ",");
    sb_putu(&b, sh->cipher);
    growbuf_puts(&b, ",");
    ja3_list(&b, v, tls_u16_list_read(&sh->ext.types, v));
    return finish_md5(&b, out_str, out_md5);
}

/* ------------------------------------------------------------------- JA4 */

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xFEFF: return "d1";
    case 0xFEFD: return "d2";
    case 0xFEFC: return "d3";
    default: return "00";
    }
}

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Entries of a list that are not GREASE (read in place, not copied). */
static size_t non_grease(const tls_u16_list *l)
{
    tls_u16_iter it;
    uint16_t v;
    size_t n = 0;
    tls_u16_iter_init(&it, l);
    while (tls_u16_iter_next(&it, &v))
        n += !tls_is_grease(v);
    return n;
}

/* The JA4 "a" part (10 chars + NUL) */
static void ja4_a(const tls_client_hello *ch, bool quic, char a[11], size_t *n_ciphers, size_t *n_exts)
{
    static const char hexd[] = "0123456789abcdef";
    uint16_t version = ch->legacy_version, v;
    bool have_sv = false;
    tls_u16_iter it;
    tls_u16_iter_init(&it, &ch->ext.versions);
    while (tls_u16_iter_next(&it, &v)) {
        if (tls_is_grease(v))
            continue;
        if (!have_sv || v > version)
            version = v;
        have_sv = true;
    }
    size_t nc = non_grease(&ch->ciphers), ne = non_grease(&ch->ext.types);
    *n_ciphers = nc;
    *n_exts = ne;

    char alpn[2] = {'0', '0'};
    cur_t names = ch->ext.alpn;
    tls_view name;
    if (tls_alpn_list_next(&names, &name) && name.len > 0) {
        const uint8_t *p = name.ptr;
        size_t len = name.len;
        uint8_t first = p[0], last = p[len - 1];
        if (is_alnum(first) && is_alnum(last)) {
            alpn[0] = (char)first;
            alpn[1] = (char)last;
        } else {
            alpn[0] = hexd[first >> 4];
            alpn[1] = hexd[last & 0xF];
        }
    }
    snprintf(a, 11, "%c%s%c%02zu%02zu%c%c", quic ? 'q' : 't', ja4_version(version), ch->ext.has_sni ? 'd' : 'i',
             nc > 99 ? (size_t)99 : nc, ne > 99 ? (size_t)99 : ne, alpn[0], alpn[1]);
}

/* Sorted cipher hex list and sorted extensions (minus SNI/ALPN) + "_" + sigalgs;
 * returns how many extensions the sorted list holds. */
static size_t ja4_lists(const tls_client_hello *ch, growbuf *ciphers, growbuf *exts)
{
    uint16_t tmp[TLS_LIST_MAX];
    size_t n = 0, all = tls_u16_list_read(&ch->ciphers, tmp);
    for (size_t i = 0; i < all; i++)
        if (!tls_is_grease(tmp[i]))
            tmp[n++] = tmp[i];
    qsort(tmp, n, sizeof tmp[0], cmp_u16);
    for (size_t i = 0; i < n; i++) {
        if (i)
            growbuf_puts(ciphers, ",");
        sb_puthex4(ciphers, tmp[i]);
    }

    n = 0;
    all = tls_u16_list_read(&ch->ext.types, tmp);
    for (size_t i = 0; i < all; i++) {
        uint16_t t = tmp[i];
        if (!tls_is_grease(t) && t != TLS_EXT_SERVER_NAME && t != TLS_EXT_ALPN)
            tmp[n++] = t;
    }
    qsort(tmp, n, sizeof tmp[0], cmp_u16);
    size_t n_exts = n;
    for (size_t i = 0; i < n; i++) {
        if (i)
            growbuf_puts(exts, ",");
        sb_puthex4(exts, tmp[i]);
    }
    bool first = true;
    all = tls_u16_list_read(&ch->ext.sig_algs, tmp);
    for (size_t i = 0; i < all; i++) {
        uint16_t s = tmp[i];
        if (tls_is_grease(s))
            continue;
        growbuf_puts(exts, first ? "_" : ",");
        sb_puthex4(exts, s);
        first = false;
    }
    return n_exts;
}

static int ja4_hash12(const growbuf *b, char out[13])
{
    char full[65];
    const EVP_MD *sha = NULL;
    if (b->len == 0) {
        memcpy(out, "000000000000", 13);
        return 0;
    }
    sha = algs_md_get(ALGS_SHA256);
    int rc = sha ? digest_hex(sha, growbuf_cstr(b), b->len, full, 64) : -1;
    if (rc != 0)
        return -1;
    memcpy(out, full, 12);
    out[12] = '\0';
    return 0;
}

int fp_ja4(const tls_client_hello *ch, bool quic, char out[40])
{
    if (!ch_lists_whole(ch))
        return -1;
    char a[11], hb[13], hc[13];
    size_t nc, ne;
    growbuf ciphers = {0}, exts = {0};
    int rc = -1;

    out[0] = '\0';
    ja4_a(ch, quic, a, &nc, &ne);
    /* "If there are no extensions in the sorted extensions list, JA4_c is 000000000000" */
    bool no_exts = ja4_lists(ch, &ciphers, &exts) == 0;
    if (ciphers.failed || exts.failed)
        goto out;
    if (ja4_hash12(&ciphers, hb) != 0)
        goto out;
    if (no_exts)
        memcpy(hc, "000000000000", 13);
    else if (ja4_hash12(&exts, hc) != 0)
        goto out;
    snprintf(out, 40, "%s_%s_%s", a, hb, hc);
    rc = 0;
out:
    growbuf_free(&ciphers);
    growbuf_free(&exts);
    return rc;
}
