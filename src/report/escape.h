/*
 * escape.h — safe rendering of untrusted bytes (SNI, ALPN, certificate
 * names, HTTP lines, anything that came off the wire).
 *
 * Two jobs:
 *  - esc_text*: for a terminal. Printable ASCII and valid printable UTF-8
 *    pass through. Everything that could move the cursor, change colours,
 *    set a title, open a hyperlink or reorder text is made visible instead:
 *    C0 controls and DEL as \n \r \t \\ or \xNN, C1 controls (U+0080..U+009F)
 *    as \u0080.., bidi controls (U+061C, U+200E/F, U+202A..U+202E,
 *    U+2066..U+2069) as \u202e.., invalid UTF-8 (bad lead/continuation bytes,
 *    overlongs, surrogates, > U+10FFFF, truncated sequences) byte by byte as
 *    \xNN. A literal backslash becomes "\\" so the output is unambiguous.
 *  - esc_utf8_sanitize: for JSON. Returns valid UTF-8 (invalid sequences
 *    replaced by U+FFFD); control characters are left for cJSON to escape.
 */
#ifndef MTLS_ESCAPE_H
#define MTLS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compiler.h"

/* Escape len bytes of s for a terminal. Returns a malloc'd NUL-terminated
 * string the caller frees, or NULL on OOM. s may be NULL when len is 0. */
char *esc_text(const char *s, size_t len) MTLS_WARN_UNUSED;


/* Escape into a caller buffer. Always NUL-terminates when outsz > 0 (the
 * output is cut at a whole escape, never mid-sequence). Returns the length
 * the full escaped text needs (excluding the NUL), like snprintf. */
size_t esc_text_buf(const char *s, size_t len, char *out, size_t outsz);

/* Write the escaped form of s[0..len) to f. Returns 0, or -1 on write error. */
int esc_fputs(FILE *f, const char *s, size_t len) MTLS_WARN_UNUSED;

/* Valid UTF-8 copy of s[0..len): each maximal invalid subsequence becomes
 * U+FFFD; NUL bytes become U+FFFD too so the result is a C string. Returns a
 * malloc'd string or NULL on OOM. s == NULL yields "". */
char *esc_utf8_sanitize(const char *s, size_t len) MTLS_WARN_UNUSED;

#endif
