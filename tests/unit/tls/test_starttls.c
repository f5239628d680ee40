/* STARTTLS prologue detection: where TLS begins after plaintext, per protocol. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "starttls.h"

/* A minimal TLS 1.2 ClientHello / ServerHello record header + handshake type. */
static const uint8_t CH[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03};
static const uint8_t SH[] = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00, 0x00, 0x3c, 0x03, 0x03};

static starttls_result scan(const char *prologue, size_t plen, const uint8_t *tls, size_t tlen, bool client)
{
    uint8_t buf[512];
    memcpy(buf, prologue, plen);
    memcpy(buf + plen, tls, tlen);
    return starttls_scan(buf, plen + tlen, client);
}

static void expect(const char *prologue, size_t plen, bool client, const char *proto)
{
    starttls_result r = scan(prologue, plen, client ? CH : SH, sizeof CH, client);
    assert_true(r.found);
    assert_int_equal(r.offset, plen);
    assert_non_null(r.protocol);
    assert_string_equal(r.protocol, proto);
}

#define S(x) x, sizeof(x) - 1

static void test_protocols(void **state)
{
    (void)state;
    expect(S("EHLO client.example\r\nSTARTTLS\r\n"), true, "smtp");
    expect(S("220 mail.example ESMTP\r\n250-mail.example\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n"), false, "smtp");
    expect(S("a001 CAPABILITY\r\na002 STARTTLS\r\n"), true, "imap");
    expect(S("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\na002 OK Begin TLS negotiation now\r\n"), false, "imap");
    expect(S("CAPA\r\nSTLS\r\n"), true, "pop3");
    expect(S("+OK POP3 ready\r\n+OK Begin TLS\r\n"), false, "pop3");
    expect(S("AUTH TLS\r\n"), true, "ftp");
    expect(S("220 FTP ready\r\n234 AUTH TLS successful\r\n"), false, "ftp");
    expect(S("<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), true, "xmpp");
    expect(S("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), false, "xmpp");
    /* PostgreSQL SSLRequest (binary) and the server's 'S' */
    static const char pg[] = {0x00, 0x00, 0x00, 0x08, 0x04, (char)0xd2, 0x16, 0x2f};
    expect(pg, sizeof pg, true, "postgresql");
    expect("S", 1, false, "postgresql");
    /* LDAP StartTLS extended request (BER) carrying the OID */
    static const char ldap[] = "\x30\x1d\x02\x01\x01\x77\x18\x80\x16" "1.3.6.1.4.1.1466.20037";
    expect(ldap, sizeof ldap - 1, true, "ldap");
    /* IRC (670), NNTP (CAPABILITIES / 382), ManageSieve (quoted capabilities):
     * the server's side names them; the client's bare STARTTLS stays "smtp" */
    expect(S(":irc.example 670 * :STARTTLS successful, go ahead with TLS handshake\r\n"), false, "irc");
    expect(S("CAPABILITIES\r\nSTARTTLS\r\n"), true, "nntp");
    expect(S("200 news.example NNTP service ready\r\n382 Continue with TLS negotiation\r\n"), false, "nntp");
    expect(S("\"IMPLEMENTATION\" \"Dovecot\"\r\n\"STARTTLS\"\r\nOK \"ready\"\r\nOK \"Begin TLS negotiation now\"\r\n"), false, "sieve");
    expect(S("STARTTLS\r\n"), true, "smtp");
    /* MySQL: the server's HandshakeV10 packet, the client's 32-byte SSLRequest with CLIENT_SSL */
    static const char my_srv[] = "\x17\x00\x00\x00\x0a" "8.0.36\0" "\x07\x00\x00\x00" "abcdefgh\0" "\x00\x8a";
    expect(my_srv, sizeof my_srv - 1, false, "mysql");
    char my_cli[36] = {32, 0, 0, 1, 0x00, 0x0a, 0x00, 0x00};
    expect(my_cli, sizeof my_cli, true, "mysql");
    my_cli[5] = 0x02; /* no CLIENT_SSL: not an SSLRequest, binary bytes are no prologue */
    starttls_result r = scan(my_cli, sizeof my_cli, CH, sizeof CH, true);
    assert_false(r.found);
}

static void test_not_yet_or_not_tls(void **state)
{
    (void)state;
    /* plaintext without TLS yet: keep waiting */
    starttls_result r = starttls_scan((const uint8_t *)"EHLO x\r\n", 8, true);
    assert_false(r.found);
    assert_true(r.maybe);
    /* binary garbage: not a prologue */
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(0x80 + i);
    r = starttls_scan(junk, sizeof junk, true);
    assert_false(r.found);
    assert_false(r.maybe);
    /* a ClientHello-looking record after binary garbage is not accepted */
    uint8_t buf[128];
    memcpy(buf, junk, 40);
    memcpy(buf + 40, CH, sizeof CH);
    r = starttls_scan(buf, 40 + sizeof CH, true);
    assert_false(r.found);
    /* a ServerHello in the client direction is not a client's TLS start */
    r = scan(S("STARTTLS\r\n"), SH, sizeof SH, true);
    assert_false(r.found);
    /* every prefix of a prologue + hello: no crash, found only once complete */
    const char *p = "a STARTTLS\r\n";
    for (size_t n = 0; n <= strlen(p) + sizeof CH; n++) {
        uint8_t b[64];
        memcpy(b, p, strlen(p));
        memcpy(b + strlen(p), CH, sizeof CH);
        r = starttls_scan(b, n, true);
        if (r.found)
            assert_true(n >= strlen(p) + 6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_not_yet_or_not_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
