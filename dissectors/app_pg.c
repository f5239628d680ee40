/*
 * app_pg.c — PostgreSQL frontend/backend protocol 3.x after the TLS
 * handshake: the client's StartupMessage and the server's typed messages
 * (Authentication*, ErrorResponse, ParameterStatus, ReadyForQuery, ...).
 * See app_reply.h for the outcome table. Message formats: PostgreSQL
 * documentation, "Message Formats" and "Error and Notice Message Fields".
 */
#include "app_util.h"

#include <string.h>

#define PG_STARTUP_MAX 10000u     /* the server's own limit on a StartupMessage */
#define PG_MAX_LENGTH 0x3fffffffu /* no message is longer than PostgreSQL's largest allocation (1 GB) */
#define PG_PROTO_MAJOR 3u
#define PG_CANCEL_REQUEST 80877102u
#define PG_SSL_REQUEST 80877103u
#define PG_GSSENC_REQUEST 80877104u

/* Backend message types: name, whether we read the body, outcome. */
static const struct pg_type_row {
    uint8_t type;
    const char *kind;
    bool read_body;
    ap_outcome outcome;
} pg_backend[] = {
    {'R', "Authentication", true, AP_INFO},
    {'E', "ErrorResponse", true, AP_ERROR},
    {'N', "NoticeResponse", true, AP_INFO},
    {'S', "ParameterStatus", true, AP_INFO},
    {'K', "BackendKeyData", false, AP_INFO},
    {'Z', "ReadyForQuery", true, AP_ACCEPTED},
    {'v', "NegotiateProtocolVersion", false, AP_INFO},
    {'C', "CommandComplete", false, AP_INFO},
    {'D', "DataRow", false, AP_INFO},
    {'T', "RowDescription", false, AP_INFO},
    {'I', "EmptyQueryResponse", false, AP_INFO},
    {'1', "ParseComplete", false, AP_INFO},
    {'2', "BindComplete", false, AP_INFO},
    {'3', "CloseComplete", false, AP_INFO},
    {'n', "NoData", false, AP_INFO},
    {'s', "PortalSuspended", false, AP_INFO},
    {'t', "ParameterDescription", false, AP_INFO},
    {'c', "CopyDone", false, AP_INFO},
    {'d', "CopyData", false, AP_INFO},
    {'G', "CopyInResponse", false, AP_INFO},
    {'H', "CopyOutResponse", false, AP_INFO},
    {'W', "CopyBothResponse", false, AP_INFO},
    {'A', "NotificationResponse", false, AP_INFO},
    {'V', "FunctionCallResponse", false, AP_INFO},
};

/* Frontend typed messages (after the StartupMessage): never read, a
 * password or a query may hold secrets. */
static const struct pg_type_row pg_frontend[] = {
    {'p', "PasswordMessage", false, AP_INFO}, /* also SASLInitialResponse, SASLResponse, GSSResponse */
    {'Q', "Query", false, AP_INFO},           {'P', "Parse", false, AP_INFO},    {'B', "Bind", false, AP_INFO},
    {'E', "Execute", false, AP_INFO},         {'D', "Describe", false, AP_INFO}, {'C', "Close", false, AP_INFO},
    {'H', "Flush", false, AP_INFO},           {'S', "Sync", false, AP_INFO},     {'X', "Terminate", false, AP_INFO},
    {'F', "FunctionCall", false, AP_INFO},    {'d', "CopyData", false, AP_INFO}, {'c', "CopyDone", false, AP_INFO},
    {'f', "CopyFail", false, AP_INFO},
};

/* Authentication request codes. */
static const struct {
    uint32_t code;
    const char *kind;
    ap_outcome outcome;
} pg_auth[] = {
    {0, "AuthenticationOk", AP_ACCEPTED},
    {2, "AuthenticationKerberosV5", AP_INFO},
    {3, "AuthenticationCleartextPassword", AP_INFO},
    {5, "AuthenticationMD5Password", AP_INFO},
    {7, "AuthenticationGSS", AP_INFO},
    {8, "AuthenticationGSSContinue", AP_INFO},
    {9, "AuthenticationSSPI", AP_INFO},
    {10, "AuthenticationSASL", AP_INFO},
    {11, "AuthenticationSASLContinue", AP_INFO},
    {12, "AuthenticationSASLFinal", AP_INFO},
};

/* SQLSTATEs of an ErrorResponse, first match wins: a 2-character row is a
 * class. fatal_only: the row applies to FATAL/PANIC only (an ERROR 42501 in
 * a query is a permission the session lacks, not a refused login). */
static const struct pg_state_row {
    const char *state;
    const char *name;
    bool fatal_only;
    ap_outcome outcome;
} pg_states[] = {
    {"28000", "invalid_authorization_specification", false, AP_REFUSED_AUTH},
    {"28P01", "invalid_password", false, AP_REFUSED_AUTH},
    {"28", NULL, false, AP_REFUSED_AUTH},
    {"42501", "insufficient_privilege", true, AP_REFUSED_AUTH},
    {"3D000", "invalid_catalog_name", false, AP_ERROR},
    {"53300", "too_many_connections", false, AP_ERROR},
    {"57P03", "cannot_connect_now", false, AP_ERROR},
    {"57P01", "admin_shutdown", false, AP_ERROR},
    {"08P01", "protocol_violation", false, AP_ERROR},
    {"08004", "sqlserver_rejected_establishment_of_sqlconnection", false, AP_ERROR},
    {"0A000", "feature_not_supported", false, AP_ERROR},
    {"53200", "out_of_memory", false, AP_ERROR},
    {"XX000", "internal_error", false, AP_ERROR},
};

static const struct pg_type_row *find_type(const struct pg_type_row *t, size_t n, uint8_t type)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].type == type)
            return &t[i];
    return NULL;
}

const char *ap_pg_code_name(const ap_reply *r)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(pg_states); i++)
        if (pg_states[i].name && strcmp(pg_states[i].state, r->state) == 0)
            return pg_states[i].name;
    return NULL;
}

static ap_outcome state_outcome(const char *state, bool fatal)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(pg_states); i++) {
        const struct pg_state_row *r = &pg_states[i];
        if (strncmp(state, r->state, strlen(r->state)) != 0 || (r->fatal_only && !fatal))
            continue;
        return r->outcome;
    }
    return AP_ERROR;
}

/* ErrorResponse / NoticeResponse: fields of a type byte and a string, then 0. */
static dx_result pg_fields(cur_t *b, ap_reply *out, bool error)
{
    ap_view sev_s = {NULL, 0}, sev_v = {NULL, 0};
    for (;;) {
        uint8_t f = 0;
        ap_view v;
        if (!cur_get_u8(b, &f))
            return dx_malformed(DXE_APP, cur_abs_offset(b));
        if (f == 0)
            break;
        if (!ap_get_cstring(b, &v))
            return dx_malformed(DXE_APP, cur_abs_offset(b));
        if (f == 'S')
            sev_s = v;
        else if (f == 'V')
            sev_v = v;
        else if (f == 'C')
            ap_set_state(out, v);
        else if (f == 'M') {
            out->message = v.p;
            out->message_len = v.n;
        }
    }
    if (!cur_at_end(b))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(b));
    ap_view sev = sev_v.p ? sev_v : sev_s;
    out->target = sev.p;
    out->target_len = sev.n;
    if (error)
        out->outcome = state_outcome(out->state, ap_ieq(sev, "FATAL") || ap_ieq(sev, "PANIC"));
    return dx_ok();
}

static dx_result pg_authentication(cur_t *b, ap_reply *out)
{
    uint32_t code = 0;
    if (!cur_get_u32(b, &code))
        return dx_malformed(DXE_APP, cur_abs_offset(b));
    out->code = code;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(pg_auth); i++)
        if (pg_auth[i].code == code) {
            out->kind = pg_auth[i].kind;
            out->outcome = pg_auth[i].outcome;
        }
    ap_view mech;
    if (code == 10 && ap_get_cstring(b, &mech) && mech.n) {
        out->target = mech.p;
        out->target_len = mech.n;
    }
    return dx_ok();
}

static dx_result pg_parameter_status(cur_t *b, ap_reply *out)
{
    ap_view name, value;
    if (!ap_get_cstring(b, &name) || !ap_get_cstring(b, &value))
        return dx_malformed(DXE_APP, cur_abs_offset(b));
    out->target = name.p;
    out->target_len = name.n;
    out->message = value.p;
    out->message_len = value.n;
    return dx_ok();
}

/*
 * One typed message (type byte, int32 length including itself) from the
 * table t. read_body rows must be whole; the others are whole when present,
 * else header + skip.
 */
static dx_result pg_typed(cur_t *c, const struct pg_type_row *t, size_t tn, ap_reply *out,
                          const struct pg_type_row **row)
{
    cur_t k = *c;
    uint8_t type = 0;
    uint32_t len = 0;
    if (!cur_get_u8(&k, &type))
        return dx_need_more(5);
    *row = find_type(t, tn, type);
    if (!*row)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    if (!cur_get_u32(&k, &len))
        return dx_need_more(5 - cur_remaining(c));
    if (len < 4 || len > PG_MAX_LENGTH)
        return dx_malformed(DXE_APP, cur_abs_offset(c) + 1);
    size_t total = (size_t)len + 1;
    ap_reply_start(out, AP_POSTGRES, (*row)->kind);
    out->outcome = (*row)->outcome;
    if ((*row)->read_body && total > AP_MAX_MESSAGE)
        return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c) + 1);
    if (cur_remaining(c) < total) {
        if ((*row)->read_body)
            return dx_need_more(total - cur_remaining(c));
        return ap_reply_done(c, out, 5, total - 5);
    }
    out->consumed = total;
    return dx_ok();
}

dx_result ap_pg_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    const struct pg_type_row *row = NULL;
    dx_result r = pg_typed(c, pg_backend, MTLS_ARRAY_LEN(pg_backend), out, &row);
    if (r.status != DX_OK || out->skip) /* incomplete, or a header that decided */
        return r;
    size_t total = out->consumed;
    cur_t k = *c, body;
    if (!cur_skip(&k, 5) || !cur_get_sub(&k, total - 5, &body))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    switch (row->type) {
    case 'R': r = pg_authentication(&body, out); break;
    case 'E':
    case 'N': r = pg_fields(&body, out, row->type == 'E'); break;
    case 'S': r = pg_parameter_status(&body, out); break;
    case 'Z': r = cur_remaining(&body) == 1 ? dx_ok() : dx_malformed(DXE_APP, cur_abs_offset(&body)); break;
    default: break;
    }
    if (r.status != DX_OK)
        return r;
    return ap_reply_done(c, out, total, 0);
}

/* StartupMessage (or SSLRequest, GSSENCRequest, CancelRequest): int32
 * length, int32 code, then for a StartupMessage name/value strings and a 0. */
static dx_result pg_startup(cur_t *c, ap_reply *out)
{
    cur_t k = *c;
    uint32_t len = 0, code = 0;
    if (!cur_get_u32(&k, &len) || !cur_get_u32(&k, &code))
        return dx_need_more(8 - cur_remaining(c));
    if (len < 8 || len > PG_STARTUP_MAX)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    if (cur_remaining(c) < len)
        return dx_need_more(len - cur_remaining(c));
    cur_t body;
    if (!cur_get_sub(&k, len - 8, &body))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_reply_start(out, AP_POSTGRES, "StartupMessage");
    out->code = code;
    if (code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST || code == PG_CANCEL_REQUEST) {
        out->kind = code == PG_SSL_REQUEST      ? "SSLRequest"
                    : code == PG_GSSENC_REQUEST ? "GSSENCRequest"
                                                : "CancelRequest";
        return ap_reply_done(c, out, len, 0);
    }
    if (code >> 16 != PG_PROTO_MAJOR)
        return dx_malformed(DXE_APP, cur_abs_offset(c) + 4);
    for (;;) {
        ap_view name, value;
        if (!ap_get_cstring(&body, &name))
            return dx_malformed(DXE_APP, cur_abs_offset(&body));
        if (name.n == 0)
            break;
        if (!ap_get_cstring(&body, &value))
            return dx_malformed(DXE_APP, cur_abs_offset(&body));
        if (ap_ieq(name, "user")) {
            out->user = value.p;
            out->user_len = value.n;
        } else if (ap_ieq(name, "database")) {
            out->target = value.p;
            out->target_len = value.n;
        }
    }
    if (!cur_at_end(&body))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&body));
    return ap_reply_done(c, out, len, 0);
}

dx_result ap_pg_client(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    uint8_t first = 0;
    if (!cur_peek_u8(c, 0, &first))
        return dx_need_more(8);
    if (first == 0) /* a length below 2^24: untyped StartupMessage and friends */
        return pg_startup(c, out);
    const struct pg_type_row *row = NULL;
    dx_result r = pg_typed(c, pg_frontend, MTLS_ARRAY_LEN(pg_frontend), out, &row);
    if (r.status != DX_OK || out->skip)
        return r;
    return ap_reply_done(c, out, out->consumed, 0);
}

bool ap_pg_sniff_client(const cur_t *c)
{
    cur_t k = *c;
    uint32_t len = 0, code = 0;
    if (!cur_get_u32(&k, &len) || !cur_get_u32(&k, &code))
        return false;
    return len >= 8 && len <= PG_STARTUP_MAX && code >> 16 == PG_PROTO_MAJOR && (code & 0xffff) < 16;
}
