/* capture.h — the packet source: live interface (libpcap), or capture files
 * (pcap, pcapng, compressed, stdin; several merged by time into one capture),
 * with BPF. */
#ifndef MTLS_CAPTURE_H
#define MTLS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "config.h"
#include "pcapng_tap.h"

typedef struct capture capture_t;

/* Called for every packet: ts in microseconds, data valid during the call,
 * linktype the DLT_ value of this packet's file or pcapng interface (files of
 * several link types, or a pcapng with several, mix them). */
typedef void (*capture_cb)(void *ctx, uint64_t ts_us, const uint8_t *data, size_t caplen,
                           size_t wirelen, int linktype);

typedef struct capture_stats {
    uint64_t packets;
    uint64_t bytes;
    bool have_kernel_stats;   /* live capture: pcap_stats() worked */
    uint64_t ps_recv, ps_drop, ps_ifdrop;
} capture_stats;

/* Open per cfg (-r FILE|DIR... / -V LIST / -i, snaplen, -B, BPF). Every file
 * is opened now; NULL on failure with *err set (malloc'd, a clear message for
 * the user), nothing read then. */
capture_t *capture_open(const mtls_config *cfg, char **err) MTLS_WARN_UNUSED;
void capture_close(capture_t *c); /* NULL is a no-op */
/* The link type of the first packet (live: the interface's). */
int capture_datalink(const capture_t *c);
bool capture_is_live(const capture_t *c);
/* A file is read through a decompressor (its size says nothing of the packets). */
bool capture_is_compressed(const capture_t *c);
/* The files read (0 for live), in the order named (a directory's by name). */
size_t capture_file_count(const capture_t *c);
/* A directory or a -V list named the files. */
bool capture_files_listed(const capture_t *c);
/* File i: its path (valid until capture_close) and the packets read from it so far. */
void capture_file_info(const capture_t *c, size_t i, const char **name, uint64_t *packets);
/* Read packets until the end, an error, or capture_stop(). Returns 0 at the
 * end of input or after a stop, -1 on a read error (*err set: e.g. a
 * truncated file, naming it); packets before the error were delivered. With
 * several files, one that fails part-way ends there and the others are read
 * to their end before -1 is returned. */
int capture_run(capture_t *c, capture_cb cb, void *ctx, char **err) MTLS_WARN_UNUSED;
/* Live capture: called with the wall-clock time (us) after every read,
 * including reads that timed out with no packet, so idle flows are noticed
 * on a quiet interface. Set before capture_run; NULL for none. */
typedef void (*capture_tick_cb)(void *ctx, uint64_t now_us);
void capture_set_tick(capture_t *c, capture_tick_cb tick);
/* Async-signal-safe: ask capture_run to return as soon as possible. */
void capture_stop(capture_t *c);
void capture_get_stats(capture_t *c, capture_stats *out);
/* A pcapng read as a stream (stdin, a pipe, a compressed file): the TLS key
 * log text of each Decryption Secrets Block goes to sink as the stream is read
 * (those read at open time at once). A pcapng file read by name is scanned
 * whole now instead (pcapng_scan_file), each file of the run. No-op for other
 * inputs. */
void capture_set_secrets_sink(capture_t *c, pcapng_secrets_sink sink, void *ctx);
/* After opening a live device: the file descriptor, for privilege dropping. */

#endif
