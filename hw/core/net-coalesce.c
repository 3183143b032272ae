#include "hw/core/net-coalesce.h"
#include "hw/core/net-checksum.h"

#include <string.h>

#define TCP_ACK 0x10
#define TCP_PSH 0x08

/* Ethernet + IP + TCP header length of a segment that may join, else 0. */
static size_t joinable(const uint8_t *f, size_t len)
{
    if (len < 14 + 20 + 20 || net_get16(f + 12) != 0x0800)
        return 0;
    const uint8_t *ip = f + 14, *tcp = ip + 20;
    size_t total = net_get16(ip + 2), doff = (size_t)(tcp[12] >> 4) * 4;
    if (ip[0] != 0x45 || ip[9] != 6 || (net_get16(ip + 6) & 0x3fff) || 14 + total > len ||
        doff < 20 || 20 + doff >= total || (tcp[13] & ~TCP_PSH) != TCP_ACK ||
        !net_frame_csum_ok(f, len))
        return 0;
    return 14 + 20 + doff;
}

static size_t payload(const uint8_t *f, size_t hdr)
{
    return 14 + (size_t)net_get16(f + 16) - hdr;
}

bool net_coalesce_start(NetCoalesce *c, const uint8_t *f, size_t len)
{
    size_t hdr = joinable(f, len);
    if (!hdr)
        return false;
    c->hdr = hdr;
    c->len = 14 + (size_t)net_get16(f + 16);    /* without any padding */
    memcpy(c->buf, f, c->len);
    c->mss = (uint16_t)payload(f, hdr);
    c->segs = 1;
    c->next_seq = net_get32(f + 34 + 4) + c->mss;
    c->closed = f[34 + 13] & TCP_PSH;
    return true;
}

bool net_coalesce_append(NetCoalesce *c, const uint8_t *f, size_t len)
{
    size_t hdr = joinable(f, len);
    if (!c->len || c->closed || hdr != c->hdr)
        return false;
    const uint8_t *tcp = f + 34, *held = c->buf + 34;
    size_t n = payload(f, hdr);
    if (memcmp(f + 26, c->buf + 26, 8) || memcmp(tcp, held, 4) ||     /* addresses, ports */
        memcmp(tcp + 8, held + 8, 4) ||                                /* acknowledgment */
        memcmp(tcp + 20, held + 20, hdr - 54) ||                       /* options */
        net_get32(tcp + 4) != c->next_seq || n > c->mss || c->len + n > sizeof(c->buf))
        return false;
    memcpy(c->buf + c->len, f + hdr, n);
    c->len += n;
    c->segs++;
    c->next_seq += (uint32_t)n;
    memcpy(c->buf + 34 + 14, tcp + 14, 2);     /* the newest window */
    c->buf[34 + 13] |= tcp[13] & TCP_PSH;
    c->closed = n < c->mss || (tcp[13] & TCP_PSH);
    return true;
}

void net_coalesce_finish(NetCoalesce *c)
{
    uint8_t *ip = c->buf + 14, *tcp = ip + 20;
    size_t total = c->len - 14;
    net_put16(ip + 2, (uint16_t)total);
    net_put16(ip + 10, 0);
    net_put16(ip + 10, net_csum_finish(net_csum_add(0, ip, 20)));
    net_put16(tcp + 16, 0);
    net_put16(tcp + 16, net_ipv4_l4_csum(ip, 20, total - 20));
}
