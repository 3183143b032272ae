/* The modern virtio PCI interface (virtio 1.0, 4.1.4): vendor-specific
 * capabilities point into BAR 4 (64-bit, prefetchable, 16 KiB, QEMU's
 * layout): the common configuration at 0, the ISR at 0x1000, the device
 * configuration at 0x2000 and the notification area at 0x3000 (queue n at
 * 4 * n); a fifth capability is the PCI configuration access window. */
#include "hw/virtio/virtio-int.h"

#include <string.h>

enum { CAP_COMMON = 1, CAP_NOTIFY = 2, CAP_ISR = 3, CAP_DEVICE = 4, CAP_PCI = 5 };
#define MODERN_BAR 4
#define PART 0x1000
#define BAR_SIZE (4 * PART)
#define NOTIFY_MULT 4

/* The common configuration structure's fields (4.1.4.3). */
enum { C_DFSELECT = 0x00, C_DF = 0x04, C_GFSELECT = 0x08, C_GF = 0x0c, C_MSIX = 0x10,
       C_NUMQ = 0x12, C_STATUS = 0x14, C_GENERATION = 0x15, C_QSEL = 0x16, C_QSIZE = 0x18,
       C_QMSIX = 0x1a, C_QENABLE = 0x1c, C_QNOTIFY_OFF = 0x1e, C_QDESC = 0x20,
       C_QDESC_HI = 0x24, C_QAVAIL = 0x28, C_QAVAIL_HI = 0x2c, C_QUSED = 0x30,
       C_QUSED_HI = 0x34 };

static VirtioQueueCfg *selected(VirtioPci *vp)
{
    return vp->queue_sel < vp->nqueues ? &vp->qcfg[vp->queue_sel] : NULL;
}

static uint64_t queue_read(VirtioQueueCfg *q, uint64_t off)
{
    switch (off) {
    case C_QSIZE: return q->size;
    case C_QMSIX: return q->vector;
    case C_QENABLE: return q->enabled;
    case C_QDESC: return (uint32_t)q->desc;
    case C_QDESC_HI: return q->desc >> 32;
    case C_QAVAIL: return (uint32_t)q->avail;
    case C_QAVAIL_HI: return q->avail >> 32;
    case C_QUSED: return (uint32_t)q->used;
    case C_QUSED_HI: return q->used >> 32;
    default: return 0;
    }
}

static uint64_t common_read(VirtioPci *vp, uint64_t off)
{
    VirtioQueueCfg *q = selected(vp);
    switch (off) {
    case C_DFSELECT: return vp->dfselect;
    case C_DF:
        return vp->dfselect < 2 ? (uint32_t)(virtio_pci_host_features(vp) >>
                                             (32 * vp->dfselect)) : 0;
    case C_GFSELECT: return vp->gfselect;
    case C_GF: return vp->gfselect < 2 ? (uint32_t)(vp->guest_features >> (32 * vp->gfselect)) : 0;
    case C_MSIX: return vp->config_vector;
    case C_NUMQ: return (uint64_t)vp->nqueues;
    case C_STATUS: return vp->status;
    case C_GENERATION: return vp->generation;
    case C_QSEL: return vp->queue_sel;
    case C_QNOTIFY_OFF: return q ? vp->queue_sel : 0;
    default: return q ? queue_read(q, off) : 0;
    }
}

static void set_half(uint64_t *a, uint64_t val, bool hi)
{
    *a = hi ? (*a & 0xffffffffu) | (uint64_t)(uint32_t)val << 32
            : (*a & ~0xffffffffull) | (uint32_t)val;
}

/* Split rings have a power-of-two size no larger than the maximum. */
static void set_size(VirtioQueueCfg *q, uint64_t val)
{
    if (val && val <= VIRTQ_MAX_SIZE / 4 && !(val & (val - 1)))
        q->size = (uint16_t)val;
}

static void queue_write(VirtioPci *vp, VirtioQueueCfg *q, uint64_t off, uint64_t val)
{
    if (q->enabled && off != C_QMSIX)
        return;                  /* a live queue's layout is fixed until reset */
    switch (off) {
    case C_QSIZE: set_size(q, val); break;
    case C_QMSIX: q->vector = virtio_pci_vector(vp, val & 0xffff); break;
    case C_QENABLE:
        if (val & 1)
            virtio_pci_enable_queue(vp, vp->queue_sel);
        break;
    case C_QDESC: case C_QDESC_HI: set_half(&q->desc, val, off == C_QDESC_HI); break;
    case C_QAVAIL: case C_QAVAIL_HI: set_half(&q->avail, val, off == C_QAVAIL_HI); break;
    case C_QUSED: case C_QUSED_HI: set_half(&q->used, val, off == C_QUSED_HI); break;
    default: break;
    }
}

static void set_guest_features(VirtioPci *vp, uint64_t val)
{
    uint64_t f = vp->guest_features;
    if (vp->gfselect >= 2 || (vp->status & VIRTIO_S_FEATURES_OK))
        return;
    set_half(&f, val, vp->gfselect == 1);
    vp->guest_features = f & virtio_pci_host_features(vp);
}

static void common_write(VirtioPci *vp, uint64_t off, uint64_t val)
{
    VirtioQueueCfg *q = selected(vp);
    switch (off) {
    case C_DFSELECT: vp->dfselect = (uint32_t)val; break;
    case C_GFSELECT: vp->gfselect = (uint32_t)val; break;
    case C_GF: set_guest_features(vp, val); break;
    case C_MSIX: vp->config_vector = virtio_pci_vector(vp, val & 0xffff); break;
    case C_STATUS: virtio_pci_set_status(vp, (uint8_t)val); break;
    case C_QSEL: vp->queue_sel = (uint16_t)val; break;
    default:
        if (q)
            queue_write(vp, q, off, val);
        break;
    }
}

static uint64_t modern_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    switch (off / PART) {
    case 0: return common_read(vp, off);
    case 1: return off == PART ? virtio_pci_read_isr(vp) : 0;
    case 2: return virtio_pci_config_read(vp, off - 2 * PART, size);
    default: return 0;
    }
}

static void modern_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    VirtioPci *vp = opaque;
    (void)size;
    if (off < PART)
        common_write(vp, off, val);
    else if (off >= 3 * PART && off % NOTIFY_MULT == 0)
        virtio_pci_kick(vp, (off - 3 * PART) / NOTIFY_MULT);
}

static const MemoryRegionOps modern_ops = { modern_read, modern_write, 1, 4 };

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* struct virtio_pci_cap (4.1.4): cap_len, cfg_type, bar, then the range. */
static uint8_t add_cap(VirtioPci *vp, uint8_t type, uint8_t len, uint32_t off, uint32_t size)
{
    uint8_t at = pci_add_capability(&vp->fn, PCI_CAP_ID_VNDR, len);
    uint8_t *c = vp->fn.config + at;
    if (!at)
        return 0;
    c[2] = len;
    c[3] = type;
    c[4] = MODERN_BAR;
    put32(c + 8, off);
    put32(c + 12, size);
    return at;
}

/* The PCI configuration access capability (4.1.4.7): bar, offset and
 * length say where pci_cfg_data reads and writes go in the BAR. */
static void cfg_window(PCIFunction *f, unsigned reg, unsigned size, bool write)
{
    VirtioPci *vp = (VirtioPci *)f;
    uint8_t *c = f->config + vp->cfg_cap;
    unsigned data = vp->cfg_cap + 16u;
    if (!vp->cfg_cap || reg + size <= data || reg >= data + 4)
        return;
    uint32_t off = (uint32_t)(c[8] | c[9] << 8 | c[10] << 16 | (uint32_t)c[11] << 24);
    uint32_t len = (uint32_t)(c[12] | c[13] << 8 | c[14] << 16 | (uint32_t)c[15] << 24);
    if (c[4] != MODERN_BAR || (len != 1 && len != 2 && len != 4) || off % len ||
        off >= BAR_SIZE)
        return;
    uint32_t v = 0;
    if (write) {
        for (unsigned i = 0; i < len; i++)
            v |= (uint32_t)c[16 + i] << (8 * i);
        modern_write(vp, off, v, len);
    } else {
        put32(c + 16, (uint32_t)modern_read(vp, off, len));
    }
}

static void cfg_written(PCIFunction *f, unsigned reg, unsigned size)
{
    cfg_window(f, reg, size, true);
}

static void cfg_reading(PCIFunction *f, unsigned reg, unsigned size)
{
    cfg_window(f, reg, size, false);
}

void virtio_pci_modern_init(VirtioPci *vp)
{
    PCIFunction *f = &vp->fn;
    mr_init_io(&vp->modern_bar, "virtio-pci-modern", BAR_SIZE, &modern_ops, vp);
    pci_bar_init_flags(f, MODERN_BAR, &vp->modern_bar, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
    add_cap(vp, CAP_COMMON, 16, 0, PART);
    add_cap(vp, CAP_ISR, 16, PART, PART);
    add_cap(vp, CAP_DEVICE, 16, 2 * PART, PART);
    uint8_t n = add_cap(vp, CAP_NOTIFY, 20, 3 * PART, PART);
    put32(f->config + n + 16, NOTIFY_MULT);
    vp->cfg_cap = add_cap(vp, CAP_PCI, 20, 0, 0);
    if (vp->cfg_cap) {
        f->wmask[vp->cfg_cap + 4] = 0xff;
        memset(f->wmask + vp->cfg_cap + 8, 0xff, 12);
        f->config_written = cfg_written;
        f->config_reading = cfg_reading;
    }
}
