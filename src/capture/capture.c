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

#include "file_source.h"
#include "multi_capture.h"
#include "text.h"
#include <poll.h>
#include <sys/time.h>

struct capture {
    pcap_t *p;              /* live */
    multi_capture *files;   /* -r / -V: every file merged into one capture */
    bool live;
    volatile sig_atomic_t stop;
    capture_cb cb;
    capture_tick_cb tick;
    void *ctx;
    uint64_t packets, bytes;
    bool nano;
    int in_fd;     /* the input's descriptor when it can block (pipe, FIFO, terminal), else -1 */
    int devnull;   /* /dev/null, put in its place by capture_stop so a blocked read ends */
};

/* The files: opened and merged (multi_capture.h); a stream that can block
 * is noted for capture_stop. 0, or -1 with *err. */
static int open_files(capture_t *c, const mtls_config *cfg, char **err)
{
    if (!(c->files = multi_open(cfg, err)))
        return -1;
    for (size_t i = 0; i < multi_count(c->files); i++) {
        int fd = file_source_blocking_fd(multi_source(c->files, i));
        if (fd >= 0) {
            c->in_fd = fd;
            c->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
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
    if (!cfg->iface) {
        if (open_files(c, cfg, err) < 0) {
            capture_close(c);
            return NULL;
        }
        return c; /* the filter is applied per link type as the files are merged */
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
    multi_close(c->files);
    if (c->devnull >= 0)
        close(c->devnull);
    free(c);
}

void capture_set_secrets_sink(capture_t *c, pcapng_secrets_sink sink, void *ctx)
{
    for (size_t i = 0; c->files && i < multi_count(c->files); i++) {
        pcapng_tap *tap = file_source_tap(multi_source(c->files, i));
        if (tap) { /* a stream: secrets as they go by */
            pcapng_tap_set_sink(tap, sink, ctx);
        } else if (pcapng_scan_file(multi_path(c->files, i), sink, ctx) < 0) {
            /* a pcapng by name: scanned whole now; unreadable is said when its packets are read */
        }
    }
}

int capture_datalink(const capture_t *c) { return c->live ? pcap_datalink(c->p) : multi_first_linktype(c->files); }
bool capture_is_live(const capture_t *c) { return c->live; }

bool capture_is_compressed(const capture_t *c)
{
    for (size_t i = 0; c->files && i < multi_count(c->files); i++)
        if (file_source_compressed(multi_source(c->files, i)))
            return true;
    return false;
}

size_t capture_file_count(const capture_t *c) { return c->files ? multi_count(c->files) : 0; }
bool capture_files_listed(const capture_t *c) { return c->files && multi_listed(c->files); }

void capture_file_info(const capture_t *c, size_t i, const char **name, uint64_t *packets)
{
    *name = multi_path(c->files, i);
    *packets = multi_packets(c->files, i);
}

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
    c->cb(c->ctx, ts, bytes, caplen, wirelen, pcap_datalink(c->p));
    if (c->stop)
        pcap_breakloop(c->p);
}

/* The files, merged: every packet with its own link type. */
static int run_files(capture_t *c, char **err)
{
    pcapng_packet pk;
    while (!c->stop && multi_next(c->files, &pk) == 1) {
        c->packets++;
        c->bytes += pk.caplen;
        /* a record whose caplen claims more than the wire length: trust the bytes we hold */
        c->cb(c->ctx, pk.ts_us, pk.data, pk.caplen, pk.wirelen < pk.caplen ? pk.caplen : pk.wirelen, pk.linktype);
    }
    char *why = multi_errors(c->files);
    if (!why)
        return 0;
    *err = why;
    return -1;
}

int capture_run(capture_t *c, capture_cb cb, void *ctx, char **err)
{
    c->cb = cb;
    c->ctx = ctx;
    if (!c->live)
        return run_files(c, err);
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
    if (c->p)
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
