/* Internet checksums (RFC 1071) and the Ethernet FCS, for the NICs'
 * offloads. */
#ifndef KEMU_NET_CHECKSUM_H
#define KEMU_NET_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sum of big-endian 16-bit words of buf (odd tail padded), added to sum. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
/* Fold a sum to 16 bits and complement it: the value to store. */
uint16_t net_csum_finish(uint32_t sum);
/* The TCP or UDP checksum over an IPv4 packet's payload: the pseudo-header
 * (addresses from ip, protocol ip[9], length l4len) and the l4len bytes at
 * ip + ihl; 0 when the packet carries a correct checksum. */
uint16_t net_ipv4_l4_csum(const uint8_t *ip, size_t ihl, size_t l4len);
/* Whether an untagged Ethernet frame is an unfragmented IPv4 TCP or UDP
 * packet whose IP header and TCP/UDP checksums are correct (a UDP packet
 * without a checksum counts): what a NIC may report as validated. */
bool net_frame_csum_ok(const uint8_t *frame, size_t len);
/* IEEE 802.3 CRC-32 of a frame, as the FCS is sent (little-endian). */
uint32_t net_crc32(const uint8_t *buf, size_t len);
/* The CRC-32 of what crc was computed over followed by buf (crc 0: none
 * before): a frame's FCS over parts that are not side by side. */
uint32_t net_crc32_more(uint32_t crc, const uint8_t *buf, size_t len);
/* Where the host CPU can (net-crc32-fold.c): fold the CRC register reg
 * (already inverted) over a multiple of 16 bytes of buf from its start,
 * leaving in state 16 bytes whose CRC from a zero register is the
 * register after them; returns the bytes consumed, 0 when it did
 * nothing (len under NET_CRC32_FOLD_MIN, or no carry-less multiply). */
#define NET_CRC32_FOLD_MIN 64
size_t net_crc32_fold(uint32_t reg, const uint8_t *buf, size_t len, uint8_t state[16]);

static inline uint16_t net_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t net_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void net_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void net_put32(uint8_t *p, uint32_t v)
{
    net_put16(p, (uint16_t)(v >> 16));
    net_put16(p + 2, (uint16_t)v);
}

#endif
