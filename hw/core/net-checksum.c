#include "hw/core/net-checksum.h"

#include <pthread.h>

/* Four bytes at a time into 64 bits: a big-endian 32-bit word is its two
 * 16-bit halves modulo 0xffff, so the folded result is the same sum, at a
 * fraction of the cost for the frames every received packet is checked on. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 4 <= len; i += 4)
        acc += net_get32(buf + i);
    for (; i + 1 < len; i += 2)
        acc += net_get16(buf + i);
    if (i < len)
        acc += (uint32_t)buf[i] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

uint16_t net_csum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t net_ipv4_l4_csum(const uint8_t *ip, size_t ihl, size_t l4len)
{
    uint8_t pseudo[4] = { 0, ip[9], (uint8_t)(l4len >> 8), (uint8_t)l4len };
    uint32_t sum = net_csum_add(0, ip + 12, 8);
    sum = net_csum_add(sum, pseudo, 4);
    return net_csum_finish(net_csum_add(sum, ip + ihl, l4len));
}

bool net_frame_csum_ok(const uint8_t *f, size_t len)
{
    if (len < 14 + 20 || net_get16(f + 12) != 0x0800)
        return false;
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = net_get16(ip + 2);
    if (ip[0] >> 4 != 4 || ihl < 20 || total < ihl || 14 + total > len ||
        (net_get16(ip + 6) & 0x3fff))           /* MF or an offset: a fragment */
        return false;
    uint8_t proto = ip[9];
    size_t l4len = total - ihl;
    if ((proto != 6 || l4len < 20) && (proto != 17 || l4len < 8))
        return false;
    if (net_csum_finish(net_csum_add(0, ip, ihl)) != 0)
        return false;
    if (proto == 17 && net_get16(ip + ihl + 6) == 0)
        return true;
    return net_ipv4_l4_csum(ip, ihl, l4len) == 0;
}

/* Slicing by eight (eight tables, eight bytes per step): the FCS of every
 * received frame is computed for the NICs that deliver it, and a byte at
 * a time it was the largest single cost of a download under TCG.  Where
 * the host can fold (net-crc32-fold.c) the tables finish only the last
 * 16..31 bytes. */
static uint32_t crc_table[8][256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = crc_table[0][crc_table[t - 1][i] & 0xff] ^
                              (crc_table[t - 1][i] >> 8);
}

/* The register after buf, from reg (no inversions). */
static uint32_t crc_run(uint32_t crc, const uint8_t *buf, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint32_t lo = crc ^ ((uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
                             (uint32_t)buf[i + 2] << 16 | (uint32_t)buf[i + 3] << 24);
        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
              crc_table[3][buf[i + 4]] ^ crc_table[2][buf[i + 5]] ^
              crc_table[1][buf[i + 6]] ^ crc_table[0][buf[i + 7]];
    }
    for (; i < len; i++)
        crc = crc_table[0][(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

uint32_t net_crc32_more(uint32_t crc, const uint8_t *buf, size_t len)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, crc_init);
    crc = ~crc;
    uint8_t state[16];
    size_t done = net_crc32_fold(crc, buf, len, state);
    if (done) {
        crc = crc_run(0, state, sizeof(state));
        buf += done;
        len -= done;
    }
    return ~crc_run(crc, buf, len);
}

uint32_t net_crc32(const uint8_t *buf, size_t len)
{
    return net_crc32_more(0, buf, len);
}
