/*
 * test_reassembly.c — TCP stream reassembly (src/reassembly.c).
 *
 * Synthetic segments with exact expectations for every policy (order,
 * duplicates, overlaps, wrap, mid-connection start, gaps, caps, skip,
 * truncation), a randomised property test, and an end-to-end check on real
 * OpenSSL handshakes written to pcap by tests/tools/hs2pcap with heavy
 * reordering, retransmission and overlap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flow.h"
#include "reassembly.h"

/* ---------- recorder ---------- */

typedef struct rec_ev {
    int side;
    reasm_event ev;
    uint64_t off, len;
} rec_ev;

typedef struct rec {
    uint8_t *out;
    size_t n, cap;
    rec_ev ev[256];
    size_t nev;
    const uint8_t *ptrs[64]; /* pointers handed to the data callback (first 64 calls) */
    size_t calls;
    /* skip hook: when total delivered reaches skip_after, call reasm_skip(skip_dir, skip_n) once */
    reasm_dir *skip_dir;
    uint64_t skip_after, skip_n;
} rec;

static void rec_data(void *ctx, int side, uint64_t ts, const uint8_t *b, size_t n)
{
    rec *r = ctx;
    (void)side;
    (void)ts;
    if (r->calls < 64)
        r->ptrs[r->calls] = b;
    r->calls++;
    if (r->n + n > r->cap) {
        size_t nc = r->cap ? r->cap : 1024;
        while (nc < r->n + n)
            nc *= 2;
        r->out = realloc(r->out, nc);
        assert_non_null(r->out);
        r->cap = nc;
    }
    memcpy(r->out + r->n, b, n);
    r->n += n;
    if (r->skip_dir && r->n >= r->skip_after) {
        reasm_skip(r->skip_dir, r->skip_n);
        r->skip_dir = NULL;
    }
}

static void rec_event(void *ctx, int side, uint64_t ts, reasm_event ev, uint64_t off, uint64_t len)
{
    rec *r = ctx;
    (void)ts;
    assert_true(r->nev < MTLS_ARRAY_LEN(r->ev));
    r->ev[r->nev++] = (rec_ev){side, ev, off, len};
}

static const reasm_callbacks CB = {rec_data, rec_event};

static void rec_free(rec *r) { free(r->out); }

/* Event names, so that a failing comparison says which events differ. */
static const char *ev_name(reasm_event ev)
{
    static const char *const names[REASM_EV__COUNT] = {
        [REASM_EV_GAP] = "gap",         [REASM_EV_OVERLAP_CONFLICT] = "overlap_conflict",
        [REASM_EV_FIN] = "fin",         [REASM_EV_RST] = "rst",
        [REASM_EV_SYN] = "syn",         [REASM_EV_CAP_DROPPED] = "cap_dropped",
    };
    return (unsigned)ev < REASM_EV__COUNT && names[ev] ? names[ev] : "unknown";
}

static void expect_ev(const rec *r, size_t i, reasm_event ev, uint64_t off, uint64_t len)
{
    assert_true(i < r->nev);
    assert_string_equal(ev_name(r->ev[i].ev), ev_name(ev));
    assert_int_equal(r->ev[i].ev, ev);
    assert_int_equal(r->ev[i].off, off);
    assert_int_equal(r->ev[i].len, len);
}

static void expect_out(const rec *r, const char *s)
{
    assert_int_equal(r->n, strlen(s));
    assert_memory_equal(r->out, s, r->n);
}

#define SEG(r, rc, seq, flags, str) \
    reasm_segment((r), 0, (seq), (flags), (const uint8_t *)(str), strlen(str), strlen(str), &CB, (rc), 0)

/* ---------- synthetic cases ---------- */

static void test_in_order_zero_copy(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    const char *a = "hello", *b = " world";
    reasm_segment(&d, 1, 1000, REASM_TCP_SYN, NULL, 0, 0, &CB, &rc, 0);
    reasm_segment(&d, 2, 1001, REASM_TCP_ACK, (const uint8_t *)a, 5, 5, &CB, &rc, 0);
    reasm_segment(&d, 3, 1001, REASM_TCP_ACK, NULL, 0, 0, &CB, &rc, 0); /* pure ACK: ignored */
    reasm_segment(&d, 4, 1006, REASM_TCP_ACK, (const uint8_t *)b, 6, 6, &CB, &rc, 0);
    reasm_segment(&d, 5, 1012, REASM_TCP_FIN | REASM_TCP_ACK, NULL, 0, 0, &CB, &rc, 0);
    expect_out(&rc, "hello world");
    assert_int_equal(rc.calls, 2);
    assert_ptr_equal(rc.ptrs[0], a); /* delivered from the caller's buffer */
    assert_ptr_equal(rc.ptrs[1], b);
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 0, REASM_EV_SYN, 0, 0);
    expect_ev(&rc, 1, REASM_EV_FIN, 11, 0);
    assert_int_equal(d.st.bytes_delivered, 11);
    assert_int_equal(d.st.out_of_order, 0);
    assert_int_equal(d.st.pending_peak, 0);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_out_of_order(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 99, REASM_TCP_SYN, "");
    SEG(&d, &rc, 110, 0, "KLMNO");
    SEG(&d, &rc, 105, 0, "FGHIJ");
    assert_int_equal(rc.n, 0);
    assert_int_equal(reasm_pending_bytes(&d), 10);
    SEG(&d, &rc, 100, 0, "ABCDE");
    expect_out(&rc, "ABCDEFGHIJKLMNO");
    assert_int_equal(reasm_pending_bytes(&d), 0);
    assert_int_equal(d.st.out_of_order, 2);
    assert_int_equal(d.st.pending_peak, 10);
    assert_ptr_not_equal(rc.ptrs[1], NULL);
    assert_int_equal(rc.nev, 1); /* SYN only */
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_duplicates_silent(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 1, 0, "abcd");
    SEG(&d, &rc, 1, 0, "abcd");     /* retransmission of delivered data */
    SEG(&d, &rc, 9, 0, "ijkl");     /* pending */
    SEG(&d, &rc, 9, 0, "ijkl");     /* duplicate of pending */
    SEG(&d, &rc, 5, 0, "efgh");
    SEG(&d, &rc, 5, 0, "efghijkl"); /* everything old */
    expect_out(&rc, "abcdefghijkl");
    assert_int_equal(rc.nev, 1);
    assert_int_equal(d.st.bytes_dup, 4 + 4 + 8);
    assert_int_equal(d.st.overlap_conflicts, 0);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_overlap_same_content(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 11, 0, "KLMNOPQRST");       /* [10,20) pending */
    SEG(&d, &rc, 6, 0, "FGHIJKLMNO");        /* [5,15): new [5,10) + same [10,15) */
    SEG(&d, &rc, 16, 0, "PQRSTUVWXY");       /* [15,25): same [15,20) + new [20,25) */
    assert_int_equal(rc.n, 0);
    assert_int_equal(reasm_pending_bytes(&d), 20);
    SEG(&d, &rc, 1, 0, "ABCDE");
    expect_out(&rc, "ABCDEFGHIJKLMNOPQRSTUVWXY");
    assert_int_equal(rc.nev, 1);
    assert_int_equal(d.st.bytes_dup, 10);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_overlap_conflict_first_wins(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 11, 0, "KLMNOPQRST"); /* [10,20) */
    SEG(&d, &rc, 16, 0, "pqrstUVWXY"); /* [15,25): [15,20) differs */
    SEG(&d, &rc, 1, 0, "ABCDEFGHIJ");
    expect_out(&rc, "ABCDEFGHIJKLMNOPQRSTUVWXY");
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 1, REASM_EV_OVERLAP_CONFLICT, 15, 5);
    assert_int_equal(d.st.overlap_conflicts, 1);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_in_order_segment_spanning_pending(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    const char *full = "0123456789abcdefghij";
    SEG(&d, &rc, 1 + 5, 0, "56789");
    SEG(&d, &rc, 1 + 12, 0, "cde");
    reasm_segment(&d, 0, 1, 0, (const uint8_t *)full, 20, 20, &CB, &rc, 0);
    expect_out(&rc, full);
    /* first piece straight from the caller's buffer */
    assert_ptr_equal(rc.ptrs[0], full);
    assert_int_equal(reasm_pending_bytes(&d), 0);
    assert_int_equal(d.st.bytes_dup, 8);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_wraparound(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    uint32_t isn = 0xFFFFFFF0u;
    uint8_t data[100];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    reasm_segment(&d, 0, isn, REASM_TCP_SYN, NULL, 0, 0, &CB, &rc, 0);
    /* segments of 25 bytes: 0,1 before the wrap, 2 after; order 2,0,3,1 */
    int order[] = {2, 0, 3, 1};
    for (int k = 0; k < 4; k++) {
        int i = order[k];
        reasm_segment(&d, 0, isn + 1 + (uint32_t)(i * 25), REASM_TCP_ACK, data + i * 25, 25, 25, &CB, &rc, 0);
    }
    reasm_segment(&d, 0, isn + 101, REASM_TCP_FIN, NULL, 0, 0, &CB, &rc, 0);
    assert_int_equal(rc.n, 100);
    assert_memory_equal(rc.out, data, 100);
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 1, REASM_EV_FIN, 100, 0);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_mid_connection_start(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 5000, REASM_TCP_ACK, "MNOP");  /* offset 0 */
    SEG(&d, &rc, 4990, REASM_TCP_ACK, "CDEFGHIJ"); /* wholly before the start */
    SEG(&d, &rc, 4998, REASM_TCP_ACK, "KLMNOPQR"); /* 2 before, 4 dup, 2 new */
    expect_out(&rc, "MNOPQR");
    assert_int_equal(rc.nev, 0);
    assert_int_equal(d.st.bytes_before_start, 8 + 2);
    assert_int_equal(d.st.bytes_dup, 4);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_gap_then_flush(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 1, 0, "0123456789");
    SEG(&d, &rc, 21, 0, "KLMNOPQRST");
    SEG(&d, &rc, 41, REASM_TCP_FIN, ""); /* FIN at 40, bytes [30,40) never seen */
    expect_out(&rc, "0123456789");
    assert_int_equal(rc.nev, 1);
    reasm_flush(&d, 9, &CB, &rc, 0);
    expect_out(&rc, "0123456789KLMNOPQRST");
    assert_int_equal(rc.nev, 4);
    expect_ev(&rc, 1, REASM_EV_GAP, 10, 10);
    expect_ev(&rc, 2, REASM_EV_GAP, 30, 10);
    expect_ev(&rc, 3, REASM_EV_FIN, 40, 0);
    assert_int_equal(d.st.gaps, 2);
    assert_int_equal(d.st.gap_bytes, 20);
    /* late arrival of the hole's bytes: already consumed, dropped */
    SEG(&d, &rc, 11, 0, "ABCDEFGHIJ");
    assert_int_equal(rc.n, 20);
    assert_int_equal(rc.nev, 4);
    /* a second flush has nothing to do */
    reasm_flush(&d, 9, &CB, &rc, 0);
    assert_int_equal(rc.nev, 4);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_cap_bytes_forces_gap(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_limits lim = {.max_pending_bytes = 100};
    reasm_init(&d, &lim);
    uint8_t data[130];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    reasm_segment(&d, 0, 0, REASM_TCP_SYN, NULL, 0, 0, &CB, &rc, 0);
    reasm_segment(&d, 0, 1 + 10, 0, data + 10, 40, 40, &CB, &rc, 0);
    reasm_segment(&d, 0, 1 + 50, 0, data + 50, 40, 40, &CB, &rc, 0);
    assert_int_equal(rc.n, 0);
    assert_int_equal(rc.nev, 1);
    reasm_segment(&d, 0, 1 + 90, 0, data + 90, 40, 40, &CB, &rc, 0); /* 120 > 100 */
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 1, REASM_EV_GAP, 0, 10);
    assert_int_equal(rc.n, 120);
    assert_memory_equal(rc.out, data + 10, 120);
    assert_int_equal(reasm_pending_bytes(&d), 0);
    assert_int_equal(d.st.pending_peak, 120);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_cap_segments_forces_gap_oldest_first(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_limits lim = {.max_pending_segs = 2};
    reasm_init(&d, &lim);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 3, 0, "cd");  /* [2,4) */
    SEG(&d, &rc, 7, 0, "gh");  /* [6,8) */
    SEG(&d, &rc, 11, 0, "kl"); /* [10,12): third piece -> give up hole [0,2) only */
    expect_out(&rc, "cd");
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 1, REASM_EV_GAP, 0, 2);
    assert_int_equal(d.pending_segs, 2);
    SEG(&d, &rc, 5, 0, "ef");
    expect_out(&rc, "cdefgh");
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_shared_cap_drops(void **state)
{
    (void)state;
    size_t total = 0;
    reasm_limits lim = {.total = &total, .max_total = reasm_piece_cost(10) + 5};
    reasm_dir a, b;
    rec ra = {0}, rb = {0};
    reasm_init(&a, &lim);
    reasm_init(&b, &lim);
    SEG(&a, &ra, 0, REASM_TCP_SYN, "");
    SEG(&b, &rb, 0, REASM_TCP_SYN, "");
    SEG(&a, &ra, 6, 0, "0123456789"); /* stored in a */
    assert_int_equal(total, reasm_piece_cost(10));
    SEG(&b, &rb, 6, 0, "abcdefghij"); /* b cannot store: shared cap */
    assert_int_equal(rb.nev, 2);
    expect_ev(&rb, 1, REASM_EV_CAP_DROPPED, 5, 10);
    assert_int_equal(b.st.cap_dropped_bytes, 10);
    assert_int_equal(total, reasm_piece_cost(10));
    SEG(&a, &ra, 1, 0, "ABCDE");
    expect_out(&ra, "ABCDE0123456789");
    assert_int_equal(total, 0);
    /* now b can buffer again */
    SEG(&b, &rb, 16, 0, "klm");
    assert_int_equal(total, reasm_piece_cost(3));
    reasm_cleanup(&b);
    assert_int_equal(total, 0);
    reasm_cleanup(&a);
    rec_free(&ra);
    rec_free(&rb);
}

static void test_skip_from_callback(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    rc.skip_dir = &d;
    rc.skip_after = 5; /* after "HDR05" say the next 10 bytes are not needed */
    rc.skip_n = 10;
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 1, 0, "HDR05");
    SEG(&d, &rc, 6, 0, "xxxxx");        /* wholly inside the skip: not delivered, not stored */
    SEG(&d, &rc, 16, 0, "TAIL");        /* [15,19): right after the skipped range, in order */
    assert_int_equal(reasm_pending_bytes(&d), 0);
    expect_out(&rc, "HDR05TAIL");
    assert_int_equal(d.st.bytes_skipped, 10);
    assert_int_equal(d.st.out_of_order, 0);
    assert_int_equal(rc.nev, 1); /* the missing [10,15) was skipped: no gap */
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_skip_over_pending(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    SEG(&d, &rc, 1, 0, "ab");
    SEG(&d, &rc, 6, 0, "fghij");  /* pending [5,10) */
    SEG(&d, &rc, 13, 0, "mn");    /* pending [12,14) */
    reasm_skip(&d, 6);            /* [2,8) not needed */
    assert_int_equal(rc.n, 2);
    reasm_flush(&d, 0, &CB, &rc, 0);
    expect_out(&rc, "abij" "mn");
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 1, REASM_EV_GAP, 10, 2);
    assert_int_equal(reasm_pending_bytes(&d), 0);
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_capture_truncation(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 0, REASM_TCP_SYN, "");
    /* in order, 4 of 10 bytes captured: the tail is a gap at once */
    reasm_segment(&d, 0, 1, 0, (const uint8_t *)"ABCD", 4, 10, &CB, &rc, 0);
    expect_out(&rc, "ABCD");
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 1, REASM_EV_GAP, 4, 6);
    /* out of order truncated segment [20,30) with 3 captured, then [10,20) */
    reasm_segment(&d, 0, 21, 0, (const uint8_t *)"uvw", 3, 10, &CB, &rc, 0);
    reasm_segment(&d, 0, 11, 0, (const uint8_t *)"klmnopqrst", 10, 10, &CB, &rc, 0);
    expect_out(&rc, "ABCDklmnopqrstuvw");
    assert_int_equal(rc.nev, 3);
    expect_ev(&rc, 2, REASM_EV_GAP, 23, 7);
    /* the next segment continues after the lost tail */
    SEG(&d, &rc, 31, 0, "Z");
    expect_out(&rc, "ABCDklmnopqrstuvwZ");
    reasm_cleanup(&d);
    rec_free(&rc);
}

static void test_rst_and_syn_retransmit(void **state)
{
    (void)state;
    reasm_dir d;
    rec rc = {0};
    reasm_init(&d, NULL);
    SEG(&d, &rc, 41, REASM_TCP_SYN, "");
    SEG(&d, &rc, 41, REASM_TCP_SYN, ""); /* retransmitted SYN: no event */
    SEG(&d, &rc, 42, 0, "abc");
    SEG(&d, &rc, 45, REASM_TCP_RST, "ignored payload");
    SEG(&d, &rc, 45, REASM_TCP_RST, "");
    expect_out(&rc, "abc");
    assert_int_equal(rc.nev, 2);
    expect_ev(&rc, 0, REASM_EV_SYN, 0, 0);
    expect_ev(&rc, 1, REASM_EV_RST, 3, 0);
    reasm_cleanup(&d);
    rec_free(&rc);
}

/* ---------- randomised property test ---------- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

typedef struct rseg {
    uint32_t off, len;
} rseg;

/* Deliveries and gaps must tile [0, N) exactly and each delivered byte must be the original. */
typedef struct tiler {
    const uint8_t *orig;
    uint64_t pos;
    uint64_t gap_bytes;
} tiler;

static void tile_data(void *ctx, int side, uint64_t ts, const uint8_t *b, size_t n)
{
    tiler *t = ctx;
    assert_memory_equal(b, t->orig + t->pos, n);
    t->pos += n;
}

static void tile_event(void *ctx, int side, uint64_t ts, reasm_event ev, uint64_t off, uint64_t len)
{
    tiler *t = ctx;
    assert_int_not_equal(ev, REASM_EV_OVERLAP_CONFLICT);
    if (ev == REASM_EV_GAP) {
        assert_int_equal(off, t->pos);
        t->pos += len;
        t->gap_bytes += len;
    }
}

static void random_run(uint64_t seed, bool drops)
{
    enum { N = 20000, MAXSEG = 4000 };
    static uint8_t orig[N];
    static rseg segs[MAXSEG];
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < N; i++)
        orig[i] = (uint8_t)rnd();
    size_t ns = 0;
    uint32_t off = 0;
    while (off < N && ns < MAXSEG - 2) {
        uint32_t len = 1 + rnd() % 700;
        if (off + len > N)
            len = N - off;
        segs[ns++] = (rseg){off, len};
        if (rnd() % 4 == 0 && off > 0) { /* overlapping re-send */
            uint32_t back = rnd() % (off < 300 ? off : 300);
            uint32_t l2 = back + 1 + rnd() % 500;
            if (off - back + l2 > N)
                l2 = N - (off - back);
            segs[ns++] = (rseg){off - back, l2};
        }
        off += len;
    }
    /* local shuffles */
    for (size_t i = 0; i + 1 < ns; i++) {
        if (rnd() % 3 == 0) {
            size_t j = i + 1 + rnd() % 6;
            if (j >= ns)
                j = ns - 1;
            rseg tmp = segs[i];
            segs[i] = segs[j];
            segs[j] = tmp;
        }
    }
    uint32_t isn = rnd() % 3 == 0 ? 0xFFFFFFFFu - (rnd() % 5000) : rnd();
    reasm_dir d;
    reasm_limits lim = {.max_pending_bytes = drops ? 3000 : 0};
    reasm_init(&d, &lim);
    tiler t = {orig, 0, 0};
    reasm_callbacks cb = {tile_data, tile_event};
    reasm_segment(&d, 0, isn, REASM_TCP_SYN, NULL, 0, 0, &cb, &t, 0);
    size_t dropped = 0;
    for (size_t i = 0; i < ns; i++) {
        if (drops && rnd() % 10 == 0) {
            dropped++;
            continue;
        }
        reasm_segment(&d, 0, isn + 1 + segs[i].off, REASM_TCP_ACK, orig + segs[i].off, segs[i].len,
                      segs[i].len, &cb, &t, 0);
        if (rnd() % 8 == 0) /* exact duplicate */
            reasm_segment(&d, 0, isn + 1 + segs[i].off, REASM_TCP_ACK, orig + segs[i].off,
                          segs[i].len, segs[i].len, &cb, &t, 0);
    }
    reasm_segment(&d, 0, isn + 1 + N, REASM_TCP_FIN, NULL, 0, 0, &cb, &t, 0);
    reasm_flush(&d, 0, &cb, &t, 0);
    assert_int_equal(t.pos, N);
    assert_true(d.fin_reported);
    assert_int_equal(d.st.bytes_delivered + t.gap_bytes, N);
    assert_int_equal(d.st.gap_bytes, t.gap_bytes);
    if (!drops)
        assert_int_equal(t.gap_bytes, 0);
    assert_int_equal(reasm_pending_bytes(&d), 0);
    reasm_cleanup(&d);
}

static void test_random_reorder_dup_overlap(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 60; s++)
        random_run(s, false);
}

static void test_random_with_drops(void **state)
{
    (void)state;
    for (uint64_t s = 100; s <= 160; s++)
        random_run(s, true);
}

/* ---------- end to end: hs2pcap ---------- */

typedef struct stream_sink {
    rec side[2];
    int syn_side; /* side that sent the first SYN (the client) */
    reasm_stats st[2];
} stream_sink;

static void e2e_data(void *ctx, int side, uint64_t ts, const uint8_t *b, size_t n)
{
    stream_sink *s = ctx;
    rec_data(&s->side[side], side, ts, b, n);
}

static void e2e_event(void *ctx, int side, uint64_t ts, reasm_event ev, uint64_t off, uint64_t len)
{
    stream_sink *s = ctx;
    rec_event(&s->side[side], side, ts, ev, off, len);
}

static const char *bin_dir(void)
{
    const char *b = getenv("MTLS_BINARY_DIR");
    assert_non_null(b);
    return b;
}

static void run_cmd(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    assert_int_equal(rc, 0);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)sz + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return buf;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Reads the pcap written by hs2pcap (Ethernet or raw IP, IPv4 or IPv6 without
 * extension headers) through the flow table and reassembly. */
static void reassemble_pcap(const char *path, stream_sink *sink, size_t *packets)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        fprintf(stderr, "%s\n", err);
    assert_non_null(p);
    int dlt = pcap_datalink(p);
    assert_true(dlt == DLT_EN10MB || dlt == DLT_RAW);
    flow_table *ft = flow_table_new(4);
    assert_non_null(ft);
    reasm_callbacks cb = {e2e_data, e2e_event};
    struct pcap_pkthdr *h;
    const u_char *pkt;
    sink->syn_side = -1;
    flow_t *flow = NULL;
    uint64_t last_ts = 0;
    *packets = 0;
    while (pcap_next_ex(p, &h, &pkt) == 1) {
        (*packets)++;
        const uint8_t *q = pkt;
        size_t n = h->caplen;
        if (dlt == DLT_EN10MB) {
            assert_true(n >= 14);
            q += 14;
            n -= 14;
        }
        assert_true(n >= 20);
        int fam;
        const uint8_t *src, *dst;
        size_t iphl;
        if ((q[0] >> 4) == 4) {
            fam = 4;
            iphl = (size_t)(q[0] & 15) * 4;
            assert_int_equal(q[9], 6);
            src = q + 12;
            dst = q + 16;
            assert_int_equal(be16(q + 2), h->len - (dlt == DLT_EN10MB ? 14 : 0));
        } else {
            fam = 6;
            iphl = 40;
            assert_int_equal(q[6], 6);
            src = q + 8;
            dst = q + 24;
        }
        assert_true(n >= iphl + 20);
        const uint8_t *tcp = q + iphl;
        size_t thl = (size_t)(tcp[12] >> 4) * 4;
        assert_true(n >= iphl + thl);
        size_t plen = n - iphl - thl;
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        assert_true(ts > last_ts); /* deterministic, strictly increasing timestamps */
        last_ts = ts;
        int side;
        bool created;
        flow_t *f = flow_table_get(ft, fam, src, dst, be16(tcp), be16(tcp + 2), ts, true, &side, &created);
        assert_non_null(f);
        if (flow)
            assert_ptr_equal(f, flow); /* one connection */
        flow = f;
        uint8_t flags = tcp[13];
        if ((flags & REASM_TCP_SYN) && !(flags & REASM_TCP_ACK) && sink->syn_side < 0)
            sink->syn_side = side;
        assert_non_null(flow_dirs(ft, f));
        reasm_segment(&f->dir[side], ts, be32(tcp + 4), flags, tcp + thl, plen, plen, &cb, sink, side);
    }
    pcap_close(p);
    assert_non_null(flow);
    reasm_flush(&flow->dir[0], last_ts, &cb, sink, 0);
    reasm_flush(&flow->dir[1], last_ts, &cb, sink, 1);
    sink->st[0] = flow->dir[0].st;
    sink->st[1] = flow->dir[1].st;
    assert_int_equal(flow_table_count(ft), 1);
    flow_table_free(ft);
}

static size_t count_ev(const rec *r, reasm_event ev)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++)
        n += r->ev[i].ev == ev;
    return n;
}

/* Runs hs2pcap with `opts`, reassembles, compares each direction with the
 * streams the tool dumped. Returns the number of conflict events seen. */
static size_t e2e_case(const char *name, const char *opts, bool expect_identical, reasm_stats *st_out)
{
    char dir[] = "/tmp/mtls_reasm_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024], path[512], c2s[512], s2c[512];
    snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
    snprintf(cmd, sizeof cmd, "%s/tests/hs2pcap %s --dump-streams %s/%s -o %s", bin_dir(), opts, dir, name, path);
    run_cmd(cmd);
    stream_sink sink;
    memset(&sink, 0, sizeof sink);
    size_t packets = 0;
    reassemble_pcap(path, &sink, &packets);
    assert_true(packets > 6);
    assert_true(sink.syn_side == 0); /* the client's SYN comes first and created the flow */
    snprintf(c2s, sizeof c2s, "%s/%s.c2s", dir, name);
    snprintf(s2c, sizeof s2c, "%s/%s.s2c", dir, name);
    size_t n0, n1;
    uint8_t *e0 = read_file(c2s, &n0), *e1 = read_file(s2c, &n1);
    assert_true(n0 > 100 && n1 > 500); /* a real handshake each way */
    assert_int_equal(e0[0], 0x16);     /* handshake record first */
    assert_int_equal(e1[0], 0x16);
    if (expect_identical) {
        assert_int_equal(sink.side[0].n, n0);
        assert_memory_equal(sink.side[0].out, e0, n0);
        assert_int_equal(sink.side[1].n, n1);
        assert_memory_equal(sink.side[1].out, e1, n1);
        for (int s = 0; s < 2; s++) {
            assert_int_equal(count_ev(&sink.side[s], REASM_EV_GAP), 0);
            assert_int_equal(count_ev(&sink.side[s], REASM_EV_SYN), 1);
            assert_int_equal(count_ev(&sink.side[s], REASM_EV_FIN), 1);
        }
    } else {
        /* with drops: every delivered byte is where the gaps say it is */
        for (int s = 0; s < 2; s++) {
            const uint8_t *exp = s == 0 ? e0 : e1;
            size_t en = s == 0 ? n0 : n1;
            uint64_t pos = 0, outpos = 0, gaps = 0;
            const rec *r = &sink.side[s];
            for (size_t i = 0; i < r->nev; i++) {
                if (r->ev[i].ev != REASM_EV_GAP)
                    continue;
                uint64_t k = r->ev[i].off - pos; /* delivered bytes before this gap */
                assert_true(outpos + k <= r->n);
                assert_memory_equal(r->out + outpos, exp + pos, k);
                outpos += k;
                pos = r->ev[i].off + r->ev[i].len;
                gaps++;
            }
            assert_int_equal(r->n - outpos, en - pos);
            assert_memory_equal(r->out + outpos, exp + pos, en - pos);
        }
        assert_true(count_ev(&sink.side[0], REASM_EV_GAP) + count_ev(&sink.side[1], REASM_EV_GAP) > 0);
    }
    st_out[0] = sink.st[0];
    st_out[1] = sink.st[1];
    size_t conflicts = count_ev(&sink.side[0], REASM_EV_OVERLAP_CONFLICT) +
                       count_ev(&sink.side[1], REASM_EV_OVERLAP_CONFLICT);
    free(e0);
    free(e1);
    rec_free(&sink.side[0]);
    rec_free(&sink.side[1]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    run_cmd(cmd);
    return conflicts;
}

static void test_e2e_clean_tls13_mtls(void **state)
{
    (void)state;
    reasm_stats st[2];
    assert_int_equal(e2e_case("clean13", "--tls13 --mtls --mss 100000 --seed 7", true, st), 0);
    for (int s = 0; s < 2; s++) {
        assert_int_equal(st[s].out_of_order, 0);
        assert_int_equal(st[s].bytes_dup, 0);
        assert_int_equal(st[s].pending_peak, 0);
    }
}

static void test_e2e_nasty_tls13_mtls(void **state)
{
    (void)state;
    reasm_stats st[2];
    assert_int_equal(e2e_case("nasty13", "--tls13 --mtls --mss 97 --reorder 2 --retransmit 3 --overlap 4 --seed 7", true, st), 0);
    for (int s = 0; s < 2; s++) { /* the nastiness really happened in both directions */
        assert_true(st[s].out_of_order > 0);
        assert_true(st[s].bytes_dup > 0);
    }
}

static void test_e2e_nasty_tls12_wrap_ipv6(void **state)
{
    (void)state;
    reasm_stats st[2];
    assert_int_equal(e2e_case("nasty12", "--tls12 --mtls --ipv6 --isn-wrap --mss 61 --reorder 4 --retransmit 3 --overlap 5 --seed 11", true, st), 0);
    for (int s = 0; s < 2; s++) {
        assert_true(st[s].out_of_order > 0);
        assert_true(st[s].bytes_dup > 0);
    }
}

static void test_e2e_conflict(void **state)
{
    (void)state;
    reasm_stats st[2];
    assert_int_equal(e2e_case("conflict", "--tls13 --mss 200 --conflict --raw --seed 3", true, st), 1);
    assert_int_equal(st[0].overlap_conflicts + st[1].overlap_conflicts, 1);
}

static void test_e2e_drops(void **state)
{
    (void)state;
    reasm_stats st[2];
    e2e_case("drops", "--tls12 --no-client-cert --mss 120 --drop 5 --reorder 4 --seed 5", false, st);
    assert_true(st[0].gaps + st[1].gaps > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_zero_copy),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_duplicates_silent),
        cmocka_unit_test(test_overlap_same_content),
        cmocka_unit_test(test_overlap_conflict_first_wins),
        cmocka_unit_test(test_in_order_segment_spanning_pending),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_mid_connection_start),
        cmocka_unit_test(test_gap_then_flush),
        cmocka_unit_test(test_cap_bytes_forces_gap),
        cmocka_unit_test(test_cap_segments_forces_gap_oldest_first),
        cmocka_unit_test(test_shared_cap_drops),
        cmocka_unit_test(test_skip_from_callback),
        cmocka_unit_test(test_skip_over_pending),
        cmocka_unit_test(test_capture_truncation),
        cmocka_unit_test(test_rst_and_syn_retransmit),
        cmocka_unit_test(test_random_reorder_dup_overlap),
        cmocka_unit_test(test_random_with_drops),
        cmocka_unit_test(test_e2e_clean_tls13_mtls),
        cmocka_unit_test(test_e2e_nasty_tls13_mtls),
        cmocka_unit_test(test_e2e_nasty_tls12_wrap_ipv6),
        cmocka_unit_test(test_e2e_conflict),
        cmocka_unit_test(test_e2e_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
