/*
 * transcript.c — buffered-then-running handshake hash (OpenSSL EVP_MD).
 */
#include "transcript.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "algs.h"
#include "cursor.h"
#include "growbuf.h"
#include "tls_handshake.h"
#include "tls_decrypt.h"

/* The first capacity of the raw copy; it doubles from there up to the cap. */
#define RAW_FIRST 4096u

struct transcript {
    growbuf raw;         /* concatenated messages (cap TRANSCRIPT_MAX_RAW) */
    bool raw_complete;   /* false once the cap dropped bytes */
    bool broken;         /* overflow before the hash was known */
    size_t messages;
    transcript_hash_alg alg;
    EVP_MD_CTX *md;      /* running hash once alg is known */
};

static const char *alg_name(transcript_hash_alg alg)
{
    switch (alg) {
    case TRANSCRIPT_SHA256: return "SHA256";
    case TRANSCRIPT_SHA384: return "SHA384";
    case TRANSCRIPT_MD5_SHA1: return "MD5-SHA1";
    case TRANSCRIPT_UNKNOWN: break;
    }
    return NULL;
}

transcript_hash_alg transcript_alg_for(uint16_t version, uint16_t cipher_suite)
{
    if (version < 0x0301)
        return TRANSCRIPT_UNKNOWN;
    if (version < 0x0303)
        return TRANSCRIPT_MD5_SHA1;
    const decrypt_suite *s = decrypt_suite_find(cipher_suite);
    if (s && s->hash_len == 48)
        return TRANSCRIPT_SHA384;
    return TRANSCRIPT_SHA256;
}

transcript *transcript_new(void)
{
    transcript *t = calloc(1, sizeof(*t));
    if (t)
        t->raw_complete = true;
    return t;
}

void transcript_free(transcript *t)
{
    if (!t)
        return;
    EVP_MD_CTX_free(t->md);
    growbuf_free(&t->raw);
    free(t);
}

static bool raw_append(transcript *t, const uint8_t *p, size_t n)
{
    if (!t->raw_complete)
        return true;
    if (t->raw.len + n > TRANSCRIPT_MAX_RAW) {
        t->raw_complete = false;
        return true;
    }
    /* within the cap: a failure is out of memory */
    return growbuf_append_first(&t->raw, p, n, RAW_FIRST, TRANSCRIPT_MAX_RAW) == 0;
}

/* SHA-256/384 come prefetched (algs.h); MD5-SHA1 (TLS 1.0/1.1 only) is
 * fetched here into *owned, which the caller frees. */
static const EVP_MD *get_md(const char *name, EVP_MD **owned)
{
    const EVP_MD *md = algs_md_named(name);
    *owned = md ? NULL : EVP_MD_fetch(NULL, name, NULL);
    return md ? md : *owned;
}

static int start_hash(transcript *t, transcript_hash_alg alg, const uint8_t *initial, size_t len)
{
    const char *name = alg_name(alg);
    if (!name)
        return TRANSCRIPT_ERR_ARG;
    EVP_MD *owned = NULL;
    const EVP_MD *md = get_md(name, &owned);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = TRANSCRIPT_ERR_CRYPTO;
    if (md && ctx && EVP_DigestInit_ex2(ctx, md, NULL) > 0 && (len == 0 || EVP_DigestUpdate(ctx, initial, len) > 0)) {
        EVP_MD_CTX_free(t->md);
        t->md = ctx;
        ctx = NULL;
        t->alg = alg;
        rc = TRANSCRIPT_OK;
    }
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(owned);
    return rc;
}

int transcript_add(transcript *t, const uint8_t *msg, size_t len)
{
    if (!t || !msg || len < 4)
        return TRANSCRIPT_ERR_ARG;
    if (t->broken)
        return TRANSCRIPT_ERR_OVERFLOW;
    /* exactly one whole handshake message, framed by the dissector */
    cur_t cu, body;
    uint8_t type;
    cur_init(&cu, msg, len);
    if (tls_hs_parse(&cu, &type, &body).status != DX_OK || cur_remaining(&cu) != 0)
        return TRANSCRIPT_ERR_ARG;
    if (!t->md && t->raw.len + len > TRANSCRIPT_MAX_RAW) {
        t->broken = true;
        return TRANSCRIPT_ERR_OVERFLOW;
    }
    if (t->md && EVP_DigestUpdate(t->md, msg, len) <= 0)
        return TRANSCRIPT_ERR_CRYPTO;
    if (!raw_append(t, msg, len))
        return TRANSCRIPT_ERR_CRYPTO;
    t->messages++;
    return TRANSCRIPT_OK;
}

int transcript_set_hash(transcript *t, transcript_hash_alg alg)
{
    if (!t || !alg_name(alg))
        return TRANSCRIPT_ERR_ARG;
    if (t->broken)
        return TRANSCRIPT_ERR_OVERFLOW;
    if (t->md)
        return t->alg == alg ? TRANSCRIPT_OK : TRANSCRIPT_ERR_ARG;
    return start_hash(t, alg, t->raw.p, t->raw.len);
}

int transcript_hello_retry(transcript *t, transcript_hash_alg alg)
{
    if (!t || (alg != TRANSCRIPT_SHA256 && alg != TRANSCRIPT_SHA384))
        return TRANSCRIPT_ERR_ARG;
    if (t->broken)
        return TRANSCRIPT_ERR_OVERFLOW;
    if (t->messages != 1 || !t->raw_complete || t->raw.len < 4 || t->raw.p[0] != 1 /* client_hello */)
        return TRANSCRIPT_ERR_ARG;
    if (t->md && t->alg != alg)
        return TRANSCRIPT_ERR_ARG;
    uint8_t mh[4 + TRANSCRIPT_MAX_HASH];
    unsigned int hl = 0;
    EVP_MD *owned = NULL;
    const EVP_MD *md = get_md(alg_name(alg), &owned);
    int ok = md && EVP_Digest(t->raw.p, t->raw.len, mh + 4, &hl, md, NULL) > 0;
    EVP_MD_free(owned);
    if (!ok)
        return TRANSCRIPT_ERR_CRYPTO;
    mh[0] = 254; /* message_hash */
    mh[1] = 0;
    mh[2] = 0;
    mh[3] = (uint8_t)hl;
    int rc = start_hash(t, alg, mh, 4 + hl);
    if (rc != TRANSCRIPT_OK)
        return rc;
    growbuf_clear(&t->raw);
    if (!raw_append(t, mh, 4 + hl))
        return TRANSCRIPT_ERR_CRYPTO;
    return TRANSCRIPT_OK;
}

int transcript_hash_now(const transcript *t, uint8_t *out, size_t *out_len)
{
    if (out_len)
        *out_len = 0;
    if (!t || !out || !out_len)
        return TRANSCRIPT_ERR_ARG;
    if (t->broken)
        return TRANSCRIPT_ERR_OVERFLOW;
    if (!t->md)
        return TRANSCRIPT_ERR_NO_HASH;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;
    int rc = TRANSCRIPT_ERR_CRYPTO;
    if (c && EVP_MD_CTX_copy_ex(c, t->md) > 0 && EVP_DigestFinal_ex(c, out, &n) > 0) {
        *out_len = n;
        rc = TRANSCRIPT_OK;
    }
    EVP_MD_CTX_free(c);
    return rc;
}

const uint8_t *transcript_raw(const transcript *t, size_t *len, bool *complete)
{
    if (len)
        *len = t ? t->raw.len : 0;
    if (complete)
        *complete = t ? t->raw_complete && !t->broken : false;
    return t ? t->raw.p : NULL;
}

