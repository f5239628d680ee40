/*
 * app_mqtt.c — MQTT 3.1 (MQIsdp), 3.1.1 and 5: the client's CONNECT and the
 * server's CONNACK, DISCONNECT and AUTH (v5 reason codes and the Reason
 * String property), framed by the fixed header (type << 4 | flags) and the
 * Remaining Length varint. See app_reply.h for the outcome table; formats
 * and codes from the OASIS MQTT 3.1.1 (§2.2, §3.1, §3.2) and MQTT 5.0
 * (§1.5.5, §2.4, §3.1, §3.2, §3.14, §3.15) specifications.
 */
#include "app_util.h"

#include <string.h>

enum { MQ_CONNECT = 1, MQ_CONNACK = 2, MQ_PUBLISH = 3, MQ_DISCONNECT = 14, MQ_AUTH = 15 };
#define MQ_PROP_REASON_STRING 0x1f
#define MQ_PROP_SERVER_REFERENCE 0x1c
#define MQ_FLAG_USER 0x80
#define MQ_FLAG_WILL 0x04
#define MQ_FLAG_RESERVED 0x01

/* Packet types each side sends: required fixed-header flags (PUBLISH's
 * carry QoS/DUP/RETAIN: any), whether we read the body. */
typedef struct mq_type_row {
    uint8_t type;
    const char *kind;
    uint8_t flags; /* 0xff: any */
    bool read_body;
} mq_type_row;

static const mq_type_row mq_server_types[] = {
    {MQ_CONNACK, "CONNACK", 0, true}, {MQ_PUBLISH, "PUBLISH", 0xff, false},
    {4, "PUBACK", 0, false},          {5, "PUBREC", 0, false},
    {6, "PUBREL", 2, false},          {7, "PUBCOMP", 0, false},
    {9, "SUBACK", 0, false},          {11, "UNSUBACK", 0, false},
    {13, "PINGRESP", 0, false},       {MQ_DISCONNECT, "DISCONNECT", 0, true},
    {MQ_AUTH, "AUTH", 0, true},
};

static const mq_type_row mq_client_types[] = {
    {MQ_CONNECT, "CONNECT", 0, true}, {MQ_PUBLISH, "PUBLISH", 0xff, false},
    {4, "PUBACK", 0, false},          {5, "PUBREC", 0, false},
    {6, "PUBREL", 2, false},          {7, "PUBCOMP", 0, false},
    {8, "SUBSCRIBE", 2, false},       {10, "UNSUBSCRIBE", 2, false},
    {12, "PINGREQ", 0, false},        {MQ_DISCONNECT, "DISCONNECT", 0, false},
    {MQ_AUTH, "AUTH", 0, false},
};

/* CONNACK return codes of 3.1 / 3.1.1. */
static const struct mq_code_row {
    uint8_t code;
    const char *name;
    ap_outcome outcome;
} mq_v3_codes[] = {
    {0, "connection accepted", AP_ACCEPTED},
    {1, "unacceptable protocol version", AP_ERROR},
    {2, "identifier rejected", AP_ERROR},
    {3, "server unavailable", AP_ERROR},
    {4, "bad user name or password", AP_REFUSED_AUTH},
    {5, "not authorized", AP_REFUSED_AUTH},
};

/* MQTT 5 reason codes of CONNACK, DISCONNECT and AUTH. The outcome of a
 * row below 0x80 is for DISCONNECT/AUTH; a CONNACK is accepted only by 0. */
static const struct mq_code_row mq_v5_codes[] = {
    {0x00, "success", AP_INFO},
    {0x04, "disconnect with will message", AP_INFO},
    {0x18, "continue authentication", AP_INFO},
    {0x19, "re-authenticate", AP_INFO},
    {0x80, "unspecified error", AP_ERROR},
    {0x81, "malformed packet", AP_ERROR},
    {0x82, "protocol error", AP_ERROR},
    {0x83, "implementation specific error", AP_ERROR},
    {0x84, "unsupported protocol version", AP_ERROR},
    {0x85, "client identifier not valid", AP_ERROR},
    {0x86, "bad user name or password", AP_REFUSED_AUTH},
    {0x87, "not authorized", AP_REFUSED_AUTH},
    {0x88, "server unavailable", AP_ERROR},
    {0x89, "server busy", AP_ERROR},
    {0x8a, "banned", AP_REFUSED_AUTH},
    {0x8b, "server shutting down", AP_ERROR},
    {0x8c, "bad authentication method", AP_REFUSED_AUTH},
    {0x8d, "keep alive timeout", AP_ERROR},
    {0x8e, "session taken over", AP_ERROR},
    {0x8f, "topic filter invalid", AP_ERROR},
    {0x90, "topic name invalid", AP_ERROR},
    {0x93, "receive maximum exceeded", AP_ERROR},
    {0x94, "topic alias invalid", AP_ERROR},
    {0x95, "packet too large", AP_ERROR},
    {0x96, "message rate too high", AP_ERROR},
    {0x97, "quota exceeded", AP_ERROR},
    {0x98, "administrative action", AP_ERROR},
    {0x99, "payload format invalid", AP_ERROR},
    {0x9a, "retain not supported", AP_ERROR},
    {0x9b, "QoS not supported", AP_ERROR},
    {0x9c, "use another server", AP_ERROR},
    {0x9d, "server moved", AP_ERROR},
    {0x9e, "shared subscriptions not supported", AP_ERROR},
    {0x9f, "connection rate exceeded", AP_ERROR},
    {0xa0, "maximum connect time", AP_ERROR},
    {0xa1, "subscription identifiers not supported", AP_ERROR},
    {0xa2, "wildcard subscriptions not supported", AP_ERROR},
};

/* Property value types (MQTT 5 §2.2.2.2). */
enum { P_BYTE, P_U16, P_U32, P_VARINT, P_STR, P_BIN, P_PAIR };
static const struct {
    uint8_t id, type;
} mq_props[] = {
    {0x01, P_BYTE}, {0x02, P_U32},  {0x03, P_STR}, {0x08, P_STR},  {0x09, P_BIN},  {0x0b, P_VARINT}, {0x11, P_U32},
    {0x12, P_STR},  {0x13, P_U16},  {0x15, P_STR}, {0x16, P_BIN},  {0x17, P_BYTE}, {0x18, P_U32},    {0x19, P_BYTE},
    {0x1a, P_STR},  {0x1c, P_STR},  {0x1f, P_STR}, {0x21, P_U16},  {0x22, P_U16},  {0x23, P_U16},    {0x24, P_BYTE},
    {0x25, P_BYTE}, {0x26, P_PAIR}, {0x27, P_U32}, {0x28, P_BYTE}, {0x29, P_BYTE}, {0x2a, P_BYTE},
};

static const struct mq_code_row *find_code(const struct mq_code_row *t, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return &t[i];
    return NULL;
}

const char *ap_mqtt_code_name(const ap_reply *r)
{
    if (!r->kind)
        return NULL;
    bool connack = strcmp(r->kind, "CONNACK") == 0;
    if (!connack && strcmp(r->kind, "DISCONNECT") != 0 && strcmp(r->kind, "AUTH") != 0)
        return NULL;
    /* 3.1.1's CONNACK codes are 0..5; MQTT 5's CONNACK codes are 0 or >= 0x80 */
    const struct mq_code_row *row = connack && r->code <= 5
                                        ? find_code(mq_v3_codes, MTLS_ARRAY_LEN(mq_v3_codes), r->code)
                                        : find_code(mq_v5_codes, MTLS_ARRAY_LEN(mq_v5_codes), r->code);
    return row ? row->name : NULL;
}

/* Variable Byte Integer: 1..4 bytes. DX_OK, DX_NEED_MORE, or DX_MALFORMED
 * when a fourth byte still has its continuation bit. */
static dx_result mq_varint(cur_t *k, uint32_t *v)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t b = 0;
        if (!cur_get_u8(k, &b))
            return dx_need_more(1);
        x |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return dx_ok();
        }
    }
    return dx_malformed(DXE_APP, cur_abs_offset(k) - 1);
}

/* A 2-byte-length string or binary field. */
static bool mq_string(cur_t *p, ap_view *v)
{
    cur_t s;
    if (!cur_get_prefixed_u16(p, &s))
        return false;
    v->p = cur_ptr(&s);
    v->n = cur_remaining(&s);
    return true;
}

static bool mq_property(cur_t *props, uint8_t type, ap_view *v)
{
    uint8_t b = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    switch (type) {
    case P_BYTE: return cur_get_u8(props, &b);
    case P_U16: return cur_get_u16(props, &u16);
    case P_U32: return cur_get_u32(props, &u32);
    case P_VARINT: return mq_varint(props, &u32).status == DX_OK;
    case P_STR:
    case P_BIN: return mq_string(props, v);
    default: /* P_PAIR */ return mq_string(props, v) && mq_string(props, v);
    }
}

/* Properties (a varint length, then identifier/value pairs) inside p. */
static dx_result mq_properties(cur_t *p, ap_reply *out)
{
    uint32_t plen = 0;
    cur_t props;
    if (mq_varint(p, &plen).status != DX_OK || !cur_get_sub(p, plen, &props))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    while (!cur_at_end(&props)) {
        uint32_t id = 0;
        size_t at = cur_abs_offset(&props);
        if (mq_varint(&props, &id).status != DX_OK)
            return dx_malformed(DXE_APP, at);
        size_t i = 0;
        while (i < MTLS_ARRAY_LEN(mq_props) && mq_props[i].id != id)
            i++;
        ap_view v = {NULL, 0};
        if (i == MTLS_ARRAY_LEN(mq_props) || !mq_property(&props, mq_props[i].type, &v))
            return dx_malformed(DXE_APP, at);
        if (out && id == MQ_PROP_REASON_STRING) {
            out->message = v.p;
            out->message_len = v.n;
        } else if (out && id == MQ_PROP_SERVER_REFERENCE) {
            out->target = v.p;
            out->target_len = v.n;
        }
    }
    return dx_ok();
}

static dx_result mq_connack(const ap_ctx *ctx, cur_t *p, ap_reply *out)
{
    uint8_t ack = 0, rc = 0;
    if (!cur_get_u8(p, &ack) || !cur_get_u8(p, &rc))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    out->code = rc;
    bool v5 = ctx->mqtt_level == 5 || (ctx->mqtt_level == 0 && (cur_remaining(p) > 0 || rc >= 0x80));
    if (!v5) {
        const struct mq_code_row *r = find_code(mq_v3_codes, MTLS_ARRAY_LEN(mq_v3_codes), rc);
        out->outcome = r ? r->outcome : AP_ERROR;
        return cur_at_end(p) ? dx_ok() : dx_malformed(DXE_TRAILING, cur_abs_offset(p));
    }
    const struct mq_code_row *r = find_code(mq_v5_codes, MTLS_ARRAY_LEN(mq_v5_codes), rc);
    out->outcome = rc == 0 ? AP_ACCEPTED : r && rc >= 0x80 ? r->outcome : AP_ERROR;
    if (cur_at_end(p)) /* no property length: tolerated */
        return dx_ok();
    dx_result res = mq_properties(p, out);
    if (res.status == DX_OK && !cur_at_end(p))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(p));
    return res;
}

/* DISCONNECT and AUTH (MQTT 5): an optional reason code and properties. */
static dx_result mq_reason(cur_t *p, ap_reply *out)
{
    uint8_t rc = 0;
    if (!cur_at_end(p) && !cur_get_u8(p, &rc))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    out->code = rc;
    const struct mq_code_row *r = find_code(mq_v5_codes, MTLS_ARRAY_LEN(mq_v5_codes), rc);
    out->outcome = r ? r->outcome : rc >= 0x80 ? AP_ERROR : AP_INFO;
    if (out->kind && strcmp(out->kind, "AUTH") == 0)
        out->outcome = AP_INFO;
    if (cur_at_end(p))
        return dx_ok();
    dx_result res = mq_properties(p, out);
    if (res.status == DX_OK && !cur_at_end(p))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(p));
    return res;
}

/* Fixed header: the row of the packet type, and the packet's body. */
static dx_result mq_frame(cur_t *c, const mq_type_row *t, size_t tn, ap_proto proto, ap_reply *out,
                          const mq_type_row **row, cur_t *body)
{
    cur_t k = *c;
    uint8_t h = 0;
    uint32_t rl = 0;
    if (!cur_get_u8(&k, &h))
        return dx_need_more(2);
    *row = NULL;
    for (size_t i = 0; i < tn; i++)
        if (t[i].type == h >> 4)
            *row = &t[i];
    if (!*row || ((*row)->flags != 0xff && (*row)->flags != (h & 0x0f)))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    dx_result r = mq_varint(&k, &rl);
    if (r.status != DX_OK)
        return r;
    size_t hdr = k.off - c->off, total = hdr + rl;
    ap_reply_start(out, proto, (*row)->kind);
    if ((*row)->read_body && total > AP_MAX_MESSAGE)
        return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
    if (!cur_get_sub(&k, rl, body)) {
        if ((*row)->read_body)
            return dx_need_more(total - cur_remaining(c));
        return ap_reply_done(c, out, hdr, rl); /* a body that decides nothing */
    }
    out->consumed = total;
    return dx_ok();
}

dx_result ap_mqtt_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    const mq_type_row *row = NULL;
    cur_t body;
    dx_result r = mq_frame(c, mq_server_types, MTLS_ARRAY_LEN(mq_server_types), AP_MQTT, out, &row, &body);
    if (r.status != DX_OK || out->skip)
        return r;
    if (row->type == MQ_CONNACK)
        r = mq_connack(ctx, &body, out);
    else if (row->type == MQ_DISCONNECT || row->type == MQ_AUTH)
        r = mq_reason(&body, out);
    if (r.status != DX_OK)
        return r;
    return ap_reply_done(c, out, out->consumed, 0);
}

/* CONNECT (§3.1): protocol name and level, flags, keep alive, [properties],
 * client id, [will properties, will topic, will payload], [user name],
 * [password: not read]. */
static dx_result mq_connect(cur_t *p, ap_reply *out)
{
    ap_view name, id, v;
    uint8_t level = 0, flags = 0;
    uint16_t keep = 0;
    if (!mq_string(p, &name) || !cur_get_u8(p, &level) || !cur_get_u8(p, &flags) || !cur_get_u16(p, &keep))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    bool named = (name.n == 4 && memcmp(name.p, "MQTT", 4) == 0 && (level == 4 || level == 5)) ||
                 (name.n == 6 && memcmp(name.p, "MQIsdp", 6) == 0 && level == 3);
    if (!named || (flags & MQ_FLAG_RESERVED))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    out->code = level;
    out->message = name.p;
    out->message_len = name.n;
    dx_result r = dx_ok();
    if (level == 5 && (r = mq_properties(p, NULL)).status != DX_OK)
        return r;
    if (!mq_string(p, &id))
        return dx_malformed(DXE_APP, cur_abs_offset(p));
    out->target = id.p;
    out->target_len = id.n;
    if (flags & MQ_FLAG_WILL) {
        if (level == 5 && (r = mq_properties(p, NULL)).status != DX_OK)
            return r;
        if (!mq_string(p, &v) || !mq_string(p, &v))
            return dx_malformed(DXE_APP, cur_abs_offset(p));
    }
    if (flags & MQ_FLAG_USER) {
        if (!mq_string(p, &v))
            return dx_malformed(DXE_APP, cur_abs_offset(p));
        out->user = v.p;
        out->user_len = v.n;
    }
    return dx_ok();
}

dx_result ap_mqtt_client(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    const mq_type_row *row = NULL;
    cur_t body;
    dx_result r = mq_frame(c, mq_client_types, MTLS_ARRAY_LEN(mq_client_types), AP_MQTT, out, &row, &body);
    if (r.status != DX_OK || out->skip)
        return r;
    if (row->type == MQ_CONNECT && (r = mq_connect(&body, out)).status != DX_OK)
        return r;
    return ap_reply_done(c, out, out->consumed, 0);
}

bool ap_mqtt_sniff_client(const cur_t *c)
{
    cur_t k = *c;
    uint8_t h = 0;
    uint32_t rl = 0;
    ap_view name;
    if (!cur_get_u8(&k, &h) || h != (MQ_CONNECT << 4) || mq_varint(&k, &rl).status != DX_OK || !mq_string(&k, &name))
        return false;
    return (name.n == 4 && memcmp(name.p, "MQTT", 4) == 0) || (name.n == 6 && memcmp(name.p, "MQIsdp", 6) == 0);
}
