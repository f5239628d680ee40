/* mtlsdump — why did that mTLS handshake fail? */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "capture.h"
#include "cli.h"
#include "crypto_mem.h"
#include "outbuf.h"
#include "pipeline.h"
#include "privdrop.h"

/* The input is still being written while it is read: a live interface, or a
 * capture read from a pipe, FIFO or terminal rather than from a file. */
/* Live capture, or any capture file that is a pipe, FIFO or terminal: its
 * connections' reports go out as they end, and a key log is followed. */
static bool input_is_live(capture_t *cap)
{
    if (capture_is_live(cap))
        return true;
    for (size_t i = 0; i < capture_file_count(cap); i++) {
        const char *name = NULL;
        uint64_t ignored;
        capture_file_info(cap, i, &name, &ignored);
        struct stat sb;
        if (!name)
            continue;
        if (strcmp(name, "-") == 0 ? fstat(STDIN_FILENO, &sb) != 0 || !S_ISREG(sb.st_mode)
                                   : stat(name, &sb) == 0 && !S_ISREG(sb.st_mode))
            return true;
    }
    return false;
}

static capture_t *g_capture;            /* for the signal handler only */
static volatile sig_atomic_t g_signal; /* the signal that stopped the run, 0 if none */
static volatile sig_atomic_t g_status; /* SIGUSR1: print a status line at the next packet */

static void on_usr1(int sig)
{
    (void)sig;
    g_status = 1;
}

static void on_signal(int sig)
{
    g_signal = sig;
    capture_stop(g_capture);
}

static void install_handler(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, NULL);
}

typedef struct run_ctx {
    pipeline *pl;
    capture_t *cap;
    bool progress;        /* a file is read and stderr is a terminal (not CI) */
    uint64_t file_size;   /* bytes of the capture file, 0 when unknown */
    double t0, last_progress;
    uint64_t n;
    int linktype;         /* of the last packet: the engine decodes this type */
} run_ctx;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One status line: how far, how many connections, how fast. */
static void status_line(run_ctx *rc, bool overwrite)
{
    capture_stats cs;
    capture_get_stats(rc->cap, &cs);
    engine_stats es;
    rc->pl->ops->progress(rc->pl, &es);
    double secs = now_s() - rc->t0;
    /* file offset: the 24-byte header, a 16-byte header per packet and its bytes */
    uint64_t done = 24 + cs.packets * 16 + cs.bytes;
    char where[64] = "";
    if (rc->file_size)
        snprintf(where, sizeof where, "%.0f%% (%.1f of %.1f MB), ",
                 100.0 * (double)(done > rc->file_size ? rc->file_size : done) / (double)rc->file_size,
                 (double)done / 1e6, (double)rc->file_size / 1e6);
    fprintf(stderr, "%smtlsdump: %s%llu packets, %llu connections (%llu failed), %.0f packets/s%s",
            overwrite ? "\r" : "", where, (unsigned long long)cs.packets, (unsigned long long)es.connections,
            (unsigned long long)es.failed, secs > 0 ? (double)cs.packets / secs : 0.0, overwrite ? "\033[K" : "\n");
}

static void on_packet(void *ctx, uint64_t ts, const uint8_t *data, size_t caplen, size_t wirelen, int linktype)
{
    run_ctx *rc = ctx;
    if (linktype != rc->linktype) { /* several files, or a pcapng of several interfaces */
        rc->linktype = linktype;
        engine_set_link(rc->pl->engine, linktype);
    }
    rc->pl->ops->packet(rc->pl, ts, data, caplen, wirelen);
    if (engine_should_stop(rc->pl->engine) || out_errno())
        capture_stop(rc->cap); /* (out_errno: the report cannot be written any more) */
    if (g_status) {
        g_status = 0;
        status_line(rc, false);
    }
    if (rc->progress && (++rc->n & 1023) == 0) {
        double now = now_s();
        if (now - rc->last_progress >= 0.5) {
            rc->last_progress = now;
            status_line(rc, true);
        }
    }
}

/* The workers finish after the input ended: a status line still answers SIGUSR1. */
static void on_wait(void *ctx)
{
    if (g_status) {
        g_status = 0;
        status_line(ctx, false);
    }
}

static void on_tick(void *ctx, uint64_t now_us)
{
    run_ctx *rc = ctx;
    rc->pl->ops->tick(rc->pl, now_us);
    if (engine_should_stop(rc->pl->engine))
        capture_stop(rc->cap);
}

static void on_secrets(void *ctx, const uint8_t *text, size_t len)
{
    run_ctx *rc = ctx;
    rc->pl->ops->secrets(rc->pl, text, len);
}

/* Which files were read, and how many packets each gave, for --stats and the summary. */
static void set_input_files(engine_t *e, const capture_t *cap)
{
    size_t n = capture_file_count(cap);
    const char **names = calloc(n ? n : 1, sizeof(*names));
    uint64_t *packets = calloc(n ? n : 1, sizeof(*packets));
    if (names && packets) {
        for (size_t i = 0; i < n; i++)
            capture_file_info(cap, i, &names[i], &packets[i]);
        engine_set_input_files(e, names, packets, n, capture_files_listed(cap));
    }
    free(names);
    free(packets);
}

/* cJSON's allocations, counted when they fail (resfail.h; malloc here is
 * the counting one, allocwrap.c). */
static void *json_malloc(size_t n) { return malloc(n); }
static void json_free(void *p) { free(p); }

/* The report could not be written to stdout: say so once. A reader that went
 * away (EPIPE, `| head`) is not an error: SIGPIPE ends the run quietly, as
 * it does tcpdump and grep, and so does this when SIGPIPE was blocked. */
static int output_failed(int code)
{
    int err = out_errno();
    if (!err)
        return code;
    if (err == EPIPE)
        return 128 + SIGPIPE;
    fprintf(stderr, "mtlsdump: cannot write the report to standard output: %s; the report is incomplete\n",
            strerror(err));
    return 2;
}

int main(int argc, char **argv)
{
    /* before anything allocates: OpenSSL's and cJSON's failed allocations
     * are counted like our own, so no stage mistakes one for its input */
    (void)crypto_mem_install();
    cJSON_InitHooks(&(cJSON_Hooks){json_malloc, json_free});
    /* a reader that goes away ends the run at once (exit by SIGPIPE, 141 in a
     * shell), even when the parent ignored SIGPIPE */
    signal(SIGPIPE, SIG_DFL);
    if (!crypto_warm_up()) {
        fprintf(stderr, "mtlsdump: cannot start: out of memory\n");
        return 2;
    }
    mtls_config cfg;
    switch (cli_parse(argc, argv, &cfg)) {
    case CLI_EXIT_OK:
        cli_cleanup(&cfg);
        return 0;
    case CLI_EXIT_USAGE:
        cli_cleanup(&cfg);
        return 2;
    case CLI_RUN:
        break;
    }
    static char stdout_buf[1 << 16];
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

    char *err = NULL;
    capture_t *cap = capture_open(&cfg, &err);
    if (!cap) {
        fprintf(stderr, "mtlsdump: %s\n", err ? err : "cannot open input");
        free(err);
        cli_cleanup(&cfg);
        return 2;
    }
    cfg.input_live = input_is_live(cap);
    /* one engine or --threads workers, chosen here once; it opens the -w
     * file, so that a root run can create it where only root may write */
    pipeline *pl = pipeline_new(&cfg, capture_datalink(cap), stdout, &err);
    if (!pl) {
        fprintf(stderr, "mtlsdump: %s\n", err ? err : "cannot start");
        free(err);
        capture_close(cap);
        cli_cleanup(&cfg);
        return 2;
    }
    /* root is needed no further: the device and every file are open */
    if (capture_is_live(cap) && priv_drop(cfg.user, &err) < 0) {
        fprintf(stderr, "mtlsdump: %s\n", err ? err : "cannot drop privileges");
        free(err);
        pipeline_free(pl);
        capture_close(cap);
        cli_cleanup(&cfg);
        return 2;
    }
    engine_t *e = pl->engine; /* counts, key log, summary: the same in both */
    g_capture = cap;
    /* SA_RESTART: a write blocked on a slow pipe reader resumes instead of
     * failing part-way through a line, so the output stays whole NDJSON lines */
    install_handler(SIGINT, on_signal);
    install_handler(SIGTERM, on_signal);
    install_handler(SIGUSR1, on_usr1);

    double t0 = now_s();
    run_ctx rc = {pl, cap, false, 0, t0, t0, 0, capture_datalink(cap)};
    capture_set_secrets_sink(cap, on_secrets, &rc);
    struct stat fst;
    const char *name = NULL;
    uint64_t ignored;
    if (capture_file_count(cap) == 1)
        capture_file_info(cap, 0, &name, &ignored);
    if (name && strcmp(name, "-") != 0 && stat(name, &fst) == 0 && S_ISREG(fst.st_mode) && !capture_is_compressed(cap))
        rc.file_size = (uint64_t)fst.st_size;
    /* progress only for a person watching: a file, stderr a terminal, not in CI */
    rc.progress = cfg.read_file && isatty(STDERR_FILENO) && !getenv("CI");
    capture_set_tick(cap, on_tick);
    int read_rc = capture_run(cap, on_packet, &rc, &err);
    /* Whatever was read before an error is still analysed and reported. */
    capture_stats cst;
    capture_get_stats(cap, &cst);
    engine_set_capture_stats(e, cst.have_kernel_stats, cst.ps_recv, cst.ps_drop, cst.ps_ifdrop);
    set_input_files(e, cap);
    /* reading a file was cut short by Ctrl-C / SIGTERM (for live capture a
     * signal is the normal way to stop) */
    bool interrupted = g_signal && !capture_is_live(cap);
    if (interrupted)
        engine_set_interrupted(e);
    if (rc.progress && rc.last_progress > t0)
        fputs("\r\033[K", stderr); /* clear the progress line */
    pl->ops->finish(pl, on_wait, &rc);
    double secs = now_s() - t0;
    int code = engine_exit_code(e);
    if (code == 3 && !interrupted)
        fprintf(stderr, "mtlsdump: no connection was reported (the filters%s matched none), so "
                        "nothing was checked: exit status 3\n",
                cfg.expect ? " and --expect" : "");
    if (read_rc < 0 && interrupted) {
        free(err); /* the input was cut off on purpose: not a read error */
    } else if (read_rc < 0) {
        fflush(stdout);
        fprintf(stderr, "mtlsdump: %s (the report above covers the packets before this point%s)\n",
                err ? err : "read error", capture_file_count(cap) > 1 ? " and every other file" : "");
        free(err);
        code = 2;
    }
    if (interrupted) {
        fprintf(stderr, "mtlsdump: interrupted by %s before the end of the input; the report covers "
                        "what was read\n",
                g_signal == SIGTERM ? "SIGTERM" : "SIGINT");
        code = 128 + g_signal; /* 130 for SIGINT, 143 for SIGTERM, as shells report them */
    }
    if (cfg.stats) {
        engine_print_stats(e, stderr, secs);
        pl->ops->print_threads(pl, stderr);
        capture_stats cs;
        capture_get_stats(cap, &cs);
        if (cs.have_kernel_stats)
            fprintf(stderr, "  kernel             %llu received, %llu dropped, %llu dropped by interface\n",
                    (unsigned long long)cs.ps_recv, (unsigned long long)cs.ps_drop, (unsigned long long)cs.ps_ifdrop);
    } else if (capture_is_live(cap)) {
        capture_stats cs;
        capture_get_stats(cap, &cs);
        if (cs.have_kernel_stats)
            fprintf(stderr, "mtlsdump: %llu packets captured, %llu dropped by kernel\n",
                    (unsigned long long)cs.ps_recv, (unsigned long long)cs.ps_drop);
    }
    fflush(stdout);
    (void)out_check(stdout);
    if (engine_report_faults(e, stderr) && code != 2 && code < 128)
        code = 2; /* analysis or output lost to our own failure */
    if (out_errno())
        code = output_failed(code);
    g_capture = NULL;
    pipeline_free(pl);
    capture_close(cap);
    cli_cleanup(&cfg);
    return code;
}
