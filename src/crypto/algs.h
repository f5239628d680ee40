/*
 * algs.h — OpenSSL digests fetched once per process and shared by every
 * thread.
 *
 * OpenSSL 3.0 looks an algorithm up in its provider store, under a lock
 * shared by all threads, every time a digest is set up from EVP_sha256() or
 * from a name; a fetched EVP_MD only takes a reference. The TLS layer
 * (fingerprints, transcripts) and certificate analysis (fingerprints, cache
 * keys) digest for every connection, so they take their EVP_MDs from here.
 * Read-only after the first call (pthread_once); nothing to free.
 */
#ifndef MTLS_ALGS_H
#define MTLS_ALGS_H

#include <stddef.h>

#include <openssl/evp.h>

typedef enum algs_md {
    ALGS_MD5,
    ALGS_SHA1,
    ALGS_SHA256,
    ALGS_SHA384,
    ALGS_SHA512,
    ALGS_N_MD
} algs_md;

/* The digest, or NULL when the loaded providers do not offer it. */
const EVP_MD *algs_md_get(algs_md id);

/* By OpenSSL name ("SHA256", "SHA2-384", "sha1", ...): one of the above when
 * the name is one of theirs, else NULL (the caller fetches it itself). */
const EVP_MD *algs_md_named(const char *name);

/* EVP_Digest with the prefetched digest: 1 on success, 0 on failure. */
int algs_digest(algs_md id, const void *data, size_t len, unsigned char *out, unsigned int *out_len);

#endif
