/*
 * tls_records.c — TLS record framing and record content: frames records from
 * the in-order bytes of a direction (zero-copy when a record sits inside one
 * delivery, buffered when it straddles, skipped by length when it is
 * application data nobody reads), resynchronises after a gap, decrypts with
 * the direction's keys (tls_keys.c) and hands the content on: handshake bytes
 * to tls_handshake_map.c, alerts and application data (with 0-RTT early data
 * and the optional HTTP line) to steps, TLS 1.3 records without keys to
 * tls13_flight.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "tls_alert.h"
#include "tls_conn.h"
#include "tls_decrypt.h"
#include "tls_record.h"

#define MAX_APP_STEPS 4 /* application-data records logged per direction */

static void log_app_data(tls_conn *c, mtls_dir d, uint64_t ts, size_t len, bool dec)
{
    dir_state *ds = &c->d[d];
    ds->app_data_seen = true;
    if (ds->app_steps >= MAX_APP_STEPS)
        return;
    ds->app_steps++;
    step_t *st = tlsb_add_step(c, ts, d, STEP_APPLICATION_DATA);
    if (st) {
        st->length = (uint32_t)len;
        st->decrypted = dec;
    }
}

static void handle_plain_content(tls_conn *c, mtls_dir d, uint64_t ts, uint8_t type, const uint8_t *p, size_t n,
                                 bool dec)
{
    switch (type) {
    case TLS_CT_HANDSHAKE:
        tlsh_feed_handshake(c, d, ts, p, n, dec);
        break;
    case TLS_CT_ALERT: {
        cur_t cu;
        cur_init(&cu, p, n);
        tls_alert a;
        dx_result r = tls_alert_parse(&cu, &a);
        if (r.status != DX_OK) {
            tlsb_body_malformed(c, d, ts, "alert", r);
            return;
        }
        step_t *st = tlsb_add_step(c, ts, d, STEP_ALERT);
        if (st) {
            st->alert_level = a.level;
            st->alert_desc = a.desc;
            st->decrypted = dec;
        }
        if (a.level == TLS_ALERT_LEVEL_FATAL || a.desc == TLS_ALERT_CLOSE_NOTIFY)
            c->alerted[d] = true;
        break;
    }
    case TLS_CT_APPLICATION_DATA:
        log_app_data(c, d, ts, n, dec);
        if (dec)
            tlsa_app_data(c, d, ts, p, n);
        break;
    case TLS_CT_CHANGE_CIPHER_SPEC:
        break;
    default:
        break;
    }
}

/* A client record that may be 0-RTT early data (tls_keys.c): true when it
 * was consumed as early data (decrypted, or logged as undecryptable early
 * data before the ServerHello). */
static bool early_data_record(tls_conn *c, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    session_t *s = c->s;
    size_t blen = reclen - TLS_RECORD_HDR_LEN;
    uint8_t inner = 0;
    size_t outlen = 0;
    if (tlsk_early_decrypt(c, rec, reclen, &inner, &outlen)) {
        if (inner == TLS_CT_APPLICATION_DATA) {
            step_t *st = tlsb_add_step(c, ts, DIR_C2S, STEP_APPLICATION_DATA);
            if (st) {
                st->length = (uint32_t)outlen;
                st->decrypted = true;
                st->detail = strdup("0-RTT early data");
            }
            tlsa_app_data(c, DIR_C2S, ts, c->scratch.p, outlen);
        } else {
            handle_plain_content(c, DIR_C2S, ts, inner, c->scratch.p, outlen, true);
        }
        return true;
    }
    if (!s->sh.present) {
        step_t *st = tlsb_add_step(c, ts, DIR_C2S, STEP_APPLICATION_DATA);
        if (st) {
            st->length = (uint32_t)blen;
            st->detail = strdup("0-RTT early data (encrypted)");
        }
        return true;
    }
    return false;
}

/* TLS 1.0-1.2: an encrypted handshake record we cannot read. The first one
 * after a side's ChangeCipherSpec is its Finished; one after both Finished
 * starts a renegotiation (a HelloRequest from the server, a ClientHello from
 * the client), whose messages before its ChangeCipherSpec are counted into
 * one step per flight. */
static void sealed_handshake(tls_conn *c, mtls_dir d, uint64_t ts, size_t blen)
{
    session_t *s = c->s;
    step_t *st;
    if (tlsh_finished(c, DIR_C2S) && tlsh_finished(c, DIR_S2C) && s->sh.present) {
        tlsh_renegotiation_start(c, d, ts, true, (uint32_t)blen);
        return;
    }
    bool reneg = c->reneg != RENEG_NONE;
    if (!tlsh_finished(c, d) && (!reneg || c->reneg_ccs[d])) {
        st = tlsb_add_step(c, ts, d, STEP_FINISHED);
        if (st) {
            st->length = (uint32_t)blen;
            st->detail = strdup(reneg ? "encrypted (renegotiation)" : "encrypted");
        }
        tlsh_sealed_finished(c, d);
        if (reneg && tlsh_finished(c, DIR_C2S) && tlsh_finished(c, DIR_S2C))
            c->reneg = RENEG_NONE;
        return;
    }
    if (!reneg) {
        st = tlsb_add_step(c, ts, d, STEP_OTHER_HANDSHAKE);
        if (st) {
            st->length = (uint32_t)blen;
            st->detail = strdup("encrypted");
        }
        return;
    }
    /* one step per sealed flight: a new one unless this side's is still the last step */
    if (!tlsb_accumulating(c, d, STEP_ENCRYPTED_HANDSHAKE))
        tlsb_restart(c, d);
    tlsb_accumulate(c, d, ts, STEP_ENCRYPTED_HANDSHAKE, blen, "(renegotiation, not dissected)", false);
}

/* One whole record: rec (reclen bytes, header included: the AEAD's additional
 * data needs it) framed by the dissector into h and body. */
static void process_record(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen,
                           const tls_record_hdr *h, const uint8_t *body)
{
    dir_state *ds = &c->d[d];
    session_t *s = c->s;
    uint8_t type = h->type;
    size_t blen = h->length;
    ds->records++;

    bool may_be_early = d == DIR_C2S && type == TLS_CT_APPLICATION_DATA && s->ch.has_early_data &&
                        !tlsh_finished(c, DIR_C2S) && (!s->sh.present || s->tls13);
    if (may_be_early && !s->sh.present && early_data_record(c, ts, rec, reclen))
        return;

    if (type == TLS_CT_CHANGE_CIPHER_SPEC) {
        step_t *st = tlsb_add_step(c, ts, d, STEP_CHANGE_CIPHER_SPEC);
        if (st)
            st->length = (uint32_t)blen;
        if (!s->tls13 && s->sh.present) {
            ds->encrypted = true;
            if (c->reneg != RENEG_NONE)
                c->reneg_ccs[d] = true; /* the renegotiation's keys from here on */
            tlsk_init12_dir(c, d);
            if (d == DIR_S2C && !c->d[DIR_S2C].cert_msg_seen && !tlsh_finished(c, DIR_C2S))
                s->resumed = true; /* abbreviated handshake: server CCS right after ServerHello */
        }
        return;
    }
    if (!ds->encrypted || type == TLS_CT_HEARTBEAT) {
        if (type == TLS_CT_APPLICATION_DATA && !s->tls13 && !s->sh.present) {
            /* application data before any handshake: mid-connection capture */
            log_app_data(c, d, ts, blen, false);
            return;
        }
        handle_plain_content(c, d, ts, type, body, blen, false);
        return;
    }
    /* Encrypted record. A TLS 1.3 peer may still send a plaintext alert
     * (e.g. rejecting the ServerHello) before it has keys. */
    if (type == TLS_CT_ALERT && !tls_alert_looks_encrypted(type, blen, true)) {
        handle_plain_content(c, d, ts, type, body, blen, false);
        return;
    }
    if (ds->key_state == KEYS_READY) {
        if (!tlsk_scratch_fit(c, blen))
            return;
        size_t outlen = 0;
        uint8_t inner = 0;
        int rc = tlsk_decrypt_record(c, d, rec, reclen, &inner, &outlen);
        if (rc == DECRYPT_OK) {
            handle_plain_content(c, d, ts, inner, c->scratch.p, outlen, true);
            return;
        }
        if (may_be_early && early_data_record(c, ts, rec, reclen))
            return; /* early data / EndOfEarlyData: the handshake keys come after it */
        tlsk_keys_failed(c, d, rc);
    }
    /* No keys (or they failed): say what the wire shows. A NULL-encryption
     * suite (TLS 1.0-1.2) sends its content in the clear before the MAC:
     * read alerts from it (not authenticated, so not marked decrypted). */
    const decrypt_suite *ns = s->tls13 ? NULL : decrypt_suite_find(s->sh.cipher);
    if (ns && ns->kind == DECRYPT_NULL && type == TLS_CT_ALERT && blen == 2u + ns->mac_len) {
        handle_plain_content(c, d, ts, type, body, 2, false);
        return;
    }
    if (s->tls13) {
        if (type == TLS_CT_APPLICATION_DATA) {
            if (!tlsf_flight_record(c, d, ts, blen))
                log_app_data(c, d, ts, blen, false);
            tlsb_note_sealed(c, d, blen);
        } else if (type == TLS_CT_ALERT) {
            step_t *st = tlsb_add_step(c, ts, d, STEP_ENCRYPTED_ALERT);
            if (st)
                st->length = (uint32_t)blen;
            c->alerted[d] = true;
        } else {
            handle_plain_content(c, d, ts, type, body, blen, false);
        }
        return;
    }
    switch (type) {
    case TLS_CT_HANDSHAKE:
        sealed_handshake(c, d, ts, blen);
        break;
    case TLS_CT_ALERT: {
        step_t *st = tlsb_add_step(c, ts, d, STEP_ENCRYPTED_ALERT);
        if (st)
            st->length = (uint32_t)blen;
        c->alerted[d] = true;
        break;
    }
    case TLS_CT_APPLICATION_DATA:
        log_app_data(c, d, ts, blen, false);
        break;
    default:
        break;
    }
}

/* Frame one whole record at the start of p (n bytes) with the dissector and
 * process it: the bytes it took, 0 when the record is not complete in p (its
 * header, when complete, in *h), or -1 after a malformed header (reported). */
static long frame_record(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n, tls_record_hdr *h,
                         bool *out_have_hdr)
{
    cur_t cu, body;
    cur_init(&cu, p, n);
    dx_result r = tls_record_parse(&cu, h, &body);
    *out_have_hdr = r.status == DX_OK || (r.status == DX_NEED_MORE && n >= TLS_RECORD_HDR_LEN);
    if (r.status == DX_NEED_MORE)
        return 0;
    if (r.status != DX_OK) {
        /* after an alert (or, after the handshake, in the connection's own
         * protocol) the bytes may be the application's words in the clear */
        if ((c->alerted[0] || c->alerted[1] || tlsh_finished(c, d) || c->d[d].app_data_seen) &&
            tlsa_plaintext(c, d, ts, p, n)) {
            c->d[d].dead = true;
            return -1;
        }
        tlsb_mark_malformed(c, d, ts, "TLS record", r);
        return -1;
    }
    size_t total = cur_abs_offset(&cu);
    if (c->kw.on && tlsw_hold(c, d, ts, p, total))
        return (long)total; /* waiting for the session's secrets (tls_keywait.c) */
    process_record(c, d, ts, p, total, h, cur_ptr(&body));
    return (long)total;
}

void tlsr_replay_record(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    cur_t cu, body;
    cur_init(&cu, rec, reclen);
    tls_record_hdr h;
    if (tls_record_parse(&cu, &h, &body).status != DX_OK) /* it parsed when it was held */
        return;
    process_record(c, d, ts, rec, cur_abs_offset(&cu), &h, cur_ptr(&body));
}

/* Frame records from in-order bytes of one direction: zero-copy when a record
 * sits inside these bytes, buffered in ds->rec when it straddles deliveries,
 * skipped by length when it is application data nobody reads. */
void tlsr_feed_records(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    dir_state *ds = &c->d[d];
    if (ds->resync && ds->rec.len == 0 && ds->skip == 0) {
        size_t i = 0;
        while (i + TLS_RECORD_HDR_LEN <= n && !tls_record_plausible(p + i, n - i))
            i++;
        if (i + TLS_RECORD_HDR_LEN > n)
            return; /* nothing plausible in these bytes: keep looking in the next ones */
        p += i;
        n -= i;
        ds->resync = false;
    }
    while (n > 0 && !ds->dead) {
        if (ds->skip) {
            size_t k = ds->skip < n ? (size_t)ds->skip : n;
            ds->skip -= k;
            p += k;
            n -= k;
            continue;
        }
        tls_record_hdr h;
        bool have_hdr = false;
        if (ds->rec.len == 0 && n >= TLS_RECORD_HDR_LEN) {
            long used = frame_record(c, d, ts, p, n, &h, &have_hdr);
            if (used < 0)
                return;
            if (used > 0) { /* zero-copy */
                p += used;
                n -= (size_t)used;
                continue;
            }
            /* Application data we cannot or need not read: skip by length. */
            bool skippable = h.type == TLS_CT_APPLICATION_DATA && ds->key_state != KEYS_READY && ds->encrypted &&
                             !c->kw.on &&
                             (!c->s->tls13 || c->tls13_phase == T13_AFTER_HANDSHAKE || tlsh_finished(c, d));
            if (skippable) {
                /* process as a record of known length without its body */
                ds->records++;
                if (!c->s->tls13 || !tlsf_flight_record(c, d, ts, h.length))
                    log_app_data(c, d, ts, h.length, false);
                if (c->s->tls13)
                    tlsb_note_sealed(c, d, h.length);
                ds->skip = TLS_RECORD_HDR_LEN + (size_t)h.length - n;
                return;
            }
        }
        /* accumulate a partial record: its header first, then as much body as it says */
        size_t want = TLS_RECORD_HDR_LEN - ds->rec.len;
        if (ds->rec.len >= TLS_RECORD_HDR_LEN) {
            cur_t cu;
            cur_init(&cu, ds->rec.p, ds->rec.len);
            if (tls_record_parse_header(&cu, &h).status != DX_OK) { /* it parsed when it was complete */
                tlsb_mark_malformed(c, d, ts, "TLS record", dx_malformed(DXE_REC_TOO_LONG, 0));
                return;
            }
            want = TLS_RECORD_HDR_LEN + (size_t)h.length - ds->rec.len;
        }
        size_t k = want < n ? want : n;
        if (tlsbuf_append(c, &ds->rec, p, k, TLS_RECORD_HDR_LEN + TLS_RECORD_MAX) < 0) {
            tlsb_mark_malformed(c, d, ts, "TLS record", dx_malformed(DXE_REC_TOO_LONG, 0));
            return;
        }
        p += k;
        n -= k;
        if (ds->rec.len < TLS_RECORD_HDR_LEN)
            continue;
        long used = frame_record(c, d, ts, ds->rec.p, ds->rec.len, &h, &have_hdr);
        if (used < 0)
            return;
        if (used > 0)
            ds->rec.len = 0;
    }
}
