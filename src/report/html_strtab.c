/* html_strtab.c — distinct strings by index (see html_strtab.h). */
#include "html_strtab.h"

#include <stdlib.h>
#include <string.h>

#include "html_esc.h"

struct html_strtab {
    char **v;          /* by index */
    uint32_t n, cap;
    uint32_t *slots;   /* index + 1, 0 = empty; open addressing */
    size_t n_slots;
};

html_strtab *html_strtab_new(void) { return calloc(1, sizeof(html_strtab)); }

void html_strtab_free(html_strtab *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    free(t->slots);
    free(t);
}

static uint64_t hash(const char *s)
{
    uint64_t x = 1469598103934665603ull;
    for (; *s; s++)
        x = (x ^ (uint8_t)*s) * 1099511628211ull;
    return x;
}

static int rehash(html_strtab *t, size_t n)
{
    uint32_t *ns = calloc(n, sizeof(*ns));
    if (!ns)
        return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        size_t j = hash(t->v[i]) & (n - 1);
        while (ns[j])
            j = (j + 1) & (n - 1);
        ns[j] = i + 1;
    }
    free(t->slots);
    t->slots = ns;
    t->n_slots = n;
    return 0;
}

int html_strtab_id(html_strtab *t, const char *s, uint32_t *out)
{
    if (!s)
        s = "";
    if (((size_t)t->n + 1) * 2 > t->n_slots && rehash(t, t->n_slots ? t->n_slots * 2 : 1024) < 0)
        return -1;
    size_t j = hash(s) & (t->n_slots - 1);
    while (t->slots[j]) {
        if (strcmp(t->v[t->slots[j] - 1], s) == 0) {
            *out = t->slots[j] - 1;
            return 0;
        }
        j = (j + 1) & (t->n_slots - 1);
    }
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 1024;
        char **p = realloc(t->v, nc * sizeof(*p));
        if (!p)
            return -1;
        t->v = p;
        t->cap = nc;
    }
    if (!(t->v[t->n] = strdup(s)))
        return -1;
    t->slots[j] = ++t->n;
    *out = t->n - 1;
    return 0;
}

void html_strtab_json(growbuf *b, const html_strtab *t)
{
    growbuf_puts(b, "[");
    for (uint32_t i = 0; t && i < t->n; i++) {
        if (i)
            growbuf_puts(b, ",");
        html_json_str(b, t->v[i]);
    }
    growbuf_puts(b, "]");
}
