/*
 * make_hostile.c — writes hostile captures for the tests in tests/hostile, and
 * sweeps every prefix of a capture through the engine in-process.
 *
 *   make_hostile gen OUTDIR SAMPLE.pcap     every scenario below into OUTDIR
 *   make_hostile synflood OUT.pcap SAMPLE N N half-open flows (SYN only), then SAMPLE
 *   make_hostile parallel OUT.pcap SAMPLE N N copies of SAMPLE's connection,
 *                                           new ports, packets interleaved
 *   make_hostile sweep SAMPLE.pcap CA.pem   every prefix of SAMPLE through
 *                                           the engine (text and JSON)
 *
 * Each scenario capture ends with a clean copy of SAMPLE's connection on its
 * own ports (client port 40000), so tests can check that analysis continues.
 * Packets are Ethernet + IPv4 + TCP written with pcap_open_dead/pcap_dump.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "decode.h"
#include "engine.h"

/* ------------------------------------------------------------ packets */

static pcap_dumper_t *g_dump;
static pcap_t *g_dead;
static uint64_t g_ts = 1700000000ull * 1000000ull;

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static void emit(uint32_t sip, uint32_t dip, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack,
                 uint8_t flags, const uint8_t *pl, size_t n, size_t caplen_override, size_t len_override)
{
    static uint8_t pkt[14 + 20 + 20 + 65536];
    if (n > 65000)
        abort();
    memset(pkt, 0, 54);
    pkt[5] = 2; pkt[11] = 1;
    put16(pkt + 12, 0x0800);
    uint8_t *ip = pkt + 14;
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(40 + n));
    ip[6] = 0x40;
    ip[8] = 64; ip[9] = 6;
    put32(ip + 12, sip); put32(ip + 16, dip);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
    uint8_t *tcp = ip + 20;
    put16(tcp, sport); put16(tcp + 2, dport);
    put32(tcp + 4, seq); put32(tcp + 8, ack);
    tcp[12] = 5 << 4; tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (n)
        memcpy(tcp + 20, pl, n);
    struct pcap_pkthdr h;
    g_ts += 10;
    h.ts.tv_sec = (time_t)(g_ts / 1000000u);
    h.ts.tv_usec = (suseconds_t)(g_ts % 1000000u);
    h.caplen = (bpf_u_int32)(caplen_override ? caplen_override : 54 + n);
    h.len = (bpf_u_int32)(len_override ? len_override : 54 + n);
    pcap_dump((u_char *)g_dump, &h, pkt);
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

typedef struct conn {
    uint32_t cip, sip;
    unsigned cport, sport;
    uint32_t cseq, sseq; /* next sequence number per side */
} conn;

static void conn_open(conn *c, unsigned cport)
{
    c->cip = 0x0a000001; c->sip = 0x0a000002;
    c->cport = cport; c->sport = 443;
    c->cseq = 1000; c->sseq = 5000;
    emit(c->cip, c->sip, c->cport, c->sport, c->cseq++, 0, F_SYN, NULL, 0, 0, 0);
    emit(c->sip, c->cip, c->sport, c->cport, c->sseq++, c->cseq, F_SYN | F_ACK, NULL, 0, 0, 0);
    emit(c->cip, c->sip, c->cport, c->sport, c->cseq, c->sseq, F_ACK, NULL, 0, 0, 0);
}

/* Send bytes from one side in segments of up to 1400 bytes. */
static void conn_send(conn *c, bool from_client, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k = n > 1400 ? 1400 : n;
        if (from_client) {
            emit(c->cip, c->sip, c->cport, c->sport, c->cseq, c->sseq, F_ACK | F_PSH, p, k, 0, 0);
            c->cseq += (uint32_t)k;
        } else {
            emit(c->sip, c->cip, c->sport, c->cport, c->sseq, c->cseq, F_ACK | F_PSH, p, k, 0, 0);
            c->sseq += (uint32_t)k;
        }
        p += k;
        n -= k;
    }
}

static void conn_close(conn *c)
{
    emit(c->cip, c->sip, c->cport, c->sport, c->cseq++, c->sseq, F_FIN | F_ACK, NULL, 0, 0, 0);
    emit(c->sip, c->cip, c->sport, c->cport, c->sseq++, c->cseq, F_FIN | F_ACK, NULL, 0, 0, 0);
}

/* -------------------------------------------------------- the sample */

typedef struct spkt {
    bool from_client;
    uint32_t seq, ack;
    uint8_t flags;
    uint8_t *payload;
    size_t len;
} spkt;

static spkt *g_sample;
static size_t g_sample_n;

static void load_sample(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) {
        fprintf(stderr, "make_hostile: %s\n", err);
        exit(2);
    }
    decoder_t *d = decoder_new(pcap_datalink(p), NULL);
    struct pcap_pkthdr *h;
    const u_char *pkt;
    unsigned client_port = 0;
    while (d && pcap_next_ex(p, &h, &pkt) == 1) {
        decoded_pkt dp;
        if (decode_packet(d, 0, pkt, h->caplen, h->len, &dp).status != DX_OK)
            continue;
        if (!client_port) {
            client_port = dp.sport; /* the first packet is the client's SYN */
            g_ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        }
        spkt *nb = realloc(g_sample, (g_sample_n + 1) * sizeof(*g_sample));
        if (!nb)
            abort();
        g_sample = nb;
        spkt *s = &g_sample[g_sample_n++];
        s->from_client = dp.sport == client_port;
        s->seq = dp.seq; s->ack = dp.ack; s->flags = dp.flags;
        s->len = dp.payload_len;
        s->payload = malloc(s->len ? s->len : 1);
        if (!s->payload)
            abort();
        memcpy(s->payload, dp.payload, s->len);
    }
    decoder_free(d);
    pcap_close(p);
}

/* Packet i of the sample's connection, replayed on client port `cport`. */
static void sample_packet(size_t i, uint32_t cip, unsigned cport)
{
    const spkt *s = &g_sample[i];
    uint32_t sip = 0x0a000002;
    if (s->from_client)
        emit(cip, sip, cport, 443, s->seq, s->ack, s->flags, s->payload, s->len, 0, 0);
    else
        emit(sip, cip, 443, cport, s->seq, s->ack, s->flags, s->payload, s->len, 0, 0);
}

static void good_connection(void)
{
    for (size_t i = 0; i < g_sample_n; i++)
        sample_packet(i, 0x0a000001, 40000);
}

/* First handshake message of the given type sent by a side, with its 4-byte header. */
static uint8_t *sample_hs_stream(bool from_client, size_t *out_len)
{
    size_t cap = 0;
    for (size_t i = 0; i < g_sample_n; i++)
        cap += g_sample[i].len;
    uint8_t *buf = malloc(cap + 1);
    size_t n = 0;
    for (size_t i = 0; i < g_sample_n && buf; i++)
        if (g_sample[i].from_client == from_client) {
            memcpy(buf + n, g_sample[i].payload, g_sample[i].len);
            n += g_sample[i].len;
        }
    *out_len = n;
    return buf;
}

/* -------------------------------------------------------- builders */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void b_put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 4096);
        while (nc < b->n + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        if (!b->p)
            abort();
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void b_u8(buf *b, unsigned v) { uint8_t x = (uint8_t)v; b_put(b, &x, 1); }
static void b_u16(buf *b, unsigned v) { b_u8(b, v >> 8); b_u8(b, v); }
static void b_u24(buf *b, uint32_t v) { b_u8(b, v >> 16); b_u16(b, v & 0xffff); }

/* Wrap a handshake stream into TLS records of at most 16384 bytes. */
static buf records(uint8_t type, const uint8_t *p, size_t n)
{
    buf r = {0};
    do {
        size_t k = n > 16384 ? 16384 : n;
        b_u8(&r, type); b_u16(&r, 0x0303); b_u16(&r, (unsigned)k);
        b_put(&r, p, k);
        p += k;
        n -= k;
    } while (n > 0);
    return r;
}

/* A plausible ClientHello handshake message; ext = raw extensions block body. */
static buf client_hello(const uint8_t *ext, size_t ext_len)
{
    buf body = {0};
    b_u16(&body, 0x0303);
    for (int i = 0; i < 32; i++)
        b_u8(&body, i);
    b_u8(&body, 0);
    b_u16(&body, 4); b_u16(&body, 0xc02f); b_u16(&body, 0x1301);
    b_u8(&body, 1); b_u8(&body, 0);
    b_u16(&body, (unsigned)ext_len);
    b_put(&body, ext, ext_len);
    buf m = {0};
    b_u8(&m, 1); b_u24(&m, (uint32_t)body.n);
    b_put(&m, body.p, body.n);
    free(body.p);
    return m;
}

static buf server_hello(void)
{
    buf body = {0};
    b_u16(&body, 0x0303);
    for (int i = 0; i < 32; i++)
        b_u8(&body, 0x40 + i);
    b_u8(&body, 0);
    b_u16(&body, 0xc02f);
    b_u8(&body, 0);
    b_u16(&body, 0);
    buf m = {0};
    b_u8(&m, 2); b_u24(&m, (uint32_t)body.n);
    b_put(&m, body.p, body.n);
    free(body.p);
    return m;
}

/* A TLS 1.2 Certificate message from a list of raw entries. */
static buf certificate_msg(const buf *entries)
{
    buf m = {0};
    b_u8(&m, 11); b_u24(&m, (uint32_t)(entries->n + 3));
    b_u24(&m, (uint32_t)entries->n);
    b_put(&m, entries->p, entries->n);
    return m;
}

/* ClientHello, ServerHello + the given server messages on one connection. */
static void server_flight(unsigned cport, const buf *server_msgs)
{
    conn c;
    conn_open(&c, cport);
    buf ch = client_hello(NULL, 0);
    buf r = records(22, ch.p, ch.n);
    conn_send(&c, true, r.p, r.n);
    free(ch.p); free(r.p);
    buf sh = server_hello();
    b_put(&sh, server_msgs->p, server_msgs->n);
    r = records(22, sh.p, sh.n);
    conn_send(&c, false, r.p, r.n);
    free(sh.p); free(r.p);
    conn_close(&c);
}

static void open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    g_dead = dead;
    g_dump = pcap_dump_open(dead, path);
    if (!g_dump) {
        fprintf(stderr, "make_hostile: %s: %s\n", path, pcap_geterr(dead));
        exit(2);
    }
}

static void close_out(void)
{
    good_connection();
    pcap_dump_close(g_dump);
    pcap_close(g_dead);
    g_dump = NULL;
}

static void gen_all(const char *dir)
{
    conn c;
    buf ch, r, m, e;

    /* caplen larger than len, then caplen smaller than the headers */
    open_out(dir, "caplen-gt-len");
    conn_open(&c, 1001);
    ch = client_hello(NULL, 0);
    r = records(22, ch.p, ch.n);
    emit(c.cip, c.sip, c.cport, c.sport, c.cseq, c.sseq, F_ACK | F_PSH, r.p, r.n, 54 + r.n, 40);
    emit(c.cip, c.sip, c.cport, c.sport, c.cseq, c.sseq, F_ACK | F_PSH, r.p, r.n, 20, 54 + r.n);
    free(ch.p); free(r.p);
    close_out();

    /* zero-length records of every type, then a 64 KiB record length */
    open_out(dir, "zero-length-records");
    conn_open(&c, 1002);
    {
        uint8_t z[] = {22, 3, 3, 0, 0, 21, 3, 3, 0, 0, 20, 3, 3, 0, 0, 23, 3, 3, 0, 0, 22, 3, 3, 0xff, 0xff};
        conn_send(&c, true, z, sizeof(z));
    }
    conn_close(&c);
    close_out();

    /* a 16 MiB handshake message announced and sent (records of 16 KiB) */
    open_out(dir, "huge-handshake-16mib");
    conn_open(&c, 1003);
    {
        size_t n = (16u << 20) - 1;
        uint8_t *hs = calloc(1, n + 4);
        hs[0] = 11; hs[1] = 0xff; hs[2] = 0xff; hs[3] = 0xff;
        r = records(22, hs, n + 4);
        conn_send(&c, true, r.p, r.n);
        free(hs); free(r.p);
    }
    conn_close(&c);
    close_out();

    /* record and handshake lengths pointing past everything */
    open_out(dir, "length-past-end");
    conn_open(&c, 1004);
    {
        uint8_t rec[] = {22, 3, 3, 0x40, 0x00, 1, 0, 0, 10, 3, 3};
        conn_send(&c, true, rec, sizeof(rec));
    }
    conn_close(&c);
    conn_open(&c, 1005);
    {
        uint8_t rec[] = {22, 3, 3, 0, 8, 1, 0xff, 0xff, 0xff, 3, 3, 0, 0};
        conn_send(&c, true, rec, sizeof(rec));
    }
    conn_close(&c);
    close_out();

    /* Certificate with 10,000 entries */
    open_out(dir, "cert-10000-entries");
    e = (buf){0};
    for (int i = 0; i < 10000; i++) {
        b_u24(&e, 4);
        b_u8(&e, 0x30); b_u8(&e, 2); b_u8(&e, 5); b_u8(&e, 0);
    }
    m = certificate_msg(&e);
    server_flight(1006, &m);
    free(e.p); free(m.p);
    close_out();

    /* Certificate with one 1 MiB entry */
    open_out(dir, "cert-1mib-entry");
    e = (buf){0};
    {
        size_t n = 1u << 20;
        uint8_t *der = calloc(1, n);
        der[0] = 0x30; der[1] = 0x83; der[2] = (uint8_t)((n - 5) >> 16); der[3] = (uint8_t)((n - 5) >> 8);
        der[4] = (uint8_t)(n - 5);
        b_u24(&e, (uint32_t)n);
        b_put(&e, der, n);
        free(der);
    }
    m = certificate_msg(&e);
    server_flight(1007, &m);
    free(e.p); free(m.p);
    close_out();

    /* DER garbage, deep nesting and huge inner lengths inside a Certificate */
    open_out(dir, "cert-bad-der");
    e = (buf){0};
    {
        uint8_t g[64];
        for (size_t i = 0; i < sizeof(g); i++)
            g[i] = (uint8_t)(i * 37 + 11);
        b_u24(&e, sizeof(g)); b_put(&e, g, sizeof(g));
        buf nest = {0};
        for (int i = 0; i < 20000; i++) {
            b_u8(&nest, 0x30); b_u8(&nest, 0x80);
        }
        b_u24(&e, (uint32_t)nest.n); b_put(&e, nest.p, nest.n);
        free(nest.p);
        uint8_t huge[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x88, 0xff, 0xff, 0xff, 0xff,
                          0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00};
        b_u24(&e, sizeof(huge)); b_put(&e, huge, sizeof(huge));
        uint8_t empty[] = {0x30, 0x00};
        b_u24(&e, sizeof(empty)); b_put(&e, empty, sizeof(empty));
    }
    m = certificate_msg(&e);
    server_flight(1008, &m);
    free(e.p); free(m.p);
    close_out();

    /* ClientHello with 5,000 extensions, and one with 30,000 supported groups */
    open_out(dir, "many-extensions");
    conn_open(&c, 1009);
    e = (buf){0};
    for (unsigned i = 0; i < 5000; i++) {
        b_u16(&e, 0x7000 + i); b_u16(&e, 0);
    }
    ch = client_hello(e.p, e.n);
    r = records(22, ch.p, ch.n);
    conn_send(&c, true, r.p, r.n);
    free(ch.p); free(r.p); free(e.p);
    conn_close(&c);
    conn_open(&c, 1010);
    e = (buf){0};
    b_u16(&e, 10); b_u16(&e, 2 + 2 * 30000); b_u16(&e, 2 * 30000);
    for (unsigned i = 0; i < 30000; i++)
        b_u16(&e, 0x0a0a + i);
    ch = client_hello(e.p, e.n);
    r = records(22, ch.p, ch.n);
    conn_send(&c, true, r.p, r.n);
    free(ch.p); free(r.p); free(e.p);
    conn_close(&c);
    close_out();

    /* TCP sequence jumping by 2^31 in the middle of a ClientHello */
    open_out(dir, "seq-jump");
    conn_open(&c, 1011);
    ch = client_hello(NULL, 0);
    r = records(22, ch.p, ch.n);
    conn_send(&c, true, r.p, 20);
    c.cseq += 0x80000000u;
    conn_send(&c, true, r.p + 20, r.n - 20);
    c.cseq -= 0x80000000u;
    conn_send(&c, true, r.p + 20, r.n - 20);
    free(ch.p); free(r.p);
    conn_close(&c);
    close_out();

    /* overlapping segments with different content */
    open_out(dir, "overlap-conflict");
    conn_open(&c, 1012);
    e = (buf){0};
    b_u16(&e, 21); b_u16(&e, 200);
    for (int i = 0; i < 200; i++)
        b_u8(&e, 0);
    ch = client_hello(e.p, e.n);
    free(e.p);
    r = records(22, ch.p, ch.n);
    {
        uint8_t *alt = malloc(r.n);
        memcpy(alt, r.p, r.n);
        for (size_t i = 10; i < r.n; i++)
            alt[i] ^= 0x5a;
        uint32_t s0 = c.cseq;
        emit(c.cip, c.sip, c.cport, c.sport, s0 + 30, c.sseq, F_ACK, alt + 30, 40, 0, 0);
        emit(c.cip, c.sip, c.cport, c.sport, s0, c.sseq, F_ACK, r.p, 50, 0, 0);
        emit(c.cip, c.sip, c.cport, c.sport, s0 + 20, c.sseq, F_ACK, alt + 20, r.n - 20, 0, 0);
        emit(c.cip, c.sip, c.cport, c.sport, s0, c.sseq, F_ACK, r.p, r.n, 0, 0);
        c.cseq += (uint32_t)r.n;
        free(alt);
    }
    free(ch.p); free(r.p);
    conn_close(&c);
    close_out();

    /* terminal escapes in the SNI: OSC title, SGR colour, bidi override */
    open_out(dir, "sni-escapes");
    conn_open(&c, 1013);
    {
        const char host[] = "evil\x1b]0;pwned\x07\x1b[31mred\xe2\x80\xae" "exe.test";
        size_t hl = sizeof(host) - 1;
        e = (buf){0};
        b_u16(&e, 0); b_u16(&e, (unsigned)(hl + 5)); b_u16(&e, (unsigned)(hl + 3));
        b_u8(&e, 0); b_u16(&e, (unsigned)hl); b_put(&e, host, hl);
        ch = client_hello(e.p, e.n);
        r = records(22, ch.p, ch.n);
        conn_send(&c, true, r.p, r.n);
        free(ch.p); free(r.p); free(e.p);
    }
    conn_close(&c);
    close_out();

    (void)sample_hs_stream;
}

static void synflood(const char *path, unsigned long n)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    g_dead = dead;
    g_dump = pcap_dump_open(dead, path);
    if (!g_dump)
        exit(2);
    for (unsigned long i = 0; i < n; i++) {
        uint32_t cip = 0x0b000000u + (uint32_t)(i / 50000);
        emit(cip, 0x0a000002, 10000 + (unsigned)(i % 50000), 443, (uint32_t)i * 7919u, 0, F_SYN, NULL, 0, 0, 0);
    }
    good_connection();
    pcap_dump_close(g_dump);
    pcap_close(g_dead);
}

static void parallel(const char *path, unsigned long n)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    g_dead = dead;
    g_dump = pcap_dump_open(dead, path);
    if (!g_dump)
        exit(2);
    /* packet i of every copy before packet i+1 of any: all n handshakes open at once */
    for (size_t i = 0; i < g_sample_n; i++)
        for (unsigned long k = 0; k < n; k++)
            sample_packet(i, 0x0c000000u + (uint32_t)(k / 40000), 20000 + (unsigned)(k % 40000));
    pcap_dump_close(g_dump);
    pcap_close(g_dead);
}

/* ------------------------------------------------------------ sweep */

static int sweep(const char *path, const char *ca)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 2;
    static uint8_t data[1 << 20];
    size_t size = fread(data, 1, sizeof(data), f);
    fclose(f);
    FILE *null = fopen("/dev/null", "w");
    size_t max_conn = 0, ran = 0;
    for (size_t len = 0; len <= size; len++) {
        {
            int json = (int)(len & 1); /* text and JSON reporters on alternate offsets */
            uint8_t *copy = malloc(len ? len : 1);
            memcpy(copy, data, len);
            FILE *mf = len ? fmemopen(copy, len, "rb") : NULL;
            char err[PCAP_ERRBUF_SIZE];
            pcap_t *p = mf ? pcap_fopen_offline(mf, err) : NULL;
            if (!p && mf)
                fclose(mf);
            if (p) {
                mtls_config cfg;
                memset(&cfg, 0, sizeof(cfg));
                cfg.read_file = path;
                cfg.format = json ? "json" : "text";
                cfg.color = COLOR_NEVER;
                cfg.ca = ca;
                cfg.max_flows = 64; /* one connection: a small table keeps each run cheap */
                cfg.max_flow_bytes = MTLS_DEFAULT_MAX_FLOW_BYTES;
                cfg.max_memory = MTLS_DEFAULT_MAX_MEMORY;
                cfg.idle_timeout_us = MTLS_DEFAULT_IDLE_TIMEOUT_US;
                char *e = NULL;
                engine_t *eng = engine_new_front(&cfg, pcap_datalink(p), null, false, &e);
                free(e);
                if (!eng) {
                    fprintf(stderr, "sweep: engine_new_front failed\n");
                    return 1;
                }
                struct pcap_pkthdr *h;
                const u_char *pkt;
                while (pcap_next_ex(p, &h, &pkt) == 1)
                    engine_packet(eng, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec, pkt,
                                  h->caplen, h->len);
                engine_finish(eng);
                engine_stats st;
                engine_get_stats(eng, &st);
                /* a longer prefix never reports fewer connections */
                if (st.reported < max_conn) {
                    fprintf(stderr, "sweep: prefix %zu reported %llu connections, a shorter one %zu\n", len,
                            (unsigned long long)st.reported, max_conn);
                    return 1;
                }
                max_conn = st.reported;
                engine_free(eng);
                pcap_close(p);
                ran++;
            }
            free(copy);
        }
    }
    fclose(null);
    printf("sweep: prefixes of %zu bytes (%zu offsets), %zu engine runs, %zu connection(s) at full length\n", size, size + 1,
           ran, max_conn);
    return max_conn > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "gen") == 0) {
        load_sample(argv[3]);
        gen_all(argv[2]);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "synflood") == 0) {
        load_sample(argv[3]);
        synflood(argv[2], strtoul(argv[4], NULL, 10));
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "parallel") == 0) {
        load_sample(argv[3]);
        parallel(argv[2], strtoul(argv[4], NULL, 10));
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "sweep") == 0)
        return sweep(argv[2], argv[3]);
    fprintf(stderr, "usage: make_hostile gen DIR SAMPLE | synflood OUT SAMPLE N | parallel OUT SAMPLE N | sweep SAMPLE CA\n");
    return 2;
}
