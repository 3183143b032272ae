/* The virtio PCI transport in its legacy form (virtio 1.0, 4.1.4.8), as
 * QEMU's pc machine offers its transitional devices: vendor 1af4, device
 * 0x1000 + type, one I/O BAR with host/guest features, queue PFN (4 KiB
 * aligned legacy ring layout), queue size/select/notify, status and ISR,
 * then the device's configuration; interrupts through INTx. */
#include "hw/virtio/virtio-int.h"
#include "hw/core/machine.h"

#include <string.h>

#define COMMON_SIZE 0x14
#define LEGACY_ALIGN 4096
/* Legacy queues have the device's size; SeaBIOS takes at most 128. */
#define QUEUE_SIZE 128

bool virtio_has_feature(const VirtioPci *vp, int bit)
{
    return (vp->guest_features >> bit) & 1;
}

void virtio_pci_notify(VirtioPci *vp)
{
    vp->isr |= 1;
    pci_set_irq(&vp->fn, 1);
}

static void reset_queues(VirtioPci *vp)
{
    memset(vp->vq, 0, sizeof(vp->vq));
    vp->guest_features = 0;
    vp->queue_sel = 0;
    vp->status = 0;
    vp->isr = 0;
    pci_set_irq(&vp->fn, 0);
    vp->ops->reset(vp);
}

/* Queue n from its page frame number, in the legacy layout: descriptors,
 * the available ring, then the used ring at the next 4 KiB boundary. */
static void set_pfn(VirtioPci *vp, uint32_t pfn)
{
    VirtQueue *vq = &vp->vq[vp->queue_sel];
    if (!pfn) {
        memset(vq, 0, sizeof(*vq));
        return;
    }
    uint16_t num = QUEUE_SIZE;
    vq->num = num;
    vq->desc = (uint64_t)pfn * LEGACY_ALIGN;
    vq->avail = vq->desc + 16ull * num;
    vq->used = (vq->avail + 6 + 2ull * num + LEGACY_ALIGN - 1) & ~(uint64_t)(LEGACY_ALIGN - 1);
    vq->last_avail = vq->used_idx = vq->signalled_used = 0;
    vq->broken = false;
}

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    VirtQueue *vq = vp->queue_sel < vp->nqueues ? &vp->vq[vp->queue_sel] : NULL;
    if (off >= COMMON_SIZE) {
        uint8_t cfg[256] = { 0 };
        uint64_t o = off - COMMON_SIZE, v = 0;
        vp->ops->config(vp, cfg);
        for (unsigned i = 0; i < size && o + i < vp->ops->config_size; i++)
            v |= (uint64_t)cfg[o + i] << (8 * i);
        return v;
    }
    switch (off) {
    case 0x00: return vp->ops->features(vp);
    case 0x04: return vp->guest_features;
    case 0x08: return vq ? (uint32_t)(vq->desc / LEGACY_ALIGN) : 0;
    case 0x0c: return vq ? QUEUE_SIZE : 0;
    case 0x0e: return vp->queue_sel;
    case 0x12: return vp->status;
    case 0x13: {
        uint8_t isr = vp->isr;           /* reading acknowledges */
        vp->isr = 0;
        pci_set_irq(&vp->fn, 0);
        return isr;
    }
    default: return 0;
    }
}

static void bar_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    VirtioPci *vp = opaque;
    (void)size;
    switch (off) {
    case 0x04:
        vp->guest_features = (uint32_t)val & vp->ops->features(vp);
        break;
    case 0x08:
        if (vp->queue_sel < vp->nqueues)
            set_pfn(vp, (uint32_t)val);
        break;
    case 0x0e:
        vp->queue_sel = (uint16_t)val;
        break;
    case 0x10:
        if (val < (uint64_t)vp->nqueues && (vp->status & 4))   /* DRIVER_OK */
            vp->ops->notify(vp, (int)val);
        break;
    case 0x12:
        if (!(val & 0xff))
            reset_queues(vp);
        else
            vp->status = (uint8_t)val;
        break;
    default:
        break;
    }
}

static const MemoryRegionOps bar_ops = { bar_read, bar_write, 1, 4 };

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 4;
    while (p < n)
        p <<= 1;
    return p;
}

int virtio_pci_init(VirtioPci *vp, Machine *m, uint16_t device_id, uint16_t subsys_id,
                    uint8_t class_code, uint8_t subclass, int nqueues, const VirtioDevOps *ops,
                    void *dev)
{
    vp->ops = ops;
    vp->dev = dev;
    vp->m = m;
    vp->nqueues = nqueues;
    pci_function_init(&vp->fn, 0x1af4, device_id, class_code, subclass, 0);
    vp->fn.config[PCI_SUBSYSTEM_VENDOR_ID] = 0xf4;
    vp->fn.config[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x1a;
    vp->fn.config[PCI_SUBSYSTEM_ID] = (uint8_t)subsys_id;
    vp->fn.config[PCI_SUBSYSTEM_ID + 1] = (uint8_t)(subsys_id >> 8);
    vp->fn.config[PCI_INTERRUPT_PIN] = 1;
    mr_init_io(&vp->bar, "virtio-pci", pow2_at_least(COMMON_SIZE + ops->config_size),
               &bar_ops, vp);
    pci_bar_init(&vp->fn, 0, &vp->bar, true);
    return m->pci ? pci_bus_add(m->pci, &vp->fn, -1) : -1;
}

void virtio_pci_reset(VirtioPci *vp)
{
    pci_function_reset(&vp->fn);
    reset_queues(vp);
}

void virtio_pci_remove(VirtioPci *vp)
{
    if (vp->fn.bus)
        pci_bus_remove(vp->fn.bus, &vp->fn);
    mr_free(&vp->bar);
}
