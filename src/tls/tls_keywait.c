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
 * when the hold is full (TLSW_HOLD_MAX bytes of records: the decrypt note
 * says so), or at the first TCP event (FIN, RST, gap) or the connection's end,
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

/* Stop waiting: set the keys up when they came, then replay what was held. */
static void finish_wait(tls_conn *c, const keylog_entry *ke, bool full)
{
    c->kw.on = false;
    if (ke) {
        tlsk_keys_arrived(c, ke);
    } else if (full) {
        free(c->s->decrypt_note);
        c->s->decrypt_note = NULL;
        char note[200];
        snprintf(note, sizeof note,
                 "no keys for this session in the key log (re-read while %u KiB of the session's records were "
                 "held waiting for them)",
                 TLSW_HOLD_MAX / 1024u);
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
    size_t before = c->kw.buf.len;
    if (before + sizeof(h) + reclen > TLSW_HOLD_MAX ||
        tlsbuf_append(c, &c->kw.buf, (const uint8_t *)&h, sizeof(h), TLSW_HOLD_MAX) < 0 ||
        tlsbuf_append(c, &c->kw.buf, rec, reclen, TLSW_HOLD_MAX) < 0) {
        /* the hold is full (or no memory for it): one last look, then go on without waiting */
        c->kw.buf.len = before;
        finish_wait(c, find_keys(c, true), true);
        return false;
    }
    c->kw.records++;
    const keylog_entry *ke = find_keys(c, false);
    if (ke)
        finish_wait(c, ke, false);
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
    finish_wait(c, find_keys(c, true), false);
}
