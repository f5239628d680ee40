/* tls_key_exchange.c — ServerKeyExchange, ClientKeyExchange, CertificateVerify,
 * Finished (see tls_key_exchange.h). */
#include "tls_key_exchange.h"

#include <string.h>

#include "tls_registry.h"

/*
 * Key exchange by the suite's IANA name prefix: the cipher-suite registry
 * (tls_ciphers.c) already names every assigned suite, so one small prefix
 * table classifies all of them. Longer prefixes come first where one is a
 * prefix of another ("TLS_RSA_PSK_" before "TLS_RSA_").
 */
static const struct {
    const char *prefix;
    tls_kx_kind kind;
} kx_prefixes[] = {
    {"TLS_RSA_PSK_", TLS_KX_RSA_PSK},
    {"TLS_RSA_", TLS_KX_RSA}, /* incl. TLS_RSA_EXPORT_* (may send an RSA ServerKeyExchange) */
    {"TLS_DHE_PSK_", TLS_KX_DHE_PSK},
    {"TLS_DHE_RSA_", TLS_KX_DHE},
    {"TLS_DHE_DSS_", TLS_KX_DHE},
    {"TLS_DH_anon_", TLS_KX_DH_ANON},
    {"TLS_DH_RSA_", TLS_KX_DH},
    {"TLS_DH_DSS_", TLS_KX_DH},
    {"TLS_ECDHE_PSK_", TLS_KX_ECDHE_PSK},
    {"TLS_ECDHE_ECDSA_", TLS_KX_ECDHE},
    {"TLS_ECDHE_RSA_", TLS_KX_ECDHE},
    {"TLS_ECDH_anon_", TLS_KX_ECDH_ANON},
    {"TLS_ECDH_ECDSA_", TLS_KX_ECDH},
    {"TLS_ECDH_RSA_", TLS_KX_ECDH},
    {"TLS_PSK_DHE_", TLS_KX_DHE_PSK}, /* RFC 6655: TLS_PSK_DHE_WITH_AES_128_CCM_8 (0xC0AA), ..._256_ (0xC0AB) */
    {"TLS_PSK_", TLS_KX_PSK},
};

tls_kx_kind tls_kx_kind_for_cipher(uint16_t suite)
{
    const char *name = tls_reg_cipher_name(suite);
    if (!name || strstr(name, "_SCSV"))
        return TLS_KX_UNKNOWN;
    /* TLS 1.3 suites carry no key exchange in their name: "TLS_AES_128_GCM_SHA256". */
    if (!strstr(name, "_WITH_"))
        return TLS_KX_TLS13;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(kx_prefixes); i++)
        if (strncmp(name, kx_prefixes[i].prefix, strlen(kx_prefixes[i].prefix)) == 0)
            return kx_prefixes[i].kind;
    return TLS_KX_UNKNOWN; /* KRB5, SRP, GOST, ECCPWD, ... */
}

const char *tls_kx_kind_name(tls_kx_kind kind)
{
    static const char *const names[] = {
        [TLS_KX_UNKNOWN] = "unknown",   [TLS_KX_RSA] = "rsa",
        [TLS_KX_DHE] = "dhe",           [TLS_KX_ECDHE] = "ecdhe",
        [TLS_KX_DH_ANON] = "dh_anon",   [TLS_KX_ECDH_ANON] = "ecdh_anon",
        [TLS_KX_DH] = "dh",             [TLS_KX_ECDH] = "ecdh",
        [TLS_KX_PSK] = "psk",           [TLS_KX_RSA_PSK] = "rsa_psk",
        [TLS_KX_DHE_PSK] = "dhe_psk",   [TLS_KX_ECDHE_PSK] = "ecdhe_psk",
        [TLS_KX_TLS13] = "tls13",
    };
    MTLS_STATIC_ASSERT(MTLS_ARRAY_LEN(names) == TLS_KX__COUNT, "kx names out of sync");
    if ((unsigned)kind < TLS_KX__COUNT)
        return names[kind];
    return "unknown";
}

bool tls_kx_kind_signed(tls_kx_kind kind)
{
    return kind == TLS_KX_DHE || kind == TLS_KX_ECDHE || kind == TLS_KX_RSA;
}

static cur_t empty_view(const cur_t *at)
{
    cur_t v;
    cur_init(&v, NULL, 0);
    v.base = cur_abs_offset(at);
    return v;
}

/* u16-prefixed opaque; `nonempty` makes a zero length an error. */
static dx_result opaque16(cur_t *c, dx_err code, bool nonempty, cur_t *out)
{
    size_t at = cur_abs_offset(c);
    if (!cur_get_prefixed_u16(c, out))
        return dx_malformed(cur_remaining(c) < 2 ? code : DXE_LENGTH_PAST_END, at);
    if (nonempty && out->len == 0)
        return dx_malformed(code, at);
    return dx_ok();
}

static dx_result opaque8(cur_t *c, dx_err code, cur_t *out)
{
    size_t at = cur_abs_offset(c);
    if (!cur_get_prefixed_u8(c, out))
        return dx_malformed(cur_at_end(c) ? code : DXE_LENGTH_PAST_END, at);
    if (out->len == 0)
        return dx_malformed(code, at);
    return dx_ok();
}

static dx_result ecdh_params(cur_t *c, tls_ske *out)
{
    size_t at = cur_abs_offset(c);
    if (!cur_get_u8(c, &out->curve_type))
        return dx_malformed(DXE_KEY_EXCHANGE, at);
    if (out->curve_type != 3) /* explicit_prime(1) / explicit_char2(2): deprecated, not decoded */
        return dx_unsupported(DXE_KEY_EXCHANGE, at);
    if (!cur_get_u16(c, &out->named_group))
        return dx_malformed(DXE_KEY_EXCHANGE, cur_abs_offset(c));
    return opaque8(c, DXE_KEY_EXCHANGE, &out->point);
}

static dx_result dh_params(cur_t *c, tls_ske *out)
{
    dx_result r = opaque16(c, DXE_KEY_EXCHANGE, true, &out->dh_p);
    if (r.status == DX_OK)
        r = opaque16(c, DXE_KEY_EXCHANGE, true, &out->dh_g);
    if (r.status == DX_OK)
        r = opaque16(c, DXE_KEY_EXCHANGE, true, &out->dh_ys);
    return r;
}

static dx_result rsa_params(cur_t *c, tls_ske *out)
{
    dx_result r = opaque16(c, DXE_KEY_EXCHANGE, true, &out->rsa_modulus);
    if (r.status == DX_OK)
        r = opaque16(c, DXE_KEY_EXCHANGE, true, &out->rsa_exponent);
    return r;
}

/* digitally-signed struct: TLS 1.2 {u16 scheme, u16 sig}, earlier {u16 sig}. */
static dx_result signature(cur_t *c, uint16_t version, dx_err code, bool *has_scheme, uint16_t *scheme,
                           cur_t *sig)
{
    if (version >= 0x0303) {
        if (!cur_get_u16(c, scheme))
            return dx_malformed(code, cur_abs_offset(c));
        *has_scheme = true;
    }
    return opaque16(c, code, false, sig);
}

static void init_ske(tls_ske *out, tls_kx_kind kind, const cur_t *c)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->psk_hint = out->point = out->dh_p = out->dh_g = out->dh_ys = empty_view(c);
    out->rsa_modulus = out->rsa_exponent = out->params = out->signature = empty_view(c);
}

dx_result tls_kx_parse_server_key_exchange(const cur_t *body, tls_kx_kind kind, uint16_t version, tls_ske *out)
{
    cur_t c = *body;
    const uint8_t *params_start = cur_ptr(&c);
    size_t params_base = cur_abs_offset(&c);
    dx_result r = dx_ok();

    init_ske(out, kind, &c);
    switch (kind) {
    case TLS_KX_PSK:
    case TLS_KX_RSA_PSK:
    case TLS_KX_DHE_PSK:
    case TLS_KX_ECDHE_PSK:
        r = opaque16(&c, DXE_KEY_EXCHANGE, false, &out->psk_hint);
        if (r.status != DX_OK)
            return r;
        out->has_psk_hint = true;
        if (kind == TLS_KX_DHE_PSK)
            r = dh_params(&c, out);
        else if (kind == TLS_KX_ECDHE_PSK)
            r = ecdh_params(&c, out);
        break;
    case TLS_KX_ECDHE:
    case TLS_KX_ECDH_ANON:
        r = ecdh_params(&c, out);
        break;
    case TLS_KX_DHE:
    case TLS_KX_DH_ANON:
        r = dh_params(&c, out);
        break;
    case TLS_KX_RSA:
        r = rsa_params(&c, out);
        break;
    default: /* unknown suite, static (EC)DH, TLS 1.3: no ServerKeyExchange we can read */
        return dx_unsupported(DXE_KEY_EXCHANGE, cur_abs_offset(&c));
    }
    if (r.status != DX_OK)
        return r;

    cur_init(&out->params, params_start, cur_abs_offset(&c) - params_base);
    out->params.base = params_base;

    if (tls_kx_kind_signed(kind)) {
        r = signature(&c, version, DXE_KEY_EXCHANGE, &out->has_scheme, &out->sig_scheme, &out->signature);
        if (r.status != DX_OK)
            return r;
        out->has_signature = true;
    }
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    return dx_ok();
}

dx_result tls_kx_parse_client_key_exchange(const cur_t *body, tls_kx_kind kind, uint16_t version, tls_cke *out)
{
    cur_t c = *body;
    dx_result r = dx_ok();

    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->psk_identity = out->exchange = empty_view(&c);

    switch (kind) {
    case TLS_KX_PSK:
    case TLS_KX_RSA_PSK:
    case TLS_KX_DHE_PSK:
    case TLS_KX_ECDHE_PSK:
        r = opaque16(&c, DXE_KEY_EXCHANGE, false, &out->psk_identity);
        if (r.status != DX_OK)
            return r;
        out->has_psk_identity = true;
        break;
    default:
        break;
    }

    switch (kind) {
    case TLS_KX_RSA:
    case TLS_KX_RSA_PSK:
        if (version <= 0x0300 && kind == TLS_KX_RSA) {
            /* SSL 3.0: the encrypted premaster secret fills the body, no prefix */
            cur_take_rest(&c, &out->exchange);
            if (out->exchange.len == 0)
                return dx_malformed(DXE_KEY_EXCHANGE, out->exchange.base);
        } else {
            r = opaque16(&c, DXE_KEY_EXCHANGE, true, &out->exchange);
        }
        break;
    case TLS_KX_DH:
        /* static DH: ClientDiffieHellmanPublic is implicit (empty body) when
         * the client certificate holds fixed DH parameters */
        if (!cur_at_end(&c))
            r = opaque16(&c, DXE_KEY_EXCHANGE, true, &out->exchange);
        break;
    case TLS_KX_DHE:
    case TLS_KX_DH_ANON:
    case TLS_KX_DHE_PSK:
        r = opaque16(&c, DXE_KEY_EXCHANGE, true, &out->exchange);
        break;
    case TLS_KX_ECDH:
        /* static ECDH: implicit (empty) for ecdsa/rsa_fixed_ecdh client certs */
        if (!cur_at_end(&c))
            r = opaque8(&c, DXE_KEY_EXCHANGE, &out->exchange);
        break;
    case TLS_KX_ECDHE:
    case TLS_KX_ECDH_ANON:
    case TLS_KX_ECDHE_PSK:
        r = opaque8(&c, DXE_KEY_EXCHANGE, &out->exchange);
        break;
    case TLS_KX_PSK:
        break;
    default:
        return dx_unsupported(DXE_KEY_EXCHANGE, cur_abs_offset(&c));
    }
    if (r.status != DX_OK)
        return r;
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    return dx_ok();
}

dx_result tls_kx_parse_cert_verify(const cur_t *body, uint16_t version, tls_cert_verify *out)
{
    cur_t c = *body;
    dx_result r;

    memset(out, 0, sizeof(*out));
    out->signature = empty_view(&c);
    r = signature(&c, version, DXE_CERT_VERIFY, &out->has_scheme, &out->scheme, &out->signature);
    if (r.status != DX_OK)
        return r;
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    return dx_ok();
}

dx_result tls_kx_parse_finished(const cur_t *body, cur_t *out_verify_data)
{
    cur_t c = *body;
    if (cur_at_end(&c)) {
        *out_verify_data = empty_view(&c);
        return dx_malformed(DXE_FINISHED, cur_abs_offset(&c));
    }
    cur_take_rest(&c, out_verify_data);
    return dx_ok();
}
