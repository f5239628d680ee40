/*
 * link.h — link-layer headers, dispatched by libpcap DLT number.
 *
 * Ethernet II (with stacked 802.1Q / 802.1ad / 0x9100 tags), Linux cooked
 * capture v1 and v2, BSD loopback (DLT_NULL host order, DLT_LOOP network
 * order) and the raw-IP link types. The parser says which network layer
 * follows and hands out a cursor over its bytes; it never looks further.
 */
#ifndef MTLS_LINK_H
#define MTLS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "cursor.h"
#include "dx_result.h"

/* libpcap DLT values (the numbers pcap_datalink() returns on Linux). */
#define LINK_DLT_NULL 0
#define LINK_DLT_EN10MB 1
#define LINK_DLT_RAW 12         /* DLT_RAW on Linux and most systems */
#define LINK_DLT_RAW_LT 101     /* LINKTYPE_RAW, as stored in files */
#define LINK_DLT_LOOP 108
#define LINK_DLT_LINUX_SLL 113
#define LINK_DLT_IPV4 228
#define LINK_DLT_IPV6 229
#define LINK_DLT_LINUX_SLL2 276

#define LINK_ETHERTYPE_IPV4 0x0800
#define LINK_ETHERTYPE_IPV6 0x86dd
#define LINK_ETHERTYPE_VLAN 0x8100   /* 802.1Q */
#define LINK_ETHERTYPE_QINQ 0x88a8   /* 802.1ad service tag */
#define LINK_ETHERTYPE_QINQ_OLD 0x9100

/* Most VLAN tags we walk through before calling the frame malformed. */
#define LINK_MAX_VLAN_TAGS 8

typedef enum link_l3 {
    LINK_L3_OTHER = 0, /* not IP (ARP, LLC, unknown address family...) */
    LINK_L3_IPV4,
    LINK_L3_IPV6,
} link_l3;

typedef struct link_info {
    link_l3 l3;
    /* Ethertype of the network layer (after VLAN tags). For BSD loopback and
     * raw IP this is the equivalent ethertype when the layer is IP, else 0. */
    uint16_t ethertype;
    /* BSD loopback: the address family as read (after byte-order fix-up). */
    uint32_t af;
    size_t hdr_len;          /* link header bytes, VLAN tags included */
    unsigned n_vlan;         /* VLAN tags walked through */
    uint16_t vlan_id[LINK_MAX_VLAN_TAGS]; /* 12-bit VIDs, outermost first */
    cur_t l3_cur;            /* captured network-layer bytes (view into the frame) */
    size_t l3_wire_len;      /* network-layer bytes on the wire */
} link_info;

/* True when link_parse() decodes this DLT. */
bool link_supported(int dlt);

/* Short name of a supported DLT ("EN10MB", "LINUX_SLL2", ...) or NULL. */
const char *link_dlt_name(int dlt);

/*
 * Parse the link header of one frame. `c` covers the captured bytes;
 * `wire_len` is the frame's length on the wire (values below the captured
 * length are taken as the captured length).
 *
 * Returns DX_OK with *out filled (out->l3 may be LINK_L3_OTHER: the caller
 * decides to ignore those); DX_UNSUPPORTED/DXE_LINK_UNSUPPORTED for a DLT we
 * do not decode; DX_TRUNCATED when the capture cut the link header;
 * DX_MALFORMED (DXE_SHORT: frame shorter than its header, DXE_TOO_MANY: more
 * than LINK_MAX_VLAN_TAGS tags). out->l3_cur views the frame's bytes.
 */
MTLS_WARN_UNUSED dx_result link_parse(int dlt, cur_t *c, size_t wire_len, link_info *out);

#endif
