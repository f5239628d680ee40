/* tls_alert.c — alert records and the IANA alert registry (see tls_alert.h). */
#include "tls_alert.h"

#include <string.h>

/*
 * IANA "TLS Alerts" registry (tls-parameters, alert descriptions), every
 * assigned value. 41 no_certificate (SSL 3.0), 21 decryption_failed and 60
 * export_restriction are reserved for current versions but still seen on the
 * wire from old stacks, so they keep their names.
 */
static const struct {
    uint8_t value;
    const char *name;
} alert_desc_rows[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {52, "too_many_cids_requested"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {117, "general_error"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

dx_result tls_alert_parse(const cur_t *fragment, tls_alert *out)
{
    cur_t c = *fragment;
    size_t start = cur_abs_offset(&c);
    uint8_t level, desc;

    if (!cur_get_u8(&c, &level) || !cur_get_u8(&c, &desc))
        return dx_malformed(DXE_ALERT, start);
    if (!cur_at_end(&c))
        return dx_malformed(DXE_ALERT, cur_abs_offset(&c));
    out->level = level;
    out->desc = desc;
    return dx_ok();
}

const char *tls_alert_level_name(uint8_t level)
{
    switch (level) {
    case TLS_ALERT_LEVEL_WARNING: return "warning";
    case TLS_ALERT_LEVEL_FATAL: return "fatal";
    default: return NULL;
    }
}

const char *tls_alert_desc_name(uint8_t desc)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(alert_desc_rows); i++)
        if (alert_desc_rows[i].value == desc)
            return alert_desc_rows[i].name;
    return NULL;
}

/* name, or "unknown(N)" in decimal; always NUL-terminated when n > 0. */
static const char *format(const char *name, uint8_t v, char *buf, size_t n)
{
    char tmp[16];
    size_t len = 0;
    if (n == 0)
        return buf;
    if (name) {
        len = strlen(name);
        if (len >= n)
            len = n - 1;
        memcpy(buf, name, len);
        buf[len] = '\0';
        return buf;
    }
    memcpy(tmp, "unknown(", 8);
    len = 8;
    if (v >= 100)
        tmp[len++] = (char)('0' + v / 100);
    if (v >= 10)
        tmp[len++] = (char)('0' + (v / 10) % 10);
    tmp[len++] = (char)('0' + v % 10);
    tmp[len++] = ')';
    if (len >= n)
        len = n - 1;
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    return buf;
}

const char *tls_alert_desc_format(uint8_t desc, char *buf, size_t n)
{
    return format(tls_alert_desc_name(desc), desc, buf, n);
}

const char *tls_alert_level_format(uint8_t level, char *buf, size_t n)
{
    return format(tls_alert_level_name(level), level, buf, n);
}

bool tls_alert_looks_encrypted(uint8_t content_type, size_t record_len, bool encrypted)
{
    return content_type == 21 && encrypted && record_len != 2; /* 2: level and description */
}

/* 2 alert bytes + 1 inner content type (TLSInnerPlaintext) */
#define TLS13_ALERT_INNER 3u
#define TLS13_TAG 16u       /* AES-GCM, ChaCha20-Poly1305, AES-CCM */
#define TLS13_TAG_CCM8 8u   /* TLS_AES_128_CCM_8_SHA256 */
#define TLS13_ALERT_MAX_PAD 16u

bool tls13_record_may_be_alert(size_t record_len)
{
    if (record_len == TLS13_ALERT_INNER + TLS13_TAG_CCM8)
        return true;
    return record_len >= TLS13_ALERT_INNER + TLS13_TAG &&
           record_len <= TLS13_ALERT_INNER + TLS13_TAG + TLS13_ALERT_MAX_PAD;
}

bool tls13_record_is_alert_sized(size_t record_len)
{
    return record_len == TLS13_ALERT_INNER + TLS13_TAG || record_len == TLS13_ALERT_INNER + TLS13_TAG_CCM8 ||
           record_len == TLS13_ALERT_INNER + TLS13_TAG + TLS13_ALERT_MAX_PAD; /* JSSE's padded alert */
}
