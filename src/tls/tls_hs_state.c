/*
 * tls_hs_state.c — the handshake machines of tls_hs_state.h: one ordered
 * table of transitions per side, read by a pure function.
 */
#include "tls_hs_state.h"

#include <stddef.h>

#include "tls_handshake.h"

/* Which handshake versions a row applies to. */
enum {
    V12 = 1u << TLSHS_V_12,
    V13 = 1u << TLSHS_V_13,
    VANY = 1u << TLSHS_V_UNKNOWN | V12 | V13,
};

enum { FROM_C = DIR_C2S, FROM_S = DIR_S2C }; /* who sent the message */

typedef struct tlshs_row {
    uint8_t from;   /* tlshs_client or tlshs_server */
    uint16_t msg;   /* TLS_HS_* or TLSHS_MSG_HRR */
    uint8_t sender; /* FROM_C / FROM_S */
    uint8_t vers;   /* V12 | V13 | VANY */
    uint8_t to;     /* the state after it; the same as `from` for a message that changes nothing */
} tlshs_row;

#define CH TLS_HS_CLIENT_HELLO
#define SH TLS_HS_SERVER_HELLO
#define HRR TLSHS_MSG_HRR
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

/* The ServerHello settles the version; before it is known (a ServerHello
 * that did not parse), the machine cannot follow and the message is
 * unexpected. HelloRequest, renegotiation and the resynchronising Finished are
 * rules of tlshs_next(), not rows. */
static const tlshs_row client_rows[] = {
    {TLSHS_C_START, CH, FROM_C, VANY, TLSHS_C_WAIT_SH},
    {TLSHS_C_HELLO_REQUESTED, CH, FROM_C, VANY, TLSHS_C_WAIT_SH},
    {TLSHS_C_WAIT_SH, HRR, FROM_S, VANY, TLSHS_C_SEND_CH2},
    {TLSHS_C_WAIT_SH, SH, FROM_S, V13, TLSHS_C13_WAIT_EE},
    {TLSHS_C_WAIT_SH, SH, FROM_S, V12, TLSHS_C12_WAIT_CERT},
    {TLSHS_C_SEND_CH2, CH, FROM_C, VANY, TLSHS_C_WAIT_SH2},
    {TLSHS_C_WAIT_SH2, SH, FROM_S, V13, TLSHS_C13_WAIT_EE},
    {TLSHS_C_WAIT_SH2, SH, FROM_S, V12, TLSHS_C12_WAIT_CERT},
    /* TLS 1.3 */
    {TLSHS_C13_WAIT_EE, EE, FROM_S, VANY, TLSHS_C13_WAIT_CERT_CR},
    {TLSHS_C13_WAIT_CERT_CR, CR, FROM_S, VANY, TLSHS_C13_WAIT_CERT},
    {TLSHS_C13_WAIT_CERT_CR, CERT, FROM_S, VANY, TLSHS_C13_WAIT_CV},
    {TLSHS_C13_WAIT_CERT_CR, CCERT, FROM_S, VANY, TLSHS_C13_WAIT_CV},
    {TLSHS_C13_WAIT_CERT_CR, FIN, FROM_S, VANY, TLSHS_C13_SEND_FINISHED},
    {TLSHS_C13_WAIT_CERT, CERT, FROM_S, VANY, TLSHS_C13_WAIT_CV_AUTH},
    {TLSHS_C13_WAIT_CERT, CCERT, FROM_S, VANY, TLSHS_C13_WAIT_CV_AUTH},
    {TLSHS_C13_WAIT_CV, CV, FROM_S, VANY, TLSHS_C13_WAIT_FINISHED},
    {TLSHS_C13_WAIT_CV_AUTH, CV, FROM_S, VANY, TLSHS_C13_WAIT_FINISHED_AUTH},
    {TLSHS_C13_WAIT_FINISHED, FIN, FROM_S, VANY, TLSHS_C13_SEND_FINISHED},
    {TLSHS_C13_WAIT_FINISHED_AUTH, FIN, FROM_S, VANY, TLSHS_C13_SEND_CERT},
    {TLSHS_C13_SEND_CERT, EOED, FROM_C, VANY, TLSHS_C13_SEND_CERT},
    {TLSHS_C13_SEND_CERT, CERT, FROM_C, VANY, TLSHS_C13_SEND_CV_OR_FINISHED},
    {TLSHS_C13_SEND_CERT, CCERT, FROM_C, VANY, TLSHS_C13_SEND_CV_OR_FINISHED},
    {TLSHS_C13_SEND_CV_OR_FINISHED, CV, FROM_C, VANY, TLSHS_C13_SEND_FINISHED},
    {TLSHS_C13_SEND_CV_OR_FINISHED, FIN, FROM_C, VANY, TLSHS_C_CONNECTED},
    {TLSHS_C13_SEND_FINISHED, EOED, FROM_C, VANY, TLSHS_C13_SEND_FINISHED},
    {TLSHS_C13_SEND_FINISHED, NST, FROM_S, VANY, TLSHS_C13_SEND_FINISHED}, /* RFC 8446 4.6.1 note */
    {TLSHS_C13_SEND_FINISHED, FIN, FROM_C, VANY, TLSHS_C_CONNECTED},
    /* TLS 1.0-1.2 */
    {TLSHS_C12_WAIT_CERT, CERT, FROM_S, VANY, TLSHS_C12_WAIT_SKE},
    {TLSHS_C12_WAIT_CERT, SKE, FROM_S, VANY, TLSHS_C12_WAIT_CR},
    {TLSHS_C12_WAIT_CERT, SHD, FROM_S, VANY, TLSHS_C12_SEND_CKE},
    {TLSHS_C12_WAIT_CERT, NST, FROM_S, VANY, TLSHS_C12_ABBR_WAIT_FINISHED},
    {TLSHS_C12_WAIT_CERT, FIN, FROM_S, VANY, TLSHS_C12_ABBR_SEND_FINISHED},
    {TLSHS_C12_WAIT_SKE, CSTAT, FROM_S, VANY, TLSHS_C12_WAIT_SKE},
    {TLSHS_C12_WAIT_SKE, SKE, FROM_S, VANY, TLSHS_C12_WAIT_CR},
    {TLSHS_C12_WAIT_SKE, CR, FROM_S, VANY, TLSHS_C12_WAIT_SHD_AUTH},
    {TLSHS_C12_WAIT_SKE, SHD, FROM_S, VANY, TLSHS_C12_SEND_CKE},
    {TLSHS_C12_WAIT_CR, CR, FROM_S, VANY, TLSHS_C12_WAIT_SHD_AUTH},
    {TLSHS_C12_WAIT_CR, SHD, FROM_S, VANY, TLSHS_C12_SEND_CKE},
    {TLSHS_C12_WAIT_SHD_AUTH, SHD, FROM_S, VANY, TLSHS_C12_SEND_CERT},
    {TLSHS_C12_SEND_CERT, CERT, FROM_C, VANY, TLSHS_C12_SEND_CKE_AUTH},
    {TLSHS_C12_SEND_CKE, CKE, FROM_C, VANY, TLSHS_C12_SEND_FINISHED},
    {TLSHS_C12_SEND_CKE_AUTH, CKE, FROM_C, VANY, TLSHS_C12_SEND_CV_OR_FINISHED},
    {TLSHS_C12_SEND_CV_OR_FINISHED, CV, FROM_C, VANY, TLSHS_C12_SEND_FINISHED},
    {TLSHS_C12_SEND_CV_OR_FINISHED, FIN, FROM_C, VANY, TLSHS_C12_WAIT_FINISHED},
    {TLSHS_C12_SEND_FINISHED, FIN, FROM_C, VANY, TLSHS_C12_WAIT_FINISHED},
    {TLSHS_C12_WAIT_FINISHED, NST, FROM_S, VANY, TLSHS_C12_WAIT_FINISHED},
    {TLSHS_C12_WAIT_FINISHED, FIN, FROM_S, VANY, TLSHS_C_CONNECTED},
    {TLSHS_C12_ABBR_WAIT_FINISHED, FIN, FROM_S, VANY, TLSHS_C12_ABBR_SEND_FINISHED},
    {TLSHS_C12_ABBR_SEND_FINISHED, FIN, FROM_C, VANY, TLSHS_C_CONNECTED},
    /* after the handshake (TLS 1.3) */
    {TLSHS_C_CONNECTED, NST, FROM_S, V13, TLSHS_C_CONNECTED},
    {TLSHS_C_CONNECTED, KU, FROM_S, V13, TLSHS_C_CONNECTED},
    {TLSHS_C_CONNECTED, KU, FROM_C, V13, TLSHS_C_CONNECTED},
    {TLSHS_C_CONNECTED, CR, FROM_S, V13, TLSHS_C_PHA_SEND_CERT},
    {TLSHS_C_PHA_SEND_CERT, CERT, FROM_C, V13, TLSHS_C_PHA_SEND_CV_OR_FINISHED},
    {TLSHS_C_PHA_SEND_CERT, CCERT, FROM_C, V13, TLSHS_C_PHA_SEND_CV_OR_FINISHED},
    {TLSHS_C_PHA_SEND_CV_OR_FINISHED, CV, FROM_C, V13, TLSHS_C_PHA_SEND_FINISHED},
    {TLSHS_C_PHA_SEND_CV_OR_FINISHED, FIN, FROM_C, V13, TLSHS_C_CONNECTED},
    {TLSHS_C_PHA_SEND_FINISHED, FIN, FROM_C, V13, TLSHS_C_CONNECTED},
};

static const tlshs_row server_rows[] = {
    {TLSHS_S_START, CH, FROM_C, VANY, TLSHS_S_SEND_SH},
    {TLSHS_S_HELLO_REQUESTED, CH, FROM_C, VANY, TLSHS_S_SEND_SH},
    {TLSHS_S_SEND_SH, HRR, FROM_S, VANY, TLSHS_S_WAIT_CH2},
    {TLSHS_S_SEND_SH, SH, FROM_S, V13, TLSHS_S13_SEND_EE},
    {TLSHS_S_SEND_SH, SH, FROM_S, V12, TLSHS_S12_SEND_CERT},
    {TLSHS_S_WAIT_CH2, CH, FROM_C, VANY, TLSHS_S_SEND_SH2},
    {TLSHS_S_SEND_SH2, SH, FROM_S, V13, TLSHS_S13_SEND_EE},
    {TLSHS_S_SEND_SH2, SH, FROM_S, V12, TLSHS_S12_SEND_CERT},
    /* TLS 1.3 */
    {TLSHS_S13_SEND_EE, EE, FROM_S, VANY, TLSHS_S13_SEND_CERT_CR},
    {TLSHS_S13_SEND_CERT_CR, CR, FROM_S, VANY, TLSHS_S13_SEND_CERT},
    {TLSHS_S13_SEND_CERT_CR, CERT, FROM_S, VANY, TLSHS_S13_SEND_CV},
    {TLSHS_S13_SEND_CERT_CR, CCERT, FROM_S, VANY, TLSHS_S13_SEND_CV},
    {TLSHS_S13_SEND_CERT_CR, FIN, FROM_S, VANY, TLSHS_S_WAIT_FINISHED},
    {TLSHS_S13_SEND_CERT, CERT, FROM_S, VANY, TLSHS_S13_SEND_CV_AUTH},
    {TLSHS_S13_SEND_CERT, CCERT, FROM_S, VANY, TLSHS_S13_SEND_CV_AUTH},
    {TLSHS_S13_SEND_CV, CV, FROM_S, VANY, TLSHS_S13_SEND_FINISHED},
    {TLSHS_S13_SEND_CV_AUTH, CV, FROM_S, VANY, TLSHS_S13_SEND_FINISHED_AUTH},
    {TLSHS_S13_SEND_FINISHED, FIN, FROM_S, VANY, TLSHS_S_WAIT_FINISHED},
    {TLSHS_S13_SEND_FINISHED_AUTH, FIN, FROM_S, VANY, TLSHS_S13_WAIT_CERT},
    {TLSHS_S13_WAIT_CERT, EOED, FROM_C, VANY, TLSHS_S13_WAIT_CERT},
    {TLSHS_S13_WAIT_CERT, CERT, FROM_C, VANY, TLSHS_S13_WAIT_CV_OR_FINISHED},
    {TLSHS_S13_WAIT_CERT, CCERT, FROM_C, VANY, TLSHS_S13_WAIT_CV_OR_FINISHED},
    {TLSHS_S13_WAIT_CV_OR_FINISHED, CV, FROM_C, VANY, TLSHS_S_WAIT_FINISHED},
    {TLSHS_S13_WAIT_CV_OR_FINISHED, FIN, FROM_C, VANY, TLSHS_S_CONNECTED},
    {TLSHS_S_WAIT_FINISHED, EOED, FROM_C, V13, TLSHS_S_WAIT_FINISHED},
    {TLSHS_S_WAIT_FINISHED, NST, FROM_S, V13, TLSHS_S_WAIT_FINISHED}, /* RFC 8446 4.6.1 note */
    {TLSHS_S_WAIT_FINISHED, FIN, FROM_C, VANY, TLSHS_S_CONNECTED},
    /* TLS 1.0-1.2 */
    {TLSHS_S12_SEND_CERT, CERT, FROM_S, VANY, TLSHS_S12_SEND_SKE},
    {TLSHS_S12_SEND_CERT, SKE, FROM_S, VANY, TLSHS_S12_SEND_CR},
    {TLSHS_S12_SEND_CERT, SHD, FROM_S, VANY, TLSHS_S12_WAIT_CKE},
    {TLSHS_S12_SEND_CERT, NST, FROM_S, VANY, TLSHS_S12_ABBR_SEND_FINISHED},
    {TLSHS_S12_SEND_CERT, FIN, FROM_S, VANY, TLSHS_S_WAIT_FINISHED},
    {TLSHS_S12_SEND_SKE, CSTAT, FROM_S, VANY, TLSHS_S12_SEND_SKE},
    {TLSHS_S12_SEND_SKE, SKE, FROM_S, VANY, TLSHS_S12_SEND_CR},
    {TLSHS_S12_SEND_SKE, CR, FROM_S, VANY, TLSHS_S12_SEND_SHD_AUTH},
    {TLSHS_S12_SEND_SKE, SHD, FROM_S, VANY, TLSHS_S12_WAIT_CKE},
    {TLSHS_S12_SEND_CR, CR, FROM_S, VANY, TLSHS_S12_SEND_SHD_AUTH},
    {TLSHS_S12_SEND_CR, SHD, FROM_S, VANY, TLSHS_S12_WAIT_CKE},
    {TLSHS_S12_SEND_SHD_AUTH, SHD, FROM_S, VANY, TLSHS_S12_WAIT_CERT},
    {TLSHS_S12_WAIT_CERT, CERT, FROM_C, VANY, TLSHS_S12_WAIT_CKE_AUTH},
    {TLSHS_S12_WAIT_CKE, CKE, FROM_C, VANY, TLSHS_S12_WAIT_FINISHED},
    {TLSHS_S12_WAIT_CKE_AUTH, CKE, FROM_C, VANY, TLSHS_S12_WAIT_CV_OR_FINISHED},
    {TLSHS_S12_WAIT_CV_OR_FINISHED, CV, FROM_C, VANY, TLSHS_S12_WAIT_FINISHED},
    {TLSHS_S12_WAIT_CV_OR_FINISHED, FIN, FROM_C, VANY, TLSHS_S12_SEND_FINISHED},
    {TLSHS_S12_WAIT_FINISHED, FIN, FROM_C, VANY, TLSHS_S12_SEND_FINISHED},
    {TLSHS_S12_SEND_FINISHED, NST, FROM_S, VANY, TLSHS_S12_SEND_FINISHED},
    {TLSHS_S12_SEND_FINISHED, FIN, FROM_S, VANY, TLSHS_S_CONNECTED},
    {TLSHS_S12_ABBR_SEND_FINISHED, FIN, FROM_S, VANY, TLSHS_S_WAIT_FINISHED},
    /* after the handshake (TLS 1.3) */
    {TLSHS_S_CONNECTED, NST, FROM_S, V13, TLSHS_S_CONNECTED},
    {TLSHS_S_CONNECTED, KU, FROM_S, V13, TLSHS_S_CONNECTED},
    {TLSHS_S_CONNECTED, KU, FROM_C, V13, TLSHS_S_CONNECTED},
    {TLSHS_S_CONNECTED, CR, FROM_S, V13, TLSHS_S_PHA_WAIT_CERT},
    {TLSHS_S_PHA_WAIT_CERT, CERT, FROM_C, V13, TLSHS_S_PHA_WAIT_CV_OR_FINISHED},
    {TLSHS_S_PHA_WAIT_CERT, CCERT, FROM_C, V13, TLSHS_S_PHA_WAIT_CV_OR_FINISHED},
    {TLSHS_S_PHA_WAIT_CV_OR_FINISHED, CV, FROM_C, V13, TLSHS_S_PHA_WAIT_FINISHED},
    {TLSHS_S_PHA_WAIT_CV_OR_FINISHED, FIN, FROM_C, V13, TLSHS_S_CONNECTED},
    {TLSHS_S_PHA_WAIT_FINISHED, FIN, FROM_C, V13, TLSHS_S_CONNECTED},
};

bool tlshs_client_finished(tlshs_client s)
{
    switch (s) {
    case TLSHS_C12_WAIT_FINISHED:
    case TLSHS_C_CONNECTED:
    case TLSHS_C_PHA_SEND_CERT:
    case TLSHS_C_PHA_SEND_CV_OR_FINISHED:
    case TLSHS_C_PHA_SEND_FINISHED: return true;
    default: return false;
    }
}

bool tlshs_server_finished(tlshs_server s)
{
    switch (s) {
    case TLSHS_S13_WAIT_CERT:
    case TLSHS_S13_WAIT_CV_OR_FINISHED:
    case TLSHS_S_WAIT_FINISHED:
    case TLSHS_S_CONNECTED:
    case TLSHS_S_PHA_WAIT_CERT:
    case TLSHS_S_PHA_WAIT_CV_OR_FINISHED:
    case TLSHS_S_PHA_WAIT_FINISHED: return true;
    default: return false;
    }
}

/* One side's machine: its rows, and the states its rules need. */
typedef struct machine {
    mtls_dir side;
    const tlshs_row *rows;
    size_t n_rows;
    unsigned n_states;
    unsigned hello_requested, connected;
    bool (*finished)(unsigned s);
} machine;

static bool client_finished(unsigned s) { return tlshs_client_finished((tlshs_client)s); }
static bool server_finished(unsigned s) { return tlshs_server_finished((tlshs_server)s); }

static const machine client_machine = {DIR_C2S,
                                       client_rows,
                                       sizeof(client_rows) / sizeof(client_rows[0]),
                                       TLSHS_C_N_STATES,
                                       TLSHS_C_HELLO_REQUESTED,
                                       TLSHS_C_CONNECTED,
                                       client_finished};
static const machine server_machine = {DIR_S2C,
                                       server_rows,
                                       sizeof(server_rows) / sizeof(server_rows[0]),
                                       TLSHS_S_N_STATES,
                                       TLSHS_S_HELLO_REQUESTED,
                                       TLSHS_S_CONNECTED,
                                       server_finished};

/* The state after msg from dir in state s of machine m (START is 0 in both). */
static unsigned next(const machine *m, unsigned s, unsigned msg, mtls_dir dir, tlshs_version v,
                     tlshs_verdict *out_verdict)
{
    *out_verdict = TLSHS_UNEXPECTED;
    if (s >= m->n_states || (unsigned)v > TLSHS_V_13)
        return s;
    /* TLS 1.0-1.2 (RFC 5246 7.4.1.1): a HelloRequest or a ClientHello after this
     * side's Finished starts a renegotiation; the caller restarts both machines
     * when both sides are finished. */
    bool hello = (msg == TLS_HS_HELLO_REQUEST && dir == DIR_S2C) || (msg == TLS_HS_CLIENT_HELLO && dir == DIR_C2S);
    if (hello && v == TLSHS_V_12 && m->finished(s)) {
        *out_verdict = TLSHS_RENEGOTIATE;
        return s;
    }
    for (size_t i = 0; i < m->n_rows; i++) {
        const tlshs_row *r = &m->rows[i];
        if (r->from == s && r->msg == msg && r->sender == dir && (r->vers & (1u << v))) {
            *out_verdict = TLSHS_EXPECTED;
            return r->to;
        }
    }
    /* A HelloRequest before TLS 1.3 asks for a ClientHello at the start; during a
     * handshake the client ignores it (RFC 5246 7.4.1.1). */
    if (msg == TLS_HS_HELLO_REQUEST && dir == DIR_S2C && v != TLSHS_V_13 && !m->finished(s)) {
        *out_verdict = TLSHS_EXPECTED;
        return s == 0 ? m->hello_requested : s;
    }
    /* A side's own Finished out of order still finishes that side: what happened. */
    if (msg == TLS_HS_FINISHED && dir == m->side && !m->finished(s))
        return m->connected;
    return s;
}

tlshs_client_step tlshs_client_next(tlshs_client s, unsigned msg, mtls_dir dir, tlshs_version v)
{
    tlshs_client_step r;
    r.next = (tlshs_client)next(&client_machine, (unsigned)s, msg, dir, v, &r.verdict);
    return r;
}

tlshs_server_step tlshs_server_next(tlshs_server s, unsigned msg, mtls_dir dir, tlshs_version v)
{
    tlshs_server_step r;
    r.next = (tlshs_server)next(&server_machine, (unsigned)s, msg, dir, v, &r.verdict);
    return r;
}
