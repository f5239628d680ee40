/* app_reply.c — protocol table, sniffing, the client context and the shared
 * helpers of the application-protocol parsers (see app_reply.h). */
#include "app_reply_int.h"

#include <string.h>

/* ---- the protocol table -------------------------------------------------- */

typedef dx_result (*ap_parse_fn)(const ap_ctx *ctx, cur_t *c, ap_reply *out);

static const struct ap_proto_row {
    ap_proto proto;
    const char *name;
    ap_parse_fn server, client;
} ap_protos[] = {
    {AP_NONE, "none", NULL, NULL},
    {AP_POSTGRES, "postgresql", ap_pg_server, ap_pg_client},
    {AP_MYSQL, "mysql", ap_mysql_server, ap_mysql_client},
    {AP_MQTT, "mqtt", ap_mqtt_server, ap_mqtt_client},
    {AP_REDIS, "redis", ap_redis_server, ap_redis_client},
    {AP_LDAP, "ldap", ap_ldap_server, ap_ldap_client},
    {AP_SMTP, "smtp", ap_smtp_server, ap_mail_client},
    {AP_IMAP, "imap", ap_imap_server, ap_mail_client},
    {AP_POP3, "pop3", ap_pop3_server, ap_mail_client},
};
MTLS_STATIC_ASSERT(MTLS_ARRAY_LEN(ap_protos) == AP__COUNT, "ap_protos out of sync with ap_proto");

const char *ap_proto_name(ap_proto p)
{
    if ((unsigned)p < AP__COUNT)
        return ap_protos[p].name;
    return "none";
}

const char *ap_outcome_name(ap_outcome o)
{
    static const char *const names[] = {"unknown", "info", "accepted", "refused_auth", "error"};
    if ((unsigned)o < MTLS_ARRAY_LEN(names))
        return names[o];
    return "unknown";
}

const char *ap_reply_code_name(const ap_reply *r)
{
    switch (r->proto) {
    case AP_POSTGRES:
        return ap_pg_state_name(r->state);
    case AP_MYSQL:
        return r->code ? ap_mysql_code_name(r->code) : NULL;
    case AP_MQTT:
        return ap_mqtt_code_name(r->code);
    case AP_LDAP:
        return ap_ldap_code_name(r->code);
    default:
        return NULL;
    }
}

/* ---- hints: the STARTTLS prologue and ALPN ------------------------------- */

/* Names as src/tls/starttls.c gives them; a prologue of another protocol
 * (xmpp, irc, nntp, sieve, ftp) means none of ours. */
static const struct {
    const char *name;
    ap_proto proto;
} starttls_map[] = {
    {"postgresql", AP_POSTGRES}, {"mysql", AP_MYSQL}, {"ldap", AP_LDAP},
    {"smtp", AP_SMTP},           {"imap", AP_IMAP},   {"pop3", AP_POP3},
};

/* ALPN ids: IANA-registered ones of ours, the MQTT ids in use, and the
 * registered ids of other protocols (AP_NONE: parsed elsewhere or not at
 * all). An id not listed leaves the decision to the bytes. */
static const struct {
    const char *id;
    ap_proto proto;
} alpn_map[] = {
    {"postgresql", AP_POSTGRES},
    {"imap", AP_IMAP},
    {"pop3", AP_POP3},
    {"mqtt", AP_MQTT},
    {"x-amzn-mqtt-ca", AP_MQTT},
    {"http/0.9", AP_NONE},
    {"http/1.0", AP_NONE},
    {"http/1.1", AP_NONE},
    {"h2", AP_NONE},
    {"h2c", AP_NONE},
    {"h3", AP_NONE},
    {"spdy/1", AP_NONE},
    {"spdy/2", AP_NONE},
    {"spdy/3", AP_NONE},
    {"ftp", AP_NONE},
    {"managesieve", AP_NONE},
    {"xmpp-client", AP_NONE},
    {"xmpp-server", AP_NONE},
    {"dot", AP_NONE},
    {"acme-tls/1", AP_NONE},
    {"webrtc", AP_NONE},
    {"c-webrtc", AP_NONE},
    {"coap", AP_NONE},
    {"irc", AP_NONE},
    {"nntp", AP_NONE},
    {"nnsp", AP_NONE},
    {"sunrpc", AP_NONE},
    {"smb", AP_NONE},
    {"tds/8.0", AP_NONE},
};

/* true when a hint decided (*out set). */
static bool from_hints(const char *starttls_hint, const char *alpn, ap_proto *out)
{
    if (starttls_hint && starttls_hint[0]) {
        *out = AP_NONE;
        for (size_t i = 0; i < MTLS_ARRAY_LEN(starttls_map); i++)
            if (strcmp(starttls_hint, starttls_map[i].name) == 0)
                *out = starttls_map[i].proto;
        return true;
    }
    if (alpn && alpn[0]) {
        for (size_t i = 0; i < MTLS_ARRAY_LEN(alpn_map); i++)
            if (strcmp(alpn, alpn_map[i].id) == 0) {
                *out = alpn_map[i].proto;
                return true;
            }
    }
    return false;
}

ap_proto ap_sniff_client(const uint8_t *p, size_t n, const char *starttls_hint, const char *alpn)
{
    ap_proto hinted;
    if (from_hints(starttls_hint, alpn, &hinted))
        return hinted;
    cur_t c;
    cur_init(&c, p, n);
    if (ap_pg_sniff_client(&c))
        return AP_POSTGRES;
    if (ap_mysql_sniff_client(&c))
        return AP_MYSQL;
    if (ap_mqtt_sniff_client(&c))
        return AP_MQTT;
    if (ap_ldap_sniff_client(&c))
        return AP_LDAP;
    if (ap_redis_sniff_client(&c))
        return AP_REDIS;
    return ap_text_sniff_client(&c);
}

ap_proto ap_sniff_server(const uint8_t *p, size_t n, const char *starttls_hint, const char *alpn)
{
    ap_proto hinted;
    if (from_hints(starttls_hint, alpn, &hinted))
        return hinted;
    cur_t c;
    cur_init(&c, p, n);
    if (ap_mysql_sniff_server(&c))
        return AP_MYSQL;
    return ap_mail_sniff_server(&c);
}

/* ---- the client context -------------------------------------------------- */

void ap_ctx_init(ap_ctx *ctx, ap_proto proto)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->proto = proto;
}

/* The words of a mail command line after the verb (the IMAP tag and verb
 * already skipped by the caller). */
static size_t count_words(cur_t *lc)
{
    size_t k = 0;
    ap_view w;
    while (ap_next_word(lc, &w))
        k++;
    return k;
}

static void note_imap(ap_ctx *ctx, const ap_reply *m, ap_view verb)
{
    cur_t lc;
    cur_init(&lc, m->line, m->line_len);
    ap_view tag = {NULL, 0};
    if (!ap_next_word(&lc, &tag))
        return;
    if (ap_ieq(verb, "LOGIN") || ap_ieq(verb, "AUTHENTICATE")) {
        ctx->auth_tag_len = 0;
        if (tag.n < sizeof(ctx->auth_tag)) {
            memcpy(ctx->auth_tag, tag.p, tag.n);
            ctx->auth_tag[tag.n] = '\0';
            ctx->auth_tag_len = (uint8_t)tag.n;
        }
    }
    ctx->last_quit = ap_ieq(verb, "LOGOUT");
}

static void note_pop3(ap_ctx *ctx, const ap_reply *m, ap_view verb)
{
    cur_t lc;
    cur_init(&lc, m->line, m->line_len);
    ap_view w;
    if (!ap_next_word(&lc, &w))
        return;
    size_t args = count_words(&lc);
    ctx->last_auth = ap_ieq(verb, "PASS") || ap_ieq(verb, "APOP") || (ap_ieq(verb, "AUTH") && args > 0);
    ctx->last_quit = ap_ieq(verb, "QUIT");
    ctx->last_multiline = ap_ieq(verb, "CAPA") || ap_ieq(verb, "RETR") || ap_ieq(verb, "TOP") ||
                          ((ap_ieq(verb, "LIST") || ap_ieq(verb, "UIDL") || ap_ieq(verb, "AUTH")) && args == 0);
}

void ap_ctx_note_client(ap_ctx *ctx, const ap_reply *m)
{
    if (m->proto != ctx->proto || !m->kind)
        return;
    ctx->client_seen = true;
    if (ctx->proto == AP_MQTT) {
        if (strcmp(m->kind, "CONNECT") == 0 && m->code <= 0xff)
            ctx->mqtt_level = (uint8_t)m->code;
        return;
    }
    ap_view verb = {m->target, m->target_len};
    if (!m->line || !verb.p)
        return;
    if (ctx->proto == AP_IMAP)
        note_imap(ctx, m, verb);
    else if (ctx->proto == AP_POP3)
        note_pop3(ctx, m, verb);
    else if (ctx->proto == AP_SMTP)
        ctx->last_quit = ap_ieq(verb, "QUIT");
}

/* ---- dispatch ------------------------------------------------------------- */

dx_result ap_parse_server_ctx(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    if ((unsigned)ctx->proto >= AP__COUNT || !ap_protos[ctx->proto].server)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    return ap_protos[ctx->proto].server(ctx, c, out);
}

dx_result ap_parse_server(ap_proto proto, cur_t *c, ap_reply *out)
{
    ap_ctx ctx;
    ap_ctx_init(&ctx, proto);
    return ap_parse_server_ctx(&ctx, c, out);
}

dx_result ap_parse_client(ap_proto proto, cur_t *c, ap_reply *out)
{
    if ((unsigned)proto >= AP__COUNT || !ap_protos[proto].client)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_ctx ctx;
    ap_ctx_init(&ctx, proto);
    return ap_protos[proto].client(&ctx, c, out);
}

/* ---- helpers -------------------------------------------------------------- */

static uint8_t ascii_upper(uint8_t b) { return (b >= 'a' && b <= 'z') ? (uint8_t)(b - 32) : b; }
static bool is_alnum(uint8_t b)
{
    uint8_t u = ascii_upper(b);
    return (b >= '0' && b <= '9') || (u >= 'A' && u <= 'Z');
}

bool ap_ieq(ap_view v, const char *s)
{
    size_t k = strlen(s);
    if (v.n != k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (ascii_upper(v.p[i]) != ascii_upper((uint8_t)s[i]))
            return false;
    return true;
}

bool ap_starts(ap_view v, const char *s)
{
    size_t k = strlen(s);
    return v.n >= k && memcmp(v.p, s, k) == 0;
}

static bool match_at(ap_view v, size_t at, const char *s, size_t k, bool ci)
{
    for (size_t j = 0; j < k; j++) {
        uint8_t a = v.p[at + j], b = (uint8_t)s[j];
        if (ci ? ascii_upper(a) != ascii_upper(b) : a != b)
            return false;
    }
    return true;
}

bool ap_has_word(ap_view v, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k && i + k <= v.n; i++) {
        if (!match_at(v, i, s, k, false))
            continue;
        bool before = i > 0 && is_alnum(v.p[i - 1]);
        bool after = i + k < v.n && is_alnum(v.p[i + k]);
        if (!before && !after)
            return true;
    }
    return false;
}

bool ap_has_ci(ap_view v, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k && i + k <= v.n; i++)
        if (match_at(v, i, s, k, true))
            return true;
    return false;
}

void ap_set_state(ap_reply *out, ap_view v)
{
    out->state[0] = '\0';
    if (v.p && v.n < sizeof(out->state)) {
        memcpy(out->state, v.p, v.n);
        out->state[v.n] = '\0';
    }
}

bool ap_printable(ap_view v)
{
    for (size_t i = 0; i < v.n; i++)
        if (!((v.p[i] >= 0x20 && v.p[i] <= 0x7e) || v.p[i] == '\t'))
            return false;
    return true;
}

dx_result ap_line_at(const cur_t *c, size_t from, bool crlf_only, size_t *len, size_t *total)
{
    uint8_t b = 0;
    for (size_t i = from; i < AP_MAX_MESSAGE; i++) {
        if (!cur_peek_u8(c, i, &b))
            return dx_need_more(1);
        if (b == '\n') {
            if (crlf_only)
                return dx_malformed(DXE_APP, cur_abs_offset(c) + i);
            *len = i;
            *total = i + 1;
            return dx_ok();
        }
        if (b != '\r')
            continue;
        uint8_t nx = 0;
        if (!cur_peek_u8(c, i + 1, &nx))
            return dx_need_more(1);
        if (nx == '\n') {
            *len = i;
            *total = i + 2;
            return dx_ok();
        }
        if (crlf_only)
            return dx_malformed(DXE_APP, cur_abs_offset(c) + i);
    }
    return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
}

bool ap_next_word(cur_t *lc, ap_view *w)
{
    uint8_t b = 0;
    while (cur_peek_u8(lc, 0, &b) && b == ' ')
        if (!cur_skip(lc, 1))
            return false;
    size_t k = 0;
    while (cur_peek_u8(lc, k, &b) && b != ' ')
        k++;
    if (k == 0)
        return false;
    w->n = k;
    return cur_get_bytes(lc, k, &w->p);
}

ap_view ap_rest(cur_t *lc)
{
    uint8_t b = 0;
    while (cur_peek_u8(lc, 0, &b) && b == ' ')
        if (!cur_skip(lc, 1))
            break;
    ap_view v = {cur_ptr(lc), cur_remaining(lc)};
    cur_t rest;
    cur_take_rest(lc, &rest);
    return v;
}

bool ap_get_cstring(cur_t *b, ap_view *out)
{
    uint8_t ch = 1;
    size_t k = 0;
    while (cur_peek_u8(b, k, &ch) && ch != 0)
        k++;
    if (ch != 0)
        return false;
    out->n = k;
    return cur_get_bytes(b, k, &out->p) && cur_skip(b, 1);
}

void ap_reply_start(ap_reply *out, ap_proto proto, const char *kind)
{
    memset(out, 0, sizeof(*out));
    out->proto = proto;
    out->outcome = AP_INFO;
    out->kind = kind;
}

dx_result ap_reply_done(cur_t *c, ap_reply *out, size_t consumed, size_t skip)
{
    if (!cur_skip(c, consumed))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    out->consumed = consumed;
    out->skip = skip;
    return dx_ok();
}
