#include "reporter.h"

#include <stdlib.h>
#include <string.h>

/* One row per output format. */
static const reporter_ops *const formats[] = {
    &rtext_reporter,
    &rjson_reporter,
    &rhtml_reporter,
    &rcsv_reporter,
    &rtsv_reporter,
};

struct reporter {
    const reporter_ops *ops;
    void *state;
};

const reporter_ops *reporter_find(const char *format)
{
    for (size_t i = 0; format && i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i]->name, format) == 0)
            return formats[i];
    return NULL;
}

reporter *reporter_new(const char *format, FILE *out, const report_options *opt)
{
    const reporter_ops *ops = reporter_find(format);
    if (!ops)
        return NULL;
    reporter *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->ops = ops;
    r->state = ops->open(out, opt);
    if (!r->state) {
        free(r);
        return NULL;
    }
    return r;
}

void reporter_free(reporter *r)
{
    if (!r)
        return;
    r->ops->close(r->state);
    free(r);
}

int reporter_connection(reporter *r, const conn_view *c) { return r->ops->connection(r->state, c); }

int reporter_summary(reporter *r, const summary *sm) { return r->ops->summary(r->state, sm); }

int reporter_finish(reporter *r) { return r->ops->finish ? r->ops->finish(r->state) : 0; }
