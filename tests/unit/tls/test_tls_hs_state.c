/*
 * test_tls_hs_state.c — the handshake machines of tls_hs_state.c, by table:
 * each row is {state, message, direction, version, expected state, verdict}
 * for the client's or the server's machine. The rows of a sequence follow
 * one another (each row starts where the previous one ended), so a sequence
 * is the handshake of a real stack read message by message. Then the
 * properties the handshake map relies on, over every state, message,
 * direction and version: a side's own Finished always finishes it, nothing
 * else does, and nothing unfinishes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tls_handshake.h"
#include "tls_hs_state.h"

#define C2S DIR_C2S
#define S2C DIR_S2C
#define V12 TLSHS_V_12
#define V13 TLSHS_V_13
#define VUN TLSHS_V_UNKNOWN
#define OK TLSHS_EXPECTED
#define BAD TLSHS_UNEXPECTED
#define RENEG TLSHS_RENEGOTIATE

#define CH TLS_HS_CLIENT_HELLO
#define SH TLS_HS_SERVER_HELLO
#define HRR TLSHS_MSG_HRR
#define HR TLS_HS_HELLO_REQUEST
#define EE TLS_HS_ENCRYPTED_EXTENSIONS
#define CERT TLS_HS_CERTIFICATE
#define CCERT TLS_HS_COMPRESSED_CERTIFICATE
#define CSTAT TLS_HS_CERTIFICATE_STATUS
#define SKE TLS_HS_SERVER_KEY_EXCHANGE
#define CR TLS_HS_CERTIFICATE_REQUEST
#define SHD TLS_HS_SERVER_HELLO_DONE
#define CKE TLS_HS_CLIENT_KEY_EXCHANGE
#define CV TLS_HS_CERTIFICATE_VERIFY
#define FIN TLS_HS_FINISHED
#define NST TLS_HS_NEW_SESSION_TICKET
#define EOED TLS_HS_END_OF_EARLY_DATA
#define KU TLS_HS_KEY_UPDATE

typedef struct row {
    unsigned state;
    unsigned msg;
    mtls_dir dir;
    tlshs_version v;
    unsigned next;
    tlshs_verdict verdict;
} row;

#define C(x) TLSHS_C_##x
#define C12(x) TLSHS_C12_##x
#define C13(x) TLSHS_C13_##x

static const row client_rows[] = {
    /* TLS 1.2 mutual TLS, full handshake (OpenSSL, nginx, Go ...): the client has a certificate */
    {C(START), CH, C2S, VUN, C(WAIT_SH), OK},
    {C(WAIT_SH), SH, S2C, V12, C12(WAIT_CERT), OK},
    {C12(WAIT_CERT), CERT, S2C, V12, C12(WAIT_SKE), OK},
    {C12(WAIT_SKE), CSTAT, S2C, V12, C12(WAIT_SKE), OK},
    {C12(WAIT_SKE), SKE, S2C, V12, C12(WAIT_CR), OK},
    {C12(WAIT_CR), CR, S2C, V12, C12(WAIT_SHD_AUTH), OK},
    {C12(WAIT_SHD_AUTH), SHD, S2C, V12, C12(SEND_CERT), OK},
    {C12(SEND_CERT), CERT, C2S, V12, C12(SEND_CKE_AUTH), OK},
    {C12(SEND_CKE_AUTH), CKE, C2S, V12, C12(SEND_CV_OR_FINISHED), OK},
    {C12(SEND_CV_OR_FINISHED), CV, C2S, V12, C12(SEND_FINISHED), OK},
    {C12(SEND_FINISHED), FIN, C2S, V12, C12(WAIT_FINISHED), OK},
    {C12(WAIT_FINISHED), NST, S2C, V12, C12(WAIT_FINISHED), OK},
    {C12(WAIT_FINISHED), FIN, S2C, V12, C(CONNECTED), OK},
    /* TLS 1.2: the client answers the CertificateRequest with an empty Certificate (no CertificateVerify) */
    {C12(SEND_CKE_AUTH), CKE, C2S, V12, C12(SEND_CV_OR_FINISHED), OK},
    {C12(SEND_CV_OR_FINISHED), FIN, C2S, V12, C12(WAIT_FINISHED), OK},
    /* TLS 1.2 one-way (no CertificateRequest), RSA key exchange (no ServerKeyExchange) */
    {C12(WAIT_SKE), SHD, S2C, V12, C12(SEND_CKE), OK},
    {C12(SEND_CKE), CKE, C2S, V12, C12(SEND_FINISHED), OK},
    /* TLS 1.2 PSK / anonymous: no server Certificate */
    {C12(WAIT_CERT), SKE, S2C, V12, C12(WAIT_CR), OK},
    {C12(WAIT_CR), SHD, S2C, V12, C12(SEND_CKE), OK},
    {C12(WAIT_CERT), SHD, S2C, V12, C12(SEND_CKE), OK},
    /* TLS 1.2 resumption by session id: ServerHello, then the server's Finished first */
    {C(WAIT_SH), SH, S2C, V12, C12(WAIT_CERT), OK},
    {C12(WAIT_CERT), FIN, S2C, V12, C12(ABBR_SEND_FINISHED), OK},
    {C12(ABBR_SEND_FINISHED), FIN, C2S, V12, C(CONNECTED), OK},
    /* ... and by ticket: a NewSessionTicket before the server's Finished */
    {C12(WAIT_CERT), NST, S2C, V12, C12(ABBR_WAIT_FINISHED), OK},
    {C12(ABBR_WAIT_FINISHED), FIN, S2C, V12, C12(ABBR_SEND_FINISHED), OK},
    /* TLS 1.2 renegotiation: after the handshake a HelloRequest or a ClientHello starts a new one
     * (the caller restarts both machines), which then runs from the start */
    {C(CONNECTED), HR, S2C, V12, C(CONNECTED), RENEG},
    {C(CONNECTED), CH, C2S, V12, C(CONNECTED), RENEG},
    {C12(WAIT_FINISHED), CH, C2S, V12, C12(WAIT_FINISHED), RENEG}, /* the server's side decides it is not one */
    {C(START), HR, S2C, V12, C(HELLO_REQUESTED), OK},
    {C(HELLO_REQUESTED), CH, C2S, V12, C(WAIT_SH), OK},
    {C12(WAIT_SKE), HR, S2C, V12, C12(WAIT_SKE), OK}, /* during a handshake: ignored (RFC 5246 7.4.1.1) */
    /* TLS 1.3 mutual TLS */
    {C(START), CH, C2S, VUN, C(WAIT_SH), OK},
    {C(WAIT_SH), SH, S2C, V13, C13(WAIT_EE), OK},
    {C13(WAIT_EE), EE, S2C, V13, C13(WAIT_CERT_CR), OK},
    {C13(WAIT_CERT_CR), CR, S2C, V13, C13(WAIT_CERT), OK},
    {C13(WAIT_CERT), CERT, S2C, V13, C13(WAIT_CV_AUTH), OK},
    {C13(WAIT_CV_AUTH), CV, S2C, V13, C13(WAIT_FINISHED_AUTH), OK},
    {C13(WAIT_FINISHED_AUTH), FIN, S2C, V13, C13(SEND_CERT), OK},
    {C13(SEND_CERT), CERT, C2S, V13, C13(SEND_CV_OR_FINISHED), OK},
    {C13(SEND_CV_OR_FINISHED), CV, C2S, V13, C13(SEND_FINISHED), OK},
    {C13(SEND_FINISHED), FIN, C2S, V13, C(CONNECTED), OK},
    {C(CONNECTED), NST, S2C, V13, C(CONNECTED), OK},
    {C(CONNECTED), NST, S2C, V13, C(CONNECTED), OK},
    {C(CONNECTED), KU, C2S, V13, C(CONNECTED), OK},
    /* TLS 1.3: empty client Certificate; a compressed server Certificate (RFC 8879) */
    {C13(SEND_CV_OR_FINISHED), FIN, C2S, V13, C(CONNECTED), OK},
    {C13(WAIT_CERT), CCERT, S2C, V13, C13(WAIT_CV_AUTH), OK},
    /* TLS 1.3 without a CertificateRequest */
    {C13(WAIT_CERT_CR), CERT, S2C, V13, C13(WAIT_CV), OK},
    {C13(WAIT_CV), CV, S2C, V13, C13(WAIT_FINISHED), OK},
    {C13(WAIT_FINISHED), FIN, S2C, V13, C13(SEND_FINISHED), OK},
    {C13(SEND_FINISHED), FIN, C2S, V13, C(CONNECTED), OK},
    /* TLS 1.3 PSK resumption with early data */
    {C13(WAIT_CERT_CR), FIN, S2C, V13, C13(SEND_FINISHED), OK},
    {C13(SEND_FINISHED), EOED, C2S, V13, C13(SEND_FINISHED), OK},
    /* TLS 1.3 HelloRetryRequest */
    {C(WAIT_SH), HRR, S2C, VUN, C(SEND_CH2), OK},
    {C(SEND_CH2), CH, C2S, VUN, C(WAIT_SH2), OK},
    {C(WAIT_SH2), SH, S2C, V13, C13(WAIT_EE), OK},
    {C(WAIT_SH2), HRR, S2C, VUN, C(WAIT_SH2), BAD}, /* a second HRR */
    /* TLS 1.3 post-handshake authentication */
    {C(CONNECTED), CR, S2C, V13, C(PHA_SEND_CERT), OK},
    {C(PHA_SEND_CERT), CERT, C2S, V13, C(PHA_SEND_CV_OR_FINISHED), OK},
    {C(PHA_SEND_CV_OR_FINISHED), CV, C2S, V13, C(PHA_SEND_FINISHED), OK},
    {C(PHA_SEND_FINISHED), FIN, C2S, V13, C(CONNECTED), OK},
    {C(PHA_SEND_CV_OR_FINISHED), FIN, C2S, V13, C(CONNECTED), OK},
    /* out of order or illegal: noted, the state stays ... */
    {C(START), SH, S2C, V12, C(START), BAD},              /* capture started after the ClientHello */
    {C(WAIT_SH), CH, C2S, VUN, C(WAIT_SH), BAD},          /* a second ClientHello without HRR */
    {C(WAIT_SH), SH, C2S, V12, C(WAIT_SH), BAD},          /* from the wrong side */
    {C(WAIT_SH), SH, S2C, VUN, C(WAIT_SH), BAD},          /* a ServerHello that did not parse */
    {C12(WAIT_CERT), EE, S2C, V12, C12(WAIT_CERT), BAD},  /* a TLS 1.3 message in TLS 1.2 */
    {C13(WAIT_EE), CERT, S2C, V13, C13(WAIT_EE), BAD},    /* Certificate before EncryptedExtensions */
    {C12(SEND_CKE), CERT, C2S, V12, C12(SEND_CKE), BAD},  /* client Certificate without a request */
    {C12(SEND_CERT), CKE, C2S, V12, C12(SEND_CERT), BAD}, /* no Certificate after a request (SSL 3.0) */
    {C13(SEND_FINISHED), CERT, C2S, V13, C13(SEND_FINISHED), BAD},
    {C(CONNECTED), CR, S2C, V12, C(CONNECTED), BAD}, /* post-handshake CR is TLS 1.3 only */
    {C(CONNECTED), CH, C2S, V13, C(CONNECTED), BAD}, /* no renegotiation in TLS 1.3 */
    {C(CONNECTED), HR, S2C, V13, C(CONNECTED), BAD},
    {C(CONNECTED), FIN, C2S, V12, C(CONNECTED), BAD}, /* a second Finished */
    {C(CONNECTED), 99, S2C, V12, C(CONNECTED), BAD},  /* unknown type */
    /* ... except that the client's own Finished always finishes the client */
    {C(WAIT_SH), FIN, C2S, V12, C(CONNECTED), BAD},
    {C13(WAIT_EE), FIN, C2S, V13, C(CONNECTED), BAD},
    {C13(WAIT_EE), FIN, S2C, V13, C13(WAIT_EE), BAD}, /* the server's Finished too early */
};

#define S(x) TLSHS_S_##x
#define S12(x) TLSHS_S12_##x
#define S13(x) TLSHS_S13_##x

static const row server_rows[] = {
    /* TLS 1.2 mutual TLS, full handshake */
    {S(START), CH, C2S, VUN, S(SEND_SH), OK},
    {S(SEND_SH), SH, S2C, V12, S12(SEND_CERT), OK},
    {S12(SEND_CERT), CERT, S2C, V12, S12(SEND_SKE), OK},
    {S12(SEND_SKE), CSTAT, S2C, V12, S12(SEND_SKE), OK},
    {S12(SEND_SKE), SKE, S2C, V12, S12(SEND_CR), OK},
    {S12(SEND_CR), CR, S2C, V12, S12(SEND_SHD_AUTH), OK},
    {S12(SEND_SHD_AUTH), SHD, S2C, V12, S12(WAIT_CERT), OK},
    {S12(WAIT_CERT), CERT, C2S, V12, S12(WAIT_CKE_AUTH), OK},
    {S12(WAIT_CKE_AUTH), CKE, C2S, V12, S12(WAIT_CV_OR_FINISHED), OK},
    {S12(WAIT_CV_OR_FINISHED), CV, C2S, V12, S12(WAIT_FINISHED), OK},
    {S12(WAIT_FINISHED), FIN, C2S, V12, S12(SEND_FINISHED), OK},
    {S12(SEND_FINISHED), NST, S2C, V12, S12(SEND_FINISHED), OK},
    {S12(SEND_FINISHED), FIN, S2C, V12, S(CONNECTED), OK},
    /* empty client Certificate */
    {S12(WAIT_CV_OR_FINISHED), FIN, C2S, V12, S12(SEND_FINISHED), OK},
    /* one-way, RSA key exchange; PSK without a server Certificate */
    {S12(SEND_SKE), SHD, S2C, V12, S12(WAIT_CKE), OK},
    {S12(WAIT_CKE), CKE, C2S, V12, S12(WAIT_FINISHED), OK},
    {S12(SEND_CERT), SKE, S2C, V12, S12(SEND_CR), OK},
    {S12(SEND_CR), SHD, S2C, V12, S12(WAIT_CKE), OK},
    /* resumption by session id, and by ticket */
    {S12(SEND_CERT), FIN, S2C, V12, S(WAIT_FINISHED), OK},
    {S(WAIT_FINISHED), FIN, C2S, V12, S(CONNECTED), OK},
    {S12(SEND_CERT), NST, S2C, V12, S12(ABBR_SEND_FINISHED), OK},
    {S12(ABBR_SEND_FINISHED), FIN, S2C, V12, S(WAIT_FINISHED), OK},
    /* renegotiation */
    {S(CONNECTED), HR, S2C, V12, S(CONNECTED), RENEG},
    {S(CONNECTED), CH, C2S, V12, S(CONNECTED), RENEG},
    {S12(SEND_FINISHED), CH, C2S, V12, S12(SEND_FINISHED), BAD}, /* before the server's Finished */
    {S(START), HR, S2C, V12, S(HELLO_REQUESTED), OK},
    {S(HELLO_REQUESTED), CH, C2S, V12, S(SEND_SH), OK},
    /* TLS 1.3 mutual TLS */
    {S(SEND_SH), SH, S2C, V13, S13(SEND_EE), OK},
    {S13(SEND_EE), EE, S2C, V13, S13(SEND_CERT_CR), OK},
    {S13(SEND_CERT_CR), CR, S2C, V13, S13(SEND_CERT), OK},
    {S13(SEND_CERT), CERT, S2C, V13, S13(SEND_CV_AUTH), OK},
    {S13(SEND_CV_AUTH), CV, S2C, V13, S13(SEND_FINISHED_AUTH), OK},
    {S13(SEND_FINISHED_AUTH), FIN, S2C, V13, S13(WAIT_CERT), OK},
    {S13(WAIT_CERT), CERT, C2S, V13, S13(WAIT_CV_OR_FINISHED), OK},
    {S13(WAIT_CV_OR_FINISHED), CV, C2S, V13, S(WAIT_FINISHED), OK},
    {S(WAIT_FINISHED), FIN, C2S, V13, S(CONNECTED), OK},
    {S(CONNECTED), NST, S2C, V13, S(CONNECTED), OK},
    {S(CONNECTED), KU, S2C, V13, S(CONNECTED), OK},
    /* empty client Certificate */
    {S13(WAIT_CV_OR_FINISHED), FIN, C2S, V13, S(CONNECTED), OK},
    /* without a CertificateRequest; a compressed Certificate */
    {S13(SEND_CERT_CR), CCERT, S2C, V13, S13(SEND_CV), OK},
    {S13(SEND_CV), CV, S2C, V13, S13(SEND_FINISHED), OK},
    {S13(SEND_FINISHED), FIN, S2C, V13, S(WAIT_FINISHED), OK},
    {S(WAIT_FINISHED), NST, S2C, V13, S(WAIT_FINISHED), OK}, /* ticket before the client's Finished */
    /* PSK resumption with early data */
    {S13(SEND_CERT_CR), FIN, S2C, V13, S(WAIT_FINISHED), OK},
    {S(WAIT_FINISHED), EOED, C2S, V13, S(WAIT_FINISHED), OK},
    {S(WAIT_FINISHED), EOED, C2S, V12, S(WAIT_FINISHED), BAD},
    /* HelloRetryRequest */
    {S(SEND_SH), HRR, S2C, VUN, S(WAIT_CH2), OK},
    {S(WAIT_CH2), CH, C2S, VUN, S(SEND_SH2), OK},
    {S(SEND_SH2), SH, S2C, V13, S13(SEND_EE), OK},
    {S(SEND_SH2), HRR, S2C, VUN, S(SEND_SH2), BAD},
    /* post-handshake authentication */
    {S(CONNECTED), CR, S2C, V13, S(PHA_WAIT_CERT), OK},
    {S(PHA_WAIT_CERT), CERT, C2S, V13, S(PHA_WAIT_CV_OR_FINISHED), OK},
    {S(PHA_WAIT_CV_OR_FINISHED), CV, C2S, V13, S(PHA_WAIT_FINISHED), OK},
    {S(PHA_WAIT_FINISHED), FIN, C2S, V13, S(CONNECTED), OK},
    /* out of order or illegal */
    {S(START), SH, S2C, V12, S(START), BAD},
    {S12(SEND_CERT), CR, S2C, V12, S12(SEND_CERT), BAD}, /* CertificateRequest before the server Certificate */
    {S12(WAIT_CKE), CV, C2S, V12, S12(WAIT_CKE), BAD},   /* CertificateVerify without a client Certificate */
    {S12(WAIT_FINISHED), CV, C2S, V12, S12(WAIT_FINISHED), BAD},
    {S13(WAIT_CERT), FIN, C2S, V13, S13(WAIT_CERT), BAD}, /* no Certificate after a request: the server's side
                                                             is finished already, the client's machine moves */
    {S(CONNECTED), CH, C2S, V13, S(CONNECTED), BAD},
    {S(CONNECTED), KU, S2C, V12, S(CONNECTED), BAD},
    /* the server's own Finished always finishes the server */
    {S12(WAIT_CKE), FIN, S2C, V12, S(CONNECTED), BAD},
    {S(SEND_SH), FIN, S2C, VUN, S(CONNECTED), BAD},
};

/* State names for the messages of failing rows ("C13_WAIT_CERT_CR"; "?" out of range). */
static const char *const client_names[TLSHS_C_N_STATES] = {
    [TLSHS_C_START] = "C_START",
    [TLSHS_C_HELLO_REQUESTED] = "C_HELLO_REQUESTED",
    [TLSHS_C_WAIT_SH] = "C_WAIT_SH",
    [TLSHS_C_SEND_CH2] = "C_SEND_CH2",
    [TLSHS_C_WAIT_SH2] = "C_WAIT_SH2",
    [TLSHS_C13_WAIT_EE] = "C13_WAIT_EE",
    [TLSHS_C13_WAIT_CERT_CR] = "C13_WAIT_CERT_CR",
    [TLSHS_C13_WAIT_CERT] = "C13_WAIT_CERT",
    [TLSHS_C13_WAIT_CV] = "C13_WAIT_CV",
    [TLSHS_C13_WAIT_CV_AUTH] = "C13_WAIT_CV_AUTH",
    [TLSHS_C13_WAIT_FINISHED] = "C13_WAIT_FINISHED",
    [TLSHS_C13_WAIT_FINISHED_AUTH] = "C13_WAIT_FINISHED_AUTH",
    [TLSHS_C13_SEND_CERT] = "C13_SEND_CERT",
    [TLSHS_C13_SEND_CV_OR_FINISHED] = "C13_SEND_CV_OR_FINISHED",
    [TLSHS_C13_SEND_FINISHED] = "C13_SEND_FINISHED",
    [TLSHS_C12_WAIT_CERT] = "C12_WAIT_CERT",
    [TLSHS_C12_WAIT_SKE] = "C12_WAIT_SKE",
    [TLSHS_C12_WAIT_CR] = "C12_WAIT_CR",
    [TLSHS_C12_WAIT_SHD_AUTH] = "C12_WAIT_SHD_AUTH",
    [TLSHS_C12_SEND_CERT] = "C12_SEND_CERT",
    [TLSHS_C12_SEND_CKE] = "C12_SEND_CKE",
    [TLSHS_C12_SEND_CKE_AUTH] = "C12_SEND_CKE_AUTH",
    [TLSHS_C12_SEND_CV_OR_FINISHED] = "C12_SEND_CV_OR_FINISHED",
    [TLSHS_C12_SEND_FINISHED] = "C12_SEND_FINISHED",
    [TLSHS_C12_WAIT_FINISHED] = "C12_WAIT_FINISHED",
    [TLSHS_C12_ABBR_WAIT_FINISHED] = "C12_ABBR_WAIT_FINISHED",
    [TLSHS_C12_ABBR_SEND_FINISHED] = "C12_ABBR_SEND_FINISHED",
    [TLSHS_C_CONNECTED] = "C_CONNECTED",
    [TLSHS_C_PHA_SEND_CERT] = "C_PHA_SEND_CERT",
    [TLSHS_C_PHA_SEND_CV_OR_FINISHED] = "C_PHA_SEND_CV_OR_FINISHED",
    [TLSHS_C_PHA_SEND_FINISHED] = "C_PHA_SEND_FINISHED",
};

static const char *const server_names[TLSHS_S_N_STATES] = {
    [TLSHS_S_START] = "S_START",
    [TLSHS_S_HELLO_REQUESTED] = "S_HELLO_REQUESTED",
    [TLSHS_S_SEND_SH] = "S_SEND_SH",
    [TLSHS_S_WAIT_CH2] = "S_WAIT_CH2",
    [TLSHS_S_SEND_SH2] = "S_SEND_SH2",
    [TLSHS_S13_SEND_EE] = "S13_SEND_EE",
    [TLSHS_S13_SEND_CERT_CR] = "S13_SEND_CERT_CR",
    [TLSHS_S13_SEND_CERT] = "S13_SEND_CERT",
    [TLSHS_S13_SEND_CV] = "S13_SEND_CV",
    [TLSHS_S13_SEND_CV_AUTH] = "S13_SEND_CV_AUTH",
    [TLSHS_S13_SEND_FINISHED] = "S13_SEND_FINISHED",
    [TLSHS_S13_SEND_FINISHED_AUTH] = "S13_SEND_FINISHED_AUTH",
    [TLSHS_S13_WAIT_CERT] = "S13_WAIT_CERT",
    [TLSHS_S13_WAIT_CV_OR_FINISHED] = "S13_WAIT_CV_OR_FINISHED",
    [TLSHS_S_WAIT_FINISHED] = "S_WAIT_FINISHED",
    [TLSHS_S12_SEND_CERT] = "S12_SEND_CERT",
    [TLSHS_S12_SEND_SKE] = "S12_SEND_SKE",
    [TLSHS_S12_SEND_CR] = "S12_SEND_CR",
    [TLSHS_S12_SEND_SHD_AUTH] = "S12_SEND_SHD_AUTH",
    [TLSHS_S12_WAIT_CERT] = "S12_WAIT_CERT",
    [TLSHS_S12_WAIT_CKE] = "S12_WAIT_CKE",
    [TLSHS_S12_WAIT_CKE_AUTH] = "S12_WAIT_CKE_AUTH",
    [TLSHS_S12_WAIT_CV_OR_FINISHED] = "S12_WAIT_CV_OR_FINISHED",
    [TLSHS_S12_WAIT_FINISHED] = "S12_WAIT_FINISHED",
    [TLSHS_S12_SEND_FINISHED] = "S12_SEND_FINISHED",
    [TLSHS_S12_ABBR_SEND_FINISHED] = "S12_ABBR_SEND_FINISHED",
    [TLSHS_S_CONNECTED] = "S_CONNECTED",
    [TLSHS_S_PHA_WAIT_CERT] = "S_PHA_WAIT_CERT",
    [TLSHS_S_PHA_WAIT_CV_OR_FINISHED] = "S_PHA_WAIT_CV_OR_FINISHED",
    [TLSHS_S_PHA_WAIT_FINISHED] = "S_PHA_WAIT_FINISHED",
};

static const char *client_state_name(tlshs_client s)
{
    return (unsigned)s < TLSHS_C_N_STATES && client_names[s] ? client_names[s] : "?";
}

static const char *server_state_name(tlshs_server s)
{
    return (unsigned)s < TLSHS_S_N_STATES && server_names[s] ? server_names[s] : "?";
}

static const char *verdict_name(tlshs_verdict v)
{
    return v == TLSHS_EXPECTED ? "expected" : v == TLSHS_UNEXPECTED ? "unexpected" : "renegotiate";
}

static void test_client_rows(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(client_rows) / sizeof(client_rows[0]); i++) {
        const row *r = &client_rows[i];
        tlshs_client_step st = tlshs_client_next((tlshs_client)r->state, r->msg, r->dir, r->v);
        if (st.next != (tlshs_client)r->next || st.verdict != r->verdict) {
            print_error("client row %zu: %s + msg %u from %s (v%d) -> %s %s, want %s %s\n", i,
                        client_state_name((tlshs_client)r->state), r->msg, r->dir == C2S ? "client" : "server",
                        (int)r->v, client_state_name(st.next), verdict_name(st.verdict),
                        client_state_name((tlshs_client)r->next), verdict_name(r->verdict));
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_server_rows(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(server_rows) / sizeof(server_rows[0]); i++) {
        const row *r = &server_rows[i];
        tlshs_server_step st = tlshs_server_next((tlshs_server)r->state, r->msg, r->dir, r->v);
        if (st.next != (tlshs_server)r->next || st.verdict != r->verdict) {
            print_error("server row %zu: %s + msg %u from %s (v%d) -> %s %s, want %s %s\n", i,
                        server_state_name((tlshs_server)r->state), r->msg, r->dir == C2S ? "client" : "server",
                        (int)r->v, server_state_name(st.next), verdict_name(st.verdict),
                        server_state_name((tlshs_server)r->next), verdict_name(r->verdict));
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* One handshake as both machines see it: every message expected, and the end states. */
typedef struct msg {
    unsigned type;
    mtls_dir dir;
    tlshs_version v;
} msg;

static void run_both(const msg *m, size_t n, tlshs_client want_c, tlshs_server want_s)
{
    tlshs_client c = TLSHS_C_START;
    tlshs_server s = TLSHS_S_START;
    for (size_t i = 0; i < n; i++) {
        tlshs_client_step cs = tlshs_client_next(c, m[i].type, m[i].dir, m[i].v);
        tlshs_server_step ss = tlshs_server_next(s, m[i].type, m[i].dir, m[i].v);
        if (cs.verdict != TLSHS_EXPECTED || ss.verdict != TLSHS_EXPECTED)
            print_error("message %zu (type %u): %s -> %s %s, %s -> %s %s\n", i, m[i].type, client_state_name(c),
                        client_state_name(cs.next), verdict_name(cs.verdict), server_state_name(s),
                        server_state_name(ss.next), verdict_name(ss.verdict));
        assert_int_equal(cs.verdict, TLSHS_EXPECTED);
        assert_int_equal(ss.verdict, TLSHS_EXPECTED);
        c = cs.next;
        s = ss.next;
    }
    assert_string_equal(client_state_name(c), client_state_name(want_c));
    assert_string_equal(server_state_name(s), server_state_name(want_s));
}

#define RUN(seq, c, s) run_both(seq, sizeof(seq) / sizeof(seq[0]), c, s)

static void test_sequences(void **state)
{
    (void)state;
    static const msg tls12_mtls[] = {{CH, C2S, VUN}, {SH, S2C, V12},  {CERT, S2C, V12}, {SKE, S2C, V12},
                                     {CR, S2C, V12}, {SHD, S2C, V12}, {CERT, C2S, V12}, {CKE, C2S, V12},
                                     {CV, C2S, V12}, {FIN, C2S, V12}, {NST, S2C, V12},  {FIN, S2C, V12}};
    RUN(tls12_mtls, TLSHS_C_CONNECTED, TLSHS_S_CONNECTED);
    static const msg tls12_empty_cert[] = {{CH, C2S, VUN},  {SH, S2C, V12},  {CERT, S2C, V12}, {SKE, S2C, V12},
                                           {CR, S2C, V12},  {SHD, S2C, V12}, {CERT, C2S, V12}, {CKE, C2S, V12},
                                           {FIN, C2S, V12}, {FIN, S2C, V12}};
    RUN(tls12_empty_cert, TLSHS_C_CONNECTED, TLSHS_S_CONNECTED);
    static const msg tls12_resumed[] = {{CH, C2S, VUN}, {SH, S2C, V12}, {FIN, S2C, V12}, {FIN, C2S, V12}};
    RUN(tls12_resumed, TLSHS_C_CONNECTED, TLSHS_S_CONNECTED);
    static const msg tls13_mtls[] = {{CH, C2S, VUN},   {SH, S2C, V13},  {EE, S2C, V13},  {CR, S2C, V13},
                                     {CERT, S2C, V13}, {CV, S2C, V13},  {FIN, S2C, V13}, {CERT, C2S, V13},
                                     {CV, C2S, V13},   {FIN, C2S, V13}, {NST, S2C, V13}, {NST, S2C, V13}};
    RUN(tls13_mtls, TLSHS_C_CONNECTED, TLSHS_S_CONNECTED);
    static const msg tls13_one_way_hrr[] = {{CH, C2S, VUN},  {HRR, S2C, VUN},  {CH, C2S, VUN}, {SH, S2C, V13},
                                            {EE, S2C, V13},  {CERT, S2C, V13}, {CV, S2C, V13}, {FIN, S2C, V13},
                                            {FIN, C2S, V13}, {KU, C2S, V13}};
    RUN(tls13_one_way_hrr, TLSHS_C_CONNECTED, TLSHS_S_CONNECTED);
    static const msg tls13_pha_open[] = {{CH, C2S, VUN},   {SH, S2C, V13}, {EE, S2C, V13},
                                         {CERT, S2C, V13}, {CV, S2C, V13}, {FIN, S2C, V13},
                                         {FIN, C2S, V13},  {CR, S2C, V13}, {CERT, C2S, V13}};
    RUN(tls13_pha_open, TLSHS_C_PHA_SEND_CV_OR_FINISHED, TLSHS_S_PHA_WAIT_CV_OR_FINISHED);
    /* a renegotiation requested by the server, after the caller restarted both machines */
    static const msg reneg[] = {{HR, S2C, V12}, {CH, C2S, V12},  {SH, S2C, V12},   {CERT, S2C, V12},
                                {CR, S2C, V12}, {SHD, S2C, V12}, {CERT, C2S, V12}, {CKE, C2S, V12},
                                {CV, C2S, V12}, {FIN, C2S, V12}, {FIN, S2C, V12}};
    RUN(reneg, TLSHS_C_CONNECTED, TLSHS_S_CONNECTED);
}

/* The handshake map reads "this side's Finished was seen" from the machines
 * instead of keeping a flag: a side's own Finished always finishes its
 * machine, nothing else does, and nothing unfinishes it. */
static void test_finished_is_exact(void **state)
{
    (void)state;
    for (unsigned st = 0; st < TLSHS_C_N_STATES + TLSHS_S_N_STATES; st++) {
        bool client = st < TLSHS_C_N_STATES;
        unsigned s = client ? st : st - TLSHS_C_N_STATES;
        mtls_dir own = client ? C2S : S2C;
        for (unsigned m = 0; m <= TLSHS_MSG_HRR; m++)
            for (int d = 0; d < 2; d++)
                for (int v = TLSHS_V_UNKNOWN; v <= TLSHS_V_13; v++) {
                    bool was, now;
                    tlshs_verdict verdict;
                    if (client) {
                        tlshs_client_step r = tlshs_client_next((tlshs_client)s, m, (mtls_dir)d, (tlshs_version)v);
                        was = tlshs_client_finished((tlshs_client)s);
                        now = tlshs_client_finished(r.next);
                        verdict = r.verdict;
                        assert_true((unsigned)r.next < TLSHS_C_N_STATES);
                    } else {
                        tlshs_server_step r = tlshs_server_next((tlshs_server)s, m, (mtls_dir)d, (tlshs_version)v);
                        was = tlshs_server_finished((tlshs_server)s);
                        now = tlshs_server_finished(r.next);
                        verdict = r.verdict;
                        assert_true((unsigned)r.next < TLSHS_S_N_STATES);
                    }
                    bool own_fin = m == FIN && d == (int)own;
                    if (was ? !now : now != own_fin)
                        print_error("%s state %u, msg %u, dir %d, v%d: finished %d -> %d\n",
                                    client ? "client" : "server", s, m, d, v, was, now);
                    assert_true(was ? now : now == own_fin);
                    if (verdict == TLSHS_RENEGOTIATE)
                        assert_true(was && v == TLSHS_V_12);
                }
    }
}

static void test_names(void **state)
{
    (void)state;
    for (unsigned i = 0; i < TLSHS_C_N_STATES; i++) {
        assert_string_not_equal(client_state_name((tlshs_client)i), "?");
        assert_int_equal(strncmp(client_state_name((tlshs_client)i), "C", 1), 0);
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(client_state_name((tlshs_client)i), client_state_name((tlshs_client)j));
    }
    for (unsigned i = 0; i < TLSHS_S_N_STATES; i++) {
        assert_string_not_equal(server_state_name((tlshs_server)i), "?");
        assert_int_equal(strncmp(server_state_name((tlshs_server)i), "S", 1), 0);
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(server_state_name((tlshs_server)i), server_state_name((tlshs_server)j));
    }
    assert_string_equal(client_state_name(TLSHS_C13_WAIT_CERT_CR), "C13_WAIT_CERT_CR");
    assert_string_equal(server_state_name(TLSHS_S12_SEND_SKE), "S12_SEND_SKE");
    assert_string_equal(client_state_name(TLSHS_C_N_STATES), "?");
    assert_string_equal(server_state_name((tlshs_server)200), "?");
    /* out of range in: unexpected, unchanged */
    tlshs_client_step r = tlshs_client_next(TLSHS_C_N_STATES, CH, C2S, VUN);
    assert_int_equal(r.verdict, TLSHS_UNEXPECTED);
    assert_int_equal(r.next, TLSHS_C_N_STATES);
    r = tlshs_client_next(TLSHS_C_START, CH, C2S, (tlshs_version)7);
    assert_int_equal(r.verdict, TLSHS_UNEXPECTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_rows),       cmocka_unit_test(test_server_rows), cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_finished_is_exact), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
