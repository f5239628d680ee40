/* test_http_peek.c — HTTP/1.x status lines and HTTP/2 frames as servers send
 * them after the handshake (bytes from nginx and Go captures, an HPACK block
 * built by hand per RFC 7541). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_peek.h"

static void test_status_line(void **st)
{
    (void)st;
    const char *resp = "HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n";
    cur_t c;
    cur_init(&c, (const uint8_t *)resp, strlen(resp));
    h1_status_line sl;
    assert_int_equal(h1_parse_status_line(&c, &sl).status, DX_OK);
    assert_int_equal(sl.status, 400);
    assert_int_equal(sl.line_len, strlen("HTTP/1.1 400 Bad Request"));
    assert_int_equal(cur_remaining(&c), strlen(resp)); /* not advanced */

    const char *bare = "HTTP/1.0 403";
    cur_init(&c, (const uint8_t *)bare, strlen(bare));
    assert_int_equal(h1_parse_status_line(&c, &sl).status, DX_OK);
    assert_int_equal(sl.status, 403);

    /* not a status line: a request, a short line, letters for digits, HTTP/2 */
    const char *bad[] = {"GET / HTTP/1.1\r\n", "HTTP/1.1 40", "HTTP/1.1 4x0 Bad", "HTTP/2 200 OK", "HTTP/1.1 2000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cur_init(&c, (const uint8_t *)bad[i], strlen(bad[i]));
        dx_result r = h1_parse_status_line(&c, &sl);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_HTTP);
    }
}

/* SETTINGS (empty, ACK) then HEADERS on stream 1, END_HEADERS|PADDED, with
 * the block 0x48 0x03 "403" (:status, literal with indexing, name index 8). */
static const uint8_t frames[] = {
    0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,             /* SETTINGS ACK */
    0x00, 0x00, 0x08, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x01,             /* HEADERS, 8 bytes */
    0x02,                                                             /* pad length 2 */
    0x48, 0x03, '4', '0', '3',                                        /* block */
    0x00, 0x00,                                                       /* padding */
};

static void test_h2_frames(void **st)
{
    (void)st;
    cur_t c;
    cur_init(&c, frames, sizeof frames);
    h2_frame f;
    assert_int_equal(h2_next_frame(&c, &f).status, DX_OK);
    assert_int_equal(f.type, H2_FRAME_SETTINGS);
    assert_int_equal(f.length, 0);
    assert_int_equal(h2_next_frame(&c, &f).status, DX_OK);
    assert_int_equal(f.type, H2_FRAME_HEADERS);
    assert_int_equal(f.stream_id, 1);
    assert_true(f.flags & H2_FLAG_END_HEADERS);
    const uint8_t *block;
    size_t len;
    assert_int_equal(h2_header_block(&f, &block, &len).status, DX_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(block, "\x48\x03" "403", 5);
    assert_true(cur_at_end(&c));

    /* every prefix of the second frame needs more and leaves the cursor alone */
    for (size_t cut = 9; cut < sizeof frames; cut++) {
        cur_init(&c, frames, cut);
        assert_int_equal(h2_next_frame(&c, &f).status, DX_OK);
        size_t at = c.off;
        dx_result r = h2_next_frame(&c, &f);
        assert_int_equal(r.status, DX_NEED_MORE);
        assert_true(r.need > 0);
        assert_int_equal(c.off, at);
    }

    /* padding longer than the frame */
    h2_frame bad = {.length = 2, .type = H2_FRAME_HEADERS, .flags = H2_FLAG_PADDED,
                    .payload = (const uint8_t *)"\x05\x48"};
    assert_int_equal(h2_header_block(&bad, &block, &len).status, DX_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_h2_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
