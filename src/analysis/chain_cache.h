/*
 * chain_cache.h — chain analyses cached by (SHA-256 of the chain, side, SNI,
 * for client chains the CertificateRequest's CA names, trust context,
 * validity bucket), so a chain seen in many handshakes is validated once.
 * Everything the analysis depends on is in the key, so a hit is exactly the
 * report a fresh analysis would give: the cache makes things faster, never
 * different.
 *
 * The validity bucket is the interval between the certificate time
 * boundaries (each notBefore, notAfter + 1 s and the cert_expires_soon
 * boundary notAfter - 30 days + 1 s) that the validation time falls in: every
 * time inside one interval gives the same verdict, so it hits. Bounded: the
 * oldest entry is evicted first; reports are refcounted, so an evicted report
 * stays alive in the sessions that hold it.
 */
#ifndef MTLS_CHAIN_CACHE_H
#define MTLS_CHAIN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain_verify.h"

typedef struct chain_cache chain_cache;

/* New cache holding at most max_entries reports (0 means 1024). NULL on OOM. */
chain_cache *chain_cache_new(size_t max_entries);
void chain_cache_free(chain_cache *c); /* NULL is a no-op; drops the cache's references */

/*
 * Like chain_analyze_bucket (same input and result), through the cache: a hit
 * returns chain_report_ref(cached report) — the caller owns one reference
 * either way and releases it with chain_report_unref. Returns NULL only on
 * allocation failure. *out_hit (may be NULL) says whether it came from the
 * cache. The ctx pointer is part of the key. Thread-safe: the cache is shared
 * by the --threads workers (one mutex around the table; a miss is analysed
 * outside it, and when two workers analyse the same chain at once the first
 * report in is kept and handed to both).
 */
const chain_report *chain_cache_analyze(chain_cache *c, chain_ctx *ctx, const chain_input *in,
                                        bool *out_hit) MTLS_WARN_UNUSED;

#endif
