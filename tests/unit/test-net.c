/* The network core: a hub copies what one port receives out of all the
 * others; peers exchange frames; a receiver that cannot take a frame has
 * it queued (bounded) until it flushes; a link that is down drops; a
 * freed client leaves its peer alone; MAC and PCI address parsing;
 * virtio-net-pci's vectors= and its refusal of mq=on; the FCS CRC; a
 * socket backend sends a burst of frames in one go after it; a received
 * frame written into guest memory in pieces from the backend's buffer; a
 * large send reaches a tap with vnet_hdr=on whole, behind its header. */
#include "harness.h"
#include "nic-harness.h"
#include "unit.h"
#include "hw/core/machine.h"
#include "hw/core/net.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net-frame.h"
#include "hw/core/util.h"
#include "hw/core/clock.h"
#include "hw/core/opts.h"
#include "hw/net/netdev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct Probe {
    NetClient *nc;
    int got;
    size_t last_len;
    bool full;                  /* refuse frames (a NIC with no buffers) */
} Probe;

static bool probe_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Probe *p = nc->opaque;
    (void)buf;
    if (p->full)
        return false;
    p->got++;
    p->last_len = len;
    return true;
}

static const NetClientOps nic_ops = { .kind = NET_NIC, .receive = probe_receive };
static const NetClientOps backend_ops = { .kind = NET_SOCKET, .receive = probe_receive };

static void probe(Probe *p, bool nic, const char *name)
{
    memset(p, 0, sizeof(*p));
    p->nc = net_client_new(nic ? &nic_ops : &backend_ops, nic ? "probe" : "wire", name, p);
}

static const uint8_t frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

TEST(net, hub_copies_to_every_other_port)
{
    Probe a, b, c;
    probe(&a, true, "hub-a");
    probe(&b, true, "hub-b");
    probe(&c, false, "hub-c");
    net_connect(net_hub_add_port(7, NULL), a.nc);
    net_connect(net_hub_add_port(7, NULL), b.nc);
    net_connect(net_hub_add_port(7, NULL), c.nc);
    net_send(a.nc, frame, 64);
    CHECK_EQ(a.got, 0);
    CHECK_EQ(b.got, 1);
    CHECK_EQ(c.got, 1);
    net_send(c.nc, frame, 60);
    CHECK_EQ(a.got, 1);
    CHECK_EQ(b.got, 2);
    CHECK_EQ(b.last_len, 60);
    CHECK(net_client_find("hub7port2") != NULL);
}

TEST(net, queue_until_flush_and_bounded)
{
    Probe nic, wire;
    probe(&nic, true, "q-nic");
    probe(&wire, false, "q-wire");
    net_connect(nic.nc, wire.nc);
    nic.full = true;
    for (int i = 0; i < NET_QUEUE_MAX + 10; i++)
        net_send(wire.nc, frame, 64);
    CHECK_EQ(nic.nc->queued, NET_QUEUE_MAX);
    nic.full = false;
    net_flush_queue(nic.nc);
    CHECK_EQ(nic.got, NET_QUEUE_MAX);
    CHECK_EQ(nic.nc->queued, 0);
    net_send(wire.nc, frame, 64);                   /* in order, nothing waiting */
    CHECK_EQ(nic.got, NET_QUEUE_MAX + 1);
}

TEST(net, link_down_drops_both_ways)
{
    Probe nic, wire;
    probe(&nic, true, "l-nic");
    probe(&wire, false, "l-wire");
    net_connect(nic.nc, wire.nc);
    CHECK_EQ(net_set_link("l-nic", false), 0);
    CHECK(wire.nc->link_down);                      /* its backend goes down too */
    net_send(wire.nc, frame, 64);
    net_send(nic.nc, frame, 64);
    CHECK_EQ(nic.got + wire.got, 0);
    net_set_link("l-wire", true);
    net_send(wire.nc, frame, 64);
    CHECK_EQ(nic.got, 1);
    CHECK_EQ(net_set_link("nosuch", true), -1);
    net_send(wire.nc, frame, 0);                    /* empty and oversized: dropped */
    static uint8_t big[NET_MAX_FRAME + 1];
    net_send(wire.nc, big, sizeof(big));
    CHECK_EQ(nic.got, 1);
}

TEST(net, freed_client_leaves_peer)
{
    Probe nic, wire;
    probe(&nic, true, "f-nic");
    probe(&wire, false, "f-wire");
    net_connect(nic.nc, wire.nc);
    net_client_free(wire.nc);
    CHECK(nic.nc->peer == NULL);
    CHECK(net_client_find("f-wire") == NULL);
    net_send(nic.nc, frame, 64);                    /* into nothing */
    CHECK_EQ(nic.got, 0);
}

TEST(net, addresses)
{
    uint8_t mac[6];
    CHECK_EQ(net_parse_mac("52:54:00:ab:CD:ef", mac), 0);
    CHECK(mac[0] == 0x52 && mac[4] == 0xcd && mac[5] == 0xef);
    CHECK_EQ(net_parse_mac("52-54-00-00-00-01", mac), 0);
    CHECK_EQ(net_parse_mac("52:54:00:00:00", mac), -1);
    CHECK_EQ(net_parse_mac("52:54:00:00:00:0g", mac), -1);
    CHECK_EQ(net_parse_mac("52:54:00:00:00:01:", mac), -1);
    net_default_mac(mac);
    uint8_t next[6];
    net_default_mac(next);
    CHECK_EQ(next[5], (uint8_t)(mac[5] + 1));
    CHECK_EQ(net_parse_pci_addr("3"), 0x18);
    CHECK_EQ(net_parse_pci_addr("1f.7"), 0xff);
    CHECK_EQ(net_parse_pci_addr("20"), -1);
    CHECK_EQ(net_parse_pci_addr("3.8"), -1);
    CHECK_EQ(net_parse_pci_addr("x"), -1);
}

/* -- virtio-net-pci's interrupt and queue options ------------------------- */

/* The MSI-X table size virtio-net-pci offers, or 0 without MSI-X. */
static unsigned msix_vectors(const char *props)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    harness_device("virtio-net-pci", props);
    for (unsigned d = 1; d < 32; d++) {
        outl(0xcf8, 0x80000000u | d << 11);
        if (inl(0xcfc) != 0x10001af4)
            continue;
        outl(0xcf8, 0x80000000u | d << 11 | 0x34);
        unsigned at = inl(0xcfc) & 0xfc;
        for (int hops = 0; at && hops < 16; hops++) {
            outl(0xcf8, 0x80000000u | d << 11 | at);
            uint32_t v = inl(0xcfc);
            if ((v & 0xff) == 0x11)                     /* MSI-X: table size - 1 */
                return ((v >> 16) & 0x7ff) + 1;
            at = (v >> 8) & 0xfc;
        }
        return 0;
    }
    return 0;
}

TEST(net, virtio_net_vectors)
{
    CHECK_EQ(msix_vectors("romfile="), 3);             /* config + RX + TX, as QEMU */
    CHECK_EQ(msix_vectors("romfile=,vectors=5"), 5);
    CHECK_EQ(msix_vectors("romfile=,vectors=0"), 0);   /* INTx only */
}

TEST(net, virtio_net_multiqueue_refused)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    Device *d = device_create("virtio-net-pci", "romfile=,mq=on");
    REQUIRE(d, "mq is a property");
    CHECK(device_realize(d, harness_machine()) < 0);
}

/* -- the Ethernet FCS ------------------------------------------------------ */

TEST(net, crc32)
{
    CHECK_EQ(net_crc32((const uint8_t *)"123456789", 9), 0xcbf43926);     /* the check value */
    CHECK_EQ(net_crc32(NULL, 0), 0);
    static uint8_t buf[1600];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len + off <= sizeof(buf); len += len < 40 ? 1 : 97)
            CHECK_EQ(net_crc32(buf + off, len), crc32_bitwise(buf + off, len));
    for (size_t cut = 0; cut <= 64; cut += 13)          /* in two parts */
        CHECK_EQ(net_crc32_more(net_crc32(buf, cut), buf + cut, 100 - cut),
                 crc32_bitwise(buf, 100));
}

/* -- the socket backend's send batching ------------------------------------ */

TEST(net, socket_burst_sent_together)
{
    harness_init();
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
    char spec[32];
    snprintf(spec, sizeof(spec), "fd=%d", sv[0]);
    Opts o;
    const char *err;
    REQUIRE(opts_parse(&o, spec, NULL, &err) == 0, "options");
    NetClient *sock = net_socket_new(&o, "sockbatch", "-netdev socket");
    opts_free(&o);
    REQUIRE(sock, "socket backend on the pair");
    Probe nic;
    probe(&nic, true, "sockbatch-nic");
    net_connect(nic.nc, sock);
    for (int i = 0; i < 3; i++)
        net_send(nic.nc, frame, sizeof(frame));
    uint8_t buf[1024];
    CHECK(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);   /* held */
    clock_step(1);                                      /* the burst is over */
    ssize_t n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
    CHECK_EQ(n, 3 * (4 + sizeof(frame)));
    CHECK(n >= 4 && buf[3] == sizeof(frame) && !memcmp(buf + 4, frame, sizeof(frame)));
    net_client_free(nic.nc);
    net_client_free(sock);
    close(sv[1]);
}

/* -- a received frame written in one copy ----------------------------------- */

/* Written in pieces of every size across the data/padding/FCS borders,
 * the guest gets exactly the padded frame and its CRC; a piece outside
 * RAM fails. */
TEST(net, rx_frame_pieces)
{
    harness_init();
    AddressSpace *as = &harness_machine()->mem;
    static const size_t lens[] = { 14, 59, 60, 61, 1514 };
    static uint8_t data[1514], want[1514 + 4], got[1514 + 4];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 13 + 1);
    for (size_t k = 0; k < ARRAY_SIZE(lens); k++) {
        size_t len = lens[k], padded = len < 60 ? 60 : len;
        memset(want, 0, sizeof(want));
        memcpy(want, data, len);
        uint32_t crc = net_crc32(want, padded);
        memcpy(want + padded, &crc, 4);
        NetRxFrame f;
        net_rx_frame_init(&f, data, len, true);
        net_rx_frame_fcs(&f);
        CHECK_EQ(f.total, padded + 4);
        for (size_t piece = 1; piece <= 64; piece += 7) {
            for (size_t off = 0; off < f.total; off += piece) {
                size_t n = f.total - off < piece ? f.total - off : piece;
                CHECK(net_rx_frame_write(as, 0x10000 + off, &f, off, n));
            }
            as_read(as, 0x10000, got, f.total);
            CHECK(!memcmp(got, want, f.total));
        }
        net_rx_frame_init(&f, data, len, false);
        CHECK_EQ(f.total, padded);
    }
    NetRxFrame f;
    net_rx_frame_init(&f, data, 100, true);
    CHECK(!net_rx_frame_write(as, 0xfffffffff000ull, &f, 0, f.total));  /* not RAM */
}

/* -- large sends to a tap with vnet_hdr ------------------------------------ */

/* A tap backend on one end of a packet socket pair (fd=), as a tap
 * interface keeps frame boundaries; the NIC probe is its peer. */
static NetClient *tap_on_pair(int sv[2], const char *vnet_hdr, Probe *nic, const char *name)
{
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
    char spec[64];
    snprintf(spec, sizeof(spec), "fd=%d,vnet_hdr=%s", sv[0], vnet_hdr);
    Opts o;
    const char *err;
    REQUIRE(opts_parse(&o, spec, NULL, &err) == 0, "options");
    NetClient *tap = net_tap_new(&o, name, "-netdev tap");
    opts_free(&o);
    REQUIRE(tap, "tap backend on the pair");
    probe(nic, true, "gso-nic");
    net_connect(nic->nc, tap);
    return tap;
}

TEST(net, gso_to_tap_whole)
{
    harness_init();
    static uint8_t big[20000], got[20100];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    const uint8_t hdr[10] = { 1, 1, 54, 0, 0xa8, 0x05, 34, 0, 16, 0 };  /* TCPv4, MSS 1448 */
    int sv[2];
    Probe nic;
    NetClient *tap = tap_on_pair(sv, "on", &nic, "gsotap");
    CHECK(net_send_gso(nic.nc, hdr, big, sizeof(big)));
    ssize_t n = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
    CHECK_EQ(n, 10 + sizeof(big));                      /* one write: header and all */
    CHECK(n >= 10 && !memcmp(got, hdr, 10) && !memcmp(got + 10, big, sizeof(big)));
    net_client_free(nic.nc);
    net_client_free(tap);
    close(sv[1]);

    tap = tap_on_pair(sv, "off", &nic, "plaintap");     /* no header to carry it */
    CHECK(!net_send_gso(nic.nc, hdr, big, sizeof(big)));
    CHECK(recv(sv[1], got, sizeof(got), MSG_DONTWAIT) < 0 && errno == EAGAIN);
    net_client_free(nic.nc);
    net_client_free(tap);
    close(sv[1]);

    Probe a, b;                                         /* a peer without receive_gso */
    probe(&a, true, "gso-a");
    probe(&b, false, "gso-b");
    net_connect(a.nc, b.nc);
    CHECK(!net_send_gso(a.nc, hdr, big, sizeof(big)));
    CHECK_EQ(b.got, 0);
}
