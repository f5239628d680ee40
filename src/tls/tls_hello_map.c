/*
 * tls_hello_map.c — part of the handshake map (tlsh_, tls_handshake_map.c):
 * ClientHello (also SSLv2-compatible) and ServerHello / HelloRetryRequest
 * into the session's hello fields and fingerprints. The ServerHello fixes the
 * version and suite: key log lookup, transcript hash, and for TLS 1.3 the
 * encrypted handshake and its keys.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "fingerprint.h"
#include "tls_conn.h"
#include "tls_handshake.h"
#include "tls_hello.h"
#include "tls_hs_state.h"
#include "tls_registry.h"

/* The kept entries of a list viewed in the message, copied for the session. */
static void copy_u16(u16_list *dst, const tls_u16_list *src)
{
    uint16_t v[TLS_LIST_MAX];
    if (u16_list_set(dst, v, tls_u16_list_read(src, v)) < 0)
        dst->n = 0;
}

/* The hello structs are views of the message (a few hundred bytes): they
 * live on the stack while the session takes its copies. */
void tlsh_client_hello(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, bool sslv2, uint32_t len, bool dec)
{
    tls_client_hello hello;
    tls_client_hello *ch = &hello;
    dx_result r = sslv2 ? tls_parse_sslv2_client_hello(body, ch) : tls_parse_client_hello(body, ch);
    (void)tlsb_msg_step(c, ts, d, STEP_CLIENT_HELLO, len, dec);
    if (sslv2) {
        /* not a handshake message, so the handshake map did not see it: the
         * machines start here (a ClientHello opens them; it cannot finish a side) */
        c->hs_client = tlshs_client_next(c->hs_client, TLS_HS_CLIENT_HELLO, d, TLSHS_V_UNKNOWN).next;
        c->hs_server = tlshs_server_next(c->hs_server, TLS_HS_CLIENT_HELLO, d, TLSHS_V_UNKNOWN).next;
    }
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "ClientHello", r);
        return;
    }
    /* a renegotiation's ClientHello is kept apart: the session keeps the first handshake's */
    client_hello_info *ci = c->reneg != RENEG_NONE ? &c->rch : &c->s->ch;
    if (ci == &c->rch) {
        client_hello_info_clear(ci);
        memcpy(ci->random, ch->random32, 32);
        c->reneg = RENEG_HELLO;
    } else if (ci->present) {
        /* second ClientHello (after HRR): keep the first's random, update lists */
        free(ci->sni);
        ci->sni = NULL;
        for (size_t i = 0; i < ci->n_alpn; i++)
            free(ci->alpn[i]);
        free(ci->alpn);
        ci->alpn = NULL;
        ci->n_alpn = 0;
        free(ci->ja3);
        ci->ja3 = NULL;
        free(ci->ja4);
        ci->ja4 = NULL;
    } else {
        memcpy(ci->random, ch->random32, 32);
    }
    ci->present = true;
    ci->sslv2 = ch->sslv2;
    ci->legacy_version = ch->legacy_version;
    ci->session_id_len = ch->session_id.len > 32 ? 32 : ch->session_id.len;
    if (ci->session_id_len)
        memcpy(ci->session_id, ch->session_id.ptr, ci->session_id_len);
    copy_u16(&ci->ciphers, &ch->ciphers);
    copy_u16(&ci->extensions, &ch->ext.types);
    copy_u16(&ci->supported_versions, &ch->ext.versions);
    copy_u16(&ci->groups, &ch->ext.groups);
    copy_u16(&ci->key_share_groups, &ch->ext.key_share_groups);
    copy_u16(&ci->sig_algs, &ch->ext.sig_algs);
    copy_u16(&ci->ec_point_formats, &ch->ext.point_formats);
    if (ch->ext.has_sni)
        ci->sni = tlsb_dup_view(ch->ext.sni.ptr, ch->ext.sni.len);
    if (ch->ext.n_alpn) {
        ci->alpn = calloc(ch->ext.n_alpn, sizeof(char *));
        if (ci->alpn) {
            cur_t it = ch->ext.alpn;
            tls_view name;
            for (size_t i = 0; i < ch->ext.n_alpn && tls_alpn_list_next(&it, &name); i++)
                ci->alpn[i] = tlsb_dup_view(name.ptr, name.len);
            ci->n_alpn = ch->ext.n_alpn;
        }
    }
    ci->has_session_ticket = ch->ext.has_session_ticket && ch->ext.session_ticket.len > 0;
    ci->has_psk = ch->ext.has_psk;
    ci->psk_identities = ch->ext.psk_identities;
    ci->has_early_data = ch->ext.has_early_data;
    ci->post_handshake_auth = ch->ext.post_handshake_auth;
    ci->has_ech = ch->ext.has_ech;
    if (ch->ciphers.truncated || ch->ext.types.truncated || ch->ext.groups.truncated || ch->ext.sig_algs.truncated ||
        ch->ext.point_formats.truncated || ch->ext.versions.truncated || ch->ext.key_share_groups.truncated) {
        if (!findings_has(&c->s->wire_findings, "hello_list_truncated"))
            findings_add(&c->s->wire_findings, SEV_WARNING, "hello_list_truncated", "ClientHello",
                         "The ClientHello carries lists longer than mtlsdump keeps (%zu cipher suites, %zu "
                         "extensions, %zu groups); the first %d of each are shown and no JA3/JA4 is computed. "
                         "Real clients send a few dozen: this is a probe or a fuzzer.",
                         ch->ciphers.total, ch->ext.types.total, ch->ext.groups.total, TLS_LIST_MAX);
    }
    if (fp_ja3(ch, &ci->ja3, ci->ja3_md5) < 0)
        ci->ja3 = NULL;
    char ja4[40];
    if (fp_ja4(ch, false, ja4) == 0)
        ci->ja4 = strdup(ja4);
}

static void fill_server_hello(server_hello_info *si, const tls_server_hello *sh)
{
    si->present = true;
    si->legacy_version = sh->legacy_version;
    si->selected_version = sh->selected_version;
    memcpy(si->random, sh->random.ptr, sh->random.len >= 32 ? 32 : sh->random.len);
    si->session_id_len = sh->session_id.len > 32 ? 32 : sh->session_id.len;
    if (si->session_id_len)
        memcpy(si->session_id, sh->session_id.ptr, si->session_id_len);
    si->cipher = sh->cipher;
    si->compression = sh->compression;
    copy_u16(&si->extensions, &sh->ext.types);
    si->key_share_group = sh->ext.key_share_group;
    si->psk_selected = sh->ext.has_psk;
    cur_t it = sh->ext.alpn;
    tls_view name;
    if (tls_alpn_list_next(&it, &name)) /* the server selects one */
        si->alpn = tlsb_dup_view(name.ptr, name.len);
    si->extended_master_secret = sh->ext.extended_master_secret;
    si->encrypt_then_mac = sh->ext.encrypt_then_mac;
    if (fp_ja3s(sh, &si->ja3s, si->ja3s_md5) < 0)
        si->ja3s = NULL;
}

void tlsh_server_hello(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    tls_server_hello hello;
    tls_server_hello *sh = &hello;
    dx_result r = tls_parse_server_hello(body, sh);
    if (r.status != DX_OK) {
        (void)tlsb_msg_step(c, ts, d, STEP_SERVER_HELLO, len, dec);
        tlsb_body_malformed(c, d, ts, "ServerHello", r);
        return;
    }
    session_t *s = c->s;
    bool reneg = c->reneg == RENEG_HELLO;
    server_hello_info *si = reneg ? &c->rsh : &s->sh;
    /* a renegotiation's hellos are read decrypted (a HelloRetryRequest is never renegotiated) */
    step_t *st = tlsb_msg_step(c, ts, d, sh->is_hrr ? STEP_HELLO_RETRY_REQUEST : STEP_SERVER_HELLO, len,
                               !sh->is_hrr && dec);
    if (sh->is_hrr) {
        si->hrr_seen = true;
        if (st && sh->ext.key_share_group) {
            char b[TLS_REG_BUF];
            tlsb_set_detail(st, "selected group %s", tls_reg_group_str(sh->ext.key_share_group, b));
        }
        transcript_hash_alg alg = transcript_alg_for(0x0304, sh->cipher);
        if (c->tr && transcript_hello_retry(c->tr, alg) != TRANSCRIPT_OK) {
            /* transcript unusable: Finished checks will say so */
        }
        return;
    }
    bool hrr_seen = si->hrr_seen;
    server_hello_info_clear(si); /* a second ServerHello replaces the first */
    si->hrr_seen = hrr_seen;
    fill_server_hello(si, sh);
    if (reneg) {
        /* TLS 1.0-1.2 renegotiation: its keys come from its own client random */
        tlsk_renegotiation_keys(c);
        if (c->tr && c->ke && transcript_set_hash(c->tr, transcript_alg_for(si->selected_version, si->cipher)) !=
                                  TRANSCRIPT_OK) {
            /* unknown suite: no transcript hash */
        }
        return;
    }
    if (sh->ext.key_share_group)
        s->kx_group = sh->ext.key_share_group; /* TLS 1.3; TLS 1.2 names it in ServerKeyExchange */
    s->version = sh->selected_version;
    s->tls13 = tls_version_is_tls13(sh->selected_version); /* drafts and experiments included */
    tlsk_lookup_keys(c);
    /* The running hash is only needed to check Finished and TLS 1.3
     * CertificateVerify, i.e. with keys; TLS 1.0-1.2 CertificateVerify signs
     * the raw messages, which the transcript keeps anyway. */
    if (c->tr && c->ke) {
        transcript_hash_alg alg = transcript_alg_for(s->version, si->cipher);
        if (transcript_set_hash(c->tr, alg) != TRANSCRIPT_OK) {
            /* unknown suite: no transcript hash */
        }
    }
    if (s->tls13) {
        if (si->psk_selected)
            s->resumed = true;
        c->d[DIR_S2C].encrypted = true;
        c->d[DIR_C2S].encrypted = true;
        c->tls13_phase = T13_SERVER_FLIGHT;
        tlsk_init13_dir(c, DIR_S2C, KEYLOG_SERVER_HANDSHAKE_TRAFFIC);
        tlsk_init13_dir(c, DIR_C2S, KEYLOG_CLIENT_HANDSHAKE_TRAFFIC);
    }
}
