/*
 * fuzz_alert_misc — alerts and the small session messages: NewSessionTicket
 * (1.2 and 1.3), EncryptedExtensions, KeyUpdate, HelloRequest,
 * ServerHelloDone, EndOfEarlyData.
 *
 * Input: one selector byte (bit 0: TLS 1.3 form of NewSessionTicket; the
 * rest feeds the encrypted-alert shape check), then the message body.
 */
#include <string.h>

#include "fuzz_common.h"
#include "tls_alert.h"
#include "tls_session_msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    cur_t body;
    dx_result r;
    char buf[48];

    cur_init(&body, p, n);
    tls_alert al;
    r = tls_alert_parse(&body, &al);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        const char *s = tls_alert_desc_format(al.desc, buf, sizeof(buf));
        if (!s || strlen(s) >= sizeof(buf))
            __builtin_trap();
        s = tls_alert_level_format(al.level, buf, sizeof(buf));
        if (!s)
            __builtin_trap();
        s = tls_alert_desc_name(al.desc);
        if (s)
            fuzz_sink ^= (uint8_t)s[0];
        s = tls_alert_level_name(al.level);
        if (s)
            fuzz_sink ^= (uint8_t)s[0];
    }
    /* formatting into tiny buffers must stay inside them */
    for (size_t bl = 0; bl < 4 && n > 0; bl++) {
        char tiny[4] = {0};
        (void)tls_alert_desc_format(p[0], tiny, bl);
        (void)tls_alert_level_format(p[0], tiny, bl);
    }
    fuzz_sink ^= (uint8_t)tls_alert_looks_encrypted((uint8_t)(sel >> 1), n, sel & 1);
    fuzz_sink ^= (uint8_t)tls13_record_may_be_alert(n);

    cur_init(&body, p, n);
    tls_new_session_ticket nst;
    r = tls_parse_new_session_ticket(&body, (sel & 1) != 0, &nst);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        fuzz_touch_cur(&nst.nonce);
        fuzz_touch_cur(&nst.ticket);
        fuzz_touch_cur(&nst.extensions);
    }

    cur_init(&body, p, n);
    tls_encrypted_extensions ee;
    r = tls_parse_encrypted_extensions(&body, &ee);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        fuzz_touch_cur(&ee.extensions);
        if (ee.has_alpn)
            fuzz_touch_cur(&ee.alpn);
    }

    cur_init(&body, p, n);
    uint8_t req = 0;
    r = tls_parse_key_update(&body, &req);
    fuzz_check_result(r, n);

    cur_init(&body, p, n);
    fuzz_check_result(tls_parse_hello_request(&body), n);
    cur_init(&body, p, n);
    fuzz_check_result(tls_parse_server_hello_done(&body), n);
    cur_init(&body, p, n);
    fuzz_check_result(tls_parse_end_of_early_data(&body), n);
    return 0;
}
