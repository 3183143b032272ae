/* rtl8139 receive and transmit.
 * Normal mode: received frames go into the ring buffer at RBSTART (8 to
 * 64 KiB), each behind a 4-byte header (status, length with the CRC),
 * 32-bit aligned, from CBR up to where the driver has read (CAPR + 16);
 * a frame is sent when the driver writes its size into one of the four
 * TSD slots, from the slot's TSAD.
 * C+ mode (CPCR): 16-byte descriptors (opts1 with OWN/EOR/FS/LS and the
 * length, opts2 with VLAN, a 64-bit buffer address) in a receive ring at
 * RDSAR and a transmit ring at TNPDS, transmit polled through TXPOLL;
 * the checksum offload bits and large send (TSO) are honoured, and
 * received frames get their checksum status (rtl8139-rxcsum.c). */
#include "hw/net/rtl8139-int.h"
#include "hw/core/dma.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net-frame.h"
#include "hw/core/util.h"

#include <string.h>

#define MIN_FRAME 60
#define MAX_FRAME 1518

static AddressSpace *mem(Rtl8139 *s) { return &s->m->mem; }

/* -- address filter ----------------------------------------------------- */

static uint32_t rx_filter(Rtl8139 *s, const uint8_t *dst)
{
    uint32_t rcr = rtl_r32(s, RTL_RCR);
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (!memcmp(dst, bcast, 6))
        return (rcr & (RTL_RCR_AB | RTL_RCR_AAP)) ? CP_RX_BAR : 0;
    if (dst[0] & 1) {
        unsigned bit = net_crc32(dst, 6) >> 26;     /* the multicast hash */
        bool hit = (s->reg[RTL_MAR0 + bit / 8] >> (bit % 8)) & 1;
        return ((rcr & RTL_RCR_AAP) || ((rcr & RTL_RCR_AM) && hit)) ? CP_RX_MAR : 0;
    }
    if (!memcmp(dst, s->reg + RTL_IDR0, 6) && (rcr & (RTL_RCR_APM | RTL_RCR_AAP)))
        return CP_RX_PAM;
    return (rcr & RTL_RCR_AAP) ? CP_RX_PAM : 0;
}

/* -- normal mode: the receive ring buffer ---------------------------------- */

static uint32_t ring_size(const Rtl8139 *s)
{
    return 8192u << ((rtl_r32(s, RTL_RCR) >> 11) & 3);
}

bool rtl8139_rx_empty(const Rtl8139 *s)
{
    if (s->reg[RTL_CPCR] & RTL_CPCR_RX)
        return true;
    uint32_t size = ring_size(s);
    return rtl_r16(s, RTL_CBR) % size == (uint16_t)(rtl_r16(s, RTL_CAPR) + 16) % size;
}

static bool ring_write(Rtl8139 *s, uint32_t at, const uint8_t *buf, size_t len)
{
    uint32_t size = ring_size(s), base = rtl_r32(s, RTL_RBSTART);
    if (rtl_r32(s, RTL_RCR) & RTL_RCR_WRAP)         /* may run past the end */
        return dma_write(mem(s), base + at, buf, len);
    size_t first = MIN(len, (size_t)(size - at));
    return dma_write(mem(s), base + at, buf, first) &&
           dma_write(mem(s), base, buf + first, len - first);
}

/* The frame into the ring at offset at, wrapping as ring_write does. */
static bool ring_write_frame(Rtl8139 *s, uint32_t at, const NetRxFrame *f)
{
    uint32_t size = ring_size(s), base = rtl_r32(s, RTL_RBSTART);
    if (rtl_r32(s, RTL_RCR) & RTL_RCR_WRAP)
        return net_rx_frame_write(mem(s), base + at, f, 0, f->total);
    size_t first = MIN(f->total, (size_t)(size - at));
    return net_rx_frame_write(mem(s), base + at, f, 0, first) &&
           net_rx_frame_write(mem(s), base, f, first, f->total - first);
}

static bool rx_ring(Rtl8139 *s, const NetRxFrame *f, uint32_t match)
{
    size_t len = f->total;
    uint32_t size = ring_size(s);
    uint32_t wr = rtl_r16(s, RTL_CBR) % size, rd = (uint16_t)(rtl_r16(s, RTL_CAPR) + 16) % size;
    uint32_t need = (uint32_t)ALIGN_UP(4 + len, 4);
    uint32_t room = (rd + size - wr - 1) % size;
    if (wr == rd)
        room = size - 1;
    if (need > room) {
        rtl_w32(s, RTL_MPC, rtl_r32(s, RTL_MPC) + 1);
        rtl8139_raise(s, RTL_INT_RXOVW);
        return false;
    }
    uint16_t status = 0x0001 | (match == CP_RX_BAR ? 0x2000 : match == CP_RX_PAM ? 0x4000 :
                                0x8000);
    uint8_t hdr[4] = { (uint8_t)status, (uint8_t)(status >> 8), (uint8_t)len,
                       (uint8_t)(len >> 8) };
    bool ok = ring_write(s, wr, hdr, 4) && ring_write_frame(s, (wr + 4) % size, f);
    rtl_w16(s, RTL_CBR, (uint16_t)((wr + need) % size));
    rtl8139_raise(s, ok ? RTL_INT_ROK : RTL_INT_RER);
    return true;
}

/* -- C+ mode: the receive descriptor ring ----------------------------------- */

static uint64_t rdsar(const Rtl8139 *s)
{
    return (uint64_t)rtl_r32(s, RTL_RDSAR + 4) << 32 | rtl_r32(s, RTL_RDSAR);
}

static bool rx_cp(Rtl8139 *s, const NetRxFrame *f, uint32_t match)
{
    size_t len = f->total;
    match |= rtl8139_rx_csum(s, f->data, f->len);
    size_t done = 0;
    unsigned walked = 0;
    while (done < len) {
        uint64_t da = rdsar(s) + 16ull * s->cp_rx;
        uint8_t d[16];
        uint32_t opts1;
        if (!dma_read(mem(s), da, d, 16))
            return true;                /* the ring is not in RAM: lost */
        memcpy(&opts1, d, 4);
        if (!(opts1 & CP_OWN)) {
            rtl8139_raise(s, RTL_INT_RXOVW);    /* RxEmpty: wait for buffers */
            return done != 0;
        }
        uint64_t addr;
        memcpy(&addr, d + 8, 8);
        size_t room = opts1 & 0x1fff, n = MIN(room, len - done);
        bool first = done == 0, last = done + n == len;
        if (!net_rx_frame_write(mem(s), addr, f, done, n))
            opts1 |= 1u << 20;          /* RES: the buffer is not RAM */
        done += n;
        opts1 = (opts1 & (CP_EOR | (1u << 20))) | (first ? CP_FS : 0) |
                (last ? CP_LS | match | (uint32_t)len : (uint32_t)n);
        memcpy(d, &opts1, 4);
        memset(d + 4, 0, 4);
        dma_write(mem(s), da, d, 8);
        s->cp_rx = (opts1 & CP_EOR) || s->cp_rx + 1 == CP_RING_MAX ? 0 : s->cp_rx + 1;
        if (++walked == CP_RING_MAX || (n == 0 && !last))
            break;                      /* zero-sized buffers all round */
    }
    rtl8139_raise(s, RTL_INT_ROK);
    return true;
}

bool rtl8139_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Rtl8139 *s = nc->opaque;
    if (!(s->reg[RTL_CR] & RTL_CR_RE) || !pci_bus_master(&s->fn) || len < 14 ||
        len > NET_MAX_FRAME - 4)
        return true;
    uint32_t match = rx_filter(s, buf);
    if (!match)
        return true;
    uint8_t small[MIN_FRAME];
    if (len < MIN_FRAME) {          /* padded before anything looks at it */
        memcpy(small, buf, len);
        memset(small + len, 0, MIN_FRAME - len);
        buf = small;
        len = MIN_FRAME;
    }
    NetRxFrame f;                   /* written from buf itself, with the FCS */
    net_rx_frame_init(&f, buf, len, true);
    net_rx_frame_fcs(&f);
    if (s->reg[RTL_CPCR] & RTL_CPCR_RX)
        return rx_cp(s, &f, match);
    return rx_ring(s, &f, match);
}

/* -- transmit --------------------------------------------------------------- */

static void send_frame(Rtl8139 *s, uint8_t *p, size_t len)
{
    if (len < 14)
        return;
    if (len < MIN_FRAME) {
        memset(p + len, 0, MIN_FRAME - len);
        len = MIN_FRAME;
    }
    net_send(s->nc, p, len);
}

void rtl8139_tx_slot(Rtl8139 *s, unsigned slot)
{
    uint32_t tsd = rtl_r32(s, RTL_TSD0 + 4 * slot);
    if (!(s->reg[RTL_CR] & RTL_CR_TE) || (tsd & RTL_TSD_OWN) || !pci_bus_master(&s->fn))
        return;
    size_t len = tsd & RTL_TSD_SIZE;
    static uint8_t frame[RTL_TSD_SIZE + MIN_FRAME];
    bool ok = dma_read(mem(s), rtl_r32(s, RTL_TSAD0 + 4 * slot), frame, len);
    if (ok)
        send_frame(s, frame, len);
    rtl_w32(s, RTL_TSD0 + 4 * slot, tsd | RTL_TSD_OWN | (ok ? RTL_TSD_TOK : 1u << 30));
    rtl8139_raise(s, ok ? RTL_INT_TOK : RTL_INT_TER);
}

/* IPv4 header and TCP/UDP checksums of a frame, as opts1 asks. */
static void cp_checksums(uint8_t *p, size_t len, uint32_t opts1)
{
    if (len < 34 || net_get16(p + 12) != 0x0800)
        return;
    size_t ihl = (size_t)(p[14] & 0xf) * 4, l4 = 14 + ihl;
    size_t iplen = MIN((size_t)net_get16(p + 16), len - 14);
    if (ihl < 20 || l4 > len || iplen < ihl)
        return;
    if (opts1 & CP_IPCS) {
        net_put16(p + 24, 0);
        net_put16(p + 24, net_csum_finish(net_csum_add(0, p + 14, ihl)));
    }
    uint8_t proto = p[23];
    size_t off = proto == 6 ? 16 : 6;
    if (!((opts1 & CP_TCPCS && proto == 6) || (opts1 & CP_UDPCS && proto == 17)) ||
        l4 + off + 2 > 14 + iplen)
        return;
    uint8_t ph[12];
    memcpy(ph, p + 26, 8);
    ph[8] = 0;
    ph[9] = proto;
    net_put16(ph + 10, (uint16_t)(14 + iplen - l4));
    net_put16(p + l4 + off, 0);
    uint16_t c = net_csum_finish(net_csum_add(net_csum_add(0, ph, 12), p + l4, 14 + iplen - l4));
    net_put16(p + l4 + off, (proto == 17 && !c) ? 0xffff : c);
}

/* Large send: IPv4/TCP cut into MSS-sized segments, each with its own
 * length, IP ID, sequence number, flags and checksums. */
static void cp_tso(Rtl8139 *s, uint8_t *p, size_t len, unsigned mss)
{
    size_t ihl = (size_t)(p[14] & 0xf) * 4, l4 = 14 + ihl;
    if (len < 54 || net_get16(p + 12) != 0x0800 || p[23] != 6 || ihl < 20 || l4 + 20 > len ||
        !mss) {
        send_frame(s, p, len);
        return;
    }
    size_t hdr = l4 + (size_t)(p[l4 + 12] >> 4) * 4;
    if (hdr > len || hdr + mss > NET_MAX_FRAME) {
        send_frame(s, p, len);
        return;
    }
    static uint8_t seg[NET_MAX_FRAME];
    uint32_t seq = net_get32(p + l4 + 4);
    uint16_t id = net_get16(p + 18);
    uint8_t flags = p[l4 + 13];
    for (size_t off = hdr, n = 0; off < len; off += mss, n++) {
        size_t pay = MIN((size_t)mss, len - off);
        bool last = off + pay == len;
        memcpy(seg, p, hdr);
        memcpy(seg + hdr, p + off, pay);
        net_put16(seg + 16, (uint16_t)(hdr - 14 + pay));
        net_put16(seg + 18, (uint16_t)(id + n));
        net_put32(seg + l4 + 4, seq + (uint32_t)(off - hdr));
        seg[l4 + 13] = last ? flags : (uint8_t)(flags & ~0x09);
        cp_checksums(seg, hdr + pay, CP_IPCS | CP_TCPCS);
        send_frame(s, seg, hdr + pay);
    }
}

static uint64_t tnpds(const Rtl8139 *s)
{
    return (uint64_t)rtl_r32(s, RTL_TNPDS + 4) << 32 | rtl_r32(s, RTL_TNPDS);
}

/* One descriptor: gather its buffer; at LS send the frame.  False when
 * the driver has not handed it over (OWN clear). */
static bool cp_tx_one(Rtl8139 *s)
{
    uint64_t da = tnpds(s) + 16ull * s->cp_tx;
    uint8_t d[16];
    uint32_t opts1;
    uint64_t addr;
    if (!dma_read(mem(s), da, d, 16))
        return false;
    memcpy(&opts1, d, 4);
    memcpy(&addr, d + 8, 8);
    if (!(opts1 & CP_OWN))
        return false;
    if (opts1 & CP_FS)
        s->tx_len = 0;
    size_t n = opts1 & 0xffff;
    if (s->tx_len + n > sizeof(s->tx) || !dma_read(mem(s), addr, s->tx + s->tx_len, n))
        s->tx_len = sizeof(s->tx) + 1;  /* oversize or outside RAM: dropped at LS */
    else
        s->tx_len += n;
    if ((opts1 & CP_LS) && s->tx_len <= sizeof(s->tx)) {
        if (opts1 & CP_LGSEN)
            cp_tso(s, s->tx, s->tx_len, (opts1 >> CP_MSS_SHIFT) & CP_MSS_MASK);
        else {
            cp_checksums(s->tx, s->tx_len, opts1);
            send_frame(s, s->tx, s->tx_len);
        }
    }
    opts1 &= ~CP_OWN;
    memcpy(d, &opts1, 4);
    dma_write(mem(s), da, d, 4);
    s->cp_tx = (opts1 & CP_EOR) || s->cp_tx + 1 == CP_RING_MAX ? 0 : s->cp_tx + 1;
    return true;
}

void rtl8139_cp_tx(Rtl8139 *s)
{
    s->reg[RTL_TXPOLL] = 0;
    if (!(s->reg[RTL_CR] & RTL_CR_TE) || !(s->reg[RTL_CPCR] & RTL_CPCR_TX) ||
        !pci_bus_master(&s->fn))
        return;
    unsigned sent = 0;
    while (sent < CP_RING_MAX && cp_tx_one(s))
        sent++;
    rtl8139_raise(s, (uint16_t)(RTL_INT_TXEMPTY | (sent ? RTL_INT_TOK : 0)));
}
