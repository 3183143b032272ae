/* The network card tests' board; see nic-harness.h. */
#include "tests/unit/nic-harness.h"
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/net-checksum.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <string.h>

Wire wire;

void wire_record(const uint8_t *buf, size_t len)
{
    if (wire.n < WIRE_KEEP) {
        memcpy(wire.frame[wire.n], buf, MIN(len, WIRE_FRAME));
        wire.len[wire.n] = len;
    }
    memcpy(wire.last, buf, MIN(len, WIRE_FRAME));
    wire.last_len = len;
    wire.n++;
    if (wire.on_frame)
        wire.on_frame();
}

void wire_forget(void)
{
    wire.n = 0;
    wire.ngso = 0;
}

static bool wire_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    (void)nc;
    wire_record(buf, len);
    return true;
}

static bool wire_receive_gso(NetClient *nc, const uint8_t *hdr, const uint8_t *buf, size_t len)
{
    (void)nc;
    (void)buf;
    memcpy(wire.gso_hdr, hdr, sizeof(wire.gso_hdr));
    wire.gso_len = len;
    wire.ngso++;
    return true;
}

static const NetClientOps wire_ops = { .kind = NET_SOCKET, .receive = wire_receive };
static const NetClientOps gso_wire_ops = { .kind = NET_TAP, .receive = wire_receive,
                                           .receive_gso = wire_receive_gso };

int nic_board(const char *model, const char *props, uint32_t id, bool gso)
{
    /* A fresh wire name each time: a test may build several boards, and
     * the earlier ones keep their netdevs. */
    static int nwire;
    char name[16], all[128];
    harness_init();
    memset(&wire, 0, sizeof(wire));
    snprintf(name, sizeof(name), "wire%d", nwire++);
    snprintf(all, sizeof(all), "netdev=%s,%s", name, props);
    wire.nc = net_client_new(gso ? &gso_wire_ops : &wire_ops, "wire", name, NULL);
    harness_device("i440FX-pcihost", NULL);
    harness_device(model, all);
    machine_reset(harness_machine());
    int dev = harness_pci_find(id);
    if (dev < 0) {
        static char why[64];
        snprintf(why, sizeof(why), "%s not found on the bus", model);
        unit_abort(__FILE__, __LINE__, why);
    }
    return dev;
}

void eth_ipv4(uint8_t *f, const char *macs, const char *addrs, uint8_t proto, uint16_t id,
              size_t l4len)
{
    memcpy(f, macs, 12);
    net_put16(f + 12, 0x0800);
    memset(f + 14, 0, 20);
    f[14] = 0x45;
    net_put16(f + 16, (uint16_t)(20 + l4len));
    net_put16(f + 18, id);
    f[22] = 64;
    f[23] = proto;
    memcpy(f + 26, addrs, 8);
}

void tcp_header(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                uint16_t window)
{
    uint8_t *t = f + 34;
    memset(t, 0, 20);
    net_put16(t, sport);
    net_put16(t + 2, dport);
    net_put32(t + 4, seq);
    t[12] = 5 << 4;
    t[13] = flags;
    net_put16(t + 14, window);
}

void udp_header(uint8_t *f, uint16_t sport, uint16_t dport, uint16_t len)
{
    uint8_t *u = f + 34;
    net_put16(u, sport);
    net_put16(u + 2, dport);
    net_put16(u + 4, len);
    net_put16(u + 6, 0);
}

uint32_t crc32_bitwise(const uint8_t *p, size_t len)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

void poke(uint64_t a, const void *p, size_t n) { as_write(&harness_machine()->mem, a, p, n); }
void peek(uint64_t a, void *p, size_t n) { as_read(&harness_machine()->mem, a, p, n); }
