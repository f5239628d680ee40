/*
 * decompress.h — captures compressed with gzip, xz, zstd, bzip2 or lz4, read
 * transparently. The format is told by the first bytes (magic numbers), never
 * by the file name, so stdin works too: `zcat` is not needed.
 */
#ifndef MTLS_DECOMPRESS_H
#define MTLS_DECOMPRESS_H

#include <stdio.h>

#include "compiler.h"
#include "pcapng_tap.h"

typedef enum compression {
    COMPRESSION_NONE = 0,
    COMPRESSION_GZIP,
    COMPRESSION_XZ,
    COMPRESSION_ZSTD,
    COMPRESSION_BZIP2,
    COMPRESSION_LZ4,
} compression;

/* The format whose magic number starts buf (n bytes). */
compression compression_of(const unsigned char *buf, size_t n);
const char *compression_name(compression c); /* "gzip", "xz", "zstd", "bzip2", "lz4", "none" */

#define DECOMPRESS_HEAD 4 /* first bytes handed to the caller: a pcap or pcapng magic number */

/*
 * A stream that reads raw (through its descriptor, from its current offset;
 * raw's stdio buffer must be empty), decompressing when its first bytes say so (the
 * bytes peeked to decide are given back either way). On success returns the
 * new stream, which owns raw (fclose closes both), *out_kind, and the first
 * *head_len (up to DECOMPRESS_HEAD; fewer only for a short uncompressed
 * stream) bytes it will hand out, copied to head; NULL with *err (owned) when
 * memory or the decoder cannot be set up, or a compressed stream holds less
 * than DECOMPRESS_HEAD bytes (raw stays the caller's to close). A corrupt stream
 * shows as a read error part-way. tap (may be NULL, not owned, must outlive
 * the stream) is fed every byte handed out, in order.
 */
FILE *decompress_open(FILE *raw, pcapng_tap *tap, compression *out_kind, unsigned char *head, size_t *head_len,
                      char **err) MTLS_WARN_UNUSED;

#endif
