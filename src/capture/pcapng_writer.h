/*
 * pcapng_writer.h — write packets as pcapng (-w): one section, one interface per link type,
 * Enhanced Packet Blocks with microsecond timestamps, and Decryption Secrets
 * Blocks carrying NSS key log text (type "TLSK"), the form Wireshark and
 * `editcap --inject-secrets` use, so the file decrypts with no key log beside it.
 */
#ifndef MTLS_PCAPNG_WRITER_H
#define MTLS_PCAPNG_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

typedef struct pcapng_writer pcapng_writer;

/* Create path (truncating it) and write the section header and the interface
 * description (linktype: a DLT_/LINKTYPE_ value, snaplen). NULL with *err
 * (malloc'd) when it cannot be created. */
pcapng_writer *pcapng_writer_open(const char *path, int linktype, uint32_t snaplen, char **err) MTLS_WARN_UNUSED;
/* One Decryption Secrets Block of TLS key log lines (len > 0). 0 or -1. */
int pcapng_writer_secrets(pcapng_writer *w, const char *keylog_text, size_t len) MTLS_WARN_UNUSED;
/* One packet to write. */
typedef struct pcapng_out_packet {
    int linktype;          /* a LINKTYPE_ value: its Interface Description Block is written before
                              the first packet of a link type the file has not had yet */
    uint64_t ts_us;
    const uint8_t *data;
    size_t caplen, wirelen;
    uint64_t packet_id;    /* epb_packetid (Wireshark: frame.packet_id), 0 for none */
    const char *comment;   /* opt_comment, NULL for none (at most 300 bytes) */
} pcapng_out_packet;

/* One Enhanced Packet Block. 0 or -1. */
int pcapng_writer_packet(pcapng_writer *w, const pcapng_out_packet *p) MTLS_WARN_UNUSED;
/* Flush and close; 0, or -1 when a write failed at any point (*err names it).
 * NULL is a no-op returning 0. */
int pcapng_writer_close(pcapng_writer *w, char **err) MTLS_WARN_UNUSED;

#endif
