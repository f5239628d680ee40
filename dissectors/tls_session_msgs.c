/* tls_session_msgs.c — NewSessionTicket, EncryptedExtensions, KeyUpdate and the
 * empty-bodied messages (see tls_session_msgs.h). */
#include "tls_session_msgs.h"

#include <string.h>

#include "tls_extensions.h"

static cur_t empty_view(const cur_t *at)
{
    cur_t v;
    cur_init(&v, NULL, 0);
    v.base = cur_abs_offset(at);
    return v;
}

static cur_t view_in(const cur_t *whole, tls_view v)
{
    cur_t out;
    cur_init(&out, v.ptr, v.len);
    out.base = v.ptr ? whole->base + (size_t)(v.ptr - whole->data) : whole->base;
    return out;
}

/* u16-prefixed extensions block -> view (framing only; content by the walker). */
static dx_result ext_block(cur_t *c, dx_err short_code, cur_t *out)
{
    size_t at = cur_abs_offset(c);
    if (!cur_get_prefixed_u16(c, out))
        return dx_malformed(cur_remaining(c) < 2 ? short_code : DXE_LENGTH_PAST_END, at);
    return dx_ok();
}

dx_result tls_parse_new_session_ticket(const cur_t *body, bool tls13, tls_new_session_ticket *out)
{
    cur_t c = *body;
    size_t at;

    memset(out, 0, sizeof(*out));
    out->tls13 = tls13;
    out->nonce = out->ticket = out->extensions = empty_view(&c);

    if (!cur_get_u32(&c, &out->lifetime))
        return dx_malformed(DXE_TICKET, cur_abs_offset(&c));
    if (tls13) {
        if (!cur_get_u32(&c, &out->age_add))
            return dx_malformed(DXE_TICKET, cur_abs_offset(&c));
        at = cur_abs_offset(&c);
        if (!cur_get_prefixed_u8(&c, &out->nonce))
            return dx_malformed(cur_at_end(&c) ? DXE_TICKET : DXE_LENGTH_PAST_END, at);
    }
    at = cur_abs_offset(&c);
    if (!cur_get_prefixed_u16(&c, &out->ticket))
        return dx_malformed(cur_remaining(&c) < 2 ? DXE_TICKET : DXE_LENGTH_PAST_END, at);
    if (tls13) {
        tls_exts e;
        cur_t walk;
        dx_result r;
        if (out->ticket.len == 0) /* ticket<1..2^16-1> */
            return dx_malformed(DXE_TICKET, at);
        r = ext_block(&c, DXE_TICKET, &out->extensions);
        if (r.status != DX_OK)
            return r;
        walk = out->extensions;
        r = tls_ext_collect(&walk, TLS_MSG_NST, &e);
        if (r.status != DX_OK)
            return r;
        out->n_extensions = (uint16_t)e.types.n;
        out->has_early_data = e.has_early_data;
        out->max_early_data_size = e.max_early_data_size;
    }
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    return dx_ok();
}

/* A one-byte extension body (client/server_certificate_type in EE). */
static dx_result one_byte_ext(const cur_t *exts, uint16_t type, bool *has, uint8_t *value)
{
    bool found = false;
    cur_t b;
    dx_result r = tls_ext_find(exts, type, &found, &b);
    if (r.status != DX_OK || !found)
        return r;
    if (!cur_get_u8(&b, value) || !cur_at_end(&b))
        return dx_malformed(DXE_EXT_BODY, b.base);
    *has = true;
    return dx_ok();
}

dx_result tls_parse_encrypted_extensions(const cur_t *body, tls_encrypted_extensions *out)
{
    cur_t c = *body;
    cur_t walk;
    tls_exts e;
    dx_result r;
    bool found = false;
    cur_t b;

    memset(out, 0, sizeof(*out));
    out->extensions = out->alpn = out->supported_groups = empty_view(&c);

    r = ext_block(&c, DXE_MSG_BODY, &out->extensions);
    if (r.status != DX_OK)
        return r;
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));

    walk = out->extensions;
    r = tls_ext_collect(&walk, TLS_MSG_EE, &e);
    if (r.status != DX_OK)
        return r;
    out->n_extensions = (uint16_t)e.types.n;
    cur_t names = e.alpn;
    tls_view name;
    if (e.n_alpn == 1 && tls_alpn_list_next(&names, &name)) {
        out->has_alpn = true;
        out->alpn = view_in(&out->extensions, name);
    }
    out->server_name_ack = e.has_sni || tls_exts_has(&e, TLS_EXT_SERVER_NAME);
    if (tls_exts_has(&e, TLS_EXT_RECORD_SIZE_LIMIT)) {
        out->has_record_size_limit = true;
        out->record_size_limit = e.record_size_limit;
    }
    if (tls_exts_has(&e, TLS_EXT_MAX_FRAGMENT_LENGTH)) {
        out->has_max_fragment_length = true;
        out->max_fragment_length = e.max_fragment_length;
    }
    out->early_data_accepted = e.has_early_data;
    r = tls_ext_find(&out->extensions, TLS_EXT_SUPPORTED_GROUPS, &found, &b);
    if (r.status != DX_OK)
        return r;
    if (found && cur_get_prefixed_u16(&b, &out->supported_groups))
        out->has_supported_groups = true;
    r = one_byte_ext(&out->extensions, TLS_EXT_CLIENT_CERT_TYPE, &out->has_client_cert_type,
                     &out->client_cert_type);
    if (r.status == DX_OK)
        r = one_byte_ext(&out->extensions, TLS_EXT_SERVER_CERT_TYPE, &out->has_server_cert_type,
                         &out->server_cert_type);
    if (r.status != DX_OK)
        return r;
    out->has_heartbeat = tls_exts_has(&e, TLS_EXT_HEARTBEAT);
    out->has_use_srtp = tls_exts_has(&e, TLS_EXT_USE_SRTP);
    out->has_quic_params = tls_exts_has(&e, TLS_EXT_QUIC_TRANSPORT_PARAMETERS);
    return dx_ok();
}

dx_result tls_parse_key_update(const cur_t *body, uint8_t *out_request_update)
{
    cur_t c = *body;
    uint8_t v;
    if (!cur_get_u8(&c, &v))
        return dx_malformed(DXE_MSG_BODY, cur_abs_offset(&c));
    if (v > 1)
        return dx_malformed(DXE_BAD_VALUE, cur_abs_offset(&c) - 1);
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    *out_request_update = v;
    return dx_ok();
}

static dx_result empty_body(const cur_t *body)
{
    if (!cur_at_end(body))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(body));
    return dx_ok();
}

dx_result tls_parse_hello_request(const cur_t *body) { return empty_body(body); }
dx_result tls_parse_server_hello_done(const cur_t *body) { return empty_body(body); }
dx_result tls_parse_end_of_early_data(const cur_t *body) { return empty_body(body); }
