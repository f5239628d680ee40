/*
 * transcript.h — running handshake hash (TLS 1.0-1.3) for Finished and
 * CertificateVerify checks.
 *
 * Feed every handshake message (4-byte header + body, as on the wire, after
 * reassembly and decryption) in order, both directions interleaved as they
 * happened. The hash algorithm is known only after ServerHello, so messages are
 * buffered (at most TRANSCRIPT_MAX_RAW bytes) and hashed once
 * transcript_set_hash() is called. The raw concatenation stays available
 * (up to the same cap) because TLS 1.2 CertificateVerify signs the raw
 * messages, not their hash.
 *
 * HelloRetryRequest (RFC 8446 §4.4.1): feed ClientHello1, then call
 * transcript_hello_retry(t, hrr_cipher_suite_hash) BEFORE feeding the HRR; the
 * transcript then restarts as message_hash(Hash(ClientHello1)) and continues
 * with HRR, ClientHello2, ServerHello, ...
 *
 * Typical use:
 *   transcript_add(ClientHello); transcript_add(ServerHello);
 *   transcript_set_hash(t, TRANSCRIPT_SHA256);   // from the negotiated suite
 *   ... transcript_hash_now() before adding a Finished gives its input.
 */
#ifndef MTLS_TRANSCRIPT_H
#define MTLS_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define TRANSCRIPT_MAX_RAW (256u * 1024u)
#define TRANSCRIPT_MAX_HASH 48

typedef enum transcript_hash_alg {
    TRANSCRIPT_UNKNOWN = 0,
    TRANSCRIPT_SHA256,   /* TLS 1.2 default PRF hash; TLS 1.3 *_SHA256 suites */
    TRANSCRIPT_SHA384,   /* *_SHA384 suites */
    TRANSCRIPT_MD5_SHA1, /* TLS 1.0/1.1: MD5 || SHA1 (36 bytes) */
} transcript_hash_alg;

enum transcript_rc {
    TRANSCRIPT_OK = 0,
    TRANSCRIPT_ERR_NO_HASH = -1,  /* transcript_hash_now/hello_retry before transcript_set_hash */
    TRANSCRIPT_ERR_OVERFLOW = -2, /* more than TRANSCRIPT_MAX_RAW bytes buffered before the hash was known */
    TRANSCRIPT_ERR_ARG = -3,      /* bad argument: message shorter than 4 bytes, header length mismatch,
                                   * unknown algorithm, hash already set to another one, HRR not first */
    TRANSCRIPT_ERR_CRYPTO = -4,   /* OpenSSL failure / out of memory */
};

/* Hash for a negotiated version/suite: TLS 1.3 and 1.2 use the suite's hash
 * (SHA384 for *_SHA384 suites we know, else SHA256); 1.0/1.1 MD5_SHA1.
 * TRANSCRIPT_UNKNOWN for versions below 1.0. */
transcript_hash_alg transcript_alg_for(uint16_t version, uint16_t cipher_suite);

typedef struct transcript transcript;

/* Empty transcript with no hash yet; NULL when out of memory. */
transcript *transcript_new(void);
/* NULL is a no-op. */
void transcript_free(transcript *t);

/*
 * Append one handshake message (header + body). The u24 length in the header
 * must match len - 4. Once the raw cap is exceeded the raw copy stops growing
 * (transcript_raw then reports raw_complete = false) but hashing continues if
 * the hash is known; if it is not yet known, returns TRANSCRIPT_ERR_OVERFLOW
 * and the transcript is unusable. Returns TRANSCRIPT_OK or an error code.
 */
int transcript_add(transcript *t, const uint8_t *msg, size_t len) MTLS_WARN_UNUSED;

/* Choose the hash and hash everything buffered so far. Calling it again with
 * the same algorithm is a no-op; another algorithm is TRANSCRIPT_ERR_ARG. */
int transcript_set_hash(transcript *t, transcript_hash_alg alg) MTLS_WARN_UNUSED;

/* HelloRetryRequest: the messages so far must be exactly one ClientHello;
 * sets the hash (TLS 1.3: SHA256 or SHA384) and replaces ClientHello1 by
 * message_hash (type 254, length Hash.length, Hash(ClientHello1)) in both the
 * hash and the raw copy. Returns TRANSCRIPT_OK or an error code. */
int transcript_hello_retry(transcript *t, transcript_hash_alg alg) MTLS_WARN_UNUSED;

/* Hash of everything fed so far (the transcript keeps running). out must hold
 * TRANSCRIPT_MAX_HASH bytes; *out_len = 32, 48 or 36. TRANSCRIPT_ERR_NO_HASH
 * before transcript_set_hash. */
int transcript_hash_now(const transcript *t, uint8_t *out, size_t *out_len) MTLS_WARN_UNUSED;

/* Raw concatenation of the messages fed so far (after any HRR replacement);
 * valid until the next transcript_* call that modifies t. *complete (may be
 * NULL) is false when the cap dropped bytes. */
const uint8_t *transcript_raw(const transcript *t, size_t *len, bool *complete);


#endif
