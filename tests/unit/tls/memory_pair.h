/*
 * memory_pair.h — a real OpenSSL client and server talking through memory
 * BIOs inside one unit test, with every byte each side sent recorded in
 * order (the "wire"), so a test can decrypt the capture passively and compare
 * with what the endpoints say they sent. Shared by test_tls_decrypt.c and
 * test_tls_suites.c; static functions, one copy per test program.
 */
#ifndef MTLS_TEST_MEMORY_PAIR_H
#define MTLS_TEST_MEMORY_PAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

enum { C2S = 0, S2C = 1 };

/* growable byte buffer */
typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->n + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        assert_non_null(b->p);
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void buf_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static void assert_buf_equal(const buf *a, const buf *b)
{
    assert_int_equal(a->n, b->n);
    if (a->n)
        assert_memory_equal(a->p, b->p, a->n);
}

/* The bytes on the wire, per direction, and the order they were sent in. */
typedef struct wire {
    buf stream[2];  /* raw TLS bytes per direction */
    size_t *ev_end; /* time-ordered events: stream[ev_dir] grew to ev_end */
    int *ev_dir;
    size_t nev, capev;
} wire;

static void wire_free(wire *w)
{
    buf_free(&w->stream[0]);
    buf_free(&w->stream[1]);
    free(w->ev_end);
    free(w->ev_dir);
}

/* Move what `from` holds into `to`, recording it. True when bytes moved. */
static bool wire_move(wire *w, BIO *from, BIO *to, int dir)
{
    uint8_t tmp[4096];
    int n;
    bool moved = false;
    while ((n = BIO_read(from, tmp, sizeof(tmp))) > 0) {
        buf_add(&w->stream[dir], tmp, (size_t)n);
        assert_int_equal(BIO_write(to, tmp, n), n);
        if (w->nev == w->capev) {
            w->capev = w->capev ? w->capev * 2 : 64;
            w->ev_end = realloc(w->ev_end, w->capev * sizeof(*w->ev_end));
            w->ev_dir = realloc(w->ev_dir, w->capev * sizeof(*w->ev_dir));
            assert_non_null(w->ev_end);
            assert_non_null(w->ev_dir);
        }
        w->ev_end[w->nev] = w->stream[dir].n;
        w->ev_dir[w->nev] = dir;
        w->nev++;
        moved = true;
    }
    return moved;
}

typedef struct pair {
    SSL *c, *s;
    BIO *c_out, *c_in, *s_out, *s_in;
} pair;

/* Shuttle bytes both ways, driving both handshakes, until nothing moves. */
static void pump(wire *w, pair *p)
{
    for (int i = 0; i < 200; i++) {
        bool moved = wire_move(w, p->c_out, p->s_in, C2S);
        moved |= wire_move(w, p->s_out, p->c_in, S2C);
        if (!moved)
            return;
        if (!SSL_is_init_finished(p->c))
            (void)SSL_do_handshake(p->c);
        if (!SSL_is_init_finished(p->s))
            (void)SSL_do_handshake(p->s);
    }
    fail_msg("pump did not settle");
}

/* A self-signed certificate for key (CN=localhost, valid for the hour around now). */
static X509 *self_signed(EVP_PKEY *key)
{
    X509 *c = X509_new();
    assert_non_null(c);
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600);
    X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(c, name);
    assert_true(X509_sign(c, key, EVP_sha256()) > 0);
    return c;
}

static void read_all(SSL *ssl, buf *into)
{
    uint8_t tmp[4096];
    int n;
    while ((n = SSL_read(ssl, tmp, sizeof(tmp))) > 0)
        buf_add(into, tmp, (size_t)n);
}

#endif
