/*
 * tls_decrypt.c — key schedules (TLS 1.3 HKDF-Expand-Label, TLS 1.0-1.2 PRF)
 * and record decryption, all through OpenSSL 3 EVP interfaces.
 */
#include "tls_decrypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define TLS13_MAX_CIPHERTEXT (16384u + 256u)
#define TLS12_MAX_CIPHERTEXT (16384u + 2048u)
#define AEAD_NONCE_LEN 12

/* ---- OpenSSL helpers ---- */

static int hkdf_expand(const char *digest, const uint8_t *secret, size_t secret_len, const uint8_t *info,
                       size_t info_len, uint8_t *out, size_t out_len)
{
    int rc = DECRYPT_ERR_CRYPTO;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (kctx) {
        int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
        OSSL_PARAM params[5];
        params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
        params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
        params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
        params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
        params[4] = OSSL_PARAM_construct_end();
        if (EVP_KDF_derive(kctx, out, out_len, params) > 0)
            rc = DECRYPT_OK;
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

int tls13_hkdf_expand_label(const char *hash, const uint8_t *secret, size_t secret_len, const char *label,
                            const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    static const char prefix[] = "tls13 ";
    size_t plen = sizeof(prefix) - 1;
    size_t llen = label ? strlen(label) : 0;
    if (!hash || !secret || !out || out_len > 0xffff || plen + llen > 255 || context_len > 255 ||
        (context_len && !context))
        return DECRYPT_ERR_BAD_SECRET;
    /* struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel; */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(plen + llen);
    memcpy(info + n, prefix, plen);
    n += plen;
    if (llen)
        memcpy(info + n, label, llen);
    n += llen;
    info[n++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + n, context, context_len);
    n += context_len;
    return hkdf_expand(hash, secret, secret_len, info, n, out, out_len);
}

/* TLS1-PRF(secret, label || seed1 || seed2) */
static int tls_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                   const uint8_t *seed1, size_t s1, const uint8_t *seed2, size_t s2, uint8_t *out,
                   size_t out_len)
{
    uint8_t seed[32 + 2 * 48]; /* label + two randoms, or label + a handshake hash */
    size_t llen = strlen(label);
    if (llen + s1 + s2 > sizeof(seed))
        return DECRYPT_ERR_CRYPTO;
    memcpy(seed, label, llen);
    if (s1)
        memcpy(seed + llen, seed1, s1);
    if (s2)
        memcpy(seed + llen + s1, seed2, s2);

    int rc = DECRYPT_ERR_CRYPTO;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (kctx) {
        OSSL_PARAM params[4];
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
        params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, llen + s1 + s2);
        params[3] = OSSL_PARAM_construct_end();
        if (EVP_KDF_derive(kctx, out, out_len, params) > 0)
            rc = DECRYPT_OK;
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    OPENSSL_cleanse(seed, sizeof(seed));
    return rc;
}

/* HMAC(key, a || b || c) */
static int hmac3(const char *digest, const uint8_t *key, size_t key_len, const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen, const uint8_t *c, size_t clen, uint8_t *out, size_t out_cap,
                 size_t *out_len)
{
    int rc = DECRYPT_ERR_CRYPTO;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    if (mctx) {
        OSSL_PARAM params[2];
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
        params[1] = OSSL_PARAM_construct_end();
        if (EVP_MAC_init(mctx, key, key_len, params) > 0 && (alen == 0 || EVP_MAC_update(mctx, a, alen) > 0) &&
            (blen == 0 || EVP_MAC_update(mctx, b, blen) > 0) &&
            (clen == 0 || EVP_MAC_update(mctx, c, clen) > 0) && EVP_MAC_final(mctx, out, out_len, out_cap) > 0)
            rc = DECRYPT_OK;
    }
    EVP_MAC_CTX_free(mctx);
    EVP_MAC_free(mac);
    return rc;
}

/* ---- direction state ---- */

void decrypt_dir_init(decrypt_dir *d)
{
    if (d)
        memset(d, 0, sizeof(*d));
}

void decrypt_dir_cleanup(decrypt_dir *d)
{
    if (!d)
        return;
    EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *)d->ctx);
    EVP_CIPHER_free((EVP_CIPHER *)d->cipher);
    OPENSSL_cleanse(d, sizeof(*d));
    memset(d, 0, sizeof(*d));
}

/* Make sure d has a cipher object and context for suite s. */
static int ensure_cipher(decrypt_dir *d, const decrypt_suite *s)
{
    if (!s->cipher)
        return DECRYPT_OK; /* NULL encryption: HMAC only */
    if (d->cipher && d->suite && d->suite->cipher && strcmp(d->suite->cipher, s->cipher) == 0 && d->ctx)
        return DECRYPT_OK;
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, s->cipher, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!c || !ctx) {
        EVP_CIPHER_free(c);
        EVP_CIPHER_CTX_free(ctx);
        return DECRYPT_ERR_CRYPTO;
    }
    EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *)d->ctx);
    EVP_CIPHER_free((EVP_CIPHER *)d->cipher);
    d->cipher = c;
    d->ctx = ctx;
    return DECRYPT_OK;
}

int decrypt13_init(decrypt_dir *d, uint16_t cipher_suite, const uint8_t *traffic_secret, size_t len)
{
    if (!d)
        return DECRYPT_ERR_STATE;
    const decrypt_suite *s = decrypt_suite_find(cipher_suite);
    if (!s || !s->tls13)
        return DECRYPT_ERR_UNSUPPORTED;
    if (!traffic_secret || len != s->hash_len)
        return DECRYPT_ERR_BAD_SECRET;
    uint8_t key[32], iv[AEAD_NONCE_LEN];
    int rc = tls13_hkdf_expand_label(s->hash, traffic_secret, len, "key", NULL, 0, key, s->key_len);
    if (rc == DECRYPT_OK)
        rc = tls13_hkdf_expand_label(s->hash, traffic_secret, len, "iv", NULL, 0, iv, sizeof(iv));
    if (rc == DECRYPT_OK)
        rc = ensure_cipher(d, s);
    if (rc == DECRYPT_OK) {
        uint8_t secret_copy[48];
        memcpy(secret_copy, traffic_secret, len); /* traffic_secret may alias d->secret */
        memset(d->key, 0, sizeof(d->key));
        memset(d->iv, 0, sizeof(d->iv));
        memcpy(d->key, key, s->key_len);
        memcpy(d->iv, iv, sizeof(iv));
        memcpy(d->secret, secret_copy, len);
        d->secret_len = len;
        d->suite = s;
        d->version = 0x0304;
        d->encrypt_then_mac = false;
        d->seq = 0;
        OPENSSL_cleanse(secret_copy, sizeof(secret_copy));
    }
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(iv, sizeof(iv));
    return rc;
}

int decrypt13_update_key(decrypt_dir *d)
{
    if (!decrypt_dir_ready(d) || !d->suite->tls13)
        return DECRYPT_ERR_STATE;
    uint8_t next[48];
    int rc = tls13_hkdf_expand_label(d->suite->hash, d->secret, d->secret_len, "traffic upd", NULL, 0, next,
                                     d->secret_len);
    if (rc == DECRYPT_OK)
        rc = decrypt13_init(d, d->suite->code, next, d->secret_len);
    OPENSSL_cleanse(next, sizeof(next));
    return rc;
}

/* AEAD open. Returns DECRYPT_OK, DECRYPT_ERR_AUTH or DECRYPT_ERR_CRYPTO; on
 * failure out[0..ct_len) is wiped. */
static int aead_open(decrypt_dir *d, const uint8_t nonce[AEAD_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                     const uint8_t *ct, size_t ct_len, const uint8_t *tag, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = (EVP_CIPHER_CTX *)d->ctx;
    const decrypt_suite *s = d->suite;
    bool ccm = s->kind == DECRYPT_CCM;
    int outl = 0, rc = DECRYPT_ERR_CRYPTO;
    if (ct_len > 0x7fffffff || aad_len > 0x7fffffff)
        return DECRYPT_ERR_MALFORMED;

    if (EVP_CIPHER_CTX_reset(ctx) <= 0 || EVP_DecryptInit_ex(ctx, (EVP_CIPHER *)d->cipher, NULL, NULL, NULL) <= 0 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, AEAD_NONCE_LEN, NULL) <= 0)
        goto done;
    if (ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, (void *)tag) <= 0)
        goto done;
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, d->key, nonce) <= 0)
        goto done;
    if (ccm && EVP_DecryptUpdate(ctx, NULL, &outl, NULL, (int)ct_len) <= 0)
        goto done;
    if (EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) <= 0)
        goto done;
    if (ccm) {
        /* CCM verifies the tag in the (single) data update */
        if (EVP_DecryptUpdate(ctx, out, &outl, ct, (int)ct_len) <= 0) {
            rc = DECRYPT_ERR_AUTH;
            goto done;
        }
        rc = DECRYPT_OK;
        goto done;
    }
    if (ct_len > 0 && EVP_DecryptUpdate(ctx, out, &outl, ct, (int)ct_len) <= 0)
        goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, (void *)tag) <= 0)
        goto done;
    if (EVP_DecryptFinal_ex(ctx, out + outl, &outl) <= 0) {
        rc = DECRYPT_ERR_AUTH;
        goto done;
    }
    rc = DECRYPT_OK;
done:
    if (rc != DECRYPT_OK && ct_len)
        OPENSSL_cleanse(out, ct_len);
    return rc;
}

static void seq_nonce(const uint8_t iv[AEAD_NONCE_LEN], uint64_t seq, uint8_t nonce[AEAD_NONCE_LEN])
{
    memcpy(nonce, iv, AEAD_NONCE_LEN);
    for (int i = 0; i < 8; i++)
        nonce[AEAD_NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

int decrypt13_record(decrypt_dir *d, const uint8_t hdr[5], const uint8_t *ciphertext, size_t len, uint8_t *out,
                     size_t *out_len, uint8_t *inner_type)
{
    if (out_len)
        *out_len = 0;
    if (!decrypt_dir_ready(d) || !d->suite->tls13)
        return DECRYPT_ERR_STATE;
    if (!hdr || !out || !out_len || !inner_type || (!ciphertext && len))
        return DECRYPT_ERR_MALFORMED;
    const decrypt_suite *s = d->suite;
    if (len < (size_t)s->tag_len + 1 || len > TLS13_MAX_CIPHERTEXT)
        return DECRYPT_ERR_MALFORMED;
    size_t ct_len = len - s->tag_len;
    uint8_t nonce[AEAD_NONCE_LEN];
    seq_nonce(d->iv, d->seq, nonce);
    int rc = aead_open(d, nonce, hdr, 5, ciphertext, ct_len, ciphertext + ct_len, out);
    if (rc != DECRYPT_OK)
        return rc;
    /* TLSInnerPlaintext: content || type || zeros */
    size_t n = ct_len;
    while (n > 0 && out[n - 1] == 0)
        n--;
    if (n == 0 || n - 1 > 16384u) {
        OPENSSL_cleanse(out, ct_len);
        return DECRYPT_ERR_MALFORMED;
    }
    *inner_type = out[n - 1];
    *out_len = n - 1;
    if (ct_len > n - 1)
        memset(out + n - 1, 0, ct_len - (n - 1));
    d->seq++;
    return DECRYPT_OK;
}

int tls13_finished_expected(uint16_t suite, const uint8_t *base_traffic_secret, size_t secret_len,
                            const uint8_t *transcript_hash, size_t hash_len, uint8_t *out, size_t *out_len)
{
    if (out_len)
        *out_len = 0;
    const decrypt_suite *s = decrypt_suite_find(suite);
    if (!s || !s->tls13)
        return DECRYPT_ERR_UNSUPPORTED;
    if (!base_traffic_secret || secret_len != s->hash_len || !transcript_hash || hash_len != s->hash_len ||
        !out || !out_len)
        return DECRYPT_ERR_BAD_SECRET;
    uint8_t finished_key[48];
    int rc = tls13_hkdf_expand_label(s->hash, base_traffic_secret, secret_len, "finished", NULL, 0, finished_key,
                                     s->hash_len);
    if (rc == DECRYPT_OK)
        rc = hmac3(s->hash, finished_key, s->hash_len, transcript_hash, hash_len, NULL, 0, NULL, 0, out, 48,
                   out_len);
    OPENSSL_cleanse(finished_key, sizeof(finished_key));
    return rc;
}

/* ---- TLS 1.0-1.2 ---- */

int decrypt12_init(decrypt_dir *d, uint16_t version, uint16_t cipher_suite, const uint8_t master_secret[48],
                   const uint8_t client_random[32], const uint8_t server_random[32], bool client_write,
                   bool encrypt_then_mac)
{
    if (!d)
        return DECRYPT_ERR_STATE;
    const decrypt_suite *s = version >= 0x0301 && version <= 0x0303 ? decrypt_suite_for(version, cipher_suite) : NULL;
    if (!s)
        return DECRYPT_ERR_UNSUPPORTED; /* unknown, TLS 1.3, or TLS 1.2-only in 1.0/1.1 */
    if (!master_secret || !client_random || !server_random)
        return DECRYPT_ERR_BAD_SECRET;

    const char *prf = version == 0x0303 ? s->hash : "MD5-SHA1";
    uint8_t kb[2 * 48 + 2 * 32 + 2 * 16];
    size_t kb_len = 2u * s->mac_len + 2u * s->key_len + 2u * s->fixed_iv_len;
    int rc = tls_prf(prf, master_secret, 48, "key expansion", server_random, 32, client_random, 32, kb, kb_len);
    if (rc == DECRYPT_OK)
        rc = ensure_cipher(d, s);
    if (rc == DECRYPT_OK) {
        size_t off_mac = client_write ? 0 : s->mac_len;
        size_t off_key = 2u * s->mac_len + (client_write ? 0 : s->key_len);
        size_t off_iv = 2u * s->mac_len + 2u * s->key_len + (client_write ? 0 : s->fixed_iv_len);
        memset(d->key, 0, sizeof(d->key));
        memset(d->iv, 0, sizeof(d->iv));
        memset(d->mac_key, 0, sizeof(d->mac_key));
        memset(d->secret, 0, sizeof(d->secret));
        memcpy(d->mac_key, kb + off_mac, s->mac_len);
        memcpy(d->key, kb + off_key, s->key_len);
        memcpy(d->iv, kb + off_iv, s->fixed_iv_len);
        d->secret_len = 0;
        d->suite = s;
        d->version = version;
        d->encrypt_then_mac = encrypt_then_mac && s->kind == DECRYPT_CBC;
        d->seq = 0;
    }
    OPENSSL_cleanse(kb, sizeof(kb));
    return rc;
}

/* seq(8) || type || version(2) || length(2) */
static void mac_header(uint8_t ad[13], uint64_t seq, const uint8_t hdr[5], size_t length)
{
    put_u64(ad, seq);
    ad[8] = hdr[0];
    ad[9] = hdr[1];
    ad[10] = hdr[2];
    ad[11] = (uint8_t)(length >> 8);
    ad[12] = (uint8_t)length;
}

/* TLS 1.0-1.2 record MAC: HMAC(seq || type || version || length || data) must
 * equal tag (the suite's mac_len bytes). DECRYPT_OK, DECRYPT_ERR_AUTH, or the
 * HMAC's own error. */
static int check_mac(const decrypt_dir *d, const uint8_t hdr[5], const uint8_t *data, size_t len, const uint8_t *tag)
{
    const decrypt_suite *s = d->suite;
    uint8_t ad[13], mac[64];
    size_t mac_out = 0;
    mac_header(ad, d->seq, hdr, len);
    int rc = hmac3(s->mac, d->mac_key, s->mac_len, ad, sizeof(ad), data, len, NULL, 0, mac, sizeof(mac), &mac_out);
    if (rc != DECRYPT_OK)
        return rc;
    return mac_out == s->mac_len && CRYPTO_memcmp(mac, tag, s->mac_len) == 0 ? DECRYPT_OK : DECRYPT_ERR_AUTH;
}

/* Raw CBC decryption (AES, Camellia, 3DES) without padding removal. */
static int cbc_decrypt(decrypt_dir *d, const uint8_t *iv, const uint8_t *ct, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = (EVP_CIPHER_CTX *)d->ctx;
    int outl = 0, fin = 0;
    if (len > 0x7fffffff)
        return DECRYPT_ERR_MALFORMED;
    if (EVP_CIPHER_CTX_reset(ctx) <= 0 || EVP_DecryptInit_ex(ctx, (EVP_CIPHER *)d->cipher, NULL, d->key, iv) <= 0 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) <= 0 || EVP_DecryptUpdate(ctx, out, &outl, ct, (int)len) <= 0 ||
        EVP_DecryptFinal_ex(ctx, out + outl, &fin) <= 0 || (size_t)(outl + fin) != len)
        return DECRYPT_ERR_CRYPTO;
    return DECRYPT_OK;
}

/* Check TLS CBC padding of p[0..n): returns the padding length + 1 or 0 when invalid. */
static size_t cbc_padding(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    size_t pad = p[n - 1];
    if (pad + 1 > n)
        return 0;
    for (size_t i = 0; i <= pad; i++)
        if (p[n - 1 - i] != pad)
            return 0;
    return pad + 1;
}

static int decrypt12_cbc(decrypt_dir *d, const uint8_t hdr[5], const uint8_t *rec, size_t len, uint8_t *out,
                         size_t *out_len)
{
    const decrypt_suite *s = d->suite;
    size_t bs = s->block_len;
    size_t ivl = d->version >= 0x0302 ? bs : 0;
    size_t ml = s->mac_len;
    const uint8_t *iv = ivl ? rec : d->iv;

    if (d->encrypt_then_mac) {
        if (len < ivl + bs + ml || (len - ml - ivl) % bs != 0)
            return DECRYPT_ERR_MALFORMED;
        size_t body = len - ml;
        int rc = check_mac(d, hdr, rec, body, rec + body);
        if (rc != DECRYPT_OK)
            return rc;
        size_t clen = body - ivl;
        rc = cbc_decrypt(d, iv, rec + ivl, clen, out);
        if (rc != DECRYPT_OK)
            return rc;
        size_t pad = cbc_padding(out, clen);
        if (pad == 0) {
            OPENSSL_cleanse(out, clen);
            return DECRYPT_ERR_MALFORMED; /* MAC verified: the keys are right, the sender is wrong */
        }
        if (ivl == 0)
            memcpy(d->iv, rec + body - bs, bs);
        memset(out + clen - pad, 0, pad);
        *out_len = clen - pad;
        return DECRYPT_OK;
    }

    /* MAC-then-encrypt: IV || E(content || MAC || padding || padding_length) */
    size_t min_body = ((ml + 1 + bs - 1) / bs) * bs;
    if (len < ivl + min_body || (len - ivl) % bs != 0)
        return DECRYPT_ERR_MALFORMED;
    size_t clen = len - ivl;
    int rc = cbc_decrypt(d, iv, rec + ivl, clen, out);
    if (rc != DECRYPT_OK)
        return rc;
    size_t pad = cbc_padding(out, clen);
    if (pad == 0 || pad + ml > clen) {
        OPENSSL_cleanse(out, clen);
        return DECRYPT_ERR_AUTH;
    }
    size_t content = clen - pad - ml;
    rc = check_mac(d, hdr, out, content, out + content);
    if (rc != DECRYPT_OK) {
        OPENSSL_cleanse(out, clen);
        return rc;
    }
    if (ivl == 0)
        memcpy(d->iv, rec + len - bs, bs);
    memset(out + content, 0, clen - content);
    *out_len = content;
    return DECRYPT_OK;
}

/* NULL encryption: content || HMAC(seq || type || version || length || content).
 * With encrypt_then_mac the MAC covers the same bytes (no IV, no padding). */
static int decrypt12_null(decrypt_dir *d, const uint8_t hdr[5], const uint8_t *rec, size_t len, uint8_t *out,
                          size_t *out_len)
{
    size_t ml = d->suite->mac_len;
    if (len < ml)
        return DECRYPT_ERR_MALFORMED;
    size_t content = len - ml;
    int rc = check_mac(d, hdr, rec, content, rec + content);
    if (rc != DECRYPT_OK)
        return rc;
    if (content)
        memcpy(out, rec, content);
    *out_len = content;
    return DECRYPT_OK;
}

int decrypt12_record(decrypt_dir *d, const uint8_t hdr[5], const uint8_t *ciphertext, size_t len, uint8_t *out,
                     size_t *out_len, uint8_t *inner_type)
{
    if (out_len)
        *out_len = 0;
    if (!decrypt_dir_ready(d) || d->suite->tls13)
        return DECRYPT_ERR_STATE;
    if (!hdr || !out || !out_len || !inner_type || (!ciphertext && len))
        return DECRYPT_ERR_MALFORMED;
    if (len > TLS12_MAX_CIPHERTEXT)
        return DECRYPT_ERR_MALFORMED;
    const decrypt_suite *s = d->suite;
    int rc;
    size_t n = 0;
    if (s->kind == DECRYPT_CBC) {
        rc = decrypt12_cbc(d, hdr, ciphertext, len, out, &n);
    } else if (s->kind == DECRYPT_NULL) {
        rc = decrypt12_null(d, hdr, ciphertext, len, out, &n);
    } else {
        size_t overhead = (size_t)s->explicit_iv_len + s->tag_len;
        if (len < overhead)
            return DECRYPT_ERR_MALFORMED;
        size_t plen = len - overhead;
        uint8_t nonce[AEAD_NONCE_LEN], ad[13];
        if (s->kind == DECRYPT_GCM || s->kind == DECRYPT_CCM) {
            /* RFC 5288 3 / RFC 6655 3: salt from the key block || explicit nonce */
            memcpy(nonce, d->iv, 4);
            memcpy(nonce + 4, ciphertext, 8);
        } else {
            seq_nonce(d->iv, d->seq, nonce);
        }
        mac_header(ad, d->seq, hdr, plen);
        rc = aead_open(d, nonce, ad, sizeof(ad), ciphertext + s->explicit_iv_len, plen,
                       ciphertext + s->explicit_iv_len + plen, out);
        n = plen;
    }
    if (rc != DECRYPT_OK)
        return rc;
    if (n > 16384u) {
        OPENSSL_cleanse(out, n);
        return DECRYPT_ERR_MALFORMED;
    }
    *out_len = n;
    *inner_type = hdr[0];
    d->seq++;
    return DECRYPT_OK;
}

int tls12_finished_expected(uint16_t suite, const uint8_t master_secret[48], bool client,
                            const uint8_t *handshake_hash, size_t hash_len, uint8_t out[12])
{
    const decrypt_suite *s = decrypt_suite_find(suite);
    if (!s || s->tls13)
        return DECRYPT_ERR_UNSUPPORTED;
    if (!master_secret || !handshake_hash || !out)
        return DECRYPT_ERR_BAD_SECRET;
    const char *digest;
    if (hash_len == 36)
        digest = "MD5-SHA1";
    else if (hash_len == s->hash_len)
        digest = s->hash;
    else
        return DECRYPT_ERR_BAD_SECRET;
    return tls_prf(digest, master_secret, 48, client ? "client finished" : "server finished", handshake_hash,
                   hash_len, NULL, 0, out, 12);
}
