#include "starttls.h"

#include <string.h>

#include "tls_handshake.h"
#include "tls_record.h"

static const uint8_t pg_sslrequest[8] = {0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f};
static const char ldap_oid[] = "1.3.6.1.4.1.1466.20037";

static bool mem_has(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k > n)
        return false;
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k) {
            char a = (char)p[i + j], b = needle[j];
            if (a >= 'a' && a <= 'z')
                a = (char)(a - 32);
            if (a != b)
                break;
            j++;
        }
        if (j == k)
            return true;
    }
    return false;
}

static bool mostly_text(const uint8_t *p, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (!(ch == '\r' || ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f)))
            bad++;
    }
    return bad * 20 <= n; /* at most 5% non-text */
}

/* MySQL: the server's Protocol::HandshakeV10 packet (3-byte length, sequence
 * 0, protocol 10, a printable version string) ... */
static bool mysql_greeting(const uint8_t *p, size_t n)
{
    if (n < 6 || p[3] != 0 || p[4] != 10)
        return false;
    size_t len = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
    if (len < 20 || 4 + len > n)
        return false;
    for (size_t i = 5; i < 4 + len; i++) {
        if (p[i] == 0)
            return i > 5;
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    }
    return false;
}

/* ... and the client's SSLRequest (32 bytes, sequence 1, CLIENT_SSL set). */
static bool mysql_ssl_request(const uint8_t *p, size_t n)
{
    return n >= 36 && p[0] == 32 && p[1] == 0 && p[2] == 0 && p[3] == 1 && (p[5] & 0x08);
}

static size_t mysql_packet_end(const uint8_t *p) { return 4 + ((size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16); }

/* The server's LDAP ExtendedResponse to StartTLS (RFC 4511 4.14.2): one
 * LDAPMessage (SEQUENCE, short length) whose protocolOp is [APPLICATION 24]
 * (0x78) right after a one-byte messageID; slapd sends it without the
 * optional responseName, so the OID is not there to find. */
static bool ldap_extended_response(const uint8_t *p, size_t n)
{
    return n >= 7 && n <= 128 && p[0] == 0x30 && (size_t)p[1] + 2 == n && p[2] == 0x02 && p[3] >= 1 && p[3] <= 4 &&
           (size_t)4 + p[3] < n && p[4 + p[3]] == 0x78;
}

static const char *guess_protocol(const uint8_t *p, size_t n)
{
    if (n >= 8 && memcmp(p, pg_sslrequest, 8) == 0)
        return "postgresql";
    if (mysql_ssl_request(p, n) || mysql_greeting(p, n))
        return "mysql";
    if (n == 1 && p[0] == 'S')
        return "postgresql";
    if (mem_has(p, n, "1.3.6.1.4.1.1466.20037") || ldap_extended_response(p, n))
        return "ldap";
    if (mem_has(p, n, "<STARTTLS") || mem_has(p, n, "<PROCEED") || mem_has(p, n, "<STREAM:STREAM"))
        return "xmpp";
    /* IMAP: the server's untagged greeting or capability list names IMAP4
     * (before NNTP and SMTP, whose words an IMAP capability list also holds) */
    if ((n >= 4 && memcmp(p, "* OK", 4) == 0) || (n >= 9 && memcmp(p, "* PREAUTH", 9) == 0) || mem_has(p, n, "IMAP4"))
        return "imap";
    /* IRC (the 670 numeric), NNTP (CAPABILITIES, 382), ManageSieve (quoted
     * capabilities): before SMTP, whose bare "STARTTLS" they share */
    if (mem_has(p, n, " 670 ") || mem_has(p, n, " 691 "))
        return "irc";
    if (mem_has(p, n, "CAPABILITIES") || mem_has(p, n, "382 ") || mem_has(p, n, " NNTP"))
        return "nntp";
    if (mem_has(p, n, "\"STARTTLS\"") || mem_has(p, n, "\"IMPLEMENTATION\"") || mem_has(p, n, "OK \"BEGIN"))
        return "sieve";
    if (mem_has(p, n, "EHLO") || mem_has(p, n, "HELO") || mem_has(p, n, "ESMTP") || mem_has(p, n, "220 2.0.0"))
        return "smtp";
    if (mem_has(p, n, "STLS") && !mem_has(p, n, "STARTTLS"))
        return "pop3";
    if (mem_has(p, n, "+OK"))
        return "pop3";
    if (mem_has(p, n, "AUTH TLS") || mem_has(p, n, "AUTH SSL") || mem_has(p, n, "234 "))
        return "ftp";
    if (mem_has(p, n, "CAPABILITY") || mem_has(p, n, "* OK") || mem_has(p, n, " OK "))
        return "imap";
    if (mem_has(p, n, "STARTTLS"))
        return "smtp";
    return NULL;
}

starttls_result starttls_scan(const uint8_t *p, size_t n, bool client)
{
    starttls_result r = {false, 0, NULL, false};
    bool binary_prologue = (n >= 8 && memcmp(p, pg_sslrequest, 8) == 0) || (n >= 1 && p[0] == 0x30 && client) ||
                           (!client && n >= 1 && (p[0] == 'S' || p[0] == 0x30)) ||
                           (client && n >= 4 && p[0] == 32 && p[3] == 1) || (!client && n >= 5 && p[3] == 0 && p[4] == 10);
    for (size_t i = 1; i + 6 <= n; i++) {
        if (p[i] != TLS_CT_HANDSHAKE && !(p[i] == TLS_CT_ALERT && !client))
            continue;
        if (!tls_record_plausible(p + i, n - i))
            continue;
        if (p[i] == TLS_CT_HANDSHAKE) {
            uint8_t want = client ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO;
            if (p[i + 5] != want)
                continue;
        }
        bool ok = mostly_text(p, i) || (i == 8 && memcmp(p, pg_sslrequest, 8) == 0) || (!client && i == 1 && p[0] == 'S') ||
                  mem_has(p, i, ldap_oid) || (!client && ldap_extended_response(p, i)) ||
                  (client && i == 36 && mysql_ssl_request(p, i)) ||
                  (!client && mysql_greeting(p, i) && mysql_packet_end(p) == i);
        if (!ok)
            continue;
        r.found = true;
        r.offset = i;
        r.protocol = guess_protocol(p, i);
        return r;
    }
    r.maybe = n == 0 || mostly_text(p, n) || binary_prologue;
    return r;
}
