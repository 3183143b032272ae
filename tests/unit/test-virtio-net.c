/* virtio-net-pci's data path on its legacy transport, driven as a driver
 * would on the CPU-less board: a received frame lands behind its header
 * in one receive buffer, marked DATA_VALID only when GUEST_CSUM was
 * negotiated and its IPv4 UDP checksums are right; a transmitted frame
 * with NEEDS_CSUM leaves with its checksum filled in, and one whose
 * csum_start/csum_offset point past it leaves untouched; a large TCP send
 * (HOST_TSO4) leaves cut into segments, a bogus one not at all. */
#include "harness.h"
#include "nic-harness.h"
#include "unit.h"
#include "hw/core/clock.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <string.h>

#define IO 0xc000
#define RXQ 0x10000             /* 128 entries: avail at +0x800, used at +0x1000 */
#define TXQ 0x20000
#define BUFS 0x40000
#define F_GUEST_CSUM (1u << 1)
#define F_MRG_RXBUF (1u << 15)

static bool gso_wire;           /* setup() joins the card to a wire taking large sends whole */

static void poke16(uint64_t a, uint16_t v) { poke(a, &v, 2); }
static uint16_t peek16(uint64_t a) { uint16_t v; peek(a, &v, 2); return v; }

static void desc(uint64_t q, int i, uint64_t addr, uint32_t len, uint16_t flags)
{
    uint8_t d[16] = { 0 };
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    poke(q + 16 * i, d, 16);
}

static uint16_t avail[2];

/* Offer descriptor 0 of queue n (0 receive, 1 transmit) and notify. */
static void offer(int n)
{
    uint64_t q = n ? TXQ : RXQ;
    poke16(q + 0x800 + 4 + 2 * (avail[n] % 128), 0);
    poke16(q + 0x800 + 2, ++avail[n]);
    outw(IO + 0x10, (uint16_t)n);
}

static void setup(uint32_t features)
{
    avail[0] = avail[1] = 0;
    int dev = nic_board("virtio-net-pci", "romfile=,vectors=0", 0x10001af4, gso_wire);
    pci_cfg_writel(dev, 0x10, IO);
    pci_cfg_writel(dev, 0x04, 0x5);
    outb(IO + 0x12, 0);
    outb(IO + 0x12, 1 | 2);
    CHECK(inl(IO) & F_GUEST_CSUM);
    outl(IO + 4, features);
    for (int n = 0; n < 2; n++) {
        outw(IO + 0x0e, (uint16_t)n);
        CHECK_EQ(inw(IO + 0x0c), 128);
        outl(IO + 0x08, (n ? TXQ : RXQ) >> 12);
    }
    outb(IO + 0x12, 1 | 2 | 4);
}

static size_t udp_frame(uint8_t *f)
{
    eth_ipv4(f, "\x52\x54\x00\x12\x34\x56\x52\x54\x00\x00\x00\x02",
             "\x0a\x00\x02\x02\x0a\x00\x02\x0f", 17, 0, 28);
    udp_header(f, 53, 1000, 28);
    memcpy(f + 42, "checksummed elsewhere", 20);
    net_put16(f + 24, net_csum_finish(net_csum_add(0, f + 14, 20)));
    net_put16(f + 40, net_ipv4_l4_csum(f + 14, 20, 28));
    return 62;
}

/* Receive f into a fresh buffer; its header's flags byte. */
static uint8_t rx_flags(const uint8_t *f, size_t len, size_t hlen)
{
    uint16_t used = peek16(RXQ + 0x1000 + 2);
    desc(RXQ, 0, BUFS, 2048, 2);
    offer(0);
    net_send(wire.nc, f, len);
    CHECK_EQ(peek16(RXQ + 0x1000 + 2), (uint16_t)(used + 1));
    uint32_t got;
    peek(RXQ + 0x1000 + 4 + 8 * (used % 128) + 4, &got, 4);
    CHECK_EQ(got, hlen + len);
    uint8_t buf[80];
    peek(BUFS, buf, hlen + len);
    CHECK(!memcmp(buf + hlen, f, len));
    return buf[0];
}

TEST(virtio_net, rx_data_valid_only_when_checked)
{
    static uint8_t f[62];
    size_t len = udp_frame(f);
    setup(F_GUEST_CSUM | F_MRG_RXBUF);
    CHECK_EQ(rx_flags(f, len, 12), 2);                  /* DATA_VALID */
    f[50] ^= 1;
    CHECK_EQ(rx_flags(f, len, 12), 0);                  /* the guest checks it */
    f[50] ^= 1;
    net_put16(f + 16, 500);                             /* claims more than it has */
    CHECK_EQ(rx_flags(f, len, 12), 0);
    net_put16(f + 16, 48);
    setup(F_MRG_RXBUF);                                 /* GUEST_CSUM not taken */
    CHECK_EQ(rx_flags(f, len, 12), 0);
    setup(0);                                           /* legacy: 10-byte header */
    CHECK_EQ(rx_flags(f, len, 10), 0);
}

/* Transmit f behind a header asking for its UDP checksum at csum_start
 * 34, offset off; what the wire got. */
static void tx_needs_csum(const uint8_t *f, size_t len, uint16_t off)
{
    uint8_t hdr[12] = { 1, 0, 0, 0, 0, 0, 34, 0, (uint8_t)off, (uint8_t)(off >> 8) };
    poke(BUFS, hdr, 12);
    poke(BUFS + 12, f, len);
    desc(TXQ, 0, BUFS, (uint32_t)(12 + len), 0);
    offer(1);
}

TEST(virtio_net, tx_needs_csum_bounded)
{
    static uint8_t f[62], want[62];
    size_t len = udp_frame(want);
    memcpy(f, want, len);
    net_put16(f + 40, 0);
    setup(F_MRG_RXBUF);
    tx_needs_csum(f, len, 6);
    REQUIRE(wire.n == 1, "the frame went out");
    CHECK_EQ(wire.last_len, len);
    net_put16(want + 40, 0);    /* a driver would have put the pseudo-header's sum */
    net_put16(want + 40, net_csum_finish(net_csum_add(0, want + 34, 28)));
    CHECK(!memcmp(wire.last, want, len));
    tx_needs_csum(f, len, 0xfff0);                      /* past the frame: left alone */
    REQUIRE(wire.n == 2, "sent unchanged");
    CHECK(!memcmp(wire.last, f, len));
}

/* GUEST_TSO4: three in-order TCP segments from the wire reach the driver
 * as one large segment once the burst is over (the clock moves), spread
 * over 1 KiB mergeable buffers: num_buffers, GSO TCPv4 with the segment
 * size and header length, DATA_VALID, and a frame whose checksums hold.
 * With too few buffers it waits for more instead of being cut. */
#define F_GUEST_TSO4 (1u << 7)

static size_t tcp_segment(uint8_t *f, uint32_t seq, size_t n)
{
    eth_ipv4(f, "\x52\x54\x00\x12\x34\x56\x52\x55\x0a\x00\x02\x02",
             "\x0a\x00\x02\x02\x0a\x00\x02\x0f", 6, 0, 20 + n);
    tcp_header(f, 80, 4000, seq, 0x10, 8192);
    for (size_t i = 0; i < n; i++)
        f[54 + i] = (uint8_t)(seq + i);
    net_put16(f + 24, net_csum_finish(net_csum_add(0, f + 14, 20)));
    net_put16(f + 50, net_ipv4_l4_csum(f + 14, 20, 20 + n));
    return 54 + n;
}

static void rx_buffers_of(int first, int count, uint32_t size)
{
    for (int i = first; i < first + count; i++) {
        desc(RXQ, i, BUFS + 0x400 * (uint64_t)i, size, 2);
        poke16(RXQ + 0x800 + 4 + 2 * (avail[0] % 128), (uint16_t)i);
        poke16(RXQ + 0x800 + 2, ++avail[0]);
    }
    outw(IO + 0x10, 0);
}

static void rx_buffers(int first, int count) { rx_buffers_of(first, count, 0x400); }

TEST(virtio_net, rx_tcp_segments_joined)
{
    static uint8_t f[2048], got[4096];
    setup(F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
    CHECK(inl(IO) & F_GUEST_TSO4);
    rx_buffers(0, 2);                                   /* 2 KiB: too few for 3066 bytes */
    for (uint32_t k = 0; k < 3; k++)
        net_send(wire.nc, f, tcp_segment(f, 100 + 1000 * k, 1000));
    clock_step(1);
    CHECK_EQ(peek16(RXQ + 0x1000 + 2), 0);              /* held, not cut */
    rx_buffers(2, 2);
    REQUIRE(peek16(RXQ + 0x1000 + 2) == 3, "three buffers used");
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t e[2];
        peek(RXQ + 0x1000 + 4 + 8 * i, e, 8);
        CHECK_EQ(e[0], (uint32_t)i);
        CHECK_EQ(e[1], i < 2 ? 0x400u : 3066u - 0x800);
        peek(BUFS + 0x400 * (uint64_t)i, got + at, e[1]);
        at += e[1];
    }
    CHECK_EQ(at, 12 + 3054);
    CHECK_EQ(got[0], 2);                                /* DATA_VALID */
    CHECK_EQ(got[1], 1);                                /* GSO TCPv4 */
    CHECK_EQ(got[2] | got[3] << 8, 54);                 /* hdr_len */
    CHECK_EQ(got[4] | got[5] << 8, 1000);               /* gso_size */
    CHECK_EQ(got[10] | got[11] << 8, 3);                /* num_buffers */
    CHECK_EQ(net_get16(got + 12 + 16), 3040);           /* IP total length */
    CHECK(net_frame_csum_ok(got + 12, 3054));
    bool same = true;
    for (size_t i = 0; i < 3000; i++)
        same &= got[12 + 54 + i] == (uint8_t)(100 + i);
    CHECK(same);
}

/* A ring whose buffers all together cannot hold the joined segment: it is
 * dropped rather than waited for forever, and joining stops, so the
 * sender's retransmissions come through one frame at a time. */
TEST(virtio_net, rx_joined_too_large_for_the_ring)
{
    static uint8_t f[2048];
    setup(F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
    rx_buffers_of(0, 128, 16);                          /* 2 KiB in all */
    for (uint32_t k = 0; k < 3; k++)
        net_send(wire.nc, f, tcp_segment(f, 100 + 1000 * k, 1000));
    clock_step(1);
    CHECK_EQ(peek16(RXQ + 0x1000 + 2), 0);
    net_send(wire.nc, f, tcp_segment(f, 100, 100));
    net_send(wire.nc, f, tcp_segment(f, 200, 100));
    clock_step(1);
    REQUIRE(peek16(RXQ + 0x1000 + 2) == 22, "two frames of 11 buffers");
    uint8_t h[12];
    peek(BUFS, h, 12);
    CHECK_EQ(h[1], 0);                                  /* no GSO */
    CHECK_EQ(h[10], 11);
}

/* A receive buffer shorter than the header: what fits of the header is
 * written, the frame is lost, and nothing outside the buffer is touched. */
TEST(virtio_net, rx_buffer_shorter_than_the_header)
{
    static uint8_t f[62];
    size_t len = udp_frame(f);
    setup(F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
    uint8_t fill[16];
    memset(fill, 0xaa, sizeof(fill));
    poke(BUFS, fill, sizeof(fill));
    rx_buffers_of(0, 1, 4);
    net_send(wire.nc, f, len);
    REQUIRE(peek16(RXQ + 0x1000 + 2) == 1, "the buffer came back");
    uint32_t used_len;
    peek(RXQ + 0x1000 + 8, &used_len, 4);
    CHECK_EQ(used_len, 4);
    uint8_t got[16];
    peek(BUFS, got, 16);
    CHECK(!memcmp(got + 4, fill + 4, 12));
}

/* HOST_TSO4: a large TCP send behind a GSO header leaves as MSS-sized
 * segments with their checksums right; with no MSS, an unknown GSO type,
 * or without the feature negotiated it is dropped, never sent whole. */
#define F_CSUM (1u << 0)
#define F_HOST_TSO4 (1u << 11)

static void tx_gso(const uint8_t *f, size_t len, uint8_t type, uint16_t mss)
{
    uint8_t hdr[12] = { 1, type, 54, 0, (uint8_t)mss, (uint8_t)(mss >> 8), 34, 0, 16, 0 };
    poke(BUFS, hdr, 12);
    poke(BUFS + 12, f, len);
    desc(TXQ, 0, BUFS, (uint32_t)(12 + len), 0);
    offer(1);
}

TEST(virtio_net, tx_tso4_segmented)
{
    static uint8_t f[54 + 3000];
    size_t len = tcp_segment(f, 5000, 3000);
    net_put16(f + 50, 0);               /* the driver leaves the checksum partial */
    setup(F_CSUM | F_HOST_TSO4 | F_MRG_RXBUF);
    tx_gso(f, len, 1, 1448);
    CHECK_EQ(wire.n, 3);
    CHECK_EQ(wire.last_len, 54 + 3000 - 2 * 1448);             /* the last one */
    CHECK_EQ(net_get32(wire.last + 38), 5000 + 2 * 1448);
    CHECK(net_frame_csum_ok(wire.last, wire.last_len));
    CHECK(!memcmp(wire.last + 54, f + 54 + 2 * 1448, wire.last_len - 54));
    tx_gso(f, len, 0x81, 1448);                                 /* TCPv4 with ECN */
    CHECK_EQ(wire.n, 6);
    tx_gso(f, len, 1, 0);                                       /* no MSS */
    tx_gso(f, len, 3, 1448);                                    /* UDP: not offered */
    tx_gso(f, 40, 1, 1448);                                     /* shorter than its headers */
    CHECK_EQ(wire.n, 6);
    CHECK_EQ(peek16(TXQ + 0x1000 + 2), 5);                      /* every chain came back */
    setup(F_CSUM | F_MRG_RXBUF);                                /* HOST_TSO4 not taken */
    tx_gso(f, len, 1, 1448);
    CHECK_EQ(wire.n, 0);
}

/* Transmit kicks: while the queue is drained the driver is told not to
 * notify (used flags NO_NOTIFY, or avail_event left behind with
 * EVENT_IDX), and a chain it adds meanwhile without a kick (another vCPU)
 * still goes out; afterwards notifications are on again.  A driver that
 * keeps the ring full gets TX_BUDGET chains per kick and the rest later
 * from the event loop. */
#define F_EVENT_IDX (1u << 29)
static uint16_t flags_seen, event_seen;
static int refill;              /* chains to add from inside the drain */

static void add_tx_chain(void)
{
    flags_seen |= peek16(TXQ + 0x1000);
    event_seen = peek16(TXQ + 0x1000 + 4 + 8 * 128);
    if (refill <= 0)
        return;
    refill--;
    poke16(TXQ + 0x800 + 4 + 2 * (avail[1] % 128), 0);
    poke16(TXQ + 0x800 + 2, ++avail[1]);                /* no kick */
}

static void tx_plain(void)
{
    static uint8_t f[62];
    size_t len = udp_frame(f);
    uint8_t hdr[12] = { 0 };
    poke(BUFS, hdr, 12);
    poke(BUFS + 12, f, len);
    desc(TXQ, 0, BUFS, (uint32_t)(12 + len), 0);
}

TEST(virtio_net, tx_kick_drains_quietly)
{
    setup(F_MRG_RXBUF);
    tx_plain();
    wire.on_frame = add_tx_chain;
    flags_seen = 0;
    refill = 2;
    offer(1);
    CHECK_EQ(wire.n, 3);                                /* the kicked one and two more */
    CHECK_EQ(flags_seen, 1);                            /* NO_NOTIFY while draining */
    CHECK_EQ(peek16(TXQ + 0x1000), 0);                  /* notify again afterwards */
    CHECK_EQ(peek16(TXQ + 0x1000 + 2), 3);

    setup(F_MRG_RXBUF | F_EVENT_IDX);
    tx_plain();
    wire.on_frame = add_tx_chain;
    refill = 2;
    offer(1);
    CHECK_EQ(wire.n, 3);
    CHECK_EQ(event_seen, 0);                            /* not advanced while draining */
    CHECK_EQ(peek16(TXQ + 0x1000 + 4 + 8 * 128), 3);    /* then: the next one notifies */
}

TEST(virtio_net, tx_full_ring_bounded_per_kick)
{
    setup(F_MRG_RXBUF);
    tx_plain();
    wire.on_frame = add_tx_chain;
    refill = 300;                                       /* kept full for a while */
    offer(1);
    CHECK_EQ(wire.n, 256);                              /* TX_BUDGET, then the machine runs */
    clock_step(1);
    CHECK_EQ(wire.n, 301);                              /* the event loop did the rest */
    CHECK_EQ(peek16(TXQ + 0x1000 + 2), 301);
    CHECK_EQ(peek16(TXQ + 0x1000), 0);
}

/* A peer that takes large sends whole gets the frame and its header in
 * one piece; a bogus one (no MSS) still goes nowhere. */
TEST(virtio_net, tx_tso4_whole_to_a_gso_peer)
{
    static uint8_t f[54 + 3000];
    size_t len = tcp_segment(f, 5000, 3000);
    gso_wire = true;
    setup(F_CSUM | F_HOST_TSO4 | F_MRG_RXBUF);
    tx_gso(f, len, 1, 1448);
    CHECK_EQ(wire.ngso, 1);
    CHECK_EQ(wire.n, 0);
    CHECK_EQ(wire.gso_len, len);
    CHECK_EQ(wire.gso_hdr[1], 1);
    CHECK_EQ(wire.gso_hdr[4] | wire.gso_hdr[5] << 8, 1448);
    tx_gso(f, len, 1, 0);
    CHECK_EQ(wire.ngso, 1);
    CHECK_EQ(wire.n, 0);
    gso_wire = false;
}
