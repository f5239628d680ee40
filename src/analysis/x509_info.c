#include "x509_info.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "algs.h"
#include "dn.h"

static void hex_lower(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int digest_hex(const EVP_MD *md, const uint8_t *der, size_t len, char *out, size_t mdlen)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (!md || !EVP_Digest(der ? der : (const uint8_t *)"", der ? len : 0, buf, &n, md, NULL) ||
        n != mdlen)
        return -1;
    hex_lower(buf, n, out);
    return 0;
}

int x509i_sha256_hex(const uint8_t *der, size_t len, char out[65])
{
    return digest_hex(algs_md_get(ALGS_SHA256), der, len, out, 32);
}

int x509i_sha1_hex(const uint8_t *der, size_t len, char out[41])
{
    return digest_hex(algs_md_get(ALGS_SHA1), der, len, out, 20);
}

X509 *x509i_decode(const uint8_t *der, size_t len)
{
    if (!der || len == 0 || len > (size_t)LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x && p != der + len) {
        X509_free(x);
        x = NULL;
    }
    ERR_clear_error();
    return x;
}

static char *hex_dup(const unsigned char *in, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s)
        hex_lower(in, n, s);
    return s;
}

static int asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* Copy an IA5String-ish value with a prefix; embedded NULs become "\0" text so
 * "evil\0.good" cannot pass for "evil". */
static char *prefixed_copy(const char *prefix, const ASN1_STRING *s)
{
    const unsigned char *d = ASN1_STRING_get0_data(s);
    int n = ASN1_STRING_length(s);
    if (n < 0)
        n = 0;
    size_t pl = strlen(prefix);
    char *out = malloc(pl + 2 * (size_t)n + 1);
    if (!out)
        return NULL;
    memcpy(out, prefix, pl);
    size_t j = pl;
    for (int i = 0; i < n; i++) {
        if (d[i] == 0) {
            out[j++] = '\\';
            out[j++] = '0';
        } else {
            out[j++] = (char)d[i];
        }
    }
    out[j] = '\0';
    return out;
}

static char *san_string(const GENERAL_NAME *gn)
{
    char buf[INET6_ADDRSTRLEN + 8];
    switch (gn->type) {
    case GEN_DNS:
        return prefixed_copy("DNS:", gn->d.dNSName);
    case GEN_URI:
        return prefixed_copy("URI:", gn->d.uniformResourceIdentifier);
    case GEN_EMAIL:
        return prefixed_copy("email:", gn->d.rfc822Name);
    case GEN_IPADD: {
        const unsigned char *d = ASN1_STRING_get0_data(gn->d.iPAddress);
        int n = ASN1_STRING_length(gn->d.iPAddress);
        char addr[INET6_ADDRSTRLEN];
        if (n == 4 && inet_ntop(AF_INET, d, addr, sizeof(addr))) {
            snprintf(buf, sizeof(buf), "IP:%s", addr);
            return strdup(buf);
        }
        if (n == 16 && inet_ntop(AF_INET6, d, addr, sizeof(addr))) {
            snprintf(buf, sizeof(buf), "IP:%s", addr);
            return strdup(buf);
        }
        char *h = hex_dup(d, n > 0 ? (size_t)n : 0);
        if (!h)
            return NULL;
        char *out = NULL;
        if (asprintf(&out, "IP:<invalid %d bytes %s>", n, h) < 0)
            out = NULL;
        free(h);
        return out;
    }
    case GEN_DIRNAME: {
        char *dn = dn_name_to_string(gn->d.directoryName);
        if (!dn)
            return NULL;
        char *out = NULL;
        if (asprintf(&out, "DirName:%s", dn) < 0)
            out = NULL;
        free(dn);
        return out;
    }
    default:
        return NULL; /* otherName, x400, EDI, RID: not shown */
    }
}

static int fill_sans(X509 *x, cert_info *out)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return 0;
    int rc = 0;
    int n = sk_GENERAL_NAME_num(gens);
    if (n > 0) {
        out->san = calloc((size_t)n, sizeof(char *));
        if (!out->san)
            rc = -1;
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
        int t = gn->type;
        if (t != GEN_DNS && t != GEN_URI && t != GEN_EMAIL && t != GEN_IPADD && t != GEN_DIRNAME)
            continue;
        char *s = san_string(gn);
        if (!s) {
            rc = -1;
            break;
        }
        out->san[out->n_san++] = s;
    }
    GENERAL_NAMES_free(gens);
    return rc;
}

static char *join_append(char *list, const char *item)
{
    size_t a = list ? strlen(list) : 0, b = strlen(item);
    char *p = realloc(list, a + b + 2);
    if (!p) {
        free(list);
        return NULL;
    }
    if (a)
        p[a++] = ',';
    memcpy(p + a, item, b + 1);
    return p;
}

static int fill_key_usage(X509 *x, cert_info *out)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } ku[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    };
    if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE))
        return 0;
    uint32_t v = X509_get_key_usage(x);
    out->key_usage = strdup("");
    if (!out->key_usage)
        return -1;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ku); i++) {
        if (v & ku[i].bit) {
            out->key_usage = join_append(out->key_usage, ku[i].name);
            if (!out->key_usage)
                return -1;
        }
    }
    return 0;
}

static int fill_eku(X509 *x, cert_info *out)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    if (!eku)
        return 0;
    int rc = 0;
    out->ext_key_usage = strdup("");
    if (!out->ext_key_usage)
        rc = -1;
    for (int i = 0; rc == 0 && i < sk_ASN1_OBJECT_num(eku); i++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
        char buf[128];
        int nid = OBJ_obj2nid(o);
        const char *name = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
        if (!name) {
            if (OBJ_obj2txt(buf, sizeof(buf), o, 1) <= 0)
                snprintf(buf, sizeof(buf), "unknown");
            name = buf;
        }
        out->ext_key_usage = join_append(out->ext_key_usage, name);
        if (!out->ext_key_usage)
            rc = -1;
    }
    EXTENDED_KEY_USAGE_free(eku);
    return rc;
}

static int fill_key(X509 *x, cert_info *out)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    ERR_clear_error();
    if (!pk) {
        /* key did not decode: name the algorithm from its OID */
        X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
        ASN1_OBJECT *alg = NULL;
        char buf[80] = "unknown";
        if (xpk && X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, xpk) && alg) {
            int nid = OBJ_obj2nid(alg);
            if (nid != NID_undef)
                snprintf(buf, sizeof(buf), "%s", OBJ_nid2sn(nid));
            else
                OBJ_obj2txt(buf, sizeof(buf), alg, 1);
        }
        out->key_alg = strdup(buf);
        return out->key_alg ? 0 : -1;
    }
    const char *name;
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: name = "RSA"; break;
    case EVP_PKEY_RSA_PSS: name = "RSA-PSS"; break;
    case EVP_PKEY_EC: name = "EC"; break;
    case EVP_PKEY_DSA: name = "DSA"; break;
    case EVP_PKEY_ED25519: name = "ED25519"; break;
    case EVP_PKEY_ED448: name = "ED448"; break;
    case EVP_PKEY_X25519: name = "X25519"; break;
    case EVP_PKEY_X448: name = "X448"; break;
    default: {
        const char *tn = EVP_PKEY_get0_type_name(pk);
        name = tn ? tn : "unknown";
    }
    }
    out->key_alg = strdup(name);
    if (!out->key_alg)
        return -1;
    out->key_bits = EVP_PKEY_get_bits(pk);
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
        char group[80];
        size_t glen = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                           &glen)) {
            out->key_curve = strdup(group);
            if (!out->key_curve)
                return -1;
        }
        ERR_clear_error();
    }
    return 0;
}

static int fill_sig_alg(X509 *x, cert_info *out)
{
    char buf[128] = "unknown";
    int nid = X509_get_signature_nid(x);
    if (nid != NID_undef) {
        snprintf(buf, sizeof(buf), "%s", OBJ_nid2ln(nid));
    } else {
        const X509_ALGOR *alg = NULL;
        X509_get0_signature(NULL, &alg, x);
        const ASN1_OBJECT *o = NULL;
        if (alg) {
            X509_ALGOR_get0(&o, NULL, NULL, alg);
            if (o)
                OBJ_obj2txt(buf, sizeof(buf), o, 1);
        }
    }
    out->sig_alg = strdup(buf);
    return out->sig_alg ? 0 : -1;
}

static int fill_serial(X509 *x, cert_info *out)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    if (!bn) {
        ERR_clear_error();
        out->serial_hex = strdup("");
        return out->serial_hex ? 0 : -1;
    }
    char *h = BN_bn2hex(bn);
    BN_free(bn);
    if (!h)
        return -1;
    for (char *p = h; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    out->serial_hex = strdup(h);
    OPENSSL_free(h);
    return out->serial_hex ? 0 : -1;
}

static int fill_keyids(X509 *x, cert_info *out)
{
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(x);
    if (ski) {
        out->ski = hex_dup(ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski));
        if (!out->ski)
            return -1;
    }
    if (aki) {
        out->aki = hex_dup(ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki));
        if (!out->aki)
            return -1;
    }
    return 0;
}

static int fill_basic_constraints(X509 *x, cert_info *out)
{
    int crit = 0;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    out->is_ca = -1;
    out->path_len = -1;
    if (!bc)
        return 0;
    out->is_ca = bc->ca ? 1 : 0;
    if (bc->pathlen) {
        long v = ASN1_INTEGER_get(bc->pathlen);
        out->path_len = (v < 0 || v > INT_MAX) ? -1 : (int)v;
    }
    BASIC_CONSTRAINTS_free(bc);
    return 0;
}

static int fill_fingerprints(const uint8_t *der, size_t len, cert_info *out)
{
    out->der_len = len;
    if (x509i_sha256_hex(der, len, out->sha256) < 0 || x509i_sha1_hex(der, len, out->sha1) < 0)
        return -1;
    return 0;
}

int x509i_extract_x509(X509 *x, const uint8_t *der, size_t len, cert_info *out)
{
    memset(out, 0, sizeof(*out));
    out->is_ca = -1;
    out->path_len = -1;
    if (fill_fingerprints(der, len, out) < 0)
        goto fail;
    if (!x) {
        out->decode_error = true;
        return 0;
    }
    /* caches extensions; sets EXFLAG_INVALID for undecodable ones */
    X509_check_purpose(x, -1, 0);
    out->subject = dn_name_to_string(X509_get_subject_name(x));
    out->issuer = dn_name_to_string(X509_get_issuer_name(x));
    if (!out->subject || !out->issuer)
        goto fail;
    out->subject_cn = dn_name_cn(X509_get_subject_name(x));
    out->issuer_cn = dn_name_cn(X509_get_issuer_name(x));
    out->subject_o = dn_name_first(X509_get_subject_name(x), NID_organizationName);
    out->issuer_o = dn_name_first(X509_get_issuer_name(x), NID_organizationName);
    out->version = (int)X509_get_version(x) + 1;
    if (asn1_time_unix(X509_get0_notBefore(x), &out->not_before) < 0)
        out->not_before = 0;
    if (asn1_time_unix(X509_get0_notAfter(x), &out->not_after) < 0)
        out->not_after = 0;
    if (fill_serial(x, out) < 0 || fill_sans(x, out) < 0 || fill_key(x, out) < 0 ||
        fill_sig_alg(x, out) < 0 || fill_key_usage(x, out) < 0 || fill_eku(x, out) < 0 ||
        fill_basic_constraints(x, out) < 0 || fill_keyids(x, out) < 0)
        goto fail;
    out->self_signed = X509_self_signed(x, 1) == 1;
    ERR_clear_error();
    return 0;
fail:
    ERR_clear_error();
    cert_info_cleanup(out);
    memset(out, 0, sizeof(*out));
    return -1;
}
