#include "pcapng_tap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "secrets_block.h"

#define TAP_MAX_DSB (16u << 20) /* a larger DSB is skipped, not buffered */

typedef struct pending {
    struct pending *next;
    size_t len;
    uint8_t text[];
} pending;

struct pcapng_tap {
    bool off;           /* not pcapng, or the framing broke */
    bool started;       /* the first block (an SHB) was seen */
    bool be;            /* the section's byte order */
    uint8_t hdr[12];    /* the block header being gathered */
    size_t hdr_len;
    size_t skip;        /* bytes of the current block still to pass */
    uint8_t *body;      /* a DSB's body being gathered (NULL when skipping) */
    size_t body_len, body_have;
    pcapng_secrets_sink sink;
    void *ctx;
    pending *queue, *queue_tail; /* DSBs before a sink was set */
    size_t blocks;               /* DSBs of type TLS key log seen (pcapng_scan_file's answer) */
};

pcapng_tap *pcapng_tap_new(void) { return calloc(1, sizeof(pcapng_tap)); }

void pcapng_tap_free(pcapng_tap *t)
{
    if (!t)
        return;
    for (pending *p = t->queue, *n; p; p = n) {
        n = p->next;
        free(p);
    }
    free(t->body);
    free(t);
}

static void deliver(pcapng_tap *t, const uint8_t *text, size_t len)
{
    t->blocks++;
    if (t->sink) {
        t->sink(t->ctx, text, len);
        return;
    }
    pending *p = malloc(sizeof(*p) + len);
    if (!p)
        return;
    p->next = NULL;
    p->len = len;
    memcpy(p->text, text, len);
    if (t->queue_tail)
        t->queue_tail->next = p;
    else
        t->queue = p;
    t->queue_tail = p;
}

void pcapng_tap_set_sink(pcapng_tap *t, pcapng_secrets_sink sink, void *ctx)
{
    t->sink = sink;
    t->ctx = ctx;
    for (pending *p = t->queue, *n; p; p = n) {
        n = p->next;
        sink(ctx, p->text, p->len);
        free(p);
    }
    t->queue = t->queue_tail = NULL;
}

/* A whole DSB body (after the 8-byte header, trailing length included). */
static void dsb_done(pcapng_tap *t)
{
    cur_t c, secrets;
    cur_init(&c, t->body, t->body_len);
    uint32_t type;
    if (pcapng_parse_dsb(&c, t->be, &type, &secrets).status == DX_OK && type == PCAPNG_SECRETS_TLS)
        deliver(t, cur_ptr(&secrets), cur_remaining(&secrets));
    free(t->body);
    t->body = NULL;
}

/* The header of the next block is complete: decide what to do with its body. */
static void header_done(pcapng_tap *t)
{
    cur_t c;
    cur_init(&c, t->hdr, t->hdr_len);
    uint32_t type = 0, total = 0;
    if (t->hdr_len == 12) { /* a Section Header Block: its byte order first */
        if (pcapng_parse_shb_start(&c, &t->be, &total).status != DX_OK) {
            t->off = true;
            return;
        }
        t->started = true;
        t->skip = total - 12;
        return;
    }
    if (pcapng_parse_block_header(&c, t->be, &type, &total).status != DX_OK) {
        t->off = true;
        return;
    }
    if (type == PCAPNG_BT_DSB && total - 8 <= TAP_MAX_DSB) {
        t->body_len = total - 8;
        t->body_have = 0;
        t->body = malloc(t->body_len);
        if (!t->body) {
            t->skip = total - 8;
            return;
        }
        return;
    }
    t->skip = total - 8;
}

/* How many header bytes this block needs: 12 for a section header (whose
 * length is in the byte order told by bytes 8..11), else 8. */
static size_t header_need(const pcapng_tap *t)
{
    if (t->hdr_len < 4)
        return 4;
    uint32_t type_be = (uint32_t)t->hdr[0] << 24 | (uint32_t)t->hdr[1] << 16 | (uint32_t)t->hdr[2] << 8 | t->hdr[3];
    return type_be == PCAPNG_BT_SHB ? 12 : 8; /* the SHB type reads the same in both byte orders */
}

void pcapng_tap_feed(pcapng_tap *t, const uint8_t *p, size_t n)
{
    while (t && !t->off && n > 0) {
        if (t->skip) {
            size_t k = n < t->skip ? n : t->skip;
            t->skip -= k;
            p += k;
            n -= k;
            continue;
        }
        if (t->body) {
            size_t k = n < t->body_len - t->body_have ? n : t->body_len - t->body_have;
            memcpy(t->body + t->body_have, p, k);
            t->body_have += k;
            p += k;
            n -= k;
            if (t->body_have == t->body_len)
                dsb_done(t);
            continue;
        }
        size_t need = header_need(t);
        size_t k = need - t->hdr_len < n ? need - t->hdr_len : n;
        memcpy(t->hdr + t->hdr_len, p, k);
        t->hdr_len += k;
        p += k;
        n -= k;
        if (t->hdr_len < 4 || t->hdr_len < header_need(t))
            continue;
        if (!t->started && t->hdr_len != 12) {
            t->off = true; /* a pcapng stream starts with a section header: this is not one */
            return;
        }
        header_done(t);
        t->hdr_len = 0;
    }
}

int pcapng_scan_file(const char *path, pcapng_secrets_sink sink, void *ctx)
{
    struct stat sb;
    if (!path || strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    pcapng_tap *t = pcapng_tap_new();
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    if (!t || !buf) {
        free(buf);
        pcapng_tap_free(t);
        fclose(f);
        return -1;
    }
    pcapng_tap_set_sink(t, sink, ctx);
    size_t n, want = 4096;
    /* sequential reads, no seek per block; stops at once for anything not
     * pcapng (told by the first block: the first read is one page) */
    while (!t->off && (n = fread(buf, 1, want, f)) > 0) {
        pcapng_tap_feed(t, buf, n);
        want = CHUNK;
    }
    int found = (int)t->blocks;
    free(buf);
    pcapng_tap_free(t);
    fclose(f);
    return found;
}
