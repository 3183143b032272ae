/* e1000 receive checksum offload (8254x manual 3.2.9, RXCSUM 13.4.48):
 * for an IPv4 frame the card checks the IP header checksum (IPOFL: status
 * IPCS, error IPE when wrong) and, unless the datagram is a fragment, the
 * TCP or UDP checksum (TUOFL: status TCPCS, error TCPE).  Anything else,
 * or both offloads off, is reported with IXSM: "ignore the checksum
 * bits".  Linux's e1000 turns TUOFL on and trusts TCPCS without TCPE. */
#include "hw/net/e1000-int.h"
#include "hw/core/net-checksum.h"

#define ETH_IPV4 0x0800
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

static void check_l4(const uint8_t *ip, size_t ihl, size_t total, uint8_t *status,
                     uint8_t *errors)
{
    uint8_t proto = ip[9];
    uint16_t frag = net_get16(ip + 6);
    size_t l4len = total - ihl;
    if ((frag & (IP_MF | IP_OFFSET)) || (proto != 6 && proto != 17))
        return;
    if ((proto == 6 && l4len < 20) || (proto == 17 && l4len < 8))
        return;
    *status |= E1000_RXD_STAT_TCPCS;
    if (proto == 17 && net_get16(ip + ihl + 6) == 0)
        return;                                 /* UDP without a checksum */
    if (net_ipv4_l4_csum(ip, ihl, l4len) != 0)
        *errors |= E1000_RXD_ERR_TCPE;
}

void e1000_rx_csum(const E1000 *s, const uint8_t *f, size_t len, uint8_t *status,
                   uint8_t *errors)
{
    uint32_t rxcsum = E1000_REG(s, E1000_RXCSUM);
    size_t l3 = 14;
    if (len >= 18 && net_get16(f + 12) == (uint16_t)E1000_REG(s, E1000_VET))
        l3 = 18;                                /* a tag left in the frame */
    const uint8_t *ip = f + l3;
    size_t ihl = l3 + 20 <= len ? (size_t)(ip[0] & 15) * 4 : 0;
    size_t total = ihl ? net_get16(ip + 2) : 0;
    if (!(rxcsum & (E1000_RXCSUM_IPOFL | E1000_RXCSUM_TUOFL)) ||
        net_get16(f + l3 - 2) != ETH_IPV4 || !ihl || ip[0] >> 4 != 4 || ihl < 20 ||
        total < ihl || l3 + total > len) {
        *status |= E1000_RXD_STAT_IXSM;
        return;
    }
    if (rxcsum & E1000_RXCSUM_IPOFL) {
        *status |= E1000_RXD_STAT_IPCS;
        if (net_csum_finish(net_csum_add(0, ip, ihl)) != 0)
            *errors |= E1000_RXD_ERR_IPE;
    }
    if (rxcsum & E1000_RXCSUM_TUOFL)
        check_l4(ip, ihl, total, status, errors);
}
