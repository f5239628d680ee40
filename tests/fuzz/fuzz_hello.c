/*
 * fuzz_hello — ClientHello (TLS and SSLv2-compatible), ServerHello /
 * HelloRetryRequest and the extension walker.
 *
 * Input: one selector byte, then a handshake message BODY (no 4-byte
 * handshake header). Selector bits 0..6 choose the tls_msg_kind used for the
 * generic extension walk; every hello parser runs on every input.
 */
#include "fuzz_common.h"
#include "tls_extensions.h"
#include "tls_hello.h"

static void touch_view(tls_view v)
{
    if (v.ptr)
        fuzz_touch(v.ptr, v.len);
}

/* A list view yields exactly its kept entries, each also at its index. */
static void touch_list(const tls_u16_list *l)
{
    tls_u16_iter it;
    uint16_t v, w;
    size_t n = 0;
    if (l->n > TLS_LIST_MAX || l->n > l->total || l->truncated != (l->total > TLS_LIST_MAX))
        __builtin_trap();
    tls_u16_iter_init(&it, l);
    while (tls_u16_iter_next(&it, &v)) {
        if (n < 4 && (!tls_u16_list_at(l, n, &w) || w != v))
            __builtin_trap();
        fuzz_sink ^= (uint8_t)v;
        n++;
    }
    if (n != l->n || tls_u16_list_at(l, n, &w))
        __builtin_trap();
}

static void touch_exts(const tls_exts *e)
{
    if (e->n_alpn > TLS_ALPN_MAX)
        __builtin_trap();
    touch_list(&e->types);
    touch_list(&e->groups);
    touch_list(&e->point_formats);
    touch_list(&e->sig_algs);
    touch_list(&e->sig_algs_cert);
    touch_list(&e->compress_cert_algs);
    touch_list(&e->versions);
    touch_list(&e->psk_modes);
    touch_list(&e->key_share_groups);
    touch_view(e->sni);
    touch_view(e->ocsp_response);
    {
        cur_t it = e->alpn;
        tls_view name;
        size_t n = 0;
        while (tls_alpn_list_next(&it, &name)) {
            if (name.len == 0)
                __builtin_trap();
            touch_view(name);
            n++;
        }
        if (n != e->n_alpn)
            __builtin_trap();
    }
    touch_view(e->sct_list);
    touch_view(e->session_ticket);
    touch_view(e->cookie);
    if (e->has_certificate_authorities) {
        cur_t it = e->ca_list;
        tls_view dn;
        size_t n = 0;
        while (tls_dn_list_next(&it, &dn)) {
            touch_view(dn);
            n++;
        }
        if (n != e->ca_count)
            __builtin_trap();
    }
}

static dx_result count_cb(void *ctx, uint16_t type, cur_t *body, size_t index)
{
    size_t *n = ctx;
    (*n)++;
    fuzz_touch_cur(body);
    fuzz_sink ^= (uint8_t)(type ^ index);
    /* consume the body: the walker checks nothing is left over */
    cur_take_rest(body, &(cur_t){0});
    return dx_ok();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    cur_t body;

    static tls_client_hello ch;
    static tls_server_hello sh;
    static tls_exts ex;

    cur_init(&body, p, n);
    dx_result r = tls_parse_client_hello(&body, &ch);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        touch_view(ch.random);
        touch_view(ch.session_id);
        touch_view(ch.compression);
        touch_view(ch.extensions);
        touch_exts(&ch.ext);
        touch_list(&ch.ciphers);
    }

    cur_init(&body, p, n);
    r = tls_parse_sslv2_client_hello(&body, &ch);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        touch_view(ch.random);
        touch_view(ch.session_id);
        touch_exts(&ch.ext);
        touch_list(&ch.ciphers);
    }

    cur_init(&body, p, n);
    r = tls_parse_server_hello(&body, &sh);
    fuzz_check_result(r, n);
    if (r.status == DX_OK) {
        touch_view(sh.random);
        touch_view(sh.session_id);
        touch_view(sh.extensions);
        touch_exts(&sh.ext);
    }

    /* The raw extension machinery on the same bytes, as a bare extensions block. */
    tls_msg_kind where = (tls_msg_kind)(1u << (sel % 7));
    cur_init(&body, p, n);
    r = tls_ext_collect(&body, where, &ex);
    fuzz_check_result(r, n);
    if (r.status == DX_OK)
        touch_exts(&ex);

    size_t count = 0;
    cur_init(&body, p, n);
    r = tls_ext_walk(&body, where, count_cb, &count);
    fuzz_check_result(r, n);

    cur_init(&body, p, n);
    bool found = false;
    cur_t ext_body;
    r = tls_ext_find(&body, (uint16_t)(sel * 5u), &found, &ext_body);
    fuzz_check_result(r, n);
    if (r.status == DX_OK && found)
        fuzz_touch_cur(&ext_body);
    return 0;
}
