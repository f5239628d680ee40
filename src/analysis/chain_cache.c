#include "chain_cache.h"
#include "resfail.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "algs.h"

typedef struct cache_entry {
    unsigned char key[32];        /* SHA-256 over side, SNI, the length-prefixed DERs and
                                   * (client chains) CA names */
    const chain_ctx *ctx;         /* trust settings */
    int64_t lo, hi;               /* validation times [lo, hi) giving this report */
    const chain_report *report;   /* one reference held by the cache */
    struct cache_entry *next;     /* hash bucket chain */
    struct cache_entry *older, *newer; /* FIFO for eviction */
} cache_entry;

struct chain_cache {
    pthread_mutex_t lock; /* everything below: the cache is shared by the --threads workers */
    size_t max_entries;
    size_t n_buckets;
    cache_entry **buckets;
    cache_entry *oldest, *newest;
    size_t entries;
};

chain_cache *chain_cache_new(size_t max_entries)
{
    chain_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->max_entries = max_entries ? max_entries : 1024;
    c->n_buckets = 64;
    while (c->n_buckets < c->max_entries && c->n_buckets < ((size_t)1 << 20))
        c->n_buckets <<= 1;
    c->buckets = calloc(c->n_buckets, sizeof(cache_entry *));
    if (!c->buckets || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    return c;
}

void chain_cache_free(chain_cache *c)
{
    if (!c)
        return;
    cache_entry *e = c->oldest;
    while (e) {
        cache_entry *nx = e->newer;
        chain_report_unref(e->report);
        free(e);
        e = nx;
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static size_t bucket_of(const chain_cache *c, const unsigned char key[32])
{
    size_t h = 0;
    for (int i = 0; i < 8; i++)
        h = (h << 8) | key[i];
    return h & (c->n_buckets - 1);
}

static int digest_blobs(EVP_MD_CTX *md, unsigned char tag, const bytes_t *v, size_t n)
{
    unsigned char hdr[9];
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        hdr[0] = tag;
        for (int k = 0; k < 8; k++)
            hdr[1 + k] = (unsigned char)((uint64_t)v[i].len >> (56 - 8 * k));
        ok = EVP_DigestUpdate(md, hdr, sizeof(hdr)) &&
             (v[i].len == 0 || EVP_DigestUpdate(md, v[i].data, v[i].len));
    }
    return ok;
}

static int chain_key(const chain_input *in, unsigned char out[32])
{
    const char *sni = in->sni;
    int side = in->side;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    const EVP_MD *sha256 = algs_md_get(ALGS_SHA256);
    int ok = md && sha256 && EVP_DigestInit_ex(md, sha256, NULL);
    unsigned char hdr[9];
    size_t sl = sni ? strlen(sni) : 0;
    hdr[0] = (unsigned char)side;
    for (int i = 0; i < 8; i++)
        hdr[1 + i] = (unsigned char)((uint64_t)sl >> (56 - 8 * i));
    ok = ok && EVP_DigestUpdate(md, hdr, sizeof(hdr)) && (sl == 0 || EVP_DigestUpdate(md, sni, sl));
    ok = ok && digest_blobs(md, 0xCE, in->certs, in->n_certs);
    if (side == CHAIN_SIDE_CLIENT)
        ok = ok && digest_blobs(md, 0xCA, in->ca_names, in->ca_names ? in->n_ca_names : 0);
    ok = ok && EVP_DigestFinal_ex(md, out, &len) && len == 32;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static void unlink_entry(chain_cache *c, cache_entry *e)
{
    cache_entry **pp = &c->buckets[bucket_of(c, e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp)
        *pp = e->next;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    c->entries--;
}

/* The entry for key valid at time t, or NULL. Under the lock. */
static cache_entry *find_entry(chain_cache *c, const chain_ctx *ctx, const unsigned char key[32], int64_t t)
{
    for (cache_entry *e = c->buckets[bucket_of(c, key)]; e; e = e->next)
        if (e->ctx == ctx && t >= e->lo && t < e->hi && memcmp(e->key, key, 32) == 0)
            return e;
    return NULL;
}

/* Insert a new entry holding one reference to r. Under the lock. */
static void insert_entry(chain_cache *c, cache_entry *e)
{
    if (c->entries >= c->max_entries && c->oldest) {
        cache_entry *old = c->oldest;
        unlink_entry(c, old);
        chain_report_unref(old->report);
        free(old);
    }
    size_t b = bucket_of(c, e->key);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->entries++;
}

const chain_report *chain_cache_analyze(chain_cache *c, chain_ctx *ctx, const chain_input *in, bool *out_hit)
{
    unsigned char key[32];
    if (out_hit)
        *out_hit = false;
    if (!c || chain_key(in, key) < 0) {
        uint64_t failures = resfail_count();
        const chain_report *r = chain_analyze_bucket(ctx, in, NULL, NULL);
        if (r && resfail_count() != failures) {
            chain_report_unref(r);
            r = NULL;
        }
        return r;
    }
    int64_t t = chain_ctx_time(ctx, in->handshake_time);
    pthread_mutex_lock(&c->lock);
    cache_entry *hit = find_entry(c, ctx, key, t);
    if (hit) {
        const chain_report *r = chain_report_ref(hit->report);
        pthread_mutex_unlock(&c->lock);
        if (out_hit)
            *out_hit = true;
        return r;
    }
    pthread_mutex_unlock(&c->lock);
    /* analysed unlocked: another worker may analyse the same chain meanwhile;
     * the report is the same either way, and the first one in is kept */
    int64_t lo = 0, hi = 0;
    uint64_t failures = resfail_count();
    const chain_report *r = chain_analyze_bucket(ctx, in, &lo, &hi);
    if (!r)
        return NULL;
    if (resfail_count() != failures) {
        /* made while out of memory: OpenSSL may have called the chain invalid
         * for it, so nobody gets it (the analysis says what was not done) */
        chain_report_unref(r);
        return NULL;
    }
    cache_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return r; /* still a valid answer, just not cached */
    memcpy(e->key, key, 32);
    e->ctx = ctx;
    e->lo = lo;
    e->hi = hi;
    pthread_mutex_lock(&c->lock);
    cache_entry *raced = find_entry(c, ctx, key, t);
    if (raced) {
        const chain_report *kept = chain_report_ref(raced->report);
        pthread_mutex_unlock(&c->lock);
        free(e);
        chain_report_unref(r);
        return kept;
    }
    e->report = chain_report_ref(r);
    insert_entry(c, e);
    pthread_mutex_unlock(&c->lock);
    return r;
}
