/*
 * make_seeds.c — builds the seed corpora of the fuzz targets from the
 * committed sample captures, at build time, into the build directory.
 *
 *   make_seeds OUTDIR SAMPLES_DIR
 *
 * For every each capture in samples/pcaps: the TCP payload of each direction is
 * concatenated in capture order (retransmissions skipped by sequence number),
 * then walked record by record. Written files:
 *   OUTDIR/record/        each direction's stream prefix and each record
 *   OUTDIR/hello/         selector + ClientHello / ServerHello bodies
 *   OUTDIR/certificate/   selector + Certificate, CertificateRequest,
 *                         CertificateVerify, Server/ClientKeyExchange, Finished
 *   OUTDIR/alert_misc/    selector + alert fragments, NewSessionTicket, ...
 *   OUTDIR/pipeline/      the captures themselves (up to 64 KiB each)
 *   OUTDIR/keylog/        the key logs of samples/keylogs
 *   OUTDIR/pcapng/        the pcapng captures of samples/pcaps (Decryption Secrets Blocks)
 *   OUTDIR/app_reply/     empty (its seeds are committed in tests/fuzz/seeds/app_reply)
 * Selector bytes follow the input formats documented in each fuzz_*.c.
 * Only plaintext messages are extracted (TLS 1.3 after ServerHello is left to
 * the pipeline target, which has the key logs).
 */
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "tls_handshake.h"
#include "tls_key_exchange.h"
#include "tls_record.h"

#define MAX_STREAMS 64
#define STREAM_CAP (256u << 10)

typedef struct stream {
    uint8_t key[38];
    uint32_t next_seq;
    bool have_seq;
    uint8_t *buf;
    size_t len;
} stream;

static const char *g_out;
static unsigned g_count;

static void write_seed(const char *target, const char *tag, uint8_t sel, bool with_sel, const uint8_t *p,
                       size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s-%04u", g_out, target, tag, g_count++);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (with_sel)
        fputc(sel, f);
    if (n && fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static void copy_file(const char *from, const char *target, const char *name, size_t max)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        return;
    uint8_t *buf = malloc(max);
    size_t n = buf ? fread(buf, 1, max, f) : 0;
    int more = fgetc(f);
    fclose(f);
    if (buf && more == EOF) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s/%s", g_out, target, name);
        FILE *o = fopen(path, "wb");
        if (o) {
            fwrite(buf, 1, n, o);
            fclose(o);
        }
    }
    free(buf);
}

static void handshake_msgs(const uint8_t *p, size_t n, const char *tag)
{
    cur_t c;
    cur_init(&c, p, n);
    while (!cur_at_end(&c)) {
        uint8_t type;
        cur_t body;
        if (tls_hs_parse(&c, &type, &body).status != DX_OK)
            return;
        const uint8_t *b = cur_ptr(&body);
        size_t bl = cur_remaining(&body);
        switch (type) {
        case TLS_HS_CLIENT_HELLO: write_seed("hello", tag, 0, true, b, bl); break;
        case TLS_HS_SERVER_HELLO: write_seed("hello", tag, 1, true, b, bl); break;
        case TLS_HS_CERTIFICATE:
        case TLS_HS_CERTIFICATE_REQUEST:
        case TLS_HS_CERTIFICATE_VERIFY:
        case TLS_HS_FINISHED:
            write_seed("certificate", tag, 2 | (TLS_KX_ECDHE << 2), true, b, bl);
            break;
        case TLS_HS_SERVER_KEY_EXCHANGE:
        case TLS_HS_CLIENT_KEY_EXCHANGE:
            write_seed("certificate", tag, 2 | (TLS_KX_ECDHE << 2), true, b, bl);
            write_seed("certificate", tag, 2 | (TLS_KX_RSA << 2), true, b, bl);
            write_seed("certificate", tag, 2 | (TLS_KX_DHE << 2), true, b, bl);
            break;
        case TLS_HS_NEW_SESSION_TICKET:
        case TLS_HS_ENCRYPTED_EXTENSIONS:
        case TLS_HS_KEY_UPDATE:
        case TLS_HS_SERVER_HELLO_DONE:
            write_seed("alert_misc", tag, 0, true, b, bl);
            break;
        default: break;
        }
    }
}

static void walk_stream(const stream *s, const char *tag)
{
    if (s->len == 0)
        return;
    write_seed("record", tag, 0, false, s->buf, s->len < 16384 ? s->len : 16384);
    uint8_t *hs = malloc(s->len);
    size_t hl = 0;
    bool ccs = false;
    cur_t c;
    cur_init(&c, s->buf, s->len);
    while (!cur_at_end(&c) && hs) {
        const uint8_t *start = cur_ptr(&c);
        tls_record_hdr h;
        cur_t body;
        if (tls_record_parse(&c, &h, &body).status != DX_OK)
            break;
        size_t whole = (size_t)(cur_ptr(&c) - start);
        if (h.type != TLS_CT_APPLICATION_DATA)
            write_seed("record", tag, 0, false, start, whole);
        if (h.type == TLS_CT_CHANGE_CIPHER_SPEC)
            ccs = true;
        else if (h.type == TLS_CT_ALERT && !ccs)
            write_seed("alert_misc", tag, 0, true, cur_ptr(&body), cur_remaining(&body));
        else if (h.type == TLS_CT_HANDSHAKE && !ccs) {
            memcpy(hs + hl, cur_ptr(&body), cur_remaining(&body));
            hl += cur_remaining(&body);
        }
    }
    if (hs)
        handshake_msgs(hs, hl, tag);
    free(hs);
}

static void one_capture(const char *path, const char *name)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) {
        fprintf(stderr, "make_seeds: %s: %s\n", path, err);
        return;
    }
    copy_file(path, "pipeline", name, 64u << 10);
    decoder_t *d = decoder_new(pcap_datalink(p), NULL);
    static stream st[MAX_STREAMS];
    size_t ns = 0;
    struct pcap_pkthdr *h;
    const u_char *pkt;
    while (d && pcap_next_ex(p, &h, &pkt) == 1) {
        decoded_pkt dp;
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        if (decode_packet(d, ts, pkt, h->caplen, h->len, &dp).status != DX_OK)
            continue;
        uint8_t key[38];
        memcpy(key, dp.src, 16);
        memcpy(key + 16, dp.dst, 16);
        key[32] = (uint8_t)(dp.sport >> 8);
        key[33] = (uint8_t)dp.sport;
        key[34] = (uint8_t)(dp.dport >> 8);
        key[35] = (uint8_t)dp.dport;
        key[36] = key[37] = 0;
        size_t i;
        for (i = 0; i < ns; i++)
            if (memcmp(st[i].key, key, sizeof(key)) == 0)
                break;
        if (i == ns) {
            if (ns == MAX_STREAMS)
                continue;
            memset(&st[ns], 0, sizeof(st[ns]));
            memcpy(st[ns].key, key, sizeof(key));
            st[ns].buf = malloc(STREAM_CAP);
            ns++;
        }
        stream *s = &st[i];
        if (dp.flags & TCP_SYN) {
            s->next_seq = dp.seq + 1;
            s->have_seq = true;
            continue;
        }
        if (dp.payload_len == 0 || !s->buf)
            continue;
        if (!s->have_seq) {
            s->next_seq = dp.seq;
            s->have_seq = true;
        }
        if (dp.seq != s->next_seq || s->len + dp.payload_len > STREAM_CAP)
            continue; /* retransmission or out of order: seeds need not be perfect */
        memcpy(s->buf + s->len, dp.payload, dp.payload_len);
        s->len += dp.payload_len;
        s->next_seq += (uint32_t)dp.payload_len;
    }
    char tag[256];
    snprintf(tag, sizeof(tag), "%s", name);
    char *dot = strchr(tag, '.');
    if (dot)
        *dot = '\0';
    for (size_t i = 0; i < ns; i++) {
        walk_stream(&st[i], tag);
        free(st[i].buf);
        st[i].buf = NULL;
    }
    decoder_free(d);
    pcap_close(p);
}

static void each_file(const char *dir, const char *suffix, void (*fn)(const char *, const char *))
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "make_seeds: %s: %s\n", dir, strerror(errno));
        exit(1);
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strstr(de->d_name, suffix))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        fn(path, de->d_name);
    }
    closedir(d);
}

static void one_keylog(const char *path, const char *name)
{
    copy_file(path, "keylog", name, 64u << 10);
}

static void one_pcapng(const char *path, const char *name)
{
    copy_file(path, "pcapng", name, 64u << 10);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_seeds OUTDIR SAMPLES_DIR\n");
        return 2;
    }
    g_out = argv[1];
    /* app_reply's seeds are committed (tests/fuzz/seeds/app_reply: the samples'
     * application data is encrypted); its corpus directory starts empty */
    static const char *targets[] = {"", "/record", "/hello", "/certificate", "/alert_misc",
                                    "/pipeline", "/keylog", "/pcapng", "/app_reply"};
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s%s", g_out, targets[i]);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            perror(path);
            return 1;
        }
    }
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/pcaps", argv[2]);
    each_file(dir, ".pcap", one_capture);
    snprintf(dir, sizeof(dir), "%s/keylogs", argv[2]);
    each_file(dir, ".keys", one_keylog);
    snprintf(dir, sizeof(dir), "%s/pcaps", argv[2]);
    each_file(dir, ".pcapng", one_pcapng);
    printf("make_seeds: %u dissector seeds written to %s\n", g_count, g_out);
    return 0;
}
