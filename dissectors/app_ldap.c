/*
 * app_ldap.c — LDAPv3 messages (RFC 4511 §4.1.1, §4.2, §4.14): the
 * client's request operation and the server's LDAPResult-bearing responses,
 * in the minimal BER they need: single-byte tags, definite lengths in short
 * form or long form of at most 4 bytes (an indefinite length, or a longer
 * form, is DX_MALFORMED). See app_reply.h for the outcome table.
 */
#include "app_util.h"

#include <string.h>

#define BER_SEQUENCE 0x30
#define BER_INTEGER 0x02
#define BER_OCTET_STRING 0x04
#define BER_ENUMERATED 0x0a
#define LDAP_EXT_RESPONSE_NAME 0x8a /* [10] responseName */
#define LDAP_EXT_REQUEST_NAME 0x80  /* [0] requestName */
#define LDAP_BIND_SIMPLE 0x80       /* [0] simple password */
#define LDAP_BIND_SASL 0xa3         /* [3] SaslCredentials */
#define LDAP_OP_BIND_RESPONSE 0x61
#define LDAP_OP_EXTENDED_RESPONSE 0x78
#define LDAP_OP_BIND_REQUEST 0x60
#define LDAP_OP_DEL_REQUEST 0x4a
#define LDAP_OP_EXTENDED_REQUEST 0x77
#define LDAP_NOTICE_OF_DISCONNECTION "1.3.6.1.4.1.1466.20036"

typedef enum { OP_RESULT, OP_DATA, OP_INTERMEDIATE, OP_REQUEST } ldap_op_shape;

static const struct ldap_op_row {
    uint8_t tag;
    const char *kind;
    ldap_op_shape shape;
} ldap_server_ops[] =
    {
        {LDAP_OP_BIND_RESPONSE, "bindResponse", OP_RESULT},
        {0x64, "searchResEntry", OP_DATA},
        {0x65, "searchResDone", OP_RESULT},
        {0x67, "modifyResponse", OP_RESULT},
        {0x69, "addResponse", OP_RESULT},
        {0x6b, "delResponse", OP_RESULT},
        {0x6d, "modDNResponse", OP_RESULT},
        {0x6f, "compareResponse", OP_RESULT},
        {0x73, "searchResRef", OP_DATA},
        {LDAP_OP_EXTENDED_RESPONSE, "extendedResp", OP_RESULT},
        {0x79, "intermediateResponse", OP_INTERMEDIATE},
},
  ldap_client_ops[] = {
      {LDAP_OP_BIND_REQUEST, "bindRequest", OP_REQUEST},
      {0x42, "unbindRequest", OP_REQUEST},
      {0x63, "searchRequest", OP_REQUEST},
      {0x66, "modifyRequest", OP_REQUEST},
      {0x68, "addRequest", OP_REQUEST},
      {LDAP_OP_DEL_REQUEST, "delRequest", OP_REQUEST},
      {0x6c, "modDNRequest", OP_REQUEST},
      {0x6e, "compareRequest", OP_REQUEST},
      {0x50, "abandonRequest", OP_REQUEST},
      {LDAP_OP_EXTENDED_REQUEST, "extendedReq", OP_REQUEST},
};

/* resultCode (RFC 4511 Appendix A, RFC 3909, RFC 4370, RFC 4528). */
static const struct {
    uint32_t code;
    const char *name;
    ap_outcome outcome;
} ldap_results[] = {
    {0, "success", AP_ACCEPTED},
    {1, "operationsError", AP_ERROR},
    {2, "protocolError", AP_ERROR},
    {3, "timeLimitExceeded", AP_ERROR},
    {4, "sizeLimitExceeded", AP_ERROR},
    {5, "compareFalse", AP_ACCEPTED},
    {6, "compareTrue", AP_ACCEPTED},
    {7, "authMethodNotSupported", AP_REFUSED_AUTH},
    {8, "strongerAuthRequired", AP_REFUSED_AUTH},
    {10, "referral", AP_ERROR},
    {11, "adminLimitExceeded", AP_ERROR},
    {12, "unavailableCriticalExtension", AP_ERROR},
    {13, "confidentialityRequired", AP_REFUSED_AUTH},
    {14, "saslBindInProgress", AP_INFO},
    {16, "noSuchAttribute", AP_ERROR},
    {17, "undefinedAttributeType", AP_ERROR},
    {18, "inappropriateMatching", AP_ERROR},
    {19, "constraintViolation", AP_ERROR},
    {20, "attributeOrValueExists", AP_ERROR},
    {21, "invalidAttributeSyntax", AP_ERROR},
    {32, "noSuchObject", AP_ERROR},
    {33, "aliasProblem", AP_ERROR},
    {34, "invalidDNSyntax", AP_ERROR},
    {36, "aliasDereferencingProblem", AP_ERROR},
    {48, "inappropriateAuthentication", AP_REFUSED_AUTH},
    {49, "invalidCredentials", AP_REFUSED_AUTH},
    {50, "insufficientAccessRights", AP_REFUSED_AUTH},
    {51, "busy", AP_ERROR},
    {52, "unavailable", AP_ERROR},
    {53, "unwillingToPerform", AP_ERROR},
    {54, "loopDetect", AP_ERROR},
    {64, "namingViolation", AP_ERROR},
    {65, "objectClassViolation", AP_ERROR},
    {66, "notAllowedOnNonLeaf", AP_ERROR},
    {67, "notAllowedOnRDN", AP_ERROR},
    {68, "entryAlreadyExists", AP_ERROR},
    {69, "objectClassModsProhibited", AP_ERROR},
    {71, "affectsMultipleDSAs", AP_ERROR},
    {80, "other", AP_ERROR},
    {118, "canceled", AP_ERROR},
    {119, "noSuchOperation", AP_ERROR},
    {120, "tooLate", AP_ERROR},
    {121, "cannotCancel", AP_ERROR},
    {122, "assertionFailed", AP_ERROR},
    {123, "authorizationDenied", AP_REFUSED_AUTH},
};

static const struct ldap_op_row *find_op_kind(const char *kind);

const char *ap_ldap_code_name(const ap_reply *r)
{
    const struct ldap_op_row *op = r->kind ? find_op_kind(r->kind) : NULL;
    if (!op || op->shape != OP_RESULT)
        return NULL;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ldap_results); i++)
        if (ldap_results[i].code == r->code)
            return ldap_results[i].name;
    return NULL;
}

static ap_outcome ldap_outcome(uint32_t code)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ldap_results); i++)
        if (ldap_results[i].code == code)
            return ldap_results[i].outcome;
    return AP_ERROR;
}

/*
 * A tag and a definite length at k (consumed). DX_NEED_MORE when k ends
 * first; DX_MALFORMED for a multi-byte tag, an indefinite length or a length
 * of more than 4 bytes.
 */
static dx_result ber_header(cur_t *k, uint8_t *tag, size_t *len)
{
    size_t at = cur_abs_offset(k);
    uint8_t t = 0, l = 0;
    if (!cur_get_u8(k, &t) || !cur_get_u8(k, &l))
        return dx_need_more(1);
    if ((t & 0x1f) == 0x1f)
        return dx_malformed(DXE_APP, at);
    if (l < 0x80) {
        *tag = t;
        *len = l;
        return dx_ok();
    }
    size_t width = l & 0x7f;
    if (width == 0 || width > 4)
        return dx_malformed(DXE_APP, at + 1);
    size_t v = 0;
    for (size_t i = 0; i < width; i++) {
        uint8_t d = 0;
        if (!cur_get_u8(k, &d))
            return dx_need_more(width - i);
        v = v << 8 | d;
    }
    *tag = t;
    *len = v;
    return dx_ok();
}

/* A whole TLV inside an already complete parent: its value as a child. */
static dx_result ber_tlv(cur_t *parent, uint8_t *tag, cur_t *val)
{
    size_t at = cur_abs_offset(parent);
    size_t len = 0;
    dx_result r = ber_header(parent, tag, &len);
    if (r.status == DX_NEED_MORE)
        return dx_malformed(DXE_SHORT, at);
    if (r.status != DX_OK)
        return r;
    if (!cur_get_sub(parent, len, val))
        return dx_malformed(DXE_LENGTH_PAST_END, at);
    return dx_ok();
}

/* A non-negative INTEGER or ENUMERATED of 1..4 bytes (5 with a leading 0). */
static bool ber_uint(cur_t *v, uint32_t *out)
{
    size_t n = cur_remaining(v);
    uint8_t first = 0;
    if (n == 0 || n > 5 || !cur_peek_u8(v, 0, &first) || (first & 0x80) || (n == 5 && first != 0))
        return false;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t d = 0;
        if (!cur_get_u8(v, &d))
            return false;
        x = x << 8 | d;
    }
    *out = x;
    return true;
}

static ap_view cur_view(const cur_t *v) { return (ap_view){cur_ptr(v), cur_remaining(v)}; }

/* The SEQUENCE header, messageID and protocolOp of an LDAPMessage at c,
 * read from a copy. Fills *total (header + SEQUENCE length), *msgid, *op
 * (the op's tag) and the op's value when the whole message is present. */
typedef struct ldap_frame {
    size_t total, op_hdr_end; /* bytes through the op's tag and length */
    uint32_t msgid;
    uint8_t op;
    bool whole;
    cur_t seq, op_val;
} ldap_frame;

static dx_result ldap_frame_at(const cur_t *c, ldap_frame *f)
{
    cur_t k = *c;
    uint8_t tag = 0;
    size_t len = 0;
    if (cur_peek_u8(c, 0, &tag) && tag != BER_SEQUENCE)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    dx_result r = ber_header(&k, &tag, &len);
    if (r.status != DX_OK)
        return r;
    if (tag != BER_SEQUENCE)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    f->total = (k.off - c->off) + len;
    f->whole = cur_remaining(c) >= f->total;
    /* the messageID and the op's header, read from the stream (they may be
     * all we have of a large message) */
    cur_t s = k, idv;
    size_t idlen = 0, oplen = 0;
    if ((r = ber_header(&s, &tag, &idlen)).status != DX_OK)
        return r;
    if (tag != BER_INTEGER || idlen > 5)
        return dx_malformed(DXE_APP, cur_abs_offset(&k));
    if (!cur_get_sub(&s, idlen, &idv))
        return dx_need_more(idlen - cur_remaining(&s));
    if (!ber_uint(&idv, &f->msgid))
        return dx_malformed(DXE_APP, cur_abs_offset(&k));
    if ((r = ber_header(&s, &f->op, &oplen)).status != DX_OK)
        return r;
    f->op_hdr_end = s.off - c->off;
    if (f->op_hdr_end + oplen > f->total)
        return dx_malformed(DXE_LENGTH_PAST_END, cur_abs_offset(c));
    if (!f->whole)
        return dx_ok();
    if (!cur_get_sub(&k, len, &f->seq))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    cur_t body = f->seq, tmp;
    uint8_t t = 0;
    if ((r = ber_tlv(&body, &t, &tmp)).status != DX_OK || (r = ber_tlv(&body, &t, &f->op_val)).status != DX_OK)
        return r;
    return dx_ok();
}

/* LDAPResult: resultCode, matchedDN, diagnosticMessage, then optional
 * elements (referral, serverSaslCreds, responseName, responseValue). */
static dx_result ldap_result(cur_t *op, uint8_t optag, ap_reply *out)
{
    uint8_t t1 = 0, t2 = 0, t3 = 0, t = 0;
    cur_t code, dn, diag, extra;
    dx_result r;
    if ((r = ber_tlv(op, &t1, &code)).status != DX_OK || (r = ber_tlv(op, &t2, &dn)).status != DX_OK ||
        (r = ber_tlv(op, &t3, &diag)).status != DX_OK)
        return r;
    if (t1 != BER_ENUMERATED || t2 != BER_OCTET_STRING || t3 != BER_OCTET_STRING || !ber_uint(&code, &out->code))
        return dx_malformed(DXE_APP, cur_abs_offset(&code));
    out->outcome = ldap_outcome(out->code);
    if (cur_remaining(&diag)) {
        out->message = cur_ptr(&diag);
        out->message_len = cur_remaining(&diag);
    }
    while (!cur_at_end(op)) {
        if ((r = ber_tlv(op, &t, &extra)).status != DX_OK)
            return r;
        if (optag == LDAP_OP_EXTENDED_RESPONSE && t == LDAP_EXT_RESPONSE_NAME) {
            out->target = cur_ptr(&extra);
            out->target_len = cur_remaining(&extra);
        }
    }
    return dx_ok();
}

/* The server operation row of a kind (a Notice of Disconnection is an
 * extendedResp). */
static const struct ldap_op_row *find_op_kind(const char *kind)
{
    if (strcmp(kind, "noticeOfDisconnection") == 0)
        kind = "extendedResp";
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ldap_server_ops); i++)
        if (strcmp(ldap_server_ops[i].kind, kind) == 0)
            return &ldap_server_ops[i];
    return NULL;
}

static const struct ldap_op_row *find_op(const struct ldap_op_row *t, size_t n, uint8_t tag)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].tag == tag)
            return &t[i];
    return NULL;
}

dx_result ap_ldap_server(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    ldap_frame f;
    dx_result r = ldap_frame_at(c, &f);
    if (r.status != DX_OK)
        return r;
    const struct ldap_op_row *row = find_op(ldap_server_ops, MTLS_ARRAY_LEN(ldap_server_ops), f.op);
    if (!row)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    ap_reply_start(out, AP_LDAP, row->kind);
    out->outcome = row->shape == OP_DATA ? AP_ACCEPTED : AP_INFO;
    if (!f.whole) {
        if (row->shape == OP_DATA) /* entries decide by their tag: header + skip */
            return ap_reply_done(c, out, f.op_hdr_end, f.total - f.op_hdr_end);
        if (f.total > AP_MAX_MESSAGE)
            return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
        return dx_need_more(f.total - cur_remaining(c));
    }
    if (row->shape == OP_RESULT) {
        if (f.total > AP_MAX_MESSAGE)
            return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
        if ((r = ldap_result(&f.op_val, f.op, out)).status != DX_OK)
            return r;
        if (f.op == LDAP_OP_EXTENDED_RESPONSE && f.msgid == 0 &&
            ap_ieq((ap_view){out->target, out->target_len}, LDAP_NOTICE_OF_DISCONNECTION)) {
            out->kind = "noticeOfDisconnection";
            out->outcome = AP_ERROR;
        }
    }
    return ap_reply_done(c, out, f.total, 0);
}

/* The first OCTET STRING of an operation (the DN it names). */
static void ldap_first_string(cur_t op, ap_reply *out)
{
    uint8_t t = 0;
    cur_t v;
    if (ber_tlv(&op, &t, &v).status == DX_OK && t == BER_OCTET_STRING && cur_remaining(&v)) {
        out->target = cur_ptr(&v);
        out->target_len = cur_remaining(&v);
    }
}

/* BindRequest: version, name (the bind DN), authentication: simple [0]
 * (the password: never read) or sasl [3] {mechanism, credentials}. */
static dx_result ldap_bind(cur_t *op, ap_reply *out)
{
    uint8_t tv = 0, tn = 0, ta = 0, tm = 0;
    cur_t ver, name, auth, mech;
    dx_result r;
    if ((r = ber_tlv(op, &tv, &ver)).status != DX_OK || (r = ber_tlv(op, &tn, &name)).status != DX_OK ||
        (r = ber_tlv(op, &ta, &auth)).status != DX_OK)
        return r;
    if (tv != BER_INTEGER || tn != BER_OCTET_STRING || (ta != LDAP_BIND_SIMPLE && ta != LDAP_BIND_SASL))
        return dx_malformed(DXE_APP, cur_abs_offset(&ver));
    if (cur_remaining(&name)) {
        out->user = cur_ptr(&name);
        out->user_len = cur_remaining(&name);
    }
    if (ta == LDAP_BIND_SIMPLE) {
        out->kind = "simple bindRequest";
        return dx_ok();
    }
    out->kind = "SASL bindRequest";
    if ((r = ber_tlv(&auth, &tm, &mech)).status != DX_OK)
        return r;
    if (tm != BER_OCTET_STRING)
        return dx_malformed(DXE_APP, cur_abs_offset(&mech));
    out->target = cur_ptr(&mech);
    out->target_len = cur_remaining(&mech);
    return dx_ok();
}

dx_result ap_ldap_client(const ap_ctx *ctx, cur_t *c, ap_reply *out)
{
    (void)ctx;
    ldap_frame f;
    dx_result r = ldap_frame_at(c, &f);
    if (r.status != DX_OK)
        return r;
    const struct ldap_op_row *row = find_op(ldap_client_ops, MTLS_ARRAY_LEN(ldap_client_ops), f.op);
    if (!row)
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    if (f.total > AP_MAX_MESSAGE)
        return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
    if (!f.whole)
        return dx_need_more(f.total - cur_remaining(c));
    ap_reply_start(out, AP_LDAP, row->kind);
    out->code = f.op & 0x1f;
    if (f.op == LDAP_OP_BIND_REQUEST) {
        if ((r = ldap_bind(&f.op_val, out)).status != DX_OK)
            return r;
    } else if (f.op == LDAP_OP_EXTENDED_REQUEST) {
        uint8_t t = 0;
        cur_t name, op = f.op_val;
        if ((r = ber_tlv(&op, &t, &name)).status != DX_OK)
            return r;
        if (t != LDAP_EXT_REQUEST_NAME)
            return dx_malformed(DXE_APP, cur_abs_offset(&name));
        out->target = cur_ptr(&name);
        out->target_len = cur_remaining(&name);
    } else if (f.op == LDAP_OP_DEL_REQUEST) {
        ap_view dn = cur_view(&f.op_val);
        out->target = dn.n ? dn.p : NULL;
        out->target_len = dn.n;
    } else {
        ldap_first_string(f.op_val, out);
    }
    return ap_reply_done(c, out, f.total, 0);
}

bool ap_ldap_sniff_client(const cur_t *c)
{
    ldap_frame f;
    if (ldap_frame_at(c, &f).status != DX_OK)
        return false;
    return find_op(ldap_client_ops, MTLS_ARRAY_LEN(ldap_client_ops), f.op) != NULL;
}
