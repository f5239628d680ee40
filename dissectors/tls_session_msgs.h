/*
 * tls_session_msgs.h — NewSessionTicket, EncryptedExtensions, KeyUpdate and the
 * empty messages (HelloRequest, ServerHelloDone, EndOfEarlyData).
 *
 * Cursor over the handshake message BODY in, views out (cur_t with off == 0;
 * `.data`/`.len`, `.base` = absolute offset), valid as long as the body's bytes.
 *
 *   NewSessionTicket TLS 1.2 (RFC 5077): u32 lifetime_hint, u16 ticket<0..>
 *   NewSessionTicket TLS 1.3: u32 lifetime, u32 age_add, u8 nonce<0..255>,
 *                             u16 ticket<1..>, u16 extensions<0..> (early_data: u32)
 *   EncryptedExtensions: u16 extensions<0..>
 *   KeyUpdate: u8 request_update (0 update_not_requested, 1 update_requested)
 *   HelloRequest / ServerHelloDone / EndOfEarlyData: empty
 */
#ifndef MTLS_TLS_SESSION_MSGS_H
#define MTLS_TLS_SESSION_MSGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

typedef struct tls_new_session_ticket {
    bool tls13;
    uint32_t lifetime;        /* 1.2: ticket_lifetime_hint; 1.3: ticket_lifetime (seconds) */
    uint32_t age_add;         /* 1.3 only */
    cur_t nonce;              /* 1.3 only */
    cur_t ticket;             /* 1.2: may be empty ("no new ticket") */
    cur_t extensions;         /* 1.3: raw extensions block */
    uint16_t n_extensions;
    bool has_early_data;      /* 1.3 early_data extension */
    uint32_t max_early_data_size;
} tls_new_session_ticket;

/*
 * Parse a NewSessionTicket body. Returns DX_OK, or DX_MALFORMED with
 * DXE_TICKET (short field, empty 1.3 ticket, bad early_data body),
 * DXE_LENGTH_PAST_END, DXE_TRAILING, DXE_EXT_BODY or DXE_EXT_DUPLICATE.
 */
MTLS_WARN_UNUSED dx_result tls_parse_new_session_ticket(const cur_t *body, bool tls13,
                                                        tls_new_session_ticket *out);

typedef struct tls_encrypted_extensions {
    cur_t extensions;          /* raw extensions block */
    uint16_t n_extensions;
    bool has_alpn;             /* application_layer_protocol_negotiation (exactly one name) */
    cur_t alpn;                /* the selected protocol name */
    bool server_name_ack;      /* server_name present (must be empty here) */
    bool has_record_size_limit;
    uint16_t record_size_limit;
    bool has_max_fragment_length;
    uint8_t max_fragment_length;
    bool early_data_accepted;  /* early_data present (empty) */
    bool has_supported_groups; /* server's preferred groups (u16 list body) */
    cur_t supported_groups;
    bool has_client_cert_type; /* RFC 7250: one byte each */
    uint8_t client_cert_type;
    bool has_server_cert_type;
    uint8_t server_cert_type;
    bool has_heartbeat;
    bool has_use_srtp;
    bool has_quic_params;
} tls_encrypted_extensions;

/*
 * Parse an EncryptedExtensions body. Unknown extensions are kept (counted,
 * visible in the raw block). Returns DX_OK, or DX_MALFORMED with
 * DXE_MSG_BODY (short), DXE_EXT_BODY (malformed known extension),
 * DXE_EXT_DUPLICATE, DXE_LENGTH_PAST_END or DXE_TRAILING.
 */
MTLS_WARN_UNUSED dx_result tls_parse_encrypted_extensions(const cur_t *body,
                                                          tls_encrypted_extensions *out);

/*
 * KeyUpdate: *out_request_update = 0 or 1. Returns DX_OK, or DX_MALFORMED
 * with DXE_MSG_BODY (empty), DXE_BAD_VALUE (value > 1) or DXE_TRAILING.
 */
MTLS_WARN_UNUSED dx_result tls_parse_key_update(const cur_t *body, uint8_t *out_request_update);

/* Empty-bodied messages: DX_OK when the body is empty, else DX_MALFORMED DXE_TRAILING. */
MTLS_WARN_UNUSED dx_result tls_parse_hello_request(const cur_t *body);
MTLS_WARN_UNUSED dx_result tls_parse_server_hello_done(const cur_t *body);
MTLS_WARN_UNUSED dx_result tls_parse_end_of_early_data(const cur_t *body);

#endif
