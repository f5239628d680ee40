#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_writer.h"

typedef struct kept_packet {
    struct kept_packet *next;
    uint64_t ts_us;
    uint64_t frame; /* its frame number in this run: the packet id in the file */
    int linktype;  /* a LINKTYPE_ value: a run over several files may mix them */
    uint32_t caplen, wirelen;
    uint8_t data[];
} kept_packet;

typedef struct kept_flow {
    kept_packet *head, *tail;
    size_t bytes;
    bool truncated;
} kept_flow;

struct exporter {
    pcapng_writer *w;
    size_t max_per_flow, max_total, total;
    bool warned_total;
    bool write_failed; /* a write failed: the run stops (the error is told at close) */
    uint64_t connections, packets;
};

/* DLT_RAW is 12 (14 on OpenBSD) in libpcap's API, 101 in files. */
static int linktype_of(int dlt) { return dlt == 12 || dlt == 14 ? 101 : dlt; }

exporter *exporter_open(const char *path, int dlt, uint32_t snaplen, size_t max_per_flow, size_t max_total,
                        char **err)
{
    exporter *x = calloc(1, sizeof(*x));
    if (!x) {
        *err = strdup("out of memory");
        return NULL;
    }
    x->w = pcapng_writer_open(path, linktype_of(dlt), snaplen, err);
    if (!x->w) {
        free(x);
        return NULL;
    }
    x->max_per_flow = max_per_flow;
    x->max_total = max_total;
    return x;
}

void exporter_keep(exporter *x, flow_t *f, int dlt, uint64_t frame, uint64_t ts_us, const uint8_t *data,
                   size_t caplen, size_t wirelen)
{
    kept_flow *k = f->kept;
    if (!k && !(k = f->kept = calloc(1, sizeof(*k))))
        return;
    if (k->truncated)
        return;
    size_t need = sizeof(kept_packet) + caplen;
    if (k->bytes + need > x->max_per_flow || x->total + need > x->max_total) {
        k->truncated = true;
        if (x->total + need > x->max_total && !x->warned_total) {
            x->warned_total = true;
            fprintf(stderr, "mtlsdump: warning: -w: the memory cap (--max-memory) was reached: connections open now "
                            "are written without their later packets\n");
        }
        return;
    }
    kept_packet *p = malloc(need);
    if (!p) {
        k->truncated = true;
        return;
    }
    p->next = NULL;
    p->ts_us = ts_us;
    p->linktype = linktype_of(dlt);
    p->frame = frame;
    p->caplen = (uint32_t)caplen;
    p->wirelen = (uint32_t)(wirelen > UINT32_MAX ? UINT32_MAX : wirelen);
    memcpy(p->data, data, caplen);
    if (k->tail)
        k->tail->next = p;
    else
        k->head = p;
    k->tail = p;
    k->bytes += need;
    x->total += need;
}

void exporter_write(exporter *x, flow_t *f, const session_t *s, const char *verdict, const keylog *keys)
{
    kept_flow *k = f->kept;
    if (!k || !k->head)
        return;
    const keylog_entry *ke = keys && s->ch.present ? keylog_find(keys, s->ch.random) : NULL;
    size_t len = 0;
    char *secrets = keylog_entry_format(ke, &len);
    if (secrets) {
        if (pcapng_writer_secrets(x->w, secrets, len) < 0)
            x->write_failed = true; /* the error is reported at close */
        free(secrets);
    }
    /* each packet carries its frame number in this run (the connection ids
     * name them), the first one also a comment naming the connection */
    char comment[96];
    snprintf(comment, sizeof comment, "mtlsdump connection #%llu: %s", (unsigned long long)s->id, verdict);
    for (kept_packet *p = k->head; p; p = p->next) {
        pcapng_out_packet op = {p->linktype, p->ts_us, p->data, p->caplen, p->wirelen, p->frame,
                                p == k->head ? comment : NULL};
        if (pcapng_writer_packet(x->w, &op) == 0)
            x->packets++;
        else
            x->write_failed = true;
    }
    x->connections++;
    if (k->truncated)
        fprintf(stderr, "mtlsdump: warning: -w: connection #%llu written without its packets after the first %zu bytes "
                        "(--max-flow-bytes / --max-memory)\n", (unsigned long long)s->id, k->bytes);
}

bool exporter_failed(const exporter *x) { return x && x->write_failed; }

void exporter_forget(exporter *x, flow_t *f)
{
    kept_flow *k = f->kept;
    if (!k)
        return;
    for (kept_packet *p = k->head, *n; p; p = n) {
        n = p->next;
        free(p);
    }
    if (x)
        x->total -= k->bytes;
    free(k);
    f->kept = NULL;
}

int exporter_close(exporter *x, uint64_t *connections, uint64_t *packets, char **err)
{
    *err = NULL;
    if (!x)
        return 0;
    *connections = x->connections;
    *packets = x->packets;
    int rc = pcapng_writer_close(x->w, err);
    free(x);
    return rc;
}
