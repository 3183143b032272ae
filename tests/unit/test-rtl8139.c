/* rtl8139 (RTL8139C+) on the CPU-less board: its EEPROM as 8139cp and
 * 8139too read it, the normal mode's receive ring buffer (headers, CAPR,
 * BUFE, running out of room) and transmit slots, and C+ mode's
 * descriptor rings with checksum offload, large send, and wild
 * descriptors. */
#include "harness.h"
#include "nic-harness.h"
#include "unit.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net.h"
#include "hw/core/pci.h"
#include "hw/core/util.h"

#include <string.h>

#define IO 0xc100
#define RXBUF 0x20000
#define TXBUF 0x40000
#define TXRING 0x50000
#define RXRING 0x51000
#define CPBUF 0x60000

static void setup(void)
{
    int dev = nic_board("rtl8139", "mac=52:54:00:81:39:01", 0x813910ec, false);
    CHECK_EQ(pci_cfg_readl(dev, 0x08) & 0xff, 0x20);   /* C+ revision */
    pci_cfg_writel(dev, 0x10, IO);
    pci_cfg_writel(dev, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
}

/* 8139cp's read_eeprom(): 93C46 through Cfg9346 in programming mode. */
static uint16_t ee_read(unsigned loc, unsigned addr_len)
{
    unsigned cmd = (6u << addr_len) | loc;
    outb(IO + 0x50, 0x80);
    outb(IO + 0x50, 0x88);
    for (int i = 2 + (int)addr_len; i >= 0; i--) {
        uint8_t d = (cmd >> i) & 1 ? 0x02 : 0;
        outb(IO + 0x50, 0x88 | d);
        outb(IO + 0x50, 0x88 | d | 0x04);
    }
    outb(IO + 0x50, 0x88);
    uint16_t v = 0;
    for (int i = 0; i < 16; i++) {
        outb(IO + 0x50, 0x88 | 0x04);
        v = (uint16_t)(v << 1 | (inb(IO + 0x50) & 1));
        outb(IO + 0x50, 0x88);
    }
    outb(IO + 0x50, 0);
    return v;
}

TEST(rtl8139, eeprom_as_drivers_read_it)
{
    setup();
    CHECK(ee_read(0, 8) != 0x8129);                     /* an 8-bit address: no */
    CHECK_EQ(ee_read(0, 6), 0x8129);
    CHECK_EQ(ee_read(7, 6), 0x5452);
    CHECK_EQ(ee_read(8, 6), 0x8100);
    CHECK_EQ(ee_read(9, 6), 0x0139);
    CHECK_EQ(inl(IO), 0x81005452);                      /* IDR0-3 */
    CHECK(inw(IO + 0x64) & 0x0004);                     /* BMSR: link */
    CHECK_EQ(inl(IO + 0x40) & 0x7cc00000, 0x74800000);  /* TCR: C+ */
}

static void from_wire(size_t len)
{
    static uint8_t f[2048];
    memset(f, 0, sizeof(f));
    memcpy(f, "\x52\x54\x00\x81\x39\x01\x52\x54\x00\x00\x00\x02\x08\x00", 14);
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)i;
    net_send(wire.nc, f, len);
}

TEST(rtl8139, rx_ring_buffer)
{
    setup();
    outl(IO + 0x30, RXBUF);
    outl(IO + 0x44, 0x02 | 0x08);                       /* APM, AB; 8 KiB, wrapping */
    outb(IO + 0x37, 0x08 | 0x04);                       /* RE, TE */
    outw(IO + 0x3c, 0x0001);
    CHECK(inb(IO + 0x37) & 0x01);                       /* BUFE */
    from_wire(100);
    CHECK(!(inb(IO + 0x37) & 0x01));
    CHECK_EQ(inw(IO + 0x3e), 0x0001);                   /* ROK */
    uint8_t h[4];
    peek(RXBUF, h, 4);
    CHECK_EQ(h[0] | h[1] << 8, 0x4001);                 /* ROK, physical match */
    CHECK_EQ(h[2] | h[3] << 8, 104);                    /* with the CRC */
    CHECK_EQ(inw(IO + 0x3a), 108);                      /* CBR, 32-bit aligned */
    outw(IO + 0x3e, 0x0001);
    CHECK_EQ(inw(IO + 0x3e), 0);
    outw(IO + 0x38, (uint16_t)(108 - 16));              /* CAPR: read it all */
    CHECK(inb(IO + 0x37) & 0x01);
    /* Fill the ring: the frame that does not fit is counted as missed. */
    int got = 0;
    for (int i = 0; i < 10; i++) {
        uint16_t before = inw(IO + 0x3a);
        from_wire(1000);
        got += inw(IO + 0x3a) != before;
    }
    CHECK_EQ(got, 8);
    CHECK(inw(IO + 0x3e) & 0x0010);                     /* RXOVW */
    CHECK(inl(IO + 0x4c) >= 1);
    /* The wrapped frame's second half is at the start of the buffer. */
    uint8_t tail[8];
    peek(RXBUF, tail, 8);
    CHECK(tail[0] != 0 || tail[1] != 0 || tail[4] != 0);
}

TEST(rtl8139, tx_slots)
{
    setup();
    outb(IO + 0x37, 0x04);
    uint8_t f[64];
    for (int i = 0; i < 64; i++)
        f[i] = (uint8_t)(i * 3);
    poke(TXBUF, f, 64);
    for (unsigned n = 0; n < 4; n++) {
        outl(IO + 0x20 + 4 * n, TXBUF);
        outl(IO + 0x10 + 4 * n, 64);
        CHECK(inl(IO + 0x10 + 4 * n) & (1u << 15 | 1u << 13));   /* TOK, OWN */
    }
    CHECK_EQ(wire.n, 4);
    CHECK(!memcmp(wire.frame[3], f, 64));
    CHECK_EQ(inw(IO + 0x60), 0xf00f);                   /* TSAD: TOK and OWN of all */
    outl(IO + 0x20, 0xfffff000);                         /* a buffer outside RAM */
    outl(IO + 0x10, 64);
    CHECK_EQ(wire.n, 4);
    CHECK(inw(IO + 0x3e) & 0x0008);                     /* TER */
}

static void cpdesc(uint64_t at, uint32_t opts1, uint64_t addr)
{
    uint8_t d[16] = { 0 };
    memcpy(d, &opts1, 4);
    memcpy(d + 8, &addr, 8);
    poke(at, d, 16);
}

static size_t udp_frame(uint8_t *f)
{
    eth_ipv4(f, "\x52\x54\x00\x00\x00\x02\x52\x54\x00\x81\x39\x01",
             "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 17, 0, 28);
    udp_header(f, 1000, 53, 28);
    memcpy(f + 42, "hello, checksum offload", 20);
    return 62;
}

TEST(rtl8139, cplus_rings)
{
    setup();
    outw(IO + 0xe0, 0x0003);                            /* C+: RX and TX */
    outl(IO + 0x20, TXRING);
    outl(IO + 0x24, 0);
    outl(IO + 0xe4, RXRING);
    outl(IO + 0xe8, 0);
    outl(IO + 0x44, 0x02);
    outb(IO + 0x37, 0x0c);
    static uint8_t f[64];
    size_t len = udp_frame(f);
    poke(TXBUF, f, 30);
    poke(TXBUF + 0x100, f + 30, len - 30);
    uint32_t own = 1u << 31, fs = 1u << 29, ls = 1u << 28, csum = 1u << 18 | 1u << 17;
    cpdesc(TXRING, own | fs | csum | 30, TXBUF);
    cpdesc(TXRING + 16, own | ls | csum | (uint32_t)(len - 30), TXBUF + 0x100);
    cpdesc(TXRING + 32, 0, 0);
    outb(IO + 0xd9, 0x40);
    REQUIRE(wire.n == 1, "one frame from two descriptors");
    CHECK_EQ(wire.len[0], 62);
    CHECK_EQ(net_csum_finish(net_csum_add(0, wire.frame[0] + 14, 20)), 0);
    uint8_t ph[12];
    memcpy(ph, wire.frame[0] + 26, 8);
    ph[8] = 0;
    ph[9] = 17;
    net_put16(ph + 10, 28);
    CHECK_EQ(net_csum_finish(net_csum_add(net_csum_add(0, ph, 12), wire.frame[0] + 34, 28)), 0);
    uint32_t o;
    peek(TXRING, &o, 4);
    CHECK(!(o & own));
    /* Receive into a C+ descriptor; then none owned: RxEmpty, held. */
    cpdesc(RXRING, own | (1u << 30) | 1536, CPBUF);
    from_wire(100);
    peek(RXRING, &o, 4);
    CHECK(!(o & own));
    CHECK_EQ(o & 0x1fff, 104);
    CHECK((o & (fs | ls)) == (fs | ls));
    from_wire(100);
    CHECK(inw(IO + 0x3e) & 0x0010);
    cpdesc(RXRING, own | (1u << 30) | 1536, CPBUF);
    outw(IO + 0x3e, 0xffff);                            /* the poll's acknowledge */
    outw(IO + 0x3c, 0x00ff);
    peek(RXRING, &o, 4);
    CHECK(!(o & own));                                  /* the held frame came */
}

TEST(rtl8139, cplus_hostile_descriptors)
{
    setup();
    outw(IO + 0xe0, 0x0003);
    outl(IO + 0x20, 0xfffff000);                        /* ring outside RAM */
    outl(IO + 0x24, 0xffffffff);
    outb(IO + 0x37, 0x0c);
    outb(IO + 0xd9, 0x40);
    CHECK_EQ(wire.n, 0);
    /* A ring with no end marker, every descriptor owned, wild buffers. */
    outl(IO + 0x20, TXRING);
    outl(IO + 0x24, 0);
    for (unsigned i = 0; i < 1024; i++)
        cpdesc(TXRING + 16 * i, 1u << 31 | 1u << 29 | 1u << 28 | 0xffff, 0xfffffffffff0ull);
    outb(IO + 0xd9, 0x40);
    CHECK_EQ(wire.n, 0);
    /* Large send with an MSS of zero, and a frame of garbage. */
    cpdesc(TXRING, 1u << 31 | 1u << 29 | 1u << 28 | 1u << 27 | 200, TXBUF);
    cpdesc(TXRING + 16, 0, 0);
    outb(IO + 0x37, 0);
    outb(IO + 0x37, 0x0c);
    outb(IO + 0xd9, 0x40);
    CHECK_EQ(wire.n, 1);
    /* Receive descriptors of zero size, all round the ring. */
    outl(IO + 0xe4, RXRING);
    outl(IO + 0x44, 0x02);
    for (unsigned i = 0; i < 1024; i++)
        cpdesc(RXRING + 16 * i, 1u << 31, CPBUF);
    from_wire(100);
    CHECK(true);
}

/* C+ receive checksum offload (RxChkSum, CPCR bit 5): the last
 * descriptor carries the protocol ID (UDP: 10) and the failure bits, as
 * 8139cp reads them; a wrong UDP checksum sets UDPF, a wrong IP header
 * IPF; a UDP header claiming more than the frame fails its checksum, a
 * header longer than the frame is "IP" with IPF; offload off
 * leaves all of them clear. */
static uint32_t cp_rx_status(const uint8_t *f, size_t len)
{
    cpdesc(RXRING, (1u << 31) | (1u << 30) | 1536, CPBUF);
    net_send(wire.nc, f, len);
    uint32_t o;
    peek(RXRING, &o, 4);
    CHECK(!(o & (1u << 31)));
    return o & (7u << 13 | 3u << 16);
}

TEST(rtl8139, cplus_rx_checksum_status)
{
    setup();
    outw(IO + 0xe0, 0x0002 | 0x0020);                   /* C+ RX, RxChkSum */
    outl(IO + 0xe4, RXRING);
    outl(IO + 0xe8, 0);
    outl(IO + 0x44, 0x02);
    outb(IO + 0x37, 0x08);
    static uint8_t f[64];
    size_t len = udp_frame(f);
    memcpy(f, "\x52\x54\x00\x81\x39\x01\x52\x54\x00\x00\x00\x02", 12);   /* to the NIC */
    net_put16(f + 24, net_csum_finish(net_csum_add(0, f + 14, 20)));
    net_put16(f + 40, net_ipv4_l4_csum(f + 14, 20, 28));
    uint32_t pid_udp = 2u << 16, ipf = 1u << 15, udpf = 1u << 14;
    CHECK_EQ(cp_rx_status(f, len), pid_udp);
    f[50] ^= 1;                                         /* payload changed */
    CHECK_EQ(cp_rx_status(f, len), pid_udp | udpf);
    f[50] ^= 1;
    f[22] ^= 1;                                         /* TTL: IP header sum wrong */
    CHECK_EQ(cp_rx_status(f, len), pid_udp | ipf | udpf);
    f[22] ^= 1;
    net_put16(f + 16, 1000);                            /* longer than the frame */
    net_put16(f + 24, 0);
    net_put16(f + 24, net_csum_finish(net_csum_add(0, f + 14, 20)));
    CHECK_EQ(cp_rx_status(f, len), pid_udp | udpf);
    f[14] = 0x4f;                                       /* 60-byte header */
    CHECK_EQ(cp_rx_status(f, 40), 3u << 16 | ipf);
    net_put16(f + 16, 48);
    f[14] = 0x45;
    outw(IO + 0xe0, 0x0002);                            /* RxChkSum off */
    CHECK_EQ(cp_rx_status(f, len), 0);
}
