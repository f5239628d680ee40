/* summary_links.c — cross-connection knowledge for the end summary, gathered
 * and put in printed order; printed by summary_text.c and summary_json.c
 * (see summary_links.h). */
#include "summary_links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "growbuf.h"

/* link_ids (summary_links.h) keeps the same ids whatever order they arrive in. */
static void ids_add(link_ids *s, uint64_t id)
{
    if (s->total && s->last == id)
        return;
    s->last = id;
    size_t i = 0;
    while (i < s->n && s->v[i] < id)
        i++;
    if (i < s->n && s->v[i] == id)
        return;
    s->total++;
    if (i >= LINKS_MAX_IDS)
        return;
    size_t last = s->n < LINKS_MAX_IDS ? s->n : LINKS_MAX_IDS - 1;
    memmove(&s->v[i + 1], &s->v[i], (last - i) * sizeof(s->v[0]));
    s->v[i] = id;
    if (s->n < LINKS_MAX_IDS)
        s->n++;
}

/* A CA certificate (not self-signed) sent after the leaf. */
typedef struct ca_sent {
    uint64_t key;  /* hash of sha256: the index's key */
    uint64_t subj; /* hash of subject: what a lacked issuer looks up */
    char sha256[65];
    char *subject;
    char *ski; /* may be NULL */
    link_ids on;
} ca_sent;

/* An issuer that a chain lacked: its certificate was neither sent nor found. */
typedef struct issuer_lacked {
    uint64_t key;  /* hash of issuer, aki and side: the index's key */
    uint64_t subj; /* hash of issuer: the subject of the CA certificate it lacks */
    char *issuer;
    char *aki; /* may be NULL */
    int side;  /* 0 client chains, 1 server chains */
    link_ids on;
} issuer_lacked;

/* A full handshake that can be resumed, or an abbreviated one: 24 bytes, so
 * that a day of handshakes fits (64-bit hashes stand for the address pair and
 * the session ID; two different ones collide with a chance of 2^-64). */
typedef struct hs_rec {
    uint64_t pair;   /* hash of the server address and port and the client address */
    uint64_t sid;    /* hash of the ServerHello's session ID, 0 when it has none */
    uint64_t id : 62;
    uint64_t ticket : 1;  /* full: issued a ticket */
    uint64_t resumed : 1; /* abbreviated handshake */
} hs_rec;

static uint64_t fnv64(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t str_hash(uint64_t h, const char *s)
{
    return s ? fnv64(h, (const uint8_t *)s, strlen(s) + 1) : fnv64(h, (const uint8_t *)"", 0) ^ 0x9e3779b97f4a7c15ULL;
}

#define FNV_SEED 0xcbf29ce484222325ULL

/* An open-addressing index over one of the tables (cas or lacks): slot =
 * entry index + 1, 0 empty. It follows the table lazily (index_fit before
 * each look-up) and is rebuilt when the table was reordered (cap set to 0). */
typedef struct link_index {
    size_t *slot;
    size_t cap; /* a power of two, or 0 */
    size_t n;   /* entries indexed */
} link_index;

/* The key hash of entry i; both tables start with it. */
static uint64_t entry_key(const void *tab, size_t stride, size_t i)
{
    uint64_t h;
    memcpy(&h, (const char *)tab + i * stride, sizeof(h));
    return h;
}

static void index_put(link_index *x, uint64_t h, size_t i)
{
    size_t j = h & (x->cap - 1);
    while (x->slot[j])
        j = (j + 1) & (x->cap - 1);
    x->slot[j] = i + 1;
}

/* An empty index with room for n entries: false on OOM (x unchanged). */
static bool index_alloc(link_index *x, size_t n)
{
    size_t cap = 64;
    while (cap < (n + 1) * 2)
        cap <<= 1;
    size_t *slot = calloc(cap, sizeof(*slot));
    if (!slot)
        return false;
    free(x->slot);
    *x = (link_index){slot, cap, 0};
    return true;
}

/* Index entries [x->n, n) of tab, with room for one more: false on OOM. */
static bool index_fit(link_index *x, const void *tab, size_t stride, size_t n)
{
    if ((!x->cap || (n + 1) * 2 > x->cap) && !index_alloc(x, n))
        return false;
    for (; x->n < n; x->n++)
        index_put(x, entry_key(tab, stride, x->n), x->n);
    return true;
}

/* The entry whose key hash is h and for which same(entry, key) holds, or -1. */
static long index_find(const link_index *x, const void *tab, size_t stride, uint64_t h,
                       bool (*same)(const void *entry, const void *key), const void *key)
{
    for (size_t j = h & (x->cap - 1); x->slot[j]; j = (j + 1) & (x->cap - 1)) {
        size_t i = x->slot[j] - 1;
        if (entry_key(tab, stride, i) == h && same((const char *)tab + i * stride, key))
            return (long)i;
    }
    return -1;
}

/* A lacked issuer and the CA certificate another connection sent for it. */
typedef struct lack_pair {
    size_t lack, ca; /* indexes into lacks and cas */
} lack_pair;

struct summary_links {
    ca_sent *cas;
    size_t n_cas, cap_cas;
    link_index ca_idx;
    issuer_lacked *lacks;
    size_t n_lacks, cap_lacks;
    link_index lack_idx;
    hs_rec *hs;
    size_t n_hs, cap_hs;
    size_t max_hs; /* at most LINKS_MAX_HANDSHAKES */
    bool hs_heap;  /* hs is full and a max-heap by id (see hs_keep) */
    bool capped, capped_hs;
    /* made by summary_links_finish, in printed order */
    lack_pair *pairs;
    size_t n_pairs;
    link_resumption *res;
    size_t n_res;
    bool finish_oom;
};

summary_links *summary_links_new(size_t max_handshakes)
{
    summary_links *l = calloc(1, sizeof(summary_links));
    if (l)
        l->max_hs = max_handshakes && max_handshakes < LINKS_MAX_HANDSHAKES ? max_handshakes : LINKS_MAX_HANDSHAKES;
    return l;
}

void summary_links_free(summary_links *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_cas; i++) {
        free(l->cas[i].subject);
        free(l->cas[i].ski);
    }
    for (size_t i = 0; i < l->n_lacks; i++) {
        free(l->lacks[i].issuer);
        free(l->lacks[i].aki);
    }
    free(l->cas);
    free(l->lacks);
    free(l->ca_idx.slot);
    free(l->lack_idx.slot);
    free(l->hs);
    free(l->pairs);
    free(l->res);
    free(l);
}

/* Room for one more element of size sz in the array whose pointer is at arr
 * (at most max); -1 on OOM, 1 when capped. */
static int grow_to(void *arr, size_t *cap, size_t n, size_t sz, size_t max, bool *capped)
{
    if (n >= max) {
        *capped = true;
        return 1;
    }
    return growbuf_array_room(arr, cap, n, sz, 16);
}

static int grow(void *arr, size_t *cap, size_t n, size_t sz, bool *capped)
{
    return grow_to(arr, cap, n, sz, LINKS_MAX_ENTRIES, capped);
}

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static bool ca_same(const void *entry, const void *key)
{
    return strcmp(((const ca_sent *)entry)->sha256, (const char *)key) == 0;
}

/* The entry of the CA certificate sha256 (subject, ski as it says), made
 * when new: *out NULL when the table is capped. -1 on OOM. */
static int ca_entry(summary_links *l, const char *sha256, const char *subject, const char *ski, ca_sent **out)
{
    *out = NULL;
    uint64_t h = str_hash(FNV_SEED, sha256);
    if (!index_fit(&l->ca_idx, l->cas, sizeof(ca_sent), l->n_cas))
        return -1;
    long i = index_find(&l->ca_idx, l->cas, sizeof(ca_sent), h, ca_same, sha256);
    if (i >= 0) {
        *out = &l->cas[i];
        return 0;
    }
    int g = grow(&l->cas, &l->cap_cas, l->n_cas, sizeof(ca_sent), &l->capped);
    if (g)
        return g < 0 ? -1 : 0;
    ca_sent *c = &l->cas[l->n_cas];
    memset(c, 0, sizeof(*c));
    c->key = h;
    c->subj = str_hash(FNV_SEED, subject);
    snprintf(c->sha256, sizeof(c->sha256), "%s", sha256);
    c->subject = strdup(subject);
    c->ski = ski ? strdup(ski) : NULL;
    if (!c->subject || (ski && !c->ski)) {
        free(c->subject);
        free(c->ski);
        return -1;
    }
    l->n_cas++;
    *out = c;
    return 0;
}

typedef struct lack_key {
    const char *issuer, *aki;
    int side;
} lack_key;

static bool lack_same(const void *entry, const void *key)
{
    const issuer_lacked *k = entry;
    const lack_key *q = key;
    return k->side == q->side && strcmp(k->issuer, q->issuer) == 0 && str_eq(k->aki, q->aki);
}

/* The entry of a lacked issuer, made when new: *out NULL when capped. -1 on OOM. */
static int lack_entry(summary_links *l, const char *issuer, const char *aki, int side, issuer_lacked **out)
{
    *out = NULL;
    lack_key q = {issuer, aki, side};
    uint64_t subj = str_hash(FNV_SEED, issuer);
    uint64_t h = str_hash(subj ^ (uint64_t)side, aki);
    if (!index_fit(&l->lack_idx, l->lacks, sizeof(issuer_lacked), l->n_lacks))
        return -1;
    long i = index_find(&l->lack_idx, l->lacks, sizeof(issuer_lacked), h, lack_same, &q);
    if (i >= 0) {
        *out = &l->lacks[i];
        return 0;
    }
    int g = grow(&l->lacks, &l->cap_lacks, l->n_lacks, sizeof(issuer_lacked), &l->capped);
    if (g)
        return g < 0 ? -1 : 0;
    issuer_lacked *k = &l->lacks[l->n_lacks];
    memset(k, 0, sizeof(*k));
    k->key = h;
    k->subj = subj;
    k->issuer = strdup(issuer);
    k->aki = aki ? strdup(aki) : NULL;
    k->side = side;
    if (!k->issuer || (aki && !k->aki)) {
        free(k->issuer);
        free(k->aki);
        return -1;
    }
    l->n_lacks++;
    *out = k;
    return 0;
}

/* The chain could not be completed: an issuer was neither sent nor trusted. */
static bool lacks_an_issuer(const chain_report *r)
{
    return findings_has(&r->findings, "untrusted_root") || findings_has(&r->findings, "missing_intermediate");
}

static int note_chain(summary_links *l, const chain_report *r, int side, uint64_t id)
{
    if (!r)
        return 0;
    for (size_t i = 1; i < r->n_certs; i++) {
        const cert_info *ci = &r->certs[i];
        ca_sent *c;
        if (ci->decode_error || !ci->subject || ci->is_ca == 0 || ci->self_signed)
            continue;
        if (ca_entry(l, ci->sha256, ci->subject, ci->ski, &c) < 0)
            return -1;
        if (c)
            ids_add(&c->on, id);
    }
    if (r->valid || !lacks_an_issuer(r))
        return 0;
    /* each sent certificate whose issuer is not among the sent ones */
    for (size_t i = 0; i < r->n_certs; i++) {
        const cert_info *ci = &r->certs[i];
        if (ci->decode_error || ci->self_signed || !ci->issuer)
            continue;
        bool sent = false;
        for (size_t j = 0; j < r->n_certs && !sent; j++)
            sent = j != i && str_eq(r->certs[j].subject, ci->issuer);
        issuer_lacked *k = NULL;
        if (!sent && lack_entry(l, ci->issuer, ci->aki, side, &k) < 0)
            return -1;
        if (k)
            ids_add(&k->on, id);
    }
    return 0;
}

/* ---- the handshakes kept: the LINKS_MAX_HANDSHAKES lowest ids ---- */

/* Once the table is full it is a max-heap by id, so that a lower id can take
 * the place of the highest: what is kept is then the same set whatever order
 * the connections ended in (and a resumption's full handshake, which has a
 * lower id, is kept whenever the resumption is). */
static bool hs_above(const hs_rec *a, const hs_rec *b) { return a->id > b->id; }

static void hs_sift_down(hs_rec *h, size_t n, size_t i)
{
    for (;;) {
        size_t top = i, a = 2 * i + 1, b = a + 1;
        if (a < n && hs_above(&h[a], &h[top]))
            top = a;
        if (b < n && hs_above(&h[b], &h[top]))
            top = b;
        if (top == i)
            return;
        hs_rec t = h[i];
        h[i] = h[top];
        h[top] = t;
        i = top;
    }
}

/* Keep handshake *h: appended while there is room, then in place of the
 * highest id when its id is lower (the summary says the list was capped). */
static int hs_keep(summary_links *l, const hs_rec *h)
{
    int g = grow_to(&l->hs, &l->cap_hs, l->n_hs, sizeof(hs_rec), l->max_hs, &l->capped_hs);
    if (g < 0)
        return -1;
    if (g == 0) {
        l->hs[l->n_hs++] = *h;
        return 0;
    }
    if (!l->hs_heap) { /* just filled up, or reordered by summary_links_finish */
        for (size_t i = l->n_hs / 2; i-- > 0;)
            hs_sift_down(l->hs, l->n_hs, i);
        l->hs_heap = true;
    }
    if (h->id < l->hs[0].id) {
        l->hs[0] = *h;
        hs_sift_down(l->hs, l->n_hs, 0);
    }
    return 0;
}

static int note_handshake(summary_links *l, const conn_view *c)
{
    const session_t *s = c->s;
    hs_rec h;
    memset(&h, 0, sizeof(h));
    if (c->d->resumed) {
        h.resumed = 1;
    } else {
        if (!s->sh.present || !session_cert_msg_seen(s, DIR_S2C))
            return 0;
        h.ticket = session_find_step(s, DIR_S2C, STEP_NEW_SESSION_TICKET) >= 0 ||
                   session_find_step(s, DIR_C2S, STEP_NEW_SESSION_TICKET) >= 0;
        if (!s->sh.session_id_len && !h.ticket)
            return 0;
    }
    uint8_t port[2] = {(uint8_t)(s->server.port >> 8), (uint8_t)s->server.port};
    uint64_t pair = fnv64(0xcbf29ce484222325ULL, s->server.addr, 16);
    pair = fnv64(pair, port, 2);
    h.pair = fnv64(pair, s->client.addr, 16);
    size_t sid_len = s->sh.session_id_len <= 32 ? s->sh.session_id_len : 32;
    h.sid = sid_len ? fnv64(0xcbf29ce484222325ULL ^ sid_len, s->sh.session_id, sid_len) | 1 : 0;
    h.id = s->id;
    return hs_keep(l, &h);
}

int summary_links_add(summary_links *l, const conn_view *c)
{
    if (!l)
        return 0;
    for (int d = 0; d < 2; d++)
        if (note_chain(l, c->a->chain[d], d, c->s->id) < 0)
            return -1;
    return note_handshake(l, c);
}

/* ---- the printed order, which does not depend on the input's ---- */

static bool issued(const ca_sent *c, const issuer_lacked *k)
{
    if (strcmp(c->subject, k->issuer) != 0)
        return false;
    return !c->ski || !k->aki || strcasecmp(c->ski, k->aki) == 0;
}

static int by_lowest_id(const void *a, const void *b)
{
    const issuer_lacked *x = a, *y = b;
    if (x->on.v[0] != y->on.v[0])
        return x->on.v[0] < y->on.v[0] ? -1 : 1;
    if (x->side != y->side)
        return x->side - y->side;
    return strcmp(x->issuer, y->issuer);
}

static int by_pair_then_id(const void *a, const void *b)
{
    const hs_rec *x = a, *y = b;
    if (x->pair != y->pair)
        return x->pair < y->pair ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return 0;
}

static bool same_pair(const hs_rec *x, const hs_rec *y)
{
    return x->pair == y->pair;
}

/* The matching CA certificate for a lacked issuer, the one first sent: the
 * certificates whose subject hashes like the issuer, through by_subj (an
 * index of cas by subject hash). */
static const ca_sent *sent_elsewhere(const summary_links *l, const link_index *by_subj, const issuer_lacked *k)
{
    const ca_sent *best = NULL;
    for (size_t j = k->subj & (by_subj->cap - 1); by_subj->slot[j]; j = (j + 1) & (by_subj->cap - 1)) {
        const ca_sent *c = &l->cas[by_subj->slot[j] - 1];
        if (c->subj == k->subj && issued(c, k) && (!best || c->on.v[0] < best->on.v[0]))
            best = c;
    }
    return best;
}

static int by_id(const void *a, const void *b)
{
    const link_resumption *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Link every abbreviated handshake to the full handshake it continued: the
 * latest earlier one between the same client address and server that gave
 * out its session ID or, failing that, any ticket. Returns a malloc'd array
 * sorted by id (*n entries), or NULL (*n 0) when there is none or on OOM. */
static link_resumption *link_resumptions(summary_links *l, size_t *n, bool *oom)
{
    *n = 0;
    *oom = false;
    size_t n_res = 0;
    for (size_t i = 0; i < l->n_hs; i++)
        n_res += l->hs[i].resumed;
    if (!n_res)
        return NULL;
    link_resumption *out = calloc(n_res, sizeof(*out));
    if (!out) {
        *oom = true;
        return NULL;
    }
    qsort(l->hs, l->n_hs, sizeof(*l->hs), by_pair_then_id);
    l->hs_heap = false;
    for (size_t i = 0; i < l->n_hs; i++) {
        const hs_rec *r = &l->hs[i];
        if (!r->resumed)
            continue;
        uint64_t by_ticket = 0, from = 0;
        for (size_t k = i; k-- > 0 && same_pair(&l->hs[k], r) && !from;) {
            const hs_rec *e = &l->hs[k];
            if (e->resumed)
                continue;
            if (e->sid && e->sid == r->sid)
                from = e->id;
            else if (e->ticket && !by_ticket)
                by_ticket = e->id;
        }
        out[*n].id = r->id;
        out[*n].from = from ? from : by_ticket;
        (*n)++;
    }
    qsort(out, *n, sizeof(*out), by_id);
    return out;
}

/* The lacked issuers whose certificate another connection sent, paired with
 * it, by the lowest id that lacked it. false on OOM. */
static bool pair_intermediates(summary_links *l)
{
    if (l->n_lacks > 1)
        qsort(l->lacks, l->n_lacks, sizeof(*l->lacks), by_lowest_id);
    if (!l->n_lacks)
        return true;
    l->lack_idx.cap = 0; /* reordered: rebuilt if anything is added later */
    link_index by_subj = {0};
    if (!(l->pairs = calloc(l->n_lacks, sizeof(*l->pairs))) || !index_alloc(&by_subj, l->n_cas))
        return false;
    for (size_t i = 0; i < l->n_cas; i++) /* keyed by subject, not by the table's own key */
        index_put(&by_subj, l->cas[i].subj, i);
    for (size_t i = 0; i < l->n_lacks; i++) {
        const ca_sent *c = sent_elsewhere(l, &by_subj, &l->lacks[i]);
        if (c)
            l->pairs[l->n_pairs++] = (lack_pair){i, (size_t)(c - l->cas)};
    }
    free(by_subj.slot);
    return true;
}

int summary_links_finish(summary_links *l)
{
    if (!l)
        return 0;
    free(l->pairs);
    free(l->res);
    l->pairs = NULL;
    l->res = NULL;
    l->n_pairs = l->n_res = 0;
    bool oom = !pair_intermediates(l);
    bool res_oom = false;
    l->res = link_resumptions(l, &l->n_res, &res_oom);
    l->finish_oom = oom || res_oom;
    return l->finish_oom ? -1 : 0;
}

size_t summary_links_n_intermediates(const summary_links *l) { return l ? l->n_pairs : 0; }

link_intermediate summary_links_intermediate(const summary_links *l, size_t i)
{
    const issuer_lacked *k = &l->lacks[l->pairs[i].lack];
    const ca_sent *c = &l->cas[l->pairs[i].ca];
    return (link_intermediate){c->subject, c->sha256, &c->on, k->side == 1, &k->on};
}

const link_resumption *summary_links_resumptions(const summary_links *l, size_t *n)
{
    *n = l ? l->n_res : 0;
    return l ? l->res : NULL;
}

bool summary_links_capped(const summary_links *l) { return l && (l->capped || l->capped_hs); }

bool summary_links_capped_entries(const summary_links *l) { return l && l->capped; }

bool summary_links_capped_handshakes(const summary_links *l) { return l && l->capped_hs; }

bool summary_links_complete(const summary_links *l) { return !l || !l->finish_oom; }
