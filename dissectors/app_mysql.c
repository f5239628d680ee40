/*
 * app_mysql.c — MySQL/MariaDB client/server protocol around authentication:
 * the client's HandshakeResponse41, the server's OK_Packet, ERR_Packet,
 * AuthSwitchRequest, AuthMoreData and HandshakeV10 greeting. Packets are a
 * 3-byte little-endian payload length, a sequence id and the payload. See
 * app_reply.h for the outcome table; formats from the MySQL client/server
 * protocol documentation (and MariaDB's, for the extended capabilities in the
 * filler of HandshakeResponse41).
 */
#include "app_util.h"

#include <string.h>

#define MY_HDR 4u
#define MY_CLIENT_CONNECT_WITH_DB 0x00000008u
#define MY_CLIENT_PROTOCOL_41 0x00000200u
#define MY_CLIENT_SECURE_CONNECTION 0x00008000u
#define MY_CLIENT_PLUGIN_AUTH 0x00080000u
#define MY_CLIENT_PLUGIN_AUTH_LENENC_DATA 0x00200000u
#define MY_SSL_REQUEST_LEN 32u     /* capabilities, max packet, charset, filler */
#define MY_FILLER_ZERO 19u         /* MariaDB keeps extended capabilities in the last 4 of 23 */
#define MY_PROGRESS_REPORT 0xffffu /* MariaDB: an ERR_Packet header carrying a progress report */

/* Error numbers, in order; SQLSTATE 28000 refuses too (see my_error_outcome). */
static const struct {
    uint32_t code;
    const char *name;
    ap_outcome outcome;
} my_errors[] = {
    {1040, "ER_CON_COUNT_ERROR", AP_ERROR},
    {1044, "ER_DBACCESS_DENIED_ERROR", AP_REFUSED_AUTH},
    {1045, "ER_ACCESS_DENIED_ERROR", AP_REFUSED_AUTH},
    {1049, "ER_BAD_DB_ERROR", AP_ERROR},
    {1129, "ER_HOST_IS_BLOCKED", AP_ERROR},
    {1130, "ER_HOST_NOT_PRIVILEGED", AP_REFUSED_AUTH},
    {1203, "ER_TOO_MANY_USER_CONNECTIONS", AP_ERROR},
    {1227, "ER_SPECIFIC_ACCESS_DENIED_ERROR", AP_REFUSED_AUTH},
    {1251, "ER_NOT_SUPPORTED_AUTH_MODE", AP_REFUSED_AUTH},
    {1698, "ER_ACCESS_DENIED_NO_PASSWORD_ERROR", AP_REFUSED_AUTH},
    {1862, "ER_MUST_CHANGE_PASSWORD_LOGIN", AP_REFUSED_AUTH},
    {3118, "ER_ACCOUNT_HAS_BEEN_LOCKED", AP_REFUSED_AUTH},
    {3159, "ER_SECURE_TRANSPORT_REQUIRED", AP_REFUSED_AUTH},
    {4151, "ER_ACCOUNT_HAS_BEEN_LOCKED", AP_REFUSED_AUTH}, /* MariaDB's number */
};

/* Server payloads by their first byte (these are read whole; any other
 * payload decides nothing). */
static const struct my_kind_row {
    uint8_t first;
    const char *kind;
    ap_outcome outcome;
} my_server_kinds[] = {
    {0xff, "ERR_Packet", AP_ERROR},  {0x00, "OK_Packet", AP_ACCEPTED}, {0xfe, "AuthSwitchRequest", AP_INFO},
    {0x01, "AuthMoreData", AP_INFO}, {0x0a, "HandshakeV10", AP_INFO},
};

const char *ap_mysql_code_name(const ap_reply *r)
{
    if (!r->kind || strcmp(r->kind, "ERR_Packet") != 0)
        return NULL;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(my_errors); i++)
        if (my_errors[i].code == r->code)
            return my_errors[i].name;
    return NULL;
}

static ap_outcome my_error_outcome(uint32_t code, const char *state)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(my_errors); i++)
        if (my_errors[i].code == code)
            return my_errors[i].outcome;
    if (state[0] == '2' && state[1] == '8')
        return AP_REFUSED_AUTH;
    return AP_ERROR;
}

/* Packet header: payload length (24-bit little-endian) and sequence id. */
static bool my_header(cur_t *k, uint32_t *len, uint8_t *seq)
{
    uint16_t lo = 0;
    uint8_t hi = 0;
    if (!cur_get_u16le(k, &lo) || !cur_get_u8(k, &hi) || !cur_get_u8(k, seq))
        return false;
    *len = (uint32_t)hi << 16 | lo;
    return true;
}

static dx_result my_err(cur_t *p, ap_reply *out)
{
    uint16_t code = 0;
    uint8_t mark = 0;
    if (!cur_skip(p, 1) || !cur_get_u16le(p, &code))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    out->code = code;
    if (code == MY_PROGRESS_REPORT) {
        out->kind = "progress report";
        out->outcome = AP_INFO;
        return dx_ok();
    }
    const uint8_t *st = NULL;
    if (cur_peek_u8(p, 0, &mark) && mark == '#' && cur_remaining(p) >= 6) {
        if (!cur_skip(p, 1) || !cur_get_bytes(p, 5, &st))
            return dx_malformed(DXE_APP, cur_abs_offset(p));
        ap_set_state(out, (ap_view){st, 5});
    }
    out->message = cur_ptr(p);
    out->message_len = cur_remaining(p);
    out->outcome = my_error_outcome(code, out->state);
    return dx_ok();
}

static dx_result my_server_payload(cur_t *p, uint32_t len, ap_reply *out)
{
    uint8_t first = 0;
    ap_view v;
    if (!cur_peek_u8(p, 0, &first))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    switch (first) {
    case 0xff: return my_err(p, out);
    case 0x00: return len >= 7 ? dx_ok() : dx_malformed(DXE_APP, cur_abs_offset(p));
    case 0xfe:
        if (len < 9) { /* EOF_Packet (5) or the pre-4.1 switch to the old password hash (1) */
            out->kind = len == 1 ? "OldAuthSwitchRequest" : "EOF_Packet";
            return dx_ok();
        }
        if (!cur_skip(p, 1) || !ap_get_cstring(p, &v))
            return dx_malformed(DXE_APP, cur_abs_offset(p));
        out->target = v.p;
        out->target_len = v.n;
        return dx_ok();
    case 0x0a:
        if (!cur_skip(p, 1) || !ap_get_cstring(p, &v))
            return dx_malformed(DXE_APP, cur_abs_offset(p));
        out->target = v.p;
        out->target_len = v.n;
        return dx_ok();
    default: return dx_ok();
    }
}

dx_result ap_mysql_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    cur_t k = *c;
    uint32_t len = 0;
    uint8_t seq = 0, first = 0;
    if (!my_header(&k, &len, &seq))
        return dx_need_more(MY_HDR - cur_remaining(c));
    ap_reply_start(out, AP_MYSQL, "packet");
    if (len == 0)
        return ap_reply_done(c, out, MY_HDR, 0);
    if (!cur_peek_u8(&k, 0, &first))
        return dx_need_more(1);
    const struct my_kind_row *row = NULL;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(my_server_kinds); i++)
        if (my_server_kinds[i].first == first)
            row = &my_server_kinds[i];
    size_t total = (size_t)MY_HDR + len;
    if (!row) /* a payload that decides nothing: whole when present, else header + skip */
        return cur_remaining(c) >= total ? ap_reply_done(c, out, total, 0) : ap_reply_done(c, out, MY_HDR, len);
    out->kind = row->kind;
    out->outcome = row->outcome;
    if (total > AP_MAX_MESSAGE)
        return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
    cur_t payload;
    if (!cur_get_sub(&k, len, &payload))
        return dx_need_more(total - cur_remaining(c));
    dx_result r = my_server_payload(&payload, len, out);
    if (r.status != DX_OK)
        return r;
    return ap_reply_done(c, out, total, 0);
}

/* Length-encoded integer. */
static bool my_lenenc(cur_t *p, uint64_t *v)
{
    uint8_t b = 0;
    if (!cur_get_u8(p, &b))
        return false;
    if (b < 0xfb) {
        *v = b;
        return true;
    }
    size_t width = b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : 0;
    if (width == 0) /* 0xfb is NULL, 0xff an error: not a length here */
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < width; i++) {
        uint8_t d = 0;
        if (!cur_get_u8(p, &d))
            return false;
        x |= (uint64_t)d << (8 * i);
    }
    *v = x;
    return true;
}

/* HandshakeResponse41 after its fixed 32 bytes: user, auth response (not
 * shown), database, auth plugin. */
static dx_result my_response_tail(cur_t *p, uint32_t caps, ap_reply *out)
{
    ap_view user, skip_v;
    if (!ap_get_cstring(p, &user))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    out->user = user.p;
    out->user_len = user.n;
    uint64_t alen = 0;
    uint8_t a8 = 0;
    bool ok;
    if (caps & MY_CLIENT_PLUGIN_AUTH_LENENC_DATA)
        ok = my_lenenc(p, &alen) && alen <= cur_remaining(p) && cur_skip(p, (size_t)alen);
    else if (caps & MY_CLIENT_SECURE_CONNECTION)
        ok = cur_get_u8(p, &a8) && cur_skip(p, a8);
    else
        ok = ap_get_cstring(p, &skip_v);
    if (!ok)
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    ap_view v;
    if ((caps & MY_CLIENT_CONNECT_WITH_DB) && ap_get_cstring(p, &v)) {
        out->target = v.p;
        out->target_len = v.n;
    }
    if ((caps & MY_CLIENT_PLUGIN_AUTH) && ap_get_cstring(p, &v)) {
        out->message = v.p;
        out->message_len = v.n;
    }
    return dx_ok();
}

dx_result ap_mysql_client(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    cur_t k = *c, p;
    uint32_t len = 0, caps = 0;
    uint8_t seq = 0, first = 0;
    if (!my_header(&k, &len, &seq))
        return dx_need_more(MY_HDR - cur_remaining(c));
    size_t total = (size_t)MY_HDR + len;
    if (total > AP_MAX_MESSAGE)
        return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
    if (!cur_get_sub(&k, len, &p))
        return dx_need_more(total - cur_remaining(c));
    ap_reply_start(out, AP_MYSQL, "HandshakeResponse41");
    if (len < MY_SSL_REQUEST_LEN || !cur_get_u32le(&p, &caps) || !(caps & MY_CLIENT_PROTOCOL_41)) {
        /* a command packet (COM_QUIT 0x01, COM_QUERY 0x03, COM_PING 0x0e, ...) */
        if (len == 0 || !cur_peek_u8(c, MY_HDR, &first) || first >= 0x20)
            return dx_malformed(DXE_APP, cur_abs_offset(c) + MY_HDR);
        out->kind = "command";
        out->code = first;
        return ap_reply_done(c, out, total, 0);
    }
    out->code = caps;
    if (!cur_skip(&p, MY_SSL_REQUEST_LEN - 4))
        return dx_malformed(DXE_APP, cur_abs_offset(&p));
    if (cur_at_end(&p)) {
        out->kind = "SSLRequest";
        return ap_reply_done(c, out, total, 0);
    }
    dx_result r = my_response_tail(&p, caps, out);
    if (r.status != DX_OK)
        return r;
    return ap_reply_done(c, out, total, 0);
}

bool ap_mysql_sniff_client(const cur_t *c)
{
    cur_t k = *c;
    uint32_t len = 0, caps = 0, maxp = 0;
    uint8_t seq = 0, charset = 0;
    if (!my_header(&k, &len, &seq) || len < MY_SSL_REQUEST_LEN || len > AP_MAX_MESSAGE || (seq != 1 && seq != 2))
        return false;
    if (!cur_get_u32le(&k, &caps) || !(caps & MY_CLIENT_PROTOCOL_41) || !cur_get_u32le(&k, &maxp) ||
        !cur_get_u8(&k, &charset))
        return false;
    for (size_t i = 0; i < MY_FILLER_ZERO; i++) {
        uint8_t z = 1;
        if (!cur_get_u8(&k, &z) || z != 0)
            return false;
    }
    return true;
}

bool ap_mysql_sniff_server(const cur_t *c)
{
    cur_t k = *c, p;
    uint32_t len = 0;
    uint8_t seq = 0, first = 0;
    if (!my_header(&k, &len, &seq) || seq != 0 || len < 3 || len > AP_MAX_MESSAGE || !cur_get_sub(&k, len, &p) ||
        !cur_get_u8(&p, &first))
        return false;
    ap_view v;
    if (first == 0x0a) /* HandshakeV10: a printable server version */
        return len >= 20 && ap_get_cstring(&p, &v) && v.n > 0 && ap_printable(v);
    uint16_t code = 0;
    if (first == 0xff && cur_get_u16le(&p, &code) && code >= 1000) {
        v.p = cur_ptr(&p);
        v.n = cur_remaining(&p);
        return ap_printable(v);
    }
    return false;
}
