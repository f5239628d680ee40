/*
 * fuzz_pcapng — Decryption Secrets Blocks found in a pcapng byte stream.
 *
 * Input: a (possibly broken) pcapng file. It is fed to one tap whole and to a
 * second tap in pieces whose sizes come from the input itself; both must hand
 * out exactly the same secrets (the framing must not depend on how reads
 * split the stream), and every text must lie within the input's size. The
 * same bytes then go through pcapng_reader (mixed-link pcapng read without
 * libpcap): every packet it hands out must be whole and within the input.
 */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "fuzz_common.h"
#include "pcapng_reader.h"
#include "pcapng_tap.h"

typedef struct seen {
    uint64_t hash;
    size_t calls, bytes;
    size_t limit;
} seen;

static void sink(void *ctx, const uint8_t *text, size_t len)
{
    seen *s = ctx;
    if (len > s->limit)
        __builtin_trap();
    fuzz_touch(text, len);
    s->calls++;
    s->bytes += len;
    for (size_t i = 0; i < len; i++)
        s->hash = (s->hash ^ text[i]) * 1099511628211ull;
    s->hash = (s->hash ^ 0xff) * 1099511628211ull; /* block boundary */
}

/* The reader: packets within the input, fewer than its bytes, then an end or an error. */
static void read_packets(const uint8_t *data, size_t size)
{
    FILE *f = size ? fmemopen((void *)data, size, "rb") : NULL;
    pcapng_reader *r = f ? pcapng_reader_new(f, NULL, 0) : NULL;
    pcapng_packet pk;
    char *err = NULL;
    size_t n = 0;
    int rc;
    while (r && (rc = pcapng_reader_next(r, &pk, &err)) == 1) {
        if (pk.caplen > size || ++n > size)
            __builtin_trap();
        fuzz_touch(pk.data, pk.caplen);
    }
    free(err);
    pcapng_reader_free(r);
    if (f)
        fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seen whole = {1469598103934665603ull, 0, 0, size};
    seen pieces = whole;
    pcapng_tap *a = pcapng_tap_new();
    pcapng_tap *b = pcapng_tap_new();
    if (!a || !b) {
        pcapng_tap_free(a);
        pcapng_tap_free(b);
        return 0;
    }
    pcapng_tap_set_sink(a, sink, &whole);
    pcapng_tap_feed(a, data, size);
    /* b: piece sizes 1..16 from the input's bytes; its sink is set half-way,
     * so DSBs queued before it must come out in the same order */
    size_t off = 0, k = 0;
    while (off < size) {
        size_t piece = (size_t)(data[k++ % size] & 15) + 1;
        if (piece > size - off)
            piece = size - off;
        pcapng_tap_feed(b, data + off, piece);
        off += piece;
        if (off >= size / 2 && !pieces.calls && k & 1)
            pcapng_tap_set_sink(b, sink, &pieces);
    }
    pcapng_tap_set_sink(b, sink, &pieces);
    if (whole.calls != pieces.calls || whole.bytes != pieces.bytes || whole.hash != pieces.hash)
        __builtin_trap();
    pcapng_tap_free(a);
    pcapng_tap_free(b);
    read_packets(data, size);
    return 0;
}
