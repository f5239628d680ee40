/*
 * names.c — the reporters' view of the registries. Every number -> name
 * mapping lives once, in dissectors/ (tls_registry.c, tls_ciphers.c,
 * tls_alert.c, tls_cert_request.c); this file only adapts them to the
 * reporters' buffer type and adds the ECS spellings.
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "tls_alert.h"
#include "tls_cert_request.h"
#include "session.h"
#include "tls_registry.h"

MTLS_STATIC_ASSERT(sizeof(((name_buf *)0)->s) >= TLS_REG_BUF, "name_buf too small for tls_reg_*_str");

const char *names_version(uint16_t v, name_buf *b) { return tls_reg_version_str(v, b->s); }

const char *names_version_ecs(uint16_t v)
{
    if (tls_version_is_tls13(v))
        return "1.3"; /* drafts too: the text names the draft */
    switch (v) {
    case 0x0002: return "2.0";
    case 0x0300: return "3.0";
    case 0x0301: return "1.0";
    case 0x0302: return "1.1";
    case 0x0303: return "1.2";
    case 0x0304: return "1.3";
    default: return NULL;
    }
}

const char *names_version_protocol(uint16_t v)
{
    if (v == 0x0002 || v == 0x0300)
        return "ssl";
    if ((v >= 0x0301 && v <= 0x0304) || tls_version_is_tls13(v))
        return "tls";
    return NULL;
}

const char *names_cipher(uint16_t v, name_buf *b) { return tls_reg_cipher_str(v, b->s); }

const char *names_alert(uint8_t desc, name_buf *b) { return tls_alert_desc_format(desc, b->s, sizeof b->s); }

const char *names_alert_level(uint8_t level, name_buf *b)
{
    return tls_alert_level_format(level, b->s, sizeof b->s);
}

const char *names_group(uint16_t v, name_buf *b) { return tls_reg_group_str(v, b->s); }
const char *names_sigscheme(uint16_t v, name_buf *b) { return tls_reg_sigscheme_str(v, b->s); }
const char *names_extension(uint16_t v, name_buf *b) { return tls_reg_ext_str(v, b->s); }

const char *names_cert_type(uint8_t v, name_buf *b)
{
    const char *n = tls_certreq_cert_type_name(v);
    if (n)
        return n;
    snprintf(b->s, sizeof b->s, "unknown(%u)", (unsigned)v);
    return b->s;
}

int names_is_grease(uint16_t v) { return tls_is_grease(v); }

const char *names_session_cipher(const struct session *s, name_buf *b)
{
    if (s->sh.sslv2_cipher) {
        const char *n = tls_reg_sslv2_cipher_name(s->sh.sslv2_cipher);
        if (n)
            return n;
        snprintf(b->s, sizeof b->s, "SSL2_unknown(0x%06x)", (unsigned)s->sh.sslv2_cipher);
        return b->s;
    }
    return names_cipher(s->sh.cipher, b);
}
