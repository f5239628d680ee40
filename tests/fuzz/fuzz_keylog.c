/*
 * fuzz_keylog — NSS key log parsing.
 *
 * Input: key log text. Every '\n'-separated line goes through the pure
 * keylog_parse_line(); the whole input goes through keylog_add_buffer() into a
 * fresh keylog, whose entries are then looked up by the client randoms the
 * line parser reported, and whose counters must add up.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0;
    size_t secret_lines = 0, lines = 0;
    while (start <= size) {
        const uint8_t *nl = start < size ? memchr(data + start, '\n', size - start) : NULL;
        size_t end = nl ? (size_t)(nl - data) : size;
        if (end == start && !nl && start == size && lines > 0)
            break; /* no empty line after a final '\n' */
        lines++;
        keylog_line ln;
        dx_result r = keylog_parse_line(data + start, end - start, &ln);
        fuzz_check_result(r, end - start);
        if (r.status == DX_OK && ln.is_secret) {
            if (!ln.label || ln.label < data + start || ln.label + ln.label_len > data + end)
                __builtin_trap(); /* label view must lie inside the line */
            fuzz_touch(ln.label, ln.label_len);
            if (ln.known) {
                if (ln.secret_len > KEYLOG_SECRET_MAX)
                    __builtin_trap();
                fuzz_sink ^= (uint8_t)keylog_kind_label(ln.kind)[0];
                secret_lines++;
            }
        }
        if (!nl)
            break;
        start = end + 1;
    }

    keylog *kl = keylog_new();
    if (!kl)
        return 0;
    keylog_stats st;
    int rc = keylog_add_buffer(kl, data, size, &st);
    if (rc != KEYLOG_OK && rc != KEYLOG_ERR_NOMEM)
        __builtin_trap();
    if (st.bad_lines_n > KEYLOG_BAD_LINES_KEPT)
        __builtin_trap();
    if (st.malformed + st.secrets + st.skipped + st.unknown_label + st.dropped > st.lines + st.conflicts)
        __builtin_trap();
    if (st.secrets > secret_lines)
        __builtin_trap();
    /* look up the randoms again through the store */
    start = 0;
    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        keylog_line ln;
        dx_result r = keylog_parse_line(data + start, end - start, &ln);
        if (r.status == DX_OK && ln.is_secret && ln.known) {
            const keylog_entry *e = keylog_find(kl, ln.client_random);
            if (!e || !keylog_entry_has(e, ln.kind))
                __builtin_trap(); /* an accepted secret must be found */
        }
        if (!nl)
            break;
        start = end + 1;
    }
    keylog_free(kl);
    return 0;
}
