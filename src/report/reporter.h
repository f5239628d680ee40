/*
 * reporter.h — one interface, several output formats, chosen once.
 *
 * A reporter turns each finished connection (a conn_view) and, at the end,
 * the audit summary into output. The format is picked by name at start-up
 * (--format text|json|csv|tsv|html); the engine never branches on it. Adding a
 * format is one new file with a `const reporter_ops` and one row in reporter.c.
 */
#ifndef MTLS_REPORTER_H
#define MTLS_REPORTER_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler.h"
#include "conn_view.h"
#include "summary.h"

typedef struct report_options {
    bool color;     /* ANSI colours (text); the caller decides from --color and the terminal */
    int verbosity;  /* -v / -vv */
    bool quiet;     /* -q: one line per connection (text) */
    size_t width;   /* text: wrap paragraphs to this many columns; 0 (not a terminal): never */
    bool certificate_chain; /* --certificate-chain: each side's certificates, base64 DER (json) */
    const char *source;     /* the capture file or interface the report is about (html header), or NULL */
    const char *live_iface; /* -i IFACE (live capture), else NULL: ECS observer.* (json) */
    FILE *header_out;       /* csv/tsv: write the header row here at open (the front's reporter
                             * only: the final output, before any row); NULL: no header */
} report_options;

/* The functions behind one format. `state` is what open() returned. */
typedef struct reporter_ops {
    const char *name;                                        /* "text", "json" (the --format value) */
    void *(*open)(FILE *out, const report_options *opt);     /* NULL on OOM */
    int (*connection)(void *state, const conn_view *c);     /* 0, or -1 on a write error / OOM */
    int (*summary)(void *state, const summary *sm);          /* 0, or -1 */
    void (*close)(void *state);                              /* frees state (NULL is a no-op) */
    /* Optional: after the last connection and the summary (also with
     * --no-summary, when summary is not called): 0, or -1. */
    int (*finish)(void *state);
    /* The format writes one document from every connection (html): the
     * pipeline then runs one engine, so one reporter sees them all. */
    bool whole_page;
} reporter_ops;

typedef struct reporter reporter;

/* The reporter for a format name; NULL when the name is unknown or on OOM.
 * out must outlive it. opt is copied. */
reporter *reporter_new(const char *format, FILE *out, const report_options *opt) MTLS_WARN_UNUSED;
void reporter_free(reporter *r); /* NULL is a no-op */
int reporter_connection(reporter *r, const conn_view *c) MTLS_WARN_UNUSED;
int reporter_summary(reporter *r, const summary *sm) MTLS_WARN_UNUSED;
/* The end of the output (ops->finish; 0 when the format has none). */
int reporter_finish(reporter *r) MTLS_WARN_UNUSED;

/* The ops of a format name, or NULL. */
const reporter_ops *reporter_find(const char *format);

/* The implementations (report_text.c, report_json.c, report_html.c, report_csv.c). */
extern const reporter_ops rtext_reporter;
extern const reporter_ops rjson_reporter;
extern const reporter_ops rhtml_reporter;
extern const reporter_ops rcsv_reporter;
extern const reporter_ops rtsv_reporter;

#endif
