/* rtl8139 C+ receive checksum offload: with RxChkSum set in the C+
 * command register, the last descriptor of a frame tells its protocol
 * (PID1:PID0 = 01 TCP/IPv4, 10 UDP/IPv4, 11 other IPv4, 00 not IPv4) and
 * whether the IP header (IPF) and the TCP (TCPF) or UDP (UDPF) checksum
 * failed.  Linux's 8139cp trusts a TCP or UDP frame without its failure
 * bit, so it no longer sums every received byte itself. */
#include "hw/net/rtl8139-int.h"
#include "hw/core/net-checksum.h"

#define PID_TCP  (1u << 16)
#define PID_UDP  (2u << 16)
#define PID_IP   (3u << 16)
#define IPF      (1u << 15)
#define UDPF     (1u << 14)
#define TCPF     (1u << 13)

uint32_t rtl8139_rx_csum(const Rtl8139 *s, const uint8_t *f, size_t len)
{
    if (!(rtl_r16(s, RTL_CPCR) & RTL_CPCR_RXCSUM) || len < 14 + 20 ||
        net_get16(f + 12) != 0x0800 || f[14] >> 4 != 4)
        return 0;
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if (ihl < 20 || 14 + ihl > len)
        return PID_IP | IPF;
    uint32_t bits = net_csum_finish(net_csum_add(0, ip, ihl)) ? IPF : 0;
    bool fragment = net_get16(ip + 6) & 0x3fff;
    if (ip[9] == 6 && !fragment)
        return bits | PID_TCP | (net_frame_csum_ok(f, len) ? 0 : TCPF);
    if (ip[9] == 17 && !fragment)
        return bits | PID_UDP | (net_frame_csum_ok(f, len) ? 0 : UDPF);
    return bits | PID_IP;
}
