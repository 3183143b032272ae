/* virtio-net-pci (virtio 1.0, 5.1) on the PCI transport: queue 0 receives,
 * queue 1 transmits; every buffer starts with the virtio-net header:
 * 12 bytes with VERSION_1 or mergeable receive buffers, 10 otherwise
 * (legacy drivers without them).  Offered: the MAC address
 * and the link status in the configuration, mergeable buffers, and
 * checksum offload both ways: a frame sent with NEEDS_CSUM gets its
 * checksum here, and a received IPv4 TCP/UDP frame whose checksums kemu
 * found correct is marked DATA_VALID (GUEST_CSUM), so the driver need not
 * sum every byte again, which under TCG costs more than the copy. */
#include "hw/virtio/virtio-int.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net.h"
#include "hw/core/net-boot.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F_CSUM       0
#define F_GUEST_CSUM 1
#define F_MAC        5
#define F_MRG_RXBUF  15
#define F_STATUS     16
#define S_LINK_UP    1
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2
#define RX 0
#define TX 1

typedef struct VirtioNet {
    Device dev;
    VirtioPci vp;
    NetClient *nc;
    char *netdev, *mac_str, *addr;
    NetBoot boot;               /* romfile=, rombar=, bootindex= */
    bool mq;                    /* mq=on: refused, one queue pair only */
    uint8_t mac[6];
    VirtElem elem[2];           /* per queue: sending may receive a reply at once */
} VirtioNet;

static AddressSpace *mem(VirtioNet *s) { return &s->dev.machine->mem; }

static size_t hdr_len(VirtioNet *s)
{
    return virtio_has_feature(&s->vp, F_MRG_RXBUF) ||
           virtio_has_feature(&s->vp, VIRTIO_F_VERSION_1) ? 12 : 10;
}

static void push(VirtioNet *s, int q, uint16_t head, uint32_t len)
{
    if (virtq_push(mem(s), &s->vp.vq[q], head, len,
                   virtio_has_feature(&s->vp, VIRTIO_RING_F_EVENT_IDX)))
        virtio_pci_notify_queue(&s->vp, q);
}

static int pop(VirtioNet *s, int q)
{
    VirtioPci *vp = &s->vp;
    if (!(vp->status & 4) || !vp->vq[q].num || vp->vq[q].broken)
        return 0;
    return virtq_pop(mem(s), &vp->vq[q], virtio_has_feature(vp, VIRTIO_RING_F_INDIRECT_DESC),
                     virtio_has_feature(vp, VIRTIO_RING_F_EVENT_IDX), &s->elem[q]);
}

/* One frame into one receive chain: header (one buffer used), frame. */
static bool net_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    VirtioNet *s = nc->opaque;
    if (!pci_bus_master(&s->vp.fn))
        return true;
    int r = pop(s, RX);
    if (r < 0)
        return true;            /* a broken ring takes nothing */
    if (r == 0)
        return false;           /* no buffer yet: held until the driver adds some */
    uint8_t hdr[12] = { 0 };
    size_t hl = hdr_len(s);
    hdr[10] = 1;                /* num_buffers (mergeable) */
    if (virtio_has_feature(&s->vp, F_GUEST_CSUM) && net_frame_csum_ok(buf, len))
        hdr[0] = HDR_F_DATA_VALID;
    VirtElem *e = &s->elem[RX];
    uint64_t n = virtq_copy_to(mem(s), e, 0, hdr, hl);
    if (n == hl)
        n += virtq_copy_to(mem(s), e, hl, buf, len);
    push(s, RX, e->head, (uint32_t)n);
    return true;
}

/* NEEDS_CSUM: sum from csum_start to the end into csum_start+csum_offset. */
static void complete_csum(uint8_t *f, size_t len, const uint8_t *hdr)
{
    size_t start = (size_t)(hdr[6] | hdr[7] << 8), off = start + (size_t)(hdr[8] | hdr[9] << 8);
    if (!(hdr[0] & HDR_F_NEEDS_CSUM) || start >= len || off + 2 > len)
        return;
    net_put16(f + off, net_csum_finish(net_csum_add(0, f + start, len - start)));
}

static void transmit(VirtioNet *s)
{
    static uint8_t frame[NET_MAX_FRAME + 12];
    int r;
    VirtElem *e = &s->elem[TX];
    while ((r = pop(s, TX)) == 1) {
        size_t hl = hdr_len(s);
        uint64_t total = virtq_len(e, false);
        if (total > hl && total - hl <= NET_MAX_FRAME) {
            uint64_t got = virtq_copy_from(mem(s), e, 0, frame, total);
            if (got == total) {
                complete_csum(frame + hl, total - hl, frame);
                net_send(s->nc, frame + hl, total - hl);
            }
        }
        push(s, TX, e->head, 0);
    }
}

static void net_notify(VirtioPci *vp, int n)
{
    VirtioNet *s = vp->dev;
    if (n == RX)
        net_flush_queue(s->nc);
    else if (n == TX)
        transmit(s);
}

static uint64_t net_features(VirtioPci *vp)
{
    (void)vp;
    return 1ull << F_CSUM | 1u << F_GUEST_CSUM | 1u << F_MAC | 1u << F_MRG_RXBUF | 1u << F_STATUS |
           1u << VIRTIO_RING_F_INDIRECT_DESC | 1u << VIRTIO_RING_F_EVENT_IDX |
           1u << VIRTIO_F_NOTIFY_ON_EMPTY;
}

static void net_config(VirtioPci *vp, uint8_t *c)
{
    VirtioNet *s = vp->dev;
    memcpy(c, s->mac, 6);
    c[6] = s->nc && s->nc->link_down ? 0 : S_LINK_UP;
    c[7] = 0;
}

static void net_reset(VirtioPci *vp)
{
    (void)vp;
}

/* The status field changed: a configuration interrupt (ISR bit 1). */
static void link_changed(NetClient *nc)
{
    VirtioNet *s = nc->opaque;
    virtio_pci_config_changed(&s->vp);
}

static const VirtioDevOps net_ops = {
    .features = net_features, .notify = net_notify, .config_size = 8,
    .config = net_config, .reset = net_reset,
};

static const NetClientOps nic_ops = {
    .kind = NET_NIC, .receive = net_receive, .link_changed = link_changed,
};

static const Property net_props[] = {
    DEFINE_PROP_STR("netdev", VirtioNet, netdev, NULL),
    DEFINE_PROP_STR("mac", VirtioNet, mac_str, NULL),
    DEFINE_PROP_STR("addr", VirtioNet, addr, NULL),
    NET_BOOT_PROPS(VirtioNet, boot),
    DEFINE_PROP("mq", VirtioNet, mq, PROP_BOOL, false),
    VIRTIO_PCI_PROPS(VirtioNet, vp),
    PROP_END,
};

static int net_realize(Device *dev, Machine *m)
{
    VirtioNet *s = (VirtioNet *)dev;
    if (!m->pci) {
        error_report("virtio-net-pci: the machine has no PCI bus");
        return -1;
    }
    if (s->mq) {
        error_report("virtio-net-pci: mq=on: multiqueue is not supported (one receive and "
                     "one transmit queue)");
        return -1;
    }
    int devfn = -1;
    if (s->addr && (devfn = net_parse_pci_addr(s->addr)) < 0) {
        error_report("virtio-net-pci: Property 'virtio-net-pci.addr' doesn't take value '%s'",
                     s->addr);
        return -1;
    }
    s->nc = net_nic_new(&nic_ops, "virtio-net-pci", dev->id, s->netdev, s->mac_str, s->mac, s);
    if (!s->nc)
        return -1;
    static const VirtioPciId id = { .type = 1, .legacy_id = 0x1000, .class_code = 0x02,
                                    .subclass = 0x00, .nqueues = 2 };
    if (virtio_pci_init(&s->vp, m, &id, &net_ops, s, "virtio-net-pci") < 0) {
        virtio_pci_remove(&s->vp);
        net_client_free(s->nc);
        s->nc = NULL;
        return -1;
    }
    /* addr=: the transport took the first free slot; move it there. */
    if (devfn >= 0 && devfn != s->vp.fn.devfn) {
        pci_bus_remove(m->pci, &s->vp.fn);
        if (pci_bus_add(m->pci, &s->vp.fn, devfn) < 0) {
            error_report("virtio-net-pci: PCI address %s is taken", s->addr);
            net_client_free(s->nc);
            s->nc = NULL;
            virtio_pci_remove(&s->vp);
            return -1;
        }
    }
    if (net_boot_init(&s->boot, &s->vp.fn, "virtio-net-pci", "efi-virtio.rom") < 0) {
        net_client_free(s->nc);
        s->nc = NULL;
        virtio_pci_remove(&s->vp);
        return -1;
    }
    return 0;
}

static void net_dev_reset(Device *dev)
{
    virtio_pci_reset(&((VirtioNet *)dev)->vp);
}

static void net_unrealize(Device *dev)
{
    VirtioNet *s = (VirtioNet *)dev;
    net_client_free(s->nc);
    virtio_pci_remove(&s->vp);
    net_boot_free(&s->boot);
}

static void virtio_net_info(Device *dev, char *buf, size_t len)
{
    VirtioNet *s = (VirtioNet *)dev;
    char mac[20];
    net_format_mac(s->mac, mac, sizeof(mac));
    snprintf(buf, len, "mac=%s netdev=%s devfn 0x%02x status 0x%02x", mac,
             s->netdev ? s->netdev : "", s->vp.fn.devfn, s->vp.status);
}

static DeviceClass virtio_net_class = {
    .name = "virtio-net-pci",
    .desc = "virtio network device (PCI)",
    .bus = "pci",
    .size = sizeof(VirtioNet),
    .props = net_props,
    .user_creatable = true,
    .realize = net_realize,
    .reset = net_dev_reset,
    .unrealize = net_unrealize,
    .info = virtio_net_info,
};
DEVICE_REGISTER(virtio_net_class)
