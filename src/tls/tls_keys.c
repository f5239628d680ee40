/*
 * tls_keys.c — decryption state of a connection: the key log entry of the
 * session, the keys of each direction (TLS 1.0-1.2 from the master secret,
 * TLS 1.3 from the traffic secrets, switched after Finished and KeyUpdate),
 * record decryption into the scratch buffer, and the client's 0-RTT early
 * traffic keys. Calls nothing of the other parts but the builder (tlsb_) and buffers (tlsbuf_).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_conn.h"
#include "tls_record.h"
#include "tls_registry.h"

/* ------------------------------------------------------------------ keys */

/* "cipher suite TLS_X (0xXXXX) is not supported for decryption" (+ " in SSL 3.0"
 * when only the version is the problem): said whether or not the key log has
 * secrets for the session, since they could not be used anyway. */
static void note_unsupported(tls_conn *c)
{
    session_t *s = c->s;
    uint16_t cs = s->sh.cipher;
    const char *name = tls_reg_cipher_name(cs);
    char vbuf[TLS_REG_BUF], note[160];
    int n = name ? snprintf(note, sizeof(note), "cipher suite %s (0x%04x)", name, cs)
                 : snprintf(note, sizeof(note), "cipher suite 0x%04x", cs);
    if (n < 0 || (size_t)n >= sizeof(note))
        return;
    const char *in_version = "";
    if (decrypt_suite_find(cs) && s->version != 0x0304 && !decrypt_suite_for(s->version, cs))
        in_version = tls_reg_version_str(s->version, vbuf);
    snprintf(note + n, sizeof(note) - (size_t)n, " is not supported for decryption%s%s", *in_version ? " in " : "",
             in_version);
    s->decrypted = false;
    s->decrypt_outcome = SDEC_SUITE_UNSUPPORTED;
    free(s->decrypt_note);
    s->decrypt_note = strdup(note);
}

void tlsk_keys_failed(tls_conn *c, mtls_dir d, int rc)
{
    dir_state *ds = &c->d[d];
    ds->key_state = KEYS_FAILED;
    if (!c->s)
        return;
    if (rc == DECRYPT_ERR_UNSUPPORTED) {
        note_unsupported(c);
        return;
    }
    c->s->decrypted = false;
    c->s->decrypt_outcome = rc == DECRYPT_ERR_AUTH ? SDEC_KEYS_WRONG : SDEC_KEYS_UNUSABLE;
    free(c->s->decrypt_note);
    c->s->decrypt_note = strdup(rc == DECRYPT_ERR_AUTH ? "key log secrets do not decrypt this session"
                                                       : "key log secrets could not be used for this session");
}

void tlsk_init13_dir(tls_conn *c, mtls_dir d, keylog_kind k)
{
    dir_state *ds = &c->d[d];
    if (!c->ke || ds->key_state == KEYS_FAILED)
        return;
    if (!keylog_entry_has(c->ke, k) && tlsw_wait_secret(c, d, k))
        return; /* the client has not written it yet: set up when it comes (tls_keywait.c) */
    if (!keylog_entry_has(c->ke, k))
        return;
    decrypt_dir_cleanup(&ds->dec);
    decrypt_dir_init(&ds->dec);
    int rc = decrypt13_init(&ds->dec, c->s->sh.cipher, c->ke->secret[k].bytes, c->ke->secret[k].len);
    if (rc != DECRYPT_OK) {
        tlsk_keys_failed(c, d, rc);
        return;
    }
    ds->key_state = KEYS_READY;
}

void tlsk_lookup_keys(tls_conn *c)
{
    if (!c->opt.keys || !c->s || !c->s->ch.present)
        return;
    c->ke = keylog_find(c->opt.keys, c->s->ch.random);
    bool usable = decrypt_suite_for(c->s->version, c->s->sh.cipher) != NULL;
    if (usable && !c->ke && c->opt.refresh_keys && c->opt.refresh_keys(c->opt.refresh_ctx, true))
        c->ke = keylog_find(c->opt.keys, c->s->ch.random); /* written since we last looked */
    if (!usable) {
        /* secrets or not, nothing here can use them */
        c->ke = NULL;
        note_unsupported(c);
    } else if (!c->ke) {
        free(c->s->decrypt_note);
        c->s->decrypt_outcome = SDEC_NO_KEYS;
        c->s->decrypt_note = strdup("no keys for this session in the key log");
        tlsw_wait_entry(c); /* a key log still being written: they may still come */
    }
}

void tlsk_keys_arrived(tls_conn *c, const keylog_entry *ke)
{
    session_t *s = c->s;
    c->ke = ke;
    free(s->decrypt_note);
    s->decrypt_note = NULL;
    s->decrypt_outcome = SDEC_NOT_TRIED;
    if (c->tr && transcript_set_hash(c->tr, transcript_alg_for(s->version, s->sh.cipher)) != TRANSCRIPT_OK) {
        /* unknown suite or too long a transcript: no Finished check */
    }
    if (s->tls13) {
        tlsk_init13_dir(c, DIR_S2C, KEYLOG_SERVER_HANDSHAKE_TRAFFIC);
        tlsk_init13_dir(c, DIR_C2S, KEYLOG_CLIENT_HANDSHAKE_TRAFFIC);
    }
}

void tlsk_init12_dir(tls_conn *c, mtls_dir d)
{
    dir_state *ds = &c->d[d];
    if (ds->key_state == KEYS_FAILED)
        return;
    if (!c->ke || !keylog_entry_has(c->ke, KEYLOG_MASTER_SECRET)) {
        if (ds->key_state == KEYS_READY) {
            /* a renegotiation whose client random is not in the key log: the old keys end here */
            decrypt_dir_cleanup(&ds->dec);
            ds->key_state = KEYS_NONE;
        }
        return;
    }
    decrypt_dir_cleanup(&ds->dec);
    decrypt_dir_init(&ds->dec);
    const server_hello_info *sh = c->ksh;
    int rc = decrypt12_init(&ds->dec, sh->selected_version, sh->cipher, c->ke->secret[KEYLOG_MASTER_SECRET].bytes,
                            c->kch->random, sh->random, d == DIR_C2S, sh->encrypt_then_mac);
    if (rc != DECRYPT_OK) {
        tlsk_keys_failed(c, d, rc);
        return;
    }
    ds->key_state = KEYS_READY;
}

void tlsk_renegotiation_keys(tls_conn *c)
{
    c->kch = &c->rch;
    c->ksh = &c->rsh;
    c->ke = c->opt.keys ? keylog_find(c->opt.keys, c->rch.random) : NULL;
    if (c->ke && !decrypt_suite_for(c->rsh.selected_version, c->rsh.cipher))
        c->ke = NULL;
}

void tlsk_finished(tls_conn *c, mtls_dir d)
{
    dir_state *ds = &c->d[d];
    if (ds->key_state == KEYS_READY && !ds->app_keys) {
        tlsk_init13_dir(c, d, d == DIR_S2C ? KEYLOG_SERVER_TRAFFIC_0 : KEYLOG_CLIENT_TRAFFIC_0);
        ds->app_keys = true;
    }
}

void tlsk_key_update(tls_conn *c, mtls_dir d)
{
    dir_state *ds = &c->d[d];
    if (ds->key_state == KEYS_READY && ds->app_keys && decrypt13_update_key(&ds->dec) != DECRYPT_OK)
        tlsk_keys_failed(c, d, DECRYPT_ERR_CRYPTO);
}

/* ------------------------------------------------------------------ decryption */

bool tlsk_scratch_fit(tls_conn *c, size_t blen) { return tlsbuf_fit(c, &c->scratch, blen + 64) == 0; }

static int decrypt_at_seq(tls_conn *c, dir_state *ds, const uint8_t *rec, size_t reclen, uint8_t *inner,
                          size_t *outlen)
{
    const uint8_t *body = rec + TLS_RECORD_HDR_LEN;
    size_t blen = reclen - TLS_RECORD_HDR_LEN;
    *outlen = c->scratch.cap;
    return c->s->tls13 ? decrypt13_record(&ds->dec, rec, body, blen, c->scratch.p, outlen, inner)
                       : decrypt12_record(&ds->dec, rec, body, blen, c->scratch.p, outlen, inner);
}

int tlsk_decrypt_record(tls_conn *c, mtls_dir d, const uint8_t *rec, size_t reclen, uint8_t *out_inner,
                        size_t *out_len)
{
    dir_state *ds = &c->d[d];
    session_t *s = c->s;
    size_t outlen;
    uint8_t inner = 0;
    int rc = decrypt_at_seq(c, ds, rec, reclen, &inner, &outlen);
    if (rc == DECRYPT_ERR_AUTH && ds->after_gap) {
        /* records were lost in a gap: find the sequence number again */
        uint64_t seq0 = ds->dec.seq;
        for (uint64_t k = 1; k <= 64 && rc == DECRYPT_ERR_AUTH; k++) {
            ds->dec.seq = seq0 + k;
            rc = decrypt_at_seq(c, ds, rec, reclen, &inner, &outlen);
        }
        if (rc != DECRYPT_OK)
            ds->dec.seq = seq0;
    }
    if (rc != DECRYPT_OK)
        return rc;
    ds->after_gap = false;
    s->decrypted = true;
    s->decrypt_outcome = SDEC_OK;
    free(s->decrypt_note);
    s->decrypt_note = NULL;
    *out_inner = inner;
    *out_len = outlen;
    return DECRYPT_OK;
}

/* ------------------------------------------------------------------ 0-RTT */

/* The first early record: find the suite whose early keys decrypt it. */
static void early_setup(tls_conn *c, const uint8_t *rec, size_t reclen)
{
    session_t *s = c->s;
    const uint8_t *body = rec + TLS_RECORD_HDR_LEN;
    size_t blen = reclen - TLS_RECORD_HDR_LEN;
    c->early_state = EARLY_UNAVAILABLE;
    if (!c->ke && c->opt.keys)
        c->ke = keylog_find(c->opt.keys, s->ch.random);
    if (!c->ke || !keylog_entry_has(c->ke, KEYLOG_CLIENT_EARLY_TRAFFIC) || !tlsk_scratch_fit(c, blen))
        return;
    const keylog_secret *sec = &c->ke->secret[KEYLOG_CLIENT_EARLY_TRAFFIC];
    for (size_t i = 0; i < s->ch.ciphers.n && c->early_state != EARLY_READY; i++) {
        uint16_t cs = s->ch.ciphers.v[i];
        if ((cs >> 8) != 0x13)
            continue;
        decrypt_dir_cleanup(&c->early);
        decrypt_dir_init(&c->early);
        if (decrypt13_init(&c->early, cs, sec->bytes, sec->len) != DECRYPT_OK)
            continue;
        size_t outlen = c->scratch.cap;
        uint8_t inner = 0;
        if (decrypt13_record(&c->early, rec, body, blen, c->scratch.p, &outlen, &inner) == DECRYPT_OK) {
            c->early.seq = 0; /* decrypt this first record again below */
            c->early_state = EARLY_READY;
        }
    }
}

/*
 * TLS 1.3 0-RTT: the client's application_data records sent before its
 * handshake flight are early data, encrypted with the client early traffic
 * secret (RFC 8446 2.3); its EndOfEarlyData too. The suite is the resumed
 * session's, unknown before the ServerHello: each TLS 1.3 suite the client
 * offered is tried on the first record.
 */
bool tlsk_early_decrypt(tls_conn *c, const uint8_t *rec, size_t reclen, uint8_t *out_inner, size_t *out_len)
{
    const uint8_t *body = rec + TLS_RECORD_HDR_LEN;
    size_t blen = reclen - TLS_RECORD_HDR_LEN;
    if (c->early_state == EARLY_NOT_TRIED)
        early_setup(c, rec, reclen);
    if (c->early_state != EARLY_READY || !tlsk_scratch_fit(c, blen))
        return false;
    size_t outlen = c->scratch.cap;
    uint8_t inner = 0;
    if (decrypt13_record(&c->early, rec, body, blen, c->scratch.p, &outlen, &inner) != DECRYPT_OK)
        return false;
    *out_inner = inner;
    *out_len = outlen;
    return true;
}
