/*
 * fuzz_common.h — shared helpers for the libFuzzer targets in tests/fuzz/.
 *
 * Every target defines LLVMFuzzerTestOneInput(). Built with -DMTLS_FUZZ=ON and
 * clang it links libFuzzer; otherwise replay_main.c supplies main() and runs
 * the function over corpus and regression files (CTest: fuzz_replay.<target>).
 *
 * Views returned by the dissectors are touched byte by byte (fuzz_touch) so
 * that ASan sees any view pointing outside the input.
 */
#ifndef MTLS_FUZZ_COMMON_H
#define MTLS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "dx_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sink the compiler cannot remove. */
static volatile uint8_t fuzz_sink;

static inline void fuzz_touch(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc ^= p[i];
    fuzz_sink ^= acc;
}

/* Read every byte a cursor still views. */
static inline void fuzz_touch_cur(const cur_t *c)
{
    if (c->data && c->len >= c->off)
        fuzz_touch(c->data + c->off, c->len - c->off);
}

/* A failed dissector must say where: the offset never exceeds the input. */
static inline void fuzz_check_result(dx_result r, size_t input_len)
{
    if (r.status == DX_MALFORMED && r.offset > input_len)
        __builtin_trap();
}

#endif
