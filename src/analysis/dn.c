#include "dn.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

char *dn_name_to_string(const X509_NAME *name)
{
    if (!name)
        return NULL;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return NULL;
    char *out = NULL;
    /* RFC 2253 order and separators, but keep UTF-8 bytes as they are: the
     * reporters escape for their medium. */
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(b, name, 0, flags) >= 0) {
        char *data = NULL;
        long n = BIO_get_mem_data(b, &data);
        if (n >= 0) {
            out = malloc((size_t)n + 1);
            if (out) {
                if (n > 0)
                    memcpy(out, data, (size_t)n);
                out[n] = '\0';
            }
        }
    }
    BIO_free(b);
    return out;
}

char *dn_der_to_string(const uint8_t *der, size_t len)
{
    if (!der || len == 0 || len > (size_t)LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
    char *out = NULL;
    if (name && p == der + len)
        out = dn_name_to_string(name);
    X509_NAME_free(name);
    return out;
}

char *dn_name_cn(const X509_NAME *name) { return dn_name_first(name, NID_commonName); }

char *dn_name_first(const X509_NAME *name, int nid)
{
    if (!name)
        return NULL;
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0)
        return NULL;
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, idx);
    const ASN1_STRING *s = e ? X509_NAME_ENTRY_get_data(e) : NULL;
    if (!s)
        return NULL;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (out) {
        /* an embedded NUL would hide the rest of the name: show it instead */
        size_t j = 0;
        for (int i = 0; i < n; i++)
            out[j++] = utf8[i] ? (char)utf8[i] : '?';
        out[j] = '\0';
    }
    OPENSSL_free(utf8);
    return out;
}

char *dn_ca_name_string(const uint8_t *der, size_t len)
{
    if (!der || len == 0)
        return NULL;
    return dn_der_to_string(der, len);
}
