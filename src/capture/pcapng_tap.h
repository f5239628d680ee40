/*
 * pcapng_tap.h — Decryption Secrets Blocks seen as a pcapng stream flows by.
 *
 * libpcap reads the packets of a pcapng file but hands out no Decryption
 * Secrets Block. When the capture arrives as a stream (stdin, a pipe, a
 * decompressor), the tap watches the same bytes on their way to libpcap,
 * frames the blocks, and passes the TLS key log text of each DSB to a sink, so
 * secrets work anywhere in the stream. The bytes are only read, never changed.
 */
#ifndef MTLS_PCAPNG_TAP_H
#define MTLS_PCAPNG_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* Called with the key log text of one DSB (valid during the call). */
typedef void (*pcapng_secrets_sink)(void *ctx, const uint8_t *text, size_t len);

typedef struct pcapng_tap pcapng_tap;

pcapng_tap *pcapng_tap_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void pcapng_tap_free(pcapng_tap *t);                /* NULL is a no-op */
/* The next n bytes of the stream, in order. A stream that is not pcapng, or
 * whose framing breaks, turns the tap off (libpcap reports the damage). */
void pcapng_tap_feed(pcapng_tap *t, const uint8_t *p, size_t n);
/* Where secrets go. DSBs seen before a sink was set (libpcap reads the first
 * blocks when the file is opened) are delivered now. */
void pcapng_tap_set_sink(pcapng_tap *t, pcapng_secrets_sink sink, void *ctx);

/* A pcapng file by name (a regular file, not compressed; anything else gives
 * 0): every TLS key log DSB anywhere in it goes to sink before the packets are
 * read, so a DSB serves every connection of the file wherever it sits.
 * Returns the number of DSBs, -1 when the file cannot be read. */
int pcapng_scan_file(const char *path, pcapng_secrets_sink sink, void *ctx) MTLS_WARN_UNUSED;

#endif
