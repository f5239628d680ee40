/*
 * tls_keywait.c — a session waiting for its secrets.
 *
 * With a key log that is still being written (a live capture while the client
 * appends to SSLKEYLOGFILE, or a capture read from a pipe), the packets of a
 * handshake often arrive before the client has written its secrets: it
 * derives them from the ServerHello it has just received, the same packet we
 * see; and its application traffic secrets after the server's Finished, which
 * we may read first. So a session whose secrets are missing when it needs them
 * (at its ServerHello; TLS 1.3: each handshake or application traffic secret
 * when its direction switches to it) holds its
 * later records (both directions, in the order they came) instead of reading
 * them as sealed, and re-reads the key log as they come (at most every 20 ms,
 * tls_options.refresh_keys). When the secrets arrive the held records are
 * replayed through the record layer, decrypted. The wait ends without them
 * when the hold is full (TLSW_HOLD_MAX bytes of records) or has lasted
 * TLSW_HOLD_MAX_US of packet time (the decrypt note says which), or at the
 * first TCP event (FIN, RST, gap) or the connection's end,
 * after one last read of the key log; the records are then replayed as the
 * sealed records they are, so the session is the one it would have been with
 * that key log at start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_conn.h"

typedef struct key_wait_hdr {
    uint64_t ts;
    uint32_t len;
    uint32_t dir;
} key_wait_hdr;

/* Waits one session may start (the entry at its ServerHello, then each TLS 1.3
 * secret that was late): each is bounded by TLSW_HOLD_MAX / TLSW_HOLD_MAX_US. */
#define TLSW_MAX_WAITS 4

static void start(tls_conn *c)
{
    c->kw.on = true;
    c->kw.waits++;
    c->kw.records = 0;
}

void tlsw_wait_entry(tls_conn *c)
{
    if (c->kw.on || c->kw.waits >= TLSW_MAX_WAITS || !c->opt.refresh_keys)
        return;
    c->kw.entry = true;
    bool t13 = c->s->tls13;
    for (int d = 0; d < 2; d++) {
        c->kw.pend_on[d] = true;
        c->kw.pend[d] = !t13 ? KEYLOG_MASTER_SECRET
                        : d == DIR_C2S ? KEYLOG_CLIENT_HANDSHAKE_TRAFFIC : KEYLOG_SERVER_HANDSHAKE_TRAFFIC;
    }
    start(c);
}

bool tlsw_wait_secret(tls_conn *c, mtls_dir d, keylog_kind k)
{
    if (!c->opt.refresh_keys || !c->ke || c->kw.waits >= TLSW_MAX_WAITS)
        return false;
    if (c->opt.refresh_keys(c->opt.refresh_ctx, true) && keylog_entry_has(c->ke, k))
        return false; /* written since we last looked */
    c->kw.pend_on[d] = true;
    c->kw.pend[d] = k;
    if (!c->kw.on)
        start(c);
    return true;
}

/* Everything the wait is for is in the key log now (with the entry, when
 * waiting for it, in *out). */
static bool satisfied(tls_conn *c, const keylog_entry **out)
{
    const keylog_entry *ke = c->kw.entry ? keylog_find(c->opt.keys, c->s->ch.random) : c->ke;
    *out = ke;
    if (!ke)
        return false;
    for (int d = 0; d < 2; d++)
        if (c->kw.pend_on[d] && !keylog_entry_has(ke, c->kw.pend[d]))
            return false;
    return true;
}

/* satisfied(), after reading what the key log gained (force: now). */
static bool look(tls_conn *c, bool force, const keylog_entry **out)
{
    if (satisfied(c, out))
        return true;
    return c->opt.refresh_keys && c->opt.refresh_keys(c->opt.refresh_ctx, force) && satisfied(c, out);
}

/* Why a wait ended. */
typedef enum wait_end {
    WAIT_SETTLED = 0, /* secrets found, or a TCP event / the end of the flow */
    WAIT_FULL,        /* TLSW_HOLD_MAX bytes held */
    WAIT_TOO_LONG,    /* TLSW_HOLD_MAX_US of packet time since the first held record */
} wait_end;

static void note_gave_up(tls_conn *c, wait_end why)
{
    char note[200];
    if (why == WAIT_FULL)
        snprintf(note, sizeof note,
                 "no keys for this session in the key log (re-read while %u KiB of the session's records were "
                 "held waiting for them)",
                 TLSW_HOLD_MAX / 1024u);
    else
        snprintf(note, sizeof note,
                 "no keys for this session in the key log (re-read for %u s while the session's records were "
                 "held waiting for them)",
                 (unsigned)(TLSW_HOLD_MAX_US / 1000000u));
    free(c->s->decrypt_note);
    c->s->decrypt_note = strdup(note);
}

/* Append a record to the hold: false when it does not fit. */
static bool append(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    key_wait_hdr h = {ts, (uint32_t)reclen, (uint32_t)d};
    size_t before = c->kw.buf.len;
    if (before + sizeof(h) + reclen > TLSW_HOLD_MAX ||
        tlsbuf_append(c, &c->kw.buf, (const uint8_t *)&h, sizeof(h), TLSW_HOLD_MAX) < 0 ||
        tlsbuf_append(c, &c->kw.buf, rec, reclen, TLSW_HOLD_MAX) < 0) {
        c->kw.buf.len = before;
        return false;
    }
    if (c->kw.records++ == 0)
        c->kw.since_ts = ts;
    return true;
}

/* Stop waiting: set up what came (ok), then replay what was held. A replayed
 * record may start a new wait (a TLS 1.3 Finished whose next secret is late):
 * the records after it are held again, in order. */
static void finish_wait(tls_conn *c, bool ok, const keylog_entry *ke, wait_end why)
{
    bool entry = c->kw.entry;
    bool pend_on[2] = {c->kw.pend_on[0], c->kw.pend_on[1]};
    keylog_kind pend[2] = {c->kw.pend[0], c->kw.pend[1]};
    c->kw.on = false;
    c->kw.entry = false;
    c->kw.pend_on[0] = c->kw.pend_on[1] = false;
    if (ok && entry) {
        tlsk_keys_arrived(c, ke); /* the lookup's set-up, TLS 1.3 handshake keys included */
    } else if (ok) {
        for (int d = 0; d < 2; d++)
            if (pend_on[d])
                tlsk_init13_dir(c, (mtls_dir)d, pend[d]);
    } else if (why != WAIT_SETTLED) {
        note_gave_up(c, why);
    }
    growbuf held = c->kw.buf; /* replay from a buffer of our own: a new wait fills c->kw.buf */
    memset(&c->kw.buf, 0, sizeof(c->kw.buf));
    size_t off = 0;
    while (off + sizeof(key_wait_hdr) <= held.len) {
        key_wait_hdr h;
        memcpy(&h, held.p + off, sizeof(h));
        off += sizeof(h);
        if (h.len > held.len - off)
            break;
        const uint8_t *rec = held.p + off;
        off += h.len;
        if (!c->s || c->d[h.dir].dead)
            continue;
        if (c->kw.on && tlsw_hold(c, (mtls_dir)h.dir, h.ts, rec, h.len))
            continue;
        tlsr_replay_record(c, (mtls_dir)h.dir, h.ts, rec, h.len);
    }
    tlsbuf_free(c, &held);
}

bool tlsw_hold(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    if (!c->kw.on || !c->s)
        return false;
    const keylog_entry *ke = NULL;
    if (c->kw.records && ts > c->kw.since_ts + TLSW_HOLD_MAX_US) {
        /* the client writes its secrets as it derives them: these will not come */
        bool ok = look(c, true, &ke);
        finish_wait(c, ok, ke, WAIT_TOO_LONG);
        return false;
    }
    if (!append(c, d, ts, rec, reclen)) {
        /* the hold is full (or no memory for it): one last look, then go on without waiting */
        bool ok = look(c, true, &ke);
        finish_wait(c, ok, ke, WAIT_FULL);
        return false;
    }
    if (look(c, false, &ke))
        finish_wait(c, true, ke, WAIT_SETTLED);
    return true;
}

void tlsw_settle(tls_conn *c)
{
    /* a replay may start a new wait: settle until none is left (bounded by TLSW_MAX_WAITS) */
    while (c->kw.on) {
        if (!c->s) {
            c->kw.on = false;
            tlsbuf_free(c, &c->kw.buf);
            return;
        }
        const keylog_entry *ke = NULL;
        bool ok = look(c, true, &ke);
        finish_wait(c, ok, ke, WAIT_SETTLED);
    }
}
