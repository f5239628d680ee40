/* multi_capture.c — several capture files merged by packet timestamp (multi_capture.h). */
#include "multi_capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input_list.h"
#include "text.h"

enum { BIG_BUFFER = 1 << 20, SMALL_BUFFER = 64 << 10, MANY_FILES = 16 };

typedef struct src {
    file_source *s;
    pcapng_packet next; /* its next packet, while the file is in the heap */
    uint64_t packets;
    char *error;        /* why it ended early, NULL if it did not */
} src;

typedef struct filter {
    int linktype;
    struct bpf_program prog;
} filter;

struct multi_capture {
    input_list files;
    src *srcs;
    size_t *heap, n_heap; /* indices of the files with a next packet, earliest first */
    size_t last;          /* the file whose packet was handed out last: read on at the next call */
    bool have_last;
    const char *bpf;      /* the filter expression (cfg's), NULL for none */
    int snaplen;
    filter *filters;      /* compiled per link type */
    size_t n_filters;
    char *filter_error;   /* a later link type's filter did not compile */
};

/* ------------------------------------------------------------------ the heap */

static bool earlier(const multi_capture *m, size_t a, size_t b)
{
    uint64_t ta = m->srcs[a].next.ts_us, tb = m->srcs[b].next.ts_us;
    return ta != tb ? ta < tb : a < b; /* a tie goes to the file named first */
}

static void sift_down(multi_capture *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < m->n_heap && earlier(m, m->heap[l], m->heap[best]))
            best = l;
        if (r < m->n_heap && earlier(m, m->heap[r], m->heap[best]))
            best = r;
        if (best == i)
            return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = t;
        i = best;
    }
}

static void sift_up(multi_capture *m, size_t i)
{
    while (i > 0 && earlier(m, m->heap[i], m->heap[(i - 1) / 2])) {
        size_t p = (i - 1) / 2, t = m->heap[i];
        m->heap[i] = m->heap[p];
        m->heap[p] = t;
        i = p;
    }
}

/* ------------------------------------------------------------------ the filter */

/* The filter for a link type, compiled at its first packet. NULL when there
 * is no filter; sets m->filter_error when it does not compile for it. */
static const struct bpf_program *filter_for(multi_capture *m, int linktype, char **err)
{
    if (!m->bpf)
        return NULL;
    for (size_t i = 0; i < m->n_filters; i++)
        if (m->filters[i].linktype == linktype)
            return &m->filters[i].prog;
    filter *nf = realloc(m->filters, (m->n_filters + 1) * sizeof(*nf));
    if (!nf) {
        *err = text_printf("out of memory compiling the filter");
        return NULL;
    }
    m->filters = nf;
    pcap_t *dead = pcap_open_dead(linktype, m->snaplen);
    filter *f = &m->filters[m->n_filters];
    if (!dead || pcap_compile(dead, &f->prog, m->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        *err = text_printf("invalid filter expression '%s': %s", m->bpf, dead ? pcap_geterr(dead) : "out of memory");
        if (dead)
            pcap_close(dead);
        return NULL;
    }
    pcap_close(dead);
    f->linktype = linktype;
    m->n_filters++;
    return &f->prog;
}

/* A filter made of file names (a second path after -r): say how to read several. */
static char *filter_hint(const char *bpf, char *why)
{
    char first[4096];
    size_t n = strcspn(bpf, " ");
    struct stat sb;
    if (n >= sizeof first)
        return why;
    memcpy(first, bpf, n);
    first[n] = '\0';
    if (stat(first, &sb) != 0 || !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode)))
        return why;
    char *more = text_printf("%s ('%s' is a %s: to read several files give -r before each, -r DIR or -V LIST)", why,
                             first, S_ISDIR(sb.st_mode) ? "directory" : "file");
    if (!more)
        return why;
    free(why);
    return more;
}

/* ------------------------------------------------------------------ reading */

/* Read file i's next packet into the heap (at heap position pos when it is
 * already there); a file at its end or failing leaves the heap. */
static void advance(multi_capture *m, size_t i, bool in_heap)
{
    src *s = &m->srcs[i];
    char *err = NULL;
    int rc = file_source_next(s->s, &s->next, &err);
    if (rc < 0)
        s->error = text_printf("error reading packets of '%s': %s", m->files.paths[i], err ? err : "read error");
    free(err);
    if (in_heap) { /* it is the earliest: at the top */
        if (rc == 1) {
            sift_down(m, 0);
            return;
        }
        m->heap[0] = m->heap[--m->n_heap];
        sift_down(m, 0);
        return;
    }
    if (rc == 1) {
        m->heap[m->n_heap++] = i;
        sift_up(m, m->n_heap - 1);
    }
}

multi_capture *multi_open(const mtls_config *cfg, char **err)
{
    multi_capture *m = calloc(1, sizeof(*m));
    if (!m || input_list_build(cfg, &m->files, err) < 0) {
        if (!m)
            *err = text_printf("out of memory");
        free(m);
        return NULL;
    }
    m->bpf = cfg->bpf && *cfg->bpf ? cfg->bpf : NULL;
    m->snaplen = cfg->snaplen ? cfg->snaplen : 262144;
    size_t n = m->files.n;
    m->srcs = calloc(n, sizeof(*m->srcs));
    m->heap = calloc(n, sizeof(*m->heap));
    if (!m->srcs || !m->heap) {
        *err = text_printf("out of memory");
        multi_close(m);
        return NULL;
    }
    size_t iobuf = n > MANY_FILES ? SMALL_BUFFER : BIG_BUFFER; /* every file is open at once */
    for (size_t i = 0; i < n; i++) {
        if (!(m->srcs[i].s = file_source_open(m->files.paths[i], iobuf, err))) {
            multi_close(m);
            return NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        advance(m, i, false);
    /* the filter must compile before anything is read: for the first packet's
     * link type, or Ethernet when no file has a packet */
    if (m->bpf && !filter_for(m, multi_first_linktype(m), err)) {
        *err = filter_hint(m->bpf, *err);
        multi_close(m);
        return NULL;
    }
    return m;
}

void multi_close(multi_capture *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->srcs && i < m->files.n; i++) {
        file_source_close(m->srcs[i].s);
        free(m->srcs[i].error);
    }
    for (size_t i = 0; i < m->n_filters; i++)
        pcap_freecode(&m->filters[i].prog);
    free(m->filters);
    free(m->filter_error);
    free(m->srcs);
    free(m->heap);
    input_list_cleanup(&m->files);
    free(m);
}

int multi_next(multi_capture *m, pcapng_packet *out)
{
    if (m->have_last) {
        m->have_last = false;
        advance(m, m->last, true);
    }
    while (m->n_heap) {
        size_t i = m->heap[0];
        src *s = &m->srcs[i];
        char *ferr = NULL;
        const struct bpf_program *prog = filter_for(m, s->next.linktype, &ferr);
        if (ferr) { /* an expression that fits one link type but not another */
            if (!m->filter_error)
                m->filter_error = ferr;
            else
                free(ferr);
        }
        struct pcap_pkthdr h = {{0, 0}, (bpf_u_int32)s->next.caplen, (bpf_u_int32)s->next.wirelen};
        if (!ferr && (!prog || pcap_offline_filter(prog, &h, s->next.data))) {
            *out = s->next;
            s->packets++;
            m->last = i;
            m->have_last = true;
            return 1;
        }
        advance(m, i, true);
    }
    return 0;
}

int multi_first_linktype(const multi_capture *m)
{
    if (m->n_heap)
        return m->srcs[m->heap[0]].next.linktype;
    int lt = m->files.n ? file_source_linktype(m->srcs[0].s) : -1;
    return lt >= 0 ? lt : DLT_EN10MB;
}

size_t multi_count(const multi_capture *m) { return m->files.n; }
const char *multi_path(const multi_capture *m, size_t i) { return m->files.paths[i]; }
uint64_t multi_packets(const multi_capture *m, size_t i) { return m->srcs[i].packets; }
file_source *multi_source(const multi_capture *m, size_t i) { return m->srcs[i].s; }
bool multi_listed(const multi_capture *m) { return m->files.expanded; }

char *multi_errors(const multi_capture *m)
{
    char *all = m->filter_error ? text_printf("%s (packets of that link type were skipped)", m->filter_error) : NULL;
    for (size_t i = 0; i < m->files.n; i++) {
        if (!m->srcs[i].error)
            continue;
        char *more = all ? text_printf("%s; %s", all, m->srcs[i].error) : text_printf("%s", m->srcs[i].error);
        free(all);
        all = more;
    }
    return all;
}
