/*
 * x509_memo.c — decoded certificates kept by their DER bytes (x509_memo.h).
 */
#include "x509_memo.h"

#include <pthread.h>

#include <stdlib.h>
#include <string.h>

#include "resfail.h"
#include "x509_info.h"

typedef struct memo_slot {
    uint8_t *der; /* owned copy, NULL = empty */
    size_t len;
    uint64_t hash;
    X509 *x; /* one reference held by the memo */
    cert_info info;
} memo_slot;

struct x509_memo {
    pthread_mutex_t lock; /* the slots: the memo is shared by --threads workers */
    memo_slot slot[X509_MEMO_SLOTS];
};

x509_memo *x509_memo_new(void)
{
    x509_memo *m = calloc(1, sizeof(x509_memo));
    if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

static void slot_clear(memo_slot *s)
{
    X509_free(s->x);
    cert_info_cleanup(&s->info);
    free(s->der);
    memset(s, 0, sizeof(*s));
}

void x509_memo_free(x509_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < X509_MEMO_SLOTS; i++)
        slot_clear(&m->slot[i]);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* FNV-1a over 8-byte words: only picks the slot; a hit compares every byte. */
static uint64_t der_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

static int decode_fresh(const uint8_t *der, size_t len, X509 **x, cert_info *info)
{
    *x = x509i_decode(der, len);
    if (x509i_extract_x509(*x, der, len, info) == 0)
        return 0;
    X509_free(*x);
    *x = NULL;
    return -1;
}

int x509_memo_get(x509_memo *m, const uint8_t *der, size_t len, X509 **x, cert_info *info)
{
    if (!m || !der || len == 0)
        return decode_fresh(der, len, x, info);
    uint64_t h = der_hash(der, len);
    memo_slot *s = &m->slot[h % X509_MEMO_SLOTS];
    pthread_mutex_lock(&m->lock);
    if (s->x && s->hash == h && s->len == len && memcmp(s->der, der, len) == 0) {
        *x = NULL;
        int rc = cert_info_copy(info, &s->info) < 0 ? -1 : 0;
        if (rc == 0 && X509_up_ref(s->x) != 1) {
            cert_info_cleanup(info);
            memset(info, 0, sizeof(*info));
            rc = -1;
        }
        if (rc == 0)
            *x = s->x;
        pthread_mutex_unlock(&m->lock);
        return rc;
    }
    pthread_mutex_unlock(&m->lock); /* decoding runs unlocked */
    uint64_t failures = resfail_count();
    if (decode_fresh(der, len, x, info) < 0)
        return -1;
    if (!*x)
        return 0; /* not a certificate: reported, never remembered */
    if (resfail_count() != failures)
        return 0; /* made while out of memory: the caller finds out, the memo keeps nothing */
    memo_slot fresh = {.der = malloc(len), .len = len, .hash = h, .x = *x};
    if (!fresh.der || cert_info_copy(&fresh.info, info) < 0) {
        free(fresh.der);
        return 0; /* decoded, just not remembered */
    }
    if (X509_up_ref(*x) != 1) {
        cert_info_cleanup(&fresh.info);
        free(fresh.der);
        return 0;
    }
    memcpy(fresh.der, der, len);
    pthread_mutex_lock(&m->lock);
    memo_slot old = *s;
    *s = fresh;
    pthread_mutex_unlock(&m->lock);
    slot_clear(&old);
    return 0;
}
