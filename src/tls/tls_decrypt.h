/*
 * tls_decrypt.h — TLS record decryption from key-log secrets (OpenSSL 3 only:
 * EVP_KDF HKDF / TLS1-PRF, EVP_CIPHER AEAD/CBC, EVP_MAC HMAC).
 *
 * One decrypt_dir per direction of a connection, driven record by record:
 *
 *   decrypt_dir d; decrypt_dir_init(&d);
 *   decrypt13_init(&d, suite, server_handshake_traffic_secret, 32);
 *   for each record (hdr[5], body):  decrypt13_record(&d, hdr, body, len, out, &n, &type);
 *   ... after the peer's Finished:   decrypt13_init(&d, suite, server_traffic_secret_0, 32);
 *   ... on the peer's KeyUpdate:     decrypt13_update_key(&d);
 *   decrypt_dir_cleanup(&d);
 *
 * TLS 1.2 (and 1.1/1.0 CBC): decrypt12_init() once after the peer's
 * ChangeCipherSpec, then decrypt12_record() for every later record of that
 * direction. extended_master_secret (RFC 7627) changes only how the master
 * secret is made; the CLIENT_RANDOM line already holds the final master
 * secret, so key derivation here is the same with or without it.
 *
 * A record that fails to decrypt leaves the state untouched (the sequence
 * number does not advance), so a caller may retry with other keys (e.g. skip
 * rejected 0-RTT records on the server side).
 */
#ifndef MTLS_TLS_DECRYPT_H
#define MTLS_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* Return codes. */
enum decrypt_rc {
    DECRYPT_OK = 0,
    DECRYPT_ERR_AUTH = -1,        /* AEAD tag, MAC or CBC padding check failed: wrong keys (or corrupt bytes) */
    DECRYPT_ERR_MALFORMED = -2,   /* record too short for nonce/tag/MAC, not a whole number of blocks,
                                   * plaintext over 2^14 (+ padding), or TLS 1.3 plaintext all zeros (no type) */
    DECRYPT_ERR_UNSUPPORTED = -3, /* cipher suite / version not in our table */
    DECRYPT_ERR_BAD_SECRET = -4,  /* secret length does not match the suite's hash */
    DECRYPT_ERR_STATE = -5,       /* direction not initialised (or wrong TLS version for this call) */
    DECRYPT_ERR_CRYPTO = -6,      /* OpenSSL failed internally (algorithm unavailable, out of memory) */
};


typedef enum decrypt_cipher_kind {
    DECRYPT_GCM,               /* AES-GCM, ARIA-GCM */
    DECRYPT_CCM,               /* AES-CCM (16-byte tag) and CCM_8 (8-byte tag) */
    DECRYPT_CHACHA20_POLY1305,
    DECRYPT_CBC,               /* AES, Camellia, 3DES in CBC mode with an HMAC */
    DECRYPT_NULL,              /* no encryption: content || HMAC */
} decrypt_cipher_kind;

/* What decryption needs to know about one cipher suite (rows in tls_suites.c). */
typedef struct decrypt_suite {
    uint16_t code;           /* IANA value */
    const char *name;        /* IANA name */
    bool tls13;              /* a TLS 1.3 suite (else TLS 1.0-1.2) */
    decrypt_cipher_kind kind;
    const char *cipher;      /* OpenSSL cipher name for EVP_CIPHER_fetch (NULL for DECRYPT_NULL) */
    uint8_t key_len;         /* encryption key bytes */
    uint8_t fixed_iv_len;    /* IV bytes from the key schedule (1.3: 12; 1.2 GCM/CCM: 4; ChaCha: 12;
                              * CBC: the block size, used by TLS 1.0) */
    uint8_t explicit_iv_len; /* per-record nonce/IV bytes on the wire (1.2 GCM/CCM: 8; CBC 1.1+: the block size) */
    uint8_t tag_len;         /* AEAD tag bytes (16, or 8 for CCM_8; 0 for CBC and NULL) */
    const char *mac;         /* CBC/NULL HMAC digest name ("MD5", "SHA1", "SHA256", "SHA384") or NULL */
    uint8_t mac_len;         /* HMAC key and output bytes (CBC, NULL), else 0 */
    const char *hash;        /* TLS 1.2 PRF / TLS 1.3 HKDF / transcript digest ("SHA256" or "SHA384") */
    uint8_t hash_len;
    uint8_t block_len;       /* CBC block size (16; 8 for 3DES), else 0 */
    uint16_t min_version;    /* oldest version the suite is defined for: 0x0301, 0x0303, or 0x0304 (TLS 1.3) */
} decrypt_suite;

/* The table row for an IANA suite code, or NULL when we cannot decrypt it. */
const decrypt_suite *decrypt_suite_find(uint16_t cipher_suite);
/* The row when a session of this version (0x0301..0x0304) with this suite can
 * be decrypted, else NULL (unknown suite, SSL 3.0, a TLS 1.3 suite in 1.2, a
 * TLS 1.2-only suite in 1.0/1.1, ...). */
const decrypt_suite *decrypt_suite_for(uint16_t version, uint16_t cipher_suite);

/* Per-direction decryption state. Treat fields as read-only outside
 * tls_decrypt.c (seq may be read for diagnostics). */
typedef struct decrypt_dir {
    const decrypt_suite *suite; /* NULL until initialised */
    uint16_t version;           /* 0x0304 for TLS 1.3, else the TLS 1.x record version */
    bool encrypt_then_mac;      /* TLS 1.2 CBC with RFC 7366 */
    uint64_t seq;               /* sequence number of the next record */
    uint8_t key[32];
    uint8_t iv[16];             /* 1.3/AEAD: fixed IV; TLS 1.0 CBC: the running IV */
    uint8_t mac_key[48];
    uint8_t secret[48];         /* TLS 1.3 current traffic secret (for KeyUpdate) */
    size_t secret_len;
    void *cipher;               /* EVP_CIPHER * (owned) */
    void *ctx;                  /* EVP_CIPHER_CTX * (owned) */
} decrypt_dir;

/* Zero a decrypt_dir (no allocation). */
void decrypt_dir_init(decrypt_dir *d);
/* Free OpenSSL objects and wipe keys; the dir is then as after init. Safe on
 * an initialised-but-unused or already-cleaned dir. */
void decrypt_dir_cleanup(decrypt_dir *d);
/* True once decrypt13_init/decrypt12_init succeeded. */
static inline bool decrypt_dir_ready(const decrypt_dir *d) { return d && d->suite != NULL; }

/*
 * TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1) with the suite's hash:
 * out = HKDF-Expand(secret, HkdfLabel{out_len, "tls13 " + label, context}).
 * label_len <= 249, context_len <= 255. Returns DECRYPT_OK or an error code.
 */
int tls13_hkdf_expand_label(const char *hash, const uint8_t *secret, size_t secret_len,
                            const char *label, const uint8_t *context, size_t context_len,
                            uint8_t *out, size_t out_len) MTLS_WARN_UNUSED;

/*
 * TLS 1.3: (re)key a direction from a traffic secret (handshake, application or
 * early traffic secret): key = HKDF-Expand-Label(secret, "key", "", key_len),
 * iv = HKDF-Expand-Label(secret, "iv", "", 12); the sequence number restarts at 0.
 * secret_len must equal the suite's hash length. On failure the previous state
 * is kept. Returns DECRYPT_OK, DECRYPT_ERR_UNSUPPORTED (not a TLS 1.3 suite we
 * know), DECRYPT_ERR_BAD_SECRET, DECRYPT_ERR_CRYPTO.
 */
int decrypt13_init(decrypt_dir *d, uint16_t cipher_suite, const uint8_t *traffic_secret,
                   size_t len) MTLS_WARN_UNUSED;

/* TLS 1.3 KeyUpdate: secret' = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length),
 * then rekey as decrypt13_init. DECRYPT_ERR_STATE when not a TLS 1.3 dir. */
int decrypt13_update_key(decrypt_dir *d) MTLS_WARN_UNUSED;

/*
 * TLS 1.3: decrypt one protected record. hdr is the 5-byte record header as on
 * the wire (the AAD); ciphertext/len its body (encrypted inner plaintext + tag).
 * out must hold at least len bytes and must not overlap ciphertext. On
 * DECRYPT_OK, out[0..*out_len) holds the content with zero padding and the
 * inner content type stripped, *inner_type the real content type, and seq has
 * advanced. Returns DECRYPT_ERR_AUTH on a tag mismatch, DECRYPT_ERR_MALFORMED
 * when len < tag length + 1 (or > 2^14 + 256) or the plaintext is all zeros
 * (also too long), DECRYPT_ERR_STATE when not initialised for TLS 1.3. On any
 * error, *out_len = 0 and the state (seq) is unchanged.
 */
int decrypt13_record(decrypt_dir *d, const uint8_t hdr[5], const uint8_t *ciphertext, size_t len,
                     uint8_t *out, size_t *out_len, uint8_t *inner_type) MTLS_WARN_UNUSED;

/*
 * TLS 1.3 Finished: finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length),
 * out = HMAC(finished_key, transcript_hash). base_key is the sender's handshake
 * traffic secret; transcript_hash covers the messages before this Finished.
 * out must hold 48 bytes; *out_len = Hash.length. Returns DECRYPT_OK or an error.
 */
int tls13_finished_expected(uint16_t suite, const uint8_t *base_traffic_secret, size_t secret_len,
                            const uint8_t *transcript_hash, size_t hash_len, uint8_t *out,
                            size_t *out_len) MTLS_WARN_UNUSED;

/*
 * TLS 1.0-1.2: derive this direction's keys from the master secret:
 * key_block = PRF(master, "key expansion", server_random + client_random)
 * (TLS1-PRF with the suite's hash for 1.2, MD5-SHA1 for 1.0/1.1), split into
 * client/server MAC keys, keys and IVs; client_write selects the client's
 * half. version is 0x0301..0x0303 (1.0/1.1 only with the CBC and NULL
 * suites defined for them: decrypt_suite_for()).
 * encrypt_then_mac: the RFC 7366 extension was negotiated (ignored for AEAD).
 * Sequence number starts at 0. Returns DECRYPT_OK, DECRYPT_ERR_UNSUPPORTED,
 * DECRYPT_ERR_CRYPTO.
 */
int decrypt12_init(decrypt_dir *d, uint16_t version, uint16_t cipher_suite,
                   const uint8_t master_secret[48], const uint8_t client_random[32],
                   const uint8_t server_random[32], bool client_write,
                   bool encrypt_then_mac) MTLS_WARN_UNUSED;

/*
 * TLS 1.0-1.2: decrypt one record (same contract as decrypt13_record).
 * AEAD: AAD = seq || type || version || plaintext length; GCM and CCM use the
 * 4-byte salt + the 8-byte explicit nonce, ChaCha20-Poly1305 the RFC 7905
 * nonce (iv XOR seq). CBC: MAC-then-encrypt with padding and HMAC checks, or
 * encrypt-then-MAC; explicit IV for 1.1+, chained IV for 1.0. NULL: content
 * followed by its HMAC. *inner_type = hdr[0].
 * DECRYPT_ERR_AUTH for a bad tag, MAC or padding.
 */
int decrypt12_record(decrypt_dir *d, const uint8_t hdr[5], const uint8_t *ciphertext, size_t len,
                     uint8_t *out, size_t *out_len, uint8_t *inner_type) MTLS_WARN_UNUSED;

/*
 * TLS 1.0-1.2 Finished verify_data: PRF(master, "client finished" or
 * "server finished", handshake_hash)[0..12). handshake_hash is the transcript
 * hash of the messages before this Finished: with the suite's hash for TLS 1.2
 * (SHA-384 for *_SHA384 suites, else SHA-256); a 36-byte hash is taken as
 * TLS 1.0/1.1 MD5||SHA1 and uses the MD5-SHA1 PRF. Returns DECRYPT_OK or an error.
 */
int tls12_finished_expected(uint16_t suite, const uint8_t master_secret[48], bool client,
                            const uint8_t *handshake_hash, size_t hash_len,
                            uint8_t out[12]) MTLS_WARN_UNUSED;

#endif
