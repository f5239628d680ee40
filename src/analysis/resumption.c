#include "resumption.h"

#include <stdlib.h>
#include <string.h>

#define RESUME_RING 4096

typedef struct resume_entry {
    endpoint_t server;
    uint8_t client_addr[16];
    uint8_t sid[32];
    size_t sid_len; /* 0: a ticket issuer */
    uint64_t id;
} resume_entry;

struct resume_links {
    resume_entry ring[RESUME_RING];
    size_t pos;
};

resume_links *resume_links_new(void) { return calloc(1, sizeof(resume_links)); }

void resume_links_free(resume_links *r) { free(r); }

static bool same_server(const resume_entry *e, const session_t *s)
{
    return e->server.port == s->server.port && memcmp(e->server.addr, s->server.addr, 16) == 0;
}

static bool same_client(const resume_entry *e, const session_t *s)
{
    return memcmp(e->client_addr, s->client.addr, 16) == 0;
}

/* The latest earlier full handshake between the same client address and
 * server that gave out this session id or, for a ticket, any ticket: the
 * client keeps what it resumes. */
static uint64_t find_original(const resume_links *r, const session_t *s)
{
    uint64_t by_ticket = 0;
    for (size_t k = 0; k < RESUME_RING; k++) {
        const resume_entry *e = &r->ring[(r->pos + RESUME_RING - 1 - k) % RESUME_RING];
        if (!e->id || e->id >= s->id || !same_server(e, s) || !same_client(e, s))
            continue;
        if (e->sid_len && e->sid_len == s->sh.session_id_len && memcmp(e->sid, s->sh.session_id, e->sid_len) == 0)
            return e->id;
        if (!e->sid_len && !by_ticket)
            by_ticket = e->id;
    }
    return by_ticket;
}

static resume_entry *next_slot(resume_links *r)
{
    resume_entry *e = &r->ring[r->pos];
    r->pos = (r->pos + 1) % RESUME_RING;
    return e;
}

uint64_t resume_links_note(resume_links *r, const session_t *s)
{
    if (!r)
        return 0;
    if (s->resumed)
        return find_original(r, s);
    if (!s->sh.present || !session_cert_msg_seen(s, DIR_S2C))
        return 0;
    bool ticket = session_find_step(s, DIR_S2C, STEP_NEW_SESSION_TICKET) >= 0 ||
                  session_find_step(s, DIR_C2S, STEP_NEW_SESSION_TICKET) >= 0;
    if (!s->sh.session_id_len && !ticket)
        return 0;
    resume_entry *e = next_slot(r);
    e->server = s->server;
    memcpy(e->client_addr, s->client.addr, 16);
    e->sid_len = ticket && !s->sh.session_id_len ? 0 : s->sh.session_id_len;
    memcpy(e->sid, s->sh.session_id, s->sh.session_id_len);
    e->id = s->id;
    if (ticket && s->sh.session_id_len) {
        /* also remember it as a ticket issuer */
        resume_entry *t = next_slot(r);
        *t = *e;
        t->sid_len = 0;
    }
    return 0;
}
