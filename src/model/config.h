/* config.h — the single immutable configuration passed down the pipeline. */
#ifndef MTLS_CONFIG_H
#define MTLS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum color_mode { COLOR_AUTO = 0, COLOR_ALWAYS, COLOR_NEVER } color_mode;

typedef struct mtls_config {
    /* input */
    const char *read_file;     /* the first -r FILE ("-" = stdin), else -V LIST: set when files are read */
    const char **read_files;   /* every -r FILE|DIR in order (the array is owned; see cli_cleanup) */
    size_t n_read_files;
    const char *read_list;     /* -V LIST: a file naming one capture per line */
    const char *iface;         /* -i IFACE */
    char *bpf;                 /* trailing filter expression (owned) */
    uint64_t max_connections;  /* -c N: stop after N TLS connections (0 = no limit) */
    int snaplen;               /* -s */
    int buffer_kib;            /* -B KiB: kernel capture buffer */
    const char *user;          /* -Z USER */
    int fanout_id;             /* --fanout ID: PACKET_FANOUT group (live, Linux); -1 = none */
    bool input_live;           /* set once the input is open: a live interface, or a pipe, FIFO or
                                * terminal still being written (each connection's output is flushed
                                * as it ends; the key log is followed as it grows) */
    /* output */
    const char *format;        /* --format text|json|csv|tsv (--json = json); NULL means text */
    const char *inventory;     /* --inventory FILE: the client-certificate inventory as CSV */
    int verbose;               /* -v / -vv */
    bool quiet;                /* -q: one line per connection */
    bool line_buffered;        /* -l: flush each connection's output as it ends, whatever the input */
    color_mode color;
    bool no_summary;
    bool only_failures;
    bool stats;
    bool show_http;
    bool certificate_chain;    /* --certificate-chain: base64 DER chains in JSON */
    bool sort;                 /* --sort: connections in order of their first packet, at the end */
    unsigned threads;          /* --threads N: workers (1 = no thread); 0 = the default (parallel_workers) */
    const char *write_file;    /* -w FILE: pcapng of the reported connections */
    const char *filter_sni;
    const char *filter_client_subject;
    const char *filter_client_fp;
    const char *expect;        /* --expect as given (for messages), NULL when not given */
    uint32_t expect_mask;      /* bit v set: verdict v is expected */
    /* certificates */
    const char *ca;
    const char *server_ca;
    const char *client_ca;
    const char *verify_time;   /* "now" or RFC 3339 */
    int64_t verify_time_abs;   /* parsed: 0 = handshake time */
    bool verify_now;
    const char *dump_certs;
    /* decryption */
    const char *keylog;
    /* limits */
    size_t max_flows;
    size_t max_flow_bytes;
    size_t max_memory;
    uint64_t idle_timeout_us;
} mtls_config;

#define MTLS_MAX_THREADS 64
#define MTLS_DEFAULT_MAX_FLOWS 1048576 /* a flow with no payload yet costs ~150 bytes */
#define MTLS_DEFAULT_MAX_FLOW_BYTES (4u << 20)
#define MTLS_DEFAULT_MAX_MEMORY ((size_t)512 << 20)
#define MTLS_DEFAULT_IDLE_TIMEOUT_US (300ull * 1000000ull)

#endif
