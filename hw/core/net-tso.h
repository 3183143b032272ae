/* Segmentation of large TCP/IPv4 sends (what a NIC's TSO does): a frame
 * whose TCP payload exceeds the MSS is cut into MSS-sized segments, each
 * with a copy of the headers whose IP length, IP ID, TCP sequence number,
 * flags and checksums are fixed, for backends that take only frames of
 * the wire's size (user networking, sockets, hubs). */
#ifndef KEMU_NET_TSO_H
#define KEMU_NET_TSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*NetTsoEmit)(void *opaque, const uint8_t *frame, size_t len);

/* Cut frame f (Ethernet, optionally one VLAN tag, IPv4 without fragments,
 * TCP) into segments of at most mss payload bytes and hand each to emit.
 * The headers are parsed from the frame itself, never taken from a
 * driver's hint.  Returns the number of segments, or -1 (nothing sent)
 * when the frame is not such a packet, its lengths are inconsistent, or
 * mss is 0: a bogus large send is dropped. */
/* Whether net_tso4_segment would take f: what a backend that segments
 * large sends itself may be handed. */
bool net_tso4_ok(const uint8_t *f, size_t len, unsigned mss);
int net_tso4_segment(const uint8_t *f, size_t len, unsigned mss, NetTsoEmit emit,
                     void *opaque);

#endif
