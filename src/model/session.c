#include "session.h"

#include <stdlib.h>
#include <string.h>

session_t *session_new(uint64_t id)
{
    session_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->id = id;
    return s;
}

static void u16_list_clear(u16_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void bytes_clear(bytes_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

int bytes_set(bytes_t *b, const uint8_t *data, size_t len)
{
    bytes_clear(b);
    if (len == 0)
        return 0;
    b->data = malloc(len);
    if (!b->data)
        return -1;
    memcpy(b->data, data, len);
    b->len = len;
    return 0;
}

int u16_list_set(u16_list *l, const uint16_t *v, size_t n)
{
    u16_list_clear(l);
    if (n == 0)
        return 0;
    l->v = malloc(n * sizeof(*v));
    if (!l->v)
        return -1;
    memcpy(l->v, v, n * sizeof(*v));
    l->n = n;
    return 0;
}

void client_hello_info_clear(client_hello_info *ch)
{
    u16_list_clear(&ch->ciphers);
    u16_list_clear(&ch->extensions);
    u16_list_clear(&ch->supported_versions);
    u16_list_clear(&ch->groups);
    u16_list_clear(&ch->key_share_groups);
    u16_list_clear(&ch->sig_algs);
    u16_list_clear(&ch->ec_point_formats);
    free(ch->sni);
    for (size_t i = 0; i < ch->n_alpn; i++)
        free(ch->alpn[i]);
    free(ch->alpn);
    free(ch->ja3);
    free(ch->ja4);
    memset(ch, 0, sizeof(*ch));
}

void server_hello_info_clear(server_hello_info *sh)
{
    u16_list_clear(&sh->extensions);
    free(sh->alpn);
    free(sh->ja3s);
    memset(sh, 0, sizeof(*sh));
}

void session_free(session_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_steps; i++) {
        free(s->steps[i].detail);
        if (s->steps[i].kind == STEP_APP) {
            free(s->steps[i].app.line);
            free(s->steps[i].app.message);
        } else if (s->steps[i].kind == STEP_CAPTURE_END || s->steps[i].kind == STEP_EVICTED) {
            free(s->steps[i].end.text);
        }
    }
    free(s->steps);
    free(s->sealed);

    client_hello_info_clear(&s->ch);
    server_hello_info_clear(&s->sh);

    cert_request_info *cr = &s->cr;
    bytes_clear(&cr->cert_types);
    u16_list_clear(&cr->sig_algs);
    u16_list_clear(&cr->sig_algs_cert);
    for (size_t i = 0; i < cr->n_ca_names; i++)
        bytes_clear(&cr->ca_names[i]);
    free(cr->ca_names);

    for (int d = 0; d < 2; d++) {
        side_info *si = &s->side[d];
        for (size_t i = 0; i < si->n_certs; i++)
            bytes_clear(&si->certs[i]);
        free(si->certs);
        bytes_clear(&si->cv.signature);
        bytes_clear(&si->cv.signed_data);
        free(si->cv.unchecked_note);
    }
    bytes_clear(&s->ske_sig.signature);
    bytes_clear(&s->ske_sig.signed_data);
    free(s->ske_sig.unchecked_note);
    free(s->decrypt_note);
    free(s->starttls);
    free(s->malformed_reason);
    findings_free(&s->wire_findings);
    free(s);
}

step_t *session_add_step(session_t *s, uint64_t ts_us, mtls_dir dir, step_kind kind)
{
    if (s->n_steps == s->cap_steps) {
        size_t ncap = s->cap_steps ? s->cap_steps * 2 : 16;
        step_t *p = realloc(s->steps, ncap * sizeof(*p));
        if (!p)
            return NULL;
        s->steps = p;
        s->cap_steps = ncap;
    }
    step_t *st = &s->steps[s->n_steps++];
    memset(st, 0, sizeof(*st));
    st->ts_us = ts_us;
    st->dir = dir;
    st->kind = kind;
    if (s->first_ts_us == 0 || ts_us < s->first_ts_us)
        s->first_ts_us = ts_us;
    if (ts_us > s->last_ts_us)
        s->last_ts_us = ts_us;
    return st;
}

/* name in text, id in JSON, letter in mtls.history (lowercase; the client's
 * steps are shown in uppercase, as in Zeek's conn history) */
static const struct {
    const char *name;
    const char *id;
    char letter;
} step_names[STEP__COUNT] = {
    [STEP_TCP_SYN] = {"TCP SYN", "tcp_syn", 's'},
    [STEP_STARTTLS] = {"STARTTLS", "starttls", 't'},
    [STEP_CLIENT_HELLO] = {"ClientHello", "client_hello", 'h'},
    [STEP_HELLO_RETRY_REQUEST] = {"HelloRetryRequest", "hello_retry_request", 'y'},
    [STEP_SERVER_HELLO] = {"ServerHello", "server_hello", 'h'},
    [STEP_ENCRYPTED_EXTENSIONS] = {"EncryptedExtensions", "encrypted_extensions", 'e'},
    [STEP_CERTIFICATE] = {"Certificate", "certificate", 'c'},
    [STEP_COMPRESSED_CERTIFICATE] = {"CompressedCertificate", "compressed_certificate", 'c'},
    [STEP_SERVER_KEY_EXCHANGE] = {"ServerKeyExchange", "server_key_exchange", 'k'},
    [STEP_CERTIFICATE_REQUEST] = {"CertificateRequest", "certificate_request", 'r'},
    [STEP_SERVER_HELLO_DONE] = {"ServerHelloDone", "server_hello_done", 'o'},
    [STEP_CLIENT_KEY_EXCHANGE] = {"ClientKeyExchange", "client_key_exchange", 'k'},
    [STEP_CERTIFICATE_VERIFY] = {"CertificateVerify", "certificate_verify", 'v'},
    [STEP_CHANGE_CIPHER_SPEC] = {"ChangeCipherSpec", "change_cipher_spec", 'x'},
    [STEP_FINISHED] = {"Finished", "finished", 'f'},
    [STEP_NEW_SESSION_TICKET] = {"NewSessionTicket", "new_session_ticket", 'n'},
    [STEP_HELLO_REQUEST] = {"HelloRequest", "hello_request", 'b'},
    [STEP_RENEGOTIATION] = {"renegotiation", "renegotiation", 'q'},
    [STEP_KEY_UPDATE] = {"KeyUpdate", "key_update", 'u'},
    [STEP_END_OF_EARLY_DATA] = {"EndOfEarlyData", "end_of_early_data", 'z'},
    [STEP_OTHER_HANDSHAKE] = {"Handshake", "other_handshake", 'm'},
    [STEP_ENCRYPTED_HANDSHAKE] = {"encrypted handshake", "encrypted_handshake", 'w'},
    [STEP_APPLICATION_DATA] = {"application data", "application_data", 'd'},
    [STEP_ALERT] = {"Alert", "alert", 'a'},
    [STEP_ENCRYPTED_ALERT] = {"encrypted alert", "encrypted_alert", 'l'},
    [STEP_POST_HANDSHAKE_AUTH] = {"post-handshake CertificateRequest", "post_handshake_auth", 'p'},
    [STEP_APP] = {"application", "app", 'g'},
    [STEP_FIN] = {"FIN", "fin", 'i'},
    [STEP_RST] = {"RST", "rst", 'j'},
    [STEP_TCP_GAP] = {"TCP gap", "tcp_gap", '-'},
    [STEP_MALFORMED] = {"malformed", "malformed", '?'},
    [STEP_EVICTED] = {"evicted", "evicted", '^'},
    [STEP_CAPTURE_END] = {"capture end", "capture_end", '.'},
};

const char *step_kind_name(step_kind k)
{
    return (unsigned)k < STEP__COUNT && step_names[k].name ? step_names[k].name : "unknown";
}

const char *step_kind_id(step_kind k)
{
    return (unsigned)k < STEP__COUNT && step_names[k].id ? step_names[k].id : "unknown";
}

static const struct {
    const char *name, *id;
} app_protos[APP_PROTO__COUNT] = {
    [APP_PROTO_NONE] = {"application", "none"},   [APP_PROTO_HTTP1] = {"HTTP", "http1"},
    [APP_PROTO_HTTP2] = {"HTTP", "http2"},        [APP_PROTO_GRPC] = {"gRPC", "grpc"},
    [APP_PROTO_POSTGRES] = {"PostgreSQL", "postgresql"}, [APP_PROTO_MYSQL] = {"MySQL", "mysql"},
    [APP_PROTO_MQTT] = {"MQTT", "mqtt"},          [APP_PROTO_REDIS] = {"Redis", "redis"},
    [APP_PROTO_LDAP] = {"LDAP", "ldap"},          [APP_PROTO_SMTP] = {"SMTP", "smtp"},
    [APP_PROTO_IMAP] = {"IMAP", "imap"},          [APP_PROTO_POP3] = {"POP3", "pop3"},
};

const char *app_protocol_name(app_protocol p)
{
    return (unsigned)p < APP_PROTO__COUNT && app_protos[p].name ? app_protos[p].name : "application";
}

const char *app_protocol_id(app_protocol p)
{
    return (unsigned)p < APP_PROTO__COUNT && app_protos[p].id ? app_protos[p].id : "none";
}

const char *app_outcome_id(app_outcome o)
{
    switch (o) {
    case APP_OUTCOME_ACCEPTED:
        return "accepted";
    case APP_OUTCOME_REFUSED:
        return "refused";
    case APP_OUTCOME_ERROR:
        return "error";
    default:
        return "none";
    }
}

static bool app_is_http(app_protocol p)
{
    return p == APP_PROTO_HTTP1 || p == APP_PROTO_HTTP2 || p == APP_PROTO_GRPC;
}

const char *step_name(const step_t *st)
{
    return st->kind == STEP_APP ? app_protocol_name(st->app.protocol) : step_kind_name(st->kind);
}

const char *step_id(const step_t *st)
{
    return st->kind == STEP_APP && app_is_http(st->app.protocol) ? "http" : step_kind_id(st->kind);
}

char step_history_char(const step_t *st)
{
    if ((unsigned)st->kind >= STEP__COUNT || !step_names[st->kind].letter)
        return '*';
    if ((st->kind == STEP_CERTIFICATE || st->kind == STEP_COMPRESSED_CERTIFICATE) && st->count == 0)
        return '0'; /* an empty Certificate: "no certificate" at a glance */
    char ch = step_names[st->kind].letter;
    return st->dir == DIR_C2S && ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

const char *dir_arrow(mtls_dir d) { return d == DIR_C2S ? "C->S" : "S->C"; }

long session_find_step(const session_t *s, mtls_dir d, step_kind kind)
{
    for (size_t i = 0; i < s->n_steps; i++)
        if (s->steps[i].kind == kind && s->steps[i].dir == d)
            return (long)i;
    return -1;
}

bool session_cert_msg_seen(const session_t *s, mtls_dir d)
{
    return session_find_step(s, d, STEP_CERTIFICATE) >= 0 || session_find_step(s, d, STEP_COMPRESSED_CERTIFICATE) >= 0;
}

static bool u16_has(const u16_list *l, uint16_t v)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == v)
            return true;
    return false;
}

#define EXT_RENEGOTIATION_INFO 0xff01 /* RFC 5746 */
#define SCSV_EMPTY_RENEGOTIATION_INFO 0x00ff

bool session_client_offered_secure_renegotiation(const session_t *s)
{
    return s->ch.present && (u16_has(&s->ch.extensions, EXT_RENEGOTIATION_INFO) ||
                             u16_has(&s->ch.ciphers, SCSV_EMPTY_RENEGOTIATION_INFO));
}

bool session_secure_renegotiation(const session_t *s)
{
    return s->sh.present && u16_has(&s->sh.extensions, EXT_RENEGOTIATION_INFO);
}
