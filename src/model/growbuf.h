/*
 * growbuf.h — the one growable buffer of mtlsdump: bytes (reassembly
 * buffers, the handshake transcript, decryption scratch, a file being read)
 * and text (string builders). Every other module grows its buffers through
 * these functions instead of calling realloc itself.
 *
 * A growbuf starts zeroed ({0}) and holds len bytes at p in cap allocated
 * bytes. It grows by doubling from a first capacity (GROWBUF_FIRST unless the
 * caller names one), never beyond the caller's max; a caller that needs a
 * capacity of its own choosing (exact fit, its own growth rule) asks for it
 * with growbuf_reserve_exact. On failure the buffer is left as it was.
 *
 * failed is set whenever growing failed (out of memory, or over max). The
 * text helpers (growbuf_putn, _puts, _printf) then do nothing, so a string
 * builder checks once at the end (growbuf_take returns NULL); the byte
 * functions report each failure by their result and never read the flag.
 *
 * Only libc; not thread-safe (one buffer, one owner).
 */
#ifndef MTLS_MODEL_GROWBUF_H
#define MTLS_MODEL_GROWBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* The first capacity when the caller names none (and that of the text helpers). */
#define GROWBUF_FIRST 256u
/* No max of the caller's own. */
#define GROWBUF_NO_MAX SIZE_MAX

typedef struct growbuf {
    uint8_t *p;   /* NULL until the first growth */
    size_t len;   /* bytes held */
    size_t cap;   /* bytes allocated */
    bool failed;  /* growing failed once (see above) */
} growbuf;

/* ---------------------------------------------------------------- bytes */

/* Make b hold at least need bytes: the capacity doubles from first (from
 * GROWBUF_FIRST when first is 0) until it holds need, then is clamped to max.
 * 0, or -1 (need > max, out of memory: b unchanged, failed set). */
int growbuf_reserve_first(growbuf *b, size_t need, size_t first, size_t max) MTLS_WARN_UNUSED;
/* growbuf_reserve_first from GROWBUF_FIRST. */
int growbuf_reserve(growbuf *b, size_t need, size_t max) MTLS_WARN_UNUSED;
/* Make b hold at least need bytes, growing to exactly need when it grows
 * (exact fit, or a capacity the caller computed by its own rule). 0 or -1. */
int growbuf_reserve_exact(growbuf *b, size_t need) MTLS_WARN_UNUSED;
/* Append n bytes of p (p may be NULL when n is 0), growing as
 * growbuf_reserve_first does: 0, or -1 (len + n > max, out of memory: b unchanged). */
int growbuf_append_first(growbuf *b, const void *p, size_t n, size_t first, size_t max) MTLS_WARN_UNUSED;
/* Drop the first n bytes (all of them when n >= len); the capacity stays. */
void growbuf_consume(growbuf *b, size_t n);
/* Empty b and clear failed; the capacity stays. */
void growbuf_clear(growbuf *b);
/* Free b's memory; b is zeroed. NULL-safe (b NULL, or never grown). */
void growbuf_free(growbuf *b);
/* Hand b's memory (NULL if never grown) to the caller, who frees it; b is zeroed. */
void *growbuf_detach(growbuf *b);

/* --------------------------------------------------------------- arrays */

/* Typed arrays a module indexes itself (table rows, records): room for one
 * more element of elem bytes in the array at *parr (the address of the
 * module's own pointer, e.g. &t->rows) holding n of its *cap elements. When
 * full the capacity doubles from first (16 when 0). 0, or -1 on OOM or
 * overflow (the array and *cap unchanged). */
int growbuf_array_room(void *parr, size_t *cap, size_t n, size_t elem, size_t first) MTLS_WARN_UNUSED;

/* ----------------------------------------------------------------- text */

/* Append n chars of s, keeping the text NUL-terminated (p is non-NULL after
 * a success, even when n is 0). Nothing once failed is set. */
void growbuf_putn(growbuf *b, const char *s, size_t n);
/* Append the string s. */
void growbuf_puts(growbuf *b, const char *s);
/* Append formatted text (vsnprintf). Nothing once failed is set; sets failed
 * when out of memory or when the format fails. */
void growbuf_printf(growbuf *b, const char *fmt, ...) MTLS_PRINTF(2, 3);
void growbuf_vprintf(growbuf *b, const char *fmt, va_list ap) MTLS_PRINTF(2, 0);
/* The text written so far ("" when none; after a failure, what was written
 * before it). Owned by b, valid until it next grows. */
const char *growbuf_cstr(const growbuf *b);
/* The text written so far, owned by the caller ("" when none), or NULL after
 * a failure (or out of memory). b is zeroed either way. */
char *growbuf_take(growbuf *b) MTLS_WARN_UNUSED;

#endif
