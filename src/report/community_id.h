/*
 * community_id.h — the Community ID v1 of a TCP flow (ECS
 * network.community_id): "1:" + base64(SHA-1(seed, lower endpoint, higher
 * endpoint, protocol 6, padding, ports)), the same in both directions, as
 * Zeek and Suricata compute it, so a connection here joins their records.
 */
#ifndef MTLS_COMMUNITY_ID_H
#define MTLS_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define COMMUNITY_ID_MAX 32 /* "1:" + 28 base64 characters + NUL */

/* Write the ID of the TCP flow a <-> b with seed into out (COMMUNITY_ID_MAX
 * bytes): out, or NULL when the endpoints' families differ or are unknown. */
const char *community_id_tcp(const endpoint_t *a, const endpoint_t *b, uint16_t seed, char out[COMMUNITY_ID_MAX]);

#endif
