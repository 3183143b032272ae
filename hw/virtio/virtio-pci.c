/* The virtio PCI transport's common part (virtio 1.0, 4.1): the function's
 * identity, device status, feature negotiation, interrupts (ISR with INTx,
 * or MSI-X vectors) and queue set-up, shared by the legacy I/O BAR and the
 * modern capabilities. */
#include "hw/virtio/virtio-int.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"

#include <string.h>

#define PCI_VENDOR_REDHAT 0x1af4
#define MODERN_ID_BASE 0x1040
#define PCI_SUBSYS_QEMU 0x1100

bool virtio_has_feature(const VirtioPci *vp, int bit)
{
    return (vp->guest_features >> bit) & 1;
}

uint64_t virtio_pci_host_features(VirtioPci *vp)
{
    return vp->ops->features(vp) | (vp->modern ? 1ull << VIRTIO_F_VERSION_1 : 0);
}

/* One interrupt: the vector under MSI-X, otherwise the INTx pin. */
static void raise(VirtioPci *vp, uint16_t vector)
{
    if (msix_enabled(&vp->msix)) {
        if (vector != VIRTIO_NO_VECTOR)
            msix_notify(&vp->msix, vector);
        return;
    }
    pci_set_irq(&vp->fn, 1);
}

void virtio_pci_notify_queue(VirtioPci *vp, int n)
{
    vp->isr |= 1;
    raise(vp, vp->qcfg[n].vector);
}

void virtio_pci_config_changed(VirtioPci *vp)
{
    vp->generation++;
    vp->isr |= 2;
    raise(vp, vp->config_vector);
}

void virtio_pci_needs_reset(VirtioPci *vp)
{
    if (vp->status & VIRTIO_S_NEEDS_RESET)
        return;
    if (log_enabled(LOG_GUEST_ERROR))
        log_printf("virtio-pci %02x.%x: device needs reset\n", vp->fn.devfn >> 3,
                   vp->fn.devfn & 7);
    if (!virtio_has_feature(vp, VIRTIO_F_VERSION_1))
        return;                  /* a legacy driver has no such status */
    vp->status |= VIRTIO_S_NEEDS_RESET;
    virtio_pci_config_changed(vp);
}

uint8_t virtio_pci_read_isr(VirtioPci *vp)
{
    uint8_t isr = vp->isr;       /* reading acknowledges */
    vp->isr = 0;
    pci_set_irq(&vp->fn, 0);
    return isr;
}

/* A vector the driver chose: one the table has, else "no vector" (what
 * the driver reads back to learn it failed). */
uint16_t virtio_pci_vector(VirtioPci *vp, uint64_t v)
{
    return v < vp->msix.nvec ? (uint16_t)v : VIRTIO_NO_VECTOR;
}

static void reset_state(VirtioPci *vp)
{
    memset(vp->vq, 0, sizeof(vp->vq));
    for (int n = 0; n < VIRTIO_MAX_QUEUES; n++)
        vp->qcfg[n] = (VirtioQueueCfg){ .size = VIRTQ_MAX_SIZE / 4,
                                        .vector = VIRTIO_NO_VECTOR };
    vp->guest_features = 0;
    vp->dfselect = vp->gfselect = 0;
    vp->queue_sel = 0;
    vp->config_vector = VIRTIO_NO_VECTOR;
    vp->status = 0;
    vp->isr = 0;
    pci_set_irq(&vp->fn, 0);
    vp->ops->reset(vp);
}

void virtio_pci_set_status(VirtioPci *vp, uint8_t status)
{
    if (!status) {
        reset_state(vp);
        return;
    }
    /* FEATURES_OK stays clear when a modern driver left out VERSION_1. */
    if ((status & VIRTIO_S_FEATURES_OK) && !virtio_has_feature(vp, VIRTIO_F_VERSION_1))
        status &= (uint8_t)~VIRTIO_S_FEATURES_OK;
    vp->status = (uint8_t)(status | (vp->status & VIRTIO_S_NEEDS_RESET));
}

void virtio_pci_kick(VirtioPci *vp, uint64_t n)
{
    if (n < (uint64_t)vp->nqueues && (vp->status & VIRTIO_S_DRIVER_OK) &&
        !(vp->status & VIRTIO_S_NEEDS_RESET))
        vp->ops->notify(vp, (int)n);
}

void virtio_pci_enable_queue(VirtioPci *vp, int n)
{
    VirtioQueueCfg *q = &vp->qcfg[n];
    q->enabled = true;
    vp->vq[n] = (VirtQueue){ .num = q->size, .desc = q->desc, .avail = q->avail,
                             .used = q->used };
}

uint64_t virtio_pci_config_read(VirtioPci *vp, uint64_t off, unsigned size)
{
    uint8_t cfg[256] = { 0 };
    uint64_t v = 0;
    vp->ops->config(vp, cfg);
    for (unsigned i = 0; i < size && off + i < vp->ops->config_size && off + i < 256; i++)
        v |= (uint64_t)cfg[off + i] << (8 * i);
    return v;
}

/* disable-legacy=auto means legacy on a conventional PCI bus (the pc
 * machine's), as in QEMU. */
static int parse_modes(VirtioPci *vp, const char *who)
{
    const char *dl = vp->disable_legacy ? vp->disable_legacy : "auto";
    if (strcmp(dl, "on") && strcmp(dl, "off") && strcmp(dl, "auto")) {
        error_report("%s: Parameter 'disable-legacy' does not accept value '%s'", who, dl);
        return -1;
    }
    vp->legacy = strcmp(dl, "on") != 0;
    vp->modern = !vp->disable_modern;
    if (!vp->legacy && !vp->modern) {
        error_report("%s: device cannot work as neither modern nor legacy mode is enabled",
                     who);
        return -1;
    }
    return 0;
}

static void set_identity(VirtioPci *vp, const VirtioPciId *id)
{
    uint16_t dev = vp->legacy ? id->legacy_id : (uint16_t)(MODERN_ID_BASE + id->type);
    pci_function_init(&vp->fn, PCI_VENDOR_REDHAT, dev, id->class_code, id->subclass,
                      vp->legacy ? 0 : 1);
    uint16_t subsys = vp->legacy ? id->type : PCI_SUBSYS_QEMU;
    vp->fn.config[PCI_SUBSYSTEM_VENDOR_ID] = (uint8_t)PCI_VENDOR_REDHAT;
    vp->fn.config[PCI_SUBSYSTEM_VENDOR_ID + 1] = PCI_VENDOR_REDHAT >> 8;
    vp->fn.config[PCI_SUBSYSTEM_ID] = (uint8_t)subsys;
    vp->fn.config[PCI_SUBSYSTEM_ID + 1] = (uint8_t)(subsys >> 8);
    vp->fn.config[PCI_INTERRUPT_PIN] = 1;
}

int virtio_pci_init(VirtioPci *vp, Machine *m, const VirtioPciId *id, const VirtioDevOps *ops,
                    void *dev, const char *who)
{
    vp->ops = ops;
    vp->dev = dev;
    vp->m = m;
    vp->nqueues = id->nqueues < VIRTIO_MAX_QUEUES ? id->nqueues : VIRTIO_MAX_QUEUES;
    if (parse_modes(vp, who))
        return -1;
    if (vp->vectors == 0xffffffffu)
        vp->vectors = (uint32_t)vp->nqueues + 1;
    if (vp->vectors > MSIX_MAX_VECTORS) {
        error_report("%s: vectors=%u: at most %d MSI-X vectors", who, vp->vectors,
                     MSIX_MAX_VECTORS);
        return -1;
    }
    set_identity(vp, id);
    if (vp->legacy)
        virtio_pci_legacy_init(vp);
    if (vp->modern)
        virtio_pci_modern_init(vp);
    if (vp->vectors && msix_init(&vp->msix, &vp->fn, vp->vectors, 1)) {
        error_report("%s: cannot add the MSI-X capability", who);
        return -1;
    }
    reset_state(vp);
    if (!m->pci || pci_bus_add(m->pci, &vp->fn, -1) < 0) {
        error_report("%s: no free slot on PCI bus 0", who);
        return -1;
    }
    return 0;
}

void virtio_pci_reset(VirtioPci *vp)
{
    pci_function_reset(&vp->fn);
    reset_state(vp);
}

void virtio_pci_remove(VirtioPci *vp)
{
    if (vp->fn.bus)
        pci_bus_remove(vp->fn.bus, &vp->fn);
    msix_free(&vp->msix);
    if (vp->legacy)
        mr_free(&vp->legacy_bar);
    if (vp->modern)
        mr_free(&vp->modern_bar);
}
