#include "cli.h"

#include "reporter.h"
#include "verdict.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

enum {
    OPT_JSON = 256,
    OPT_CA,
    OPT_SERVER_CA,
    OPT_CLIENT_CA,
    OPT_VERIFY_TIME,
    OPT_KEYLOG,
    OPT_DUMP_CERTS,
    OPT_COLOR,
    OPT_NO_SUMMARY,
    OPT_ONLY_FAILURES,
    OPT_SNI,
    OPT_CLIENT_SUBJECT,
    OPT_CLIENT_FP,
    OPT_SHOW_HTTP,
    OPT_MAX_FLOWS,
    OPT_MAX_FLOW_BYTES,
    OPT_MAX_MEMORY,
    OPT_IDLE_TIMEOUT,
    OPT_STATS,
    OPT_VERSION,
    OPT_EXPECT,
    OPT_FORMAT,
    OPT_CERT_CHAIN,
    OPT_THREADS,
    OPT_SORT,
    OPT_FANOUT,
    OPT_INVENTORY,
};

static const struct option long_opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"count", required_argument, NULL, 'c'},
    {"snaplen", required_argument, NULL, 's'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"user", required_argument, NULL, 'Z'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"json", no_argument, NULL, OPT_JSON},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"ca", required_argument, NULL, OPT_CA},
    {"server-ca", required_argument, NULL, OPT_SERVER_CA},
    {"client-ca", required_argument, NULL, OPT_CLIENT_CA},
    {"verify-time", required_argument, NULL, OPT_VERIFY_TIME},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"dump-certs", required_argument, NULL, OPT_DUMP_CERTS},
    {"color", required_argument, NULL, OPT_COLOR},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"only-failures", no_argument, NULL, OPT_ONLY_FAILURES},
    {"sni", required_argument, NULL, OPT_SNI},
    {"client-subject", required_argument, NULL, OPT_CLIENT_SUBJECT},
    {"client-fingerprint", required_argument, NULL, OPT_CLIENT_FP},
    {"show-http", no_argument, NULL, OPT_SHOW_HTTP},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"max-flow-bytes", required_argument, NULL, OPT_MAX_FLOW_BYTES},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"stats", no_argument, NULL, OPT_STATS},
    {"version", no_argument, NULL, OPT_VERSION},
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"write", required_argument, NULL, 'w'},
    {"certificate-chain", no_argument, NULL, OPT_CERT_CHAIN},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"sort", no_argument, NULL, OPT_SORT},
    {"fanout", required_argument, NULL, OPT_FANOUT},
    {"inventory", required_argument, NULL, OPT_INVENTORY},
    {NULL, 0, NULL, 0},
};

void cli_usage(FILE *out)
{
    fputs("Usage: mtlsdump [options] (-r FILE|DIR [-r ...] | -V LIST | -i IFACE) [BPF filter expression]\n"
          "\n"
          "Reads TLS traffic and reports every (m)TLS handshake: steps, certificates,\n"
          "validation, and why a handshake failed, with the fix.\n"
          "\n"
          "Input:\n"
          "  -r FILE|DIR           read a pcap/pcapng file (\"-\" = stdin; gzip, xz, zstd, bzip2 and\n"
          "                        lz4 read as they are); repeated, or a directory (its capture files):\n"
          "                        all read as ONE capture, merged by packet time (as mergecap)\n"
          "  -V LIST               also read the capture files LIST names, one per line (tcpdump -V)\n"
          "  -i IFACE              capture live on IFACE\n"
          "  -D                    list the interfaces to capture on, then exit\n"
          "  -n                    accepted for tcpdump habit: mtlsdump never resolves names\n"
          "  -c N                  stop after N TLS connections\n"
          "  -s SNAPLEN            capture snapshot length (default 262144)\n"
          "  -B KIB                kernel capture buffer size in KiB (live; default 32768)\n"
          "  -Z USER               drop privileges to USER after opening the device\n"
          "  --fanout ID           live (Linux): share the interface with the other processes of\n"
          "                        packet fanout group ID (0-65535), each getting whole connections\n"
          "Output:\n"
          "  --format FORMAT       text (default), json; csv / tsv: one row per connection (client\n"
          "                        and server address, SNI, verdict, cause, certificates); html: one\n"
          "                        self-contained page (sequence diagram per connection, chains,\n"
          "                        inventory), written at the end (one engine: --threads does not apply)\n"
          "  --json                same as --format json: NDJSON, one object per connection, then a summary\n"
          "  -v                    more detail (extensions, offered ciphers, fingerprints)\n"
          "  -q                    one line per connection, with the short cause of a failure\n"
          "  -l                    write each connection's output as soon as it ends (line\n"
          "                        buffered, as tcpdump -l); automatic for -i and for a pipe\n"
          "  --color auto|always|never\n"
          "  --no-summary          no summary / audit table at the end\n"
          "  --only-failures       report only failed handshakes\n"
          "  --sni NAME            only connections whose SNI equals NAME\n"
          "  --client-subject S    only connections whose client certificate subject contains S\n"
          "  --client-fingerprint HEX  only connections whose client leaf SHA-256 starts with HEX\n"
          "  --inventory FILE      write the client-certificate inventory to FILE as CSV: one row\n"
          "                        per certificate, client address and server (who used it where)\n"
          "  --stats               print processing counters to stderr at the end\n"
          "  --certificate-chain   JSON: add each side's certificates as sent (base64 DER,\n"
          "                        ECS tls.client/server.certificate_chain)\n"
          "  --sort                print connections in the order they started (by id), all at\n"
          "                        the end: stable output whatever --threads (held in memory)\n"
          "  -w FILE               write the packets of the reported connections to FILE (pcapng),\n"
          "                        with the TLS secrets used, so Wireshark decrypts it alone\n"
          "Certificates:\n"
          "  --ca FILE|DIR         trust anchors for both sides\n"
          "  --server-ca FILE|DIR  trust anchors for server chains (default: system store)\n"
          "  --client-ca FILE|DIR  trust anchors for client chains (else trust is not checked)\n"
          "  --verify-time now|RFC3339  validation time (default: the handshake's timestamp)\n"
          "  --dump-certs DIR      write each distinct certificate as DIR/<sha256>.pem, and\n"
          "                        DIR/index.csv (role, subject, issuer, serial, validity, seen with)\n"
          "Decryption:\n"
          "  --keylog FILE         NSS key log (SSLKEYLOGFILE format); also read from $SSLKEYLOGFILE\n"
          "  --show-http           (no effect: the first HTTP request/status line is always read with keys)\n"
          "Limits:\n"
          "  --max-flows N         concurrent flows tracked (default 1048576)\n"
          "  --max-flow-bytes N    bytes buffered per flow (default 4M)\n"
          "  --max-memory N        total bytes buffered (default 512M)\n"
          "  --idle-timeout SEC    evict flows idle this long (default 300)\n"
          "  --threads N           worker threads, each owning a share of the connections\n"
          "                        (default: the online CPUs; 1 for a capture file under 16 MiB\n"
          "                        and with -w or -c);\n"
          "                        the limits above are shared among them\n"
          "\n"
          "Checks (CI):\n"
          "  --expect V[,V...]     every reported connection's verdict must be one of these\n"
          "Other:\n"
          "  -h, --help            this help\n"
          "  --version             the version of mtlsdump and of the libraries it runs with\n"
          "\n"
          "Exit status: 0 no failed handshake (with --expect: every verdict expected), 1 at least\n"
          "one failed handshake (with --expect: an unexpected verdict), 2 usage, input, output (-w,\n"
          "stdout, --inventory or --dump-certs index.csv) or internal error (out of memory: finding\n"
          "analysis_failed), 3 no connection was reported although --expect or a filter was given,\n"
          "130/143 reading a file was interrupted by SIGINT/SIGTERM (the summary says \"interrupted\"),\n"
          "141 the output's reader went away (| head).\n"
          "\n"
          "Environment: SSLKEYLOGFILE (key log when --keylog is not given; followed as it grows\n"
          "for -i and a piped input), NO_COLOR (no colour with --color auto), CI (no progress\n"
          "line on a terminal), COLUMNS (the width text is wrapped to on a terminal).\n"
          "See docs/usage.md and the mtlsdump(1) man page.\n",
          out);
}

MTLS_STATIC_ASSERT(VERDICT__COUNT <= 32, "--expect keeps verdicts in a 32-bit mask");

/* "--expect mtls_ok,resumed": the verdicts allowed for every reported connection. */
static int parse_expect(const char *list, mtls_config *cfg)
{
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf || !*list) {
        fprintf(stderr, "mtlsdump: --expect needs a comma-separated list of verdicts\n");
        return -1;
    }
    cfg->expect = list;
    cfg->expect_mask = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        verdict_t v;
        if (!verdict_from_name(w, &v)) {
            fprintf(stderr, "mtlsdump: --expect: unknown verdict '%s' (one of:", w);
            for (int k = VERDICT_NONE + 1; k < VERDICT__COUNT; k++)
                fprintf(stderr, " %s", verdict_name((verdict_t)k));
            fprintf(stderr, ")\n");
            return -1;
        }
        cfg->expect_mask |= 1u << v;
    }
    return 0;
}

/* Parse "123", "4k", "16M", "1G". */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned long long mul = 1;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': mul = 1024ull; break;
        case 'm': case 'M': mul = 1024ull * 1024; break;
        case 'g': case 'G': mul = 1024ull * 1024 * 1024; break;
        default: return -1;
        }
        if (end[1] && !(end[1] == 'B' || end[1] == 'b' || (end[1] == 'i' && end[2] == 'B')))
            return -1;
    }
    if (v > (unsigned long long)SIZE_MAX / mul)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* RFC 3339: 2024-01-02T03:04:05Z or with +hh:mm offset, optional fraction. */
static int parse_rfc3339(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!p)
        return -1;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

static int usage_error(const char *fmt, const char *arg);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int usage_error(const char *fmt, const char *arg)
{
    fputs("mtlsdump: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'mtlsdump --help'.\n", stderr);
    return CLI_EXIT_USAGE;
}
#pragma GCC diagnostic pop

/* -D: the interfaces libpcap can capture on, numbered as tcpdump -D does. */
static int list_interfaces(void)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        fprintf(stderr, "mtlsdump: cannot list interfaces: %s\n", errbuf);
        return -1;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++)
        printf("%d.%s%s%s%s\n", i, d->name, d->description ? " (" : "", d->description ? d->description : "",
               d->description ? ")" : "");
    pcap_freealldevs(all);
    return 0;
}

/* -r FILE|DIR, as often as wanted: every one is read (capture/input_list.h). */
static int add_read_file(mtls_config *cfg, const char *path)
{
    const char **more = realloc(cfg->read_files, (cfg->n_read_files + 1) * sizeof(*more));
    if (!more)
        return -1;
    cfg->read_files = more;
    cfg->read_files[cfg->n_read_files++] = path;
    if (!cfg->read_file)
        cfg->read_file = path;
    return 0;
}

/* Options that cannot go together, or need another. */
static int check_combination(mtls_config *cfg)
{
    if (!cfg->read_file && cfg->read_list)
        cfg->read_file = cfg->read_list; /* files are read */
    if (!cfg->read_file && !cfg->iface)
        return usage_error("%s", "nothing to read: give -r FILE or -i IFACE");
    if (cfg->read_file && cfg->iface)
        return usage_error("%s", "-r / -V and -i cannot be used together");
    if (cfg->fanout_id >= 0 && !cfg->iface)
        return usage_error("%s", "--fanout shares a live interface: it needs -i IFACE");
    if (!cfg->format)
        cfg->format = "text";
    if (cfg->quiet && strcmp(cfg->format, "text") != 0)
        return usage_error("%s", "-q (one text line per connection) needs the text format: not --json or --format json|csv|tsv|html");
    return CLI_RUN;
}

/* --max-flows, --max-flow-bytes, --max-memory, --idle-timeout. */
static cli_result parse_limit(int opt, const char *arg, mtls_config *cfg)
{
    uint64_t u;
    size_t sz;
    switch (opt) {
    case OPT_MAX_FLOWS:
        if (parse_size(arg, &sz) < 0 || sz == 0)
            return usage_error("--max-flows needs a positive number, got '%s'", arg);
        cfg->max_flows = sz;
        break;
    case OPT_MAX_FLOW_BYTES:
        if (parse_size(arg, &sz) < 0 || sz < 65536)
            return usage_error("--max-flow-bytes needs a size of at least 64k, got '%s'", arg);
        cfg->max_flow_bytes = sz;
        break;
    case OPT_MAX_MEMORY:
        if (parse_size(arg, &sz) < 0 || sz < (1u << 20))
            return usage_error("--max-memory needs a size of at least 1M, got '%s'", arg);
        cfg->max_memory = sz;
        break;
    default: /* OPT_IDLE_TIMEOUT */
        if (parse_u64(arg, &u) < 0 || u == 0)
            return usage_error("--idle-timeout needs a positive number of seconds, got '%s'", arg);
        cfg->idle_timeout_us = u * 1000000ull;
        break;
    }
    return CLI_RUN;
}

cli_result cli_parse(int argc, char **argv, mtls_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->snaplen = 262144;
    cfg->buffer_kib = 32768; /* live: a stall of a few hundred ms at 1 Gbit/s without a drop */
    cfg->max_flows = MTLS_DEFAULT_MAX_FLOWS;
    cfg->max_flow_bytes = MTLS_DEFAULT_MAX_FLOW_BYTES;
    cfg->max_memory = MTLS_DEFAULT_MAX_MEMORY;
    cfg->idle_timeout_us = MTLS_DEFAULT_IDLE_TIMEOUT_US;
    cfg->fanout_id = -1;

    optind = 1;
    opterr = 0; /* our own messages, each starting with "mtlsdump:" */
    int c;
    while ((c = getopt_long(argc, argv, ":r:V:i:c:s:B:Z:w:vqlhnD", long_opts, NULL)) != -1) {
        uint64_t u;
        switch (c) {
        case 'r':
            if (add_read_file(cfg, optarg) < 0)
                return usage_error("%s", "out of memory");
            break;
        case 'V': cfg->read_list = optarg; break;
        case 'i': cfg->iface = optarg; break;
        case 'c':
            if (parse_u64(optarg, &u) < 0 || u == 0)
                return usage_error("-c needs a positive number, got '%s'", optarg);
            cfg->max_connections = u;
            break;
        case 's':
            if (parse_u64(optarg, &u) < 0 || u > 262144)
                return usage_error("-s needs a snapshot length up to 262144, got '%s'", optarg);
            cfg->snaplen = u == 0 ? 262144 : (int)u;
            break;
        case 'B':
            if (parse_u64(optarg, &u) < 0 || u == 0 || u > (1u << 22))
                return usage_error("-B needs a buffer size in KiB, got '%s'", optarg);
            cfg->buffer_kib = (int)u;
            break;
        case 'Z': cfg->user = optarg; break;
        case 'w':
            if (strcmp(optarg, "-") == 0)
                return usage_error("%s", "-w needs a file name: standard output carries the report");
            cfg->write_file = optarg;
            break;
        case OPT_CERT_CHAIN: cfg->certificate_chain = true; break;
        case OPT_SORT: cfg->sort = true; break;
        case OPT_INVENTORY:
            if (!*optarg || strcmp(optarg, "-") == 0)
                return usage_error("%s", "--inventory needs a file name: standard output carries the report");
            cfg->inventory = optarg;
            break;
        case OPT_FANOUT:
            if (parse_u64(optarg, &u) < 0 || u > 65535)
                return usage_error("--fanout needs a group id from 0 to 65535, got '%s'", optarg);
            cfg->fanout_id = (int)u;
            break;
        case OPT_THREADS:
            if (parse_u64(optarg, &u) < 0 || u == 0 || u > MTLS_MAX_THREADS)
                return usage_error("--threads needs a number from 1 to 64, got '%s'", optarg);
            cfg->threads = (unsigned)u;
            break;
        case 'v': cfg->verbose++; break;
        case 'q': cfg->quiet = true; break;
        case 'l': cfg->line_buffered = true; break;
        case 'h': cli_usage(stdout); return CLI_EXIT_OK;
        case OPT_VERSION: return version_print(stdout) < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
        case OPT_JSON: cfg->format = "json"; break;
        case OPT_FORMAT:
            if (!reporter_find(optarg))
                return usage_error("--format needs text, json, csv, tsv or html, got '%s'", optarg);
            cfg->format = optarg;
            break;
        case OPT_CA: cfg->ca = optarg; break;
        case OPT_SERVER_CA: cfg->server_ca = optarg; break;
        case OPT_CLIENT_CA: cfg->client_ca = optarg; break;
        case OPT_VERIFY_TIME:
            cfg->verify_time = optarg;
            if (strcmp(optarg, "now") == 0) {
                cfg->verify_now = true;
            } else if (parse_rfc3339(optarg, &cfg->verify_time_abs) < 0) {
                return usage_error("--verify-time needs 'now' or an RFC 3339 time such as 2025-01-31T12:00:00Z, got '%s'", optarg);
            }
            break;
        case OPT_KEYLOG: cfg->keylog = optarg; break;
        case OPT_DUMP_CERTS: cfg->dump_certs = optarg; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0) cfg->color = COLOR_AUTO;
            else if (strcmp(optarg, "always") == 0) cfg->color = COLOR_ALWAYS;
            else if (strcmp(optarg, "never") == 0) cfg->color = COLOR_NEVER;
            else return usage_error("--color needs auto, always or never, got '%s'", optarg);
            break;
        case OPT_NO_SUMMARY: cfg->no_summary = true; break;
        case OPT_ONLY_FAILURES: cfg->only_failures = true; break;
        case OPT_SNI: cfg->filter_sni = optarg; break;
        case OPT_CLIENT_SUBJECT: cfg->filter_client_subject = optarg; break;
        case OPT_CLIENT_FP:
            if (!*optarg || strspn(optarg, "0123456789abcdefABCDEF") != strlen(optarg))
                return usage_error("--client-fingerprint needs hex digits (a SHA-256 prefix), got '%s'", optarg);
            cfg->filter_client_fp = optarg;
            break;
        case OPT_SHOW_HTTP: cfg->show_http = true; break;
        case OPT_STATS: cfg->stats = true; break;
        case OPT_EXPECT:
            if (parse_expect(optarg, cfg) < 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_MAX_FLOWS:
        case OPT_MAX_FLOW_BYTES:
        case OPT_MAX_MEMORY:
        case OPT_IDLE_TIMEOUT:
            if (parse_limit(c, optarg, cfg) != CLI_RUN)
                return CLI_EXIT_USAGE;
            break;
        case 'n': break; /* tcpdump habit: mtlsdump never resolves names anyway */
        case 'D': return list_interfaces() < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (check_combination(cfg) != CLI_RUN)
        return CLI_EXIT_USAGE;
    if (!cfg->keylog) {
        const char *env = getenv("SSLKEYLOGFILE");
        if (env && *env)
            cfg->keylog = env;
    }
    /* Trailing arguments form the BPF expression, as in tcpdump. */
    if (optind < argc) {
        size_t n = 0;
        for (int i = optind; i < argc; i++)
            n += strlen(argv[i]) + 1;
        cfg->bpf = malloc(n + 1);
        if (!cfg->bpf)
            return usage_error("%s", "out of memory");
        cfg->bpf[0] = '\0';
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(cfg->bpf, " ");
            strcat(cfg->bpf, argv[i]);
        }
    }
    return CLI_RUN;
}

void cli_cleanup(mtls_config *cfg)
{
    free(cfg->bpf);
    cfg->bpf = NULL;
    free(cfg->read_files);
    cfg->read_files = NULL;
    cfg->n_read_files = 0;
}
