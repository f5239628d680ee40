#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "growbuf.h"

#define IP_MAX_PAYLOAD 65535u

typedef struct frag_range {
    uint32_t start, end; /* [start, end), at most 65535 */
} frag_range;

typedef struct frag_dgram {
    ipfrag_key key;
    uint64_t first_ts;
    growbuf buf;           /* the payload so far, at its offsets (ranges say what is held; len
                            * stays 0); its capacity counts in bytes_held */
    size_t total;          /* payload length, known once the last fragment arrived */
    bool have_last;
    uint8_t next_hdr;      /* from the offset-0 fragment */
    unsigned n_ranges;
    frag_range ranges[IPFRAG_MAX_RANGES]; /* sorted, disjoint, non-adjacent */
    struct frag_dgram *older, *newer;     /* age list; also the free list via newer */
} frag_dgram;

struct ipfrag {
    ipfrag_limits lim;
    frag_dgram *slots;     /* lim.max_datagrams entries, allocated on the first fragment */
    frag_dgram *free_list;
    frag_dgram *oldest, *newest;
    uint8_t *done;         /* last completed datagram, freed on the next call */
    ipfrag_stats st;
};

ipfrag_t *ipfrag_new(const ipfrag_limits *lim)
{
    ipfrag_t *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    if (lim)
        f->lim = *lim;
    if (f->lim.max_datagrams == 0)
        f->lim.max_datagrams = IPFRAG_DEFAULT_MAX_DATAGRAMS;
    if (f->lim.max_datagram_bytes == 0 || f->lim.max_datagram_bytes > IP_MAX_PAYLOAD)
        f->lim.max_datagram_bytes = IPFRAG_DEFAULT_MAX_DATAGRAM_BYTES;
    if (f->lim.max_total_bytes == 0)
        f->lim.max_total_bytes = IPFRAG_DEFAULT_MAX_TOTAL_BYTES;
    if (f->lim.timeout_us == 0)
        f->lim.timeout_us = IPFRAG_DEFAULT_TIMEOUT_US;
    return f;
}

void ipfrag_release(ipfrag_t *f)
{
    if (f && f->done) {
        free(f->done);
        f->done = NULL;
    }
}

void ipfrag_free(ipfrag_t *f)
{
    if (!f)
        return;
    for (frag_dgram *d = f->oldest; d; d = d->newer)
        growbuf_free(&d->buf);
    free(f->slots);
    free(f->done);
    free(f);
}

void ipfrag_get_stats(const ipfrag_t *f, ipfrag_stats *out) { *out = f->st; }

static bool slots_init(ipfrag_t *f)
{
    if (f->slots)
        return true;
    f->slots = calloc(f->lim.max_datagrams, sizeof(*f->slots));
    if (!f->slots)
        return false;
    for (size_t i = 0; i < f->lim.max_datagrams; i++)
        f->slots[i].newer = i + 1 < f->lim.max_datagrams ? &f->slots[i + 1] : NULL;
    f->free_list = &f->slots[0];
    return true;
}

/* Unlink a datagram, free its buffer and return its slot to the free list. */
static void dgram_drop(ipfrag_t *f, frag_dgram *d)
{
    if (d->older)
        d->older->newer = d->newer;
    else
        f->oldest = d->newer;
    if (d->newer)
        d->newer->older = d->older;
    else
        f->newest = d->older;
    f->st.bytes_held -= d->buf.cap;
    f->st.pending--;
    growbuf_free(&d->buf);
    memset(d, 0, sizeof(*d));
    d->newer = f->free_list;
    f->free_list = d;
}

void ipfrag_expire(ipfrag_t *f, uint64_t now_us)
{
    while (f->oldest) {
        frag_dgram *d = f->oldest;
        if (now_us <= d->first_ts || now_us - d->first_ts <= f->lim.timeout_us)
            break;
        dgram_drop(f, d);
        f->st.timed_out++;
    }
}

static bool key_eq(const ipfrag_key *a, const ipfrag_key *b)
{
    return a->family == b->family && a->proto == b->proto && a->id == b->id && memcmp(a->src, b->src, 16) == 0 &&
           memcmp(a->dst, b->dst, 16) == 0;
}

static frag_dgram *dgram_find(ipfrag_t *f, const ipfrag_key *key)
{
    /* Newest first: fragments of one datagram usually arrive together. */
    for (frag_dgram *d = f->newest; d; d = d->older)
        if (key_eq(&d->key, key))
            return d;
    return NULL;
}

static frag_dgram *dgram_create(ipfrag_t *f, uint64_t ts_us, const ipfrag_key *key)
{
    if (!slots_init(f))
        return NULL;
    if (!f->free_list) {
        dgram_drop(f, f->oldest); /* full: evict the oldest */
        f->st.dropped_by_cap++;
    }
    frag_dgram *d = f->free_list;
    f->free_list = d->newer;
    memset(d, 0, sizeof(*d));
    d->key = *key;
    d->first_ts = ts_us;
    d->older = f->newest;
    if (f->newest)
        f->newest->newer = d;
    else
        f->oldest = d;
    f->newest = d;
    f->st.pending++;
    return d;
}

/* Grow d->buf to hold `end` bytes within the caps: doubled (2048 first) or
 * to `end` when that is more, at most max_datagram_bytes, and only while the
 * growth fits in max_total_bytes (checked before growing, so computed here). */
static bool dgram_reserve(ipfrag_t *f, frag_dgram *d, size_t end)
{
    size_t cap = d->buf.cap;
    if (end <= cap)
        return true;
    size_t ncap = cap ? cap * 2 : 2048;
    if (ncap < end)
        ncap = end;
    if (ncap > f->lim.max_datagram_bytes)
        ncap = f->lim.max_datagram_bytes;
    size_t grow = ncap - cap;
    if (f->st.bytes_held + grow > f->lim.max_total_bytes)
        return false;
    if (growbuf_reserve_exact(&d->buf, ncap) != 0)
        return false;
    f->st.bytes_held += grow;
    return true;
}

/*
 * Copy the parts of [s, e) not yet held into the buffer (first wins) and
 * report whether it overlapped held bytes, and whether those differed.
 */
static void copy_uncovered(frag_dgram *d, size_t s, size_t e, const uint8_t *data, bool *overlap, bool *conflict)
{
    size_t pos = s;
    for (unsigned i = 0; i < d->n_ranges && pos < e; i++) {
        const frag_range *r = &d->ranges[i];
        if (r->end <= pos)
            continue;
        if (r->start >= e)
            break;
        if (r->start > pos) {
            memcpy(d->buf.p + pos, data + (pos - s), r->start - pos);
            pos = r->start;
        }
        size_t ce = r->end < e ? r->end : e;
        *overlap = true;
        if (memcmp(d->buf.p + pos, data + (pos - s), ce - pos) != 0)
            *conflict = true;
        pos = ce;
    }
    if (pos < e)
        memcpy(d->buf.p + pos, data + (pos - s), e - pos);
}

/* Union [s, e) into the sorted range list; false when it would exceed the cap. */
static bool ranges_add(frag_dgram *d, uint32_t s, uint32_t e)
{
    frag_range out[IPFRAG_MAX_RANGES + 1];
    unsigned n = 0;
    bool placed = false;
    for (unsigned i = 0; i < d->n_ranges; i++) {
        frag_range r = d->ranges[i];
        if (r.end < s) {
            out[n++] = r;
        } else if (r.start > e) {
            if (!placed) {
                out[n++] = (frag_range){s, e};
                placed = true;
            }
            out[n++] = r;
        } else {
            /* touching or overlapping: absorb into the new range */
            if (r.start < s)
                s = r.start;
            if (r.end > e)
                e = r.end;
        }
        if (n > IPFRAG_MAX_RANGES)
            return false;
    }
    if (!placed)
        out[n++] = (frag_range){s, e};
    if (n > IPFRAG_MAX_RANGES)
        return false;
    memcpy(d->ranges, out, n * sizeof(out[0]));
    d->n_ranges = n;
    return true;
}

ipfrag_status ipfrag_add(ipfrag_t *f, uint64_t ts_us, const ipfrag_key *key, size_t offset, bool more,
                         uint8_t next_hdr, const uint8_t *data, size_t len, ipfrag_done *out)
{
    ipfrag_release(f);
    ipfrag_expire(f, ts_us);
    f->st.fragments++;
    memset(out, 0, sizeof(*out));

    frag_dgram *d = dgram_find(f, key);
    size_t end = offset + len;
    if (end > IP_MAX_PAYLOAD || (more && len % 8 != 0) || offset % 8 != 0) {
        f->st.invalid++;
        if (d)
            dgram_drop(f, d);
        return IPFRAG_INVALID;
    }
    if (end > f->lim.max_datagram_bytes) {
        f->st.dropped_by_cap++;
        if (d)
            dgram_drop(f, d);
        return IPFRAG_DROPPED;
    }
    if (!d) {
        d = dgram_create(f, ts_us, key);
        if (!d) {
            f->st.dropped_by_cap++;
            return IPFRAG_DROPPED;
        }
    }

    /* Consistency with the end of the datagram. */
    bool bad = false;
    if (!more) {
        if (d->have_last && d->total != end)
            bad = true;
        if (d->n_ranges && d->ranges[d->n_ranges - 1].end > end)
            bad = true;
    } else if (d->have_last && end > d->total) {
        bad = true;
    }
    if (bad) {
        f->st.invalid++;
        dgram_drop(f, d);
        return IPFRAG_INVALID;
    }

    if (!dgram_reserve(f, d, end)) {
        f->st.dropped_by_cap++;
        dgram_drop(f, d);
        return IPFRAG_DROPPED;
    }
    bool overlap = false, conflict = false;
    if (len)
        copy_uncovered(d, offset, end, data, &overlap, &conflict);
    if (overlap) {
        f->st.overlaps++;
        if (conflict && key->family == 6) {
            f->st.invalid++;
            dgram_drop(f, d);
            return IPFRAG_INVALID;
        }
    }
    if (len && !ranges_add(d, (uint32_t)offset, (uint32_t)end)) {
        f->st.dropped_by_cap++;
        dgram_drop(f, d);
        return IPFRAG_DROPPED;
    }
    if (offset == 0)
        d->next_hdr = key->family == 4 ? key->proto : next_hdr;
    if (!more) {
        d->have_last = true;
        d->total = end;
    }

    bool complete = d->have_last &&
                    (d->total == 0 || (d->n_ranges == 1 && d->ranges[0].start == 0 && d->ranges[0].end == d->total));
    if (!complete)
        return IPFRAG_HELD;

    /* Hand the buffer over to the caller until the next call. */
    f->st.bytes_held -= d->buf.cap;
    f->done = growbuf_detach(&d->buf);
    out->data = f->done;
    out->len = d->total;
    out->next_hdr = d->next_hdr;
    dgram_drop(f, d);
    f->st.reassembled++;
    return IPFRAG_COMPLETE;
}
