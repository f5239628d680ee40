#include "dx_result.h"

#include "compiler.h"

static const struct {
    dx_err code;
    const char *name;
    const char *sentence;
} dx_err_table[] = {
    {DXE_NONE, "none", "no error"},
    {DXE_SHORT, "short", "fewer bytes than a fixed-size field needs"},
    {DXE_TRAILING, "trailing_data", "bytes left over after a structure that must be consumed exactly"},
    {DXE_LENGTH_PAST_END, "length_past_end", "a length field points past the end of its enclosing structure"},
    {DXE_LENGTH_ZERO, "length_zero", "a length that must not be zero is zero"},
    {DXE_LENGTH_ODD, "length_odd", "a list of two-byte items has an odd length"},
    {DXE_LENGTH_TOO_BIG, "length_too_big", "a length exceeds the protocol maximum"},
    {DXE_BAD_VALUE, "bad_value", "a field holds a value the protocol forbids"},
    {DXE_LINK_UNSUPPORTED, "link_unsupported", "link-layer type is not supported"},
    {DXE_NOT_IP, "not_ip", "the packet does not carry IPv4 or IPv6"},
    {DXE_IP_VERSION, "ip_version", "the IP version field is wrong"},
    {DXE_IP_HDR_LEN, "ip_header_length", "the IP header length is invalid"},
    {DXE_IP_TOTAL_LEN, "ip_total_length", "the IP total length is inconsistent with the packet"},
    {DXE_IP_FRAGMENT, "ip_fragment", "the packet is an IP fragment"},
    {DXE_IPV6_EXT, "ipv6_extension", "the IPv6 extension header chain is malformed"},
    {DXE_NOT_TCP, "not_tcp", "the transport protocol is not TCP"},
    {DXE_TCP_HDR_LEN, "tcp_header_length", "the TCP data offset is invalid"},
    {DXE_TCP_OPTION, "tcp_option", "a TCP option is malformed"},
    {DXE_REC_TYPE, "record_type", "unknown TLS record content type"},
    {DXE_REC_VERSION, "record_version", "TLS record version is not 3.x"},
    {DXE_REC_TOO_LONG, "record_too_long", "TLS record length exceeds 2^14 + 2048 bytes"},
    {DXE_SSLV2, "sslv2", "malformed SSLv2-compatible record"},
    {DXE_HS_TYPE, "handshake_type", "unknown handshake message type"},
    {DXE_HS_TOO_LONG, "handshake_too_long", "handshake message length exceeds the cap"},
    {DXE_HELLO, "hello", "malformed ClientHello or ServerHello"},
    {DXE_EXT_DUPLICATE, "extension_duplicate", "the same extension appears twice"},
    {DXE_EXT_NOT_ALLOWED, "extension_not_allowed", "extension is not allowed in this message"},
    {DXE_EXT_BODY, "extension_body", "malformed extension body"},
    {DXE_CERT_LIST, "certificate_list", "malformed Certificate message"},
    {DXE_CERT_REQUEST, "certificate_request", "malformed CertificateRequest message"},
    {DXE_KEY_EXCHANGE, "key_exchange", "malformed key exchange message"},
    {DXE_CERT_VERIFY, "certificate_verify", "malformed CertificateVerify message"},
    {DXE_FINISHED, "finished", "malformed Finished message"},
    {DXE_ALERT, "alert", "malformed alert record"},
    {DXE_CCS, "change_cipher_spec", "malformed ChangeCipherSpec record"},
    {DXE_TICKET, "new_session_ticket", "malformed NewSessionTicket message"},
    {DXE_MSG_BODY, "message_body", "malformed handshake message body"},
    {DXE_TOO_MANY, "too_many_entries", "a list holds more entries than the cap"},
    {DXE_HTTP, "http", "not an HTTP/1.x status line or a well-formed HTTP/2 frame"},
    {DXE_APP, "app_message", "not a well-formed message of the expected application protocol"},
    {DXE_KEYLOG_LINE, "keylog_line", "malformed key log line"},
};
MTLS_STATIC_ASSERT(MTLS_ARRAY_LEN(dx_err_table) == DXE__COUNT, "dx_err_table out of sync");

const char *dx_err_name(dx_err code)
{
    if ((unsigned)code < DXE__COUNT)
        return dx_err_table[code].name;
    return "unknown";
}

const char *dx_strerror(dx_err code)
{
    if ((unsigned)code < DXE__COUNT)
        return dx_err_table[code].sentence;
    return "unknown error";
}

