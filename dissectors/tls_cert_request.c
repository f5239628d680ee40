/* tls_cert_request.c — CertificateRequest grammar (see tls_cert_request.h). */
#include "tls_cert_request.h"

#include <string.h>

#include "tls_extensions.h"

static cur_t empty_view(const cur_t *at)
{
    cur_t v;
    cur_init(&v, NULL, 0);
    v.base = cur_abs_offset(at);
    return v;
}

/* A view of a sub-range of `whole` given by a tls_view pointing into it. */
static cur_t view_in(const cur_t *whole, tls_view v)
{
    cur_t out;
    cur_init(&out, v.ptr, v.len);
    out.base = v.ptr ? whole->base + (size_t)(v.ptr - whole->data) : whole->base;
    return out;
}

/* u16-prefixed non-empty list of u16 values -> view + count. */
static dx_result u16_list(cur_t *c, dx_err short_code, cur_t *out, size_t *out_n)
{
    size_t at = cur_abs_offset(c);
    if (!cur_get_prefixed_u16(c, out))
        return dx_malformed(cur_remaining(c) < 2 ? short_code : DXE_LENGTH_PAST_END, at);
    if (out->len == 0)
        return dx_malformed(short_code, at);
    if (out->len % 2)
        return dx_malformed(DXE_LENGTH_ODD, at);
    *out_n = out->len / 2;
    return dx_ok();
}

static dx_result parse_tls12(cur_t *c, bool with_sig_algs, tls_certreq *out)
{
    size_t at = cur_abs_offset(c);
    dx_result r;

    if (!cur_get_prefixed_u8(c, &out->cert_types))
        return dx_malformed(cur_at_end(c) ? DXE_CERT_REQUEST : DXE_LENGTH_PAST_END, at);
    if (out->cert_types.len == 0)
        return dx_malformed(DXE_CERT_REQUEST, at);

    if (with_sig_algs) {
        r = u16_list(c, DXE_CERT_REQUEST, &out->sig_algs, &out->n_sig_algs);
        if (r.status != DX_OK)
            return r;
        out->has_sig_algs = true;
    }

    /* certificate_authorities<0..2^16-1>: same layout as the TLS 1.3
     * extension, so the shared decoder checks every DistinguishedName. */
    at = cur_abs_offset(c);
    if (cur_remaining(c) < 2)
        return dx_malformed(DXE_CERT_REQUEST, at);
    r = tls_ext_decode_certificate_authorities(c, true, &out->cas, &out->n_cas);
    if (r.status != DX_OK) {
        if (r.code == DXE_EXT_BODY)
            r.code = DXE_CERT_REQUEST;
        return r;
    }
    out->has_cas = true;
    return dx_ok();
}

/* View of the list inside an extension body that is one u16-prefixed u16 list. */
static void ext_u16_view(const cur_t *exts, uint16_t type, bool *has, cur_t *view, size_t *n)
{
    bool found = false;
    cur_t body;
    dx_result r = tls_ext_find(exts, type, &found, &body);
    if (r.status != DX_OK || !found)
        return;
    if (u16_list(&body, DXE_EXT_BODY, view, n).status == DX_OK)
        *has = true;
}

static dx_result parse_tls13(cur_t *c, tls_certreq *out)
{
    size_t at = cur_abs_offset(c);
    cur_t exts, walk;
    tls_exts e;
    dx_result r;

    if (!cur_get_prefixed_u8(c, &out->context))
        return dx_malformed(cur_at_end(c) ? DXE_CERT_REQUEST : DXE_LENGTH_PAST_END, at);
    at = cur_abs_offset(c);
    if (!cur_get_prefixed_u16(c, &exts))
        return dx_malformed(cur_remaining(c) < 2 ? DXE_CERT_REQUEST : DXE_LENGTH_PAST_END, at);
    if (exts.len == 0)
        return dx_malformed(DXE_CERT_REQUEST, at); /* extensions<2..2^16-1> */

    walk = exts;
    r = tls_ext_collect(&walk, TLS_MSG_CR, &e);
    if (r.status != DX_OK)
        return r;
    out->extensions = exts;
    out->n_extensions = (uint16_t)e.types.n;

    ext_u16_view(&exts, TLS_EXT_SIGNATURE_ALGORITHMS, &out->has_sig_algs, &out->sig_algs, &out->n_sig_algs);
    ext_u16_view(&exts, TLS_EXT_SIGNATURE_ALGORITHMS_CERT, &out->has_sig_algs_cert, &out->sig_algs_cert,
                 &out->n_sig_algs_cert);
    if (e.has_certificate_authorities) {
        out->has_cas = true;
        out->cas = e.ca_list;
        out->n_cas = e.ca_count;
    }
    if (e.has_oid_filters) {
        out->has_oid_filters = true;
        out->oid_filters = e.oid_filters;
    }
    return dx_ok();
}

dx_result tls_certreq_parse(const cur_t *body, uint16_t version, tls_certreq *out)
{
    cur_t c = *body;
    dx_result r;

    memset(out, 0, sizeof(*out));
    out->version = version;
    out->tls13 = version >= 0x0304;
    out->context = empty_view(&c);
    out->cert_types = empty_view(&c);
    out->sig_algs = out->sig_algs_cert = out->cas = empty_view(&c);
    out->oid_filters = out->extensions = empty_view(&c);

    if (out->tls13)
        r = parse_tls13(&c, out);
    else
        r = parse_tls12(&c, version >= 0x0303, out);
    if (r.status != DX_OK)
        return r;
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    return dx_ok();
}

void tls_certreq_ca_iter_init(tls_dn_iter *it, const tls_certreq *req) { it->list = req->cas; }

bool tls_certreq_ca_next(tls_dn_iter *it, cur_t *out_der)
{
    cur_t whole = it->list;
    tls_view dn;
    whole.off = 0;
    if (!tls_dn_list_next(&it->list, &dn))
        return false;
    *out_der = view_in(&whole, dn);
    return true;
}

bool tls_certreq_u16_at(const cur_t *list, size_t i, uint16_t *out)
{
    cur_t c = *list;
    c.off = 0;
    if (i > cur_remaining(&c) / 2 || !cur_skip(&c, i * 2))
        return false;
    return cur_get_u16(&c, out);
}

const char *tls_certreq_cert_type_name(uint8_t type)
{
    /* IANA "TLS ClientCertificateType Identifiers" */
    static const struct {
        uint8_t value;
        const char *name;
    } table[] = {
        {1, "rsa_sign"},
        {2, "dss_sign"},
        {3, "rsa_fixed_dh"},
        {4, "dss_fixed_dh"},
        {5, "rsa_ephemeral_dh"},
        {6, "dss_ephemeral_dh"},
        {20, "fortezza_dms"},
        {64, "ecdsa_sign"},
        {65, "rsa_fixed_ecdh"},
        {66, "ecdsa_fixed_ecdh"},
        {67, "gost_sign256"},
        {68, "gost_sign512"},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(table); i++)
        if (table[i].value == type)
            return table[i].name;
    return NULL;
}
