#include "cert_verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "algs.h"
#include "text.h"
#include "x509_info.h"

typedef enum key_kind { K_RSA, K_RSA_PSS, K_EC, K_ED25519, K_ED448 } key_kind;
typedef enum pad_kind { P_NONE, P_PKCS1, P_PSS } pad_kind;

typedef struct scheme_row {
    uint16_t id;
    const char *name;
    key_kind key;    /* key type the scheme needs */
    const char *md;  /* NULL for EdDSA */
    pad_kind pad;
    bool tls13_ok;
} scheme_row;

static const scheme_row schemes[] = {
    {0x0101, "rsa_pkcs1_md5", K_RSA, "MD5", P_PKCS1, false},
    {0x0201, "rsa_pkcs1_sha1", K_RSA, "SHA1", P_PKCS1, false},
    {0x0301, "rsa_pkcs1_sha224", K_RSA, "SHA224", P_PKCS1, false},
    {0x0401, "rsa_pkcs1_sha256", K_RSA, "SHA256", P_PKCS1, false},
    {0x0501, "rsa_pkcs1_sha384", K_RSA, "SHA384", P_PKCS1, false},
    {0x0601, "rsa_pkcs1_sha512", K_RSA, "SHA512", P_PKCS1, false},
    {0x0103, "ecdsa_md5", K_EC, "MD5", P_NONE, false},
    {0x0203, "ecdsa_sha1", K_EC, "SHA1", P_NONE, false},
    {0x0303, "ecdsa_sha224", K_EC, "SHA224", P_NONE, false},
    {0x0403, "ecdsa_secp256r1_sha256", K_EC, "SHA256", P_NONE, true},
    {0x0503, "ecdsa_secp384r1_sha384", K_EC, "SHA384", P_NONE, true},
    {0x0603, "ecdsa_secp521r1_sha512", K_EC, "SHA512", P_NONE, true},
    {0x0804, "rsa_pss_rsae_sha256", K_RSA, "SHA256", P_PSS, true},
    {0x0805, "rsa_pss_rsae_sha384", K_RSA, "SHA384", P_PSS, true},
    {0x0806, "rsa_pss_rsae_sha512", K_RSA, "SHA512", P_PSS, true},
    {0x0807, "ed25519", K_ED25519, NULL, P_NONE, true},
    {0x0808, "ed448", K_ED448, NULL, P_NONE, true},
    {0x0809, "rsa_pss_pss_sha256", K_RSA_PSS, "SHA256", P_PSS, true},
    {0x080a, "rsa_pss_pss_sha384", K_RSA_PSS, "SHA384", P_PSS, true},
    {0x080b, "rsa_pss_pss_sha512", K_RSA_PSS, "SHA512", P_PSS, true},
};

static const scheme_row *scheme_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (schemes[i].id == id)
            return &schemes[i];
    return NULL;
}

static void set_note(char **note, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_note(char **note, const char *fmt, ...)
{
    if (!note)
        return;
    va_list ap;
    va_start(ap, fmt);
    *note = text_vprintf(fmt, ap);
    va_end(ap);
}

static bool key_is(EVP_PKEY *pk, key_kind k)
{
    switch (k) {
    case K_RSA: return EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
    case K_RSA_PSS: return EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA_PSS;
    case K_EC: return EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC;
    case K_ED25519: return EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519;
    case K_ED448: return EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED448;
    }
    return false;
}

static const char *key_name(EVP_PKEY *pk)
{
    const char *n = EVP_PKEY_get0_type_name(pk);
    return n ? n : "unknown";
}

static const char *mismatch_sentence(void)
{
    return "the signature does not verify with the certificate's public key: "
           "the private key used does not match the certificate (or the message was altered)";
}

/* Verify sig over msg with the scheme. Returns 1/0/-1 as documented. */
static int verify_scheme(EVP_PKEY *pk, const scheme_row *s, const uint8_t *sig, size_t sig_len,
                         const uint8_t *msg, size_t msg_len, char **note)
{
    if (!key_is(pk, s->key)) {
        set_note(note, "signature scheme %s cannot be used with a %s key", s->name, key_name(pk));
        return -1;
    }
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int rc = -1;
    if (!mctx || EVP_DigestVerifyInit_ex(mctx, &pctx, s->md, NULL, NULL, pk, NULL) != 1) {
        set_note(note, "could not set up verification for %s (digest unavailable)", s->name);
        goto out;
    }
    if (s->pad == P_PSS &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        set_note(note, "could not set RSA-PSS parameters for %s", s->name);
        goto out;
    }
    if (s->pad == P_PKCS1 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
        set_note(note, "could not set PKCS#1 padding for %s", s->name);
        goto out;
    }
    if (EVP_DigestVerify(mctx, sig, sig_len, msg, msg_len) == 1) {
        rc = 1;
    } else {
        rc = 0;
        set_note(note, "%s (%s)", mismatch_sentence(), s->name);
    }
out:
    EVP_MD_CTX_free(mctx);
    ERR_clear_error();
    return rc;
}

/* TLS 1.0/1.1: RSA signs MD5(m)||SHA1(m) with PKCS#1 type 1 and no
 * DigestInfo; ECDSA and DSA sign SHA-1(m). */
static int verify_legacy(EVP_PKEY *pk, const uint8_t *sig, size_t sig_len, const uint8_t *msg,
                         size_t msg_len, char **note)
{
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_EC || id == EVP_PKEY_DSA) {
        static const scheme_row ec_sha1 = {0, "legacy ECDSA/DSA SHA-1", K_EC, "SHA1", P_NONE,
                                           false};
        if (id == EVP_PKEY_DSA) {
            EVP_MD_CTX *m = EVP_MD_CTX_new();
            int rc = -1;
            if (m && EVP_DigestVerifyInit_ex(m, NULL, "SHA1", NULL, NULL, pk, NULL) == 1)
                rc = EVP_DigestVerify(m, sig, sig_len, msg, msg_len) == 1 ? 1 : 0;
            EVP_MD_CTX_free(m);
            ERR_clear_error();
            if (rc == 0)
                set_note(note, "%s (DSA SHA-1)", mismatch_sentence());
            else if (rc < 0)
                set_note(note, "could not set up DSA verification");
            return rc;
        }
        return verify_scheme(pk, &ec_sha1, sig, sig_len, msg, msg_len, note);
    }
    if (id != EVP_PKEY_RSA) {
        set_note(note, "TLS 1.0/1.1 CertificateVerify with a %s key is not supported",
                 key_name(pk));
        return -1;
    }
    unsigned char hashes[36];
    unsigned int l1 = 0, l2 = 0;
    if (!algs_digest(ALGS_MD5, msg, msg_len, hashes, &l1) ||
        !algs_digest(ALGS_SHA1, msg, msg_len, hashes + 16, &l2) || l1 != 16 || l2 != 20) {
        ERR_clear_error();
        set_note(note, "MD5/SHA-1 digests unavailable");
        return -1;
    }
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    int rc = -1;
    if (!pctx || EVP_PKEY_verify_init(pctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
        set_note(note, "could not set up RSA verification");
    } else if (EVP_PKEY_verify(pctx, sig, sig_len, hashes, sizeof(hashes)) == 1) {
        rc = 1;
    } else {
        rc = 0;
        set_note(note, "%s (RSA MD5+SHA-1)", mismatch_sentence());
    }
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return rc;
}

static EVP_PKEY *leaf_key(const uint8_t *der, size_t len, X509 **out_x, char **note)
{
    X509 *x = x509i_decode(der, len);
    if (!x) {
        set_note(note, "the certificate cannot be decoded, so its signature cannot be checked");
        return NULL;
    }
    EVP_PKEY *pk = X509_get0_pubkey(x);
    ERR_clear_error();
    if (!pk) {
        X509_free(x);
        set_note(note, "the certificate's public key cannot be decoded");
        return NULL;
    }
    *out_x = x;
    return pk;
}

int certvfy_tls12_key(void *pkey, uint16_t scheme, const uint8_t *sig, size_t sig_len,
                      const uint8_t *transcript, size_t transcript_len, char **note)
{
    if (note)
        *note = NULL;
    const scheme_row *s = NULL;
    if (scheme != 0 && !(s = scheme_find(scheme))) {
        set_note(note, "unknown or unsupported signature scheme 0x%04x", scheme);
        return -1;
    }
    if (!sig || sig_len == 0) {
        set_note(note, "%s (empty signature)", mismatch_sentence());
        return 0;
    }
    if (!pkey) {
        set_note(note, "the certificate's public key cannot be decoded");
        return -1;
    }
    static const uint8_t empty[1] = {0};
    const uint8_t *m = transcript ? transcript : empty;
    size_t ml = transcript ? transcript_len : 0;
    return s ? verify_scheme(pkey, s, sig, sig_len, m, ml, note) : verify_legacy(pkey, sig, sig_len, m, ml, note);
}

int certvfy_tls12(const uint8_t *leaf_der, size_t leaf_len, uint16_t scheme, const uint8_t *sig,
                  size_t sig_len, const uint8_t *transcript, size_t transcript_len, char **note)
{
    if (note)
        *note = NULL;
    if (scheme != 0 && !scheme_find(scheme)) {
        set_note(note, "unknown or unsupported signature scheme 0x%04x", scheme);
        return -1;
    }
    if (!sig || sig_len == 0) {
        set_note(note, "%s (empty signature)", mismatch_sentence());
        return 0;
    }
    X509 *x = NULL;
    EVP_PKEY *pk = leaf_key(leaf_der, leaf_len, &x, note);
    if (!pk)
        return -1;
    int rc = certvfy_tls12_key(pk, scheme, sig, sig_len, transcript, transcript_len, note);
    X509_free(x);
    return rc;
}

static int tls13_common(const uint8_t *leaf_der, size_t leaf_len, void *pkey, uint16_t scheme,
                        const uint8_t *sig, size_t sig_len, const uint8_t *transcript_hash,
                        size_t hash_len, bool server, char **note)
{
    static const char ctx_server[] = "TLS 1.3, server CertificateVerify";
    static const char ctx_client[] = "TLS 1.3, client CertificateVerify";
    if (note)
        *note = NULL;
    const scheme_row *s = scheme_find(scheme);
    if (!s) {
        set_note(note, "unknown or unsupported signature scheme 0x%04x", scheme);
        return -1;
    }
    if (!s->tls13_ok) {
        set_note(note, "signature scheme %s is not allowed in TLS 1.3 CertificateVerify", s->name);
        return -1;
    }
    if (!transcript_hash || hash_len == 0 || hash_len > 64) {
        set_note(note, "no usable transcript hash (%zu bytes)", hash_len);
        return -1;
    }
    if (!sig || sig_len == 0) {
        set_note(note, "%s (empty signature)", mismatch_sentence());
        return 0;
    }
    uint8_t content[64 + sizeof(ctx_server) + 64];
    const char *cs = server ? ctx_server : ctx_client;
    size_t cl = strlen(cs);
    memset(content, 0x20, 64);
    memcpy(content + 64, cs, cl);
    content[64 + cl] = 0x00;
    memcpy(content + 64 + cl + 1, transcript_hash, hash_len);
    size_t total = 64 + cl + 1 + hash_len;
    X509 *x = NULL;
    EVP_PKEY *pk = pkey;
    if (!pk) {
        if (!leaf_der) {
            set_note(note, "the certificate's public key cannot be decoded");
            return -1;
        }
        pk = leaf_key(leaf_der, leaf_len, &x, note);
    }
    if (!pk)
        return -1;
    int rc = verify_scheme(pk, s, sig, sig_len, content, total, note);
    X509_free(x);
    return rc;
}

int certvfy_tls13(const uint8_t *leaf_der, size_t leaf_len, uint16_t scheme, const uint8_t *sig,
                  size_t sig_len, const uint8_t *transcript_hash, size_t hash_len, bool server,
                  char **note)
{
    return tls13_common(leaf_der, leaf_len, NULL, scheme, sig, sig_len, transcript_hash, hash_len, server,
                        note);
}

int certvfy_tls13_key(void *pkey, uint16_t scheme, const uint8_t *sig, size_t sig_len,
                      const uint8_t *transcript_hash, size_t hash_len, bool server, char **note)
{
    return tls13_common(NULL, 0, pkey, scheme, sig, sig_len, transcript_hash, hash_len, server, note);
}
