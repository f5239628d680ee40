/*
 * export.h — -w FILE: the packets of every reported connection, written as
 * pcapng with the TLS secrets used for them, so the person who opens the
 * capture next sees it decrypted with no key log. Packets are kept per flow
 * until the connection ends; a reported connection's packets are written then
 * (its Decryption Secrets Block first), the others dropped. Connections are
 * therefore grouped in the file in the order they ended.
 */
#ifndef MTLS_EXPORT_H
#define MTLS_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "flow.h"
#include "keylog.h"
#include "session.h"

typedef struct exporter exporter;

/* Open path for the capture's link type; NULL with *err. Memory kept for
 * packets: at most max_per_flow bytes per flow, max_total in all. */
exporter *exporter_open(const char *path, int dlt, uint32_t snaplen, size_t max_per_flow, size_t max_total,
                        char **err) MTLS_WARN_UNUSED;
/* Keep a copy of one packet of flow f: of link type dlt, frame number frame in this run. */
void exporter_keep(exporter *x, flow_t *f, int dlt, uint64_t frame, uint64_t ts_us, const uint8_t *data,
                   size_t caplen, size_t wirelen);
/* Write f's kept packets, after the secrets keys holds for s (keys may be NULL):
 * every packet with its frame number as its packet id, the first with the
 * comment "mtlsdump connection #ID: VERDICT". */
void exporter_write(exporter *x, flow_t *f, const session_t *s, const char *verdict, const keylog *keys);
/* Drop what is kept for f (written or not). */
/* A write to the file failed (ENOSPC, EIO, ...): the run should stop;
 * exporter_close says why. False for NULL. */
bool exporter_failed(const exporter *x);
void exporter_forget(exporter *x, flow_t *f);
/* Close the file; 0 or -1 with *err. NULL is a no-op. Counts for --stats. */
int exporter_close(exporter *x, uint64_t *connections, uint64_t *packets, char **err) MTLS_WARN_UNUSED;

#endif
