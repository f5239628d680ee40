/* decompress.c — gzip (zlib), xz (liblzma), zstd (libzstd), bzip2 (libbz2)
 * and lz4 (liblz4, frame format) behind a stdio stream (fopencookie), so
 * libpcap reads them as any capture. */
#include "decompress.h"

#include <bzlib.h>
#include <errno.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "text.h"

#define IN_CHUNK (64u * 1024u)

typedef struct dstream {
    FILE *raw;
    compression kind;
    unsigned char peek[8];
    size_t peek_len, peek_off; /* bytes read to tell the format, given back first */
    unsigned char *in;         /* compressed input buffer */
    size_t in_len, in_off;
    bool in_eof, failed, done;
    z_stream z;
    lzma_stream x;
    ZSTD_DStream *zs;
    size_t zs_hint;  /* the last ZSTD_decompressStream answer: 0 = between frames */
    bz_stream bz;
    bool bz_live;    /* bz holds a decoder (BZ2_bzDecompressEnd owed) */
    LZ4F_dctx *lz;
    size_t lz_hint;  /* the last LZ4F_decompress answer: 0 = between frames */
    pcapng_tap *tap; /* sees the decompressed bytes (not owned), may be NULL */
    unsigned char head[DECOMPRESS_HEAD];
    size_t head_len, head_off; /* the first decompressed bytes, read to tell the format, given back first */
} dstream;

static const struct {
    compression kind;
    const char *name;
    unsigned char magic[6];
    size_t len;
} magics[] = {
    {COMPRESSION_GZIP, "gzip", {0x1f, 0x8b}, 2},
    {COMPRESSION_XZ, "xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
    {COMPRESSION_ZSTD, "zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4},
    {COMPRESSION_BZIP2, "bzip2", {'B', 'Z', 'h'}, 3},
    {COMPRESSION_LZ4, "lz4", {0x04, 0x22, 0x4d, 0x18}, 4}, /* the frame format (lz4 -l's legacy one is not) */
};

compression compression_of(const unsigned char *buf, size_t n)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(magics); i++)
        if (n >= magics[i].len && memcmp(buf, magics[i].magic, magics[i].len) == 0)
            return magics[i].kind;
    return COMPRESSION_NONE;
}

const char *compression_name(compression c)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(magics); i++)
        if (magics[i].kind == c)
            return magics[i].name;
    return "none";
}

/* Raw bytes: the peeked ones first, then the file. */
static size_t raw_read(dstream *d, unsigned char *buf, size_t n)
{
    size_t got = 0;
    if (d->peek_off < d->peek_len) {
        got = d->peek_len - d->peek_off < n ? d->peek_len - d->peek_off : n;
        memcpy(buf, d->peek + d->peek_off, got);
        d->peek_off += got;
    }
    /* read(2), not fread: a pipe gives what it has now instead of blocking
     * until the whole chunk arrived (a live `tcpdump -w - | mtlsdump -r -`) */
    while (got == 0 && n > 0) {
        ssize_t r = read(fileno(d->raw), buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            d->failed = true;
        return r > 0 ? (size_t)r : 0;
    }
    return got;
}

/* Make compressed input available: false at its end (or on a read error). */
static bool fill(dstream *d)
{
    if (d->in_off < d->in_len)
        return true;
    if (d->in_eof)
        return false;
    d->in_len = raw_read(d, d->in, IN_CHUNK);
    d->in_off = 0;
    if (d->in_len == 0) {
        d->in_eof = true;
        return false;
    }
    return true;
}

static size_t gzip_read(dstream *d, unsigned char *out, size_t n)
{
    d->z.next_out = out;
    d->z.avail_out = (uInt)n;
    while (d->z.avail_out > 0 && !d->done && fill(d)) {
        d->z.next_in = d->in + d->in_off;
        d->z.avail_in = (uInt)(d->in_len - d->in_off);
        int rc = inflate(&d->z, Z_NO_FLUSH);
        d->in_off = d->in_len - d->z.avail_in;
        if (rc == Z_STREAM_END) {
            if (fill(d))
                inflateReset(&d->z); /* concatenated members */
            else
                d->done = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            d->failed = true;
            break;
        }
    }
    return n - d->z.avail_out;
}

static size_t xz_read(dstream *d, unsigned char *out, size_t n)
{
    d->x.next_out = out;
    d->x.avail_out = n;
    while (d->x.avail_out > 0 && !d->done) {
        bool more = fill(d);
        d->x.next_in = more ? d->in + d->in_off : NULL;
        d->x.avail_in = more ? d->in_len - d->in_off : 0;
        lzma_ret rc = lzma_code(&d->x, more ? LZMA_RUN : LZMA_FINISH);
        d->in_off = d->in_len - d->x.avail_in;
        if (rc == LZMA_STREAM_END) {
            d->done = true;
        } else if (rc != LZMA_OK) {
            d->failed = true;
            break;
        } else if (!more && d->x.avail_out > 0) {
            d->failed = true; /* truncated */
            break;
        }
    }
    return n - d->x.avail_out;
}

/* The frame status lives in the stream, not in the call: a call that finds
 * the input at its end after the last frame finished is the end, not a
 * truncation. */
static size_t zstd_read(dstream *d, unsigned char *out, size_t n)
{
    ZSTD_outBuffer ob = {out, n, 0};
    while (ob.pos < ob.size && fill(d)) {
        ZSTD_inBuffer ib = {d->in + d->in_off, d->in_len - d->in_off, 0};
        d->zs_hint = ZSTD_decompressStream(d->zs, &ob, &ib);
        d->in_off += ib.pos;
        if (ZSTD_isError(d->zs_hint)) {
            d->failed = true;
            break;
        }
    }
    if (d->in_eof && d->zs_hint != 0 && ob.pos == 0 && !d->failed)
        d->failed = true; /* the input ended inside a frame */
    return ob.pos;
}

/* bzip2: concatenated streams (pbzip2, `cat a.bz2 b.bz2`) are read on. */
static size_t bzip2_read(dstream *d, unsigned char *out, size_t n)
{
    d->bz.next_out = (char *)out;
    d->bz.avail_out = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
    unsigned want = d->bz.avail_out;
    while (d->bz.avail_out > 0 && !d->done && fill(d)) {
        d->bz.next_in = (char *)(d->in + d->in_off);
        d->bz.avail_in = (unsigned)(d->in_len - d->in_off);
        int rc = BZ2_bzDecompress(&d->bz);
        d->in_off = d->in_len - d->bz.avail_in;
        if (rc == BZ_STREAM_END) {
            BZ2_bzDecompressEnd(&d->bz);
            d->bz_live = false;
            if (!fill(d)) {
                d->done = true;
            } else if (BZ2_bzDecompressInit(&d->bz, 0, 0) == BZ_OK) {
                d->bz_live = true;
            } else {
                d->failed = true;
                break;
            }
        } else if (rc != BZ_OK) {
            d->failed = true;
            break;
        }
    }
    size_t got = want - d->bz.avail_out;
    if (d->in_eof && !d->done && got == 0 && !d->failed)
        d->failed = true; /* the input ended inside a stream */
    return got;
}

/* lz4 frames, one after another as `cat` joins them. */
static size_t lz4_read(dstream *d, unsigned char *out, size_t n)
{
    size_t got = 0;
    while (got < n && fill(d)) {
        size_t dst = n - got, src = d->in_len - d->in_off;
        d->lz_hint = LZ4F_decompress(d->lz, out + got, &dst, d->in + d->in_off, &src, NULL);
        d->in_off += src;
        got += dst;
        if (LZ4F_isError(d->lz_hint)) {
            d->failed = true;
            break;
        }
    }
    if (d->in_eof && d->lz_hint != 0 && got == 0 && !d->failed)
        d->failed = true; /* the input ended inside a frame */
    return got;
}

/* Up to n decompressed bytes (0 at the end or on an error: d->failed). */
static size_t decode_some(dstream *d, unsigned char *buf, size_t n)
{
    switch (d->kind) {
    case COMPRESSION_GZIP: return gzip_read(d, buf, n);
    case COMPRESSION_XZ: return xz_read(d, buf, n);
    case COMPRESSION_ZSTD: return zstd_read(d, buf, n);
    case COMPRESSION_BZIP2: return bzip2_read(d, buf, n);
    case COMPRESSION_LZ4: return lz4_read(d, buf, n);
    default: return raw_read(d, buf, n);
    }
}

static ssize_t d_read(void *cookie, char *buf, size_t n)
{
    dstream *d = cookie;
    if (d->head_off < d->head_len) { /* the tap saw them when they were read */
        size_t k = d->head_len - d->head_off < n ? d->head_len - d->head_off : n;
        memcpy(buf, d->head + d->head_off, k);
        d->head_off += k;
        return (ssize_t)k;
    }
    if (d->failed) {
        errno = EIO;
        return -1;
    }
    size_t got = decode_some(d, (unsigned char *)buf, n);
    if (got == 0 && d->failed) {
        errno = EIO;
        return -1;
    }
    pcapng_tap_feed(d->tap, (const unsigned char *)buf, got);
    return (ssize_t)got;
}

static int d_close(void *cookie)
{
    dstream *d = cookie;
    if (d->kind == COMPRESSION_GZIP)
        inflateEnd(&d->z);
    if (d->kind == COMPRESSION_XZ)
        lzma_end(&d->x);
    ZSTD_freeDStream(d->zs);
    if (d->bz_live)
        BZ2_bzDecompressEnd(&d->bz);
    if (d->lz)
        LZ4F_freeDecompressionContext(d->lz);
    int rc = d->raw ? fclose(d->raw) : 0;
    free(d->in);
    free(d);
    return rc;
}

FILE *decompress_open(FILE *raw, pcapng_tap *tap, compression *out_kind, unsigned char *head, size_t *head_len,
                      char **err)
{
    *err = NULL;
    dstream *d = calloc(1, sizeof(*d));
    if (!d || !(d->in = malloc(IN_CHUNK))) {
        free(d);
        *err = strdup("out of memory");
        return NULL;
    }
    d->raw = raw;
    d->tap = tap;
    while (d->peek_len < sizeof d->peek) { /* the magic number, however the pipe delivers it */
        ssize_t r = read(fileno(raw), d->peek + d->peek_len, sizeof d->peek - d->peek_len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        d->peek_len += (size_t)r;
    }
    d->kind = compression_of(d->peek, d->peek_len);
    bool ok = true;
    if (d->kind == COMPRESSION_GZIP)
        ok = inflateInit2(&d->z, 15 + 32) == Z_OK;
    else if (d->kind == COMPRESSION_XZ)
        ok = lzma_stream_decoder(&d->x, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
    else if (d->kind == COMPRESSION_ZSTD)
        ok = (d->zs = ZSTD_createDStream()) != NULL && !ZSTD_isError(ZSTD_initDStream(d->zs));
    else if (d->kind == COMPRESSION_BZIP2)
        ok = d->bz_live = BZ2_bzDecompressInit(&d->bz, 0, 0) == BZ_OK;
    else if (d->kind == COMPRESSION_LZ4)
        ok = !LZ4F_isError(LZ4F_createDecompressionContext(&d->lz, LZ4F_VERSION));
    d->zs_hint = d->lz_hint = 1; /* inside a frame until a decoder says otherwise */
    cookie_io_functions_t io = {.read = d_read, .close = d_close};
    FILE *f = ok ? fopencookie(d, "r", io) : NULL;
    if (!f) {
        *err = strdup(ok ? "out of memory" : "cannot set up the decompressor");
        if (d->kind == COMPRESSION_GZIP && ok)
            inflateEnd(&d->z);
        ZSTD_freeDStream(d->zs);
        if (d->bz_live)
            BZ2_bzDecompressEnd(&d->bz);
        if (d->lz)
            LZ4F_freeDecompressionContext(d->lz);
        free(d->in);
        free(d);
        return NULL;
    }
    /* the first bytes of what comes out: they tell pcap from pcapng */
    while (d->head_len < DECOMPRESS_HEAD) {
        size_t got = decode_some(d, d->head + d->head_len, DECOMPRESS_HEAD - d->head_len);
        if (got == 0)
            break;
        d->head_len += got;
    }
    if (d->head_len < DECOMPRESS_HEAD && d->kind != COMPRESSION_NONE) {
        *err = text_printf(d->failed ? "damaged %s data" : "the %s data holds no capture",
                           compression_name(d->kind));
        d->raw = NULL; /* the caller keeps it, as on every failure */
        fclose(f);
        return NULL;
    }
    pcapng_tap_feed(tap, d->head, d->head_len);
    memcpy(head, d->head, d->head_len);
    *head_len = d->head_len;
    *out_kind = d->kind;
    return f;
}
