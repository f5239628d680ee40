/*
 * reassembly.c — per-direction TCP stream reassembly (see reassembly.h and
 * docs/internals/reassembly.md).
 *
 * Invariants between calls:
 *  - pieces in head..tail are sorted by offset and never overlap;
 *  - after a drain, every piece starts strictly after next_off (a piece at
 *    next_off would have been delivered). reasm_skip() may break this
 *    temporarily; the next drain restores it.
 */
#include "reassembly.h"

#include <stdlib.h>
#include <string.h>

struct reasm_seg {
    struct reasm_seg *next;
    uint64_t off;       /* stream offset of data[0] */
    size_t len;
    uint64_t lost_tail; /* bytes known lost right after this piece (capture truncation) */
    uint8_t data[];
};

size_t reasm_piece_cost(size_t n) { return sizeof(struct reasm_seg) + n; }

void reasm_init(reasm_dir *r, const reasm_limits *lim)
{
    memset(r, 0, sizeof(*r));
    if (lim)
        r->lim = *lim;
    if (r->lim.max_pending_bytes == 0)
        r->lim.max_pending_bytes = REASM_DEFAULT_MAX_PENDING_BYTES;
    if (r->lim.max_pending_segs == 0)
        r->lim.max_pending_segs = REASM_DEFAULT_MAX_PENDING_SEGS;
}

static void seg_release(reasm_dir *r, reasm_seg *s)
{
    r->pending_bytes -= s->len;
    r->pending_segs--;
    if (r->lim.total) {
        size_t cost = reasm_piece_cost(s->len);
        *r->lim.total = *r->lim.total >= cost ? *r->lim.total - cost : 0;
    }
    free(s);
}

void reasm_cleanup(reasm_dir *r)
{
    reasm_seg *s = r->head;
    while (s) {
        reasm_seg *next = s->next;
        seg_release(r, s);
        s = next;
    }
    r->head = r->tail = NULL;
}

static void emit(const reasm_callbacks *cb, void *ctx, int side, uint64_t ts, reasm_event ev,
                 uint64_t off, uint64_t len)
{
    if (cb && cb->event)
        cb->event(ctx, side, ts, ev, off, len);
}

/* Hand n bytes at next_off to the data callback. next_off is advanced before
 * the call so that a reasm_skip() from inside it counts from the end. */
static void deliver(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side,
                    const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    r->next_off += n;
    r->st.bytes_delivered += n;
    if (cb && cb->data)
        cb->data(ctx, side, ts, p, n);
}

/* Declare [next_off, end) lost, stopping at the first pending piece. */
static void lose_until(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side,
                       uint64_t end)
{
    if (r->head && r->head->off < end)
        end = r->head->off;
    if (end <= r->next_off)
        return;
    uint64_t start = r->next_off;
    r->next_off = end;
    r->st.gaps++;
    r->st.gap_bytes += end - start;
    emit(cb, ctx, side, ts, REASM_EV_GAP, start, end - start);
}

static void check_fin(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side)
{
    if (r->fin_seen && !r->fin_reported && r->next_off >= r->fin_off) {
        r->fin_reported = true;
        emit(cb, ctx, side, ts, REASM_EV_FIN, r->fin_off, 0);
    }
}

static reasm_seg *unlink_head(reasm_dir *r)
{
    reasm_seg *s = r->head;
    r->head = s->next;
    if (!r->head)
        r->tail = NULL;
    s->next = NULL;
    return s;
}

/* Deliver pending pieces that are (now) in order; drop the ones already consumed. */
static void drain(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side)
{
    while (r->head) {
        reasm_seg *s = r->head;
        uint64_t end = s->off + s->len;
        if (end <= r->next_off) {
            seg_release(r, unlink_head(r));
            continue;
        }
        if (s->off > r->next_off)
            break;
        unlink_head(r);
        size_t k = (size_t)(r->next_off - s->off);
        uint64_t lost = s->lost_tail;
        /* The piece is unlinked and still charged to the counters while the
         * callback runs; it is released right after. */
        deliver(r, ts, cb, ctx, side, s->data + k, s->len - k);
        seg_release(r, s);
        if (lost)
            lose_until(r, ts, cb, ctx, side, end + lost);
    }
    check_fin(r, ts, cb, ctx, side);
}

static bool over_cap(const reasm_dir *r)
{
    return r->pending_bytes > r->lim.max_pending_bytes || r->pending_segs > r->lim.max_pending_segs;
}

/* Per-direction caps: give up on the holes in front of pending data, oldest first. */
static void enforce_caps(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side)
{
    while (over_cap(r) && r->head) {
        lose_until(r, ts, cb, ctx, side, r->head->off);
        drain(r, ts, cb, ctx, side);
    }
}

/*
 * Store [off, off+n) out of order. Parts already pending are compared (first
 * received wins); uncovered parts are copied into new pieces. `lost` bytes
 * after the end are known lost (kept on the last piece when it ends there).
 * Requires off >= next_off and no stale piece at the head.
 */
static void insert(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side,
                   uint64_t off, const uint8_t *p, size_t n, uint64_t lost)
{
    uint64_t pos = off, end = off + n;
    reasm_seg **link = &r->head;
    if (r->tail && r->tail->off + r->tail->len <= off)
        link = &r->tail->next; /* common case: beyond everything pending */

    while (pos < end) {
        reasm_seg *s = *link;
        if (s && s->off + s->len <= pos) {
            link = &s->next;
            continue;
        }
        if (s && s->off <= pos) {
            uint64_t send = s->off + s->len;
            uint64_t ce = end < send ? end : send;
            size_t cn = (size_t)(ce - pos);
            if (memcmp(p + (pos - off), s->data + (pos - s->off), cn) != 0) {
                r->st.overlap_conflicts++;
                emit(cb, ctx, side, ts, REASM_EV_OVERLAP_CONFLICT, pos, cn);
            } else {
                r->st.bytes_dup += cn;
            }
            pos = ce;
            link = &s->next;
            continue;
        }
        uint64_t pe = (s && s->off < end) ? s->off : end;
        size_t pn = (size_t)(pe - pos);
        size_t cost = reasm_piece_cost(pn);
        reasm_seg *piece = NULL;
        bool shared_full = r->lim.total && r->lim.max_total &&
                           (*r->lim.total > r->lim.max_total || r->lim.max_total - *r->lim.total < cost);
        if (!shared_full)
            piece = malloc(cost);
        if (!piece) {
            r->st.cap_dropped_bytes += pn;
            emit(cb, ctx, side, ts, REASM_EV_CAP_DROPPED, pos, pn);
            pos = pe;
            continue;
        }
        piece->off = pos;
        piece->len = pn;
        piece->lost_tail = pe == end ? lost : 0;
        memcpy(piece->data, p + (pos - off), pn);
        piece->next = s;
        *link = piece;
        if (!s)
            r->tail = piece;
        link = &piece->next;
        r->pending_bytes += pn;
        r->pending_segs++;
        if (r->lim.total)
            *r->lim.total += cost;
        if (r->pending_bytes > r->st.pending_peak)
            r->st.pending_peak = r->pending_bytes;
        r->st.out_of_order++;
        pos = pe;
    }
}

/* Map a sequence number to a signed stream offset near next_off. */
static int64_t seq_to_off(const reasm_dir *r, uint32_t seq)
{
    uint32_t d = (uint32_t)(seq - r->base_seq) - (uint32_t)r->next_off;
    int64_t delta = d < 0x80000000u ? (int64_t)d : (int64_t)d - (int64_t)0x100000000;
    return (int64_t)r->next_off + delta;
}

void reasm_segment(reasm_dir *r, uint64_t ts, uint32_t seq, uint8_t flags, const uint8_t *payload,
                   size_t len, size_t wire_len, const reasm_callbacks *cb, void *ctx, int side)
{
    bool syn = flags & REASM_TCP_SYN, fin = flags & REASM_TCP_FIN, rst = flags & REASM_TCP_RST;
    if (!payload)
        len = 0;
    if (wire_len < len)
        wire_len = len;
    if (!syn && !fin && !rst && wire_len == 0)
        return; /* pure ACK: nothing for the stream */

    uint32_t dseq = syn ? seq + 1 : seq; /* the SYN occupies one sequence number */
    if (!r->started) {
        r->started = true;
        r->base_seq = dseq;
        if (syn) {
            r->syn_seen = true;
            emit(cb, ctx, side, ts, REASM_EV_SYN, 0, 0);
        }
    } else if (syn && !r->syn_seen && seq_to_off(r, dseq) == 0) {
        r->syn_seen = true; /* SYN after the first data segment but matching it */
        emit(cb, ctx, side, ts, REASM_EV_SYN, 0, 0);
    }

    drain(r, ts, cb, ctx, side); /* catch up with a reasm_skip() made between calls */

    int64_t soff = seq_to_off(r, dseq);
    if (rst) {
        if (!r->rst_seen) {
            r->rst_seen = true;
            emit(cb, ctx, side, ts, REASM_EV_RST, soff < 0 ? 0 : (uint64_t)soff, 0);
        }
        return; /* payload of a RST is not stream data */
    }
    if (fin && !r->fin_seen && soff + (int64_t)wire_len >= 0) {
        r->fin_seen = true;
        r->fin_off = (uint64_t)(soff + (int64_t)wire_len);
    }

    if (wire_len > 0) {
        r->st.segments++;
        const uint8_t *p = payload;
        size_t n = len;
        int64_t wire_end = soff + (int64_t)wire_len;
        if (wire_end <= 0) {
            r->st.bytes_before_start += wire_len;
            n = 0;
        } else if (soff < 0) {
            uint64_t k = (uint64_t)-soff;
            r->st.bytes_before_start += k;
            if (k >= n) {
                p += n;
                n = 0;
            } else {
                p += k;
                n -= (size_t)k;
            }
            soff = 0;
        }
        if (wire_end > 0) {
            uint64_t u = (uint64_t)soff;
            uint64_t cap_end = u + n, wend = (uint64_t)wire_end;
            bool stored = false;
            for (;;) {
                if (u < r->next_off) { /* already consumed (delivered, skipped or gapped) */
                    uint64_t k = r->next_off - u;
                    if (k > n)
                        k = n;
                    r->st.bytes_dup += k;
                    p += k;
                    u += k;
                    n -= (size_t)k;
                }
                if (n == 0)
                    break;
                if (u == r->next_off && (!r->head || r->head->off > u)) {
                    /* in order: deliver from the caller's buffer up to the first pending piece */
                    uint64_t room = r->head ? r->head->off - u : n;
                    size_t k = room < n ? (size_t)room : n;
                    deliver(r, ts, cb, ctx, side, p, k);
                    p += k;
                    u += k;
                    n -= k;
                    continue;
                }
                insert(r, ts, cb, ctx, side, u, p, n, wend > cap_end ? wend - cap_end : 0);
                stored = true;
                break;
            }
            if (!stored && wend > cap_end && r->next_off >= cap_end)
                lose_until(r, ts, cb, ctx, side, wend);
        }
    }
    drain(r, ts, cb, ctx, side);
    enforce_caps(r, ts, cb, ctx, side);
}

void reasm_flush(reasm_dir *r, uint64_t ts, const reasm_callbacks *cb, void *ctx, int side)
{
    drain(r, ts, cb, ctx, side);
    while (r->head) {
        lose_until(r, ts, cb, ctx, side, r->head->off);
        drain(r, ts, cb, ctx, side);
    }
    if (r->fin_seen && !r->fin_reported) {
        lose_until(r, ts, cb, ctx, side, r->fin_off);
        check_fin(r, ts, cb, ctx, side);
    }
}

void reasm_skip(reasm_dir *r, uint64_t n)
{
    if (n > UINT64_MAX - r->next_off)
        n = UINT64_MAX - r->next_off;
    r->next_off += n;
    r->st.bytes_skipped += n;
}
