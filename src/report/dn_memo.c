/*
 * dn_memo.c — direct-mapped memo of CA name strings keyed by the DER bytes
 * (dn_memo.h). A collision replaces the slot; a miss renders the name again.
 */
#include "dn_memo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"

#define DN_MEMO_SLOTS 128
#define DN_MEMO_MAX_DER 1024 /* longer names are rendered every time */

typedef struct dn_slot {
    bool used;
    uint8_t *der;
    size_t len;
    char *text;
} dn_slot;

struct dn_memo {
    dn_slot slot[DN_MEMO_SLOTS];
    char *uncached; /* the last name not kept in the memo (too long) */
};

dn_memo *dn_memo_new(void) { return calloc(1, sizeof(dn_memo)); }

static void slot_clear(dn_slot *s)
{
    free(s->der);
    free(s->text);
    memset(s, 0, sizeof(*s));
}

void dn_memo_free(dn_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < DN_MEMO_SLOTS; i++)
        slot_clear(&m->slot[i]);
    free(m->uncached);
    free(m);
}

static size_t slot_of(const uint8_t *der, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ der[i]) * 0x100000001b3ull;
    return (size_t)(h >> 32) % DN_MEMO_SLOTS;
}

const char *dn_memo_ca_name(dn_memo *m, const uint8_t *der, size_t len)
{
    if (len > DN_MEMO_MAX_DER || !len) {
        free(m->uncached);
        m->uncached = dn_ca_name_string(der, len);
        return m->uncached;
    }
    dn_slot *s = &m->slot[slot_of(der, len)];
    if (s->used && s->len == len && memcmp(s->der, der, len) == 0)
        return s->text;
    slot_clear(s);
    char *text = dn_ca_name_string(der, len);
    uint8_t *copy = text ? malloc(len) : NULL;
    if (!copy) { /* unparsable (rare, rendered again next time) or OOM */
        free(m->uncached);
        m->uncached = text;
        return text;
    }
    memcpy(copy, der, len);
    *s = (dn_slot){.used = true, .der = copy, .len = len, .text = text};
    return text;
}
