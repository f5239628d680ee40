/* tls_certificate.c — Certificate and CompressedCertificate grammar (see tls_certificate.h). */
#include "tls_certificate.h"

#include <string.h>

#include "tls_extensions.h"

static cur_t empty_view(const cur_t *at)
{
    cur_t v;
    cur_init(&v, NULL, 0);
    v.base = cur_abs_offset(at);
    return v;
}

static dx_result iter_fail(tls_cert_iter *it, dx_result r)
{
    it->failed = true;
    it->status = r;
    return r;
}

dx_result tls_cert_iter_init(tls_cert_iter *it, const cur_t *body, bool tls13, tls_cert_header *out_hdr)
{
    cur_t c = *body;
    cur_t ctx = empty_view(&c);
    cur_t list;

    memset(it, 0, sizeof(*it));
    it->tls13 = tls13;
    it->status = dx_ok();
    it->list = empty_view(&c);

    if (tls13 && !cur_get_prefixed_u8(&c, &ctx)) {
        if (cur_at_end(&c))
            return iter_fail(it, dx_malformed(DXE_CERT_LIST, cur_abs_offset(&c)));
        return iter_fail(it, dx_malformed(DXE_LENGTH_PAST_END, cur_abs_offset(&c)));
    }
    if (!cur_get_prefixed_u24(&c, &list)) {
        if (cur_remaining(&c) < 3)
            return iter_fail(it, dx_malformed(DXE_CERT_LIST, cur_abs_offset(&c)));
        return iter_fail(it, dx_malformed(DXE_LENGTH_PAST_END, cur_abs_offset(&c)));
    }
    if (!cur_at_end(&c))
        return iter_fail(it, dx_malformed(DXE_TRAILING, cur_abs_offset(&c)));

    it->list = list;
    if (out_hdr) {
        out_hdr->tls13 = tls13;
        out_hdr->context = ctx;
        out_hdr->list = list;
    }
    return dx_ok();
}

/* Count the SCTs of a validated SignedCertificateTimestampList body (the
 * bytes after its u16 length: u16-prefixed SerializedSCTs). */
static size_t count_scts(const cur_t *sct_list)
{
    cur_t c = *sct_list;
    size_t n = 0;
    c.off = 0;
    while (!cur_at_end(&c)) {
        cur_t one;
        if (!cur_get_prefixed_u16(&c, &one))
            return n;
        n++;
    }
    return n;
}

static dx_result entry_extensions(cur_t *exts, tls_cert_entry *out)
{
    /* Callers only build the summary when the entry has extensions
     * (tls_ext_collect() zeroes it: a few hundred bytes of views). */
    tls_exts summary;
    tls_exts *e = &summary;
    cur_t walk = *exts;
    dx_result r = tls_ext_collect(&walk, TLS_MSG_CT, e);
    if (r.status != DX_OK)
        return r;
    out->n_extensions = (uint16_t)e->types.n;
    if (e->has_status_request && e->status_type == 1) {
        out->has_ocsp = true;
        cur_init(&out->ocsp_response, e->ocsp_response.ptr, e->ocsp_response.len);
        out->ocsp_response.base = exts->base + (size_t)(e->ocsp_response.ptr - exts->data);
    }
    if (e->has_sct) {
        out->has_sct = true;
        cur_init(&out->sct_list, e->sct_list.ptr, e->sct_list.len);
        out->sct_list.base = exts->base + (size_t)(e->sct_list.ptr - exts->data);
        out->n_sct = count_scts(&out->sct_list);
    }
    return dx_ok();
}

bool tls_cert_iter_next(tls_cert_iter *it, tls_cert_entry *out)
{
    cur_t der, exts;
    cur_t save;

    if (it->failed || cur_at_end(&it->list))
        return false;

    save = it->list;
    memset(out, 0, sizeof(*out));
    out->index = it->index;

    if (cur_remaining(&it->list) < 3) {
        iter_fail(it, dx_malformed(DXE_CERT_LIST, cur_abs_offset(&it->list)));
        return false;
    }
    if (!cur_get_prefixed_u24(&it->list, &der)) {
        iter_fail(it, dx_malformed(DXE_LENGTH_PAST_END, cur_abs_offset(&it->list)));
        return false;
    }
    if (der.len == 0) {
        iter_fail(it, dx_malformed(DXE_LENGTH_ZERO, cur_abs_offset(&save)));
        return false;
    }
    out->der = der;
    out->extensions = empty_view(&it->list);

    if (it->tls13) {
        if (!cur_get_prefixed_u16(&it->list, &exts)) {
            dx_err code = cur_remaining(&it->list) < 2 ? DXE_CERT_LIST : DXE_LENGTH_PAST_END;
            iter_fail(it, dx_malformed(code, cur_abs_offset(&it->list)));
            return false;
        }
        out->extensions = exts;
        if (exts.len > 0) {
            dx_result r = entry_extensions(&exts, out);
            if (r.status != DX_OK) {
                iter_fail(it, r);
                return false;
            }
        }
    }
    it->index++;
    return true;
}

dx_result tls_cert_iter_status(const tls_cert_iter *it) { return it->status; }

dx_result tls_cert_parse_compressed(const cur_t *body, tls_compressed_cert *out)
{
    cur_t c = *body;
    cur_t data;
    uint16_t alg;
    uint32_t ulen;

    memset(out, 0, sizeof(*out));
    if (!cur_get_u16(&c, &alg))
        return dx_malformed(DXE_CERT_LIST, cur_abs_offset(&c));
    if (!cur_get_u24(&c, &ulen))
        return dx_malformed(DXE_CERT_LIST, cur_abs_offset(&c));
    if (ulen == 0)
        return dx_malformed(DXE_LENGTH_ZERO, cur_abs_offset(&c) - 3);
    if (!cur_get_prefixed_u24(&c, &data)) {
        dx_err code = cur_remaining(&c) < 3 ? DXE_CERT_LIST : DXE_LENGTH_PAST_END;
        return dx_malformed(code, cur_abs_offset(&c));
    }
    if (data.len == 0)
        return dx_malformed(DXE_LENGTH_ZERO, data.base - 3);
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    out->algorithm = alg;
    out->uncompressed_len = ulen;
    out->compressed = data;
    return dx_ok();
}

const char *tls_cert_compression_name(uint16_t algorithm)
{
    static const struct {
        uint16_t value;
        const char *name;
    } table[] = {
        {TLS_CERT_COMPRESSION_ZLIB, "zlib"},
        {TLS_CERT_COMPRESSION_BROTLI, "brotli"},
        {TLS_CERT_COMPRESSION_ZSTD, "zstd"},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(table); i++)
        if (table[i].value == algorithm)
            return table[i].name;
    return NULL;
}
