/*
 * app_mail.c — the text mail protocols after TLS (implicit, or after
 * STARTTLS/STLS): SMTP replies (RFC 5321 §4.2, enhanced status codes RFC
 * 3463, AUTH RFC 4954), IMAP responses (RFC 9051/3501 §7, response codes
 * RFC 5530), POP3 responses (RFC 1939, response codes RFC 2449/3206), the
 * clients' commands, and the sniffing of text first lines. See app_reply.h
 * for the outcome tables.
 */
#include "app_util.h"

#include <string.h>

/* ---- words -------------------------------------------------------------- */

static bool in_list(ap_view w, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ap_ieq(w, list[i]))
            return true;
    return false;
}
#define IN_LIST(w, list) in_list((w), (list), MTLS_ARRAY_LEN(list))

static const char *const sasl_mechanisms[] = {"PLAIN",  "LOGIN", "EXTERNAL", "ANONYMOUS",   "CRAM-MD5", "DIGEST-MD5",
                                              "GSSAPI", "NTLM",  "XOAUTH2",  "OAUTHBEARER", "OTP",      "SKEY"};

bool ap_sasl_mechanism(ap_view w)
{
    return IN_LIST(w, sasl_mechanisms) || (w.n > 6 && ap_ieq((ap_view){w.p, 6}, "SCRAM-")) ||
           (w.n > 4 && ap_ieq((ap_view){w.p, 4}, "GS2-"));
}

static const char *const smtp_verbs[] = {"EHLO",     "HELO", "LHLO", "MAIL",    "RCPT",    "DATA", "BDAT",
                                         "RSET",     "VRFY", "EXPN", "HELP",    "NOOP",    "QUIT", "AUTH",
                                         "STARTTLS", "ETRN", "ATRN", "XCLIENT", "XFORWARD"};
static const char *const pop3_verbs[] = {"USER", "PASS", "APOP", "AUTH", "CAPA", "STLS", "STAT", "LIST", "RETR",
                                         "DELE", "NOOP", "RSET", "QUIT", "TOP",  "UIDL", "UTF8", "LANG"};
static const char *const imap_verbs[] = {
    "CAPABILITY", "NOOP",   "LOGOUT", "STARTTLS",  "AUTHENTICATE", "LOGIN",  "ENABLE", "SELECT",    "EXAMINE",
    "CREATE",     "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",  "LIST",   "LSUB",   "NAMESPACE", "STATUS",
    "APPEND",     "IDLE",   "CLOSE",  "UNSELECT",  "EXPUNGE",      "SEARCH", "FETCH",  "STORE",     "COPY",
    "MOVE",       "UID",    "ID",     "COMPRESS",  "GETQUOTAROOT", "CHECK"};
/* First verbs that tell the protocol (the others are shared or later). */
static const char *const smtp_first[] = {"EHLO", "HELO", "MAIL"};
static const char *const pop3_first[] = {"CAPA", "USER", "APOP", "STLS", "PASS", "STAT", "UIDL", "TOP", "RETR"};

/* IMAP response codes (RFC 5530) that refuse who the client is. */
static const char *const imap_refusing_codes[] = {"AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED",
                                                  "PRIVACYREQUIRED"};

/* An IMAP tag: printable, no space, no list or quote specials, not "*"/"+". */
static bool imap_tag(ap_view w)
{
    if (w.n == 0 || w.n > 64 || !ap_printable(w))
        return false;
    for (size_t i = 0; i < w.n; i++)
        if (strchr("(){%*\"\\]+", w.p[i]))
            return false;
    return true;
}

/* The first line of c as a view, when complete. */
static dx_result first_line(const cur_t *c, ap_view *line, size_t *total)
{
    size_t len = 0;
    dx_result r = ap_line_at(c, 0, false, &len, total);
    if (r.status != DX_OK)
        return r;
    cur_t k = *c;
    line->n = len;
    if (!cur_get_bytes(&k, len, &line->p))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    return dx_ok();
}

/* "[CODE ...]" at the start of a response text: CODE into state. */
static void response_code(ap_view text, ap_reply *out)
{
    cur_t t;
    uint8_t b = 0;
    cur_init(&t, text.p, text.n);
    if (!cur_peek_u8(&t, 0, &b) || b != '[' || !cur_skip(&t, 1))
        return;
    size_t k = 0;
    while (cur_peek_u8(&t, k, &b) && b != ' ' && b != ']')
        k++;
    const uint8_t *p = NULL;
    if (cur_get_bytes(&t, k, &p))
        ap_set_state(out, (ap_view){p, k});
}

/* ---- SMTP ----------------------------------------------------------------- */

static const struct {
    uint32_t code;
    ap_outcome outcome;
} smtp_codes[] = {
    {235, AP_ACCEPTED},     /* authentication successful */
    {530, AP_REFUSED_AUTH}, /* authentication required (or must issue STARTTLS) */
    {534, AP_REFUSED_AUTH}, /* authentication mechanism is too weak */
    {535, AP_REFUSED_AUTH}, /* authentication credentials invalid */
    {538, AP_REFUSED_AUTH}, /* encryption required for the mechanism */
};

static ap_outcome smtp_outcome(uint32_t code, const char *state)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(smtp_codes); i++)
        if (smtp_codes[i].code == code)
            return smtp_codes[i].outcome;
    if (code < 400)
        return AP_INFO;
    if (code >= 500 && strncmp(state, "5.7.", 4) == 0)
        return AP_REFUSED_AUTH;
    return AP_ERROR;
}

static bool digit_in(uint8_t b, char lo, char hi) { return b >= (uint8_t)lo && b <= (uint8_t)hi; }

/* "ddd" then '-', ' ' or the end: the code and the separator (0 at the end). */
static bool smtp_line(ap_view l, uint32_t *code, uint8_t *sep)
{
    cur_t k;
    uint8_t d1 = 0, d2 = 0, d3 = 0;
    cur_init(&k, l.p, l.n);
    if (!cur_get_u8(&k, &d1) || !cur_get_u8(&k, &d2) || !cur_get_u8(&k, &d3) || !digit_in(d1, '2', '5') ||
        !digit_in(d2, '0', '5') || !digit_in(d3, '0', '9'))
        return false;
    *code = (uint32_t)(d1 - '0') * 100 + (uint32_t)(d2 - '0') * 10 + (uint32_t)(d3 - '0');
    *sep = 0;
    return !cur_get_u8(&k, sep) || *sep == ' ' || *sep == '-';
}

/* "c.sss.ddd" then a space or the end, at the start of text (RFC 3463; c
 * the reply's class): into state, the text after it into message. */
static void smtp_enhanced(ap_view text, uint32_t code, ap_reply *out)
{
    cur_t t;
    cur_init(&t, text.p, text.n);
    uint8_t b = 0;
    if (!cur_peek_u8(&t, 0, &b) || b != (uint8_t)('0' + code / 100))
        return;
    size_t parts = 0, digits = 0;
    while (cur_peek_u8(&t, 0, &b) && b != ' ') {
        if (!cur_skip(&t, 1))
            return;
        if (b == '.') {
            if (digits == 0 || ++parts > 2)
                return;
            digits = 0;
        } else if (digit_in(b, '0', '9') && digits < 3) {
            digits++;
        } else {
            return;
        }
    }
    if (parts != 2 || digits == 0)
        return;
    ap_set_state(out, (ap_view){text.p, t.off});
    ap_view rest = ap_rest(&t);
    out->message = rest.n ? rest.p : NULL;
    out->message_len = rest.n;
}

dx_result ap_smtp_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    size_t off = 0, len = 0, total = 0;
    uint32_t first_code = 0;
    ap_view first = {NULL, 0}, last = {NULL, 0};
    for (;;) {
        dx_result r = ap_line_at(c, off, false, &len, &total);
        if (r.status != DX_OK)
            return r;
        cur_t k = *c;
        ap_view l = {NULL, len - off};
        uint32_t code = 0;
        uint8_t sep = 0;
        if (!cur_skip(&k, off) || !cur_get_bytes(&k, l.n, &l.p) || !smtp_line(l, &code, &sep) ||
            (first.p && code != first_code))
            return dx_malformed(DXE_APP, cur_abs_offset(c) + off);
        if (!first.p) {
            first = l;
            first_code = code;
        }
        off = total;
        if (sep != '-') {
            last = l;
            break;
        }
    }
    ap_reply_start(out, AP_SMTP, "reply");
    out->code = first_code;
    out->line = first.p;
    out->line_len = first.n;
    cur_t t;
    cur_init(&t, last.p, last.n);
    ap_view text = {NULL, 0};
    if (cur_skip(&t, 4))
        text = (ap_view){cur_ptr(&t), cur_remaining(&t)};
    out->message = text.n ? text.p : NULL;
    out->message_len = text.n;
    smtp_enhanced(text, first_code, out);
    out->outcome = smtp_outcome(first_code, out->state);
    return ap_reply_done(c, out, total, 0);
}

/* ---- IMAP ----------------------------------------------------------------- */

dx_result ap_imap_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    ap_view line, w1, w2 = {NULL, 0};
    size_t total = 0;
    dx_result r = first_line(c, &line, &total);
    if (r.status != DX_OK)
        return r;
    cur_t lc;
    cur_init(&lc, line.p, line.n);
    if (!ap_next_word(&lc, &w1))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_reply_start(out, AP_IMAP, "continuation");
    out->line = line.p;
    out->line_len = line.n;
    bool cont = w1.n == 1 && w1.p[0] == '+', untagged = w1.n == 1 && w1.p[0] == '*';
    if (cont) {
        ap_view text = ap_rest(&lc);
        out->message = text.n ? text.p : NULL;
        out->message_len = text.n;
        return ap_reply_done(c, out, total, 0);
    }
    if ((!untagged && !imap_tag(w1)) || !ap_next_word(&lc, &w2))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    bool ok = ap_ieq(w2, "OK"), no = ap_ieq(w2, "NO"), bad = ap_ieq(w2, "BAD"), bye = ap_ieq(w2, "BYE"),
         preauth = ap_ieq(w2, "PREAUTH");
    if (!untagged && !ok && !no && !bad)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    if (untagged && !ok && !no && !bad && !bye && !preauth) {
        out->kind = "untagged data";
        return ap_reply_done(c, out, total, 0);
    }
    ap_view text = ap_rest(&lc);
    out->message = text.n ? text.p : NULL;
    out->message_len = text.n;
    response_code(text, out);
    bool refusing = IN_LIST(((ap_view){(const uint8_t *)out->state, strlen(out->state)}), imap_refusing_codes);
    if (untagged) {
        out->kind = ok ? "* OK" : no ? "* NO" : bad ? "* BAD" : bye ? "* BYE" : "* PREAUTH";
        out->outcome = preauth          ? AP_ACCEPTED
                       : ok             ? AP_INFO
                       : refusing       ? AP_REFUSED_AUTH
                       : bad            ? AP_ERROR
                       : no             ? AP_INFO
                       : ctx->last_quit ? AP_INFO
                                        : AP_ERROR;
        return ap_reply_done(c, out, total, 0);
    }
    bool answers_auth = ctx->auth_tag_len && w1.n == ctx->auth_tag_len && memcmp(w1.p, ctx->auth_tag, w1.n) == 0;
    out->kind = ok ? "tagged OK" : no ? "tagged NO" : "tagged BAD";
    if (ok)
        out->outcome = answers_auth || !ctx->client_seen ? AP_ACCEPTED : AP_INFO;
    else if (no)
        out->outcome = refusing || answers_auth ? AP_REFUSED_AUTH : AP_ERROR;
    else
        out->outcome = AP_ERROR;
    return ap_reply_done(c, out, total, 0);
}

/* ---- POP3 ----------------------------------------------------------------- */

/* The end of a multi-line body: a line holding only "." after `from`. */
static dx_result pop3_body_end(const cur_t *c, size_t from, size_t *end)
{
    for (;;) {
        size_t len = 0, total = 0;
        dx_result r = ap_line_at(c, from, false, &len, &total);
        if (r.status != DX_OK)
            return r;
        uint8_t b = 0;
        if (len == from + 1 && cur_peek_u8(c, from, &b) && b == '.') {
            *end = total;
            return dx_ok();
        }
        from = total;
    }
}

dx_result ap_pop3_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    ap_view line;
    size_t total = 0;
    dx_result r = first_line(c, &line, &total);
    if (r.status != DX_OK)
        return r;
    cur_t lc;
    cur_init(&lc, line.p, line.n);
    ap_view w;
    if (!ap_next_word(&lc, &w) || line.p[0] == ' ')
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    bool ok = ap_ieq(w, "+OK"), err = ap_ieq(w, "-ERR"), cont = w.n == 1 && w.p[0] == '+';
    if (!ok && !err && !cont)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_reply_start(out, AP_POP3, ok ? "+OK" : err ? "-ERR" : "continuation");
    out->line = line.p;
    out->line_len = line.n;
    ap_view text = ap_rest(&lc);
    out->message = text.n ? text.p : NULL;
    out->message_len = text.n;
    if (cont)
        return ap_reply_done(c, out, total, 0);
    response_code(text, out);
    if (ok) {
        out->outcome = ctx->last_auth ? AP_ACCEPTED : AP_INFO;
        if (ctx->last_multiline && (r = pop3_body_end(c, total, &total)).status != DX_OK)
            return r;
        return ap_reply_done(c, out, total, 0);
    }
    bool sys = strncmp(out->state, "SYS/", 4) == 0 || strcmp(out->state, "IN-USE") == 0 ||
               strcmp(out->state, "LOGIN-DELAY") == 0;
    out->outcome = strcmp(out->state, "AUTH") == 0 || (ctx->last_auth && !sys) ? AP_REFUSED_AUTH : AP_ERROR;
    return ap_reply_done(c, out, total, 0);
}

/* ---- client commands ------------------------------------------------------ */

/* An IMAP astring after lc's position: an atom or a quoted string (its
 * inside as *v). A literal ("{5}") is not followed: false. */
static bool imap_astring(cur_t *lc, ap_view *v)
{
    uint8_t b = 0;
    while (cur_peek_u8(lc, 0, &b) && b == ' ')
        if (!cur_skip(lc, 1))
            return false;
    if (!cur_peek_u8(lc, 0, &b) || b == '{')
        return false;
    if (b != '"')
        return ap_next_word(lc, v);
    size_t k = 1;
    while (cur_peek_u8(lc, k, &b) && b != '"')
        k += b == '\\' ? 2 : 1;
    if (b != '"' || !cur_skip(lc, 1) || !cur_get_bytes(lc, k - 1, &v->p) || !cur_skip(lc, 1))
        return false;
    v->n = k - 1;
    return true;
}

/* After the verb: how much of the line may be shown, and the user. */
static void mail_args(ap_proto proto, ap_view verb, cur_t *lc, ap_reply *out)
{
    ap_view w;
    if (proto == AP_IMAP && ap_ieq(verb, "LOGIN")) {
        if (imap_astring(lc, &w)) {
            out->user = w.p;
            out->user_len = w.n;
        }
    } else if (ap_ieq(verb, "AUTH") || ap_ieq(verb, "AUTHENTICATE")) {
        if (!ap_next_word(lc, &w)) /* the mechanism, not its initial response */
            return;
    } else if (ap_ieq(verb, "USER") || ap_ieq(verb, "APOP")) {
        if (ap_next_word(lc, &w)) {
            out->user = w.p;
            out->user_len = w.n;
        }
    } else if (!ap_ieq(verb, "PASS")) {
        lc->off = lc->len; /* no secret in it: the whole line */
    }
}

dx_result ap_mail_client(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    ap_view line, verb, tag;
    size_t total = 0;
    dx_result r = first_line(c, &line, &total);
    if (r.status != DX_OK)
        return r;
    ap_reply_start(out, ctx->proto, "command");
    cur_t lc;
    cur_init(&lc, line.p, line.n);
    bool tagged = ctx->proto == AP_IMAP;
    bool known = (!tagged || (ap_next_word(&lc, &tag) && imap_tag(tag))) && ap_next_word(&lc, &verb);
    if (known)
        known = ctx->proto == AP_SMTP   ? IN_LIST(verb, smtp_verbs)
                : ctx->proto == AP_POP3 ? IN_LIST(verb, pop3_verbs)
                                        : IN_LIST(verb, imap_verbs);
    if (!known) { /* a SASL response or a literal's bytes: may be a secret, nothing shown */
        out->kind = "continuation line";
        return ap_reply_done(c, out, total, 0);
    }
    out->target = verb.p;
    out->target_len = verb.n;
    mail_args(ctx->proto, verb, &lc, out);
    out->line = line.p;
    out->line_len = lc.off;
    return ap_reply_done(c, out, total, 0);
}

/* ---- sniffing ------------------------------------------------------------- */

ap_proto ap_text_sniff_client(const cur_t *c)
{
    ap_view line, w1, w2 = {NULL, 0};
    size_t total = 0;
    if (first_line(c, &line, &total).status != DX_OK || !ap_printable(line))
        return AP_NONE;
    cur_t lc;
    cur_init(&lc, line.p, line.n);
    if (!ap_next_word(&lc, &w1))
        return AP_NONE;
    bool two = ap_next_word(&lc, &w2);
    if (IN_LIST(w1, smtp_first))
        return AP_SMTP;
    if (IN_LIST(w1, pop3_first))
        return AP_POP3;
    if (two && imap_tag(w1) && IN_LIST(w2, imap_verbs))
        return AP_IMAP;
    return AP_NONE;
}

ap_proto ap_mail_sniff_server(const cur_t *c)
{
    ap_view line;
    size_t total = 0;
    if (first_line(c, &line, &total).status != DX_OK || !ap_printable(line))
        return AP_NONE;
    if ((ap_starts(line, "220 ") || ap_starts(line, "220-")) && !ap_has_ci(line, "FTP"))
        return AP_SMTP;
    if (ap_starts(line, "* OK") || ap_starts(line, "* PREAUTH") || ap_starts(line, "* BYE"))
        return AP_IMAP;
    if (ap_starts(line, "+OK") || ap_starts(line, "-ERR"))
        return AP_POP3;
    return AP_NONE;
}
