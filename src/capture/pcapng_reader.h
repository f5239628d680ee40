/*
 * pcapng_reader.h — the packets of a pcapng stream, each with its own
 * interface's link type.
 *
 * libpcap refuses a pcapng whose interfaces have different link types
 * ("an interface has a type 276 different from the type of the first
 * interface"), which is what mergecap writes from a `tcpdump -i any` capture
 * and an Ethernet one, and what dumpcap writes on several interfaces. This
 * reader frames the blocks itself (bounds-checked through the cursor and the
 * block framing of secrets_block.h), keeps each section's interfaces (link
 * type, timestamp resolution and offset) and hands out Enhanced, Simple and
 * obsolete Packet Blocks; every other block is skipped (Decryption Secrets
 * Blocks reach the engine through pcapng_tap / pcapng_scan_file).
 */
#ifndef MTLS_PCAPNG_READER_H
#define MTLS_PCAPNG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"

typedef struct pcapng_reader pcapng_reader;

/* One packet; data valid until the next pcapng_reader_next call. linktype
 * is a DLT_ value as libpcap's pcap_datalink gives it (LINKTYPE_RAW is DLT_RAW). */
typedef struct pcapng_packet {
    uint64_t ts_us;
    const uint8_t *data;
    size_t caplen, wirelen;
    int linktype;
} pcapng_packet;

/* Read pcapng from f (not owned; positioned at the start of the stream, or
 * after its first 4 bytes when head holds them: head_len 0 or 4). NULL when
 * out of memory. */
pcapng_reader *pcapng_reader_new(FILE *f, const uint8_t *head, size_t head_len) MTLS_WARN_UNUSED;
void pcapng_reader_free(pcapng_reader *r); /* NULL is a no-op */
/* The next packet: 1, 0 at the end of the stream, -1 with *err (malloc'd: a
 * damaged block, a truncated file, a read error). */
int pcapng_reader_next(pcapng_reader *r, pcapng_packet *out, char **err) MTLS_WARN_UNUSED;

#endif
