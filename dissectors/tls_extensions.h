/*
 * tls_extensions.h — the one TLS extension walker and the per-extension
 * decoders (STYLE.md #8/#9).
 *
 * Layering:
 *   tls_ext_walk()     framing of the extensions vector body, duplicate
 *                      detection, allowed-in-message check, and (ClientHello)
 *                      "pre_shared_key must be last". Calls a callback with a
 *                      child cursor over each extension body. Knows no
 *                      extension grammar.
 *   tls_ext_decode_*() one decoder per extension; each sees ONLY its own
 *                      child cursor and must consume it exactly.
 *   tls_ext_collect()  walker + every decoder below, filling a tls_exts
 *                      summary. This is what ClientHello/ServerHello use, and
 *                      what EncryptedExtensions, TLS 1.3 CertificateRequest,
 *                      Certificate entry extensions and NewSessionTicket
 *                      should use.
 *
 * All views ({ptr,len}, cursors) point into the caller's bytes and live as
 * long as those bytes. Nothing allocates. Errors carry an absolute offset
 * (cursor base + offset).
 */
#ifndef MTLS_TLS_EXTENSIONS_H
#define MTLS_TLS_EXTENSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"
#include "tls_registry.h" /* tls_msg_kind */

/* A view into wire bytes (lifetime: the bytes the cursor was made over). */
typedef struct tls_view {
    const uint8_t *ptr;
    size_t len;
} tls_view;

/*
 * A list of 16-bit values in wire order (GREASE kept), as a view of the
 * message bytes: nothing is copied, so a hello costs no list storage.
 * A list longer than TLS_LIST_MAX is legal TLS: the first TLS_LIST_MAX
 * entries are kept (readable), `total` counts them all and `truncated` is set
 * (the caller reports it). 8-bit lists (ec_point_formats,
 * psk_key_exchange_modes) are widened when read.
 *
 * Read the kept entries with tls_u16_iter_init()/tls_u16_iter_next() (any
 * form, one step each), tls_u16_list_read() (all of them into an array) or
 * tls_u16_list_at() (direct for TLS_LIST_U16 and TLS_LIST_U8, a walk from
 * the start for the other forms). A zeroed list is an empty one. Lifetime:
 * the bytes the list was parsed from.
 */
#define TLS_LIST_MAX 512

/* How the entries sit in `wire`. */
typedef enum tls_list_form {
    TLS_LIST_U16 = 0, /* u16 values back to back: cipher_suites, supported_groups, ... */
    TLS_LIST_U8,      /* u8 values back to back, widened: ec_point_formats, psk_key_exchange_modes */
    TLS_LIST_TAGGED,  /* u16 value, then a u16-prefixed body: extension types, key_share entries */
    TLS_LIST_SSLV2,   /* 3-byte SSL 2.0 cipher specs: those with first byte 0 give their last two */
} tls_list_form;

typedef struct tls_u16_list {
    tls_view wire;  /* the bytes the entries are read from, starting with the first on the wire */
    size_t n;       /* entries kept: min(total, TLS_LIST_MAX) */
    size_t total;   /* entries on the wire */
    bool truncated; /* total > TLS_LIST_MAX */
    uint8_t form;   /* tls_list_form */
} tls_u16_list;

/* Start (or restart) `l` as a view of the bytes left in `c`, with no entry
 * kept yet; `total` and `truncated` carry on (a restarted list keeps counting). */
static inline void tls_u16_list_view(tls_u16_list *l, const cur_t *c, tls_list_form form)
{
    l->wire.ptr = cur_ptr(c);
    l->wire.len = cur_remaining(c);
    l->n = 0;
    l->form = (uint8_t)form;
}

/* Count k more entries (already checked on the wire): kept while fewer than
 * TLS_LIST_MAX are, the rest only counted and `truncated` set. */
static inline void tls_u16_list_add(tls_u16_list *l, size_t k)
{
    size_t room = TLS_LIST_MAX - l->n;
    l->total += k;
    if (k > room) {
        l->n = TLS_LIST_MAX;
        l->truncated = true;
    } else {
        l->n += k;
    }
}

/* Reader over the kept entries of a list. */
typedef struct tls_u16_iter {
    cur_t c;
    size_t left; /* kept entries not read yet */
    uint8_t form;
} tls_u16_iter;

static inline void tls_u16_iter_init(tls_u16_iter *it, const tls_u16_list *l)
{
    cur_init(&it->c, l->wire.ptr, l->wire.len);
    it->left = l->n;
    it->form = l->form;
}

/* The next kept entry: true and *v set, false after the last one. */
MTLS_WARN_UNUSED static inline bool tls_u16_iter_next(tls_u16_iter *it, uint16_t *v)
{
    uint8_t b;
    uint16_t len;
    if (it->left == 0)
        return false;
    switch (it->form) {
    case TLS_LIST_U8:
        if (!cur_get_u8(&it->c, &b))
            return false;
        *v = b;
        break;
    case TLS_LIST_TAGGED:
        if (!cur_get_u16(&it->c, v) || !cur_get_u16(&it->c, &len) || !cur_skip(&it->c, len))
            return false;
        break;
    case TLS_LIST_SSLV2:
        do {
            if (!cur_get_u8(&it->c, &b) || !cur_get_u16(&it->c, v))
                return false;
        } while (b != 0); /* a genuine SSL 2.0 cipher kind: not a TLS suite */
        break;
    default:
        if (!cur_get_u16(&it->c, v))
            return false;
        break;
    }
    it->left--;
    return true;
}

/* All kept entries of l into out[] (widened), in one pass; returns how many:
 * l->n for a list a parser filled. For callers that want an array. */
size_t tls_u16_list_read(const tls_u16_list *l, uint16_t out[TLS_LIST_MAX]);

/* Kept entry i of l: true and *v set, false when i >= l->n. */
MTLS_WARN_UNUSED static inline bool tls_u16_list_at(const tls_u16_list *l, size_t i, uint16_t *v)
{
    tls_u16_iter it;
    if (i >= l->n)
        return false;
    tls_u16_iter_init(&it, l);
    if (l->form == TLS_LIST_U16 || l->form == TLS_LIST_U8) {
        if (!cur_skip(&it.c, l->form == TLS_LIST_U8 ? i : 2 * i))
            return false;
        it.left = 1;
        return tls_u16_iter_next(&it, v);
    }
    for (size_t k = 0; k < i; k++)
        if (!tls_u16_iter_next(&it, v))
            return false;
    return tls_u16_iter_next(&it, v);
}

/* Max ALPN protocol names in one extension (more -> DXE_TOO_MANY). */
#define TLS_ALPN_MAX 64


/* Extension type code points (IANA "TLS ExtensionType Values"). */
enum {
    TLS_EXT_SERVER_NAME = 0,
    TLS_EXT_MAX_FRAGMENT_LENGTH = 1,
    TLS_EXT_STATUS_REQUEST = 5,
    TLS_EXT_SUPPORTED_GROUPS = 10,
    TLS_EXT_EC_POINT_FORMATS = 11,
    TLS_EXT_SIGNATURE_ALGORITHMS = 13,
    TLS_EXT_USE_SRTP = 14,
    TLS_EXT_HEARTBEAT = 15,
    TLS_EXT_ALPN = 16,
    TLS_EXT_STATUS_REQUEST_V2 = 17,
    TLS_EXT_SCT = 18,
    TLS_EXT_CLIENT_CERT_TYPE = 19,
    TLS_EXT_SERVER_CERT_TYPE = 20,
    TLS_EXT_PADDING = 21,
    TLS_EXT_ENCRYPT_THEN_MAC = 22,
    TLS_EXT_EXTENDED_MASTER_SECRET = 23,
    TLS_EXT_COMPRESS_CERTIFICATE = 27,
    TLS_EXT_RECORD_SIZE_LIMIT = 28,
    TLS_EXT_DELEGATED_CREDENTIAL = 34,
    TLS_EXT_SESSION_TICKET = 35,
    TLS_EXT_PRE_SHARED_KEY = 41,
    TLS_EXT_EARLY_DATA = 42,
    TLS_EXT_SUPPORTED_VERSIONS = 43,
    TLS_EXT_COOKIE = 44,
    TLS_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    TLS_EXT_CERTIFICATE_AUTHORITIES = 47,
    TLS_EXT_OID_FILTERS = 48,
    TLS_EXT_POST_HANDSHAKE_AUTH = 49,
    TLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    TLS_EXT_KEY_SHARE = 51,
    TLS_EXT_QUIC_TRANSPORT_PARAMETERS = 57,
    TLS_EXT_ENCRYPTED_CLIENT_HELLO = 0xFE0D,
    TLS_EXT_RENEGOTIATION_INFO = 0xFF01,
};

/* ------------------------------------------------------------------ walker */

/*
 * Called once per extension, in wire order. `body` is a child cursor over
 * exactly this extension's extension_data (base set so offsets are absolute);
 * the callback may leave it partly unread (unknown extensions). `index` is the
 * 0-based position in the block. Return dx_ok() to continue; any other result
 * stops the walk and is returned by tls_ext_walk() unchanged.
 */
typedef dx_result (*tls_ext_cb)(void *ctx, uint16_t type, cur_t *body, size_t index);

/*
 * Walk an extensions vector BODY (the bytes after the u16 length prefix).
 * Consumes `exts` entirely on success. Checks, in this order per extension:
 *   - framing: u16 type + u16 length + body inside `exts`
 *       (fewer than 4 bytes left -> DXE_SHORT; body past end -> DXE_LENGTH_PAST_END)
 *   - duplicate type in this block -> DXE_EXT_DUPLICATE
 *   - type not allowed in `where` (registry mask; unknown/GREASE types are
 *       allowed anywhere) -> DXE_EXT_NOT_ALLOWED
 *   - where == TLS_MSG_CH and pre_shared_key is not the last -> DXE_EXT_NOT_ALLOWED
 * then calls cb (cb may be NULL: validate framing only).
 * `where` is exactly one TLS_MSG_* bit. Offsets are absolute (cursor base).
 * Returns dx_ok() or DX_MALFORMED with code/offset (offset of the offending
 * extension's type field), or whatever the callback returned.
 */
MTLS_WARN_UNUSED dx_result tls_ext_walk(cur_t *exts, tls_msg_kind where, tls_ext_cb cb, void *ctx);

/*
 * Find the first extension of `type` in an extensions vector body without
 * validating the rest (framing errors before it are reported). On success
 * *found tells whether it exists and *body is its child cursor. `exts` is
 * not modified.
 */
MTLS_WARN_UNUSED dx_result tls_ext_find(const cur_t *exts, uint16_t type, bool *found, cur_t *body);

/* ------------------------------------------------------- summary (collect) */

typedef struct tls_exts {
    tls_u16_list types;            /* every extension type in wire order (GREASE kept) */

    /* server_name (0): CH -> first host_name entry; SH/EE -> empty ack */
    bool has_sni;
    tls_view sni;                  /* host_name bytes, raw (not NUL-terminated; escape before printing) */
    size_t sni_names;              /* entries in the CH server_name_list */

    uint8_t max_fragment_length;   /* (1) 0 when absent, else 1..4 */

    /* status_request (5) */
    bool has_status_request;
    uint8_t status_type;           /* CH/CR/CT: 1 = ocsp; 0 when absent or SH (1.2 empty ack) */
    tls_view ocsp_response;        /* CT entry (TLS 1.3): the OCSPResponse DER */

    tls_u16_list groups;           /* supported_groups (10) */
    tls_u16_list point_formats;    /* ec_point_formats (11), widened to u16 */
    tls_u16_list sig_algs;         /* signature_algorithms (13) */
    tls_u16_list sig_algs_cert;    /* signature_algorithms_cert (50) */

    /* application_layer_protocol_negotiation (16): CH list / SH,EE one name.
     * alpn: the ProtocolNameList body, cut after the last name decoded, so it
     * holds exactly n_alpn names; read them with tls_alpn_list_next(). */
    cur_t alpn;
    size_t n_alpn;

    bool has_sct;                  /* signed_certificate_timestamp (18) */
    tls_view sct_list;             /* SH(1.2)/CT: SignedCertificateTimestampList body; empty in CH */

    size_t padding_len;            /* padding (21): body length (0 when absent, see types) */
    bool encrypt_then_mac;         /* (22) */
    bool extended_master_secret;   /* (23) */
    tls_u16_list compress_cert_algs; /* compress_certificate (27) */
    uint16_t record_size_limit;    /* (28), 0 when absent */

    bool has_session_ticket;       /* session_ticket (35) present */
    tls_view session_ticket;       /* its body; non-empty in CH = resumption attempt */

    /* pre_shared_key (41) */
    bool has_psk;
    size_t psk_identities;         /* CH: number of identities (== binders, checked) */
    uint16_t psk_selected;         /* SH: selected_identity */

    bool has_early_data;           /* early_data (42) */
    uint32_t max_early_data_size;  /* NST only */

    /* supported_versions (43) */
    tls_u16_list versions;         /* CH: offered list */
    uint16_t selected_version;     /* SH/HRR: the chosen version; 0 when absent */

    tls_view cookie;               /* cookie (44), HRR/CH */
    tls_u16_list psk_modes;        /* psk_key_exchange_modes (45), widened */

    /* certificate_authorities (47): body of the DN list, iterate with
     * tls_dn_list_next(); ca_count = number of DNs */
    bool has_certificate_authorities;
    cur_t ca_list;
    size_t ca_count;

    bool has_oid_filters;          /* oid_filters (48) */
    cur_t oid_filters;             /* body of the filter list (validated) */
    size_t oid_filter_count;

    bool post_handshake_auth;      /* (49) */

    /* key_share (51) */
    bool has_key_share;
    tls_u16_list key_share_groups; /* CH: groups offered, in order */
    uint16_t key_share_group;      /* SH: group of server share; HRR: selected_group */

    /* encrypted_client_hello (0xfe0d) */
    bool has_ech;
    uint8_t ech_type;              /* CH: 0 outer, 1 inner */
    uint16_t ech_kdf, ech_aead;    /* CH outer: HpkeSymmetricCipherSuite */
    uint8_t ech_config_id;         /* CH outer */
    tls_view ech_enc, ech_payload; /* CH outer */
    tls_view ech_other;            /* EE: retry_configs, HRR: confirmation */

    bool has_renegotiation_info;   /* renegotiation_info (0xff01) */
    tls_view renegotiated_connection;
} tls_exts;

/*
 * Walk `exts` (an extensions vector body) for message `where` and decode
 * every extension listed in tls_exts. Unknown extensions are recorded in
 * `types` only. `out` is zeroed first; on error it holds what was decoded
 * before the fault. Returns dx_ok() or the first error (codes from
 * tls_ext_walk(), DXE_EXT_BODY for a malformed known body, DXE_TOO_MANY when a
 * list exceeds its cap), absolute offset.
 */
MTLS_WARN_UNUSED dx_result tls_ext_collect(cur_t *exts, tls_msg_kind where, tls_exts *out);

/* The framing and the type list only (out->types; nothing decoded, any type
 * allowed): for messages whose extension rules are not RFC 8446's, such as
 * the ServerHello of TLS 1.3 drafts before 22 (key_share was 40, and servers
 * of the time sent signature_algorithms there). */
MTLS_WARN_UNUSED dx_result tls_ext_collect_types(cur_t *exts, tls_exts *out);

/* True when `type` appears in out->types. */
bool tls_exts_has(const tls_exts *e, uint16_t type);

/* ---------------------------------------------- per-extension decoders
 * Each takes the child cursor of ONE extension body, consumes it exactly and
 * returns dx_ok() or DX_MALFORMED/DXE_EXT_BODY (DXE_TOO_MANY for caps) with an
 * absolute offset. `where` selects the message-specific form. Fields of `out`
 * not belonging to that extension are left untouched.
 */
MTLS_WARN_UNUSED dx_result tls_ext_decode_server_name(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_supported_versions(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_key_share(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_pre_shared_key(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_alpn(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_status_request(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_ech(cur_t *b, tls_msg_kind where, tls_exts *out);
MTLS_WARN_UNUSED dx_result tls_ext_decode_oid_filters(cur_t *b, tls_exts *out);

/* u16-length-prefixed list of u16 values (supported_groups, signature_algorithms,
 * signature_algorithms_cert): non-empty, even length, exactly consumed. */
MTLS_WARN_UNUSED dx_result tls_ext_decode_u16_vec(cur_t *b, tls_u16_list *out);
/* u8-length-prefixed list of u8 values (ec_point_formats, psk_key_exchange_modes): non-empty. */
MTLS_WARN_UNUSED dx_result tls_ext_decode_u8_vec(cur_t *b, tls_u16_list *out);
/* u8-length-prefixed list of u16 values (compress_certificate). */
MTLS_WARN_UNUSED dx_result tls_ext_decode_u8_u16_vec(cur_t *b, tls_u16_list *out);

/*
 * certificate_authorities (RFC 8446 4.2.4) — also the layout of the TLS 1.2
 * CertificateRequest certificate_authorities field:
 *     opaque DistinguishedName<1..2^16-1>;
 *     DistinguishedName authorities<3..2^16-1>;  (TLS 1.2 allows an empty list)
 * tls_ext_decode_certificate_authorities(b, allow_empty, &list, &count) reads
 * the u16-prefixed `authorities` vector from `b` (consuming `b` exactly), checks
 * every entry (non-empty, inside the list) and returns a cursor over the list
 * body plus the number of DNs. Errors: DXE_EXT_BODY (bad framing/empty DN,
 * empty list when !allow_empty), DXE_TRAILING (bytes after the list).
 */
MTLS_WARN_UNUSED dx_result tls_ext_decode_certificate_authorities(cur_t *b, bool allow_empty, cur_t *out_list,
                                                                  size_t *out_count);
/* Validate a DN-list BODY (no prefix): *out_count = entries. */
MTLS_WARN_UNUSED dx_result tls_dn_list_validate(const cur_t *list, size_t *out_count);
/*
 * Iterate a validated DN list: returns true and sets *dn to the next DER
 * DistinguishedName (the bytes inside its u16 prefix, i.e. starting with the
 * SEQUENCE tag — what d2i_X509_NAME wants); false at the end or on bad framing.
 * Iterate on a copy: `cur_t it = exts.ca_list; while (tls_dn_list_next(&it, &dn)) ...`
 */
bool tls_dn_list_next(cur_t *it, tls_view *dn);

/*
 * Iterate tls_exts.alpn: returns true and sets *name to the next protocol
 * name (the bytes inside its u8 prefix, never empty); false at the end.
 * Iterate on a copy: `cur_t it = e.alpn; while (tls_alpn_list_next(&it, &name)) ...`
 */
bool tls_alpn_list_next(cur_t *it, tls_view *name);

#endif
