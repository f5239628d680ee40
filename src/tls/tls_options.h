/*
 * tls_options.h — what the per-connection TLS driver is given and what it
 * says of a flow: shared by its public API (tls_stream.h) and its private
 * state (tls_conn.h), so that neither includes the other.
 */
#ifndef MTLS_TLS_OPTIONS_H
#define MTLS_TLS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "keylog.h"

typedef struct tlss_options {
    const keylog *keys;       /* may be NULL */
    /* A key log still being written (live capture, or a capture read from a
     * pipe): re-read it into keys when a session's secrets are not there
     * (force: now, else at most every 20 ms); true when new secrets arrived.
     * NULL when the key log is complete (a file read once at start). A
     * session then holds its records while it waits (tls_keywait.c). */
    bool (*refresh_keys)(void *ctx, bool force);
    void *refresh_ctx;
    size_t max_buffer;        /* cap on buffered bytes per direction (records + messages) */
    size_t *mem_total;        /* shared counter of buffered bytes (may be NULL) */
} tlss_options;

typedef struct tls_conn tls_conn;

typedef enum tlss_state {
    TLSS_UNKNOWN = 0, /* not yet decided */
    TLSS_TLS,         /* TLS detected: a session exists */
    TLSS_NOT_TLS,     /* not TLS: ignore the rest of the flow */
} tlss_state;

#endif
