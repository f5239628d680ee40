/* pcapng_reader.c — pcapng blocks read one by one, packets handed out with
 * their own interface's link type (pcapng_reader.h). */
#include "pcapng_reader.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "secrets_block.h"
#include "text.h"

#define LINKTYPE_RAW 101       /* in files; DLT_RAW in libpcap's API */
#define OPT_END 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

typedef struct iface {
    int linktype;      /* a DLT_ value */
    uint32_t snaplen;  /* 0: none */
    uint8_t tsresol;   /* if_tsresol: 10^-n, or 2^-n when the top bit is set (default 6) */
    int64_t tsoffset;  /* if_tsoffset, seconds */
} iface;

struct pcapng_reader {
    FILE *f;
    uint8_t head[4];
    size_t head_len, head_off; /* bytes read before the reader was made, given back first */
    uint64_t offset;           /* of the next byte in the stream, for messages */
    bool in_section, be;
    iface *ifs;
    size_t n_ifs, cap_ifs;
    uint8_t *buf;              /* the current block, after its 8-byte header */
    size_t buf_cap;
};

pcapng_reader *pcapng_reader_new(FILE *f, const uint8_t *head, size_t head_len)
{
    pcapng_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->f = f;
    r->head_len = head_len > sizeof r->head ? sizeof r->head : head_len;
    if (r->head_len)
        memcpy(r->head, head, r->head_len);
    return r;
}

void pcapng_reader_free(pcapng_reader *r)
{
    if (!r)
        return;
    free(r->ifs);
    free(r->buf);
    free(r);
}

/* Up to n bytes: the given-back ones first, then the stream. */
static size_t get(pcapng_reader *r, uint8_t *dst, size_t n)
{
    size_t got = 0;
    while (got < n && r->head_off < r->head_len)
        dst[got++] = r->head[r->head_off++];
    if (got < n)
        got += fread(dst + got, 1, n - got, r->f);
    r->offset += got;
    return got;
}

static bool get_u32e(cur_t *c, bool be, uint32_t *v) { return be ? cur_get_u32(c, v) : cur_get_u32le(c, v); }

static bool get_u16e(cur_t *c, bool be, uint16_t *v) { return be ? cur_get_u16(c, v) : cur_get_u16le(c, v); }

/* A read that came up short: the stream's end inside a block, or an error. */
static int short_read(pcapng_reader *r, uint64_t block_at, size_t want, size_t got, char **err)
{
    if (ferror(r->f))
        *err = text_printf("read error in the pcapng block at byte %llu", (unsigned long long)block_at);
    else
        *err = text_printf("truncated capture: the pcapng block at byte %llu ends after %zu of its %zu bytes",
                           (unsigned long long)block_at, got, want);
    return -1;
}

static int damaged(uint64_t block_at, const char *why, char **err)
{
    *err = text_printf("damaged pcapng block at byte %llu: %s", (unsigned long long)block_at, why);
    return -1;
}

/* The rest of a block (total - 8 bytes: body and trailing length) into buf;
 * its trailing length must repeat the total. The body is buf[0, total - 12). */
static int read_body(pcapng_reader *r, uint64_t at, uint32_t total, size_t already, char **err)
{
    size_t need = total - 8;
    if (need > r->buf_cap) {
        uint8_t *nb = realloc(r->buf, need);
        if (!nb) {
            *err = text_printf("out of memory reading a pcapng block of %u bytes", total);
            return -1;
        }
        r->buf = nb;
        r->buf_cap = need;
    }
    size_t got = get(r, r->buf + already, need - already);
    if (got != need - already)
        return short_read(r, at, total, 8 + already + got, err);
    cur_t t;
    uint32_t trail;
    cur_init(&t, r->buf + need - 4, 4);
    if (!get_u32e(&t, r->be, &trail) || trail != total)
        return damaged(at, "its trailing length differs from its leading one", err);
    return 0;
}

/* Interface Description Block: link type, snap length, and the options that
 * change how its timestamps read. */
static int add_iface(pcapng_reader *r, cur_t *body, uint64_t at, char **err)
{
    uint16_t lt, reserved, code, len;
    uint32_t snaplen;
    if (!get_u16e(body, r->be, &lt) || !get_u16e(body, r->be, &reserved) || !get_u32e(body, r->be, &snaplen))
        return damaged(at, "interface description shorter than its fields", err);
    iface ifc = {lt == LINKTYPE_RAW ? DLT_RAW : lt, snaplen, 6, 0};
    while (cur_remaining(body) >= 4 && get_u16e(body, r->be, &code) && get_u16e(body, r->be, &len)) {
        cur_t v;
        if (code == OPT_END)
            break;
        if (!cur_get_sub(body, len, &v) || !cur_skip(body, (4 - (len & 3)) & 3))
            return damaged(at, "an interface option runs past the block", err);
        if (code == OPT_IF_TSRESOL && len == 1 && !cur_get_u8(&v, &ifc.tsresol))
            return damaged(at, "if_tsresol", err);
        uint32_t hi, lo;
        if (code == OPT_IF_TSOFFSET && len == 8) {
            bool ok = r->be ? get_u32e(&v, true, &hi) && get_u32e(&v, true, &lo)
                            : get_u32e(&v, false, &lo) && get_u32e(&v, false, &hi);
            if (!ok)
                return damaged(at, "if_tsoffset", err);
            ifc.tsoffset = (int64_t)((uint64_t)hi << 32 | lo);
        }
    }
    if ((ifc.tsresol & 0x80) ? (ifc.tsresol & 0x7f) > 63 : ifc.tsresol > 19)
        return damaged(at, "a timestamp resolution finer than 64 bits can count", err);
    if (r->n_ifs == r->cap_ifs) {
        size_t nc = r->cap_ifs ? r->cap_ifs * 2 : 4;
        iface *ni = realloc(r->ifs, nc * sizeof(*ni));
        if (!ni) {
            *err = text_printf("out of memory reading interface %zu", r->n_ifs);
            return -1;
        }
        r->ifs = ni;
        r->cap_ifs = nc;
    }
    r->ifs[r->n_ifs++] = ifc;
    return 0;
}

static uint64_t pow10u(unsigned n)
{
    uint64_t v = 1;
    while (n--)
        v *= 10;
    return v;
}

/* A timestamp in the interface's units, as microseconds since the epoch. */
static uint64_t to_us(const iface *ifc, uint64_t units)
{
    uint64_t us;
    if (ifc->tsresol & 0x80)
        us = (uint64_t)(((unsigned __int128)units * 1000000u) >> (ifc->tsresol & 0x7f));
    else if (ifc->tsresol >= 6)
        us = units / pow10u(ifc->tsresol - 6u);
    else
        us = units * pow10u(6u - ifc->tsresol);
    return us + (uint64_t)ifc->tsoffset * 1000000u;
}

/* The packet of an Enhanced (EPB), obsolete (PB) or Simple (SPB) Packet Block. */
static int packet_of(pcapng_reader *r, uint32_t type, cur_t *body, uint64_t at, pcapng_packet *out, char **err)
{
    uint32_t ifid = 0, hi = 0, lo = 0, caplen, wirelen;
    uint16_t if16, drops;
    bool ok;
    if (type == PCAPNG_BT_EPB)
        ok = get_u32e(body, r->be, &ifid) && get_u32e(body, r->be, &hi) && get_u32e(body, r->be, &lo) &&
             get_u32e(body, r->be, &caplen) && get_u32e(body, r->be, &wirelen);
    else if (type == PCAPNG_BT_PB)
        ok = get_u16e(body, r->be, &if16) && get_u16e(body, r->be, &drops) && get_u32e(body, r->be, &hi) &&
             get_u32e(body, r->be, &lo) && get_u32e(body, r->be, &caplen) && get_u32e(body, r->be, &wirelen) &&
             ((ifid = if16), true);
    else { /* SPB: the original length, then as many bytes as the block holds (up to the snap length) */
        ok = get_u32e(body, r->be, &wirelen);
        caplen = (uint32_t)(cur_remaining(body) < wirelen ? cur_remaining(body) : wirelen);
        if (ok && r->n_ifs && r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
            caplen = r->ifs[0].snaplen;
    }
    if (!ok)
        return damaged(at, "packet block shorter than its fields", err);
    if (ifid >= r->n_ifs)
        return damaged(at, "a packet of an interface the section did not describe", err);
    const uint8_t *data;
    if (!cur_get_bytes(body, caplen, &data))
        return damaged(at, "the packet's captured length runs past the block", err);
    const iface *ifc = &r->ifs[ifid];
    out->ts_us = to_us(ifc, (uint64_t)hi << 32 | lo);
    out->data = data;
    out->caplen = caplen;
    out->wirelen = wirelen;
    out->linktype = ifc->linktype;
    return 1;
}

int pcapng_reader_next(pcapng_reader *r, pcapng_packet *out, char **err)
{
    for (;;) {
        uint64_t at = r->offset;
        uint8_t hdr[12];
        size_t got = get(r, hdr, 8);
        if (got == 0 && !ferror(r->f))
            return 0;
        if (got != 8)
            return short_read(r, at, 8, got, err);
        cur_t c;
        uint32_t type, total;
        bool shb = hdr[0] == 0x0A && hdr[1] == 0x0D && hdr[2] == 0x0D && hdr[3] == 0x0A;
        if (shb) { /* a new section: its byte order, and no interface yet */
            if ((got = get(r, hdr + 8, 4)) != 4)
                return short_read(r, at, 12, 8 + got, err);
            cur_init(&c, hdr, 12);
            if (pcapng_parse_shb_start(&c, &r->be, &total).status != DX_OK)
                return damaged(at, "a section header with an unknown byte-order magic or length", err);
            if (read_body(r, at, total, 4, err) < 0)
                return -1;
            memcpy(r->buf, hdr + 8, 4); /* the magic, for the record: the body starts with it */
            r->in_section = true;
            r->n_ifs = 0;
            continue;
        }
        if (!r->in_section)
            return damaged(at, "the stream does not start with a section header", err);
        cur_init(&c, hdr, 8);
        if (pcapng_parse_block_header(&c, r->be, &type, &total).status != DX_OK)
            return damaged(at, "a block length that is not a multiple of 4 from 12 to 64 MiB", err);
        if (read_body(r, at, total, 0, err) < 0)
            return -1;
        cur_t body;
        cur_init(&body, r->buf, total - 12);
        if (type == PCAPNG_BT_IDB) {
            if (add_iface(r, &body, at, err) < 0)
                return -1;
        } else if (type == PCAPNG_BT_EPB || type == PCAPNG_BT_PB || type == PCAPNG_BT_SPB) {
            return packet_of(r, type, &body, at, out, err);
        }
    }
}
