/*
 * session.h — one TLS connection as the wire showed it.
 *
 * A session is an append-only log of steps {time, direction, kind, details}
 * plus the owned copies of what the handshake carried (hello summaries,
 * certificate DER, CertificateRequest CA names, CertificateVerify). It holds
 * wire facts only, each stored once, and has one writer: the TLS stream
 * driver (src/tls). Certificate analysis (src/analysis: conn_analysis),
 * diagnosis (src/diagnose: diagnosis) and the reporters read it as const and
 * keep their results in their own structs. Nothing here points into packet
 * buffers: every value is a copy.
 */
#ifndef MTLS_SESSION_H
#define MTLS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings.h"

typedef enum mtls_dir {
    DIR_C2S = 0, /* client -> server */
    DIR_S2C = 1, /* server -> client */
} mtls_dir;

typedef enum step_kind {
    STEP_TCP_SYN = 0,
    STEP_STARTTLS,            /* plaintext prologue skipped (length; the protocol is session.starttls) */
    STEP_CLIENT_HELLO,
    STEP_HELLO_RETRY_REQUEST,
    STEP_SERVER_HELLO,
    STEP_ENCRYPTED_EXTENSIONS,
    STEP_CERTIFICATE,         /* count = number of certificates (0 = empty) */
    STEP_COMPRESSED_CERTIFICATE,
    STEP_SERVER_KEY_EXCHANGE,
    STEP_CERTIFICATE_REQUEST,
    STEP_SERVER_HELLO_DONE,
    STEP_CLIENT_KEY_EXCHANGE,
    STEP_CERTIFICATE_VERIFY,
    STEP_CHANGE_CIPHER_SPEC,
    STEP_FINISHED,
    STEP_NEW_SESSION_TICKET,
    STEP_HELLO_REQUEST,
    STEP_RENEGOTIATION,       /* TLS 1.0-1.2: a new handshake after the first finished (the
                               * steps after it belong to it); count = its number (1-based),
                               * detail = who started it, secure or not, dissected or not */
    STEP_KEY_UPDATE,
    STEP_END_OF_EARLY_DATA,
    STEP_OTHER_HANDSHAKE,     /* hs_type holds the raw type */
    STEP_ENCRYPTED_HANDSHAKE, /* TLS 1.3 encrypted flight without keys: count = records, length = bytes */
    STEP_APPLICATION_DATA,    /* first application data in this direction (length = record bytes) */
    STEP_ALERT,               /* plaintext or decrypted alert: alert_level / alert_desc */
    STEP_ENCRYPTED_ALERT,     /* alert record we cannot read */
    STEP_POST_HANDSHAKE_AUTH, /* CertificateRequest after the handshake (TLS 1.3) */
    STEP_APP,                 /* a request or response of the application protocol (HTTP, gRPC,
                               * PostgreSQL, MySQL, MQTT, Redis, LDAP, SMTP, IMAP, POP3) after the
                               * handshake, decrypted or in the clear: payload in step.app */
    STEP_FIN,
    STEP_RST,
    STEP_TCP_GAP,             /* length = bytes lost */
    STEP_MALFORMED,           /* payload: step.malformed {what, code, offset} */
    STEP_EVICTED,             /* flow no longer tracked (idle, or a resource cap): payload step.end */
    STEP_CAPTURE_END,         /* payload step.end */
    STEP__COUNT
} step_kind;

/* The application protocol a STEP_APP step was read in. */
typedef enum app_protocol {
    APP_PROTO_NONE = 0,
    APP_PROTO_HTTP1,          /* HTTP/1.x request or status line */
    APP_PROTO_HTTP2,          /* HTTP/2 HEADERS (:method/:path, :status) */
    APP_PROTO_GRPC,           /* gRPC over HTTP/2: trailers grpc-status / grpc-message */
    APP_PROTO_POSTGRES,       /* StartupMessage; ErrorResponse, AuthenticationOk, ReadyForQuery */
    APP_PROTO_MYSQL,          /* HandshakeResponse; OK / ERR packet (MySQL, MariaDB) */
    APP_PROTO_MQTT,           /* CONNECT; CONNACK (3.1.1 return code, 5 reason code) */
    APP_PROTO_REDIS,          /* a command; a RESP reply (+OK, -NOAUTH, ...) */
    APP_PROTO_LDAP,           /* a request; an LDAPResult (BindResponse, ...) */
    APP_PROTO_SMTP,           /* a command; a reply code */
    APP_PROTO_IMAP,           /* a command; a tagged or untagged status response */
    APP_PROTO_POP3,           /* a command; +OK / -ERR */
    APP_PROTO__COUNT
} app_protocol;

/* What a response says about the client, in its protocol's own terms. */
typedef enum app_outcome {
    APP_OUTCOME_NONE = 0,     /* a request, or a response that decides nothing (a greeting) */
    APP_OUTCOME_ACCEPTED,     /* the server let the client in or served it (AuthenticationOk,
                               * CONNACK 0, HTTP 200, +PONG, LDAP success, ...) */
    APP_OUTCOME_REFUSED,      /* refused who the client is: authentication or authorization
                               * (SQLSTATE 28000, MySQL 1045, CONNACK 5 / 0x87, -NOAUTH, LDAP 49,
                               * HTTP 401/403/495/496, gRPC 7/16, IMAP NO [AUTHENTICATIONFAILED]) */
    APP_OUTCOME_ERROR,        /* an error that is not about who the client is */
} app_outcome;

/* A typed application exchange (Zeek's http_reply(c, version, code, reason)):
 * what later stages need, never parsed back out of display text. */
typedef struct app_message {
    app_protocol protocol;
    app_outcome outcome;
    bool response;            /* server -> client */
    bool plaintext;           /* read in the clear (after a close or alert, or before TLS), not decrypted */
    bool credentials;         /* a refusal that came after the client offered credentials of its own
                               * (a password, AUTH, a simple bind) the server did not prove right:
                               * it may be about them rather than the certificate */
    uint32_t code;            /* the protocol's code: HTTP status, gRPC status, MySQL error number,
                               * MQTT reason code, LDAP resultCode, SMTP reply code; 0 for none */
    char state[24];           /* SQLSTATE ("28000") for PostgreSQL and MySQL, the SMTP enhanced status
                               * ("5.7.1"), the IMAP or POP3 response code ("AUTHENTICATIONFAILED"), else "" */
    char *line;               /* owned: the request or response as a short line ("HTTP/1.1 400 Bad
                               * Request", "GET / HTTP/1.1"; HTTP/2: ":status 403", "GET / (h2)";
                               * "ErrorResponse FATAL 28000"); raw wire text, escape before printing */
    char *message;            /* owned: the server's words (nginx's page naming the certificate,
                               * PostgreSQL's M field, MySQL's message, grpc-message, LDAP
                               * diagnosticMessage, a mail reply's text), or NULL */
} app_message;

/* The first record sizes of an encrypted flight read without keys (TLS 1.3):
 * what the inference from sizes rests on, shown as "record sizes A+B+C". */
#define STEP_FLIGHT_SIZES 8
typedef struct flight_sizes {
    uint32_t n;                    /* sizes kept (count may be larger: "+...") */
    uint32_t v[STEP_FLIGHT_SIZES];
} flight_sizes;

/* A unit of bytes that did not parse (STEP_MALFORMED): what it was, the
 * dissector's error code (dx_err, dissectors/dx_result.h: dx_strerror and
 * dx_err_name make its words) and the direction's stream offset. */
typedef struct step_malformed {
    const char *what;              /* static string: "TLS record", "ServerKeyExchange", ... */
    uint16_t code;
    uint64_t offset;
} step_malformed;

/* Why mtlsdump stopped following a connection before it closed. */
typedef enum end_cause {
    END_CAPTURE = 0,          /* the capture ended */
    END_IDLE,                 /* idle longer than --idle-timeout */
    END_LIMIT,                /* --max-flows or --max-memory made room */
} end_cause;

/* STEP_CAPTURE_END / STEP_EVICTED: the cause, and its sentence for the reader. */
typedef struct step_end {
    end_cause cause;
    char *text;               /* owned, or NULL: "it was idle for 300 s (--idle-timeout)" */
} step_end;

typedef struct step {
    uint64_t ts_us;       /* packet timestamp, microseconds since the epoch */
    mtls_dir dir;
    step_kind kind;
    uint8_t hs_type;      /* raw handshake type, when the step is a handshake message */
    bool decrypted;       /* read from a decrypted record */
    uint8_t alert_level;
    uint8_t alert_desc;
    uint32_t length;      /* message/record bytes */
    uint32_t count;       /* certificates, records, ... */
    char *detail;         /* owned short text or NULL (raw wire text: escape before printing) */
    /* The typed payload of the kinds that carry more than the fields above
     * (tagged by kind; the reporters make the text from it, report/step_text.c). */
    union {
        app_message app;      /* STEP_APP: the typed exchange (detail is NULL then) */
        flight_sizes flight;  /* STEP_ENCRYPTED_HANDSHAKE of a TLS 1.3 flight without keys */
        step_malformed malformed; /* STEP_MALFORMED */
        step_end end;             /* STEP_CAPTURE_END, STEP_EVICTED */
    };
} step_t;

/* Byte strings copied off the wire. */
typedef struct bytes {
    uint8_t *data;
    size_t len;
} bytes_t;

typedef struct u16_list {
    uint16_t *v;
    size_t n;
} u16_list;

typedef struct client_hello_info {
    bool present;
    bool sslv2;                  /* SSLv2-compatible ClientHello */
    uint16_t legacy_version;
    uint8_t random[32];
    size_t session_id_len;
    uint8_t session_id[32];
    u16_list ciphers;            /* in wire order, GREASE included */
    u16_list extensions;         /* extension types in wire order */
    u16_list supported_versions;
    u16_list groups;
    u16_list key_share_groups;
    u16_list sig_algs;
    u16_list ec_point_formats;
    char *sni;                   /* owned, raw wire bytes NUL-terminated (escape before printing) */
    char **alpn;                 /* owned list */
    size_t n_alpn;
    bool has_session_ticket;     /* session_ticket extension non-empty */
    bool has_psk;                /* pre_shared_key offered */
    size_t psk_identities;
    bool has_early_data;
    bool post_handshake_auth;
    bool has_ech;
    char *ja3;                   /* full JA3 string */
    char ja3_md5[33];
    char *ja4;                   /* JA4 fingerprint */
} client_hello_info;

typedef struct server_hello_info {
    bool present;
    bool hrr_seen;               /* a HelloRetryRequest came first */
    uint16_t legacy_version;
    uint16_t selected_version;   /* from supported_versions, else legacy_version */
    uint8_t random[32];
    size_t session_id_len;
    uint8_t session_id[32];
    uint16_t cipher;
    uint8_t compression;
    u16_list extensions;
    uint16_t key_share_group;    /* 0 when absent */
    uint32_t sslv2_cipher;       /* SSL 2.0: the cipher kind of CLIENT-MASTER-KEY (3 bytes), 0 otherwise */
    bool psk_selected;           /* pre_shared_key in ServerHello (TLS 1.3 resumption) */
    char *alpn;                  /* owned; NULL when none */
    bool extended_master_secret;
    bool encrypt_then_mac;
    char *ja3s;
    char ja3s_md5[33];
} server_hello_info;

typedef struct cert_request_info {
    bool present;
    bool tls13;
    bool post_handshake;
    bytes_t cert_types;
    u16_list sig_algs;
    u16_list sig_algs_cert;
    bytes_t *ca_names;           /* DER-encoded DistinguishedName each */
    size_t n_ca_names;
} cert_request_info;

typedef struct cert_verify_info {
    bool present;
    uint16_t scheme;             /* 0 for TLS 1.0/1.1 (no scheme on the wire) */
    bytes_t signature;
    /* What the signature covers, for the proof check in src/analysis: TLS 1.3
     * the transcript hash, TLS 1.0-1.2 the raw handshake messages so far.
     * Empty when it could not be kept; unchecked_note then says why. */
    bytes_t signed_data;
    bool tls13;
    char *unchecked_note;        /* why the signature cannot be checked; NULL when it can */
} cert_verify_info;

/* What one side put on the wire that later stages need as bytes. Everything
 * that is an event (Finished, alerts, application data, FIN/RST, encrypted
 * flights and their sizes) is a step in the log, not a flag here. */
typedef struct side_info {
    bytes_t *certs;              /* DER in wire order (the last Certificate message) */
    size_t n_certs;
    cert_verify_info cv;
} side_info;

typedef struct endpoint {
    int family;                  /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} endpoint_t;

/* One TLS 1.3 record that could not be read (no keys), in the order the
 * records of both directions were seen: the sizes are what the diagnosis
 * infers from, whatever segments or flights carried them. */
typedef struct sealed_record {
    mtls_dir dir;
    uint32_t length;   /* record body bytes (ciphertext + tag) */
    uint32_t step;     /* index of the step that logs it (flight or application data) */
} sealed_record;

#define SESSION_MAX_SEALED_RECORDS 64

typedef struct session {
    uint64_t id;                 /* 1-based connection number in capture order */
    endpoint_t client, server;
    bool orientation_from_syn;   /* client side known from the SYN (else from ClientHello) */
    uint64_t first_ts_us, last_ts_us;

    step_t *steps;
    size_t n_steps, cap_steps;

    client_hello_info ch;
    server_hello_info sh;
    cert_request_info cr;
    /* TLS 1.0-1.2 signed ServerKeyExchange (DHE/ECDHE): the server's proof of
     * possession before any Finished. signed_data = client_random +
     * server_random + the params as sent. present is false without one. */
    cert_verify_info ske_sig;
    side_info side[2];           /* indexed by mtls_dir: side[DIR_C2S] is the client */

    uint16_t version;            /* negotiated version (0 unknown) */
    uint16_t kx_group;           /* the key exchange's named group: TLS 1.3 key_share, TLS 1.2 ServerKeyExchange; 0 unknown */
    bool tls13;
    bool resumed;                /* wire evidence of an abbreviated handshake (TLS 1.3 PSK chosen,
                                  * server CCS right after the ServerHello, SSL 2.0 session-id hit);
                                  * whether the connection resumed is decided once, by diagnosis
                                  * (facts.c -> diagnosis.resumed), which every reader uses */
    bool decrypted;              /* key log secrets decrypted this session */
    char *decrypt_note;          /* "no keys for this session", ... (words for the reader) */
    enum {
        SDEC_NOT_TRIED = 0,      /* no key log entry was looked up (yet) */
        SDEC_OK,                 /* decrypted (the last record tried) */
        SDEC_NO_KEYS,            /* the key log has no entry for this session */
        SDEC_KEYS_WRONG,         /* its secrets do not decrypt the records (authentication fails) */
        SDEC_KEYS_UNUSABLE,      /* its secrets could not be used */
        SDEC_SUITE_UNSUPPORTED,  /* the cipher suite is not one we decrypt */
    } decrypt_outcome;           /* what decrypt_note says, typed: what diagnosis reads */
    char *starttls;              /* protocol name when TLS began after a plaintext prologue */

    sealed_record *sealed;       /* owned; the first SESSION_MAX_SEALED_RECORDS, NULL when none */
    uint32_t n_sealed;
    uint32_t n_sealed_total;     /* also those past the cap */

    /* An allocation failed while the TLS layer read this connection (its own,
     * OpenSSL's in decryption, ...): steps, keys or decrypted bytes may be
     * missing. Diagnosis says so (finding analysis_failed). */
    bool out_of_memory;

    bool malformed;
    char *malformed_reason;
    uint64_t malformed_offset;
    mtls_dir malformed_dir;

    /* findings made while reading the wire (finished_mismatch,
     * tcp_overlap_conflict, evicted, ...); diagnosis lists them first */
    finding_list wire_findings;
} session_t;

session_t *session_new(uint64_t id);
void session_free(session_t *s);   /* NULL is a no-op */
/* Append a step; returns the step (owned by the session) or NULL on OOM. */
step_t *session_add_step(session_t *s, uint64_t ts_us, mtls_dir dir, step_kind kind);
/* Helpers for owned copies. */
int bytes_set(bytes_t *b, const uint8_t *data, size_t len);
void bytes_clear(bytes_t *b);
int u16_list_set(u16_list *l, const uint16_t *v, size_t n);

/* One character per step for mtls.history: a letter per kind (h hello, c
 * certificate, r CertificateRequest, v CertificateVerify, f Finished, a alert,
 * d data, i FIN, j RST, ...; docs/json-schema.md has the table), uppercase
 * for the client's steps; '0' for an empty Certificate. */
char step_history_char(const step_t *st);
const char *step_kind_name(step_kind k);      /* "ClientHello", "Certificate", ... */
const char *step_kind_id(step_kind k);        /* stable JSON id: "client_hello", ... */
/* A step's name and JSON id: step_kind_name/step_kind_id, except that an
 * application message is named by its protocol ("PostgreSQL") and its id is
 * "http" for HTTP/1, HTTP/2 and gRPC, "app" for the other protocols. */
const char *step_name(const step_t *st);
const char *step_id(const step_t *st);
const char *app_protocol_name(app_protocol p);   /* "HTTP", "PostgreSQL", ... */
const char *app_protocol_id(app_protocol p);     /* stable JSON id: "http1", "postgresql", ... */
const char *app_outcome_id(app_outcome o);       /* "none", "accepted", "refused", "error" */
const char *dir_arrow(mtls_dir d);            /* "C->S" / "S->C" */

/* Free the owned lists and strings of a hello summary and zero it. */
void client_hello_info_clear(client_hello_info *ch);
void server_hello_info_clear(server_hello_info *sh);

/* Derived views of the step log (computed, never stored). */
/* Index of the first step of `kind` sent in direction d, or -1. */
long session_find_step(const session_t *s, mtls_dir d, step_kind kind);
/* A Certificate or CompressedCertificate message came from this side. */
bool session_cert_msg_seen(const session_t *s, mtls_dir d);
/* RFC 5746 secure renegotiation was agreed in the first handshake: the
 * ServerHello carried renegotiation_info (which a server sends only when the
 * ClientHello had the extension or TLS_EMPTY_RENEGOTIATION_INFO_SCSV). */
bool session_secure_renegotiation(const session_t *s);
/* The client signalled secure renegotiation in the first ClientHello
 * (renegotiation_info extension or the SCSV 0x00ff). */
bool session_client_offered_secure_renegotiation(const session_t *s);

#endif
