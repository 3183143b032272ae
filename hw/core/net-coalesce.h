/* Receive coalescing of TCP/IPv4 segments (what a NIC's large receive
 * offload does): consecutive full-sized segments of one flow, as a host
 * stack sends a bulk transfer, are joined into one large segment with a
 * correct IP header and TCP checksum, for a driver that takes large
 * segments (virtio-net's GUEST_TSO4) and so handles one packet where it
 * would have handled dozens.  Only plain data segments join: IPv4 without
 * options or fragments, TCP with ACK (and PSH) only, checksums correct,
 * the same addresses, ports, acknowledgment and options, and in-order
 * sequence numbers; whatever else arrives ends the run. */
#ifndef KEMU_NET_COALESCE_H
#define KEMU_NET_COALESCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_COALESCE_MAX 65535      /* an IPv4 packet's limit, with Ethernet */

typedef struct NetCoalesce {
    uint8_t buf[14 + NET_COALESCE_MAX];
    size_t len;                     /* 0: nothing held */
    size_t hdr;                     /* Ethernet + IP + TCP header bytes */
    uint16_t mss;                   /* payload of the first segment */
    unsigned segs;
    uint32_t next_seq;
    bool closed;                    /* a short or PSH segment ended the run */
} NetCoalesce;

/* Hold frame f as the start of a run: false (nothing held) if it is not a
 * segment that may join.  Only with nothing held. */
bool net_coalesce_start(NetCoalesce *c, const uint8_t *f, size_t len);
/* Add f to the held run: false (run unchanged) if it does not continue it. */
bool net_coalesce_append(NetCoalesce *c, const uint8_t *f, size_t len);
/* Fix the held run's IP length and checksums: the frame to deliver is
 * c->buf, c->len bytes; more than one segment when c->segs > 1 (then a
 * large segment of c->mss-byte pieces). */
void net_coalesce_finish(NetCoalesce *c);

#endif
