/*
 * fuzz_record — TLS record layer and handshake framing.
 *
 * Input: a byte stream as one direction of a TCP connection would carry it.
 * The target walks it record by record (tls_record_parse), checks the
 * plausibility and SSLv2 detectors at every record start, and walks each
 * handshake record's body message by message (tls_hs_parse).
 */
#include "fuzz_common.h"
#include "tls_handshake.h"
#include "tls_record.h"
#include "tls_registry.h"

static void walk_handshake(const cur_t *body, size_t size)
{
    cur_t c = *body;
    while (!cur_at_end(&c)) {
        uint8_t type = 0;
        cur_t msg;
        dx_result r = tls_hs_parse(&c, &type, &msg);
        fuzz_check_result(r, size);
        if (r.status != DX_OK)
            break;
        fuzz_touch_cur(&msg);
        const char *name = tls_reg_hs_type_name(type);
        if (name)
            fuzz_sink ^= (uint8_t)name[0];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cur_t c;
    cur_init(&c, data, size);
    for (;;) {
        size_t left = cur_remaining(&c);
        const uint8_t *p = cur_ptr(&c);
        if (left == 0)
            break;
        fuzz_sink ^= (uint8_t)tls_record_plausible(p, left);
        if (tls_record_is_sslv2_hello(p, left)) {
            cur_t v2 = c;
            tls_sslv2_hdr h2;
            dx_result r2 = tls_record_parse_sslv2_header(&v2, &h2);
            fuzz_check_result(r2, size);
            if (r2.status == DX_OK)
                fuzz_sink ^= (uint8_t)h2.length;
        }
        cur_t hc = c;
        tls_record_hdr hh;
        dx_result rh = tls_record_parse_header(&hc, &hh);
        fuzz_check_result(rh, size);

        tls_record_hdr hdr;
        cur_t body;
        dx_result r = tls_record_parse(&c, &hdr, &body);
        fuzz_check_result(r, size);
        if (r.status != DX_OK) {
            /* A failed parse leaves the cursor where it was. */
            if (cur_remaining(&c) != left)
                __builtin_trap();
            break;
        }
        if (rh.status == DX_OK && (hh.type != hdr.type || hh.length != hdr.length))
            __builtin_trap();
        if (cur_remaining(&body) != hdr.length)
            __builtin_trap();
        fuzz_touch_cur(&body);
        if (hdr.type == 22)
            walk_handshake(&body, size);
    }
    return 0;
}
