/* The legacy virtio PCI interface (virtio 1.0, 4.1.4.8): one I/O BAR with
 * the 32 low feature bits, the queue's page frame number (4 KiB aligned
 * legacy ring layout), queue size/select/notify, status and ISR; with
 * MSI-X enabled the config and queue vectors follow (0x14, 0x16), then
 * the device's configuration. */
#include "hw/virtio/virtio-int.h"

#include <string.h>

#define LEGACY_ALIGN 4096
#define HEADER_SIZE 0x14
#define HEADER_SIZE_MSIX 0x18
/* Legacy queues have the device's size; SeaBIOS takes at most 128. */
#define QUEUE_SIZE 128

enum { R_HOST_FEATURES = 0x00, R_GUEST_FEATURES = 0x04, R_QUEUE_PFN = 0x08,
       R_QUEUE_NUM = 0x0c, R_QUEUE_SEL = 0x0e, R_QUEUE_NOTIFY = 0x10, R_STATUS = 0x12,
       R_ISR = 0x13, R_CONFIG_VECTOR = 0x14, R_QUEUE_VECTOR = 0x16 };

static VirtioQueueCfg *selected(VirtioPci *vp)
{
    return vp->queue_sel < vp->nqueues ? &vp->qcfg[vp->queue_sel] : NULL;
}

/* Queue n from its page frame number, in the legacy layout: descriptors,
 * the available ring, then the used ring at the next 4 KiB boundary. */
static void set_pfn(VirtioPci *vp, uint32_t pfn)
{
    int n = vp->queue_sel;
    VirtioQueueCfg *q = &vp->qcfg[n];
    if (!pfn) {
        memset(&vp->vq[n], 0, sizeof(vp->vq[n]));
        q->enabled = false;
        return;
    }
    q->size = QUEUE_SIZE;
    q->desc = (uint64_t)pfn * LEGACY_ALIGN;
    q->avail = q->desc + 16ull * QUEUE_SIZE;
    q->used = (q->avail + 6 + 2ull * QUEUE_SIZE + LEGACY_ALIGN - 1) &
              ~(uint64_t)(LEGACY_ALIGN - 1);
    virtio_pci_enable_queue(vp, n);
}

static unsigned header_size(VirtioPci *vp)
{
    return msix_enabled(&vp->msix) ? HEADER_SIZE_MSIX : HEADER_SIZE;
}

static uint64_t legacy_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    VirtioQueueCfg *q = selected(vp);
    if (off >= header_size(vp))
        return virtio_pci_config_read(vp, off - header_size(vp), size);
    switch (off) {
    case R_HOST_FEATURES: return (uint32_t)virtio_pci_host_features(vp);
    case R_GUEST_FEATURES: return (uint32_t)vp->guest_features;
    case R_QUEUE_PFN: return q && q->enabled ? (uint32_t)(q->desc / LEGACY_ALIGN) : 0;
    case R_QUEUE_NUM: return q ? QUEUE_SIZE : 0;
    case R_QUEUE_SEL: return vp->queue_sel;
    case R_STATUS: return vp->status;
    case R_ISR: return virtio_pci_read_isr(vp);
    case R_CONFIG_VECTOR: return vp->config_vector;
    case R_QUEUE_VECTOR: return q ? q->vector : VIRTIO_NO_VECTOR;
    default: return 0;
    }
}

static void legacy_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    VirtioPci *vp = opaque;
    VirtioQueueCfg *q = selected(vp);
    (void)size;
    switch (off) {
    case R_GUEST_FEATURES:
        vp->guest_features = (uint32_t)val & virtio_pci_host_features(vp);
        break;
    case R_QUEUE_PFN:
        if (q)
            set_pfn(vp, (uint32_t)val);
        break;
    case R_QUEUE_SEL: vp->queue_sel = (uint16_t)val; break;
    case R_QUEUE_NOTIFY: virtio_pci_kick(vp, val & 0xffff); break;
    case R_STATUS: virtio_pci_set_status(vp, (uint8_t)val); break;
    case R_CONFIG_VECTOR:
        if (msix_enabled(&vp->msix))
            vp->config_vector = virtio_pci_vector(vp, val & 0xffff);
        break;
    case R_QUEUE_VECTOR:
        if (q && msix_enabled(&vp->msix))
            q->vector = virtio_pci_vector(vp, val & 0xffff);
        break;
    default: break;
    }
}

static const MemoryRegionOps legacy_ops = { legacy_read, legacy_write, 1, 4 };

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 4;
    while (p < n)
        p <<= 1;
    return p;
}

void virtio_pci_legacy_init(VirtioPci *vp)
{
    mr_init_io(&vp->legacy_bar, "virtio-pci", pow2_at_least(HEADER_SIZE_MSIX +
               vp->ops->config_size), &legacy_ops, vp);
    pci_bar_init(&vp->fn, 0, &vp->legacy_bar, true);
}
