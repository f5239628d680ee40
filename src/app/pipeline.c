/* The two implementations of pipeline.h: one engine (engine.c) and --threads
 * workers behind a front engine (parallel.c), and the choice between them. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ one engine */

static void one_packet(pipeline *pl, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
    engine_packet(pl->engine, ts_us, data, caplen, wirelen);
}

static void one_tick(pipeline *pl, uint64_t now_us) { engine_tick(pl->engine, now_us); }

static void one_secrets(pipeline *pl, const uint8_t *text, size_t len) { engine_add_secrets(pl->engine, text, len); }

static void one_progress(pipeline *pl, engine_stats *out) { engine_get_stats(pl->engine, out); }

static void one_finish(pipeline *pl, void (*waiting)(void *ctx), void *ctx) { engine_finish(pl->engine); }

static void one_print_threads(const pipeline *pl, FILE *f) { fprintf(f, "  threads            1 (one engine)\n"); }

static const pipeline_ops one_engine = {
    .packet = one_packet,
    .tick = one_tick,
    .secrets = one_secrets,
    .progress = one_progress,
    .finish = one_finish,
    .print_threads = one_print_threads,
};

/* ------------------------------------------- workers behind a front engine */

static void par_packet(pipeline *pl, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
    parallel_packet(pl->workers, ts_us, data, caplen, wirelen);
}

static void par_tick(pipeline *pl, uint64_t now_us) { parallel_tick(pl->workers, now_us); }

static void par_secrets(pipeline *pl, const uint8_t *text, size_t len) { parallel_secrets(pl->workers, text, len); }

/* The front's counters; the workers count the connections until they end. */
static void par_progress(pipeline *pl, engine_stats *out)
{
    engine_get_stats(pl->engine, out);
    parallel_progress(pl->workers, &out->connections, &out->failed);
}

/* The workers hand their counts to the front before it prints the summary. */
static void par_finish(pipeline *pl, void (*waiting)(void *ctx), void *ctx)
{
    parallel_finish(pl->workers, waiting, ctx);
    engine_finish(pl->engine);
}

/* A capture file's windows of few, long transfers run on the reading thread
 * itself (parallel.h). */
static void par_print_threads(const pipeline *pl, FILE *f)
{
    fprintf(f, "  threads            %u workers and the reading thread\n", pl->n_workers);
    parallel_mode m;
    parallel_get_mode(pl->workers, &m);
    engine_stats st;
    engine_get_stats(pl->engine, &st);
    if (m.inline_bytes)
        fprintf(f,
                "  inline             %.1f of %.1f MB run by the reading thread itself (few connections per MB: "
                "handing their packets to the workers costs more than it saves), %u switch%s\n",
                (double)m.inline_bytes / 1e6, (double)st.bytes / 1e6, m.switches, m.switches == 1 ? "" : "es");
}

static const pipeline_ops workers = {
    .packet = par_packet,
    .tick = par_tick,
    .secrets = par_secrets,
    .progress = par_progress,
    .finish = par_finish,
    .print_threads = par_print_threads,
};

/* ------------------------------------------------------------------------ */

pipeline *pipeline_new(const mtls_config *cfg, int dlt, FILE *out, char **err)
{
    pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl) {
        *err = strdup("out of memory");
        return NULL;
    }
    pl->n_workers = parallel_workers(cfg);
    pl->ops = pl->n_workers > 1 ? &workers : &one_engine;
    *err = NULL;
    if (!(pl->engine = engine_new_front(cfg, dlt, out, pl->n_workers > 1, err))) {
        if (!*err)
            *err = strdup("cannot start");
        free(pl);
        return NULL;
    }
    if (pl->n_workers > 1 && !(pl->workers = parallel_new(pl->engine, cfg, pl->n_workers, out, err))) {
        if (!*err)
            *err = strdup("cannot start the worker threads");
        engine_free(pl->engine);
        free(pl);
        return NULL;
    }
    return pl;
}

void pipeline_free(pipeline *pl)
{
    if (!pl)
        return;
    parallel_free(pl->workers);
    engine_free(pl->engine);
    free(pl);
}
