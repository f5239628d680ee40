/*
 * keylog.h — NSS key log ("SSLKEYLOGFILE") parsing and lookup by client random.
 *
 * Every line is `LABEL <client_random hex, 64 digits> <secret hex>`; '#'
 * comments and blank lines are skipped, "\r\n" endings accepted. Known labels:
 *   CLIENT_RANDOM                      TLS 1.0-1.2 master secret (48 bytes)
 *   CLIENT_EARLY_TRAFFIC_SECRET        TLS 1.3 (32 or 48 bytes)
 *   CLIENT_HANDSHAKE_TRAFFIC_SECRET    TLS 1.3
 *   SERVER_HANDSHAKE_TRAFFIC_SECRET    TLS 1.3
 *   CLIENT_TRAFFIC_SECRET_0            TLS 1.3
 *   SERVER_TRAFFIC_SECRET_0            TLS 1.3
 *   EXPORTER_SECRET                    TLS 1.3
 * Well-formed lines with any other label (RSA, EARLY_EXPORTER_SECRET, ...) are
 * counted as unknown and ignored. Malformed lines are counted (with the first
 * few line numbers kept) and are never fatal.
 *
 * Secrets are grouped per session: one keylog_entry per 32-byte client random,
 * found with keylog_find() through an open-addressing hash table.
 */
#ifndef MTLS_KEYLOG_H
#define MTLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "dx_result.h"

/* Index into keylog_entry.secret[]; bit (1u << kind) in keylog_entry.present. */
typedef enum keylog_kind {
    KEYLOG_MASTER_SECRET = 0,        /* CLIENT_RANDOM */
    KEYLOG_CLIENT_EARLY_TRAFFIC,     /* CLIENT_EARLY_TRAFFIC_SECRET */
    KEYLOG_CLIENT_HANDSHAKE_TRAFFIC, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_SERVER_HANDSHAKE_TRAFFIC, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_CLIENT_TRAFFIC_0,         /* CLIENT_TRAFFIC_SECRET_0 */
    KEYLOG_SERVER_TRAFFIC_0,         /* SERVER_TRAFFIC_SECRET_0 */
    KEYLOG_EXPORTER,                 /* EXPORTER_SECRET */
    KEYLOG__KINDS
} keylog_kind;

#define KEYLOG_RANDOM_LEN 32
#define KEYLOG_SECRET_MAX 48
#define KEYLOG_MAX_SESSIONS (1u << 20) /* cap: sessions beyond it are counted in dropped */
#define KEYLOG_MAX_LINE 1024           /* longer lines are malformed */
#define KEYLOG_BAD_LINES_KEPT 8

typedef struct keylog_secret {
    uint8_t len; /* 0 when absent; 48 for the master secret; 32 or 48 for TLS 1.3 */
    uint8_t bytes[KEYLOG_SECRET_MAX];
} keylog_secret;

/* Everything the key log knows about one session. */
typedef struct keylog_entry {
    uint8_t client_random[KEYLOG_RANDOM_LEN];
    uint32_t present; /* bit (1u << keylog_kind) set when secret[kind] is known */
    keylog_secret secret[KEYLOG__KINDS];
} keylog_entry;

static inline bool keylog_entry_has(const keylog_entry *e, keylog_kind k)
{
    return e && (unsigned)k < KEYLOG__KINDS && (e->present & (1u << k)) != 0;
}

/* Counters for one input: a file (keylog_load_file) or a buffer
 * (keylog_add_buffer). */
typedef struct keylog_stats {
    size_t lines;         /* lines seen (including comments and blanks) */
    size_t secrets;       /* secret lines accepted (new or identical repeats) */
    size_t skipped;       /* comments and blank lines */
    size_t unknown_label; /* well-formed lines with a label we do not use */
    size_t malformed;     /* lines that do not parse */
    size_t conflicts;     /* a known secret replaced by a different value (last wins) */
    size_t dropped;       /* secrets for new sessions refused by KEYLOG_MAX_SESSIONS */
    size_t bad_lines[KEYLOG_BAD_LINES_KEPT]; /* 1-based numbers of the first malformed lines */
    size_t bad_lines_n;   /* how many of bad_lines[] are filled */
} keylog_stats;

/* Return codes of the keylog_* functions that return int (the outcome of
 * each line is in the counters: skipped, malformed, dropped). */
enum keylog_rc {
    KEYLOG_OK = 0,             /* input read (malformed lines only count) */
    KEYLOG_SKIPPED = 1,        /* a line: comment, blank line or unknown label; nothing stored */
    KEYLOG_ERR_MALFORMED = -1, /* a line that does not parse; add_buffer: no keylog, or NULL bytes */
    KEYLOG_ERR_NOMEM = -2,     /* out of memory */
    KEYLOG_ERR_IO = -3,        /* load_file: the file cannot be opened or read (errno kept) */
    KEYLOG_ERR_FULL = -4,      /* a line for a new session past KEYLOG_MAX_SESSIONS (counted in dropped) */
};

/* One parsed line, views into the caller's line bytes. */
typedef struct keylog_line {
    bool is_secret;           /* false: comment or blank line (nothing else is set) */
    bool known;               /* label is one of keylog_kind */
    keylog_kind kind;         /* valid when known */
    const uint8_t *label;     /* label view, label_len bytes */
    size_t label_len;
    uint8_t client_random[KEYLOG_RANDOM_LEN];
    uint8_t secret[KEYLOG_SECRET_MAX];
    size_t secret_len;        /* only set when known (unknown labels may carry longer values) */
} keylog_line;

/*
 * Pure line parser (no state, no allocation): parses one line without its
 * '\n' (a trailing '\r' is accepted). Fields are separated by runs of spaces or
 * tabs. Returns dx_ok() for a secret line, a comment or a blank line (see
 * out->is_secret), or dx_malformed(DXE_KEYLOG_LINE, offset-in-line) for a bad
 * label, non-hex or wrong-length random/secret, missing or extra fields, or a
 * line longer than KEYLOG_MAX_LINE. Unknown labels (e.g. "RSA <8-byte id>
 * <premaster>", OpenSSL 3.0's "CLIENT_TRAFFIC_SECRET_N") parse fine with
 * known = false when both value fields are non-empty even-length hex;
 * client_random is then not set.
 */
dx_result keylog_parse_line(const uint8_t *line, size_t len, keylog_line *out) MTLS_WARN_UNUSED;

typedef struct keylog keylog;

/* An empty key log; NULL when out of memory. Free with keylog_free(). */
keylog *keylog_new(void);
/* NULL is a no-op. Wipes the secrets before freeing them. */
void keylog_free(keylog *kl);

/*
 * Add a whole key log held in memory (a file's contents or a pcapng Decryption
 * Secrets Block of type TLS_KEY_LOG 0x544c534b): split on '\n', each line
 * parsed with keylog_parse_line() and its secret stored; a missing final
 * newline is fine, NUL bytes make their line malformed. A later line for the
 * same (client random, label) replaces the earlier one (a conflict when the
 * value differs). st (may be NULL) receives this buffer's counters, its line
 * numbers counted from 1. Returns KEYLOG_OK unless out of memory
 * (KEYLOG_ERR_NOMEM) or kl is NULL (KEYLOG_ERR_MALFORMED); malformed lines
 * only count.
 */
int keylog_add_buffer(keylog *kl, const uint8_t *buf, size_t len, keylog_stats *st) MTLS_WARN_UNUSED;

/*
 * Read a key log file (--keylog, or $SSLKEYLOGFILE through the command line),
 * as keylog_add_buffer() of its contents. st (may be NULL) receives this
 * file's counters. Returns KEYLOG_OK (even with malformed lines),
 * KEYLOG_ERR_IO when the file cannot be opened or read, KEYLOG_ERR_NOMEM.
 */
int keylog_load_file(keylog *kl, const char *path, keylog_stats *st) MTLS_WARN_UNUSED;

/* All secrets known for this client random, or NULL. The entry stays at its
 * address until keylog_free() (secrets added later for the same random show
 * through it), so a connection may keep the pointer. */
const keylog_entry *keylog_find(const keylog *kl, const uint8_t client_random[KEYLOG_RANDOM_LEN]);
/* keylog_find() also searches `fallback` (not owned; NULL for none) when a
 * client random is not in kl: a --threads worker's own secrets over the key
 * log every worker shares. */
void keylog_set_fallback(keylog *kl, const keylog *fallback);

/*
 * A key log file that is still being written (a live capture, or a capture read
 * from a pipe, while the client appends to SSLKEYLOGFILE): read as it grows,
 * as Wireshark does. Each poll stats the file and reads only the complete new
 * lines (up to the last '\n') since the previous poll; a file that shrank or
 * was replaced (another inode) is read again from its start (secrets already
 * read stay). A file that does not exist (yet) holds nothing.
 */
typedef struct keylog_watch keylog_watch;

/* Watch path from byte `offset` on (0: from the start): NULL when out of memory. */
keylog_watch *keylog_watch_new(const char *path, uint64_t offset) MTLS_WARN_UNUSED;
/* NULL is a no-op. */
void keylog_watch_free(keylog_watch *w);
/*
 * Read what the file gained since the last poll into kl. Without force, polls
 * closer than 20 ms (monotonic clock) to the previous one return at once (a
 * session waiting for its keys polls at each of its records). *out_new (may be
 * NULL) receives the number of secret lines read by this poll; st (may be
 * NULL) accumulates the counters (line numbers counted from the file's start).
 * Returns KEYLOG_OK (also when the file is absent or did not change),
 * KEYLOG_ERR_IO when it exists but cannot be read, KEYLOG_ERR_NOMEM.
 */
int keylog_watch_poll(keylog_watch *w, keylog *kl, bool force, size_t *out_new, keylog_stats *st) MTLS_WARN_UNUSED;
/* The byte offset read up to (the end of the last complete line). */
uint64_t keylog_watch_offset(const keylog_watch *w);

/* The entry's secrets as key log text, one NSS line per known secret
 * ("LABEL <random hex> <secret hex>\n"), malloc'd, length in *len; NULL when
 * e is NULL, holds nothing, or out of memory. */
char *keylog_entry_format(const keylog_entry *e, size_t *len) MTLS_WARN_UNUSED;

/* NSS label of a kind ("CLIENT_RANDOM", ...); "unknown" when out of range. */
const char *keylog_kind_label(keylog_kind k);

#endif
