/*
 * input_list.h — the capture files a run reads: every -r FILE in order, the
 * capture files of every -r DIR (by name; other files are skipped with a
 * note), and every path of a -V LIST (one per line, as tcpdump -V reads it).
 */
#ifndef MTLS_INPUT_LIST_H
#define MTLS_INPUT_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "config.h"

typedef struct input_list {
    char **paths; /* owned */
    size_t n;
    bool expanded; /* a directory or a list was given: the summary names the files */
} input_list;

/* 0, or -1 with *err (malloc'd): a directory or list that cannot be read or
 * holds no capture, stdin named twice, out of memory. Notes on stderr for the
 * files of a directory that are skipped. */
int input_list_build(const mtls_config *cfg, input_list *out, char **err) MTLS_WARN_UNUSED;
void input_list_cleanup(input_list *l);

#endif
