/* virtio-net-pci (virtio 1.0, 5.1) on the PCI transport: queue 0 receives,
 * queue 1 transmits; every buffer starts with the virtio-net header:
 * 12 bytes with VERSION_1 or mergeable receive buffers, 10 otherwise
 * (legacy drivers without them).  Offered: the MAC address
 * and the link status in the configuration, mergeable buffers, and
 * checksum offload both ways: a frame sent with NEEDS_CSUM gets its
 * checksum here, and a received IPv4 TCP/UDP frame whose checksums kemu
 * found correct is marked DATA_VALID (GUEST_CSUM), so the driver need not
 * sum every byte again, which under TCG costs more than the copy; and
 * GUEST_TSO4: a bulk transfer's TCP segments reach the driver joined into
 * large ones (net-coalesce.c) spread over mergeable buffers, one packet
 * for its stack instead of dozens.  HOST_TSO4: the driver sends large TCP
 * segments (up to 64 KiB) with one header, and they are cut to the MSS
 * here (net-tso.c) for backends that take only wire-sized frames. */
#include "hw/virtio/virtio-int.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/clock.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net-coalesce.h"
#include "hw/core/net-tso.h"
#include "hw/core/net.h"
#include "hw/core/net-boot.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F_CSUM       0
#define F_GUEST_CSUM 1
#define F_MAC        5
#define F_GUEST_TSO4 7
#define F_HOST_TSO4  11
#define F_MRG_RXBUF  15
#define F_STATUS     16
#define S_LINK_UP    1
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2
#define GSO_NONE 0
#define GSO_TCPV4 1
#define GSO_ECN 0x80
#define RX_CHAINS_MAX 256       /* buffers one frame may take */
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
    VirtElem rx_first;          /* a received frame's first chain */
    NetCoalesce *co;            /* GUEST_TSO4: segments held to be joined */
    Timer co_timer;             /* delivers them when the burst is over */
    Timer tx_timer;             /* continues a transmit queue kept full */
    bool co_off;                /* until reset: a joined run could not fit */
} VirtioNet;

static AddressSpace *mem(VirtioNet *s) { return &s->dev.machine->mem; }

static size_t hdr_len(VirtioNet *s)
{
    return virtio_has_feature(&s->vp, F_MRG_RXBUF) ||
           virtio_has_feature(&s->vp, VIRTIO_F_VERSION_1) ? 12 : 10;
}

static int pop(VirtioNet *s, int q)
{
    VirtioPci *vp = &s->vp;
    if (!(vp->status & 4) || !vp->vq[q].num || vp->vq[q].broken)
        return 0;
    return virtq_pop(mem(s), &vp->vq[q], virtio_has_feature(vp, VIRTIO_RING_F_INDIRECT_DESC),
                     virtio_has_feature(vp, VIRTIO_RING_F_EVENT_IDX), &s->elem[q]);
}

/* The bytes [done, done + room) of header-then-frame into chain e. */
static uint64_t write_part(VirtioNet *s, const VirtElem *e, const uint8_t *hdr, size_t hl,
                           const uint8_t *buf, size_t len, size_t done, uint64_t room)
{
    uint64_t w = 0;
    if (done < hl) {
        uint64_t h = MIN(hl - done, room);
        w = virtq_copy_to(mem(s), e, 0, hdr + done, h);
        if (done + w < hl)
            return w;           /* the chain ended (or failed) inside the header */
    }
    size_t from = done + w - hl;
    return w + virtq_copy_to(mem(s), e, w, buf + from, MIN(len - from, room - w));
}

/* Header and frame into receive chains: one, or with mergeable buffers as
 * many as it takes (num_buffers in the header says how many).  1 when
 * done (or lost to a broken ring), 0 when the ring has too few buffers
 * now: nothing taken, the frame waits; -1 when even the whole ring could
 * never hold it: dropped. */
static int rx_deliver(VirtioNet *s, uint8_t *hdr, const uint8_t *buf, size_t len)
{
    size_t hl = hdr_len(s), done = 0;
    bool mrg = virtio_has_feature(&s->vp, F_MRG_RXBUF);
    uint16_t heads[RX_CHAINS_MAX];
    uint32_t lens[RX_CHAINS_MAX];
    unsigned n = 0, most = MIN(RX_CHAINS_MAX, s->vp.vq[RX].num);
    while (done < hl + len && (n == 0 || (mrg && n < most))) {
        int r = pop(s, RX);
        if (r < 0)
            return 1;           /* a broken ring takes nothing */
        if (r == 0) {
            virtq_unpop(&s->vp.vq[RX], (uint16_t)n);
            return 0;           /* held until the driver adds buffers */
        }
        VirtElem *e = &s->elem[RX];
        if (n == 0) {           /* num_buffers is written into it last */
            s->rx_first.head = e->head;
            s->rx_first.nseg = e->nseg;
            memcpy(s->rx_first.seg, e->seg, e->nseg * sizeof(e->seg[0]));
        }
        uint64_t w = write_part(s, e, hdr, hl, buf, len, done, virtq_len(e, true));
        heads[n] = e->head;
        lens[n++] = (uint32_t)w;
        done += w;
        if (done < hl)
            break;              /* not even the header fits: the frame is lost */
    }
    if (mrg && done < hl + len && n == most) {
        virtq_unpop(&s->vp.vq[RX], (uint16_t)n);
        return -1;
    }
    if (n > 1) {
        uint8_t nb[2] = { (uint8_t)n, (uint8_t)(n >> 8) };
        virtq_copy_to(mem(s), &s->rx_first, 10, nb, 2);
    }
    bool notify = false;
    bool ev = virtio_has_feature(&s->vp, VIRTIO_RING_F_EVENT_IDX);
    for (unsigned i = 0; i < n; i++)
        notify |= virtq_push(mem(s), &s->vp.vq[RX], heads[i], lens[i], ev);
    if (notify)
        virtio_pci_notify_queue(&s->vp, RX);
    return 1;
}

/* One frame as it came: DATA_VALID when its checksums are right. */
static bool rx_frame(VirtioNet *s, const uint8_t *buf, size_t len)
{
    uint8_t hdr[12] = { 0 };
    hdr[10] = 1;                /* num_buffers (mergeable) */
    if (virtio_has_feature(&s->vp, F_GUEST_CSUM) && net_frame_csum_ok(buf, len))
        hdr[0] = HDR_F_DATA_VALID;
    return rx_deliver(s, hdr, buf, len) != 0;
}

/* The held run of segments, as one large segment when there are several. */
static bool rx_flush_held(VirtioNet *s)
{
    NetCoalesce *c = s->co;
    if (!c || !c->len)
        return true;
    net_coalesce_finish(c);
    uint8_t hdr[12] = { HDR_F_DATA_VALID };
    hdr[10] = 1;
    if (c->segs > 1) {
        hdr[1] = GSO_TCPV4;
        hdr[2] = (uint8_t)c->hdr;
        hdr[4] = (uint8_t)c->mss;
        hdr[5] = (uint8_t)(c->mss >> 8);
    }
    int r = rx_deliver(s, hdr, c->buf, c->len);
    if (r == 0)
        return false;
    if (r < 0)
        s->co_off = true;       /* its buffers are too small for large segments */
    c->len = 0;
    return true;
}

static bool coalescing(VirtioNet *s)
{
    VirtioPci *vp = &s->vp;
    return s->co && !s->co_off && virtio_has_feature(vp, F_GUEST_TSO4) &&
           virtio_has_feature(vp, F_GUEST_CSUM) && virtio_has_feature(vp, F_MRG_RXBUF);
}

/* With GUEST_TSO4 a bulk transfer's segments are held and joined until
 * the burst that brought them is over (a timer due at once, run by the
 * event loop after the backend's turn) or one that does not continue the
 * run arrives. */
static bool net_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    VirtioNet *s = nc->opaque;
    if (!pci_bus_master(&s->vp.fn))
        return true;
    if (coalescing(s)) {
        if (net_coalesce_append(s->co, buf, len))
            return true;
        if (!rx_flush_held(s))
            return false;
        if (net_coalesce_start(s->co, buf, len)) {
            timer_mod(&s->co_timer, clock_ns());
            return true;
        }
    }
    return rx_frame(s, buf, len);
}

static void held_timer(void *opaque)
{
    rx_flush_held(opaque);      /* no buffers: the driver's next notify delivers */
}

/* NEEDS_CSUM: sum from csum_start to the end into csum_start+csum_offset. */
static void complete_csum(uint8_t *f, size_t len, const uint8_t *hdr)
{
    size_t start = (size_t)(hdr[6] | hdr[7] << 8), off = start + (size_t)(hdr[8] | hdr[9] << 8);
    if (!(hdr[0] & HDR_F_NEEDS_CSUM) || start >= len || off + 2 > len)
        return;
    net_put16(f + off, net_csum_finish(net_csum_add(0, f + start, len - start)));
}

static void tx_segment(void *opaque, const uint8_t *f, size_t len)
{
    net_send(((VirtioNet *)opaque)->nc, f, len);
}

/* One frame the driver handed down, after its header: as it is, with its
 * checksum completed, or (HOST_TSO4) a large TCP send whole to a backend
 * that takes it so (tap with vnet_hdr=on, as the peer), else cut into
 * segments for backends that take frames of the wire's size.  A large send of
 * another type, or one that is not a sane TCP/IPv4 packet or has no MSS,
 * is dropped. */
static void tx_frame(VirtioNet *s, uint8_t *f, size_t len, const uint8_t *hdr)
{
    unsigned gso = hdr[1] & ~GSO_ECN;
    if (gso == GSO_NONE) {
        complete_csum(f, len, hdr);
        net_send(s->nc, f, len);
    } else if (gso == GSO_TCPV4 && virtio_has_feature(&s->vp, F_HOST_TSO4)) {
        unsigned mss = (unsigned)(hdr[4] | hdr[5] << 8);
        if (net_tso4_ok(f, len, mss) && !net_send_gso(s->nc, hdr, f, len))
            net_tso4_segment(f, len, mss, tx_segment, s);
    }
}

/* Up to budget chains of the transmit queue out to the backend; the used
 * entries are published as they go and the driver interrupted once at
 * the end if it asked.  The number taken. */
static unsigned tx_drain(VirtioNet *s, unsigned budget)
{
    static uint8_t frame[NET_MAX_FRAME + 12];
    VirtElem *e = &s->elem[TX];
    bool ev = virtio_has_feature(&s->vp, VIRTIO_RING_F_EVENT_IDX), notify = false;
    unsigned n = 0;
    while (n < budget && pop(s, TX) == 1) {
        size_t hl = hdr_len(s);
        uint64_t total = virtq_len(e, false);
        if (total > hl && total - hl <= NET_MAX_FRAME) {
            uint64_t got = virtq_copy_from(mem(s), e, 0, frame, total);
            if (got == total)
                tx_frame(s, frame + hl, total - hl, frame);
        }
        notify |= virtq_push(mem(s), &s->vp.vq[TX], e->head, 0, ev);
        n++;
    }
    if (notify)
        virtio_pci_notify_queue(&s->vp, TX);
    return n;
}

/* A kick drains the queue with the driver's notifications off, so that
 * what it queues meanwhile (another vCPU) costs it no exit, then turns
 * them on and looks once more.  At most TX_BUDGET chains per kick: a
 * driver that keeps the ring full cannot hold the machine lock; the
 * event loop continues. */
#define TX_BUDGET 256
static void transmit(VirtioNet *s)
{
    VirtQueue *vq = &s->vp.vq[TX];
    bool ev = virtio_has_feature(&s->vp, VIRTIO_RING_F_EVENT_IDX);
    unsigned done = 0;
    do {
        virtq_set_notification(mem(s), vq, false, ev);
        done += tx_drain(s, TX_BUDGET - done);
        virtq_set_notification(mem(s), vq, true, ev);
    } while (done < TX_BUDGET && virtq_has_avail(mem(s), vq));
    if (done >= TX_BUDGET && virtq_has_avail(mem(s), vq))
        timer_mod(&s->tx_timer, clock_ns());
}

static void tx_continue(void *opaque)
{
    VirtioNet *s = opaque;
    if (s->vp.status & 4)
        transmit(s);
}

static void net_notify(VirtioPci *vp, int n)
{
    VirtioNet *s = vp->dev;
    if (n == RX && rx_flush_held(s))
        net_flush_queue(s->nc);
    else if (n == TX)
        transmit(s);
}

static uint64_t net_features(VirtioPci *vp)
{
    (void)vp;
    return 1ull << F_CSUM | 1u << F_GUEST_CSUM | 1u << F_GUEST_TSO4 | 1u << F_HOST_TSO4 |
           1u << F_MAC | 1u << F_MRG_RXBUF | 1u << F_STATUS |
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
    VirtioNet *s = vp->dev;
    if (s->co)
        s->co->len = 0;
    s->co_off = false;
    timer_del(&s->co_timer);
    timer_del(&s->tx_timer);
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
    timer_init(&s->co_timer, held_timer, s);
    timer_init(&s->tx_timer, tx_continue, s);
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
    s->co = xzalloc(sizeof(*s->co));
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
    timer_del(&s->co_timer);
    timer_del(&s->tx_timer);
    free(s->co);
    s->co = NULL;
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
