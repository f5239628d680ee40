/*
 * pipeline.h — how main runs the packets it reads, chosen once at start-up:
 * by one engine (engine.h), or by --threads workers behind a front engine
 * (parallel.h). main drives either through the same table of steps and never
 * asks which one it has.
 *
 * Both have one engine that counts every packet read, keeps the key log and
 * prints the summary: pipeline.engine. main asks it what does not depend on
 * the threads (engine_should_stop, engine_exit_code, engine_print_stats,
 * engine_set_capture_stats, engine_set_interrupted).
 */
#ifndef MTLS_PIPELINE_H
#define MTLS_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "config.h"
#include "engine.h"
#include "parallel.h"

typedef struct pipeline pipeline;

/* The steps main drives, one implementation per way of running (pipeline.c). */
typedef struct pipeline_ops {
    /* One packet read from the capture. */
    void (*packet)(pipeline *pl, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen);
    /* Live capture, no packet for a while: now_us is the wall clock. */
    void (*tick)(pipeline *pl, uint64_t now_us);
    /* Key-log text met in the input (a pcapng Decryption Secrets Block). */
    void (*secrets)(pipeline *pl, const uint8_t *text, size_t len);
    /* For the status line: the counters as of now (with workers, their
     * connections and failures as of their last batch). */
    void (*progress)(pipeline *pl, engine_stats *out);
    /* End of input: every flow finished, the summary printed (set the
     * engine's capture stats and interruption first). waiting (may be NULL)
     * is called every 20 ms while workers still run. */
    void (*finish)(pipeline *pl, void (*waiting)(void *ctx), void *ctx);
    /* --stats: the lines on how the input was run (threads, inline windows). */
    void (*print_threads)(const pipeline *pl, FILE *f);
} pipeline_ops;

struct pipeline {
    const pipeline_ops *ops; /* set once by pipeline_new */
    engine_t *engine;        /* the one engine, or the front of the workers */
    parallel_t *workers;     /* --threads: the workers; NULL for one engine */
    unsigned n_workers;      /* 1 for one engine */
};

/* The pipeline for cfg: workers when parallel_workers(cfg) > 1, else one
 * engine; dlt is the capture's link type, out the report stream. NULL on
 * failure, with *err saying why (NULL only when out of memory). */
pipeline *pipeline_new(const mtls_config *cfg, int dlt, FILE *out, char **err) MTLS_WARN_UNUSED;
/* Frees the workers and the engine, after finish. NULL is a no-op. */
void pipeline_free(pipeline *pl);

#endif
