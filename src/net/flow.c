/*
 * flow.c — open-addressing flow table (see flow.h).
 *
 * Slots hold (pool index + 1, hash); 0 marks an empty slot. The slot array is
 * a power of two kept at least twice the open flows (it starts small and
 * doubles, up to twice the pool), so probes stay short and lookups touch a
 * table that fits the cache while few flows are open; deletion
 * shifts the following cluster back instead of leaving tombstones, so the
 * table does not degrade under churn.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

typedef struct slot {
    uint32_t idx; /* pool index + 1; 0 = empty */
    uint32_t hash;
} slot;

/* A flow that ended: its key and when. A newer close that hashes to the same
 * slot replaces it (the memory is a hint, never needed for correctness). */
typedef struct closed_slot {
    flow_key key;
    uint64_t ts_us; /* 0 = empty */
} closed_slot;
#define FIRST_SLOTS 4096u /* 32 KiB of slots until 2,048 flows are open */

struct flow_table {
    flow_t *pool;
    size_t max_flows;
    size_t count;
    flow_t *free_list; /* chained through lru_next */
    size_t pool_used;  /* pool[0..pool_used) have been handed out at least once: the
                          rest is never touched, so memory grows with open flows */
    slot *slots;
    size_t mask;
    size_t max_slots; /* twice max_flows, rounded up to a power of two */
    flow_t *oldest, *newest;
    uint64_t seed;
    reasm_limits lim;
    bool have_lim;
    closed_slot *closed; /* recently closed flows, direct-mapped by hash (made at the first close) */
    size_t closed_slots; /* a power of two */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Hash of one endpoint; the flow hash combines both with a commutative
 * operation so that it does not depend on the direction. */
static uint64_t endpoint_hash(uint64_t seed, const uint8_t *addr, uint16_t port)
{
    uint64_t h = seed ^ port;
    h = mix64(h ^ load64(addr));
    h = mix64(h ^ load64(addr + 8));
    return h;
}

static uint32_t flow_hash(const flow_table *t, uint8_t family, const uint8_t a[16], uint16_t pa,
                          const uint8_t b[16], uint16_t pb)
{
    uint64_t h = endpoint_hash(t->seed, a, pa) + endpoint_hash(t->seed, b, pb);
    h = mix64(h ^ family);
    return (uint32_t)(h ^ (h >> 32));
}

flow_table *flow_table_new(size_t max_flows)
{
    if (max_flows == 0 || max_flows > ((size_t)1 << 30))
        return NULL;
    flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    size_t max_slots = 16;
    while (max_slots < max_flows * 2)
        max_slots <<= 1;
    size_t cap = max_slots < FIRST_SLOTS ? max_slots : FIRST_SLOTS;
    t->pool = calloc(max_flows, sizeof(flow_t));
    t->slots = calloc(cap, sizeof(slot));
    if (!t->pool || !t->slots) {
        free(t->pool);
        free(t->slots);
        free(t);
        return NULL;
    }
    t->max_flows = max_flows;
    t->mask = cap - 1;
    t->max_slots = max_slots;
    /* A secret seed keeps crafted captures from piling flows into one
     * cluster; iteration never depends on it (LRU order). */
    if (getrandom(&t->seed, sizeof t->seed, GRND_NONBLOCK) != (ssize_t)sizeof t->seed)
        t->seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)t;
    t->closed_slots = FLOW_CLOSED_SLOTS;
    return t;
}

static void free_dirs(flow_t *f)
{
    if (!f->dir)
        return;
    reasm_cleanup(&f->dir[0]);
    reasm_cleanup(&f->dir[1]);
    free(f->dir);
    f->dir = NULL;
}

void flow_table_free(flow_table *t)
{
    if (!t)
        return;
    for (flow_t *f = t->oldest; f; f = f->lru_next)
        free_dirs(f);
    free(t->pool);
    free(t->slots);
    free(t->closed);
    free(t);
}

void flow_table_set_reasm_limits(flow_table *t, const reasm_limits *lim)
{
    if (lim) {
        t->lim = *lim;
        t->have_lim = true;
    } else {
        t->have_lim = false;
    }
}

static void lru_unlink(flow_table *t, flow_t *f)
{
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        t->oldest = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        t->newest = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(flow_table *t, flow_t *f)
{
    f->lru_next = NULL;
    f->lru_prev = t->newest;
    if (t->newest)
        t->newest->lru_next = f;
    else
        t->oldest = f;
    t->newest = f;
}

static void normalise_addr(int family, const uint8_t *in, uint8_t out[16])
{
    memset(out, 0, 16);
    memcpy(out, in, family == 4 ? 4 : 16);
}

void flow_table_set_closed_slots(flow_table *t, size_t n)
{
    if (t->closed)
        return;
    size_t slots = 64;
    while (slots * 2 <= n && slots < FLOW_CLOSED_SLOTS)
        slots *= 2;
    t->closed_slots = slots;
}

void flow_table_remember_closed(flow_table *t, const flow_t *f, uint64_t ts_us)
{
    if (!t->closed && !(t->closed = calloc(t->closed_slots, sizeof(closed_slot))))
        return;
    closed_slot *c = &t->closed[f->hash & (t->closed_slots - 1)];
    c->key = f->key;
    c->ts_us = ts_us ? ts_us : 1;
}

bool flow_table_recently_closed(const flow_table *t, int family, const uint8_t *src, const uint8_t *dst,
                                uint16_t sport, uint16_t dport, uint64_t ts_us, uint64_t window_us)
{
    if (!t->closed || (family != 4 && family != 6))
        return false;
    uint8_t a[16], b[16];
    normalise_addr(family, src, a);
    normalise_addr(family, dst, b);
    const closed_slot *c = &t->closed[flow_hash(t, (uint8_t)family, a, sport, b, dport) & (t->closed_slots - 1)];
    if (!c->ts_us || c->key.family != family || ts_us > c->ts_us + window_us)
        return false;
    const flow_key *k = &c->key;
    return (memcmp(k->addr[0], a, 16) == 0 && k->port[0] == sport && memcmp(k->addr[1], b, 16) == 0 &&
            k->port[1] == dport) ||
           (memcmp(k->addr[0], b, 16) == 0 && k->port[0] == dport && memcmp(k->addr[1], a, 16) == 0 &&
            k->port[1] == sport);
}

/* Double the slot array and place every flow again (at most once per
 * doubling of open flows). On OOM the table stays as it is: still correct,
 * only fuller. */
static void grow_slots(flow_table *t)
{
    size_t cap = (t->mask + 1) * 2;
    slot *ns = calloc(cap, sizeof(slot));
    if (!ns)
        return;
    for (size_t k = 0; k <= t->mask; k++) {
        if (t->slots[k].idx == 0)
            continue;
        size_t i = t->slots[k].hash & (cap - 1);
        while (ns[i].idx != 0)
            i = (i + 1) & (cap - 1);
        ns[i] = t->slots[k];
    }
    free(t->slots);
    t->slots = ns;
    t->mask = cap - 1;
}

flow_t *flow_table_get(flow_table *t, int family, const uint8_t *src, const uint8_t *dst,
                       uint16_t sport, uint16_t dport, uint64_t ts_us, bool create,
                       int *side_out, bool *created_out)
{
    if (created_out)
        *created_out = false;
    if (family != 4 && family != 6)
        return NULL;
    uint8_t s[16], d[16];
    normalise_addr(family, src, s);
    normalise_addr(family, dst, d);
    uint32_t h = flow_hash(t, (uint8_t)family, s, sport, d, dport);

    size_t i = h & t->mask;
    for (; t->slots[i].idx != 0; i = (i + 1) & t->mask) {
        if (t->slots[i].hash != h)
            continue;
        flow_t *f = &t->pool[t->slots[i].idx - 1];
        const flow_key *k = &f->key;
        if (k->family != family)
            continue;
        int side;
        if (k->port[0] == sport && k->port[1] == dport && memcmp(k->addr[0], s, 16) == 0 &&
            memcmp(k->addr[1], d, 16) == 0)
            side = 0;
        else if (k->port[0] == dport && k->port[1] == sport && memcmp(k->addr[0], d, 16) == 0 &&
                 memcmp(k->addr[1], s, 16) == 0)
            side = 1;
        else
            continue;
        if (side_out)
            *side_out = side;
        if (ts_us > f->last_ts_us)
            f->last_ts_us = ts_us;
        if (t->newest != f) {
            lru_unlink(t, f);
            lru_append(t, f);
        }
        return f;
    }
    if (!create)
        return NULL;
    flow_t *f;
    if (t->free_list) {
        f = t->free_list;
        t->free_list = f->lru_next;
    } else if (t->pool_used < t->max_flows) {
        f = &t->pool[t->pool_used++];
    } else {
        return NULL;
    }
    if ((t->count + 1) * 2 > t->mask + 1 && t->mask + 1 < t->max_slots) {
        grow_slots(t);
        for (i = h & t->mask; t->slots[i].idx != 0; i = (i + 1) & t->mask)
            ;
    }
    memset(f, 0, sizeof(*f));
    f->key.family = (uint8_t)family;
    memcpy(f->key.addr[0], s, 16);
    memcpy(f->key.addr[1], d, 16);
    f->key.port[0] = sport;
    f->key.port[1] = dport;
    f->client_side = -1;
    f->first_ts_us = f->last_ts_us = ts_us;
    f->hash = h;
    f->in_use = true;
    t->slots[i].idx = (uint32_t)(f - t->pool) + 1;
    t->slots[i].hash = h;
    lru_append(t, f);
    t->count++;
    if (side_out)
        *side_out = 0;
    if (created_out)
        *created_out = true;
    return f;
}

void flow_table_remove(flow_table *t, flow_t *f)
{
    if (!f || !f->in_use)
        return;
    uint32_t want = (uint32_t)(f - t->pool) + 1;
    size_t i = f->hash & t->mask;
    while (t->slots[i].idx != want)
        i = (i + 1) & t->mask; /* present by construction: the loop ends */

    /* Backward-shift deletion: move later members of the cluster into the
     * hole when their home slot is not between the hole and themselves. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & t->mask;
        if (t->slots[j].idx == 0)
            break;
        size_t home = t->slots[j].hash & t->mask;
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        t->slots[i] = t->slots[j];
        i = j;
    }
    t->slots[i].idx = 0;
    t->slots[i].hash = 0;

    free_dirs(f);
    lru_unlink(t, f);
    f->in_use = false;
    f->user = NULL;
    f->kept = NULL;
    f->lru_next = t->free_list;
    t->free_list = f;
    t->count--;
}

flow_t *flow_table_lru_oldest(const flow_table *t) { return t->oldest; }
void flow_table_foreach(flow_table *t, void (*fn)(flow_table *t, flow_t *f, void *ctx), void *ctx)
{
    flow_t *f = t->oldest;
    while (f) {
        flow_t *next = f->lru_next;
        fn(t, f, ctx);
        f = next;
    }
}

size_t flow_table_count(const flow_table *t) { return t->count; }

void flow_note_syn(flow_t *f, int side, uint32_t seq, uint8_t tcp_flags)
{
    if (!(tcp_flags & REASM_TCP_SYN))
        return;
    if (f->dir) {
        reasm_segment(&f->dir[side], 0, seq, tcp_flags & REASM_TCP_SYN, NULL, 0, 0, NULL, NULL, side);
        return;
    }
    if (!(f->syn_seen & (1u << side))) {
        f->isn[side] = seq;
        f->syn_seen |= (uint8_t)(1u << side);
    }
}

reasm_dir *flow_dirs(flow_table *t, flow_t *f)
{
    if (f->dir)
        return f->dir;
    if (!(f->dir = malloc(2 * sizeof(reasm_dir))))
        return NULL;
    for (int s = 0; s < 2; s++) {
        reasm_init(&f->dir[s], t->have_lim ? &t->lim : NULL);
        if (f->syn_seen & (1u << s))
            reasm_segment(&f->dir[s], f->first_ts_us, f->isn[s], REASM_TCP_SYN, NULL, 0, 0, NULL, NULL, s);
    }
    return f->dir;
}

void flow_reset_reassembly(flow_t *f, const reasm_limits *lim)
{
    for (int i = 0; f->dir && i < 2; i++) {
        reasm_cleanup(&f->dir[i]);
        reasm_init(&f->dir[i], lim);
    }
}

bool flow_both_fin(const flow_t *f) { return f->dir && f->dir[0].fin_seen && f->dir[1].fin_seen; }
