/* TCP/IPv4 segmentation offload in software (net-tso.h).  As a NIC does
 * it (and as the host stack's GSO would): every segment carries the
 * first one's headers with IP total length, IP ID (+1 per segment), the
 * sequence number advanced by the payload before it, CWR on the first
 * segment only and FIN/PSH on the last only, and freshly computed IP
 * header and TCP checksums; the driver's partial checksum is ignored. */
#include "hw/core/net-tso.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net.h"
#include "hw/core/util.h"

#include <string.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* Where the IP and TCP headers start and where the payload does; false
 * unless f is an unfragmented IPv4 TCP packet whose headers fit. */
static bool parse(const uint8_t *f, size_t len, size_t *l3, size_t *l4, size_t *hdr)
{
    size_t at = 12;
    if (len >= 18 && net_get16(f + at) == 0x8100)
        at += 4;                /* one VLAN tag */
    if (len < at + 2 + 20 || net_get16(f + at) != 0x0800)
        return false;
    const uint8_t *ip = f + at + 2;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if (ip[0] >> 4 != 4 || ihl < 20 || ip[9] != 6 || (net_get16(ip + 6) & 0x3fff))
        return false;
    *l3 = at + 2;
    *l4 = *l3 + ihl;
    if (*l4 + 20 > len)
        return false;
    size_t thl = (size_t)(f[*l4 + 12] >> 4) * 4;
    *hdr = *l4 + thl;
    return thl >= 20 && *hdr <= len;
}

static void fix_checksums(uint8_t *p, size_t l3, size_t l4, size_t len)
{
    net_put16(p + l3 + 10, 0);
    net_put16(p + l3 + 10, net_csum_finish(net_csum_add(0, p + l3, l4 - l3)));
    net_put16(p + l4 + 16, 0);
    net_put16(p + l4 + 16, net_ipv4_l4_csum(p + l3, l4 - l3, len - l4));
}

bool net_tso4_ok(const uint8_t *f, size_t len, unsigned mss)
{
    size_t l3, l4, hdr;
    return mss && len <= NET_MAX_FRAME && parse(f, len, &l3, &l4, &hdr);
}

int net_tso4_segment(const uint8_t *f, size_t len, unsigned mss, NetTsoEmit emit,
                     void *opaque)
{
    static uint8_t seg[NET_MAX_FRAME];
    size_t l3, l4, hdr;
    if (!net_tso4_ok(f, len, mss) || !parse(f, len, &l3, &l4, &hdr))
        return -1;
    uint32_t seq = net_get32(f + l4 + 4);
    uint16_t id = net_get16(f + l3 + 4);
    uint8_t flags = f[l4 + 13];
    int n = 0;
    size_t off = hdr;
    do {                        /* a bare header (no payload) still goes out once */
        size_t pay = MIN((size_t)mss, len - off);
        bool first = off == hdr, last = off + pay == len;
        memcpy(seg, f, hdr);
        memcpy(seg + hdr, f + off, pay);
        net_put16(seg + l3 + 2, (uint16_t)(hdr - l3 + pay));
        net_put16(seg + l3 + 4, (uint16_t)(id + n));
        net_put32(seg + l4 + 4, seq + (uint32_t)(off - hdr));
        seg[l4 + 13] = (uint8_t)(flags & ~((last ? 0 : TCP_FIN | TCP_PSH) |
                                           (first ? 0 : TCP_CWR)));
        fix_checksums(seg, l3, l4, hdr + pay);
        emit(opaque, seg, hdr + pay);
        off += pay;
        n++;
    } while (off < len);
    return n;
}
