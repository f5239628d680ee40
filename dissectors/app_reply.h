/*
 * app_reply.h — the first application messages after a TLS handshake, for
 * servers that are not web servers: PostgreSQL, MySQL/MariaDB, MQTT, Redis,
 * LDAP, SMTP, IMAP and POP3 (issue 28). Such a server finishes the handshake
 * and then accepts or refuses the client IN ITS OWN PROTOCOL; these parsers
 * turn its messages into typed evidence: the protocol, an outcome class, the
 * protocol's own code (SQLSTATE, MySQL error number, CONNACK reason, LDAP
 * resultCode, SMTP reply code, ...) and the server's words.
 *
 * Pure, like every dissector: cursor in, struct of views out; no I/O, no
 * allocation, no state between calls other than the ap_ctx the caller keeps.
 * Views point into the bytes the cursor was made over and live as long as
 * they do. Every read goes through cursor.h.
 *
 * Framing and caps. A message whose bytes we read (an ErrorResponse, an ERR
 * packet, a CONNACK, an LDAPResult, a text reply) must be whole: DX_NEED_MORE
 * until it is, and DX_UNSUPPORTED DXE_LENGTH_TOO_BIG when it is longer than
 * AP_MAX_MESSAGE (no server refuses a login in 16 KiB of words; the caller's
 * buffer never needs more). A message whose body decides nothing (a
 * PostgreSQL DataRow, an MQTT PUBLISH, a Redis bulk string, an LDAP
 * SearchResultEntry) is whole when it is in the input; when it is not, its
 * header decides: DX_OK with `consumed` the header and `skip` the bytes of
 * the body still to come, which the caller drops before the next message.
 * The outcome never depends on how the bytes were segmented (only consumed
 * and skip do).
 *
 * Files: app_reply_types.h (the types), app_reply.c (dispatch,
 * sniffing, the client context, names), app_util.{h,c} (what the parsers
 * share; not an interface), one app_<proto>.c per protocol family.
 *
 * Adding a protocol: a value in ap_proto, a row in the protocol table in
 * app_reply.c (name, sniffers, parsers), its parsers in app_<name>.c, the
 * outcome table in this header's comment, tests in
 * tests/unit/dissectors/test_app_reply.c and a seed for tests/fuzz/fuzz_app_reply.c.
 */
#ifndef MTLS_APP_REPLY_H
#define MTLS_APP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_reply_types.h"
#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

/*
 * Outcome per protocol (ap_parse_server). The decisions are tables in the
 * app_<proto>.c files; this is their summary.
 *
 * PostgreSQL (typed messages: 1-byte type + int32 length including itself):
 *   'R' AuthenticationOk (0)                                  ACCEPTED
 *   'R' other requests (3 cleartext, 5 MD5, 10 SASL, 11, 12, 7, 8, 9, 2):
 *       the server asks for a password; TLS accepted the certificate  INFO
 *   'E' ErrorResponse, SQLSTATE class 28 (28000 invalid_authorization_
 *       specification, 28P01 invalid_password) or FATAL 42501
 *       (insufficient_privilege: no CONNECT privilege)        REFUSED_AUTH
 *   'E' any other SQLSTATE (3D000 no such database, 53300 too many
 *       connections, 57P03 cannot connect now, ...)           ERROR
 *   'Z' ReadyForQuery                                         ACCEPTED
 *   'S' 'K' 'N' 'v' and every other backend message           INFO
 *   An AuthenticationOk can be followed by an ErrorResponse (3D000): the
 *   caller loops over the messages and the last decisive one wins.
 *
 * MySQL/MariaDB (3-byte little-endian length, sequence id, payload):
 *   0xFF ERR_Packet, SQLSTATE 28000 or error 1044, 1045, 1130, 1227, 1251,
 *        1698, 1862, 3118, 3159, 4151 (MariaDB: account locked)  REFUSED_AUTH
 *   0xFF other errors (1040 too many connections, 1049 unknown database, ...)
 *                                                             ERROR
 *   0xFF with error 0xFFFF (MariaDB progress report)          INFO
 *   0x00 OK_Packet (payload >= 7 bytes)                       ACCEPTED
 *   0xFE AuthSwitchRequest (payload >= 9) or EOF / old switch INFO
 *   0x01 AuthMoreData, 0x0A HandshakeV10, any other payload   INFO
 *
 * MQTT (fixed header, remaining length varint of 1..4 bytes):
 *   CONNACK 3.1/3.1.1: 0 accepted                             ACCEPTED
 *                      4 bad user name or password, 5 not authorized
 *                                                             REFUSED_AUTH
 *                      1, 2, 3 and reserved values            ERROR
 *   CONNACK 5:         0x00 success                           ACCEPTED
 *                      0x86 bad user name or password, 0x87 not authorized,
 *                      0x8A banned, 0x8C bad authentication method
 *                                                             REFUSED_AUTH
 *                      any other code                         ERROR
 *                      the Reason String property (0x1F) is the message
 *   DISCONNECT 5: 0x00 normal INFO, the codes above REFUSED_AUTH, else ERROR
 *   AUTH 5 and every other packet                             INFO
 *   Version: ctx->mqtt_level (from the CONNECT); when unknown, a remaining
 *   length of 2 with a code below 0x80 is read as 3.1.1, anything else as 5.
 *
 * Redis (RESP2/RESP3):
 *   '+' simple string ("+OK", "+PONG")                         ACCEPTED
 *   '-' simple error / '!' blob error with prefix NOAUTH, WRONGPASS, NOPERM,
 *       DENIED (protected mode), or ERR naming AUTH, "invalid password" or
 *       "invalid username-password" (not "unknown command")   REFUSED_AUTH
 *   '-' / '!' any other error                                 ERROR
 *   ':' '$' '*' '%' '~' '>' '_' '#' ',' '(' '=' replies       ACCEPTED
 *   '|' attribute (metadata before a reply)                   INFO
 *   ('!' is RESP3's blob error, so it is classed like '-', not as a reply.)
 *   Aggregates consume their header line only: their elements follow as
 *   values of their own. Bulk strings: see `skip` above.
 *
 * LDAP (BER; definite lengths only, at most 4 length bytes):
 *   LDAPResult resultCode 0 success, 5 compareFalse, 6 compareTrue  ACCEPTED
 *   14 saslBindInProgress                                     INFO
 *   7 authMethodNotSupported, 8 strongerAuthRequired, 13 confidentiality-
 *   Required, 48 inappropriateAuthentication, 49 invalidCredentials,
 *   50 insufficientAccessRights, 123 authorizationDenied      REFUSED_AUTH
 *   any other resultCode                                      ERROR
 *   Notice of Disconnection (ExtendedResponse, messageID 0, responseName
 *   1.3.6.1.4.1.1466.20036), whatever its code                ERROR
 *   SearchResultEntry, SearchResultReference (data returned)  ACCEPTED
 *   IntermediateResponse                                      INFO
 *
 * SMTP (RFC 5321 replies; "ddd-" continues, "ddd " or "ddd" ends):
 *   235 authentication successful                             ACCEPTED
 *   other 2xx and 3xx (220 greeting, 250 EHLO, 334): the server has not
 *   judged the client's identity                              INFO
 *   530, 534, 535, 538 (RFC 4954), and any 5xx whose enhanced status code
 *   is 5.7.x (security or policy: 554 5.7.1 relay access denied)
 *                                                             REFUSED_AUTH
 *   any other 4xx or 5xx (454 4.7.0 is temporary)             ERROR
 *   message = the text of the last line (after the enhanced code, which
 *   goes to `state`), line = the first line.
 *
 * IMAP (RFC 9051/3501; response codes of RFC 5530):
 *   "* OK" (greeting, status), "* CAPABILITY" and other data, "+" INFO
 *   "* PREAUTH" (already authenticated, e.g. by the certificate) ACCEPTED
 *   "* BYE" ERROR, INFO after LOGOUT; "* NO" INFO (a warning); "* BAD" ERROR
 *   tagged OK: ACCEPTED when it answers the LOGIN/AUTHENTICATE noted in ctx,
 *     or when no client command was noted; INFO otherwise
 *   tagged NO: REFUSED_AUTH when it answers LOGIN/AUTHENTICATE; ERROR otherwise
 *   tagged BAD: ERROR
 *   Any NO or BYE with [AUTHENTICATIONFAILED], [AUTHORIZATIONFAILED],
 *   [EXPIRED] or [PRIVACYREQUIRED]                            REFUSED_AUTH
 *
 * POP3 (RFC 1939, response codes of RFC 2449/3206):
 *   "+OK" answering PASS, APOP or AUTH (ctx)                  ACCEPTED
 *   any other "+OK" (the greeting, USER, CAPA) and "+ " continuations  INFO
 *   "-ERR [AUTH]", or any -ERR answering PASS/APOP/AUTH without a
 *   [SYS/...], [IN-USE] or [LOGIN-DELAY] code                 REFUSED_AUTH
 *   any other -ERR                                            ERROR
 *   A multi-line +OK (CAPA, LIST, ...) is one message when ctx says so;
 *   without ctx its body lines are not status lines: DX_MALFORMED.
 */

/* The registry name of r's code: an LDAP resultCode ("invalidCredentials")
 * of a message with an LDAPResult, an MQTT return/reason code ("not
 * authorized") of a CONNACK, DISCONNECT or AUTH, a MySQL error number
 * ("ER_ACCESS_DENIED_ERROR") of an ERR_Packet, a PostgreSQL SQLSTATE
 * ("invalid_password"); NULL for other messages and when the table has no
 * row (the caller shows the number). Static strings. */
const char *ap_reply_code_name(const ap_reply *r);

/*
 * Which protocol the client's first application bytes (after the TLS
 * handshake) speak. Decided in this order:
 *  1. starttls_hint, the prologue protocol src/tls/starttls.c named
 *     ("postgresql", "mysql", "ldap", "smtp", "imap", "pop3"): that protocol;
 *     a prologue of a protocol parsed elsewhere ("xmpp", "ftp", ...) gives
 *     AP_NONE.
 *  2. alpn, the protocol the server selected: IANA-registered "postgresql",
 *     "imap", "pop3", and "mqtt" / "x-amzn-mqtt-ca" (used by MQTT brokers,
 *     AWS IoT); the HTTP ids ("h2", "http/1.1", ...) and the other
 *     registered ids give AP_NONE; an id we do not know falls through.
 *  3. the bytes: a PostgreSQL StartupMessage (protocol 3.x), a MySQL
 *     HandshakeResponse41 (CLIENT_PROTOCOL_41, 23 zero filler bytes), an MQTT
 *     CONNECT ("MQTT" or "MQIsdp"), an LDAPMessage with a request protocolOp,
 *     a Redis RESP array of bulk strings or an inline PING/AUTH/HELLO/...,
 *     SMTP EHLO/HELO/MAIL, an IMAP "tag COMMAND", POP3 CAPA/USER/APOP/STLS/
 *     PASS/STAT/UIDL/TOP/RETR. "AUTH <SASL mechanism>" and QUIT are SMTP or
 *     POP3 alike: AP_NONE (the server's greeting decides: ap_sniff_server).
 * Either string may be NULL or "". AP_NONE when nothing matches or the bytes
 * are too few to tell (the caller may ask again with more).
 */
ap_proto ap_sniff_client(const uint8_t *p, size_t n, const char *starttls_hint, const char *alpn);

/*
 * For protocols whose server speaks first after the handshake (implicit TLS:
 * SMTP on 465, IMAP on 993, POP3 on 995; MySQL when TLS wraps the whole
 * connection): "220 " / "220-" SMTP, "* OK" / "* PREAUTH" / "* BYE" IMAP,
 * "+OK" / "-ERR" POP3, a HandshakeV10 greeting or ERR_Packet with sequence 0
 * MySQL. The hint and ALPN decide first, as in ap_sniff_client. Call it only
 * on the first server bytes when the server spoke before the client (a Redis
 * "+OK" would otherwise read as POP3).
 */
ap_proto ap_sniff_server(const uint8_t *p, size_t n, const char *starttls_hint, const char *alpn);

/* A context that knows nothing yet, for proto. */
void ap_ctx_init(ap_ctx *ctx, ap_proto proto);
/* Note the client's message m (a DX_OK result of ap_parse_client for ctx's
 * protocol; others are ignored): the MQTT protocol level, the IMAP tag of a
 * LOGIN/AUTHENTICATE and a LOGOUT, the POP3 command class. PostgreSQL,
 * MySQL, Redis, LDAP and SMTP answers need no context. */
void ap_ctx_note_client(ap_ctx *ctx, const ap_reply *m);

/*
 * Parse the next server message at c for proto. DX_OK: *out filled and c
 * advanced by out->consumed (then the caller drops out->skip more bytes);
 * DX_NEED_MORE (need = bytes still required, at least 1) when the message
 * is incomplete, c unchanged; DX_MALFORMED with the absolute offset when the
 * bytes are not that protocol (DXE_APP; DXE_TRAILING when a body has bytes
 * after its last field, DXE_SHORT / DXE_LENGTH_PAST_END when a BER element
 * does not fit its parent); DX_UNSUPPORTED DXE_LENGTH_TOO_BIG when a message we
 * must read is over AP_MAX_MESSAGE. Never reads past the cursor's end.
 * ap_parse_server is ap_parse_server_ctx with a context that knows nothing.
 */
MTLS_WARN_UNUSED dx_result ap_parse_server(ap_proto proto, cur_t *c, ap_reply *out);
MTLS_WARN_UNUSED dx_result ap_parse_server_ctx(const ap_ctx *ctx, cur_t *c, ap_reply *out);

/*
 * Parse the client's next message at c for proto, for the step line; the
 * outcome is AP_INFO. Results as ap_parse_server. What each fills:
 *   PostgreSQL StartupMessage: user = user, target = database, code = the
 *     protocol version (196608 = 3.0); SSLRequest, GSSENCRequest,
 *     CancelRequest and typed messages (PasswordMessage, Query, ...) by kind
 *     only (a password or a query may hold secrets).
 *   MySQL HandshakeResponse41: user, target = database (CLIENT_CONNECT_WITH_DB),
 *     message = auth plugin name, code = capability flags; SSLRequest (32
 *     bytes) and command packets (code = the command byte) by kind.
 *   MQTT CONNECT: target = client id, user = user name, message = protocol
 *     name, code = protocol level (3, 4, 5); other packets by kind.
 *   Redis: target = the command name, user = the user of AUTH user pass or
 *     HELLO ... AUTH user pass, code = the argument count (command included);
 *     inline commands: line = the line cut after the command name, or after
 *     that user name (arguments may be secrets: CONFIG SET requirepass ...).
 *   LDAP: kind = the operation ("simple bindRequest", "SASL bindRequest",
 *     "extendedReq", "searchRequest", ...), code = its [APPLICATION n],
 *     user = the bind DN, target = the SASL mechanism ("EXTERNAL"), the
 *     extended request's OID or the DN the operation names.
 *   SMTP, IMAP, POP3: target = the command verb, line = the command line;
 *     for LOGIN, AUTH(ENTICATE), PASS, APOP and USER the line stops after
 *     the verb, the SASL mechanism and the user name (never the password or
 *     an initial SASL response), user = that user name (IMAP quoted strings
 *     unquoted; a literal is not followed). A line whose verb is not a
 *     command of the protocol (a SASL response, a literal's bytes) is kind
 *     "continuation line" with no views: it may be a credential.
 */
MTLS_WARN_UNUSED dx_result ap_parse_client(ap_proto proto, cur_t *c, ap_reply *out);

#endif
