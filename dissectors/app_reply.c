/* app_reply.c — the protocol table, sniffing, the client context and the
 * registry names of the application-protocol parsers (see app_reply.h). */
#include "app_reply.h"

#include "app_util.h"

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

const char *ap_reply_code_name(const ap_reply *r)
{
    switch (r->proto) {
    case AP_POSTGRES: return ap_pg_code_name(r);
    case AP_MYSQL: return ap_mysql_code_name(r);
    case AP_MQTT: return ap_mqtt_code_name(r);
    case AP_LDAP: return ap_ldap_code_name(r);
    default: return NULL;
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
