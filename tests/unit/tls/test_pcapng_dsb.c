/* pcapng block framing and Decryption Secrets Blocks, on the real sample
 * samples/pcaps/tls13-mtls-ok-dsb.pcapng (made by editcap --inject-secrets)
 * and on malformed variants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keylog.h"
#include "secrets_block.h"
#include "pcapng_secrets.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static char sample[4096];

static void test_walk_real_file(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = slurp(sample, &n);
    cur_t c;
    cur_init(&c, b, n);
    bool be;
    uint32_t type, total;
    assert_int_equal(pcapng_parse_shb_start(&c, &be, &total).status, DX_OK);
    assert_false(be);
    size_t pos = total, dsbs = 0, blocks = 1;
    while (pos + 8 <= n) {
        cur_init(&c, b + pos, n - pos);
        assert_int_equal(pcapng_parse_block_header(&c, be, &type, &total).status, DX_OK);
        if (type == PCAPNG_BT_DSB) {
            cur_t body, secrets;
            cur_init(&body, b + pos + 8, total - 12);
            uint32_t st;
            assert_int_equal(pcapng_parse_dsb(&body, be, &st, &secrets).status, DX_OK);
            assert_int_equal(st, PCAPNG_SECRETS_TLS);
            assert_true(cur_remaining(&secrets) > 100);
            assert_non_null(memmem(cur_ptr(&secrets), cur_remaining(&secrets), "SERVER_HANDSHAKE_TRAFFIC_SECRET", 31));
            dsbs++;
        }
        pos += total;
        blocks++;
    }
    assert_int_equal(pos, n);
    assert_int_equal(dsbs, 1);
    assert_true(blocks > 10);
    free(b);
}

static void test_load_into_keylog(void **state)
{
    (void)state;
    keylog *kl = keylog_new();
    assert_int_equal(pcapng_load_secrets(sample, kl), 1);
    assert_int_equal(keylog_sessions(kl), 1);
    keylog_free(kl);
    /* a classic pcap has no DSB */
    kl = keylog_new();
    char other[4096];
    snprintf(other, sizeof other, "%s/samples/pcaps/tls13-mtls-ok.pcap", getenv("MTLS_SOURCE_DIR"));
    assert_int_equal(pcapng_load_secrets(other, kl), 0);
    assert_int_equal(pcapng_load_secrets("-", kl), 0);
    keylog_free(kl);
}

static void test_malformed(void **state)
{
    (void)state;
    bool be;
    uint32_t type, total;
    cur_t c;
    /* bad byte-order magic */
    const uint8_t shb_bad[12] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4};
    cur_init(&c, shb_bad, sizeof shb_bad);
    assert_int_equal(pcapng_parse_shb_start(&c, &be, &total).status, DX_MALFORMED);
    assert_int_equal(c.off, 0);
    /* block length not a multiple of 4, too small, absurd */
    const uint8_t b1[8] = {6, 0, 0, 0, 13, 0, 0, 0};
    const uint8_t b2[8] = {6, 0, 0, 0, 8, 0, 0, 0};
    const uint8_t b3[8] = {6, 0, 0, 0, 0, 0, 0, 0x40};
    cur_init(&c, b1, 8);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_MALFORMED);
    cur_init(&c, b2, 8);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_MALFORMED);
    cur_init(&c, b3, 8);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_MALFORMED);
    /* truncated header */
    cur_init(&c, b1, 5);
    assert_int_equal(pcapng_parse_block_header(&c, false, &type, &total).status, DX_TRUNCATED);
    /* DSB whose secrets length points past the block */
    const uint8_t dsb[12] = {0x4b, 0x53, 0x4c, 0x54, 0xff, 0, 0, 0, 'a', 'b', 'c', 'd'};
    cur_t secrets;
    uint32_t st;
    cur_init(&c, dsb, sizeof dsb);
    dx_result r = pcapng_parse_dsb(&c, false, &st, &secrets);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    /* every prefix of a valid DSB body: never reads past the end */
    for (size_t i = 0; i < sizeof dsb; i++) {
        cur_init(&c, dsb, i);
        dx_result pr = pcapng_parse_dsb(&c, false, &st, &secrets);
        assert_int_not_equal(pr.status, DX_OK);
    }
}

int main(void)
{
    snprintf(sample, sizeof sample, "%s/samples/pcaps/tls13-mtls-ok-dsb.pcapng", getenv("MTLS_SOURCE_DIR"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_real_file),
        cmocka_unit_test(test_load_into_keylog),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
