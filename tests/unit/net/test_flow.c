/*
 * test_flow.c — flow table (src/flow.c): lookups from both directions, side
 * numbering, full table and eviction, LRU order, removal during iteration,
 * reassembly memory released with the flow, and 1,000,000 random
 * inserts/removes/lookups checked against a shadow model (also in a table
 * whose slot array grows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flow.h"

static const uint8_t A4[4] = {192, 0, 2, 1}, B4[4] = {198, 51, 100, 7};
static uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void test_both_directions(void **state)
{
    (void)state;
    flow_table *t = flow_table_new(8);
    assert_non_null(t);
    int side = -5;
    bool created = false;
    flow_t *f = flow_table_get(t, 4, A4, B4, 50000, 443, 100, true, &side, &created);
    assert_non_null(f);
    assert_true(created);
    assert_int_equal(side, 0);
    assert_int_equal(f->client_side, -1);
    assert_null(f->user);
    assert_int_equal(f->key.family, 4);
    assert_memory_equal(f->key.addr[0], A4, 4);
    assert_memory_equal(f->key.addr[1], B4, 4);
    assert_int_equal(f->key.port[0], 50000);
    assert_int_equal(f->key.port[1], 443);
    assert_int_equal(f->first_ts_us, 100);

    flow_t *g = flow_table_get(t, 4, B4, A4, 443, 50000, 250, true, &side, &created);
    assert_ptr_equal(g, f);
    assert_false(created);
    assert_int_equal(side, 1);
    assert_int_equal(f->first_ts_us, 100);
    assert_int_equal(f->last_ts_us, 250);
    g = flow_table_get(t, 4, A4, B4, 50000, 443, 260, false, &side, &created);
    assert_ptr_equal(g, f);
    assert_int_equal(side, 0);

    /* neighbours that must not match */
    assert_null(flow_table_get(t, 4, A4, B4, 50001, 443, 1, false, &side, &created));
    assert_null(flow_table_get(t, 4, A4, B4, 443, 50000, 1, false, &side, &created)); /* ports swapped only */
    assert_null(flow_table_get(t, 4, A4, A4, 50000, 443, 1, false, &side, &created));
    uint8_t a6v4[16] = {192, 0, 2, 1}, b6v4[16] = {198, 51, 100, 7};
    assert_null(flow_table_get(t, 6, a6v4, b6v4, 50000, 443, 1, false, &side, &created)); /* family differs */
    assert_null(flow_table_get(t, 5, A4, B4, 50000, 443, 1, true, &side, &created));
    assert_false(created);
    assert_int_equal(flow_table_count(t), 1);

    flow_t *h = flow_table_get(t, 6, A6, B6, 1234, 8443, 300, true, &side, &created);
    assert_non_null(h);
    assert_ptr_not_equal(h, f);
    assert_ptr_equal(flow_table_get(t, 6, B6, A6, 8443, 1234, 301, false, &side, NULL), h);
    assert_int_equal(side, 1);
    /* a flow between the same endpoints where the port pair is reversed is another flow */
    flow_t *k = flow_table_get(t, 6, A6, B6, 8443, 1234, 302, true, &side, &created);
    assert_true(created);
    assert_ptr_not_equal(k, h);
    assert_int_equal(flow_table_count(t), 3);
    flow_table_free(t);
    flow_table_free(NULL);
    assert_null(flow_table_new(0));
}

static uint8_t *addr_n(uint32_t n, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 10;
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    return out;
}

static void test_full_and_evict(void **state)
{
    (void)state;
    flow_table *t = flow_table_new(3);
    uint8_t a[16], b[16];
    addr_n(999, b);
    flow_t *fl[3];
    for (uint32_t i = 0; i < 3; i++) {
        bool created;
        fl[i] = flow_table_get(t, 4, addr_n(i, a), b, 1000, 443, i, true, NULL, &created);
        assert_non_null(fl[i]);
        assert_true(created);
    }
    bool created = true;
    int side = -1;
    assert_null(flow_table_get(t, 4, addr_n(7, a), b, 1000, 443, 10, true, &side, &created));
    assert_false(created);
    assert_int_equal(flow_table_count(t), 3);
    /* existing flows are still found when full */
    assert_ptr_equal(flow_table_get(t, 4, b, addr_n(0, a), 443, 1000, 11, true, &side, &created), fl[0]);
    assert_int_equal(side, 1);
    /* flow 0 was just touched: the oldest is flow 1 */
    flow_t *old = flow_table_lru_oldest(t);
    assert_ptr_equal(old, fl[1]);
    flow_table_remove(t, old);
    assert_int_equal(flow_table_count(t), 2);
    assert_null(flow_table_get(t, 4, addr_n(1, a), b, 1000, 443, 12, false, NULL, NULL));
    flow_t *n = flow_table_get(t, 4, addr_n(7, a), b, 1000, 443, 13, true, &side, &created);
    assert_non_null(n);
    assert_true(created);
    assert_int_equal(n->first_ts_us, 13);
    assert_int_equal(flow_table_count(t), 3);
    flow_table_free(t);
}

typedef struct walk {
    flow_t *seen[16];
    size_t n;
    bool remove;
} walk;

static void walk_fn(flow_table *t, flow_t *f, void *ctx)
{
    walk *w = ctx;
    w->seen[w->n++] = f;
    if (w->remove)
        flow_table_remove(t, f);
}

static void test_lru_order_and_foreach(void **state)
{
    (void)state;
    flow_table *t = flow_table_new(8);
    uint8_t a[16], b[16];
    addr_n(500, b);
    flow_t *fl[5];
    for (uint32_t i = 0; i < 5; i++)
        fl[i] = flow_table_get(t, 4, addr_n(i, a), b, 1, 2, 10 + i, true, NULL, NULL);
    assert_ptr_equal(flow_table_lru_oldest(t), fl[0]);
    /* touch 2, then 0 (from the other direction) */
    assert_ptr_equal(flow_table_get(t, 4, addr_n(2, a), b, 1, 2, 20, false, NULL, NULL), fl[2]);
    assert_ptr_equal(flow_table_get(t, 4, b, addr_n(0, a), 2, 1, 21, false, NULL, NULL), fl[0]);
    flow_t *expect[5] = {fl[1], fl[3], fl[4], fl[2], fl[0]};
    size_t i = 0;
    for (flow_t *f = flow_table_lru_oldest(t); f; f = flow_lru_newer(f))
        assert_ptr_equal(f, expect[i++]);
    assert_int_equal(i, 5);
    /* a middle removal keeps the list linked */
    flow_table_remove(t, fl[4]);
    walk w = {.remove = false};
    flow_table_foreach(t, walk_fn, &w);
    assert_int_equal(w.n, 4);
    assert_ptr_equal(w.seen[0], fl[1]);
    assert_ptr_equal(w.seen[1], fl[3]);
    assert_ptr_equal(w.seen[2], fl[2]);
    assert_ptr_equal(w.seen[3], fl[0]);
    /* removing every flow from inside foreach */
    walk w2 = {.remove = true};
    flow_table_foreach(t, walk_fn, &w2);
    assert_int_equal(w2.n, 4);
    assert_int_equal(flow_table_count(t), 0);
    assert_null(flow_table_lru_oldest(t));
    flow_table_free(t);
}

static void rec_data(void *ctx, int side, uint64_t ts, const uint8_t *b, size_t n)
{
    size_t *delivered = ctx;
    *delivered += n;
}

static void test_reasm_memory_released(void **state)
{
    (void)state;
    size_t total = 0, delivered = 0;
    reasm_limits lim = {.max_pending_bytes = 1000, .total = &total, .max_total = 100000};
    flow_table *t = flow_table_new(4);
    flow_table_set_reasm_limits(t, &lim);
    reasm_callbacks cb = {rec_data, NULL};
    flow_t *f = flow_table_get(t, 4, A4, B4, 1, 2, 0, true, NULL, NULL);
    flow_t *g = flow_table_get(t, 4, A4, B4, 3, 4, 0, true, NULL, NULL);
    assert_null(f->dir); /* made at the first payload byte */
    assert_non_null(flow_dirs(t, f));
    assert_int_equal(f->dir[0].lim.max_pending_bytes, 1000);
    assert_ptr_equal(f->dir[1].lim.total, &total);
    static const uint8_t data[64] = {1};
    reasm_segment(&f->dir[0], 0, 100, REASM_TCP_SYN, NULL, 0, 0, &cb, &delivered, 0);
    reasm_segment(&f->dir[0], 0, 111, 0, data, 64, 64, &cb, &delivered, 0); /* out of order */
    assert_non_null(flow_dirs(t, g));
    reasm_segment(&g->dir[1], 0, 7, 0, data, 10, 10, &cb, &delivered, 1);   /* mid-connection: in order */
    reasm_segment(&g->dir[1], 0, 27, 0, data, 10, 10, &cb, &delivered, 1);  /* out of order */
    assert_int_equal(delivered, 10);
    assert_int_equal(total, reasm_piece_cost(64) + reasm_piece_cost(10));
    flow_table_remove(t, f);
    assert_int_equal(total, reasm_piece_cost(10));
    /* the pool entry is reused and comes back clean */
    flow_t *h = flow_table_get(t, 4, B4, A4, 9, 9, 5, true, NULL, NULL);
    assert_null(h->dir);
    assert_int_equal(h->syn_seen, 0);
    assert_non_null(flow_dirs(t, h));
    assert_int_equal(h->dir[0].pending_bytes, 0);
    assert_false(h->dir[0].started);
    assert_int_equal(h->client_side, -1);
    flow_table_free(t); /* frees g's pending piece */
    assert_int_equal(total, 0);
}

/* A SYN-only flow keeps its sequence numbers without reassembly state; the
 * directions made at the first payload byte start from the SYN. */
static void test_syn_only_flow_is_small(void **state)
{
    (void)state;
    assert_true(sizeof(flow_t) <= 256 - 2 * 8); /* with its two hash-slot words */
    flow_table *t = flow_table_new(4);
    flow_t *f = flow_table_get(t, 4, A4, B4, 1, 2, 0, true, NULL, NULL);
    flow_note_syn(f, 0, 1000, REASM_TCP_SYN);
    flow_note_syn(f, 0, 5000, REASM_TCP_SYN); /* a retransmitted SYN keeps the first */
    flow_note_syn(f, 1, 7000, REASM_TCP_SYN | REASM_TCP_ACK);
    flow_note_syn(f, 1, 9, REASM_TCP_ACK); /* not a SYN: ignored */
    assert_null(f->dir);
    reasm_dir *d = flow_dirs(t, f);
    assert_non_null(d);
    assert_true(d[0].syn_seen && d[0].started);
    assert_int_equal(d[0].base_seq, 1001);
    assert_true(d[1].syn_seen);
    assert_int_equal(d[1].base_seq, 7001);
    assert_ptr_equal(flow_dirs(t, f), d); /* made once */
    flow_table_free(t);
}

/* ---------- churn against a shadow model ---------- */

static uint64_t rs = 88172645463325252ULL;
static uint32_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t)(rs >> 20);
}

enum { KEYSPACE = 4096, MAXF = 1024, BIG_KEYSPACE = 40000, BIG_MAXF = 12000 };

static void key_of(uint32_t id, int *fam, uint8_t a[16], uint8_t b[16], uint16_t *pa, uint16_t *pb)
{
    *fam = (id & 1) ? 6 : 4;
    memset(a, 0, 16);
    memset(b, 0, 16);
    a[0] = 10;
    a[1] = (uint8_t)(id % 7);           /* few distinct addresses: many flows share them */
    b[0] = 10;
    b[1] = 99;
    *pa = (uint16_t)(1024 + id / 2);     /* ports keep the key unique */
    *pb = 443;
}

/* ops random inserts/lookups/removes over keyspace keys in a table of maxf
 * flows, checked against a shadow model. */
static void churn(uint32_t maxf, uint32_t keyspace, uint32_t ops)
{
    flow_table *t = flow_table_new(maxf);
    static flow_t *live[BIG_KEYSPACE];
    static bool live_rev[BIG_KEYSPACE]; /* direction of the packet that created the flow */
    memset(live, 0, sizeof live);
    size_t nlive = 0, removed = 0;
    for (uint32_t op = 0; op < ops; op++) {
        uint32_t id = rnd() % keyspace;
        int fam;
        uint8_t a[16], b[16];
        uint16_t pa, pb;
        key_of(id, &fam, a, b, &pa, &pb);
        bool rev = rnd() & 1;
        int side;
        bool created;
        uint32_t what = rnd() % 3;
        if (what == 0 && live[id]) { /* remove */
            flow_t *f = rev ? flow_table_get(t, fam, b, a, pb, pa, op, false, &side, &created)
                            : flow_table_get(t, fam, a, b, pa, pb, op, false, &side, &created);
            assert_ptr_equal(f, live[id]);
            flow_table_remove(t, f);
            live[id] = NULL;
            nlive--;
            removed++;
        } else {
            flow_t *f = rev ? flow_table_get(t, fam, b, a, pb, pa, op, true, &side, &created)
                            : flow_table_get(t, fam, a, b, pa, pb, op, true, &side, &created);
            if (live[id]) {
                assert_ptr_equal(f, live[id]);
                assert_false(created);
                assert_int_equal(side, rev == live_rev[id] ? 0 : 1);
            } else if (nlive == maxf) {
                assert_null(f);
                assert_false(created);
                /* evict the oldest, as the engine does */
                flow_t *old = flow_table_lru_oldest(t);
                uint32_t oid = (uint32_t)(uintptr_t)old->user;
                assert_ptr_equal(live[oid], old);
                flow_table_remove(t, old);
                live[oid] = NULL;
                nlive--;
                removed++;
            } else {
                assert_non_null(f);
                assert_true(created);
                assert_int_equal(side, 0);
                f->user = (void *)(uintptr_t)id;
                live[id] = f;
                live_rev[id] = rev;
                nlive++;
            }
        }
        assert_int_equal(flow_table_count(t), nlive);
    }
    /* final sweep: exactly the live keys are present */
    for (uint32_t id = 0; id < keyspace; id++) {
        int fam;
        uint8_t a[16], b[16];
        uint16_t pa, pb;
        key_of(id, &fam, a, b, &pa, &pb);
        flow_t *f = flow_table_get(t, fam, a, b, pa, pb, 0, false, NULL, NULL);
        assert_ptr_equal(f, live[id]);
    }
    assert_true(removed > ops / 10); /* the run removed often enough to matter */
    flow_table_free(t);
}

static void test_churn_million(void **state)
{
    (void)state;
    churn(MAXF, KEYSPACE, 1000000);
}

/* A table that starts with a small slot array and doubles it (4,096 slots
 * at first; 12,000 flows need 32,768) while flows come and go. */
static void test_churn_growing_slots(void **state)
{
    (void)state;
    churn(BIG_MAXF, BIG_KEYSPACE, 600000);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions),
        cmocka_unit_test(test_syn_only_flow_is_small),
        cmocka_unit_test(test_full_and_evict),
        cmocka_unit_test(test_lru_order_and_foreach),
        cmocka_unit_test(test_reasm_memory_released),
        cmocka_unit_test(test_churn_million),
        cmocka_unit_test(test_churn_growing_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
