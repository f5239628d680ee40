/*
 * app_util.h — what app_reply.c and the app_<proto>.c files share: the
 * per-protocol entry points behind app_reply.h's dispatch table, and helpers
 * for views, text lines and words (app_util.c). Not an interface: callers
 * include app_reply.h.
 */
#ifndef MTLS_APP_UTIL_H
#define MTLS_APP_UTIL_H

#include "app_reply_types.h"
#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

/* A view: bytes of the input and their count. */
typedef struct ap_view {
    const uint8_t *p;
    size_t n;
} ap_view;

/* ---- per-protocol parsers (app_<proto>.c) ------------------------------ */

/* True when the client's first bytes at c look like that protocol (enough
 * bytes to tell, nothing consumed). */
bool ap_pg_sniff_client(const cur_t *c);
bool ap_mysql_sniff_client(const cur_t *c);
bool ap_mysql_sniff_server(const cur_t *c);
bool ap_mqtt_sniff_client(const cur_t *c);
bool ap_redis_sniff_client(const cur_t *c);
bool ap_ldap_sniff_client(const cur_t *c);
/* Text protocols: the first line's verbs decide (app_mail.c also tells SMTP,
 * IMAP and POP3 apart, and recognises Redis inline commands). */
ap_proto ap_text_sniff_client(const cur_t *c);
ap_proto ap_mail_sniff_server(const cur_t *c);
/* The word is a SASL mechanism name a mail client would send (PLAIN, LOGIN,
 * EXTERNAL, SCRAM-*, ...). */
bool ap_sasl_mechanism(ap_view w);

dx_result ap_pg_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_pg_client(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_mysql_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_mysql_client(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_mqtt_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_mqtt_client(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_redis_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_redis_client(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_ldap_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_ldap_client(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_smtp_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_imap_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
dx_result ap_pop3_server(const ap_ctx *ctx, cur_t *c, ap_reply *out);
/* SMTP, IMAP and POP3 client commands (one parser, proto selects the grammar). */
dx_result ap_mail_client(const ap_ctx *ctx, cur_t *c, ap_reply *out);

/* Registry names behind ap_reply_code_name (NULL: no row, or a message
 * that carries no such code). */
const char *ap_pg_code_name(const ap_reply *r);
const char *ap_mysql_code_name(const ap_reply *r);
const char *ap_mqtt_code_name(const ap_reply *r);
const char *ap_ldap_code_name(const ap_reply *r);

/* ---- helpers (app_util.c) ---------------------------------------------- */

/* The view equals s, ASCII letters compared without case. */
bool ap_ieq(ap_view v, const char *s);
/* The view starts with s (case-sensitive). */
bool ap_starts(ap_view v, const char *s);
/* s occurs in v as a word: not preceded or followed by a letter or digit. */
bool ap_has_word(ap_view v, const char *s);
/* s occurs in v, ASCII letters compared without case. */
bool ap_has_ci(ap_view v, const char *s);
/* Copy v into out->state when it fits (with its NUL), else leave it "". */
void ap_set_state(ap_reply *out, ap_view v);
/* The view's bytes are printable ASCII (0x20..0x7e) or tab. */
bool ap_printable(ap_view v);

/*
 * The text line at the start of c: its length without the line end, and
 * the length with it. crlf_only: only CR LF ends a line (RESP); otherwise LF
 * or CR LF. DX_OK; DX_NEED_MORE (need 1) when no line end is in the input
 * yet; DX_UNSUPPORTED DXE_LENGTH_TOO_BIG when none is in AP_MAX_MESSAGE bytes;
 * DX_MALFORMED DXE_APP for a CR not followed by LF when crlf_only. Nothing is
 * consumed. `from` skips that many bytes first (they belong to the line).
 */
dx_result ap_line_at(const cur_t *c, size_t from, bool crlf_only, size_t *len, size_t *total);

/* The next space-separated word of the line cursor lc (spaces before it are
 * skipped); false at the end of the line. */
bool ap_next_word(cur_t *lc, ap_view *w);
/* Skip spaces; the rest of the line as a view. */
ap_view ap_rest(cur_t *lc);

/* A NUL-terminated string at b: the view without the NUL, b moved past it;
 * false (b unchanged) when no NUL is left. */
bool ap_get_cstring(cur_t *b, ap_view *out);

/* Fill the common fields for a fresh message. */
void ap_reply_start(ap_reply *out, ap_proto proto, const char *kind);
/* Finish a DX_OK message of `consumed` bytes at c: advances c. */
dx_result ap_reply_done(cur_t *c, ap_reply *out, size_t consumed, size_t skip);

#endif
