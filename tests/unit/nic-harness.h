/* The network card tests' board: the CPU-less board with a PCI host
 * bridge and one card whose netdev is a recording wire, found on the bus
 * by its IDs; the headers of the TCP/UDP frames the tests send, and
 * guest-memory access for the rings they lay out. */
#ifndef KEMU_TEST_NIC_HARNESS_H
#define KEMU_TEST_NIC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/net.h"

#define WIRE_KEEP 16            /* frames kept one by one */
#define WIRE_FRAME 2048         /* bytes kept of each */

/* The other end of the wire: what the card sent. */
typedef struct Wire {
    NetClient *nc;              /* net_send(wire.nc, ...) reaches the card */
    int n;                      /* frames sent, all told */
    uint8_t frame[WIRE_KEEP][WIRE_FRAME];   /* the first WIRE_KEEP */
    size_t len[WIRE_KEEP];      /* their whole lengths */
    uint8_t last[WIRE_FRAME];   /* the latest frame */
    size_t last_len;
    void (*on_frame)(void);     /* runs for every frame, if set */
    /* A gso wire (nic_board's gso) takes large sends whole, as a tap
     * with vnet_hdr=on: how many, the last one's header and length. */
    int ngso;
    uint8_t gso_hdr[10];
    size_t gso_len;
} Wire;

extern Wire wire;

/* Record a frame as the wire does (for code that hands frames to a
 * callback rather than a netdev); forget what was recorded. */
void wire_record(const uint8_t *buf, size_t len);
void wire_forget(void);

/* A fresh board with an i440FX host bridge and the card `model` (its
 * properties `props` after netdev=) on a fresh, empty wire, reset; the
 * card's PCI slot, found by its vendor and device ID (vendor in the low
 * half).  Ends the test, failed, if the card is not on the bus. */
int nic_board(const char *model, const char *props, uint32_t id, bool gso);

/* Test frames: an Ethernet II header (macs: 12 bytes, destination then
 * source) and an IPv4 header of 20 bytes (TTL 64, the ID and protocol
 * given, addrs: 8 bytes, source then destination; its checksum left 0)
 * for l4len bytes behind it, at f; then the TCP header (20 bytes, the
 * flags and window given) or UDP header for it, at f + 34. */
void eth_ipv4(uint8_t *f, const char *macs, const char *addrs, uint8_t proto, uint16_t id,
              size_t l4len);
void tcp_header(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                uint16_t window);
void udp_header(uint8_t *f, uint16_t sport, uint16_t dport, uint16_t len);

/* Guest memory of the board. */
/* The Ethernet CRC one bit at a time, straight from the polynomial: the
 * reference the table-driven and folded net_crc32 must agree with. */
uint32_t crc32_bitwise(const uint8_t *p, size_t len);

void poke(uint64_t a, const void *p, size_t n);
void peek(uint64_t a, void *p, size_t n);

#endif
