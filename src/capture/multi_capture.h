/*
 * multi_capture.h — every capture file of the run read as ONE capture, as
 * mergecap merges them: all are opened, and the next packet is always the
 * earliest of the files' next packets (a k-way merge on the timestamp; ties
 * go to the file named first), whatever order the files were named in. So a
 * connection that crosses a file boundary (tcpdump -G / -C rotation) is one
 * connection, and frame numbers run on across the files. Each packet keeps
 * its own file's (or pcapng interface's) link type; the BPF filter is
 * compiled once per link type and applied here.
 */
#ifndef MTLS_MULTI_CAPTURE_H
#define MTLS_MULTI_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "config.h"
#include "file_source.h"

typedef struct multi_capture multi_capture;

/* The files of cfg (input_list.h), each opened and its first packet read.
 * NULL with *err (malloc'd) when a file named cannot be opened or is not a
 * capture, or the filter does not compile: nothing was read then. */
multi_capture *multi_open(const mtls_config *cfg, char **err) MTLS_WARN_UNUSED;
void multi_close(multi_capture *m); /* NULL is a no-op */
/* The next packet of the merged capture (data valid until the next call):
 * 1, or 0 when every file has ended. A file that fails part-way (truncated,
 * damaged, a read error) ends there, the others go on: multi_errors says so. */
int multi_next(multi_capture *m, pcapng_packet *out) MTLS_WARN_UNUSED;
/* The link type of the first packet to come (of the first file when none). */
int multi_first_linktype(const multi_capture *m);
size_t multi_count(const multi_capture *m);
const char *multi_path(const multi_capture *m, size_t i);
uint64_t multi_packets(const multi_capture *m, size_t i); /* delivered (after the filter) so far */
file_source *multi_source(const multi_capture *m, size_t i);
/* A directory or a -V list was given (the summary lists the files even when there is one). */
bool multi_listed(const multi_capture *m);
/* What failed part-way, one sentence per file, NULL when nothing (malloc'd). */
char *multi_errors(const multi_capture *m) MTLS_WARN_UNUSED;

#endif
