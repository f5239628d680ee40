/* gen_corpus: build large benchmark captures from the real TLS flows in samples/pcaps.
 *
 * Every TCP connection of a template capture (Ethernet + IPv4) is replicated with a new
 * client address and port, server port 443, new initial sequence numbers, payload re-cut
 * to a 1448-byte MSS, IPv4 and TCP checksums recomputed, and timestamps kept at the
 * original capture time plus small offsets (so the certificates stay valid). Connections
 * start every `gap` microseconds and their packets are merged in time order, so many are
 * open at once. The "bulk" shape inserts synthetic TLS application_data records (correct
 * record framing, random bytes) from the server to the client after the handshake, just
 * before the client's close_notify.
 *
 * Next to the capture it writes a manifest (JSON) with the expected number of TLS
 * connections and the expected verdict counts, taken from the documented verdict of each
 * template (samples/README.md), never from mtlsdump's output.
 *
 * Usage: gen_corpus --samples DIR --out FILE.pcap --manifest FILE.json
 *                   [--shape heavy|bulk] [--instances N] [--bulk-bytes N]
 *                   [--concurrency N] [--seed N]
 */
#define _DEFAULT_SOURCE 1
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1448u
#define BULK_RECORD 16408u /* 2^14 bytes of plaintext + AEAD overhead: a legal ciphertext */
#define BULK_SEG_US 2u     /* spacing of bulk segments (about 5.8 Gbit/s per connection) */
#define MAX_STREAMS 2

enum { V_MTLS_OK, V_NO_CLIENT_AUTH, V_RESUMED, V_CERT_MISSING, V_CERT_REJECTED, V_KEY_MISMATCH,
       V_SERVER_REJECTED, V_NEGOTIATION, V_ABORTED, V_INCOMPLETE, V_ENCRYPTED, V_MALFORMED,
       V_COUNT };
static const char *const verdict_names[V_COUNT] = {
    "mtls_ok", "tls_ok_no_client_auth", "resumed", "client_cert_missing",
    "client_cert_rejected", "client_key_mismatch", "server_cert_rejected",
    "negotiation_failed", "aborted", "incomplete", "encrypted", "malformed"};

/* One template capture: its weight in each shape and the documented verdict of each
 * TCP stream, without key log (TLS 1.3: inferred from record sizes, `encrypted` when
 * they cannot tell) and with the key log. */
struct tmpl_def {
    const char *file;
    unsigned heavy_weight;
    unsigned bulk_weight;
    int nstreams;
    int verdict[MAX_STREAMS];
    int verdict_keys[MAX_STREAMS];
};

static const struct tmpl_def defs[] = {
    {"tls12-mtls-ok", 20, 30, 1, {V_MTLS_OK}, {V_MTLS_OK}},
    {"tls13-mtls-ok", 20, 30, 1, {V_ENCRYPTED}, {V_MTLS_OK}},
    {"tls12-nginx-mtls-ok", 5, 0, 1, {V_MTLS_OK}, {V_MTLS_OK}},
    {"gnutls-tls12-mtls-ok", 5, 0, 1, {V_MTLS_OK}, {V_MTLS_OK}},
    {"tls12-one-way", 8, 20, 1, {V_NO_CLIENT_AUTH}, {V_NO_CLIENT_AUTH}},
    {"tls13-one-way", 8, 20, 1, {V_NO_CLIENT_AUTH}, {V_NO_CLIENT_AUTH}},
    {"tls12-no-client-cert-openssl", 6, 0, 1, {V_CERT_MISSING}, {V_CERT_MISSING}},
    {"tls13-no-client-cert-openssl", 3, 0, 1, {V_CERT_MISSING}, {V_CERT_MISSING}},
    {"tls12-nginx-no-client-cert", 3, 0, 1, {V_CERT_MISSING}, {V_CERT_MISSING}},
    {"tls12-unknown-ca", 4, 0, 1, {V_CERT_REJECTED}, {V_CERT_REJECTED}},
    {"tls13-unknown-ca", 2, 0, 1, {V_CERT_REJECTED}, {V_CERT_REJECTED}},
    {"tls12-expired-client-cert", 2, 0, 1, {V_CERT_REJECTED}, {V_CERT_REJECTED}},
    {"tls12-key-mismatch", 2, 0, 1, {V_KEY_MISMATCH}, {V_KEY_MISMATCH}},
    {"tls12-missing-intermediate", 2, 0, 1, {V_SERVER_REJECTED}, {V_SERVER_REJECTED}},
    {"tls12-server-untrusted", 2, 0, 1, {V_SERVER_REJECTED}, {V_SERVER_REJECTED}},
    {"tls12-no-shared-cipher", 2, 0, 1, {V_NEGOTIATION}, {V_NEGOTIATION}},
    {"tls-version-mismatch", 1, 0, 1, {V_NEGOTIATION}, {V_NEGOTIATION}},
    {"tls12-resumption-ticket", 3, 0, 2, {V_MTLS_OK, V_RESUMED}, {V_MTLS_OK, V_RESUMED}},
    {"tls12-resumption-session-id", 2, 0, 2, {V_MTLS_OK, V_RESUMED}, {V_MTLS_OK, V_RESUMED}},
};
#define NDEFS (sizeof defs / sizeof defs[0])

struct tpkt {
    uint64_t t_us; /* relative to the template file's first packet */
    uint8_t dir;   /* 0 client->server, 1 server->client */
    uint8_t flags;
    uint16_t win;
    uint32_t seq, ack;
    const uint8_t *pl;
    uint32_t len;
};

struct tflow {
    struct tpkt *p;
    size_t n;
    uint32_t isn[2];
    size_t ins_idx;   /* bulk goes before this packet; n when not possible */
    uint32_t ins_seq; /* server's next sequence number at ins_idx (original space) */
    uint32_t ins_ack; /* client's next sequence number at ins_idx (original space) */
    uint64_t dur_us;
};

struct tmpl {
    const struct tmpl_def *def;
    uint8_t *data; /* all packet bytes of the file */
    struct tflow flow[MAX_STREAMS];
    uint64_t first_ts_us;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "gen_corpus: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        die("out of memory", NULL);
    return q;
}

/* Loads one template: Ethernet/IPv4/TCP packets grouped into TCP streams (by 4-tuple, in
 * order of first appearance), direction set by who sent the first SYN. */
static void tmpl_load(struct tmpl *t, const char *dir, const struct tmpl_def *def)
{
    char path[4096], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s.pcap", dir, def->file);
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        die(path, err);
    if (pcap_datalink(pc) != DLT_EN10MB)
        die("template is not Ethernet", path);
    memset(t, 0, sizeof *t);
    t->def = def;
    size_t cap = 1 << 16, used = 0;
    t->data = xrealloc(NULL, cap);
    struct { uint32_t a, b; uint16_t pa, pb; size_t cap; } key[MAX_STREAMS];
    int nkeys = 0;
    struct pcap_pkthdr *h;
    const u_char *d;
    int first = 1, rc;
    while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        if (first) {
            t->first_ts_us = ts;
            first = 0;
        }
        if (h->caplen != h->len || h->caplen < 14 + 20 + 20 || rd16(d + 12) != 0x0800)
            continue;
        const uint8_t *ip = d + 14;
        unsigned ihl = (ip[0] & 15u) * 4u, tot = rd16(ip + 2);
        if ((ip[0] >> 4) != 4 || ip[9] != 6 || tot > h->caplen - 14 || ihl < 20 || tot < ihl + 20)
            continue;
        const uint8_t *tcp = ip + ihl;
        unsigned doff = (tcp[12] >> 4) * 4u;
        if (doff < 20 || ihl + doff > tot)
            continue;
        uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
        uint16_t sp = rd16(tcp), dp = rd16(tcp + 2);
        int k, dirn = 0;
        for (k = 0; k < nkeys; k++) {
            if (key[k].a == src && key[k].b == dst && key[k].pa == sp && key[k].pb == dp) {
                dirn = 0;
                break;
            }
            if (key[k].a == dst && key[k].b == src && key[k].pa == dp && key[k].pb == sp) {
                dirn = 1;
                break;
            }
        }
        if (k == nkeys) {
            if (nkeys == def->nstreams)
                die("template has more TCP streams than its table row says", def->file);
            /* the SYN (or first packet) sender is the client */
            int syn_ack = (tcp[13] & 0x12) == 0x12;
            key[k].a = syn_ack ? dst : src;
            key[k].b = syn_ack ? src : dst;
            key[k].pa = syn_ack ? dp : sp;
            key[k].pb = syn_ack ? sp : dp;
            key[k].cap = 0;
            dirn = syn_ack;
            nkeys++;
        }
        struct tflow *f = &t->flow[k];
        if (f->n == key[k].cap) {
            key[k].cap = key[k].cap ? key[k].cap * 2 : 64;
            f->p = xrealloc(f->p, key[k].cap * sizeof *f->p);
        }
        uint32_t plen = tot - ihl - doff;
        while (used + plen > cap) {
            /* payload pointers are fixed up below: store offsets for now */
            cap *= 2;
            t->data = xrealloc(t->data, cap);
        }
        memcpy(t->data + used, tcp + doff, plen);
        struct tpkt *p = &f->p[f->n++];
        p->t_us = ts;
        p->dir = (uint8_t)dirn;
        p->flags = tcp[13];
        p->win = rd16(tcp + 14);
        p->seq = rd32(tcp + 4);
        p->ack = rd32(tcp + 8);
        p->pl = (const uint8_t *)(uintptr_t)used; /* offset, fixed up below */
        p->len = plen;
        used += plen;
    }
    if (rc != PCAP_ERROR_BREAK)
        die("reading template", pcap_geterr(pc));
    pcap_close(pc);
    if (nkeys != def->nstreams)
        die("template has fewer TCP streams than its table row says", def->file);
    for (int s = 0; s < nkeys; s++) {
        struct tflow *f = &t->flow[s];
        int have[2] = {0, 0};
        uint32_t next[2] = {0, 0};
        size_t first_fin = f->n;
        for (size_t i = 0; i < f->n; i++) {
            struct tpkt *p = &f->p[i];
            p->pl = t->data + (uintptr_t)p->pl;
            p->t_us -= t->first_ts_us;
            if (!have[p->dir]) {
                f->isn[p->dir] = (p->flags & 0x02) ? p->seq : p->seq - 1;
                have[p->dir] = 1;
            }
            if ((p->flags & 0x05) && first_fin == f->n)
                first_fin = i;
        }
        if (!have[0] || !have[1])
            die("template stream lacks a direction", def->file);
        f->dur_us = f->p[f->n - 1].t_us - f->p[0].t_us;
        /* bulk insertion point: the last client packet with payload before the first FIN/RST
         * (the client's close_notify) */
        f->ins_idx = f->n;
        for (size_t i = 0; i < first_fin; i++)
            if (f->p[i].dir == 0 && f->p[i].len > 0)
                f->ins_idx = i;
        if (f->ins_idx < f->n) {
            for (size_t i = 0; i < f->ins_idx; i++) {
                const struct tpkt *p = &f->p[i];
                uint32_t rel = p->seq + p->len + ((p->flags & 0x03) ? 1u : 0u) - f->isn[p->dir];
                if (rel > next[p->dir])
                    next[p->dir] = rel;
            }
            f->ins_seq = f->isn[1] + next[1];
            f->ins_ack = f->isn[0] + next[0];
        }
    }
}

/* One replicated TCP stream being written. */
struct gflow {
    uint64_t next_t; /* absolute time of the next packet */
    uint64_t start;
    uint32_t order;
    const struct tflow *f;
    size_t pi;
    uint32_t off;           /* bytes of packet pi already written */
    uint64_t bulk_left;     /* synthetic bytes still to write (server->client) */
    uint64_t bulk_total;
    uint32_t rec_left;      /* bytes left in the current synthetic record */
    uint32_t bulk_sent;     /* synthetic bytes written so far (for sequence numbers) */
    uint32_t bulk_segs;
    uint64_t shift_us;      /* delay added to packets after the bulk transfer */
    uint32_t isn_delta[2];
    uint32_t cip, sip;
    uint16_t cport, sport;
    uint16_t ipid[2];
    int ack_pending;        /* the client acknowledges every second bulk segment */
};

static void gflow_sched(struct gflow *g)
{
    if (g->ack_pending || g->bulk_left > 0)
        return; /* next_t already set by the bulk step */
    if (g->pi < g->f->n)
        g->next_t = g->start + g->f->p[g->pi].t_us + g->shift_us;
}

/* min-heap on (next_t, order) */
static struct gflow **heap;
static size_t heap_n;
static int heap_less(const struct gflow *a, const struct gflow *b)
{
    return a->next_t < b->next_t || (a->next_t == b->next_t && a->order < b->order);
}
static void heap_push(struct gflow *g)
{
    size_t i = heap_n++;
    heap[i] = g;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(heap[i], heap[p]))
            break;
        struct gflow *tmp = heap[i]; heap[i] = heap[p]; heap[p] = tmp;
        i = p;
    }
}
static void heap_fix_top(void)
{
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_n && heap_less(heap[l], heap[m])) m = l;
        if (r < heap_n && heap_less(heap[r], heap[m])) m = r;
        if (m == i)
            break;
        struct gflow *tmp = heap[i]; heap[i] = heap[m]; heap[m] = tmp;
        i = m;
    }
}
static void heap_pop(void)
{
    heap[0] = heap[--heap_n];
    heap_fix_top();
}

static FILE *out;
static uint64_t out_packets, out_bytes;

static uint16_t csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (i < n)
        s += (uint32_t)p[i] << 8;
    return s;
}

/* Writes one Ethernet/IPv4/TCP packet with correct checksums. dir 0 = client->server. */
static void emit(struct gflow *g, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                 uint16_t win, const uint8_t *pl, uint32_t len, uint64_t t)
{
    static uint8_t pkt[14 + 20 + 24 + 65536];
    int syn = (flags & 0x02) != 0;
    unsigned thl = syn ? 24 : 20;
    uint8_t *eth = pkt, *ip = pkt + 14, *tcp = ip + 20;
    static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x01}, mac_s[6] = {0x02, 0, 0, 0, 0, 0x02};
    memcpy(eth, dir ? mac_c : mac_s, 6);
    memcpy(eth + 6, dir ? mac_s : mac_c, 6);
    wr16(eth + 12, 0x0800);
    uint32_t src = dir ? g->sip : g->cip, dst = dir ? g->cip : g->sip;
    uint16_t sp = dir ? g->sport : g->cport, dp = dir ? g->cport : g->sport;
    ip[0] = 0x45; ip[1] = 0;
    wr16(ip + 2, (uint16_t)(20 + thl + len));
    wr16(ip + 4, g->ipid[dir]++);
    wr16(ip + 6, 0x4000);
    ip[8] = 64; ip[9] = 6;
    wr16(ip + 10, 0);
    wr32(ip + 12, src);
    wr32(ip + 16, dst);
    wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    wr16(tcp, sp);
    wr16(tcp + 2, dp);
    wr32(tcp + 4, seq);
    wr32(tcp + 8, ack);
    tcp[12] = (uint8_t)((thl / 4) << 4);
    tcp[13] = flags;
    wr16(tcp + 14, win);
    wr16(tcp + 16, 0);
    wr16(tcp + 18, 0);
    if (syn) {
        tcp[20] = 2; tcp[21] = 4;
        wr16(tcp + 22, MSS);
    }
    if (len)
        memcpy(tcp + thl, pl, len);
    uint8_t pseudo[12];
    wr32(pseudo, src);
    wr32(pseudo + 4, dst);
    pseudo[8] = 0; pseudo[9] = 6;
    wr16(pseudo + 10, (uint16_t)(thl + len));
    uint32_t s = csum_add(0, pseudo, 12);
    s = csum_add(s, tcp, thl + len);
    wr16(tcp + 16, csum_fold(s));
    uint32_t caplen = 14 + 20 + thl + len;
    uint8_t rec[16];
    uint32_t sec = (uint32_t)(t / 1000000u), usec = (uint32_t)(t % 1000000u);
    memcpy(rec, &sec, 4);
    memcpy(rec + 4, &usec, 4);
    memcpy(rec + 8, &caplen, 4);
    memcpy(rec + 12, &caplen, 4);
    if (fwrite(rec, 1, 16, out) != 16 || fwrite(pkt, 1, caplen, out) != caplen)
        die("write failed", NULL);
    out_packets++;
    out_bytes += 16 + caplen;
}

/* Writes the next packet of g; returns 0 when the stream is finished. */
static int gflow_step(struct gflow *g)
{
    const struct tflow *f = g->f;
    if (g->ack_pending) {
        emit(g, 0, 0x10, f->ins_ack + g->isn_delta[0], f->ins_seq + g->bulk_sent + g->isn_delta[1],
             512, NULL, 0, g->next_t);
        g->ack_pending = 0;
        if (g->bulk_left == 0) {
            g->shift_us = (uint64_t)g->bulk_segs * BULK_SEG_US;
            gflow_sched(g);
        } else {
            g->next_t += 1;
        }
        return 1;
    }
    if (g->bulk_left > 0) {
        static uint8_t buf[MSS];
        uint32_t n = 0;
        while (n < MSS && g->bulk_left > 0) {
            if (g->rec_left == 0) {
                /* a new record header, written whole: keep the record size so that a
                 * header never needs to straddle (the body can) */
                if (MSS - n < 5)
                    break;
                uint64_t body = g->bulk_left - 5;
                uint32_t blen = body > BULK_RECORD ? BULK_RECORD : (uint32_t)body;
                buf[n] = 23; buf[n + 1] = 3; buf[n + 2] = 3;
                wr16(buf + n + 3, (uint16_t)blen);
                n += 5;
                g->bulk_left -= 5;
                g->rec_left = blen;
                continue;
            }
            uint32_t take = MSS - n;
            if (take > g->rec_left) take = g->rec_left;
            for (uint32_t i = 0; i < take; i += 8) {
                uint64_t r = rng();
                uint32_t k = take - i < 8 ? take - i : 8;
                memcpy(buf + n + i, &r, k);
            }
            n += take;
            g->rec_left -= take;
            g->bulk_left -= take;
        }
        emit(g, 1, 0x18, f->ins_seq + g->bulk_sent + g->isn_delta[1], f->ins_ack + g->isn_delta[0],
             512, buf, n, g->next_t);
        g->bulk_sent += n;
        g->bulk_segs++;
        g->next_t += BULK_SEG_US;
        if ((g->bulk_segs & 1u) == 0 || g->bulk_left == 0) {
            g->ack_pending = 1;
            g->next_t -= 1;
        }
        return 1;
    }
    if (g->pi >= f->n)
        return 0;
    if (g->pi == f->ins_idx && g->bulk_total > 0 && g->bulk_sent == 0 && g->off == 0) {
        g->bulk_left = g->bulk_total;
        return gflow_step(g);
    }
    const struct tpkt *p = &f->p[g->pi];
    int dir = p->dir;
    uint32_t extra_seq = 0, extra_ack = 0;
    if (g->bulk_total > 0 && g->pi >= f->ins_idx) {
        if (dir == 1) extra_seq = g->bulk_sent;
        else extra_ack = g->bulk_sent;
    }
    uint32_t take = p->len - g->off;
    if (take > MSS) take = MSS;
    int last = g->off + take == p->len;
    uint8_t flags = p->flags;
    if (!last)
        flags &= (uint8_t)~0x09; /* FIN and PSH only on the last piece */
    uint32_t ack = (flags & 0x10) ? p->ack + g->isn_delta[!dir] + extra_ack : 0;
    emit(g, dir, flags, p->seq + g->off + g->isn_delta[dir] + extra_seq, ack, p->win,
         p->pl + g->off, take, g->next_t);
    if (last) {
        g->pi++;
        g->off = 0;
    } else {
        g->off += take;
    }
    gflow_sched(g);
    return g->pi < f->n;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_corpus --samples DIR --out FILE.pcap --manifest FILE.json\n"
                    "                  [--shape heavy|bulk] [--instances N] [--bulk-bytes N]\n"
                    "                  [--concurrency N] [--seed N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *samples = NULL, *outpath = NULL, *manifest = NULL, *shape = "heavy";
    unsigned long long instances = 10000, bulk_bytes = 400 * 1024, concurrency = 1000, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--samples")) samples = v;
        else if (!strcmp(a, "--out")) outpath = v;
        else if (!strcmp(a, "--manifest")) manifest = v;
        else if (!strcmp(a, "--shape")) shape = v;
        else if (!strcmp(a, "--instances")) instances = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--bulk-bytes")) bulk_bytes = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--concurrency")) concurrency = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else usage();
    }
    int bulk = !strcmp(shape, "bulk");
    if (!samples || !outpath || !manifest || (!bulk && strcmp(shape, "heavy")) || instances == 0 ||
        instances > (1u << 24) - 2 || concurrency == 0 || (bulk && bulk_bytes < 64))
        usage();
    rng_state ^= seed * 0x2545f4914f6cdd1dull;

    static struct tmpl t[NDEFS];
    unsigned wsum = 0;
    uint64_t base = 0, dur_sum = 0;
    for (size_t i = 0; i < NDEFS; i++) {
        tmpl_load(&t[i], samples, &defs[i]);
        unsigned w = bulk ? defs[i].bulk_weight : defs[i].heavy_weight;
        if (bulk && w && t[i].flow[0].ins_idx >= t[i].flow[0].n)
            die("bulk template has no insertion point", defs[i].file);
        wsum += w;
        dur_sum += (uint64_t)w * t[i].flow[defs[i].nstreams - 1].dur_us;
        if (t[i].first_ts_us > base)
            base = t[i].first_ts_us; /* the latest capture start: all certificates are valid */
    }
    uint64_t gap = dur_sum / wsum / concurrency;
    if (bulk)
        gap += (bulk_bytes / MSS + 1) * BULK_SEG_US / concurrency;
    if (gap == 0)
        gap = 1;

    out = fopen(outpath, "wb");
    if (!out)
        die("cannot create", outpath);
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    uint8_t gh[24];
    uint32_t magic = 0xa1b2c3d4, snap = 262144, link = 1;
    uint16_t vmaj = 2, vmin = 4;
    memset(gh, 0, sizeof gh);
    memcpy(gh, &magic, 4);
    memcpy(gh + 4, &vmaj, 2);
    memcpy(gh + 6, &vmin, 2);
    memcpy(gh + 16, &snap, 4);
    memcpy(gh + 20, &link, 4);
    if (fwrite(gh, 1, 24, out) != 24)
        die("write failed", NULL);

    uint64_t counts[V_COUNT] = {0}, counts_keys[V_COUNT] = {0}, per_tmpl[NDEFS] = {0};
    uint64_t connections = 0, handshake_bytes = 0;
    heap = xrealloc(NULL, sizeof *heap * (concurrency * 64 + 1024));
    size_t heap_cap = concurrency * 64 + 1024;
    uint64_t next_inst = 0;
    uint32_t order = 0;
    for (;;) {
        uint64_t next_start = base + next_inst * gap;
        if (next_inst < instances && (heap_n == 0 || next_start <= heap[0]->next_t)) {
            unsigned r = (unsigned)(rng() % wsum), k = 0;
            for (;; k++) {
                unsigned w = bulk ? defs[k].bulk_weight : defs[k].heavy_weight;
                if (r < w)
                    break;
                r -= w;
            }
            per_tmpl[k]++;
            uint32_t id = (uint32_t)next_inst + 1;
            for (int s = 0; s < defs[k].nstreams; s++) {
                struct gflow *g = calloc(1, sizeof *g);
                if (!g)
                    die("out of memory", NULL);
                g->f = &t[k].flow[s];
                g->start = next_start;
                g->order = order++;
                g->cip = 0x0a000000u | id;            /* 10.x.y.z, one per instance */
                g->sip = 0xc0a80001u | (uint32_t)k << 8; /* 192.168.<template>.1 */
                g->cport = (uint16_t)(20000 + (id * 7u + (uint32_t)s * 13u) % 40000u);
                g->sport = 443;
                g->isn_delta[0] = (uint32_t)rng() - g->f->isn[0];
                g->isn_delta[1] = (uint32_t)rng() - g->f->isn[1];
                g->ipid[0] = (uint16_t)rng();
                g->ipid[1] = (uint16_t)rng();
                g->bulk_total = (bulk && g->f->ins_idx < g->f->n) ? bulk_bytes : 0;
                if (g->bulk_total % (5 + BULK_RECORD) > 0 && g->bulk_total % (5 + BULK_RECORD) < 6)
                    g->bulk_total += 6; /* every record keeps a non-empty body */
                gflow_sched(g);
                if (heap_n == heap_cap) {
                    heap_cap *= 2;
                    heap = xrealloc(heap, sizeof *heap * heap_cap);
                }
                heap_push(g);
                connections++;
                counts[defs[k].verdict[s]]++;
                counts_keys[defs[k].verdict_keys[s]]++;
                for (size_t i = 0; i < g->f->n; i++)
                    handshake_bytes += g->f->p[i].len;
            }
            next_inst++;
            continue;
        }
        if (heap_n == 0)
            break;
        struct gflow *g = heap[0];
        if (gflow_step(g)) {
            heap_fix_top();
        } else {
            heap_pop();
            free(g);
        }
    }
    if (fclose(out) != 0)
        die("write failed", outpath);

    FILE *m = fopen(manifest, "w");
    if (!m)
        die("cannot create", manifest);
    fprintf(m, "{\n  \"shape\": \"%s\",\n  \"instances\": %llu,\n  \"connections\": %llu,\n",
            shape, instances, (unsigned long long)connections);
    fprintf(m, "  \"packets\": %llu,\n  \"file_bytes\": %llu,\n  \"template_payload_bytes\": %llu,\n",
            (unsigned long long)out_packets, (unsigned long long)out_bytes + 24,
            (unsigned long long)handshake_bytes);
    fprintf(m, "  \"bulk_bytes_per_connection\": %llu,\n  \"mss\": %u,\n  \"start_gap_us\": %llu,\n"
               "  \"concurrency\": %llu,\n  \"seed\": %llu,\n",
            bulk ? bulk_bytes : 0ull, MSS, (unsigned long long)gap, concurrency, seed);
    for (int pass = 0; pass < 2; pass++) {
        const uint64_t *c = pass ? counts_keys : counts;
        fprintf(m, "  \"%s\": {", pass ? "counts_with_keylog" : "counts");
        for (int v = 0; v < V_COUNT; v++)
            fprintf(m, "%s\"%s\": %llu", v ? ", " : "", verdict_names[v], (unsigned long long)c[v]);
        fprintf(m, "},\n");
    }
    fprintf(m, "  \"templates\": {");
    int firstt = 1;
    for (size_t i = 0; i < NDEFS; i++) {
        if (!per_tmpl[i])
            continue;
        fprintf(m, "%s\"%s\": %llu", firstt ? "" : ", ", defs[i].file, (unsigned long long)per_tmpl[i]);
        firstt = 0;
    }
    fprintf(m, "}\n}\n");
    if (fclose(m) != 0)
        die("write failed", manifest);
    for (size_t i = 0; i < NDEFS; i++) {
        for (int s = 0; s < MAX_STREAMS; s++)
            free(t[i].flow[s].p);
        free(t[i].data);
    }
    free(heap);
    return 0;
}
