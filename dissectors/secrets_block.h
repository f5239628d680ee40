/*
 * secrets_block.h — pcapng block framing and Decryption Secrets Blocks.
 *
 * libpcap reads pcapng packets but does not hand out Decryption Secrets
 * Blocks (type 0x0000000A), which tools such as `editcap --inject-secrets`
 * use to carry a TLS key log inside the capture. These pure parsers frame
 * blocks and extract the secrets; src/pcapng_secrets.c does the file I/O.
 */
#ifndef MTLS_SECRETS_BLOCK_H
#define MTLS_SECRETS_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "dx_result.h"

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_PB 0x00000002u
#define PCAPNG_BT_SPB 0x00000003u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BT_DSB 0x0000000Au
#define PCAPNG_SECRETS_TLS 0x544c534bu /* "TLSK": NSS key log text */
#define PCAPNG_BLOCK_HDR_LEN 8
#define PCAPNG_MAX_BLOCK (64u << 20)

/* Section Header Block start: the first 12 bytes of a section (type, total
 * length, byte-order magic). Sets *big_endian. DX_MALFORMED (DXE_BAD_VALUE)
 * when the magic is neither byte order. */
MTLS_WARN_UNUSED dx_result pcapng_parse_shb_start(cur_t *c, bool *big_endian, uint32_t *total_len);

/* Block type and total length (8 bytes) in the section's byte order. Total
 * length must be >= 12, a multiple of 4 and <= PCAPNG_MAX_BLOCK. */
MTLS_WARN_UNUSED dx_result pcapng_parse_block_header(cur_t *c, bool big_endian, uint32_t *type,
                                                     uint32_t *total_len);

/* DSB body (after the 8-byte header, without the trailing length): secrets
 * type, secrets length and a view of the secrets data. */
MTLS_WARN_UNUSED dx_result pcapng_parse_dsb(cur_t *body, bool big_endian, uint32_t *secrets_type,
                                            cur_t *secrets);

#endif
