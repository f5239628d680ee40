/*
 * test_app_reply.c — the application-protocol parsers of dissectors/app_*.c
 * (issue 28) on real message bytes.
 *
 * Where the bytes came from. "real" samples were recorded on this machine
 * by a byte-recording TCP proxy between the stock client and the stock
 * server, each run in its own network namespace (unshare -n), plaintext:
 *   PostgreSQL 15.18 (psql, sslmode=disable; pg_hba trust / scram-sha-256 /
 *     password / reject, a missing role and a missing database),
 *   MariaDB 10.11.19 (mariadb client --skip-ssl; good and wrong passwords,
 *     a database without grant, an unknown user, REQUIRE SSL, ACCOUNT LOCK,
 *     an ed25519 account that switches the auth plugin),
 *   mosquitto 2.0 (mosquitto_pub -V mqttv31 / mqttv311 / mqttv5, password
 *     file, anonymous refused),
 *   Redis 7.0.15 (redis-cli and inline commands through socat; requirepass,
 *     an ACL user limited to PING, a server without a password),
 *   OpenLDAP slapd 2.5 (ldapwhoami, ldapsearch; a second slapd with
 *     "security ssf=128"),
 *   Dovecot 2.3.19 IMAP and POP3, Postfix 3.7.11 smtpd with Dovecot SASL
 *     (commands sent by socat).
 * "spec" samples were written by hand from the protocol's specification
 * where no server here produces them (MQTT 5 Reason String, LDAP SASL
 * EXTERNAL and Notice of Disconnection, long-form BER lengths, RESP3 blob
 * errors, SMTP 454/530, IMAP PREAUTH, POP3 [SYS/TEMP], ...).
 *
 * Every parse runs on an exact-size heap copy, so a read past the end of a
 * message is a sanitizer error, and the truncation sweeps parse every prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app_reply.h"

/* names for failure messages */
static const char *proto_name(ap_proto p)
{
    static const char *const names[] = {"none", "postgresql", "mysql", "mqtt", "redis", "ldap", "smtp", "imap", "pop3"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

/* ---- helpers -------------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n;
} buf;

static buf copy_bytes(const void *p, size_t n)
{
    buf b = {malloc(n ? n : 1), n};
    assert_non_null(b.p);
    if (n)
        memcpy(b.p, p, n);
    return b;
}

/* Hex text (spaces ignored) as an exact-size buffer. */
static buf hexbuf(const char *hex)
{
    size_t n = 0;
    uint8_t *tmp = malloc(strlen(hex) / 2 + 1);
    assert_non_null(tmp);
    for (const char *h = hex; *h;) {
        if (*h == ' ') {
            h++;
            continue;
        }
        unsigned v = 0;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        tmp[n++] = (uint8_t)v;
        h += 2;
    }
    buf b = copy_bytes(tmp, n);
    free(tmp);
    return b;
}

static buf txt(const char *s) { return copy_bytes(s, strlen(s)); }
static void drop(buf b) { free(b.p); }

static bool view_is(const uint8_t *p, size_t n, const char *s) { return p && n == strlen(s) && memcmp(p, s, n) == 0; }
#define assert_view(p, n, s) assert_true(view_is((p), (n), (s)))

/* The secret must not appear in any view of r. */
static bool view_has(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; p && i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return true;
    return false;
}
static void assert_no_secret(const ap_reply *r, const char *secret)
{
    assert_false(view_has(r->line, r->line_len, secret));
    assert_false(view_has(r->message, r->message_len, secret));
    assert_false(view_has(r->target, r->target_len, secret));
    assert_false(view_has(r->user, r->user_len, secret));
}

/* Parse one server message of b at offset off (with ctx, or none). */
static dx_result srv_at(const ap_ctx *ctx, ap_proto proto, buf b, size_t off, ap_reply *r)
{
    cur_t c;
    cur_init(&c, b.p, b.n);
    c.off = off;
    dx_result res = ctx ? ap_parse_server_ctx(ctx, &c, r) : ap_parse_server(proto, &c, r);
    if (res.status == DX_OK)
        assert_int_equal(c.off, off + r->consumed);
    else
        assert_int_equal(c.off, off);
    return res;
}

static dx_result srv(ap_proto proto, buf b, ap_reply *r) { return srv_at(NULL, proto, b, 0, r); }

static dx_result cli(ap_proto proto, buf b, ap_reply *r)
{
    cur_t c;
    cur_init(&c, b.p, b.n);
    dx_result res = ap_parse_client(proto, &c, r);
    if (res.status == DX_OK)
        assert_int_equal(c.off, r->consumed);
    else
        assert_int_equal(c.off, 0);
    return res;
}

static void expect(const ap_reply *r, ap_outcome outcome, const char *kind, uint32_t code, const char *state)
{
    assert_int_equal(r->outcome, outcome);
    assert_string_equal(r->kind, kind);
    assert_int_equal(r->code, code);
    assert_string_equal(r->state, state);
}

/* Every proper prefix of the first n bytes of b (n = the message's length)
 * needs more and leaves the cursor where it was; the whole is DX_OK. */
static void sweep(const ap_ctx *ctx, ap_proto proto, buf b, size_t n)
{
    ap_reply r;
    for (size_t cut = 0; cut < n; cut++) {
        buf part = copy_bytes(b.p, cut);
        dx_result res = srv_at(ctx, proto, part, 0, &r);
        if (res.status != DX_NEED_MORE)
            fail_msg("%s: prefix of %zu/%zu bytes gave status %d", proto_name(proto), cut, n, res.status);
        assert_true(res.need >= 1);
        drop(part);
    }
    buf whole = copy_bytes(b.p, n);
    assert_int_equal(srv_at(ctx, proto, whole, 0, &r).status, DX_OK);
    assert_int_equal(r.consumed, n);
    drop(whole);
}

/* ---- PostgreSQL ------------------------------------------------------------ */

/* real: the StartupMessage psql sends (protocol 3.0, user trusty). */
static const char pg_startup[] = "0000003d"
                                 "00030000" /* length 61, protocol 3.0 */
                                 "7573657200"
                                 "74727573747900" /* user, trusty */
                                 "646174616261736500"
                                 "706f737467726573 00" /* database, postgres */
                                 "6170706c69636174696f6e5f6e616d6500"
                                 "7073716c00"
                                 "00"; /* application_name, psql, end */

/* real: trust login: AuthenticationOk, 13 ParameterStatus, BackendKeyData,
 * ReadyForQuery, all in one segment. */
static const char pg_trusty[] =
    "52 00000008 00000000" /* R AuthenticationOk */
    "53 0000001a 6170706c69636174696f6e5f6e616d6500 7073716c00"
    "53 00000019 636c69656e745f656e636f64696e6700 5554463800"
    "53 00000017 446174655374796c6500 49534f2c204d445900"
    "53 00000026 64656661756c745f7472616e73616374696f6e5f726561645f6f6e6c7900 6f666600"
    "53 00000017 696e5f686f745f7374616e64627900 6f666600"
    "53 00000019 696e74656765725f6461746574696d657300 6f6e00"
    "53 0000001b 496e74657276616c5374796c6500 706f73746772657300"
    "53 00000015 69735f737570657275736572 00 6f666600"
    "53 00000019 7365727665725f656e636f64696e6700 5554463800"
    "53 00000032 7365727665725f76657273696f6e00 31352e3138202844656269616e2031352e31382d302b646562313275312900"
    "53 00000021 73657373696f6e5f617574686f72697a6174696f6e00 74727573747900"
    "53 00000023 7374616e646172645f636f6e666f726d696e675f737472696e677300 6f6e00"
    "53 00000015 54696d655a6f6e6500 4574632f55544300"
    "4b 0000000c 00001e4a b9c56776" /* K BackendKeyData: pid, secret key */
    "5a 00000005 49";               /* Z ReadyForQuery, idle */

/* real: scram-sha-256 with a wrong password: AuthenticationSASL, then the
 * ErrorResponse (after SASLContinue and the client's proof). */
static const char pg_sasl[] = "52 00000017 0000000a 534352414d2d5348412d32353600 00"; /* R SASL, SCRAM-SHA-256 */
static const char pg_bad_password[] =
    "45 00000065"     /* E ErrorResponse, length 101 */
    "53 464154414c00" /* S FATAL */
    "56 464154414c00" /* V FATAL */
    "43 323850303100" /* C 28P01 */
    "4d 70617373776f72642061757468656e7469636174696f6e206661696c656420666f7220757365722022616c69636522 00"
    "46 617574682e6300"           /* F auth.c */
    "4c 33333400"                 /* L 334 */
    "52 617574685f6661696c656400" /* R auth_failed */
    "00";                         /* end of fields */
/* real: password (cleartext) auth: the server asks. */
static const char pg_cleartext[] = "52 00000008 00000003";
/* real: pg_hba.conf "reject". */
static const char pg_reject[] =
    "45 000000a2 53464154414c00 56464154414c00 433238303030 00"
    "4d 70675f6862612e636f6e662072656a6563747320636f6e6e656374696f6e20666f7220686f737420223132372e302e302e31"
    "222c20757365722022626f62222c2064617461626173652022706f737467726573222c206e6f20656e6372797074696f6e00"
    "46617574682e6300 4c34373600 52436c69656e7441757468656e7469636174696f6e00 00";
/* real: trust login to a database that does not exist: AuthenticationOk,
 * then FATAL 3D000. */
static const char pg_nodb[] = "52 00000008 00000000"
                              "45 0000005d 53464154414c00 56464154414c00 433344303030 00"
                              "4d 646174616261736520226e6f7375636864622220646f6573206e6f7420657869737400"
                              "46706f7374696e69742e6300 4c39343800 52496e6974506f737467726573 00 00";

static void test_pg_server(void **st)
{
    (void)st;
    ap_reply r;
    buf b = hexbuf(pg_trusty);
    size_t off = 0, n = 0, accepted = 0;
    while (off < b.n) {
        assert_int_equal(srv_at(NULL, AP_POSTGRES, b, off, &r).status, DX_OK);
        assert_int_equal(r.skip, 0);
        if (n == 0)
            expect(&r, AP_ACCEPTED, "AuthenticationOk", 0, "");
        if (r.target && view_is(r.target, r.target_len, "server_version"))
            assert_view(r.message, r.message_len, "15.18 (Debian 15.18-0+deb12u1)");
        accepted += r.outcome == AP_ACCEPTED;
        off += r.consumed;
        n++;
    }
    expect(&r, AP_ACCEPTED, "ReadyForQuery", 0, "");
    assert_int_equal(n, 16);
    assert_int_equal(accepted, 2);
    drop(b);

    b = hexbuf(pg_sasl);
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "AuthenticationSASL", 10, "");
    assert_view(r.target, r.target_len, "SCRAM-SHA-256");
    drop(b);

    b = hexbuf(pg_bad_password);
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ErrorResponse", 0, "28P01");
    assert_view(r.message, r.message_len, "password authentication failed for user \"alice\"");
    assert_view(r.target, r.target_len, "FATAL");
    assert_string_equal(ap_reply_code_name(&r), "invalid_password");
    sweep(NULL, AP_POSTGRES, b, b.n);
    drop(b);

    b = hexbuf(pg_cleartext);
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "AuthenticationCleartextPassword", 3, "");
    drop(b);

    b = hexbuf(pg_reject);
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ErrorResponse", 0, "28000");
    assert_true(view_has(r.message, r.message_len, "pg_hba.conf rejects connection"));
    assert_string_equal(ap_reply_code_name(&r), "invalid_authorization_specification");
    drop(b);

    b = hexbuf(pg_nodb);
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "AuthenticationOk", 0, "");
    assert_int_equal(srv_at(NULL, AP_POSTGRES, b, r.consumed, &r).status, DX_OK);
    expect(&r, AP_ERROR, "ErrorResponse", 0, "3D000");
    assert_view(r.message, r.message_len, "database \"nosuchdb\" does not exist");
    drop(b);
}

static void test_pg_edges(void **st)
{
    (void)st;
    ap_reply r;
    /* length one more than the bytes: needs one more; one less: the field
     * list loses its terminator; a trailing byte is the next message's */
    buf b = hexbuf(pg_bad_password);
    b.p[4] = 0x66;
    dx_result res = srv(AP_POSTGRES, b, &r);
    assert_int_equal(res.status, DX_NEED_MORE);
    assert_int_equal(res.need, 1);
    b.p[4] = 0x64;
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_MALFORMED);
    drop(b);
    buf t = hexbuf("5a00000005 49 45");
    assert_int_equal(srv(AP_POSTGRES, t, &r).status, DX_OK);
    assert_int_equal(r.consumed, 6);
    assert_int_equal(srv_at(NULL, AP_POSTGRES, t, 6, &r).status, DX_NEED_MORE);
    drop(t);

    /* spec: FATAL 42501 (no CONNECT privilege) refuses, ERROR 42501 does not */
    b = hexbuf("45 0000001f 56464154414c00 433432353031 00 4d6e6f20636f6e6e65637400 00");
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ErrorResponse", 0, "42501");
    b.p[6] = 'E', b.p[7] = 'R', b.p[8] = 'R', b.p[9] = 'O', b.p[10] = 'R';
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_ERROR, "ErrorResponse", 0, "42501");
    drop(b);

    /* garbage: an HTTP response, a zero type, a length below 4 */
    const char *bad[] = {"485454502f312e3120323030", "0000000000", "5a00000003"};
    for (size_t i = 0; i < 3; i++) {
        b = hexbuf(bad[i]);
        res = srv(AP_POSTGRES, b, &r);
        assert_int_equal(res.status, DX_MALFORMED);
        assert_int_equal(res.code, DXE_APP);
        drop(b);
    }
    /* an ErrorResponse over the cap; a large DataRow: its header decides */
    b = hexbuf("45 00010000 53");
    res = srv(AP_POSTGRES, b, &r);
    assert_int_equal(res.status, DX_UNSUPPORTED);
    assert_int_equal(res.code, DXE_LENGTH_TOO_BIG);
    drop(b);
    b = hexbuf("44 00100000 0001 00000003");
    assert_int_equal(srv(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "DataRow", 0, "");
    assert_int_equal(r.consumed, 5);
    assert_int_equal(r.skip, 0x100000 - 4);
    drop(b);
}

static void test_pg_client(void **st)
{
    (void)st;
    ap_reply r;
    buf b = hexbuf(pg_startup);
    assert_int_equal(cli(AP_POSTGRES, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "StartupMessage", 196608, "");
    assert_view(r.user, r.user_len, "trusty");
    assert_view(r.target, r.target_len, "postgres");
    assert_int_equal(r.consumed, 61);
    assert_int_equal(ap_sniff_client(b.p, b.n, NULL, NULL), AP_POSTGRES);
    drop(b);
    /* real: the cleartext password message ('p'): by kind only */
    b = hexbuf("70 0000000a 77726f6e6700");
    assert_int_equal(cli(AP_POSTGRES, b, &r).status, DX_OK);
    assert_string_equal(r.kind, "PasswordMessage");
    assert_no_secret(&r, "wrong");
    drop(b);
    /* spec: protocol 2.0 is not ours */
    b = hexbuf("00000010 00020000 7573657200 6100 00");
    assert_int_equal(cli(AP_POSTGRES, b, &r).status, DX_MALFORMED);
    drop(b);
}

/* ---- MySQL / MariaDB ---------------------------------------------------- */

/* real: MariaDB 10.11 HandshakeV10 greeting. */
static const char my_greeting[] =
    "640000 00"
    "0a"                                                                  /* length 100, seq 0, protocol 10 */
    "352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531 00" /* server version */
    "04000000"
    "6764405158483f44 00"
    "fef7 2d 0200 ff81 15 000000000000 1d000000"
    "754534736a3a7d2e673f4476 00"
    "6d7973716c5f6e61746976655f70617373776f726400";
/* real: the client's HandshakeResponse41 (user alice, database app). */
static const char my_response[] =
    "d50000 01" /* length 213, seq 1 */
    "8ca2bf00"
    "00000010"
    "21" /* capabilities, max packet, charset */
    "00000000000000000000000000000000000000"
    "1d000000"                                     /* filler, MariaDB extended caps */
    "616c69636500"                                 /* user alice */
    "14 5d27a8818242f1802b0ae5bd2bec8755425c907b"  /* auth response (20) */
    "61707000"                                     /* database app */
    "6d7973716c5f6e61746976655f70617373776f726400" /* plugin */
    "7f035f6f73054c696e75780c5f636c69656e745f6e616d650a6c69626d617269616462045f7069640531313134350f5f636c6965"
    "6e745f76657273696f6e06332e332e3230095f706c6174666f726d067838365f36340c70726f6772616d5f6e616d65056d79"
    "73716c0c5f7365727665725f686f7374093132372e302e302e31"; /* connection attributes */
/* real: OK_Packet (with session state info). */
static const char my_ok[] = "0f0000 02"
                            "00 00 00 0240 0000"
                            "0006010403617070";
/* real: wrong password. */
static const char my_denied[] =
    "490000 02"
    "ff"
    "1504"
    "23"
    "3238303030" /* ERR 1045, #28000 */
    "4163636573732064656e69656420666f7220757365722027616c6963652740276c6f63616c686f73742720287573696e6720"
    "70617373776f72643a2059455329";
/* real: no grant on the database. */
static const char my_db_denied[] =
    "470000 02 ff 1404 23 3432303030" /* ERR 1044, #42000 */
    "4163636573732064656e69656420666f7220757365722027616c6963652740273132372e302e302e312720746f2064617461"
    "6261736520276f7468657227";
/* real: ACCOUNT LOCK (MariaDB's number). */
static const char my_locked[] = "2e0000 02 ff 3710 23 4859303030" /* ERR 4151, #HY000 */
                                "4163636573732064656e6965642c2074686973206163636f756e74206973206c6f636b6564";
/* real: ed25519 account: AuthSwitchRequest. */
static const char my_switch[] = "300000 02 fe 636c69656e745f65643235353139 00" /* plugin client_ed25519 */
                                "bd74c7f014c1e272979042cc6c6e883cb77f34201cd58c4d9e63a7dadeb40dca";

static void test_mysql(void **st)
{
    (void)st;
    ap_reply r;
    buf b = hexbuf(my_greeting);
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "HandshakeV10", 0, "");
    assert_view(r.target, r.target_len, "5.5.5-10.11.19-MariaDB-0+deb12u1");
    assert_int_equal(ap_sniff_server(b.p, b.n, NULL, NULL), AP_MYSQL);
    drop(b);

    b = hexbuf(my_response);
    assert_int_equal(cli(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "HandshakeResponse41", 0x00bfa28c, "");
    assert_view(r.user, r.user_len, "alice");
    assert_view(r.target, r.target_len, "app");
    assert_view(r.message, r.message_len, "mysql_native_password");
    assert_int_equal(ap_sniff_client(b.p, b.n, NULL, NULL), AP_MYSQL);
    drop(b);

    b = hexbuf(my_ok);
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "OK_Packet", 0, "");
    drop(b);

    b = hexbuf(my_denied);
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ERR_Packet", 1045, "28000");
    assert_view(r.message, r.message_len, "Access denied for user 'alice'@'localhost' (using password: YES)");
    assert_string_equal(ap_reply_code_name(&r), "ER_ACCESS_DENIED_ERROR");
    sweep(NULL, AP_MYSQL, b, b.n);
    drop(b);

    b = hexbuf(my_db_denied);
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ERR_Packet", 1044, "42000");
    drop(b);
    b = hexbuf(my_locked);
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ERR_Packet", 4151, "HY000");
    drop(b);
    b = hexbuf(my_switch);
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "AuthSwitchRequest", 0, "");
    assert_view(r.target, r.target_len, "client_ed25519");
    drop(b);
}

static void test_mysql_spec(void **st)
{
    (void)st;
    ap_reply r;
    /* spec: 1040 too many connections, before the greeting (no SQLSTATE) */
    buf b = hexbuf("170000 00 ff 1004 546f6f206d616e7920636f6e6e656374696f6e73");
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_ERROR, "ERR_Packet", 1040, "");
    assert_view(r.message, r.message_len, "Too many connections");
    assert_int_equal(ap_sniff_server(b.p, b.n, NULL, NULL), AP_MYSQL);
    drop(b);
    /* spec: an unknown error with SQLSTATE 28000 still refuses */
    b = hexbuf("0b0000 02 ff 0f27 23 3238303030 6e6f");
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "ERR_Packet", 9999, "28000");
    drop(b);
    /* real: EOF_Packet; spec: AuthMoreData (caching_sha2 full auth) */
    b = hexbuf("050000 05 fe 0000 0200 020000 04 01 04");
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "EOF_Packet", 0, "");
    assert_int_equal(srv_at(NULL, AP_MYSQL, b, 9, &r).status, DX_OK);
    expect(&r, AP_INFO, "AuthMoreData", 0, "");
    drop(b);
    /* an OK_Packet too short; a packet over the cap; a large row decides
     * nothing and is skipped */
    b = hexbuf("030000 02 00 00 00");
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_MALFORMED);
    drop(b);
    b = hexbuf("ffff00 02 ff 15 04");
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_UNSUPPORTED);
    drop(b);
    b = hexbuf("ffff00 05 fa 0102");
    assert_int_equal(srv(AP_MYSQL, b, &r).status, DX_OK);
    assert_int_equal(r.consumed, 4);
    assert_int_equal(r.skip, 0xffff);
    drop(b);
    /* real: the client's COM_QUERY, and an SSLRequest (spec) */
    b = hexbuf("090000 00 03 73656c6563742031");
    assert_int_equal(cli(AP_MYSQL, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "command", 3, "");
    assert_null(ap_reply_code_name(&r));
    drop(b);
    b = hexbuf("200000 01 8caabf00 00000001 21 0000000000000000000000000000000000000000000000");
    assert_int_equal(cli(AP_MYSQL, b, &r).status, DX_OK);
    assert_string_equal(r.kind, "SSLRequest");
    drop(b);
}

/* ---- MQTT ---------------------------------------------------------------- */

/* real: mosquitto_pub -V mqttv311 -u alice -P secret -i dev42 */
static const char mq_connect311[] = "10 20"              /* CONNECT, remaining length 32 */
                                    "0004 4d515454 04"   /* "MQTT", level 4 */
                                    "c2 003c"            /* flags: user, password, clean; keep alive 60 */
                                    "0005 6465763432"    /* client id dev42 */
                                    "0005 616c696365"    /* user alice */
                                    "0006 736563726574"; /* password secret */
/* real: -V mqttv5: properties 0x21 receive maximum 20. */
static const char mq_connect5[] =
    "10 24 0004 4d515454 05 c2 003c 03 21 0014 0005 6465763432 0005 616c696365 0006 736563726574";
/* real: -V mqttv31 (MQIsdp, level 3), wrong password. */
static const char mq_connect31[] = "10 21 0006 4d5149736470 03 c2 003c 0005 6465763432 0005 616c696365 0005 77726f6e67";

static void test_mqtt(void **st)
{
    (void)st;
    ap_reply r;
    ap_ctx ctx;
    buf b = hexbuf(mq_connect311);
    assert_int_equal(cli(AP_MQTT, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "CONNECT", 4, "");
    assert_view(r.target, r.target_len, "dev42");
    assert_view(r.user, r.user_len, "alice");
    assert_view(r.message, r.message_len, "MQTT");
    assert_no_secret(&r, "secret");
    assert_int_equal(ap_sniff_client(b.p, b.n, NULL, NULL), AP_MQTT);
    ap_ctx_init(&ctx, AP_MQTT);
    ap_ctx_note_client(&ctx, &r);
    assert_int_equal(ctx.mqtt_level, 4);
    drop(b);

    /* real CONNACKs: 3.1.1 accepted, not authorized (5) */
    b = hexbuf("20020000 20020005");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "CONNACK", 0, "");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 4, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "CONNACK", 5, "");
    assert_string_equal(ap_reply_code_name(&r), "not authorized");
    sweep(&ctx, AP_MQTT, b, 4);
    drop(b);

    /* real: MQTT 5: accepted with properties, then not authorized (0x87) */
    b = hexbuf(mq_connect5);
    assert_int_equal(cli(AP_MQTT, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "CONNECT", 5, "");
    assert_view(r.user, r.user_len, "alice");
    ap_ctx_note_client(&ctx, &r);
    assert_int_equal(ctx.mqtt_level, 5);
    drop(b);
    b = hexbuf("2009 00 00 06 22000a 210014"
               "2003 00 87 00");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "CONNACK", 0, "");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 11, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "CONNACK", 0x87, "");
    /* without the client's level the length tells */
    assert_int_equal(srv_at(NULL, AP_MQTT, b, 11, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "CONNACK", 0x87, "");
    drop(b);

    /* real: MQTT 3.1 (MQIsdp) */
    b = hexbuf(mq_connect31);
    assert_int_equal(cli(AP_MQTT, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "CONNECT", 3, "");
    assert_view(r.message, r.message_len, "MQIsdp");
    assert_no_secret(&r, "wrong");
    drop(b);
}

static void test_mqtt_spec(void **st)
{
    (void)st;
    ap_reply r;
    ap_ctx ctx;
    ap_ctx_init(&ctx, AP_MQTT);
    ctx.mqtt_level = 5;
    /* spec: CONNACK 0x86 with a Reason String and a User Property */
    buf b = hexbuf("201e 00 86 1b"
                   "1f 000f 626164206365727469666963617465" /* reason string "bad certificate" */
                   "26 0002 6964 0002 3432");               /* user property id=42 */
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "CONNACK", 0x86, "");
    assert_view(r.message, r.message_len, "bad certificate");
    assert_string_equal(ap_reply_code_name(&r), "bad user name or password");
    sweep(&ctx, AP_MQTT, b, b.n);
    drop(b);
    /* spec: 0x9c use another server with a Server Reference; 0x8a banned */
    b = hexbuf("200e 00 9c 0b 1c 0008 6d71322e74657374"
               "2003 00 8a 00");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_OK);
    expect(&r, AP_ERROR, "CONNACK", 0x9c, "");
    assert_view(r.target, r.target_len, "mq2.test");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 16, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "CONNACK", 0x8a, "");
    drop(b);
    /* spec: DISCONNECT not authorized; AUTH continue; an unknown property */
    b = hexbuf("e0028700 f0021800 2004 0000 0199");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "DISCONNECT", 0x87, "");
    assert_string_equal(ap_reply_code_name(&r), "not authorized");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 4, &r).status, DX_OK);
    expect(&r, AP_INFO, "AUTH", 0x18, "");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 8, &r).status, DX_MALFORMED);
    drop(b);
    /* a 4-byte remaining length: a PUBLISH of 2 MB decides by its header;
     * a CONNACK that long is over the cap; a fifth length byte is malformed */
    b = hexbuf("30 80808001 0003 612f62");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_OK);
    expect(&r, AP_INFO, "PUBLISH", 0, "");
    assert_int_equal(r.consumed, 5);
    assert_int_equal(r.skip, 2097152);
    b.p[0] = 0x20;
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_UNSUPPORTED);
    drop(b);
    b = hexbuf("30 8080808001 00");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_MALFORMED);
    drop(b);
    /* wrong fixed-header flags; a client packet from the server */
    b = hexbuf("21020000 10020000");
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 0, &r).status, DX_MALFORMED);
    assert_int_equal(srv_at(&ctx, AP_MQTT, b, 4, &r).status, DX_MALFORMED);
    drop(b);
    /* spec: 3.1.1 return codes 1..3 are errors, 4 refuses */
    b = hexbuf("20020003 20020004");
    assert_int_equal(srv(AP_MQTT, b, &r).status, DX_OK);
    expect(&r, AP_ERROR, "CONNACK", 3, "");
    assert_int_equal(srv_at(NULL, AP_MQTT, b, 4, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "CONNACK", 4, "");
    drop(b);
}

/* ---- Redis ---------------------------------------------------------------- */

static void test_redis(void **st)
{
    (void)st;
    ap_reply r;
    static const struct {
        const char *bytes;
        ap_outcome outcome;
        const char *kind, *prefix;
    } real[] = {
        {"+OK\r\n", AP_ACCEPTED, "simple string", NULL},
        {"+PONG\r\n", AP_ACCEPTED, "simple string", NULL},
        {"-WRONGPASS invalid username-password pair or user is disabled.\r\n", AP_REFUSED_AUTH, "simple error",
         "WRONGPASS"},
        {"-NOAUTH Authentication required.\r\n", AP_REFUSED_AUTH, "simple error", "NOAUTH"},
        {"-NOPERM this user has no permissions to run the 'get' command\r\n", AP_REFUSED_AUTH, "simple error",
         "NOPERM"},
        {"-ERR AUTH <password> called without any password configured for the default user. Are you sure your "
         "configuration is correct?\r\n",
         AP_REFUSED_AUTH, "simple error", "ERR"},
        {"-ERR wrong number of arguments for 'debug' command\r\n", AP_ERROR, "simple error", "ERR"},
        /* spec */
        {"-DENIED Redis is running in protected mode\r\n", AP_REFUSED_AUTH, "simple error", "DENIED"},
        {"-ERR unknown command 'AUTH', with args beginning with: \r\n", AP_ERROR, "simple error", "ERR"},
        {"-ERR invalid password\r\n", AP_REFUSED_AUTH, "simple error", "ERR"},
        {"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", AP_ERROR, "simple error",
         "WRONGTYPE"},
        {"!21\r\nSYNTAX invalid syntax\r\n", AP_ERROR, "blob error", "SYNTAX"},
        {"!14\r\nNOAUTH needed.\r\n", AP_REFUSED_AUTH, "blob error", "NOAUTH"},
        {":1000\r\n", AP_ACCEPTED, "integer", NULL},
        {"_\r\n", AP_ACCEPTED, "null", NULL},
        {"#t\r\n", AP_ACCEPTED, "boolean", NULL},
        {",3.14\r\n", AP_ACCEPTED, "double", NULL},
        {"(3492890328409238509324850943850943825024385\r\n", AP_ACCEPTED, "big number", NULL},
        {"=15\r\ntxt:Some string\r\n", AP_ACCEPTED, "verbatim string", NULL},
        {"|1\r\n", AP_INFO, "attribute", NULL},
        {">3\r\n", AP_ACCEPTED, "push", NULL},
        {"~2\r\n", AP_ACCEPTED, "set", NULL},
    };
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        buf b = txt(real[i].bytes);
        assert_int_equal(srv(AP_REDIS, b, &r).status, DX_OK);
        assert_int_equal(r.consumed, b.n);
        expect(&r, real[i].outcome, real[i].kind, 0, "");
        if (real[i].prefix)
            assert_view(r.target, r.target_len, real[i].prefix);
        if (real[i].bytes[0] != '=') /* a verbatim string's header decides: a prefix is DX_OK */
            sweep(NULL, AP_REDIS, b, b.n);
        drop(b);
    }
    buf b = txt(real[2].bytes);
    assert_int_equal(srv(AP_REDIS, b, &r).status, DX_OK);
    assert_view(r.message, r.message_len, "WRONGPASS invalid username-password pair or user is disabled.");
    drop(b);

    /* real: the replies to a pipeline of inline commands, one value at a time */
    b = txt("+OK\r\n$-1\r\n+OK\r\n$5\r\nvvvvv\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
            "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:4\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
            "$7\r\nmodules\r\n*0\r\n-ERR wrong number of arguments for 'debug' command\r\n");
    size_t off = 0, n = 0;
    while (off < b.n) {
        assert_int_equal(srv_at(NULL, AP_REDIS, b, off, &r).status, DX_OK);
        assert_int_equal(r.skip, 0);
        off += r.consumed;
        n++;
    }
    assert_int_equal(n, 20);
    expect(&r, AP_ERROR, "simple error", 0, "");
    drop(b);
}

static void test_redis_edges(void **st)
{
    (void)st;
    ap_reply r;
    /* an error without its CRLF yet; a CR alone; a bare LF */
    const char *more[] = {"-NOAUTH Authentication required.", "-NOAUTH Authentication required.\r"};
    for (size_t i = 0; i < 2; i++) {
        buf b = txt(more[i]);
        assert_int_equal(srv(AP_REDIS, b, &r).status, DX_NEED_MORE);
        drop(b);
    }
    const char *bad[] = {"-ERR x\rY\r\n", "+OK\n",  "?what\r\n",   ":12a\r\n",
                         "$abc\r\n",      "#x\r\n", "$3\r\nabcXY", "HTTP/1.1 200 OK\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf b = txt(bad[i]);
        dx_result res = srv(AP_REDIS, b, &r);
        if (res.status != DX_MALFORMED)
            fail_msg("\"%s\" gave %d", bad[i], res.status);
        drop(b);
    }
    /* a large bulk string: the header decides, the body is skipped */
    buf b = txt("$100000\r\nabc");
    assert_int_equal(srv(AP_REDIS, b, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "bulk string", 0, "");
    assert_int_equal(r.consumed, 9);
    assert_int_equal(r.skip, 100002);
    drop(b);
    /* a line with no end in AP_MAX_MESSAGE bytes */
    uint8_t *big = malloc(AP_MAX_MESSAGE + 10);
    assert_non_null(big);
    memset(big, 'a', AP_MAX_MESSAGE + 10);
    big[0] = '-';
    b = copy_bytes(big, AP_MAX_MESSAGE + 10);
    dx_result res = srv(AP_REDIS, b, &r);
    assert_int_equal(res.status, DX_UNSUPPORTED);
    assert_int_equal(res.code, DXE_LENGTH_TOO_BIG);
    drop(b);
    free(big);
}

static void test_redis_client(void **st)
{
    (void)st;
    ap_reply r;
    /* real: redis-cli -a secret; --user limited --pass pw */
    buf b = txt("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n");
    assert_int_equal(cli(AP_REDIS, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "command", 2, "");
    assert_view(r.target, r.target_len, "AUTH");
    assert_null(r.user);
    assert_no_secret(&r, "secret");
    assert_int_equal(ap_sniff_client(b.p, b.n, NULL, NULL), AP_REDIS);
    for (size_t cut = 0; cut < b.n; cut++) {
        buf part = copy_bytes(b.p, cut);
        assert_int_equal(cli(AP_REDIS, part, &r).status, DX_NEED_MORE);
        drop(part);
    }
    drop(b);
    b = txt("*3\r\n$4\r\nAUTH\r\n$7\r\nlimited\r\n$2\r\npw\r\n");
    assert_int_equal(cli(AP_REDIS, b, &r).status, DX_OK);
    assert_view(r.user, r.user_len, "limited");
    assert_no_secret(&r, "pw\r");
    drop(b);
    /* real: inline AUTH; spec: inline HELLO with AUTH */
    b = txt("AUTH secret\r\nGET nokey\r\n");
    assert_int_equal(cli(AP_REDIS, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "inline command", 2, "");
    assert_view(r.line, r.line_len, "AUTH");
    assert_int_equal(r.consumed, 13);
    assert_no_secret(&r, "secret");
    assert_int_equal(ap_sniff_client(b.p, b.n, NULL, NULL), AP_REDIS);
    drop(b);
    b = txt("HELLO 3 AUTH limited pw SETNAME app\r\n");
    assert_int_equal(cli(AP_REDIS, b, &r).status, DX_OK);
    assert_view(r.line, r.line_len, "HELLO 3 AUTH limited");
    assert_view(r.user, r.user_len, "limited");
    assert_no_secret(&r, " pw");
    drop(b);
}

/* ---- LDAP ----------------------------------------------------------------- */

/* real: ldapwhoami -x -D cn=admin,dc=example,dc=com -w secret */
static const char ld_bind_simple[] = "30 2c 020101" /* LDAPMessage, messageID 1 */
                                     "60 27 020103" /* bindRequest, version 3 */
                                     "04 1a 636e3d61646d696e2c64633d6578616d706c652c64633d636f6d" /* name */
                                     "80 06 736563726574";                                        /* simple: secret */
static const char ld_bind_ok[] = "30 0c 020101 61 07 0a0100 0400 0400";                           /* real: success */
static const char ld_bind_49[] = "30 0c 020101 61 07 0a0131 0400 0400"; /* real: invalidCredentials */
/* real: the WhoAmI extended request and its response (responseValue only). */
static const char ld_whoami[] = "30 1e 020102 77 19 80 17 312e332e362e312e342e312e343230332e312e31312e33";
static const char ld_whoami_resp[] =
    "30 2b 020102 78 26 0a0100 0400 0400 8b 1d 646e3a636e3d61646d696e2c64633d6578616d706c652c64633d636f6d";
/* real: anonymous base search: an entry, then searchResDone, one segment. */
static const char ld_search[] =
    "30 64 020102 64 5f 04 11 64633d6578616d706c652c64633d636f6d"
    "30 4a 3027040b6f626a656374436c6173733118040864634f626a656374040c6f7267616e697a6174696f6e"
    "300e04016f310904074578616d706c65300f04026463310904076578616d706c65"
    "30 0c 020102 65 07 0a0100 0400 0400";
/* real: slapd with security ssf=128: confidentialityRequired. */
static const char ld_conf_req[] =
    "30 24 020102 65 1f 0a010d 0400 04 18 636f6e666964656e7469616c697479207265717569726564";

static void test_ldap(void **st)
{
    (void)st;
    ap_reply r;
    buf b = hexbuf(ld_bind_simple);
    assert_int_equal(cli(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "simple bindRequest", 0, "");
    assert_view(r.user, r.user_len, "cn=admin,dc=example,dc=com");
    assert_no_secret(&r, "secret");
    assert_int_equal(ap_sniff_client(b.p, b.n, NULL, NULL), AP_LDAP);
    drop(b);

    b = hexbuf(ld_bind_ok);
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "bindResponse", 0, "");
    assert_null(r.message);
    drop(b);
    b = hexbuf(ld_bind_49);
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "bindResponse", 49, "");
    assert_string_equal(ap_reply_code_name(&r), "invalidCredentials");
    sweep(NULL, AP_LDAP, b, b.n);
    drop(b);

    b = hexbuf(ld_whoami);
    assert_int_equal(cli(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "extendedReq", 23, "");
    assert_view(r.target, r.target_len, "1.3.6.1.4.1.4203.1.11.3");
    drop(b);
    b = hexbuf(ld_whoami_resp);
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "extendedResp", 0, "");
    drop(b);

    b = hexbuf(ld_search);
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "searchResEntry", 0, "");
    assert_null(ap_reply_code_name(&r)); /* no LDAPResult in an entry */
    assert_int_equal(r.consumed, 102);
    assert_int_equal(srv_at(NULL, AP_LDAP, b, 102, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "searchResDone", 0, "");
    /* the entry cut short: its tag decides, its body is skipped */
    buf part = copy_bytes(b.p, 20);
    assert_int_equal(srv(AP_LDAP, part, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "searchResEntry", 0, "");
    assert_int_equal(r.consumed + r.skip, 102);
    drop(part);
    drop(b);

    b = hexbuf(ld_conf_req);
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "searchResDone", 13, "");
    assert_view(r.message, r.message_len, "confidentiality required");
    drop(b);
}

static void test_ldap_spec(void **st)
{
    (void)st;
    ap_reply r;
    /* spec: SASL EXTERNAL bind (the certificate is the credential) */
    buf b = hexbuf("30 16 020101 60 11 020103 0400 a3 0a 04 08 45585445524e414c");
    assert_int_equal(cli(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "SASL bindRequest", 0, "");
    assert_view(r.target, r.target_len, "EXTERNAL");
    assert_null(r.user);
    drop(b);
    /* spec: inappropriateAuthentication, long-form lengths (0x81, 0x82) */
    b = hexbuf("30 81 2e 020101 61 82 0027 0a0130 0400 04 81 1f"
               "6e6f20636c69656e74206365727469666963617465207072657365 6e746564");
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "bindResponse", 48, "");
    assert_view(r.message, r.message_len, "no client certificate presented");
    sweep(NULL, AP_LDAP, b, b.n);
    drop(b);
    /* spec: saslBindInProgress with serverSaslCreds */
    b = hexbuf("30 10 020102 61 0b 0a010e 0400 0400 87 02 6869");
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "bindResponse", 14, "");
    drop(b);
    /* spec: Notice of Disconnection (messageID 0, unavailable) */
    b = hexbuf("30 31 020100 78 2c 0a0134 0400 04 0d 7368757474696e6720646f776e"
               "8a 16 312e332e362e312e342e312e313436362e3230303336");
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_OK);
    expect(&r, AP_ERROR, "noticeOfDisconnection", 52, "");
    assert_view(r.message, r.message_len, "shutting down");
    assert_view(r.target, r.target_len, "1.3.6.1.4.1.1466.20036");
    drop(b);
    /* malformed: indefinite length, a 5-byte length, an inner length past
     * its parent, a request op from the server, not a SEQUENCE */
    const char *bad[] = {"30 80 020101 61 07 0a0100 0400 0400 0000", "30 85 0000000007 020101",
                         "30 0c 020101 61 07 0a0100 0400 0409", "30 0c 020101 60 07 020103 0400 8000",
                         "31 0c 020101 61 07 0a0100 0400 0400"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = hexbuf(bad[i]);
        dx_result res = srv(AP_LDAP, b, &r);
        if (res.status != DX_MALFORMED)
            fail_msg("bad LDAP %zu gave %d", i, res.status);
        drop(b);
    }
    b = hexbuf("30 0c 020101 61 07 0a0100 0400 0409");
    assert_int_equal(srv(AP_LDAP, b, &r).code, DXE_LENGTH_PAST_END);
    drop(b);
    /* a result longer than the cap */
    b = hexbuf("30 83 010000 020101 65 83 00fff8 0a0100");
    assert_int_equal(srv(AP_LDAP, b, &r).status, DX_UNSUPPORTED);
    drop(b);
}

/* ---- SMTP ----------------------------------------------------------------- */

static void test_smtp(void **st)
{
    (void)st;
    ap_reply r;
    /* real: Postfix 3.7 */
    buf b = txt("220 mx.example.com ESMTP Postfix\r\n");
    assert_int_equal(srv(AP_SMTP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "reply", 220, "");
    assert_view(r.message, r.message_len, "mx.example.com ESMTP Postfix");
    assert_int_equal(ap_sniff_server(b.p, b.n, NULL, NULL), AP_SMTP);
    drop(b);
    b = txt("250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
            "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
            "250 CHUNKING\r\n");
    assert_int_equal(srv(AP_SMTP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "reply", 250, "");
    assert_int_equal(r.consumed, b.n);
    assert_view(r.line, r.line_len, "250-mx.example.com");
    assert_view(r.message, r.message_len, "CHUNKING");
    sweep(NULL, AP_SMTP, b, b.n);
    drop(b);
    b = txt("535 5.7.8 Error: authentication failed: (reason unavailable)\r\n");
    assert_int_equal(srv(AP_SMTP, b, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "reply", 535, "5.7.8");
    assert_view(r.message, r.message_len, "Error: authentication failed: (reason unavailable)");
    drop(b);
    b = txt("250 2.1.0 Ok\r\n554 5.7.1 <b@elsewhere.net>: Relay access denied\r\n221 2.0.0 Bye\r\n");
    assert_int_equal(srv(AP_SMTP, b, &r).status, DX_OK);
    expect(&r, AP_INFO, "reply", 250, "2.1.0");
    assert_int_equal(srv_at(NULL, AP_SMTP, b, 14, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "reply", 554, "5.7.1");
    assert_view(r.message, r.message_len, "<b@elsewhere.net>: Relay access denied");
    drop(b);
    b = txt("334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n221 2.0.0 Bye\r\n");
    size_t off = 0;
    ap_outcome seen[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(srv_at(NULL, AP_SMTP, b, off, &r).status, DX_OK);
        seen[i] = r.outcome;
        off += r.consumed;
    }
    assert_int_equal(seen[0], AP_INFO);
    assert_int_equal(seen[2], AP_ACCEPTED);
    assert_int_equal(seen[3], AP_INFO);
    drop(b);
    /* spec: RFC 4954 codes; a temporary failure; a bare code line; LF ends */
    static const struct {
        const char *bytes;
        ap_outcome outcome;
        uint32_t code;
        const char *state;
    } spec[] = {
        {"530 5.7.0 Must issue a STARTTLS command first\r\n", AP_REFUSED_AUTH, 530, "5.7.0"},
        {"454 4.7.0 TLS not available due to local problem\r\n", AP_ERROR, 454, "4.7.0"},
        {"550 5.1.1 <x@y>: Recipient address rejected\r\n", AP_ERROR, 550, "5.1.1"},
        {"553 5.7.1 Sender address rejected: not owned by user\r\n", AP_REFUSED_AUTH, 553, "5.7.1"},
        {"421 mx Service not available\r\n", AP_ERROR, 421, ""},
        {"250\r\n", AP_INFO, 250, ""},
        {"535 Authentication failed\n", AP_REFUSED_AUTH, 535, ""},
    };
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        b = txt(spec[i].bytes);
        assert_int_equal(srv(AP_SMTP, b, &r).status, DX_OK);
        expect(&r, spec[i].outcome, "reply", spec[i].code, spec[i].state);
        drop(b);
    }
    const char *bad[] = {"250-a\r\n251 b\r\n", "2x0 x\r\n", "250x\r\n", "* OK ready\r\n", "650 x\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = txt(bad[i]);
        assert_int_equal(srv(AP_SMTP, b, &r).status, DX_MALFORMED);
        drop(b);
    }
    b = txt("250-a\r\n250-b\r\n");
    assert_int_equal(srv(AP_SMTP, b, &r).status, DX_NEED_MORE);
    drop(b);
}

static void test_mail_client(void **st)
{
    (void)st;
    ap_reply r;
    static const struct {
        ap_proto proto;
        const char *bytes, *line, *verb, *user, *secret;
    } cases[] = {
        /* real */
        {AP_SMTP, "EHLO client.example.org\r\n", "EHLO client.example.org", "EHLO", NULL, NULL},
        {AP_SMTP, "AUTH PLAIN AGFsaWNlAHdyb25n\r\n", "AUTH PLAIN", "AUTH", NULL, "AGFsaWNl"},
        {AP_SMTP, "MAIL FROM:<a@example.org>\r\n", "MAIL FROM:<a@example.org>", "MAIL", NULL, NULL},
        {AP_IMAP, "a1 CAPABILITY\r\n", "a1 CAPABILITY", "CAPABILITY", NULL, NULL},
        {AP_IMAP, "a2 LOGIN alice wrong\r\n", "a2 LOGIN alice", "LOGIN", "alice", "wrong"},
        {AP_IMAP, "a3 LOGIN \"alice\" \"secret\"\r\n", "a3 LOGIN \"alice\"", "LOGIN", "alice", "secret"},
        {AP_IMAP, "y AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n", "y AUTHENTICATE PLAIN", "AUTHENTICATE", NULL,
         "AGFs"},
        {AP_POP3, "USER alice\r\n", "USER alice", "USER", "alice", NULL},
        {AP_POP3, "PASS wrong\r\n", "PASS", "PASS", NULL, "wrong"},
        {AP_POP3, "APOP alice 0123456789abcdef0123456789abcdef\r\n", "APOP alice", "APOP", "alice", "0123"},
        {AP_POP3, "AUTH PLAIN AGFsaWNlAHdyb25n\r\n", "AUTH PLAIN", "AUTH", NULL, "AGFs"},
        /* spec: a quoted user with an escaped quote; a literal is not followed */
        {AP_IMAP, "b LOGIN \"al\\\"ice\" pw\r\n", "b LOGIN \"al\\\"ice\"", "LOGIN", "al\\\"ice", " pw"},
        {AP_IMAP, "c LOGIN {5}\r\n", "c LOGIN ", "LOGIN", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = txt(cases[i].bytes);
        assert_int_equal(cli(cases[i].proto, b, &r).status, DX_OK);
        assert_string_equal(r.kind, "command");
        assert_int_equal(r.consumed, b.n);
        if (!view_is(r.line, r.line_len, cases[i].line))
            fail_msg("%s: line \"%.*s\"", cases[i].bytes, (int)r.line_len, (const char *)r.line);
        assert_view(r.target, r.target_len, cases[i].verb);
        if (cases[i].user)
            assert_view(r.user, r.user_len, cases[i].user);
        else
            assert_null(r.user);
        if (cases[i].secret)
            assert_no_secret(&r, cases[i].secret);
        drop(b);
    }
    /* real: SASL responses (base64 credentials) show nothing */
    const char *sasl[] = {"YWxpY2U=\r\n", "AGFsaWNlAHdyb25n\r\n"};
    for (size_t i = 0; i < 2; i++) {
        buf b = txt(sasl[i]);
        assert_int_equal(cli(i ? AP_IMAP : AP_SMTP, b, &r).status, DX_OK);
        assert_string_equal(r.kind, "continuation line");
        assert_null(r.line);
        assert_null(r.target);
        drop(b);
    }
}

/* ---- IMAP ----------------------------------------------------------------- */

/* Note the client line for ctx. */
static void note(ap_ctx *ctx, const char *line)
{
    ap_reply m;
    buf b = txt(line);
    assert_int_equal(cli(ctx->proto, b, &m).status, DX_OK);
    ap_ctx_note_client(ctx, &m);
    drop(b);
}

static void test_imap(void **st)
{
    (void)st;
    ap_reply r;
    ap_ctx ctx;
    ap_ctx_init(&ctx, AP_IMAP);
    /* real: Dovecot 2.3 */
    buf b = txt("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN] "
                "Dovecot (Debian) ready.\r\n");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 0, &r).status, DX_OK);
    expect(&r, AP_INFO, "* OK", 0, "CAPABILITY");
    assert_int_equal(ap_sniff_server(b.p, b.n, NULL, NULL), AP_IMAP);
    drop(b);
    note(&ctx, "a1 CAPABILITY\r\n");
    b = txt("* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN\r\n"
            "a1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 0, &r).status, DX_OK);
    expect(&r, AP_INFO, "untagged data", 0, "");
    size_t off = r.consumed;
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, off, &r).status, DX_OK);
    expect(&r, AP_INFO, "tagged OK", 0, ""); /* answers CAPABILITY, not a login */
    assert_int_equal(srv_at(NULL, AP_IMAP, b, off, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "tagged OK", 0, ""); /* without context: a tagged OK */
    drop(b);
    note(&ctx, "a2 LOGIN alice wrong\r\n");
    assert_string_equal(ctx.auth_tag, "a2");
    b = txt("a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 0, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "tagged NO", 0, "AUTHENTICATIONFAILED");
    assert_view(r.message, r.message_len, "[AUTHENTICATIONFAILED] Authentication failed.");
    sweep(&ctx, AP_IMAP, b, b.n);
    drop(b);
    note(&ctx, "a3 LOGIN \"alice\" \"secret\"\r\n");
    note(&ctx, "a4 LOGOUT\r\n");
    b = txt("a3 OK Logged in\r\n* BYE Logging out\r\na4 OK Logout completed (0.001 + 0.000 secs).\r\n");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 0, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "tagged OK", 0, "");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 17, &r).status, DX_OK);
    expect(&r, AP_INFO, "* BYE", 0, ""); /* after LOGOUT */
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 36, &r).status, DX_OK);
    expect(&r, AP_INFO, "tagged OK", 0, "");
    drop(b);

    /* real: AUTHENTICATE PLAIN, a continuation, then NO */
    ap_ctx_init(&ctx, AP_IMAP);
    note(&ctx, "x AUTHENTICATE PLAIN\r\n");
    b = txt("+ \r\nx NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 0, &r).status, DX_OK);
    expect(&r, AP_INFO, "continuation", 0, "");
    assert_int_equal(srv_at(&ctx, AP_IMAP, b, 4, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "tagged NO", 0, "AUTHENTICATIONFAILED");
    drop(b);

    /* spec */
    static const struct {
        const char *bytes;
        ap_outcome outcome;
        const char *kind, *state;
    } spec[] = {
        {"* PREAUTH [CAPABILITY IMAP4rev1] logged in as alice by certificate\r\n", AP_ACCEPTED, "* PREAUTH",
         "CAPABILITY"},
        {"* BYE [UNAVAILABLE] Server shutting down\r\n", AP_ERROR, "* BYE", "UNAVAILABLE"},
        {"* BYE [AUTHORIZATIONFAILED] certificate not accepted\r\n", AP_REFUSED_AUTH, "* BYE", "AUTHORIZATIONFAILED"},
        {"* NO [ALERT] disk almost full\r\n", AP_INFO, "* NO", "ALERT"},
        {"* BAD internal error\r\n", AP_ERROR, "* BAD", ""},
        {"t1 BAD Error in IMAP command\r\n", AP_ERROR, "tagged BAD", ""},
        {"t1 NO [PRIVACYREQUIRED] TLS needed\r\n", AP_REFUSED_AUTH, "tagged NO", "PRIVACYREQUIRED"},
        {"t1 NO [NONEXISTENT] no such mailbox\r\n", AP_ERROR, "tagged NO", "NONEXISTENT"},
        {"* 3 EXISTS\r\n", AP_INFO, "untagged data", ""},
    };
    ap_ctx_init(&ctx, AP_IMAP);
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        b = txt(spec[i].bytes);
        assert_int_equal(srv_at(&ctx, AP_IMAP, b, 0, &r).status, DX_OK);
        expect(&r, spec[i].outcome, spec[i].kind, 0, spec[i].state);
        drop(b);
    }
    const char *bad[] = {"HTTP/1.1 200 OK\r\n", "a1 MAYBE\r\n", "*\r\n", "(x) OK\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = txt(bad[i]);
        assert_int_equal(srv(AP_IMAP, b, &r).status, DX_MALFORMED);
        drop(b);
    }
}

/* ---- POP3 ----------------------------------------------------------------- */

static void test_pop3(void **st)
{
    (void)st;
    ap_reply r;
    ap_ctx ctx;
    ap_ctx_init(&ctx, AP_POP3);
    /* real: Dovecot 2.3 */
    buf b = txt("+OK Dovecot (Debian) ready.\r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    expect(&r, AP_INFO, "+OK", 0, "");
    assert_view(r.message, r.message_len, "Dovecot (Debian) ready.");
    assert_int_equal(ap_sniff_server(b.p, b.n, NULL, NULL), AP_POP3);
    drop(b);
    b = txt("+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN "
            "LOGIN\r\n.\r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK); /* without CAPA noted: one line */
    assert_int_equal(r.consumed, 5);
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 5, &r).status, DX_MALFORMED);
    note(&ctx, "CAPA\r\n");
    assert_true(ctx.last_multiline);
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    assert_int_equal(r.consumed, b.n);
    sweep(&ctx, AP_POP3, b, b.n);
    drop(b);
    note(&ctx, "USER alice\r\n");
    b = txt("+OK\r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    expect(&r, AP_INFO, "+OK", 0, "");
    drop(b);
    note(&ctx, "PASS wrong\r\n");
    b = txt("-ERR [AUTH] Authentication failed.\r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "-ERR", 0, "AUTH");
    assert_int_equal(srv(AP_POP3, b, &r).status, DX_OK); /* [AUTH] refuses without context too */
    expect(&r, AP_REFUSED_AUTH, "-ERR", 0, "AUTH");
    drop(b);
    note(&ctx, "PASS secret\r\n");
    b = txt("+OK Logged in.\r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    expect(&r, AP_ACCEPTED, "+OK", 0, "");
    drop(b);
    note(&ctx, "APOP alice 0123456789abcdef0123456789abcdef\r\n");
    b = txt("-ERR APOP not enabled.\r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    expect(&r, AP_REFUSED_AUTH, "-ERR", 0, "");
    assert_int_equal(srv(AP_POP3, b, &r).status, DX_OK);
    expect(&r, AP_ERROR, "-ERR", 0, "");
    drop(b);
    /* spec: a system error after PASS is not a refusal; a continuation */
    note(&ctx, "PASS x\r\n");
    b = txt("-ERR [SYS/TEMP] backend down\r\n+ \r\n");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 0, &r).status, DX_OK);
    expect(&r, AP_ERROR, "-ERR", 0, "SYS/TEMP");
    assert_int_equal(srv_at(&ctx, AP_POP3, b, 30, &r).status, DX_OK);
    expect(&r, AP_INFO, "continuation", 0, "");
    drop(b);
    const char *bad[] = {"+OKAY\r\n", "OK\r\n", " +OK\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = txt(bad[i]);
        assert_int_equal(srv(AP_POP3, b, &r).status, DX_MALFORMED);
        drop(b);
    }
}

/* ---- sniffing ------------------------------------------------------------- */

static void test_sniff(void **st)
{
    (void)st;
    static const struct {
        const char *bytes, *hint, *alpn;
        ap_proto client, server;
    } cases[] = {
        {"EHLO client.example.org\r\n", NULL, NULL, AP_SMTP, AP_NONE},
        {"a1 CAPABILITY\r\n", NULL, NULL, AP_IMAP, AP_NONE},
        {"CAPA\r\n", NULL, NULL, AP_POP3, AP_NONE},
        {"PING\r\n", NULL, NULL, AP_REDIS, AP_NONE},
        {"AUTH secret\r\n", NULL, NULL, AP_REDIS, AP_NONE},
        {"AUTH PLAIN AGFsaWNlAHdyb25n\r\n", NULL, NULL, AP_NONE, AP_NONE}, /* SMTP or POP3 */
        {"QUIT\r\n", NULL, NULL, AP_NONE, AP_NONE},
        {"AUTH PLAIN AGFsaWNlAHdyb25n\r\n", "pop3", NULL, AP_POP3, AP_POP3},
        {"AUTH PLAIN AGFsaWNlAHdyb25n\r\n", NULL, "pop3", AP_POP3, AP_POP3},
        {"anything", "xmpp", NULL, AP_NONE, AP_NONE},
        {"EHLO x\r\n", NULL, "h2", AP_NONE, AP_NONE},
        {"EHLO x\r\n", NULL, "x-unknown", AP_SMTP, AP_NONE},
        {"\x10\x11", NULL, "x-amzn-mqtt-ca", AP_MQTT, AP_MQTT},
        {"whatever", NULL, "postgresql", AP_POSTGRES, AP_POSTGRES},
        {"EHLO", NULL, NULL, AP_NONE, AP_NONE}, /* no line end yet */
        {"220 mx ESMTP\r\n", NULL, NULL, AP_NONE, AP_SMTP},
        {"220 ProFTPD Server ready\r\n", NULL, NULL, AP_NONE, AP_NONE},
        {"* PREAUTH ok\r\n", NULL, NULL, AP_NONE, AP_IMAP},
        {"-ERR go away\r\n", NULL, NULL, AP_NONE, AP_POP3},
        {"GET / HTTP/1.1\r\n", NULL, NULL, AP_NONE, AP_NONE},
        {"GET k\r\n", NULL, NULL, AP_REDIS, AP_NONE},
        {"POST / HTTP/1.1\r\n", NULL, NULL, AP_NONE, AP_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = txt(cases[i].bytes);
        ap_proto c = ap_sniff_client(b.p, b.n, cases[i].hint, cases[i].alpn);
        ap_proto s = ap_sniff_server(b.p, b.n, cases[i].hint, cases[i].alpn);
        if (c != cases[i].client || s != cases[i].server)
            fail_msg("sniff %zu \"%s\": client %s server %s", i, cases[i].bytes, proto_name(c), proto_name(s));
        drop(b);
    }
    /* binary first messages from the real captures */
    const char *bin[] = {pg_startup, my_response, mq_connect5, ld_whoami};
    ap_proto want[] = {AP_POSTGRES, AP_MYSQL, AP_MQTT, AP_LDAP};
    for (size_t i = 0; i < 4; i++) {
        buf b = hexbuf(bin[i]);
        assert_int_equal(ap_sniff_client(b.p, b.n, "", ""), want[i]);
        assert_int_equal(ap_sniff_client(b.p, b.n > 3 ? 3 : b.n, NULL, NULL), AP_NONE);
        drop(b);
    }
    assert_int_equal(ap_sniff_client(NULL, 0, NULL, NULL), AP_NONE);
    assert_string_equal(dx_err_name(DXE_APP), "app_message");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_server),    cmocka_unit_test(test_pg_edges),    cmocka_unit_test(test_pg_client),
        cmocka_unit_test(test_mysql),        cmocka_unit_test(test_mysql_spec),  cmocka_unit_test(test_mqtt),
        cmocka_unit_test(test_mqtt_spec),    cmocka_unit_test(test_redis),       cmocka_unit_test(test_redis_edges),
        cmocka_unit_test(test_redis_client), cmocka_unit_test(test_ldap),        cmocka_unit_test(test_ldap_spec),
        cmocka_unit_test(test_smtp),         cmocka_unit_test(test_mail_client), cmocka_unit_test(test_imap),
        cmocka_unit_test(test_pop3),         cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
