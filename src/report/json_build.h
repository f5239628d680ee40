/*
 * json_build.h — the cJSON trees both JSON renderers build (the connection
 * object in report_json.c, the summary in summary_json.c), cheaply: every
 * node and every short-lived string comes from a scratch arena (reset after
 * printing, never freed node by node, so a tree is never given to
 * cJSON_Delete), member keys are literals that outlive the tree
 * (cJSON_AddItemToObjectCS), numbers and times are formatted once by
 * fastfmt and added as raw items.
 *
 * Strings have one way in: jb_str. It makes the output valid UTF-8 (a string
 * that is not plain ASCII goes through esc_utf8_sanitize; cJSON escapes
 * control characters) and copies only what it must: a string cJSON would
 * print unchanged becomes a raw item quoted in the arena (one memcpy instead
 * of cJSON's byte-by-byte escaping), another plain-ASCII string is referenced
 * (JB_BORROW) or copied into the arena (JB_COPY), the rest is sanitised into
 * the arena. No per-string malloc stays behind.
 *
 * Building reads straight: on OOM the builder's flag is set and NULL is
 * returned, and a NULL parent makes every call a no-op.
 */
#ifndef MTLS_REPORT_JSON_BUILD_H
#define MTLS_REPORT_JSON_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "compiler.h"
#include "fastfmt.h"
#include "scratch.h"

/* The schema of every object the JSON reporter writes ("connection" and
 * "summary"); docs/json-schema.md. */
#define JSON_SCHEMA_VERSION "3.1"
#define JSON_ECS_VERSION "8.11.0" /* the Elastic Common Schema the ECS fields follow (ecs.version) */

typedef struct jb {
    scratch *sc;          /* where nodes and copied strings come from */
    fastfmt_clock *clock; /* the last second formatted; may be NULL */
    bool oom;             /* set by the first failure */
} jb;

/* Whether jb_str's s outlives the printing of the tree. */
typedef enum jb_own {
    JB_BORROW, /* it does (the session's, the analysis', static names): referenced when it can be */
    JB_COPY    /* a buffer of the caller's: always copied into the arena */
} jb_own;

/* A node of the given type under parent: a member named key (a literal that
 * outlives the tree) or, with key NULL, the next array element. text is the
 * string or raw text, used as is (it must outlive the printing). NULL (and
 * b->oom) on OOM; NULL when parent is NULL. */
cJSON *jb_node(jb *b, cJSON *parent, const char *key, int type, const char *text);

static inline cJSON *jb_obj(jb *b, cJSON *parent, const char *key)
{
    return jb_node(b, parent, key, cJSON_Object, NULL);
}

static inline cJSON *jb_arr(jb *b, cJSON *parent, const char *key)
{
    return jb_node(b, parent, key, cJSON_Array, NULL);
}

static inline void jb_bool(jb *b, cJSON *o, const char *key, bool v)
{
    (void)jb_node(b, o, key, v ? cJSON_True : cJSON_False, NULL);
}

/* The one way to add a string: member key of o (key NULL: the next element
 * of the array o). s == NULL adds nothing. See the top of this file. */
void jb_str(jb *b, cJSON *o, const char *key, const char *s, jb_own own);

/* A hex string (fingerprint, serial number) in uppercase, as ECS spells
 * them: every fingerprint of a document in one case. NULL or "" adds
 * nothing (absent rather than empty); at most 128 digits are kept. */
void jb_hex(jb *b, cJSON *o, const char *key, const char *hex);

/* ECS observer.* of a live capture: observer.hostname (NULL: left out),
 * observer.ingress.interface.name, observer.type "sensor". */
void jb_observer(jb *b, cJSON *root, const char *hostname, const char *iface);

/* Raw JSON text (a number), the n bytes at txt copied into the arena. */
void jb_raw(jb *b, cJSON *o, const char *key, const char *txt, size_t n);

/* Integers in decimal (fastfmt), as raw items. */
void jb_u64(jb *b, cJSON *o, const char *key, uint64_t v);
void jb_i64(jb *b, cJSON *o, const char *key, int64_t v);

/* A number cJSON prints (as cJSON_AddNumberToObject would: "%d" when it is
 * an int, else the shortest of %1.15g / %1.17g that reads back). */
void jb_number(jb *b, cJSON *o, const char *key, double v);

/* An RFC 3339 UTC time with microseconds (fastfmt_time with b->clock), a string. */
void jb_time(jb *b, cJSON *o, const char *key, uint64_t ts_us);

#endif
