/*
 * app_redis.c — Redis serialization protocol (RESP2 and RESP3, redis.io
 * "Redis serialization protocol specification"): the server's replies, the
 * client's commands as arrays of bulk strings or inline lines. See
 * app_reply.h for the outcome table.
 */
#include "app_util.h"

#include <string.h>

#define RESP_MAX_COUNT 1024u     /* client command arguments we accept */
#define RESP_MAX_BULK 536870912u /* Redis's proto-max-bulk-len default (512 MB) */

typedef enum { R_LINE, R_BLOB, R_AGG } resp_shape;

static const struct resp_row {
    uint8_t type;
    const char *kind;
    resp_shape shape;
    ap_outcome outcome; /* errors are classified by resp_error_outcome */
} resp_types[] = {
    {'+', "simple string", R_LINE, AP_ACCEPTED},
    {'-', "simple error", R_LINE, AP_ERROR},
    {':', "integer", R_LINE, AP_ACCEPTED},
    {'$', "bulk string", R_BLOB, AP_ACCEPTED},
    {'*', "array", R_AGG, AP_ACCEPTED},
    {'_', "null", R_LINE, AP_ACCEPTED},
    {'#', "boolean", R_LINE, AP_ACCEPTED},
    {',', "double", R_LINE, AP_ACCEPTED},
    {'(', "big number", R_LINE, AP_ACCEPTED},
    {'!', "blob error", R_BLOB, AP_ERROR},
    {'=', "verbatim string", R_BLOB, AP_ACCEPTED},
    {'%', "map", R_AGG, AP_ACCEPTED},
    {'~', "set", R_AGG, AP_ACCEPTED},
    {'>', "push", R_AGG, AP_ACCEPTED},
    {'|', "attribute", R_AGG, AP_INFO},
};

/* Error prefixes that refuse the client. */
static const char *const resp_refusing_prefixes[] = {"NOAUTH", "WRONGPASS", "NOPERM", "DENIED"};
/* Words of an ERR that name a refused login (ASCII case ignored). */
static const char *const resp_refusing_words[] = {"invalid password", "invalid username-password"};

/* Commands that only Redis sends inline (the mail protocols' verbs differ). */
static const char *const resp_inline_verbs[] = {
    "PING",   "HELLO", "CLIENT", "INFO",    "ECHO",      "COMMAND", "SELECT", "GET",    "SET",    "DEL",
    "EXISTS", "KEYS",  "SCAN",   "MONITOR", "SUBSCRIBE", "PUBLISH", "ACL",    "CONFIG", "DBSIZE", "ROLE"};

static ap_outcome resp_error_outcome(ap_view text, ap_view prefix)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(resp_refusing_prefixes); i++)
        if (ap_ieq(prefix, resp_refusing_prefixes[i]))
            return AP_REFUSED_AUTH;
    if (!ap_ieq(prefix, "ERR"))
        return AP_ERROR;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(resp_refusing_words); i++)
        if (ap_has_ci(text, resp_refusing_words[i]))
            return AP_REFUSED_AUTH;
    cur_t lc;
    cur_init(&lc, text.p, text.n);
    ap_view w1, w2, w3;
    bool unknown_cmd = ap_next_word(&lc, &w1) && ap_next_word(&lc, &w2) && ap_next_word(&lc, &w3) &&
                       ap_ieq(w2, "unknown") && ap_ieq(w3, "command");
    return !unknown_cmd && ap_has_word(text, "AUTH") ? AP_REFUSED_AUTH : AP_ERROR;
}

/* An error's text: the prefix (first word) to target, the text to message. */
static void resp_error(ap_view text, ap_reply *out)
{
    cur_t lc;
    cur_init(&lc, text.p, text.n);
    ap_view prefix = {NULL, 0};
    if (ap_next_word(&lc, &prefix)) {
        out->target = prefix.p;
        out->target_len = prefix.n;
    }
    out->message = text.p;
    out->message_len = text.n;
    out->outcome = resp_error_outcome(text, prefix);
}

/* A decimal integer with an optional '-' (at most 18 digits). */
static bool resp_number(ap_view v, int64_t *out)
{
    size_t i = 0;
    bool neg = v.n > 0 && v.p[0] == '-';
    if (neg || (v.n > 0 && v.p[0] == '+'))
        i = 1;
    if (i == v.n || v.n - i > 18)
        return false;
    int64_t x = 0;
    for (; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        x = x * 10 + (v.p[i] - '0');
    }
    *out = neg ? -x : x;
    return true;
}

/* A big number: an optional sign and digits, any count. */
static bool resp_big_number(ap_view v)
{
    cur_t k;
    uint8_t b = 0;
    cur_init(&k, v.p, v.n);
    if (cur_peek_u8(&k, 0, &b) && (b == '-' || b == '+') && !cur_skip(&k, 1))
        return false;
    if (cur_at_end(&k))
        return false;
    while (cur_get_u8(&k, &b))
        if (b < '0' || b > '9')
            return false;
    return true;
}

static bool resp_line_valid(uint8_t type, ap_view text)
{
    int64_t n = 0;
    switch (type) {
    case ':': return resp_number(text, &n);
    case '(': return resp_big_number(text);
    case '#': return text.n == 1 && (text.p[0] == 't' || text.p[0] == 'f');
    case '_': return text.n == 0;
    case ',': return text.n > 0;
    default: return true;
    }
}

/* A blob ('$', '=', '!') after its header line of hlen bytes, length n. */
static dx_result resp_blob(cur_t *c, const struct resp_row *row, size_t hlen, int64_t n, ap_reply *out)
{
    if (n < 0) /* RESP2 null bulk string */
        return ap_reply_done(c, out, hlen, 0);
    size_t whole = hlen + (size_t)n + 2;
    bool read = row->type == '!';
    if (read && whole > AP_MAX_MESSAGE)
        return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
    if (cur_remaining(c) < whole) {
        if (read)
            return dx_need_more(whole - cur_remaining(c));
        return ap_reply_done(c, out, hlen, (size_t)n + 2); /* the header decided */
    }
    cur_t k = *c;
    const uint8_t *payload = NULL;
    uint16_t crlf = 0;
    if (!cur_skip(&k, hlen) || !cur_get_bytes(&k, (size_t)n, &payload) || !cur_get_u16(&k, &crlf) || crlf != 0x0d0a)
        return dx_malformed(DXE_APP, cur_abs_offset(c) + whole - 2);
    if (read)
        resp_error((ap_view){payload, (size_t)n}, out);
    return ap_reply_done(c, out, whole, 0);
}

dx_result ap_redis_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    uint8_t type = 0;
    if (!cur_peek_u8(c, 0, &type))
        return dx_need_more(1);
    const struct resp_row *row = NULL;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(resp_types); i++)
        if (resp_types[i].type == type)
            row = &resp_types[i];
    if (!row)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    size_t len = 0, total = 0;
    dx_result r = ap_line_at(c, 1, true, &len, &total);
    if (r.status != DX_OK)
        return r;
    cur_t k = *c;
    ap_view line = {NULL, len}, text = {NULL, len - 1};
    if (!cur_get_bytes(&k, len, &line.p))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    cur_t lk;
    cur_init(&lk, line.p, line.n);
    if (!cur_skip(&lk, 1) || !cur_get_bytes(&lk, text.n, &text.p))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_reply_start(out, AP_REDIS, row->kind);
    out->outcome = row->outcome;
    out->line = line.p;
    out->line_len = line.n;
    int64_t n = 0;
    switch (row->shape) {
    case R_LINE:
        if (!resp_line_valid(type, text))
            return dx_malformed(DXE_APP, cur_abs_offset(c) + 1);
        if (type == '-')
            resp_error(text, out);
        else if (type == '+') {
            out->message = text.p;
            out->message_len = text.n;
        }
        return ap_reply_done(c, out, total, 0);
    case R_BLOB:
        if (!resp_number(text, &n) || n < -1 || n > (int64_t)RESP_MAX_BULK)
            return dx_malformed(DXE_APP, cur_abs_offset(c) + 1);
        return resp_blob(c, row, total, n, out);
    default: /* aggregates: the header; the elements are values of their own */
        if (!resp_number(text, &n) || n < -1)
            return dx_malformed(DXE_APP, cur_abs_offset(c) + 1);
        return ap_reply_done(c, out, total, 0);
    }
}

/* The user of AUTH user pass, or of HELLO protover ... AUTH user pass:
 * args[0] is the command. Returns the index of the user argument or 0. */
static size_t resp_auth_user(const ap_view *args, size_t n)
{
    if (n == 0)
        return 0;
    if (ap_ieq(args[0], "AUTH"))
        return n == 3 ? 1 : 0;
    if (ap_ieq(args[0], "HELLO"))
        for (size_t i = 2; i + 2 < n; i++)
            if (ap_ieq(args[i], "AUTH"))
                return i + 1;
    return 0;
}

#define RESP_ARGS_KEPT 8u

/* A header line "<type>number\r\n" at k (consumed): the number. */
static dx_result resp_header(cur_t *k, uint8_t type, int64_t *n)
{
    size_t len = 0, total = 0;
    uint8_t t = 0;
    const uint8_t *digits = NULL;
    dx_result r = ap_line_at(k, 1, true, &len, &total);
    if (r.status != DX_OK)
        return r;
    size_t at = cur_abs_offset(k);
    if (!cur_get_u8(k, &t) || t != type || !cur_get_bytes(k, len - 1, &digits) || !cur_skip(k, total - len) ||
        !resp_number((ap_view){digits, len - 1}, n))
        return dx_malformed(DXE_APP, at);
    return dx_ok();
}

/* One bulk string argument of a client command at k (consumed). */
static dx_result resp_bulk_arg(cur_t *k, ap_view *arg)
{
    int64_t n = 0;
    uint8_t t = 0;
    uint16_t crlf = 0;
    if (!cur_peek_u8(k, 0, &t))
        return dx_need_more(1);
    if (t != '$')
        return dx_malformed(DXE_APP, cur_abs_offset(k));
    dx_result r = resp_header(k, '$', &n);
    if (r.status != DX_OK)
        return r;
    if (n < 0 || n > (int64_t)AP_MAX_MESSAGE)
        return n < 0 ? dx_malformed(DXE_APP, cur_abs_offset(k)) : dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(k));
    if (cur_remaining(k) < (size_t)n + 2)
        return dx_need_more((size_t)n + 2 - cur_remaining(k));
    arg->n = (size_t)n;
    if (!cur_get_bytes(k, arg->n, &arg->p) || !cur_get_u16(k, &crlf) || crlf != 0x0d0a)
        return dx_malformed(DXE_APP, cur_abs_offset(k));
    return dx_ok();
}

/* "*N\r\n" then N bulk strings, AP_MAX_MESSAGE bytes at most. */
static dx_result resp_array(cur_t *c, ap_reply *out)
{
    cur_t k = *c;
    int64_t count = 0;
    dx_result r = resp_header(&k, '*', &count);
    if (r.status != DX_OK)
        return r;
    if (count < 1 || count > (int64_t)RESP_MAX_COUNT)
        return dx_malformed(DXE_APP, cur_abs_offset(c) + 1);
    ap_view args[RESP_ARGS_KEPT], arg;
    for (int64_t i = 0; i < count; i++) {
        r = resp_bulk_arg(&k, &arg);
        if (k.off - c->off > AP_MAX_MESSAGE)
            return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
        if (r.status == DX_NEED_MORE && cur_remaining(c) >= AP_MAX_MESSAGE)
            return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
        if (r.status != DX_OK)
            return r;
        if ((size_t)i < RESP_ARGS_KEPT)
            args[i] = arg;
    }
    size_t kept = (size_t)count < RESP_ARGS_KEPT ? (size_t)count : RESP_ARGS_KEPT;
    ap_reply_start(out, AP_REDIS, "command");
    out->code = (uint32_t)count;
    out->target = args[0].p;
    out->target_len = args[0].n;
    size_t u = resp_auth_user(args, kept);
    if (u) {
        out->user = args[u].p;
        out->user_len = args[u].n;
    }
    return ap_reply_done(c, out, k.off - c->off, 0);
}

/* An inline command line: the line is cut after the command name, or after
 * the user of AUTH user pass / HELLO ... AUTH user pass. */
static dx_result resp_inline(cur_t *c, ap_reply *out)
{
    size_t len = 0, total = 0;
    dx_result r = ap_line_at(c, 0, false, &len, &total);
    if (r.status != DX_OK)
        return r;
    cur_t lc;
    cur_init(&lc, cur_ptr(c), len);
    ap_view args[RESP_ARGS_KEPT], extra;
    size_t end[RESP_ARGS_KEPT], n = 0;
    while (n < RESP_ARGS_KEPT && ap_next_word(&lc, &args[n]))
        end[n++] = lc.off;
    size_t words = n;
    while (ap_next_word(&lc, &extra))
        words++;
    if (n == 0 || !ap_printable(args[0]))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_reply_start(out, AP_REDIS, "inline command");
    out->code = (uint32_t)words;
    out->target = args[0].p;
    out->target_len = args[0].n;
    size_t u = resp_auth_user(args, words <= RESP_ARGS_KEPT ? n : 0);
    out->line = cur_ptr(c);
    out->line_len = end[0];
    if (u) {
        out->user = args[u].p;
        out->user_len = args[u].n;
        out->line_len = end[u];
    }
    return ap_reply_done(c, out, total, 0);
}

dx_result ap_redis_client(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    uint8_t t = 0;
    if (!cur_peek_u8(c, 0, &t))
        return dx_need_more(1);
    return t == '*' ? resp_array(c, out) : resp_inline(c, out);
}

bool ap_redis_sniff_client(const cur_t *c)
{
    size_t len = 0, total = 0;
    uint8_t t = 0, d = 0;
    if (!cur_peek_u8(c, 0, &t))
        return false;
    if (t == '*') { /* "*N\r\n$" */
        return cur_peek_u8(c, 1, &d) && d >= '1' && d <= '9' && ap_line_at(c, 1, true, &len, &total).status == DX_OK &&
               cur_peek_u8(c, total, &d) && d == '$';
    }
    if (ap_line_at(c, 0, false, &len, &total).status != DX_OK)
        return false;
    ap_view line = {cur_ptr(c), len};
    cur_t lc;
    cur_init(&lc, line.p, len);
    ap_view verb, arg = {NULL, 0};
    if (!ap_next_word(&lc, &verb))
        return false;
    bool has_arg = ap_next_word(&lc, &arg);
    if (ap_has_word((ap_view){line.p, len}, "HTTP/1.1") || ap_has_word((ap_view){line.p, len}, "HTTP/1.0"))
        return false;         /* an HTTP request line */
    if (ap_ieq(verb, "AUTH")) /* AUTH <SASL mechanism> is SMTP or POP3 */
        return has_arg && !ap_sasl_mechanism(arg);
    for (size_t i = 0; i < MTLS_ARRAY_LEN(resp_inline_verbs); i++)
        if (ap_ieq(verb, resp_inline_verbs[i]))
            return true;
    return false;
}
