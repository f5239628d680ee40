/*
 * parallel.h — --threads N: the front engine reads and decodes every packet
 * (IP fragments reassembled there), then hands each TCP segment to one of N
 * worker engines chosen by a symmetric hash of the two addresses, so both
 * directions of a connection, and a client's later connections to the same
 * server (session resumption), reach the same worker. Each
 * worker owns its flows, reassembly, TLS state, analysis and diagnosis, and
 * writes its finished connections through one lock to the output after every
 * batch of packets (or sooner: after a connection, once 16 KiB of output have
 * collected). Packets travel in batches of 32 KiB through a bounded queue per
 * worker: one lock per batch, none per packet; the front waits when a worker
 * is 4 batches behind, after handing every other worker the batch it was
 * filling for it. When a worker has finished, it gives the memory it freed
 * back to the system (malloc_trim).
 *
 * Reading a file, the front judges every 4 MB of input: with few connection
 * openings per MB (few, long transfers) it is the bottleneck, and copying
 * each payload into a batch costs more than the workers save, so it parks
 * the workers (each first runs what it was handed) and calls their engines
 * itself on the packets where they lie, until a window has many openings
 * again. Every connection stays with its engine either way: the output does
 * not change.
 *
 * The workers add their connections to the front's summary, under one lock.
 * At the end their counters (and --sort records) are added to the front's,
 * which prints the summary (and, with --sort, every connection in order of
 * its id).
 *
 * main does not call this directly: pipeline.c's workers implementation of
 * pipeline.h does, and calls engine_finish(front) after parallel_finish.
 */
#ifndef MTLS_PARALLEL_H
#define MTLS_PARALLEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "engine.h"

typedef struct parallel parallel_t;

/* n >= 2 workers beside the front engine (which keeps ownership of the key
 * log and the summary). NULL with *err on failure. */
parallel_t *parallel_new(engine_t *front, const mtls_config *cfg, unsigned n, FILE *out, char **err) MTLS_WARN_UNUSED;
/* One packet read: the front decodes it, its worker gets the TCP segment. */
void parallel_packet(parallel_t *p, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen);
/* Live capture: wall-clock time; pushes every pending packet to the workers. */
void parallel_tick(parallel_t *p, uint64_t now_us);
/* Key-log text met in the input (a pcapng Decryption Secrets Block). */
void parallel_secrets(parallel_t *p, const uint8_t *text, size_t len);
/* End of input: the workers finish their flows and stop; their counts go to
 * the front. Call before engine_finish(front). waiting (may be NULL) is
 * called every 20 ms until they are done. */
void parallel_finish(parallel_t *p, void (*waiting)(void *ctx), void *ctx);
void parallel_free(parallel_t *p); /* NULL is a no-op */
/* For the status line while the workers run: the TLS connections they have
 * seen and the failed ones among those reported, as of their last batch. */
void parallel_progress(parallel_t *p, uint64_t *connections, uint64_t *failed);

/* How a capture file was run, into *out: `inline_bytes` of it (counted as the front
 * engine counts bytes) went through the workers' engines on the reading
 * thread itself (windows with few connection openings per MB), after
 * `switches` changes of mode. */
typedef struct parallel_mode {
    uint64_t inline_bytes;
    unsigned switches;
} parallel_mode;
void parallel_get_mode(const parallel_t *p, parallel_mode *out);

/* Returns the workers to use: cfg->threads, or 1 when an option needs one
 * engine or a capture file is too small to repay them, else every online
 * CPU (at most MTLS_MAX_THREADS). */
unsigned parallel_workers(const mtls_config *cfg);

/* Returns which of n workers owns the packets between two addresses (16 bytes each,
 * IPv4 in the first 4): the same in both directions. */
unsigned parallel_worker_for(const uint8_t *src, const uint8_t *dst, unsigned n);

#endif
