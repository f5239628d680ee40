/* summary_links.c — cross-connection knowledge for the end summary, gathered
 * and put in printed order; printed by summary_text.c and summary_json.c
 * (see summary_links.h). */
#include "summary_links.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static void ids_merge(link_ids *dst, const link_ids *src)
{
    uint64_t extra = src->total - src->n; /* ids past the kept ones: counted only */
    for (size_t i = 0; i < src->n; i++)
        ids_add(dst, src->v[i]);
    dst->total += extra;
}

/* A CA certificate (not self-signed) sent after the leaf. */
typedef struct ca_sent {
    char sha256[65];
    char *subject;
    char *ski; /* may be NULL */
    link_ids on;
} ca_sent;

/* An issuer that a chain lacked: its certificate was neither sent nor found. */
typedef struct issuer_lacked {
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

/* A lacked issuer and the CA certificate another connection sent for it. */
typedef struct lack_pair {
    size_t lack, ca; /* indexes into lacks and cas */
} lack_pair;

struct summary_links {
    ca_sent *cas;
    size_t n_cas, cap_cas;
    issuer_lacked *lacks;
    size_t n_lacks, cap_lacks;
    hs_rec *hs;
    size_t n_hs, cap_hs;
    bool capped;
    /* made by summary_links_finish, in printed order */
    lack_pair *pairs;
    size_t n_pairs;
    link_resumption *res;
    size_t n_res;
    bool finish_oom;
};

summary_links *summary_links_new(void) { return calloc(1, sizeof(summary_links)); }

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
    free(l->hs);
    free(l->pairs);
    free(l->res);
    free(l);
}

/* Room for one more element of size sz in *arr (at most max); -1 on OOM, 1 when capped. */
static int grow_to(void **arr, size_t *cap, size_t n, size_t sz, size_t max, bool *capped)
{
    if (n >= max) {
        *capped = true;
        return 1;
    }
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * sz);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t sz, bool *capped)
{
    return grow_to(arr, cap, n, sz, LINKS_MAX_ENTRIES, capped);
}

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static int note_ca(summary_links *l, const cert_info *ci, uint64_t id)
{
    for (size_t i = 0; i < l->n_cas; i++)
        if (strcmp(l->cas[i].sha256, ci->sha256) == 0) {
            ids_add(&l->cas[i].on, id);
            return 0;
        }
    int g = grow((void **)&l->cas, &l->cap_cas, l->n_cas, sizeof(ca_sent), &l->capped);
    if (g)
        return g < 0 ? -1 : 0;
    ca_sent *c = &l->cas[l->n_cas];
    memset(c, 0, sizeof(*c));
    memcpy(c->sha256, ci->sha256, sizeof(c->sha256));
    c->subject = strdup(ci->subject);
    c->ski = ci->ski ? strdup(ci->ski) : NULL;
    if (!c->subject || (ci->ski && !c->ski)) {
        free(c->subject);
        free(c->ski);
        return -1;
    }
    l->n_cas++;
    ids_add(&c->on, id);
    return 0;
}

static int note_lack(summary_links *l, const char *issuer, const char *aki, int side, uint64_t id)
{
    for (size_t i = 0; i < l->n_lacks; i++) {
        issuer_lacked *k = &l->lacks[i];
        if (k->side == side && strcmp(k->issuer, issuer) == 0 && str_eq(k->aki, aki)) {
            ids_add(&k->on, id);
            return 0;
        }
    }
    int g = grow((void **)&l->lacks, &l->cap_lacks, l->n_lacks, sizeof(issuer_lacked), &l->capped);
    if (g)
        return g < 0 ? -1 : 0;
    issuer_lacked *k = &l->lacks[l->n_lacks];
    memset(k, 0, sizeof(*k));
    k->issuer = strdup(issuer);
    k->aki = aki ? strdup(aki) : NULL;
    k->side = side;
    if (!k->issuer || (aki && !k->aki)) {
        free(k->issuer);
        free(k->aki);
        return -1;
    }
    l->n_lacks++;
    ids_add(&k->on, id);
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
        if (!ci->decode_error && ci->subject && ci->is_ca != 0 && !ci->self_signed && note_ca(l, ci, id) < 0)
            return -1;
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
        if (!sent && note_lack(l, ci->issuer, ci->aki, side, id) < 0)
            return -1;
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
    int g = grow_to((void **)&l->hs, &l->cap_hs, l->n_hs, sizeof(hs_rec), LINKS_MAX_HANDSHAKES, &l->capped);
    if (g)
        return g < 0 ? -1 : 0;
    uint8_t port[2] = {(uint8_t)(s->server.port >> 8), (uint8_t)s->server.port};
    uint64_t pair = fnv64(0xcbf29ce484222325ULL, s->server.addr, 16);
    pair = fnv64(pair, port, 2);
    h.pair = fnv64(pair, s->client.addr, 16);
    size_t sid_len = s->sh.session_id_len <= 32 ? s->sh.session_id_len : 32;
    h.sid = sid_len ? fnv64(0xcbf29ce484222325ULL ^ sid_len, s->sh.session_id, sid_len) | 1 : 0;
    h.id = s->id;
    l->hs[l->n_hs++] = h;
    return 0;
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

int summary_links_merge(summary_links *dst, summary_links *src)
{
    int rc = 0;
    for (size_t i = 0; i < src->n_cas; i++) {
        ca_sent *c = &src->cas[i];
        size_t before = dst->n_cas;
        cert_info ci;
        memset(&ci, 0, sizeof(ci));
        memcpy(ci.sha256, c->sha256, sizeof(ci.sha256));
        ci.subject = c->subject;
        ci.ski = c->ski;
        if (note_ca(dst, &ci, c->on.v[0]) < 0) {
            rc = -1;
            continue;
        }
        for (size_t k = 0; k < dst->n_cas; k++)
            if (strcmp(dst->cas[k].sha256, c->sha256) == 0) {
                link_ids rest = c->on;
                if (k >= before) /* new: note_ca counted v[0] already */
                    dst->cas[k].on = rest;
                else
                    ids_merge(&dst->cas[k].on, &rest);
            }
    }
    for (size_t i = 0; i < src->n_lacks; i++) {
        issuer_lacked *k = &src->lacks[i];
        size_t before = dst->n_lacks;
        if (note_lack(dst, k->issuer, k->aki, k->side, k->on.v[0]) < 0) {
            rc = -1;
            continue;
        }
        for (size_t j = 0; j < dst->n_lacks; j++) {
            issuer_lacked *t = &dst->lacks[j];
            if (t->side == k->side && strcmp(t->issuer, k->issuer) == 0 && str_eq(t->aki, k->aki)) {
                if (j >= before)
                    t->on = k->on;
                else
                    ids_merge(&t->on, &k->on);
            }
        }
    }
    for (size_t i = 0; i < src->n_hs; i++) {
        int g = grow_to((void **)&dst->hs, &dst->cap_hs, dst->n_hs, sizeof(hs_rec), LINKS_MAX_HANDSHAKES,
                        &dst->capped);
        if (g) {
            rc = g < 0 ? -1 : rc;
            break;
        }
        dst->hs[dst->n_hs++] = src->hs[i];
    }
    dst->capped |= src->capped;
    return rc;
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

/* The matching CA certificate for a lacked issuer, the one first sent. */
static const ca_sent *sent_elsewhere(const summary_links *l, const issuer_lacked *k)
{
    const ca_sent *best = NULL;
    for (size_t i = 0; i < l->n_cas; i++)
        if (issued(&l->cas[i], k) && (!best || l->cas[i].on.v[0] < best->on.v[0]))
            best = &l->cas[i];
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
    if (!(l->pairs = calloc(l->n_lacks, sizeof(*l->pairs))))
        return false;
    for (size_t i = 0; i < l->n_lacks; i++) {
        const ca_sent *c = sent_elsewhere(l, &l->lacks[i]);
        if (c)
            l->pairs[l->n_pairs++] = (lack_pair){i, (size_t)(c - l->cas)};
    }
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

bool summary_links_capped(const summary_links *l) { return l && l->capped; }

bool summary_links_complete(const summary_links *l) { return !l || !l->finish_oom; }
