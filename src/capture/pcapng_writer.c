/* pcapng_writer.c — pcapng output in the host's byte order (the byte-order
 * magic in the section header tells readers which). */
#include "pcapng_writer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_DSB 0x0000000Au
#define SECRETS_TLS 0x544c534bu
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_COMMENT 1       /* opt_comment: UTF-8 text (Wireshark's frame.comment) */
#define OPT_EPB_PACKETID 5  /* epb_packetid: 64 bits (Wireshark's frame.packet_id) */

#define MAX_INTERFACES 64 /* link types in one file; a packet of one more is not written */

struct pcapng_writer {
    FILE *f;
    char *path;
    bool failed;
    int err_no;
    uint32_t snaplen;
    int links[MAX_INTERFACES]; /* interface i's link type: its IDB was written */
    size_t n_links;
};

static size_t pad4(size_t n) { return (4 - (n & 3)) & 3; }

static void put(pcapng_writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (fwrite(p, 1, n, w->f) != n) {
        w->failed = true;
        w->err_no = errno;
    }
}

static void put32(pcapng_writer *w, uint32_t v) { put(w, &v, 4); }

/* A block: type, total length, the body (head, then data padded to 4, then
 * opts: options already padded), length again. */
static void block_opts(pcapng_writer *w, uint32_t type, const void *head, size_t head_len, const void *data,
                       size_t data_len, const void *opts, size_t opts_len)
{
    static const uint8_t zeros[4];
    size_t total = 12 + head_len + data_len + pad4(data_len) + opts_len;
    put32(w, type);
    put32(w, (uint32_t)total);
    put(w, head, head_len);
    put(w, data, data_len);
    put(w, zeros, pad4(data_len));
    put(w, opts, opts_len);
    put32(w, (uint32_t)total);
}

static void block(pcapng_writer *w, uint32_t type, const void *head, size_t head_len, const void *data,
                  size_t data_len)
{
    block_opts(w, type, head, head_len, data, data_len, NULL, 0);
}

/* The interface of a link type, its IDB written when it is the first packet
 * of that type (an IDB may come anywhere before the packets that name it);
 * -1 past MAX_INTERFACES. */
static int interface_of(pcapng_writer *w, int linktype)
{
    for (size_t i = 0; i < w->n_links; i++)
        if (w->links[i] == linktype)
            return (int)i;
    if (w->n_links == MAX_INTERFACES)
        return -1;
    /* IDB: linktype (16 bits), reserved, snaplen; no options: timestamps in microseconds */
    uint32_t idb[2] = {(uint32_t)(linktype & 0xFFFF), w->snaplen};
    block(w, BT_IDB, idb, sizeof idb, NULL, 0);
    w->links[w->n_links] = linktype;
    return (int)w->n_links++;
}

pcapng_writer *pcapng_writer_open(const char *path, int linktype, uint32_t snaplen, char **err)
{
    *err = NULL;
    pcapng_writer *w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path))) {
        free(w);
        *err = strdup("out of memory");
        return NULL;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        if (asprintf(err, "cannot write '%s': %s", path, strerror(errno)) < 0)
            *err = NULL;
        free(w->path);
        free(w);
        return NULL;
    }
    /* SHB: magic, version 1.0, section length unknown (-1) */
    uint32_t shb[4] = {BYTE_ORDER_MAGIC, 1u | (0u << 16), 0xFFFFFFFFu, 0xFFFFFFFFu};
    block(w, BT_SHB, shb, sizeof shb, NULL, 0);
    w->snaplen = snaplen;
    (void)interface_of(w, linktype);
    return w;
}

int pcapng_writer_secrets(pcapng_writer *w, const char *text, size_t len)
{
    if (len == 0 || len > 0x7FFFFFF0u)
        return -1;
    uint32_t head[2] = {SECRETS_TLS, (uint32_t)len};
    block(w, BT_DSB, head, sizeof head, text, len);
    return w->failed ? -1 : 0;
}

/* One option (code, length, value padded to 4) at buf + *at; false when it does not fit. */
static bool add_option(uint8_t *buf, size_t cap, size_t *at, uint16_t code, const void *value, size_t len)
{
    if (len > 0xFFFFu || *at + 4 + len + pad4(len) > cap)
        return false;
    uint16_t hdr[2] = {code, (uint16_t)len};
    memcpy(buf + *at, hdr, 4);
    memcpy(buf + *at + 4, value, len);
    memset(buf + *at + 4 + len, 0, pad4(len));
    *at += 4 + len + pad4(len);
    return true;
}

int pcapng_writer_packet(pcapng_writer *w, const pcapng_out_packet *p)
{
    int ifid = interface_of(w, p->linktype);
    if (p->caplen > 0x7FFFFFF0u || ifid < 0)
        return -1;
    uint32_t head[5] = {(uint32_t)ifid, (uint32_t)(p->ts_us >> 32), (uint32_t)p->ts_us, (uint32_t)p->caplen,
                        (uint32_t)(p->wirelen > 0xFFFFFFFFu ? 0xFFFFFFFFu : p->wirelen)};
    uint8_t opts[320];
    size_t n = 0;
    bool ok = true;
    if (p->packet_id)
        ok = add_option(opts, sizeof opts, &n, OPT_EPB_PACKETID, &p->packet_id, 8);
    if (ok && p->comment)
        ok = add_option(opts, sizeof opts, &n, OPT_COMMENT, p->comment, strlen(p->comment));
    uint32_t end = 0; /* opt_endofopt */
    if (!ok)
        return -1;
    if (n) {
        memcpy(opts + n, &end, 4);
        n += 4;
    }
    block_opts(w, BT_EPB, head, sizeof head, p->data, p->caplen, opts, n);
    return w->failed ? -1 : 0;
}

int pcapng_writer_close(pcapng_writer *w, char **err)
{
    *err = NULL;
    if (!w)
        return 0;
    if (fclose(w->f) != 0 && !w->failed) {
        w->failed = true;
        w->err_no = errno;
    }
    int rc = 0;
    if (w->failed) {
        if (asprintf(err, "cannot write '%s': %s", w->path, strerror(w->err_no)) < 0)
            *err = NULL;
        rc = -1;
    }
    free(w->path);
    free(w);
    return rc;
}
