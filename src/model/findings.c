#include "findings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static int add_owned(finding_list *l, finding_sev sev, char *code, char *where, char *msg)
{
    if (!code || !msg) {
        free(code);
        free(where);
        free(msg);
        return -1;
    }
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        finding_t *p = realloc(l->items, ncap * sizeof(*p));
        if (!p) {
            free(code);
            free(where);
            free(msg);
            return -1;
        }
        l->items = p;
        l->cap = ncap;
    }
    l->items[l->n].severity = sev;
    l->items[l->n].code = code;
    l->items[l->n].where = where;
    l->items[l->n].message = msg;
    l->n++;
    return 0;
}

int findings_vadd(finding_list *l, finding_sev sev, const char *code, const char *where,
                  const char *fmt, va_list ap)
{
    return add_owned(l, sev, strdup(code), where ? strdup(where) : NULL, text_vprintf(fmt, ap));
}

int findings_add(finding_list *l, finding_sev sev, const char *code, const char *where,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = findings_vadd(l, sev, code, where, fmt, ap);
    va_end(ap);
    return rc;
}

int findings_extend(finding_list *dst, const finding_list *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const finding_t *f = &src->items[i];
        if (add_owned(dst, f->severity, strdup(f->code), f->where ? strdup(f->where) : NULL,
                      strdup(f->message)) < 0)
            return -1;
    }
    return 0;
}

int findings_has(const finding_list *l, const char *code)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].code, code) == 0)
            return 1;
    return 0;
}

void findings_free(finding_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].code);
        free(l->items[i].message);
        free(l->items[i].where);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

const char *finding_sev_name(finding_sev sev)
{
    switch (sev) {
    case SEV_INFO: return "info";
    case SEV_WARNING: return "warning";
    case SEV_ERROR: return "error";
    }
    return "unknown";
}
