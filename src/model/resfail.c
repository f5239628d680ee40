#include "resfail.h"

#include <stdatomic.h>

static _Thread_local uint64_t t_failures;
static _Atomic uint64_t g_failures;

void resfail_note(void)
{
    t_failures++;
    atomic_fetch_add_explicit(&g_failures, 1, memory_order_relaxed);
}

uint64_t resfail_count(void) { return t_failures; }

uint64_t resfail_total(void) { return atomic_load_explicit(&g_failures, memory_order_relaxed); }
