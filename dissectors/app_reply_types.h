/*
 * app_reply_types.h — the types of app_reply.h (the application-protocol
 * parsers): protocols, outcome classes, one parsed message, the client
 * context. Read app_reply.h for what the fields hold per protocol.
 */
#ifndef MTLS_APP_REPLY_TYPES_H
#define MTLS_APP_REPLY_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest message whose bytes we read, and longest text line. */
#define AP_MAX_MESSAGE 16384u

typedef enum ap_proto {
    AP_NONE = 0,
    AP_POSTGRES,
    AP_MYSQL, /* MySQL and MariaDB */
    AP_MQTT,  /* MQTT 3.1 (MQIsdp), 3.1.1 and 5 */
    AP_REDIS, /* RESP2 and RESP3 */
    AP_LDAP,
    AP_SMTP,
    AP_IMAP,
    AP_POP3,
    AP__COUNT
} ap_proto;

typedef enum ap_outcome {
    AP_UNKNOWN = 0,
    AP_INFO,         /* a normal message that decides nothing (greeting, parameter status) */
    AP_ACCEPTED,     /* the server let the client in, or served it */
    AP_REFUSED_AUTH, /* refused: authentication / authorization / certificate */
    AP_ERROR,        /* an error not about who the client is */
} ap_outcome;

/*
 * One message. Server messages fill the first group; the client's messages
 * (ap_parse_client) use `user` and `target` too. Never a password: a client
 * view stops before any secret (see ap_parse_client).
 *
 * `target`, per protocol, for server messages: PostgreSQL the severity of an
 * ErrorResponse/NoticeResponse (V, else S: "FATAL"), the parameter name of a
 * ParameterStatus, the first mechanism of AuthenticationSASL; MySQL the server
 * version of the greeting, the plugin of an AuthSwitchRequest; MQTT 5 the
 * Server Reference property; LDAP the responseName of an ExtendedResponse;
 * Redis the error prefix ("WRONGPASS"). For client messages see
 * ap_parse_client.
 */
typedef struct ap_reply {
    ap_proto proto;
    ap_outcome outcome;
    const char *kind;       /* static name of the message: "ErrorResponse", "ERR_Packet", "CONNACK",
                                "bindResponse", "reply", "tagged NO", "-ERR", "simple error", ... */
    uint32_t code;          /* numeric code: MySQL error number, MQTT return/reason code, LDAP
                                resultCode, SMTP reply code, PostgreSQL authentication request type;
                                0 if none. Client messages: see ap_parse_client */
    char state[24];         /* textual code, NUL-terminated, "" if none: SQLSTATE ("28000") for
                                PostgreSQL/MySQL, the SMTP enhanced status code ("5.7.8"), the
                                IMAP or POP3 response code ("AUTHENTICATIONFAILED", "AUTH", "SYS/TEMP") */
    const uint8_t *message; /* the server's words: PostgreSQL M field, MySQL message, MQTT 5 Reason
                                String, LDAP diagnosticMessage, the text of a mail reply's last line,
                                a Redis error without the '-'; NULL if none */
    size_t message_len;
    const uint8_t *line; /* a short display view: a text protocol's first line as sent, without
                                its line end (a client line cut before any secret); NULL for binary
                                protocols */
    size_t line_len;
    const uint8_t *target; /* a second word the message names (see above); NULL if none */
    size_t target_len;
    const uint8_t *user; /* client messages: the user name presented; NULL if none */
    size_t user_len;
    size_t consumed; /* bytes of the input this message used (c advanced by this much) */
    size_t skip;     /* bytes of this message after `consumed` that the caller drops before
                                the next message (a large body whose header decided); usually 0 */
} ap_reply;

/*
 * What a server's answers depend on, learnt from the client's messages. The
 * caller keeps one per connection, notes each client message in stream order
 * (ap_ctx_note_client) and passes it to ap_parse_server_ctx. Pure data: no
 * pointers into the stream (the IMAP tag is copied).
 */
typedef struct ap_ctx {
    ap_proto proto;
    uint8_t mqtt_level;   /* protocol level of the client's CONNECT (3, 4, 5); 0 unknown */
    bool client_seen;     /* at least one client command was noted */
    bool last_auth;       /* POP3: the last command completes a login (PASS, APOP, AUTH mech) */
    bool last_quit;       /* IMAP: the last command was LOGOUT (its BYE is not an error) */
    bool last_multiline;  /* POP3: the last command's +OK answer has a body ending in "." (CAPA,
                             LIST, UIDL, RETR, TOP, bare AUTH) */
    uint8_t auth_tag_len; /* IMAP: tag of the latest LOGIN/AUTHENTICATE (0: none, or longer than 31) */
    char auth_tag[32];
} ap_ctx;

#endif
