/*
 * test_keylog.c — NSS key log parsing: valid lines for every label, comments,
 * malformed lines (counted with line numbers, never fatal), lookups, files,
 * buffers and a truncation sweep (test_tls_decrypt feeds it key logs written
 * by real OpenSSL; tests/e2e/keylog_env.test.sh reads one from $SSLKEYLOGFILE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "keylog.h"

#define CR1 "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
#define CR2 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define CR3 "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
#define S32 "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define S48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"

static void random_bytes(const char *hex, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* One line (or several, '\n'-separated) added as a buffer: its counters. */
static keylog_stats add(keylog *kl, const char *text)
{
    keylog_stats st;
    assert_int_equal(keylog_add_buffer(kl, (const uint8_t *)text, strlen(text), &st), KEYLOG_OK);
    return st;
}

static void test_parse_line_grammar(void **state)
{
    (void)state;
    keylog_line ln;
    const char *ok_lines[] = {
        "CLIENT_RANDOM " CR1 " " S48,
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR1 " " S32,
        "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR1 " " S48,
        "CLIENT_TRAFFIC_SECRET_0 " CR1 " " S32,
        "SERVER_TRAFFIC_SECRET_0 " CR1 " " S32,
        "EXPORTER_SECRET " CR1 " " S32,
        "CLIENT_EARLY_TRAFFIC_SECRET " CR1 " " S32,
        "CLIENT_RANDOM\t" CR1 "  " S48 "\r",            /* tabs, double space, CRLF */
        "  CLIENT_RANDOM " CR1 " " S48 "  ",            /* leading/trailing blanks */
        "CLIENT_RANDOM " "CB34ECB1E78163BA1C38C6DACB196A6DFFA21A8D9912EC18A2EF6283024DECE7" " " S48,
    };
    for (size_t i = 0; i < sizeof(ok_lines) / sizeof(ok_lines[0]); i++) {
        dx_result r = keylog_parse_line((const uint8_t *)ok_lines[i], strlen(ok_lines[i]), &ln);
        assert_int_equal(r.status, DX_OK);
        assert_true(ln.is_secret);
        assert_true(ln.known);
        assert_int_equal(ln.client_random[0], 0xcb);
        assert_int_equal(ln.client_random[31], 0xe7);
    }
    dx_result r = keylog_parse_line((const uint8_t *)ok_lines[0], strlen(ok_lines[0]), &ln);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(ln.kind, KEYLOG_MASTER_SECRET);
    assert_int_equal(ln.secret_len, 48);
    assert_int_equal(ln.secret[47], 0x2f);

    /* comments and blank lines */
    const char *skip[] = {"", "   ", "\r", "# comment", "   # indented comment", "#"};
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        r = keylog_parse_line((const uint8_t *)skip[i], strlen(skip[i]), &ln);
        assert_int_equal(r.status, DX_OK);
        assert_false(ln.is_secret);
    }

    /* unknown labels parse but are not known */
    const char *unknown = "EARLY_EXPORTER_SECRET " CR1 " " S32;
    r = keylog_parse_line((const uint8_t *)unknown, strlen(unknown), &ln);
    assert_int_equal(r.status, DX_OK);
    assert_true(ln.is_secret);
    assert_false(ln.known);
    assert_int_equal(ln.label_len, strlen("EARLY_EXPORTER_SECRET"));
    const char *rsa = "RSA 0011223344556677 " S48; /* RSA lines have an 8-byte key id, not a random */
    r = keylog_parse_line((const uint8_t *)rsa, strlen(rsa), &ln);
    assert_int_equal(r.status, DX_OK);
    assert_false(ln.known);
    const char *rsa_bad = "RSA 00112233445566 zz";
    r = keylog_parse_line((const uint8_t *)rsa_bad, strlen(rsa_bad), &ln);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.offset, 19);

    /* malformed: each with the offset of the offending field */
    struct {
        const char *line;
        size_t off;
    } bad[] = {
        {"CLIENT_RANDOM", 13},                                  /* no random */
        {"CLIENT_RANDOM " CR1, 14 + 64},                        /* no secret */
        {"CLIENT_RANDOM " CR1 " " S48 " extra", 14 + 64 + 1 + 96 + 1},
        {"CLIENT_RANDOM " CR1 " " S32, 14 + 64 + 1},            /* master secret must be 48 */
        {"SERVER_TRAFFIC_SECRET_0 " CR1 " 0011", 24 + 64 + 1},  /* too short */
        {"CLIENT_RANDOM " CR1 "00 " S48, 14},                   /* random 33 bytes */
        {"CLIENT_RANDOM " CR1 "0 " S48, 14},                    /* odd hex */
        {"CLIENT_RANDOM x" CR1 " " S48, 14},                    /* non-hex */
        {"CLIENT_RANDOM " CR1 " " S48 "0", 14 + 64 + 1},        /* odd secret */
        {"client_random " CR1 " " S48, 0},                      /* labels are upper case */
        {"CLIENT-RANDOM " CR1 " " S48, 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = keylog_parse_line((const uint8_t *)bad[i].line, strlen(bad[i].line), &ln);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_KEYLOG_LINE);
        assert_int_equal(r.offset, bad[i].off);
    }
    /* non-hex digit in the middle of the secret points at that digit */
    char line[256];
    snprintf(line, sizeof(line), "CLIENT_RANDOM %s %s", CR1, S48);
    line[14 + 64 + 1 + 10] = 'g';
    r = keylog_parse_line((const uint8_t *)line, strlen(line), &ln);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.offset, 14 + 64 + 1 + 10);
    /* over-long line */
    char *huge = malloc(KEYLOG_MAX_LINE + 2);
    assert_non_null(huge);
    memset(huge, 'A', KEYLOG_MAX_LINE + 1);
    r = keylog_parse_line((const uint8_t *)huge, KEYLOG_MAX_LINE + 1, &ln);
    assert_int_equal(r.status, DX_MALFORMED);
    free(huge);
}

/* Every prefix of a valid line is either malformed or (empty) a blank line. */
static void test_truncation_sweep(void **state)
{
    (void)state;
    const char *full = "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR1 " " S48;
    size_t n = strlen(full);
    keylog_line ln;
    for (size_t len = 0; len < n; len++) {
        dx_result r = keylog_parse_line((const uint8_t *)full, len, &ln);
        if (len == 0) {
            assert_int_equal(r.status, DX_OK);
            assert_false(ln.is_secret);
        } else if (len == strlen("SERVER_HANDSHAKE_TRAFFIC_SECRET ") + 64 + 1 + 64) {
            /* a 32-byte secret is also valid for TLS 1.3 labels */
            assert_int_equal(r.status, DX_OK);
            assert_int_equal(ln.secret_len, 32);
        } else {
            assert_int_equal(r.status, DX_MALFORMED);
        }
    }
    assert_int_equal(keylog_parse_line((const uint8_t *)full, n, &ln).status, DX_OK);
}

static void test_table_and_stats(void **state)
{
    (void)state;
    keylog *kl = keylog_new();
    assert_non_null(kl);
    uint8_t cr1[32], cr2[32], cr3[32];
    random_bytes(CR1, cr1);
    random_bytes(CR2, cr2);
    memset(cr3, 0x5a, sizeof(cr3));
    assert_null(keylog_find(kl, cr1));

    assert_int_equal(add(kl, "CLIENT_RANDOM " CR1 " " S48).secrets, 1);
    assert_int_equal(add(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S32).secrets, 1);
    assert_int_equal(add(kl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S48).secrets, 1);
    assert_int_equal(add(kl, "# hello").skipped, 1);
    assert_int_equal(add(kl, "EARLY_EXPORTER_SECRET " CR3 " " S32).unknown_label, 1);
    assert_int_equal(add(kl, "CLIENT_RANDOM nothex").malformed, 1);
    /* identical repeat: no conflict; different value: conflict, last wins */
    keylog_stats st = add(kl, "CLIENT_RANDOM " CR1 " " S48);
    assert_int_equal(st.secrets, 1);
    assert_int_equal(st.conflicts, 0);
    st = add(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S48);
    assert_int_equal(st.secrets, 1);
    assert_int_equal(st.conflicts, 1);

    /* two sessions: the unknown label stored nothing for its random */
    const keylog_entry *e1 = keylog_find(kl, cr1);
    assert_non_null(e1);
    assert_memory_equal(e1->client_random, cr1, 32);
    assert_true(keylog_entry_has(e1, KEYLOG_MASTER_SECRET));
    assert_false(keylog_entry_has(e1, KEYLOG_SERVER_HANDSHAKE_TRAFFIC));
    assert_int_equal(e1->secret[KEYLOG_MASTER_SECRET].len, 48);
    assert_int_equal(e1->secret[KEYLOG_MASTER_SECRET].bytes[1], 0x01);

    const keylog_entry *e2 = keylog_find(kl, cr2);
    assert_non_null(e2);
    assert_int_equal(e2->present, (1u << KEYLOG_SERVER_HANDSHAKE_TRAFFIC) | (1u << KEYLOG_CLIENT_HANDSHAKE_TRAFFIC));
    assert_int_equal(e2->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC].len, 48);
    assert_null(keylog_find(kl, cr3));
    assert_false(keylog_entry_has(NULL, KEYLOG_MASTER_SECRET));

    /* the same lines as one buffer: counted line by line */
    keylog *k2 = keylog_new();
    st = add(k2, "CLIENT_RANDOM " CR1 " " S48 "\n"
                 "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S32 "\n"
                 "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S48 "\n"
                 "# hello\n"
                 "EARLY_EXPORTER_SECRET " CR3 " " S32 "\n"
                 "CLIENT_RANDOM nothex\n"
                 "CLIENT_RANDOM " CR1 " " S48 "\n"
                 "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S48 "\n");
    assert_int_equal(st.lines, 8);
    assert_int_equal(st.secrets, 5);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.unknown_label, 1);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(st.conflicts, 1);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.bad_lines_n, 1);
    assert_int_equal(st.bad_lines[0], 6);
    assert_int_equal(keylog_find(k2, cr2)->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC].len, 48); /* last wins */
    keylog_free(k2);
    assert_string_equal(keylog_kind_label(KEYLOG_CLIENT_TRAFFIC_0), "CLIENT_TRAFFIC_SECRET_0");
    assert_string_equal(keylog_kind_label(KEYLOG__KINDS), "unknown");
    keylog_free(kl);
    keylog_free(NULL);
}

/* Many sessions: the table grows and every one is found. */
static void test_many_sessions(void **state)
{
    (void)state;
    keylog *kl = keylog_new();
    assert_non_null(kl);
    char line[256];
    for (unsigned i = 0; i < 5000; i++) {
        snprintf(line, sizeof(line), "CLIENT_RANDOM %08x%056x " S48, i, i * 7u);
        assert_int_equal(add(kl, line).secrets, 1);
    }
    for (unsigned i = 0; i < 5000; i++) {
        uint8_t cr[32];
        snprintf(line, sizeof(line), "%08x%056x", i, i * 7u);
        random_bytes(line, cr);
        const keylog_entry *e = keylog_find(kl, cr);
        assert_non_null(e);
        assert_memory_equal(e->client_random, cr, 32);
    }
    keylog_free(kl);
}

static char *write_temp(const char *content, size_t len)
{
    char *path = strdup("/tmp/mtls_keylog_XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

/* A truncated and damaged key log file: counted, never fatal. */
static void test_file(void **state)
{
    (void)state;
    const char content[] =
        "# SSL/TLS secrets log file, generated by OpenSSL\n"
        "CLIENT_RANDOM " CR1 " " S48 "\n"
        "\n"
        "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S32 "\r\n"
        "garbage line here\n"
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " 0102\n"
        "CLIENT_TRAFFIC_SECRET_0 " CR2 " " S32 "\n"
        "SERVER_TRAFFIC_SECRET_0 " CR2 " b67b7d690cc16c4e75e5"; /* cut mid-secret, no newline */
    char *path = write_temp(content, sizeof(content) - 1);
    keylog *kl = keylog_new();
    keylog_stats st;
    assert_int_equal(keylog_load_file(kl, path, &st), KEYLOG_OK);
    assert_int_equal(st.lines, 8);
    assert_int_equal(st.secrets, 3);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.malformed, 3);
    assert_int_equal(st.bad_lines_n, 3);
    assert_int_equal(st.bad_lines[0], 5);
    assert_int_equal(st.bad_lines[1], 6);
    assert_int_equal(st.bad_lines[2], 8);
    uint8_t cr2[32];
    random_bytes(CR2, cr2);
    const keylog_entry *e = keylog_find(kl, cr2);
    assert_non_null(e);
    assert_true(keylog_entry_has(e, KEYLOG_SERVER_HANDSHAKE_TRAFFIC));
    assert_true(keylog_entry_has(e, KEYLOG_CLIENT_TRAFFIC_0));
    assert_false(keylog_entry_has(e, KEYLOG_CLIENT_HANDSHAKE_TRAFFIC));
    assert_false(keylog_entry_has(e, KEYLOG_SERVER_TRAFFIC_0));

    /* the same file again: the same counters (line numbers from 1 again), and
     * identical repeats are no conflicts */
    keylog_stats st2;
    assert_int_equal(keylog_load_file(kl, path, &st2), KEYLOG_OK);
    assert_int_equal(st2.lines, 8);
    assert_int_equal(st2.secrets, 3);
    assert_int_equal(st2.malformed, 3);
    assert_int_equal(st2.conflicts, 0);
    assert_int_equal(st2.bad_lines[0], 5);

    unlink(path);
    assert_int_equal(keylog_load_file(kl, path, &st), KEYLOG_ERR_IO);
    assert_int_equal(st.lines, 0);
    assert_int_equal(keylog_load_file(kl, "/", &st), KEYLOG_ERR_IO); /* a directory */
    free(path);

    /* a buffer as from a pcapng Decryption Secrets Block, with a NUL inside */
    const char dsb[] = "CLIENT_RANDOM " CR1 " " S48 "\nCLIENT_RANDOM \0" CR2 "\n";
    keylog *k2 = keylog_new();
    assert_int_equal(keylog_add_buffer(k2, (const uint8_t *)dsb, sizeof(dsb) - 1, &st), KEYLOG_OK);
    assert_int_equal(st.secrets, 1);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(keylog_add_buffer(k2, NULL, 0, &st), KEYLOG_OK);
    assert_int_equal(st.lines, 0);
    assert_int_equal(keylog_add_buffer(k2, NULL, 1, NULL), KEYLOG_ERR_MALFORMED);
    assert_int_equal(keylog_add_buffer(NULL, (const uint8_t *)dsb, 1, &st), KEYLOG_ERR_MALFORMED);
    assert_int_equal(st.lines, 0);
    keylog_free(k2);
    keylog_free(kl);
}

static void append_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* A key log read as it grows (keylog_watch): only complete new lines, from
 * where the last poll stopped; a missing file holds nothing; a truncated or
 * replaced file is read again from its start; unforced polls are rate
 * limited; line numbers run on across polls. */
static void test_watch(void **state)
{
    (void)state;
    char *path = write_temp("", 0);
    unlink(path); /* not written yet */
    keylog *kl = keylog_new();
    keylog_watch *w = keylog_watch_new(path, 0);
    assert_non_null(w);
    size_t added = 99;
    keylog_stats st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(keylog_watch_poll(w, kl, true, &added, &st), KEYLOG_OK);
    assert_int_equal(added, 0);
    uint8_t cr1[32], cr2[32], cr3[32];
    random_bytes(CR1, cr1);
    random_bytes(CR2, cr2);
    random_bytes(CR3, cr3);

    /* a line and a half: the half waits for its newline */
    append_file(path, "CLIENT_RANDOM " CR1 " " S48 "\nCLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " b67b");
    assert_int_equal(keylog_watch_poll(w, kl, true, &added, &st), KEYLOG_OK);
    assert_int_equal(added, 1);
    assert_non_null(keylog_find(kl, cr1));
    assert_null(keylog_find(kl, cr2));
    assert_int_equal(st.malformed, 0);
    uint64_t off = keylog_watch_offset(w);
    assert_int_equal(off, strlen("CLIENT_RANDOM " CR1 " " S48 "\n"));
    /* an unforced poll right after a poll does not look (checked when this
     * machine was fast enough to make it within the 20 ms) */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    append_file(path, "7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n");
    assert_int_equal(keylog_watch_poll(w, kl, false, &added, &st), KEYLOG_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 10000000L)
        assert_int_equal(added, 0);
    size_t got = added;
    usleep(30 * 1000);
    assert_int_equal(keylog_watch_poll(w, kl, false, &added, &st), KEYLOG_OK);
    assert_int_equal(got + added, 1);
    const keylog_entry *e = keylog_find(kl, cr2);
    assert_non_null(e);
    assert_true(keylog_entry_has(e, KEYLOG_CLIENT_HANDSHAKE_TRAFFIC));
    /* unchanged: nothing read */
    assert_int_equal(keylog_watch_poll(w, kl, true, &added, &st), KEYLOG_OK);
    assert_int_equal(added, 0);
    /* a bad line: counted with its line number in the whole file (3) */
    append_file(path, "not a key log line\nSERVER_TRAFFIC_SECRET_0 " CR2 " " S32 "\n");
    assert_int_equal(keylog_watch_poll(w, kl, true, &added, &st), KEYLOG_OK);
    assert_int_equal(added, 1);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(st.bad_lines[0], 3);
    assert_true(keylog_entry_has(e, KEYLOG_SERVER_TRAFFIC_0)); /* the same entry, grown */
    /* replaced by a shorter file (a new client run truncates it): read from its start */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("CLIENT_RANDOM " CR3 " " S48 "\n", f);
    fclose(f);
    assert_int_equal(keylog_watch_poll(w, kl, true, &added, &st), KEYLOG_OK);
    assert_int_equal(added, 1);
    assert_non_null(keylog_find(kl, cr3));
    assert_non_null(keylog_find(kl, cr1)); /* what was read stays */
    /* a watch may start where another reader stopped */
    keylog *k2 = keylog_new();
    keylog_watch *w2 = keylog_watch_new(path, keylog_watch_offset(w));
    append_file(path, "CLIENT_RANDOM " CR1 " " S48 "\n");
    assert_int_equal(keylog_watch_poll(w2, k2, true, &added, NULL), KEYLOG_OK);
    assert_int_equal(added, 1);
    assert_null(keylog_find(k2, cr3));
    assert_non_null(keylog_find(k2, cr1));
    /* unreadable (a directory): an error, not a crash */
    keylog_watch *w3 = keylog_watch_new("/", 0);
    assert_int_equal(keylog_watch_poll(w3, k2, true, &added, NULL), KEYLOG_ERR_IO);
    keylog_watch_free(w3);
    keylog_watch_free(w2);
    keylog_watch_free(NULL);
    keylog_free(k2);
    keylog_watch_free(w);
    keylog_free(kl);
    unlink(path);
    free(path);
}

/* Only the first KEYLOG_BAD_LINES_KEPT malformed line numbers are kept. */
static void test_bad_line_cap(void **state)
{
    (void)state;
    char buf[4096];
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "bad %d\n", i);
    keylog *kl = keylog_new();
    keylog_stats st;
    assert_int_equal(keylog_add_buffer(kl, (const uint8_t *)buf, n, &st), KEYLOG_OK);
    assert_int_equal(st.malformed, 20);
    assert_int_equal(st.bad_lines_n, KEYLOG_BAD_LINES_KEPT);
    for (size_t i = 0; i < KEYLOG_BAD_LINES_KEPT; i++)
        assert_int_equal(st.bad_lines[i], i + 1);
    keylog_free(kl);
}

/* An entry stays where it is while thousands of sessions are added after it
 * (a connection keeps the pointer while secrets stream in), and its secrets
 * format back to the lines they came from. */
static void test_stable_entry_and_format(void **state)
{
    (void)state;
    keylog *kl = keylog_new();
    const char *l1 = "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101010101010101010101010101010101010101010101010101010101010101 "
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const char *l2 = "SERVER_TRAFFIC_SECRET_0 0101010101010101010101010101010101010101010101010101010101010101 "
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    assert_int_equal(add(kl, l1).secrets, 1);
    uint8_t r[KEYLOG_RANDOM_LEN];
    memset(r, 1, sizeof r);
    const keylog_entry *e = keylog_find(kl, r);
    assert_non_null(e);
    char line[256];
    for (int i = 0; i < 5000; i++) {
        snprintf(line, sizeof line, "CLIENT_RANDOM %064x %096x", i + 2, i);
        assert_int_equal(add(kl, line).secrets, 1);
    }
    assert_int_equal(add(kl, l2).secrets, 1);
    assert_ptr_equal(keylog_find(kl, r), e);
    assert_true(keylog_entry_has(e, KEYLOG_SERVER_TRAFFIC_0)); /* added later, seen through the old pointer */
    size_t len = 0;
    char *txt = keylog_entry_format(e, &len);
    assert_non_null(txt);
    char want[512];
    snprintf(want, sizeof want, "%s\n%s\n", l1, l2);
    assert_string_equal(txt, want);
    assert_int_equal(len, strlen(want));
    free(txt);
    assert_null(keylog_entry_format(NULL, &len));
    assert_int_equal(len, 0);
    keylog_free(kl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_line_grammar),
        cmocka_unit_test(test_truncation_sweep),
        cmocka_unit_test(test_table_and_stats),
        cmocka_unit_test(test_many_sessions),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_bad_line_cap),
        cmocka_unit_test(test_stable_entry_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
