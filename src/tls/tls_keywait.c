/*
 * tls_keywait.c — a session waiting for its secrets.
 *
 * With a key log that is still being written (a live capture while the client
 * appends to SSLKEYLOGFILE, or a capture read from a pipe), the packets of a
 * handshake often arrive before the client has written its secrets: it
 * derives them from the ServerHello it has just received, the same packet we
 * see. So a session whose secrets are missing at its ServerHello holds its
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

void tlsw_start(tls_conn *c)
{
    if (c->kw.done || c->kw.on)
        return;
    c->kw.on = true;
    c->kw.done = true;
}

/* The secrets, when the key log has them now. */
static const keylog_entry *find_keys(tls_conn *c, bool force)
{
    const keylog_entry *ke = keylog_find(c->opt.keys, c->s->ch.random);
    if (!ke && c->opt.refresh_keys && c->opt.refresh_keys(c->opt.refresh_ctx, force))
        ke = keylog_find(c->opt.keys, c->s->ch.random);
    return ke;
}

/* Why a wait ended. */
typedef enum wait_end {
    WAIT_SETTLED = 0, /* secrets found, or a TCP event / the end of the flow */
    WAIT_FULL,        /* TLSW_HOLD_MAX bytes held */
    WAIT_TOO_LONG,    /* TLSW_HOLD_MAX_US of packet time since the first held record */
} wait_end;

/* Stop waiting: set the keys up when they came, then replay what was held. */
static void finish_wait(tls_conn *c, const keylog_entry *ke, wait_end why)
{
    c->kw.on = false;
    if (ke) {
        tlsk_keys_arrived(c, ke);
    } else if (why != WAIT_SETTLED) {
        free(c->s->decrypt_note);
        c->s->decrypt_note = NULL;
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
        c->s->decrypt_note = strdup(note);
    }
    growbuf held = c->kw.buf; /* replay from a buffer of our own: the record layer may buffer again */
    memset(&c->kw.buf, 0, sizeof(c->kw.buf));
    size_t off = 0;
    while (off + sizeof(key_wait_hdr) <= held.len) {
        key_wait_hdr h;
        memcpy(&h, held.p + off, sizeof(h));
        off += sizeof(h);
        if (h.len > held.len - off)
            break;
        if (c->s && !c->d[h.dir].dead)
            tlsr_replay_record(c, (mtls_dir)h.dir, h.ts, held.p + off, h.len);
        off += h.len;
    }
    tlsbuf_free(c, &held);
}

bool tlsw_hold(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    if (!c->kw.on || !c->s)
        return false;
    key_wait_hdr h = {ts, (uint32_t)reclen, (uint32_t)d};
    if (c->kw.records == 0)
        c->kw.since_ts = ts;
    else if (ts > c->kw.since_ts + TLSW_HOLD_MAX_US) {
        /* the client writes its secrets as it derives them: these will not come */
        finish_wait(c, find_keys(c, true), WAIT_TOO_LONG);
        return false;
    }
    size_t before = c->kw.buf.len;
    if (before + sizeof(h) + reclen > TLSW_HOLD_MAX ||
        tlsbuf_append(c, &c->kw.buf, (const uint8_t *)&h, sizeof(h), TLSW_HOLD_MAX) < 0 ||
        tlsbuf_append(c, &c->kw.buf, rec, reclen, TLSW_HOLD_MAX) < 0) {
        /* the hold is full (or no memory for it): one last look, then go on without waiting */
        c->kw.buf.len = before;
        finish_wait(c, find_keys(c, true), WAIT_FULL);
        return false;
    }
    c->kw.records++;
    const keylog_entry *ke = find_keys(c, false);
    if (ke)
        finish_wait(c, ke, WAIT_SETTLED);
    return true;
}

void tlsw_settle(tls_conn *c)
{
    if (!c->kw.on)
        return;
    if (!c->s) {
        c->kw.on = false;
        tlsbuf_free(c, &c->kw.buf);
        return;
    }
    finish_wait(c, find_keys(c, true), WAIT_SETTLED);
}
