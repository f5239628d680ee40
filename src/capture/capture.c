#include "capture.h"

#include <sys/socket.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#include <errno.h>

#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "decompress.h"
#include "text.h"
#include <poll.h>
#include <sys/time.h>

enum { READ_BUFFER = 1 << 20 }; /* stdio buffer for a capture file */

struct capture {
    pcap_t *p;
    bool live;
    volatile sig_atomic_t stop;
    capture_cb cb;
    capture_tick_cb tick;
    void *ctx;
    uint64_t packets, bytes;
    bool nano;
    int in_fd;     /* the input's descriptor when it can block (pipe, FIFO, terminal), else -1 */
    int devnull;   /* /dev/null, put in its place by capture_stop so a blocked read ends */
    bool compressed; /* read through a decompressor */
    pcapng_tap *tap; /* secrets in a streamed pcapng (stdin, pipe, compressed) */
    char *iobuf;     /* the capture file's stdio buffer (READ_BUFFER), freed after its fclose */
};

/* Open a capture file ("-" = stdin) for libpcap: a plain regular file by
 * name, anything compressed (told by its first bytes) or not seekable (a
 * pipe) through decompress_open. Notes the descriptor a signal may need to
 * unblock. 0, or -1 with *err. */
static int open_file(capture_t *c, const char *path, char **err)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = '\0';
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *raw = is_stdin ? stdin : fopen(path, "rb");
    if (!raw) {
        *err = text_printf("cannot read capture '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    bool regular = fstat(fileno(raw), &sb) == 0 && S_ISREG(sb.st_mode);
    /* stdio's default buffer is one block (4 KiB): a read(2) per 4 KiB of
     * capture would cost more than everything libpcap does with it */
    if (regular && !is_stdin && (c->iobuf = malloc(READ_BUFFER)) != NULL)
        (void)setvbuf(raw, c->iobuf, _IOFBF, READ_BUFFER); /* glibc ignores a size without a buffer */
    unsigned char head[8];
    size_t n = regular ? fread(head, 1, sizeof head, raw) : 0;
    if (regular && !is_stdin && compression_of(head, n) == COMPRESSION_NONE) {
        /* the fast path: libpcap reads the file itself (its secrets were
         * scanned by name); stdin goes through the stream and its tap */
        rewind(raw);
        c->p = pcap_fopen_offline_with_tstamp_precision(raw, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
        if (!c->p)
            fclose(raw);
    } else {
        if (regular)
            rewind(raw);
        else {
            /* a read from a pipe can block forever (SIGINT restarts it): remember
             * how to end it from the signal handler */
            c->in_fd = fileno(raw);
            c->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
        compression kind;
        char *derr = NULL;
        c->tap = pcapng_tap_new();
        FILE *f = decompress_open(raw, c->tap, &kind, &derr);
        if (!f) {
            *err = text_printf("cannot read capture '%s': %s", path, derr ? derr : "out of memory");
            free(derr);
            fclose(raw);
            return -1;
        }
        c->compressed = kind != COMPRESSION_NONE;
        c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
        if (!c->p) {
            fclose(f);
            if (kind != COMPRESSION_NONE) {
                char why[PCAP_ERRBUF_SIZE + 32];
                snprintf(why, sizeof why, "%s (after %s decompression)", errbuf, compression_name(kind));
                *err = text_printf("cannot read capture '%s': %s", path, why);
                return -1;
            }
        }
    }
    if (!c->p) {
        /* libpcap often starts its message with the path: name it once */
        const char *why = errbuf;
        size_t pl = strlen(path);
        if (strncmp(why, path, pl) == 0 && strncmp(why + pl, ": ", 2) == 0)
            why += pl + 2;
        *err = text_printf("cannot read capture '%s': %s", path, why);
        return -1;
    }
    return 0;
}

/* --fanout ID: join the interface's PACKET_FANOUT group ID, so that several
 * mtlsdump processes share its packets; the kernel sends both directions of
 * a connection to the same member (its flow hash is symmetric) and
 * reassembles IP fragments before choosing. */
static int join_fanout(capture_t *c, const mtls_config *cfg, char **err)
{
#if defined(PACKET_FANOUT) && defined(PACKET_FANOUT_HASH)
    unsigned mode = (unsigned)PACKET_FANOUT_HASH | (unsigned)PACKET_FANOUT_FLAG_DEFRAG;
    int arg = (int)(((unsigned)cfg->fanout_id & 0xffffu) | (mode << 16));
    if (setsockopt(pcap_fileno(c->p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return 0;
    *err = text_printf("cannot join the packet fanout group on '%s': %s (every member of a --fanout group "
                "captures on the same interface)",
                cfg->iface, strerror(errno));
#else
    (void)c;
    *err = text_printf("--fanout on '%s': packet fanout groups exist only on Linux", cfg->iface);
#endif
    return -1;
}

capture_t *capture_open(const mtls_config *cfg, char **err)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = '\0';
    capture_t *c = calloc(1, sizeof(*c));
    if (!c) {
        *err = strdup("out of memory");
        return NULL;
    }
    c->in_fd = c->devnull = -1;
    if (cfg->read_file) {
        if (open_file(c, cfg->read_file, err) < 0) {
            if (c->devnull >= 0)
                close(c->devnull);
            pcapng_tap_free(c->tap);
            free(c->iobuf);
            free(c);
            return NULL;
        }
    } else {
        c->live = true;
        c->p = pcap_create(cfg->iface, errbuf);
        if (!c->p) {
            *err = text_printf("cannot open interface '%s': %s", cfg->iface, errbuf);
            free(c);
            return NULL;
        }
        pcap_set_snaplen(c->p, cfg->snaplen);
        pcap_set_promisc(c->p, 1);
        pcap_set_timeout(c->p, 100);
        if (cfg->buffer_kib > 0)
            pcap_set_buffer_size(c->p, cfg->buffer_kib * 1024);
        int rc = pcap_activate(c->p);
        if (rc < 0) {
            const char *why = rc == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(rc);
            if (rc == PCAP_ERROR_PERM_DENIED)
                why = "permission denied: run as root, or give the binary the capture capabilities "
                      "(sudo setcap cap_net_raw,cap_net_admin+eip $(command -v mtlsdump))";
            *err = text_printf("cannot capture on '%s': %s", cfg->iface, why);
            pcap_close(c->p);
            free(c);
            return NULL;
        }
        if (cfg->fanout_id >= 0 && join_fanout(c, cfg, err) < 0) {
            pcap_close(c->p);
            free(c);
            return NULL;
        }
    }
    if (cfg->bpf && *cfg->bpf) {
        struct bpf_program prog;
        if (pcap_compile(c->p, &prog, cfg->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            *err = text_printf("invalid filter expression '%s': %s", cfg->bpf, pcap_geterr(c->p));
            capture_close(c);
            return NULL;
        }
        int rc = pcap_setfilter(c->p, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            *err = text_printf("cannot set filter '%s': %s", cfg->bpf, pcap_geterr(c->p));
            capture_close(c);
            return NULL;
        }
    }
    return c;
}

void capture_close(capture_t *c)
{
    if (!c)
        return;
    if (c->p)
        pcap_close(c->p);
    if (c->devnull >= 0)
        close(c->devnull);
    pcapng_tap_free(c->tap);
    free(c->iobuf);
    free(c);
}

void capture_set_secrets_sink(capture_t *c, pcapng_secrets_sink sink, void *ctx)
{
    if (c->tap)
        pcapng_tap_set_sink(c->tap, sink, ctx);
}

int capture_datalink(const capture_t *c) { return pcap_datalink(c->p); }
bool capture_is_live(const capture_t *c) { return c->live; }
bool capture_is_compressed(const capture_t *c) { return c->compressed; }

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    capture_t *c = (capture_t *)user;
    c->packets++;
    c->bytes += h->caplen;
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000ull + (uint64_t)h->ts.tv_usec;
    size_t caplen = h->caplen;
    size_t wirelen = h->len;
    /* A record whose caplen claims more than the wire length is inconsistent;
     * trust only the bytes we were given, never read past caplen. */
    if (wirelen < caplen)
        wirelen = caplen;
    c->cb(c->ctx, ts, bytes, caplen, wirelen);
    if (c->stop)
        pcap_breakloop(c->p);
}

int capture_run(capture_t *c, capture_cb cb, void *ctx, char **err)
{
    c->cb = cb;
    c->ctx = ctx;
    /* Live: non-blocking reads and our own poll() with a timeout, because
     * with TPACKET_V3 a quiet interface never wakes a blocking read, and the
     * idle timeout and signals must still be served. */
    int fd = -1;
    char ebuf[PCAP_ERRBUF_SIZE];
    if (c->live && pcap_setnonblock(c->p, 1, ebuf) == 0)
        fd = pcap_get_selectable_fd(c->p);
    for (;;) {
        if (c->stop)
            return 0;
        int rc = pcap_dispatch(c->p, c->live ? 256 : 4096, on_packet, (u_char *)c);
        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc == PCAP_ERROR) {
            *err = text_printf("error reading packets: %s", pcap_geterr(c->p));
            return -1;
        }
        if (rc == 0 && !c->live)
            return 0; /* end of file */
        if (rc == 0 && fd >= 0 && !c->stop) {
            struct pollfd pfd = {fd, POLLIN, 0};
            (void)poll(&pfd, 1, 200);
        }
        if (c->live && c->tick) {
            struct timeval tv;
            gettimeofday(&tv, NULL);
            c->tick(c->ctx, (uint64_t)tv.tv_sec * 1000000ull + (uint64_t)tv.tv_usec);
        }
    }
}

void capture_set_tick(capture_t *c, capture_tick_cb tick) { c->tick = tick; }

void capture_stop(capture_t *c)
{
    if (!c)
        return;
    c->stop = 1;
    pcap_breakloop(c->p);
    /* async-signal-safe: a read blocked on the pipe restarts on /dev/null and ends */
    if (!c->live && c->in_fd >= 0 && c->devnull >= 0)
        (void)dup2(c->devnull, c->in_fd);
}

void capture_get_stats(capture_t *c, capture_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->packets = c->packets;
    out->bytes = c->bytes;
    if (c->live) {
        struct pcap_stat ps;
        if (pcap_stats(c->p, &ps) == 0) {
            out->have_kernel_stats = true;
            out->ps_recv = ps.ps_recv;
            out->ps_drop = ps.ps_drop;
            out->ps_ifdrop = ps.ps_ifdrop;
        }
    }
}
