/*
 * engine.h — one engine: packet -> decode -> flow -> reassembly -> TLS
 * stream -> session; at connection end: certificate analysis, diagnosis,
 * report (text or NDJSON), audit summary.
 *
 * An engine runs in one of three roles: alone (engine_new_front without
 * workers: it does all of the above), as the front of --threads workers
 * (engine_new_front with workers: it reads, decodes, keeps the key log and
 * prints the summary), or as one of those workers (engine_new_worker: flows
 * to reports, its counts absorbed by the front at the end). parallel.c wires
 * the front to its workers; main drives either way through pipeline.h.
 */
#ifndef MTLS_ENGINE_H
#define MTLS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "config.h"
#include "decode.h"

#include "engine_stats.h"

typedef struct engine engine_t;


/* An engine. dlt: the capture's link type. out: report stream. NULL + *err
 * on failure. workers false: a whole engine on its own. workers true: the
 * front of --threads workers: it reads, decodes, keeps the key log and
 * prints the summary, and analyses nothing itself; it loads the trust anchors
 * once into the chain context and chain cache that all its workers share
 * (analyzer_new_sibling). */
engine_t *engine_new_front(const mtls_config *cfg, int dlt, FILE *out, bool workers, char **err) MTLS_WARN_UNUSED;
void engine_free(engine_t *e); /* NULL is a no-op */
/* One packet read from the capture, decoded and run through its flow. */
void engine_packet(engine_t *e, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen);
/* engine_packet in two halves, for --threads: the front counts and decodes
 * every packet (frame = its number, from 1); a TCP segment (true) then goes
 * to engine_decoded on the worker that owns its flow. pk->payload points into
 * data or the decoder's fragment buffer. data may be NULL unless -w.
 * engine_decode returns true for a TCP segment, false for a packet it
 * counted as ignored or malformed. */
bool engine_decode(engine_t *e, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen, decoded_pkt *pk,
                   uint64_t *frame);
void engine_decoded(engine_t *e, uint64_t frame, const decoded_pkt *pk, const uint8_t *data, size_t caplen,
                    size_t wirelen);

/* The packets from now on are of link type dlt (the capture mixes link
 * types): the front, which decodes, switches its decoder (and -w its output
 * interface). A type that cannot be decoded is named once on stderr; its
 * packets are counted as ignored. */
void engine_set_link(engine_t *e, int dlt);
/* The capture files read, for --stats and the summary (listed: a directory or
 * -V list named them; with one file and no list the summary names none).
 * names[i] must live as long as the engine; packets[i] read from each. */
void engine_set_input_files(engine_t *e, const char *const *names, const uint64_t *packets, size_t n, bool listed);

/* A --threads worker: its own flow table, TLS state, analysis and diagnosis,
 * reading the front's key log; its reports go to out, and its connections into
 * the front's summary, under a lock the front holds for its workers (one
 * audit table: a certificate seen by two workers has one row, not one in
 * each, and nothing is merged at the end). cfg holds the worker's share of
 * the limits; engine_absorb hands its counters to the front. */
engine_t *engine_new_worker(engine_t *front, const mtls_config *cfg, FILE *out, char **err) MTLS_WARN_UNUSED;
/* cb(ctx) runs after each connection e reported (a --threads worker hands
 * its output over once enough has collected). */
void engine_on_reported(engine_t *e, void (*cb)(void *ctx), void *ctx);
/* The front of --threads once its workers exist: it lets go of the chain
 * context and cache they share, so the last worker to finish frees them. */
void engine_workers_made(engine_t *front);
/* Secrets met in the input after the workers started (engine_add_secrets on
 * the front does not reach them). */
void engine_worker_secrets(engine_t *w, const uint8_t *text, size_t len);
/* End of input on a worker: finish every open flow (last_ts: the capture's
 * last packet time). */
void engine_end_flows(engine_t *e, uint64_t last_ts);
/* After engine_end_flows on a worker: free what only packets needed (the
 * flow table with its TLS state, the analyzer with its chain cache and CA
 * stores, the reporter) on the worker's own thread, so that the front does not free every
 * worker's in turn at the end; the counters and records stay for
 * engine_absorb. No packet may follow. engine_free starts with it. */
void engine_shed(engine_t *e);
/* Add a finished worker's counters (every engine_stats field, from one
 * table) and --sort records to the front. */
void engine_absorb(engine_t *front, engine_t *worker);
/* TLS key log text met in the capture itself (a pcapng Decryption Secrets
 * Block read from a stream): connections whose keys are looked up from now on
 * can use it. */
void engine_add_secrets(engine_t *e, const uint8_t *text, size_t len);
/* Our own failures (an allocation failed anywhere in the run, resfail.h):
 * says once on err what could not be done and returns true (the exit status
 * is then 2); false and silent when there was none. */
bool engine_report_faults(const engine_t *e, FILE *err);
/* libpcap's counters for the summary (call before engine_finish). */
void engine_set_capture_stats(engine_t *e, bool live, uint64_t recv, uint64_t drop, uint64_t ifdrop);
/* Live capture, no packet for a while: finish flows idle longer than
 * --idle-timeout as of now_us (wall clock). */
void engine_tick(engine_t *e, uint64_t now_us);
/* A signal stopped the reading of a file: the summary says so. */
void engine_set_interrupted(engine_t *e);
/* End of input: flush every open flow, print the summary (and, with --sort,
 * every connection in order). */
void engine_finish(engine_t *e);
/* True once -c N is reached: the caller should stop reading. */
bool engine_should_stop(const engine_t *e);
/* The exit status: 0 no failed handshake (with --expect: every verdict expected); 1 at least one
 * (with --expect: an unexpected verdict); 3 nothing reported although --expect or
 * a filter was given; 2 when -w could not write its file. Read errors (2)
 * are main's. */
int engine_exit_code(const engine_t *e);
/* The counters as of now into *out (chain counts with the live analyzer's). */
void engine_get_stats(const engine_t *e, engine_stats *out);
/* Print --stats counters. */
void engine_print_stats(const engine_t *e, FILE *f, double seconds);

#endif
