/*
 * file_source.h — one capture file as a source of packets, each with its
 * link type: classic pcap through libpcap, pcapng through pcapng_reader (any
 * mix of interface link types), either one plain, compressed (decompress.h)
 * or streamed from stdin / a pipe.
 */
#ifndef MTLS_FILE_SOURCE_H
#define MTLS_FILE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "pcapng_reader.h"
#include "pcapng_tap.h"

typedef struct file_source file_source;

/* Open path ("-" = stdin). iobuf_size: the stdio buffer of a plain regular
 * file. NULL with *err (malloc'd, naming the file) when it cannot be read or
 * is not a capture. */
file_source *file_source_open(const char *path, size_t iobuf_size, char **err) MTLS_WARN_UNUSED;
void file_source_close(file_source *s); /* NULL is a no-op */
/* The next packet (pcapng_packet: the same shape for both formats; data valid
 * until the next call): 1, 0 at the end, -1 with *err (malloc'd). */
int file_source_next(file_source *s, pcapng_packet *out, char **err) MTLS_WARN_UNUSED;
/* A classic pcap's link type (its header says it); -1 for pcapng (each interface has its own). */
int file_source_linktype(const file_source *s);
bool file_source_compressed(const file_source *s);
/* A stream that can block (stdin, a pipe, a FIFO): its descriptor, else -1. */
int file_source_blocking_fd(const file_source *s);
/* The tap of a streamed pcapng (stdin, pipe, compressed), NULL for a plain file. */
pcapng_tap *file_source_tap(const file_source *s);

/* True when the first bytes (n of them) are those of a capture: pcap, pcapng,
 * or a compressed stream. For choosing the files of a directory. */
bool capture_magic(const unsigned char *head, size_t n);

#endif
