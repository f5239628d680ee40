#include "parallel.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outbuf.h"
#include "reporter.h"
#include "tcp.h"

/* Whether allocations go to glibc's malloc: not under AddressSanitizer or
 * ThreadSanitizer, which bring their own allocator; there glibc's
 * malloc_trim walks arenas no thread attached to (it crashed the ASan build)
 * and mallopt tunes nothing. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GLIBC_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GLIBC_MALLOC 0
#else
#define GLIBC_MALLOC 1
#endif
#else
#define GLIBC_MALLOC 1
#endif
#define SMALL_CAPTURE_BYTES ((off_t)16 << 20) /* one engine reads a smaller file faster */
/* Packets travel to a worker in batches of BATCH_BYTES, at most MAX_QUEUED
 * of them waiting before the front waits. On handshake-heavy input the
 * workers are the bottleneck and every queue stays full, so what a worker has
 * queued, being run and being filled is resident memory that one engine does
 * not need: 16 batches of 256 KiB (4 MiB per worker) made --threads 2 peak
 * 8 MiB above these 4 of 32 KiB, more than the rest of its overhead; 64 KiB
 * batches still left it 0.3 MiB above one engine on the 150k-handshake
 * realistic corpus. A deeper queue bridges longer stalls of the front on a
 * busy machine, at that price (tests/bench/README.md, issue 27). */
#define BATCH_BYTES (32u << 10)
#define MAX_QUEUED 4u
#define MAX_SPARE 1u /* batches kept for reuse per worker (each BATCH_BYTES resident) */
#define OUT_HANDOVER_BYTES (16u << 10) /* a worker's output collected before it goes out (reported) */
#define TICK_US 1000000u /* the engine checks idle flows once per second of capture time */
/* Reading a file, the front judges the input every WINDOW_BYTES: fewer
 * connection openings (SYNs) per MB than INLINE_BELOW and it runs the
 * workers' engines itself (the workers wait, parked), at PARALLEL_FROM or
 * more it hands packets to the workers again. Few, long transfers make the
 * front the bottleneck, and copying every payload into a batch then costs
 * more than the workers' share of the work (break-even about 24 handshakes
 * per MB on 2 cores: tests/bench/README.md, stop 24). */
#define WINDOW_BYTES ((uint64_t)4 << 20)
#define INLINE_BELOW 20u
#define PARALLEL_FROM 40u

typedef enum entry_type { E_PACKET, E_TICK, E_SECRETS } entry_type;

/* One entry in a batch: the header, then `len` bytes (payload or key-log
 * text), padded to 8. */
typedef struct entry {
    uint32_t type, len;
    uint64_t frame;
    decoded_pkt pk; /* E_PACKET; ts_us alone for E_TICK */
} entry;

typedef struct batch {
    struct batch *next;
    size_t used, cap;
    unsigned char data[];
} batch;

typedef struct worker {
    parallel_t *p;
    engine_t *e;
    mtls_config cfg; /* the worker's share of the limits */
    outbuf *out;
    pthread_t thread;
    bool started;
    /* the queue: the front pushes at the tail, the worker pops at the head */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *head, *tail;
    unsigned queued;
    batch *spare; /* run batches the worker handed back, for the front to fill again */
    unsigned n_spare;
    bool ending;     /* end of input: finish the flows once the queue is empty */
    bool front_waits; /* the front waits for room in the queue (push) */
    bool park_req;   /* the front asks the worker to wait with an empty queue */
    bool parked;     /* the worker waits: the front runs its engine */
    bool done; /* the thread has finished everything (under p->done_mu) */
    uint64_t end_ts; /* the capture's last packet time */
    batch *cur; /* the front's batch being filled */
    _Atomic uint64_t conns, failed; /* the worker's counts after its last batch (status line) */
} worker;

struct parallel {
    engine_t *front;
    FILE *out;
    pthread_mutex_t out_mu; /* the one writer: a worker's output goes out whole */
    pthread_mutex_t done_mu; /* a worker that finished says so at once */
    pthread_cond_t done_cv;
    bool live;
    bool flush_each;    /* -l, or a live or piped input: output written as each connection ends */
    unsigned n;
    worker *w;
    uint64_t last_tick;
    uint64_t last_ts;
    /* the front running the workers' engines itself (files only) */
    bool inline_mode;
    uint64_t win_bytes, win_syns; /* the current window of input */
    uint64_t inline_bytes, unflushed;
    unsigned switches;
};

unsigned parallel_workers(const mtls_config *cfg)
{
    /* -w keeps packets in capture order per connection, -c counts connections
     * in the order they end, a whole-page format (html) needs every
     * connection in one reporter: one engine each. (--dump-certs runs in
     * workers: each file is created exclusively, so two workers writing one
     * certificate leave one whole file, and index.csv is merged and sorted.) */
    const reporter_ops *fmt = reporter_find(cfg->format);
    if (cfg->write_file || cfg->max_connections || (fmt && fmt->whole_page))
        return 1;
    if (cfg->threads)
        return cfg->threads;
    /* the default: every online CPU, except for capture files too small
     * together to repay starting the workers (each loads the CA stores); read
     * by one engine, their connections also keep their order. A directory, a
     * -V list or stdin may hold anything: large. */
    off_t total = 0;
    bool small = cfg->n_read_files > 0 && !cfg->read_list;
    for (size_t i = 0; small && i < cfg->n_read_files; i++) {
        struct stat st;
        small = strcmp(cfg->read_files[i], "-") != 0 && stat(cfg->read_files[i], &st) == 0 && S_ISREG(st.st_mode) &&
                (total += st.st_size) < SMALL_CAPTURE_BYTES;
    }
    if (small)
        return 1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1u : cpus > MTLS_MAX_THREADS ? (unsigned)MTLS_MAX_THREADS : (unsigned)cpus;
}

static batch *batch_new(size_t need)
{
    size_t cap = need > BATCH_BYTES ? need : BATCH_BYTES;
    batch *b = malloc(sizeof(*b) + cap);
    if (b) {
        b->next = NULL;
        b->used = 0;
        b->cap = cap;
    }
    return b;
}

/* Hand the front's current batch of worker w over (waiting while w is MAX_QUEUED behind). */
/* Queue b at w's tail (w->mu held). */
static void enqueue(worker *w, batch *b)
{
    if (w->tail)
        w->tail->next = b;
    else
        w->head = b;
    w->tail = b;
    w->queued++;
    pthread_cond_broadcast(&w->cv);
}

/* Before the front waits for room in one worker's queue: every other
 * worker's batch being filled goes to it now, full or not, where there is
 * room, so that no worker runs dry while its packets sit with the front. */
static void hand_over_others(worker *w)
{
    parallel_t *p = w->p;
    for (unsigned i = 0; i < p->n; i++) {
        worker *o = &p->w[i];
        if (o == w || !o->cur || !o->cur->used)
            continue;
        pthread_mutex_lock(&o->mu);
        if (o->queued < MAX_QUEUED) {
            enqueue(o, o->cur);
            o->cur = NULL;
        }
        pthread_mutex_unlock(&o->mu);
    }
}

static void push(worker *w)
{
    batch *b = w->cur;
    if (!b || !b->used)
        return;
    w->cur = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->queued >= MAX_QUEUED) {
        pthread_mutex_unlock(&w->mu);
        hand_over_others(w);
        pthread_mutex_lock(&w->mu);
    }
    while (w->queued >= MAX_QUEUED) {
        w->front_waits = true;
        pthread_cond_wait(&w->cv, &w->mu);
    }
    enqueue(w, b);
    pthread_mutex_unlock(&w->mu);
}

/* Room for an entry of `len` extra bytes in w's current batch (a new batch
 * when full). NULL when out of memory: the entry is dropped. */
static entry *reserve(worker *w, size_t len)
{
    size_t need = sizeof(entry) + ((len + 7u) & ~(size_t)7u);
    if (w->cur && w->cur->used + need > w->cur->cap)
        push(w);
    if (!w->cur && need <= BATCH_BYTES) { /* a batch the worker is done with: no new pages */
        pthread_mutex_lock(&w->mu);
        if ((w->cur = w->spare) != NULL) {
            w->spare = w->cur->next;
            w->n_spare--;
            w->cur->next = NULL;
            w->cur->used = 0;
        }
        pthread_mutex_unlock(&w->mu);
    }
    if (!w->cur && !(w->cur = batch_new(need)))
        return NULL;
    entry *en = (entry *)(void *)(w->cur->data + w->cur->used);
    w->cur->used += need;
    return en;
}

static void add_entry(worker *w, entry_type type, uint64_t ts, const void *bytes, size_t len)
{
    entry *en = reserve(w, len);
    if (!en)
        return;
    memset(en, 0, sizeof(*en));
    en->type = type;
    en->len = (uint32_t)len;
    en->pk.ts_us = ts;
    if (len)
        memcpy(en + 1, bytes, len);
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t address_hash(const uint8_t *addr)
{
    uint64_t lo, hi;
    memcpy(&lo, addr, 8);
    memcpy(&hi, addr + 8, 8);
    return mix64(lo ^ mix64(hi));
}

/* The same worker for both directions of a connection (the sum is
 * symmetric), and for every connection between the same two addresses: a
 * resumed handshake then meets the full handshake it resumed (analysis links
 * them, in the order they end). A 32-bit FNV here put 53% of the realistic
 * corpus's connections on one of two workers; this splits them 50/50. */
unsigned parallel_worker_for(const uint8_t *src, const uint8_t *dst, unsigned n)
{
    uint64_t h = mix64(address_hash(src) + address_hash(dst));
    return (unsigned)(((h >> 32) * n) >> 32);
}

/* The worker's output so far, out whole, under the one lock. */
static void write_out(worker *w)
{
    size_t n;
    const char *bytes = outbuf_take(w->out, &n);
    if (!n)
        return;
    parallel_t *p = w->p;
    pthread_mutex_lock(&p->out_mu);
    (void)fwrite(bytes, 1, n, p->out);
    if (p->flush_each)
        fflush(p->out);
    (void)out_check(p->out); /* main stops reading when the output failed */
    pthread_mutex_unlock(&p->out_mu);
}

/* After each connection the worker reported: its output goes out once
 * OUT_HANDOVER_BYTES have collected, not only after the batch. The end of
 * the input finishes every open flow in one go (about 500 per worker at
 * 1,000 in flight), and the buffer held all of their reports: 0.6 MB of JSON
 * per worker, at the peak of the run. */
static void reported(void *ctx)
{
    worker *w = ctx;
    if (outbuf_pending(w->out) >= OUT_HANDOVER_BYTES)
        write_out(w);
}

/* The worker's counts for the status line (parallel_progress). */
static void publish_progress(worker *w)
{
    engine_stats st;
    engine_get_stats(w->e, &st);
    atomic_store(&w->conns, st.connections);
    atomic_store(&w->failed, st.failed);
}

/* Run one batch. */
static void run_batch(worker *w, const batch *b)
{
    for (size_t off = 0; off < b->used;) {
        const entry *en = (const entry *)(const void *)(b->data + off);
        off += sizeof(entry) + ((en->len + 7u) & ~(size_t)7u);
        switch ((entry_type)en->type) {
        case E_PACKET: {
            decoded_pkt pk = en->pk;
            pk.payload = (const uint8_t *)(en + 1);
            engine_decoded(w->e, en->frame, &pk, NULL, 0, 0);
            break;
        }
        case E_TICK: engine_tick(w->e, en->pk.ts_us); break;
        case E_SECRETS: engine_worker_secrets(w->e, (const uint8_t *)(en + 1), en->len); break;
        }
    }
}

/* Every batch w holds: queued, spare and being filled. */
static void free_batches(worker *w)
{
    for (batch *b = w->head, *nb; b; b = nb) {
        nb = b->next;
        free(b);
    }
    for (batch *b = w->spare, *nb; b; b = nb) {
        nb = b->next;
        free(b);
    }
    free(w->cur);
    w->head = w->tail = w->spare = w->cur = NULL;
    w->queued = w->n_spare = 0;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        for (;;) {
            if (w->head)
                break;
            if (w->park_req) { /* queue empty: the front may take the engine */
                if (!w->parked) {
                    w->parked = true;
                    pthread_cond_broadcast(&w->cv);
                }
            } else if (w->ending) {
                break;
            }
            pthread_cond_wait(&w->cv, &w->mu);
        }
        batch *b = w->head;
        if (!b) { /* ending, and every batch run: nothing to allocate, so no hang */
            pthread_mutex_unlock(&w->mu);
            if (!out_errno())
                engine_end_flows(w->e, w->end_ts);
            write_out(w);
            engine_shed(w->e);
            /* The worker allocated from its own glibc arena, and what it
             * freed stays there, resident: glibc hands memory back only from
             * the top of an arena, and no thread allocates from this one
             * again. Its flows, TLS state, analyzer and reporter (the chain
             * cache too, for the last one) are free now, and nothing
             * long-lived pins their pages (the summary is the front's, its
             * strings in a few blocks, summary.c): malloc_trim gives them back
             * to the system at once, about 20 MiB per worker on a
             * 150,000-handshake capture. One walk of the free lists, a few
             * ms, once per worker. */
            if (GLIBC_MALLOC)
                malloc_trim(0);
            pthread_mutex_lock(&w->p->done_mu);
            w->done = true;
            pthread_cond_broadcast(&w->p->done_cv);
            pthread_mutex_unlock(&w->p->done_mu);
            return NULL;
        }
        w->head = b->next;
        if (!w->head)
            w->tail = NULL;
        w->queued--;
        if (w->front_waits) {
            w->front_waits = false;
            pthread_cond_broadcast(&w->cv);
        }
        pthread_mutex_unlock(&w->mu);
        if (!out_errno()) /* the report cannot be written any more: the rest is not worth analysing */
            run_batch(w, b);
        write_out(w);
        pthread_mutex_lock(&w->mu);
        if (b->cap == BATCH_BYTES && w->n_spare < MAX_SPARE) {
            b->next = w->spare;
            w->spare = b;
            w->n_spare++;
            b = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        free(b);
        publish_progress(w);
    }
}

static int start_worker(parallel_t *p, unsigned i, const mtls_config *cfg, char **err)
{
    worker *w = &p->w[i];
    w->p = p;
    w->cfg = *cfg;
    /* each worker holds its share of the flows and of the memory */
    w->cfg.max_flows = cfg->max_flows / p->n ? cfg->max_flows / p->n : 1;
    w->cfg.max_memory = cfg->max_memory / p->n;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!(w->out = outbuf_new())) {
        *err = strdup("out of memory");
        return -1;
    }
    if (!(w->e = engine_new_worker(p->front, &w->cfg, outbuf_stream(w->out), err)))
        return -1;
    engine_on_reported(w->e, reported, w);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        *err = strdup("cannot start a worker thread");
        return -1;
    }
    w->started = true;
    return 0;
}

parallel_t *parallel_new(engine_t *front, const mtls_config *cfg, unsigned n, FILE *out, char **err)
{
    parallel_t *p = calloc(1, sizeof(*p));
    if (!p || !(p->w = calloc(n, sizeof(worker)))) {
        free(p);
        *err = strdup("out of memory");
        return NULL;
    }
    /* glibc serves a block of M_MMAP_THRESHOLD bytes or more (128 KiB at
     * first) with its own mmap, and raises the threshold to the size of each
     * such block freed, up to 32 MiB. Past that, growing buffers of 128 KiB
     * to a few MiB (output, the audit table's arrays, the flow slots) are
     * carved out of the arenas, where growth leaves the old block behind as
     * a hole; with the workers' arenas besides the main one, --threads 2
     * kept about 2 MB more of such holes resident than one engine. A fixed
     * threshold (the initial one) keeps them in their own mappings: released
     * when freed, grown in place by mremap. */
    if (GLIBC_MALLOC)
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    p->front = front;
    p->out = out;
    p->n = n;
    p->live = cfg->iface != NULL;
    p->flush_each = cfg->input_live || cfg->line_buffered;
    pthread_mutex_init(&p->out_mu, NULL);
    pthread_mutex_init(&p->done_mu, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    for (unsigned i = 0; i < n; i++) {
        if (start_worker(p, i, cfg, err) < 0) {
            parallel_finish(p, NULL, NULL);
            parallel_free(p);
            return NULL;
        }
    }
    engine_workers_made(front);
    return p;
}

/* The workers' output and progress while the front runs their engines. */
static void flush_inline(parallel_t *p)
{
    p->unflushed = 0;
    for (unsigned i = 0; i < p->n; i++) {
        write_out(&p->w[i]);
        publish_progress(&p->w[i]);
    }
}

/* Every worker runs what it was handed, then waits: the front owns the
 * engines (the lock hand-over orders their memory). */
static void go_inline(parallel_t *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        push(w);
        pthread_mutex_lock(&w->mu);
        w->park_req = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        pthread_mutex_lock(&w->mu);
        while (!w->parked)
            pthread_cond_wait(&w->cv, &w->mu);
        pthread_mutex_unlock(&w->mu);
    }
    p->inline_mode = true;
    p->switches++;
}

/* The workers take their engines back. */
static void unpark_all(parallel_t *p)
{
    flush_inline(p);
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        pthread_mutex_lock(&w->mu);
        w->park_req = false;
        w->parked = false;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    p->inline_mode = false;
}

static void go_parallel(parallel_t *p)
{
    unpark_all(p);
    p->switches++;
}

/* Once per window of a capture file: which way to run the next one. */
static void judge_window(parallel_t *p)
{
    uint64_t per_mb = p->win_syns * 1000000u / p->win_bytes;
    if (!p->inline_mode && per_mb < INLINE_BELOW)
        go_inline(p);
    else if (p->inline_mode && per_mb >= PARALLEL_FROM)
        go_parallel(p);
    p->win_bytes = 0;
    p->win_syns = 0;
}

void parallel_packet(parallel_t *p, uint64_t ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    decoded_pkt pk;
    uint64_t frame;
    if (ts > p->last_ts)
        p->last_ts = ts;
    if (p->inline_mode)
        p->inline_bytes += caplen;
    if (!p->live && (p->win_bytes += caplen) >= WINDOW_BYTES)
        judge_window(p);
    if (!engine_decode(p->front, ts, data, caplen, wirelen, &pk, &frame))
        return;
    if ((pk.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
        p->win_syns++;
    if (pk.ts_us >= p->last_tick + TICK_US) {
        /* every worker checks its idle flows at the time one engine would */
        p->last_tick = pk.ts_us;
        for (unsigned i = 0; i < p->n; i++) {
            if (p->inline_mode)
                engine_tick(p->w[i].e, pk.ts_us);
            else
                add_entry(&p->w[i], E_TICK, pk.ts_us, NULL, 0);
        }
    }
    worker *w = &p->w[parallel_worker_for(pk.src, pk.dst, p->n)];
    if (p->inline_mode) { /* no copy: the engine reads the payload where it lies */
        engine_decoded(w->e, frame, &pk, NULL, 0, 0);
        if ((p->unflushed += caplen) >= BATCH_BYTES || (p->flush_each && (pk.flags & (TCP_FIN | TCP_RST))))
            flush_inline(p);
        return;
    }
    entry *en = reserve(w, pk.payload_len);
    if (!en)
        return;
    en->type = E_PACKET;
    en->len = (uint32_t)pk.payload_len;
    en->frame = frame;
    en->pk = pk;
    en->pk.payload = NULL;
    if (pk.payload_len)
        memcpy(en + 1, pk.payload, pk.payload_len);
    /* -l, a live or piped input: a connection may end here, its output is awaited */
    if (p->flush_each && (pk.flags & (TCP_FIN | TCP_RST)))
        push(w);
}

void parallel_tick(parallel_t *p, uint64_t now_us)
{
    engine_tick(p->front, now_us);
    for (unsigned i = 0; i < p->n; i++) {
        add_entry(&p->w[i], E_TICK, now_us, NULL, 0);
        push(&p->w[i]);
    }
}

void parallel_secrets(parallel_t *p, const uint8_t *text, size_t len)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (p->inline_mode)
            engine_worker_secrets(p->w[i].e, text, len);
        else
            add_entry(&p->w[i], E_SECRETS, 0, text, len);
    }
}

void parallel_get_mode(const parallel_t *p, parallel_mode *out)
{
    out->inline_bytes = p->inline_bytes;
    out->switches = p->switches;
}

void parallel_finish(parallel_t *p, void (*waiting)(void *ctx), void *ctx)
{
    if (!p)
        return;
    if (p->inline_mode) /* the workers end their flows themselves */
        unpark_all(p);
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        if (!w->started)
            continue;
        push(w);
        pthread_mutex_lock(&w->mu);
        w->end_ts = p->last_ts;
        w->ending = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    /* the workers may have much left to do: the caller still answers its
     * signals (a SIGUSR1 status line) meanwhile */
    pthread_mutex_lock(&p->done_mu);
    for (unsigned i = 0; i < p->n; i++) {
        while (p->w[i].started && !p->w[i].done) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 20 * 1000 * 1000;
            if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
            }
            if (pthread_cond_timedwait(&p->done_cv, &p->done_mu, &until) != 0 && waiting) {
                pthread_mutex_unlock(&p->done_mu);
                waiting(ctx);
                pthread_mutex_lock(&p->done_mu);
            }
        }
    }
    pthread_mutex_unlock(&p->done_mu);
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        if (!w->started)
            continue;
        pthread_join(w->thread, NULL);
        w->started = false;
        write_out(w);
        engine_absorb(p->front, w->e);
        /* nothing of the worker is needed any more */
        engine_free(w->e);
        w->e = NULL;
        outbuf_free(w->out);
        w->out = NULL;
        free_batches(w);
    }
}

void parallel_progress(parallel_t *p, uint64_t *connections, uint64_t *failed)
{
    uint64_t c = 0, f = 0;
    for (unsigned i = 0; i < p->n; i++) {
        c += atomic_load(&p->w[i].conns);
        f += atomic_load(&p->w[i].failed);
    }
    *connections = c;
    *failed = f;
}

void parallel_free(parallel_t *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        engine_free(w->e);
        outbuf_free(w->out);
        free_batches(w);
        if (w->p) {
            pthread_mutex_destroy(&w->mu);
            pthread_cond_destroy(&w->cv);
        }
    }
    pthread_mutex_destroy(&p->out_mu);
    pthread_mutex_destroy(&p->done_mu);
    pthread_cond_destroy(&p->done_cv);
    free(p->w);
    free(p);
}
