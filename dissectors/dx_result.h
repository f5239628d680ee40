/*
 * dx_result.h — how every dissector reports its outcome.
 *
 * Four outcomes (STYLE.md #4): ok; need-more (stream framing: `need` more
 * bytes are required); malformed (the peer sent bytes that break the grammar:
 * `code` says how and `offset` where); truncated (the capture cut the bytes —
 * snaplen — which is never blamed on the peer).
 */
#ifndef MTLS_DX_RESULT_H
#define MTLS_DX_RESULT_H

#include <stddef.h>

typedef enum dx_status {
    DX_OK = 0,
    DX_NEED_MORE,
    DX_MALFORMED,
    DX_TRUNCATED,
    DX_UNSUPPORTED, /* well-formed but not something we decode (e.g. unknown link type) */
} dx_status;

/* Error codes: one table in dx_result.c gives each a name and a sentence.
 * Add new codes at the end of their group and a row in dx_result.c. */
typedef enum dx_err {
    DXE_NONE = 0,
    /* generic grammar */
    DXE_SHORT,            /* fewer bytes than a fixed field needs */
    DXE_TRAILING,         /* bytes left over after a structure that must be consumed exactly */
    DXE_LENGTH_PAST_END,  /* a length field points past the enclosing structure */
    DXE_LENGTH_ZERO,      /* a length that must not be zero is zero */
    DXE_LENGTH_ODD,       /* a list of 2-byte items has an odd length */
    DXE_LENGTH_TOO_BIG,   /* a length exceeds the protocol maximum or our cap */
    DXE_BAD_VALUE,        /* a field holds a value the protocol forbids */
    /* link / IP / TCP */
    DXE_LINK_UNSUPPORTED, /* link-layer type we do not decode */
    DXE_NOT_IP,           /* ethertype / protocol is not IPv4 or IPv6 */
    DXE_IP_VERSION,       /* IP version nibble is wrong */
    DXE_IP_HDR_LEN,       /* IPv4 IHL < 5 or past the packet */
    DXE_IP_TOTAL_LEN,     /* IP total/payload length inconsistent */
    DXE_IP_FRAGMENT,      /* non-first fragment (needs reassembly) */
    DXE_IPV6_EXT,         /* malformed IPv6 extension header chain */
    DXE_NOT_TCP,          /* transport is not TCP */
    DXE_TCP_HDR_LEN,      /* TCP data offset < 5 or past the segment */
    DXE_TCP_OPTION,       /* malformed TCP option */
    /* TLS record layer */
    DXE_REC_TYPE,         /* unknown record content type */
    DXE_REC_VERSION,      /* record version is not 3.x */
    DXE_REC_TOO_LONG,     /* record length over 2^14 + 2048 */
    DXE_SSLV2,            /* malformed SSLv2-compatible record */
    /* TLS handshake */
    DXE_HS_TYPE,          /* unknown handshake message type */
    DXE_HS_TOO_LONG,      /* handshake message over our cap */
    DXE_HELLO,            /* malformed ClientHello/ServerHello body */
    DXE_EXT_DUPLICATE,    /* the same extension appears twice */
    DXE_EXT_NOT_ALLOWED,  /* extension not allowed in this message */
    DXE_EXT_BODY,         /* malformed extension body */
    DXE_CERT_LIST,        /* malformed Certificate message */
    DXE_CERT_REQUEST,     /* malformed CertificateRequest */
    DXE_KEY_EXCHANGE,     /* malformed (Server|Client)KeyExchange */
    DXE_CERT_VERIFY,      /* malformed CertificateVerify */
    DXE_FINISHED,         /* malformed Finished */
    DXE_ALERT,            /* malformed alert */
    DXE_CCS,              /* malformed ChangeCipherSpec */
    DXE_TICKET,           /* malformed NewSessionTicket */
    DXE_MSG_BODY,         /* malformed body of another handshake message */
    DXE_TOO_MANY,         /* more list entries than our cap */
    /* application layer */
    DXE_HTTP,             /* not an HTTP/1.x status line or a well-formed HTTP/2 frame */
    DXE_APP,              /* not a message of the expected application protocol (app_reply.h) */
    /* key log */
    DXE_KEYLOG_LINE,      /* malformed key log line */
    DXE__COUNT
} dx_err;

typedef struct dx_result {
    dx_status status;
    dx_err code;
    size_t offset; /* byte offset of the fault (absolute, see cur_abs_offset) */
    size_t need;   /* DX_NEED_MORE: bytes still required */
} dx_result;

static inline dx_result dx_ok(void)
{
    dx_result r = {DX_OK, DXE_NONE, 0, 0};
    return r;
}
static inline dx_result dx_malformed(dx_err code, size_t offset)
{
    dx_result r = {DX_MALFORMED, code, offset, 0};
    return r;
}
static inline dx_result dx_truncated(dx_err code, size_t offset)
{
    dx_result r = {DX_TRUNCATED, code, offset, 0};
    return r;
}
static inline dx_result dx_need_more(size_t need)
{
    dx_result r = {DX_NEED_MORE, DXE_NONE, 0, need};
    return r;
}
static inline dx_result dx_unsupported(dx_err code, size_t offset)
{
    dx_result r = {DX_UNSUPPORTED, code, offset, 0};
    return r;
}

/* Stable snake_case name of an error code ("length_past_end"). */
const char *dx_err_name(dx_err code);
/* One plain sentence describing the error. */
const char *dx_strerror(dx_err code);

#endif
