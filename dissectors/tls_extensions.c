/*
 * tls_extensions.c — extension walker (framing, duplicates, allowed-in
 * message, pre_shared_key last) and one decoder per extension. Decoders see
 * only their own child cursor and must consume it exactly.
 */
#include "tls_extensions.h"

#include <string.h>

#include "tls_registry.h"

/* ----------------------------------------------------------------- helpers */

static dx_result bad(const cur_t *c) { return dx_malformed(DXE_EXT_BODY, cur_abs_offset(c)); }
static dx_result bad_at(size_t abs) { return dx_malformed(DXE_EXT_BODY, abs); }

static dx_result end_check(const cur_t *c)
{
    if (!cur_at_end(c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(c));
    return dx_ok();
}

static bool ok(dx_result r) { return r.status == DX_OK; }

/* Body that must be empty (flag extensions). */
static dx_result expect_empty(const cur_t *b)
{
    if (!cur_at_end(b))
        return bad(b);
    return dx_ok();
}

/* ------------------------------------------------------------------ walker */

dx_result tls_ext_walk(cur_t *exts, tls_msg_kind where, tls_ext_cb cb, void *ctx)
{
    uint64_t seen[65536 / 64];
    cur_t c = *exts;
    size_t index = 0;

    memset(seen, 0, sizeof seen);
    while (!cur_at_end(&c)) {
        size_t at = cur_abs_offset(&c);
        uint16_t type, len;
        cur_t body;
        if (!cur_get_u16(&c, &type))
            return dx_malformed(DXE_SHORT, at);
        if (!cur_peek_u16(&c, 0, &len))
            return dx_malformed(DXE_SHORT, at + 2);
        if (!cur_get_prefixed_u16(&c, &body))
            return dx_malformed(DXE_LENGTH_PAST_END, at + 2);
        uint64_t bit = (uint64_t)1 << (type % 64);
        if (seen[type / 64] & bit)
            return dx_malformed(DXE_EXT_DUPLICATE, at);
        seen[type / 64] |= bit;
        if (!(tls_reg_ext_allowed(type) & (unsigned)where))
            return dx_malformed(DXE_EXT_NOT_ALLOWED, at);
        if (where == TLS_MSG_CH && type == TLS_EXT_PRE_SHARED_KEY && !cur_at_end(&c))
            return dx_malformed(DXE_EXT_NOT_ALLOWED, at); /* RFC 8446 4.2.11: must be last */
        if (cb) {
            dx_result r = cb(ctx, type, &body, index);
            if (!ok(r))
                return r;
        }
        index++;
    }
    *exts = c;
    return dx_ok();
}

dx_result tls_ext_find(const cur_t *exts, uint16_t type, bool *found, cur_t *body)
{
    cur_t c = *exts;
    *found = false;
    while (!cur_at_end(&c)) {
        size_t at = cur_abs_offset(&c);
        uint16_t t;
        cur_t b;
        if (!cur_get_u16(&c, &t))
            return dx_malformed(DXE_SHORT, at);
        if (cur_remaining(&c) < 2)
            return dx_malformed(DXE_SHORT, at + 2);
        if (!cur_get_prefixed_u16(&c, &b))
            return dx_malformed(DXE_LENGTH_PAST_END, at + 2);
        if (t == type) {
            *found = true;
            *body = b;
            return dx_ok();
        }
    }
    return dx_ok();
}

/* ---------------------------------------------------------- generic lists */

/* A non-empty vector (u8 or u16 length prefix) of u8 or u16 items, viewed as
 * a u16 list (u8 items widened when read). Every item is on the wire once the
 * length checks pass, so they are counted without being read. */
static dx_result decode_vec(cur_t *b, tls_u16_list *out, bool u8_prefix, bool u8_items)
{
    cur_t list;
    size_t at = cur_abs_offset(b);
    if (!(u8_prefix ? cur_get_prefixed_u8(b, &list) : cur_get_prefixed_u16(b, &list)))
        return bad_at(at);
    if (cur_remaining(&list) == 0)
        return bad_at(at);
    if (!u8_items && cur_remaining(&list) % 2)
        return dx_malformed(DXE_LENGTH_ODD, at);
    tls_u16_list_view(out, &list, u8_items ? TLS_LIST_U8 : TLS_LIST_U16);
    tls_u16_list_add(out, u8_items ? cur_remaining(&list) : cur_remaining(&list) / 2);
    return end_check(b);
}

size_t tls_u16_list_read(const tls_u16_list *l, uint16_t out[TLS_LIST_MAX])
{
    cur_t c;
    size_t n = 0, want = l->n < TLS_LIST_MAX ? l->n : TLS_LIST_MAX;
    cur_init(&c, l->wire.ptr, l->wire.len);
    switch (l->form) {
    case TLS_LIST_U16:
        while (n < want && cur_get_u16(&c, &out[n]))
            n++;
        break;
    case TLS_LIST_U8: {
        uint8_t b;
        while (n < want && cur_get_u8(&c, &b))
            out[n++] = b;
        break;
    }
    default: {
        tls_u16_iter it;
        tls_u16_iter_init(&it, l);
        while (n < want && tls_u16_iter_next(&it, &out[n]))
            n++;
        break;
    }
    }
    return n;
}

dx_result tls_ext_decode_u16_vec(cur_t *b, tls_u16_list *out) { return decode_vec(b, out, false, false); }
dx_result tls_ext_decode_u8_vec(cur_t *b, tls_u16_list *out) { return decode_vec(b, out, true, true); }
dx_result tls_ext_decode_u8_u16_vec(cur_t *b, tls_u16_list *out) { return decode_vec(b, out, true, false); }

/* --------------------------------------------------------- server_name (0) */

dx_result tls_ext_decode_server_name(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    out->has_sni = true;
    if (where != TLS_MSG_CH)
        return expect_empty(b); /* ServerHello / EncryptedExtensions acknowledgement */
    cur_t list;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &list) || cur_at_end(&list))
        return bad_at(at);
    out->sni_names = 0;
    out->sni.ptr = NULL;
    out->sni.len = 0;
    while (!cur_at_end(&list)) {
        uint8_t name_type;
        cur_t name;
        size_t eat = cur_abs_offset(&list);
        if (!cur_get_u8(&list, &name_type) || !cur_get_prefixed_u16(&list, &name))
            return bad_at(eat);
        if (cur_at_end(&name))
            return bad_at(eat + 1); /* HostName<1..2^16-1> */
        if (name_type == 0 && out->sni.ptr == NULL) {
            out->sni.ptr = cur_ptr(&name);
            out->sni.len = cur_remaining(&name);
        }
        out->sni_names++;
    }
    return end_check(b);
}

/* ------------------------------------------------ supported_versions (43) */

dx_result tls_ext_decode_supported_versions(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    if (where == TLS_MSG_SH || where == TLS_MSG_HRR) {
        if (!cur_get_u16(b, &out->selected_version))
            return bad(b);
        return end_check(b);
    }
    return tls_ext_decode_u8_u16_vec(b, &out->versions);
}

/* --------------------------------------------------------- key_share (51) */

dx_result tls_ext_decode_key_share(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    out->has_key_share = true;
    if (where == TLS_MSG_HRR) {
        if (!cur_get_u16(b, &out->key_share_group))
            return bad(b);
        return end_check(b);
    }
    if (where == TLS_MSG_SH) {
        cur_t key;
        if (!cur_get_u16(b, &out->key_share_group))
            return bad(b);
        size_t at = cur_abs_offset(b);
        if (!cur_get_prefixed_u16(b, &key) || cur_at_end(&key))
            return bad_at(at);
        return end_check(b);
    }
    cur_t list;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &list))
        return bad_at(at);
    tls_u16_list_view(&out->key_share_groups, &list, TLS_LIST_TAGGED);
    while (!cur_at_end(&list)) { /* client_shares<0..2^16-1>: may be empty */
        size_t eat = cur_abs_offset(&list);
        uint16_t group;
        cur_t key;
        if (!cur_get_u16(&list, &group))
            return bad_at(eat);
        if (!cur_get_prefixed_u16(&list, &key) || cur_at_end(&key))
            return bad_at(eat + 2);
        tls_u16_list_add(&out->key_share_groups, 1);
    }
    return end_check(b);
}

/* --------------------------------------------------- pre_shared_key (41) */

dx_result tls_ext_decode_pre_shared_key(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    out->has_psk = true;
    if (where == TLS_MSG_SH) {
        if (!cur_get_u16(b, &out->psk_selected))
            return bad(b);
        return end_check(b);
    }
    cur_t ids, binders;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &ids) || cur_at_end(&ids))
        return bad_at(at);
    size_t n_ids = 0, n_binders = 0;
    while (!cur_at_end(&ids)) {
        size_t eat = cur_abs_offset(&ids);
        cur_t identity;
        uint32_t age;
        if (!cur_get_prefixed_u16(&ids, &identity) || cur_at_end(&identity) || !cur_get_u32(&ids, &age))
            return bad_at(eat);
        n_ids++;
    }
    at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &binders) || cur_at_end(&binders))
        return bad_at(at);
    while (!cur_at_end(&binders)) {
        size_t eat = cur_abs_offset(&binders);
        cur_t binder;
        if (!cur_get_prefixed_u8(&binders, &binder) || cur_remaining(&binder) < 32)
            return bad_at(eat); /* PskBinderEntry<32..255> */
        n_binders++;
    }
    if (n_binders != n_ids)
        return bad_at(at);
    out->psk_identities = n_ids;
    return end_check(b);
}

/* -------------------------------------------------------------- ALPN (16) */

/* The names of a ProtocolNameList body; *good = bytes of the names read
 * before any error. */
static dx_result alpn_names(cur_t *list, size_t *n, size_t *good)
{
    size_t len = cur_remaining(list);
    *n = 0;
    *good = 0;
    while (!cur_at_end(list)) {
        size_t eat = cur_abs_offset(list);
        cur_t name;
        if (!cur_get_prefixed_u8(list, &name) || cur_at_end(&name))
            return bad_at(eat); /* ProtocolName<1..2^8-1> */
        if (*n >= TLS_ALPN_MAX)
            return dx_malformed(DXE_TOO_MANY, eat);
        (*n)++;
        *good = len - cur_remaining(list);
    }
    return dx_ok();
}

dx_result tls_ext_decode_alpn(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    cur_t list, whole;
    size_t good;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &list) || cur_at_end(&list))
        return bad_at(at);
    whole = list;
    dx_result r = alpn_names(&list, &out->n_alpn, &good);
    if (!cur_get_sub(&whole, good, &out->alpn))
        return bad_at(at); /* cannot happen: good <= the list's length */
    if (!ok(r))
        return r;
    if (where != TLS_MSG_CH && out->n_alpn != 1)
        return bad_at(at); /* the server selects exactly one protocol */
    return end_check(b);
}

bool tls_alpn_list_next(cur_t *it, tls_view *name)
{
    cur_t n;
    if (cur_at_end(it) || !cur_get_prefixed_u8(it, &n))
        return false;
    name->ptr = cur_ptr(&n);
    name->len = cur_remaining(&n);
    return true;
}

/* ---------------------------------------------------- status_request (5) */

dx_result tls_ext_decode_status_request(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    out->has_status_request = true;
    if (where == TLS_MSG_SH || where == TLS_MSG_CR)
        return expect_empty(b); /* TLS 1.2 ServerHello ack / TLS 1.3 CertificateRequest */
    if (!cur_get_u8(b, &out->status_type))
        return bad(b);
    if (where == TLS_MSG_CT) {
        cur_t resp;
        size_t at = cur_abs_offset(b);
        if (!cur_get_prefixed_u24(b, &resp) || cur_at_end(&resp))
            return bad_at(at);
        out->ocsp_response.ptr = cur_ptr(&resp);
        out->ocsp_response.len = cur_remaining(&resp);
        return end_check(b);
    }
    if (out->status_type != 1) {
        cur_t rest; /* unknown CertificateStatusType: opaque */
        cur_take_rest(b, &rest);
        return dx_ok();
    }
    cur_t ids, exts;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &ids))
        return bad_at(at);
    while (!cur_at_end(&ids)) {
        size_t eat = cur_abs_offset(&ids);
        cur_t rid;
        if (!cur_get_prefixed_u16(&ids, &rid) || cur_at_end(&rid))
            return bad_at(eat); /* ResponderID<1..2^16-1> */
    }
    at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &exts))
        return bad_at(at);
    return end_check(b);
}

/* --------------------------------------- signed_certificate_timestamp (18) */

static dx_result decode_sct(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    out->has_sct = true;
    if (where == TLS_MSG_CH || where == TLS_MSG_CR)
        return expect_empty(b);
    cur_t list;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &list) || cur_at_end(&list))
        return bad_at(at);
    out->sct_list.ptr = cur_ptr(&list);
    out->sct_list.len = cur_remaining(&list);
    while (!cur_at_end(&list)) {
        size_t eat = cur_abs_offset(&list);
        cur_t sct;
        if (!cur_get_prefixed_u16(&list, &sct) || cur_at_end(&sct))
            return bad_at(eat);
    }
    return end_check(b);
}

/* ------------------------------------------- certificate_authorities (47) */

dx_result tls_dn_list_validate(const cur_t *list, size_t *out_count)
{
    cur_t c = *list;
    size_t n = 0;
    while (!cur_at_end(&c)) {
        size_t eat = cur_abs_offset(&c);
        cur_t dn;
        if (!cur_get_prefixed_u16(&c, &dn) || cur_at_end(&dn))
            return bad_at(eat); /* DistinguishedName<1..2^16-1> */
        n++;
    }
    *out_count = n;
    return dx_ok();
}

bool tls_dn_list_next(cur_t *it, tls_view *dn)
{
    cur_t d;
    if (cur_at_end(it) || !cur_get_prefixed_u16(it, &d))
        return false;
    dn->ptr = cur_ptr(&d);
    dn->len = cur_remaining(&d);
    return true;
}

dx_result tls_ext_decode_certificate_authorities(cur_t *b, bool allow_empty, cur_t *out_list, size_t *out_count)
{
    cur_t list;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &list))
        return bad_at(at);
    if (!allow_empty && cur_at_end(&list))
        return bad_at(at);
    dx_result r = tls_dn_list_validate(&list, out_count);
    if (!ok(r))
        return r;
    r = end_check(b);
    if (!ok(r))
        return r;
    *out_list = list;
    return dx_ok();
}

/* ------------------------------------------------------ oid_filters (48) */

dx_result tls_ext_decode_oid_filters(cur_t *b, tls_exts *out)
{
    cur_t list;
    size_t at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &list))
        return bad_at(at);
    size_t n = 0;
    cur_t it = list;
    while (!cur_at_end(&it)) {
        size_t eat = cur_abs_offset(&it);
        cur_t oid, values;
        if (!cur_get_prefixed_u8(&it, &oid) || cur_at_end(&oid) || !cur_get_prefixed_u16(&it, &values))
            return bad_at(eat);
        n++;
    }
    dx_result r = end_check(b);
    if (!ok(r))
        return r;
    out->has_oid_filters = true;
    out->oid_filters = list;
    out->oid_filter_count = n;
    return dx_ok();
}

/* ---------------------------------------- encrypted_client_hello (0xfe0d) */

dx_result tls_ext_decode_ech(cur_t *b, tls_msg_kind where, tls_exts *out)
{
    out->has_ech = true;
    if (where == TLS_MSG_HRR) {
        const uint8_t *conf;
        if (!cur_get_bytes(b, 8, &conf))
            return bad(b);
        out->ech_other.ptr = conf;
        out->ech_other.len = 8;
        return end_check(b);
    }
    if (where == TLS_MSG_EE) {
        cur_t configs;
        size_t at = cur_abs_offset(b);
        if (!cur_get_prefixed_u16(b, &configs) || cur_at_end(&configs))
            return bad_at(at);
        out->ech_other.ptr = cur_ptr(&configs);
        out->ech_other.len = cur_remaining(&configs);
        return end_check(b);
    }
    size_t at = cur_abs_offset(b);
    if (!cur_get_u8(b, &out->ech_type))
        return bad(b);
    if (out->ech_type == 1)
        return expect_empty(b); /* inner */
    if (out->ech_type != 0)
        return bad_at(at);
    cur_t enc, payload;
    if (!cur_get_u16(b, &out->ech_kdf) || !cur_get_u16(b, &out->ech_aead) || !cur_get_u8(b, &out->ech_config_id))
        return bad(b);
    at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &enc))
        return bad_at(at);
    at = cur_abs_offset(b);
    if (!cur_get_prefixed_u16(b, &payload) || cur_at_end(&payload))
        return bad_at(at);
    out->ech_enc.ptr = cur_ptr(&enc);
    out->ech_enc.len = cur_remaining(&enc);
    out->ech_payload.ptr = cur_ptr(&payload);
    out->ech_payload.len = cur_remaining(&payload);
    return end_check(b);
}

/* ------------------------------------------------------------- collector */

typedef struct collect_ctx {
    tls_exts *out;
    tls_msg_kind where;
} collect_ctx;

static dx_result collect_cb(void *vctx, uint16_t type, cur_t *b, size_t index)
{
    collect_ctx *ctx = vctx;
    tls_exts *out = ctx->out;
    tls_msg_kind where = ctx->where;
    size_t at = cur_abs_offset(b);
    (void)index;

    dx_result r;
    tls_u16_list_add(&out->types, 1);

    switch (type) {
    case TLS_EXT_SERVER_NAME:
        return tls_ext_decode_server_name(b, where, out);
    case TLS_EXT_MAX_FRAGMENT_LENGTH: {
        uint8_t v;
        if (!cur_get_u8(b, &v))
            return bad(b);
        if (v < 1 || v > 4)
            return dx_malformed(DXE_BAD_VALUE, at);
        out->max_fragment_length = v;
        return end_check(b);
    }
    case TLS_EXT_STATUS_REQUEST:
        return tls_ext_decode_status_request(b, where, out);
    case TLS_EXT_SUPPORTED_GROUPS:
        return tls_ext_decode_u16_vec(b, &out->groups);
    case TLS_EXT_EC_POINT_FORMATS:
        return tls_ext_decode_u8_vec(b, &out->point_formats);
    case TLS_EXT_SIGNATURE_ALGORITHMS:
        return tls_ext_decode_u16_vec(b, &out->sig_algs);
    case TLS_EXT_SIGNATURE_ALGORITHMS_CERT:
        return tls_ext_decode_u16_vec(b, &out->sig_algs_cert);
    case TLS_EXT_ALPN:
        return tls_ext_decode_alpn(b, where, out);
    case TLS_EXT_SCT:
        return decode_sct(b, where, out);
    case TLS_EXT_PADDING: {
        cur_t rest;
        cur_take_rest(b, &rest);
        out->padding_len = cur_remaining(&rest);
        return dx_ok();
    }
    case TLS_EXT_ENCRYPT_THEN_MAC:
        out->encrypt_then_mac = true;
        return expect_empty(b);
    case TLS_EXT_EXTENDED_MASTER_SECRET:
        out->extended_master_secret = true;
        return expect_empty(b);
    case TLS_EXT_COMPRESS_CERTIFICATE:
        return tls_ext_decode_u8_u16_vec(b, &out->compress_cert_algs);
    case TLS_EXT_RECORD_SIZE_LIMIT: {
        uint16_t v;
        if (!cur_get_u16(b, &v))
            return bad(b);
        if (v < 64)
            return dx_malformed(DXE_BAD_VALUE, at); /* RFC 8449 4 */
        out->record_size_limit = v;
        return end_check(b);
    }
    case TLS_EXT_SESSION_TICKET: {
        cur_t rest;
        cur_take_rest(b, &rest);
        out->has_session_ticket = true;
        out->session_ticket.ptr = cur_ptr(&rest);
        out->session_ticket.len = cur_remaining(&rest);
        return dx_ok();
    }
    case TLS_EXT_PRE_SHARED_KEY:
        return tls_ext_decode_pre_shared_key(b, where, out);
    case TLS_EXT_EARLY_DATA:
        out->has_early_data = true;
        if (where == TLS_MSG_NST) {
            if (!cur_get_u32(b, &out->max_early_data_size))
                return bad(b);
            return end_check(b);
        }
        return expect_empty(b);
    case TLS_EXT_SUPPORTED_VERSIONS:
        return tls_ext_decode_supported_versions(b, where, out);
    case TLS_EXT_COOKIE: {
        cur_t ck;
        if (!cur_get_prefixed_u16(b, &ck) || cur_at_end(&ck))
            return bad_at(at);
        out->cookie.ptr = cur_ptr(&ck);
        out->cookie.len = cur_remaining(&ck);
        return end_check(b);
    }
    case TLS_EXT_PSK_KEY_EXCHANGE_MODES:
        return tls_ext_decode_u8_vec(b, &out->psk_modes);
    case TLS_EXT_CERTIFICATE_AUTHORITIES:
        r = tls_ext_decode_certificate_authorities(b, false, &out->ca_list, &out->ca_count);
        if (ok(r))
            out->has_certificate_authorities = true;
        return r;
    case TLS_EXT_OID_FILTERS:
        return tls_ext_decode_oid_filters(b, out);
    case TLS_EXT_POST_HANDSHAKE_AUTH:
        out->post_handshake_auth = true;
        return expect_empty(b);
    case TLS_EXT_KEY_SHARE:
        return tls_ext_decode_key_share(b, where, out);
    case TLS_EXT_ENCRYPTED_CLIENT_HELLO:
        return tls_ext_decode_ech(b, where, out);
    case TLS_EXT_RENEGOTIATION_INFO: {
        cur_t rc;
        if (!cur_get_prefixed_u8(b, &rc))
            return bad_at(at);
        out->has_renegotiation_info = true;
        out->renegotiated_connection.ptr = cur_ptr(&rc);
        out->renegotiated_connection.len = cur_remaining(&rc);
        return end_check(b);
    }
    default:
        return dx_ok(); /* unknown: code kept in types, body skipped */
    }
}

static dx_result types_cb(void *vctx, uint16_t type, cur_t *b, size_t index)
{
    (void)type;
    (void)b;
    (void)index;
    tls_u16_list_add(&((tls_exts *)vctx)->types, 1);
    return dx_ok();
}

/* The type list is a view of the whole block: the walker has checked each
 * entry's framing before it is counted. */
dx_result tls_ext_collect_types(cur_t *exts, tls_exts *out)
{
    memset(out, 0, sizeof *out);
    tls_u16_list_view(&out->types, exts, TLS_LIST_TAGGED);
    return tls_ext_walk(exts, (tls_msg_kind)TLS_MSG_ANY, types_cb, out);
}

dx_result tls_ext_collect(cur_t *exts, tls_msg_kind where, tls_exts *out)
{
    collect_ctx ctx = {out, where};
    memset(out, 0, sizeof *out);
    tls_u16_list_view(&out->types, exts, TLS_LIST_TAGGED);
    return tls_ext_walk(exts, where, collect_cb, &ctx);
}

bool tls_exts_has(const tls_exts *e, uint16_t type)
{
    tls_u16_iter it;
    uint16_t t;
    tls_u16_iter_init(&it, &e->types);
    while (tls_u16_iter_next(&it, &t))
        if (t == type)
            return true;
    return false;
}
