/* Split virtqueues (virtio 1.0, 2.4) as a device sees them, shared by the
 * PCI transport and the devices in hw/virtio. */
#ifndef KEMU_HW_VIRTIO_INT_H
#define KEMU_HW_VIRTIO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/memory.h"

#define VIRTQ_MAX_SIZE 1024
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTIO_F_NOTIFY_ON_EMPTY 24
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29

typedef struct VirtQueue {
    uint16_t num;               /* 0: not set up */
    uint64_t desc, avail, used; /* guest-physical ring addresses */
    uint16_t last_avail;        /* next available entry to take */
    uint16_t used_idx;          /* next used entry to fill */
    uint16_t signalled_used;    /* used index at the last interrupt */
    bool broken;                /* the guest broke the ring: no more service */
    bool quiet;                 /* the driver is told not to notify (draining) */
} VirtQueue;

typedef struct VirtSeg {
    uint64_t addr;
    uint32_t len;
    bool write;                 /* device writes it */
} VirtSeg;

/* One request: the head index to give back and its buffers in order. */
typedef struct VirtElem {
    uint16_t head;
    unsigned nseg;
    VirtSeg seg[VIRTQ_MAX_SIZE];
} VirtElem;

/* Take the next available chain: 1 and *e filled, 0 when none, -1 when the
 * chain is malformed (out-of-ring index, loop, buffer outside RAM, a
 * readable buffer after a writable one, nested indirect tables); then the
 * queue is marked broken. */
int virtq_pop(AddressSpace *as, VirtQueue *vq, bool indirect, bool event_idx, VirtElem *e);
/* Give back the last n chains taken and not yet returned (a device that
 * found too few buffers for what it had to write). */
void virtq_unpop(VirtQueue *vq, uint16_t n);
/* Return a chain with len bytes written; true if the driver wants an
 * interrupt now (its used_event, or the NO_INTERRUPT flag). */
bool virtq_push(AddressSpace *as, VirtQueue *vq, uint16_t head, uint32_t len, bool event_idx);
/* Gather/scatter between a chain's readable (or writable) buffers and
 * host memory, from byte offset off of those buffers; bytes moved. */
uint64_t virtq_copy_from(AddressSpace *as, const VirtElem *e, uint64_t off, void *buf,
                         uint64_t len);
uint64_t virtq_copy_to(AddressSpace *as, const VirtElem *e, uint64_t off, const void *buf,
                       uint64_t len);
uint64_t virtq_len(const VirtElem *e, bool write);
/* Tell the driver not to notify (on false) while the device drains the
 * queue anyway, or to notify again (on true); after turning them back on
 * the device must look again (virtq_has_avail): a buffer added just
 * before came without a notification.  Without EVENT_IDX through the used
 * ring's NO_NOTIFY flag, with it by leaving avail_event behind. */
void virtq_set_notification(AddressSpace *as, VirtQueue *vq, bool on, bool event_idx);
/* Whether the driver has made chains available that were not taken. */
bool virtq_has_avail(AddressSpace *as, VirtQueue *vq);

/* The virtio PCI transport (virtio 1.0, 4.1), in QEMU's transitional form
 * by default: the legacy I/O BAR 0 (virtio-pci-legacy.c), MSI-X in BAR 1,
 * and the modern capabilities in the 64-bit prefetchable BAR 4
 * (virtio-pci-modern.c); disable-legacy=on leaves a modern-only device
 * (device ID 0x1040 + type, revision 1), disable-modern=on a legacy one.
 * Device-agnostic: a device (virtio-blk, virtio-net...) gives its ops and
 * identity and uses the queues. */
struct Machine;
typedef struct VirtioPci VirtioPci;
typedef struct VirtioDevOps {
    /* Feature bits the device offers (VERSION_1 is the transport's). */
    uint64_t (*features)(VirtioPci *vp);
    /* The driver notified queue n (only after DRIVER_OK). */
    void (*notify)(VirtioPci *vp, int n);
    /* Device-specific configuration (after the common registers). */
    uint32_t config_size;
    void (*config)(VirtioPci *vp, uint8_t *buf);
    /* Status 0 written (or system reset): drop everything in flight. */
    void (*reset)(VirtioPci *vp);
} VirtioDevOps;

/* Who the device is: its virtio device type (5 "Device Types"), its
 * legacy PCI device ID (0x1000-0x103f) and PCI class. */
typedef struct VirtioPciId {
    uint16_t type, legacy_id;
    uint8_t class_code, subclass;
    int nqueues;
} VirtioPciId;

#include "hw/core/pci.h"
#include "hw/core/pci-msix.h"

#define VIRTIO_MAX_QUEUES 16
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_NO_VECTOR 0xffff
/* Device status bits (2.1). */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER 2
#define VIRTIO_S_DRIVER_OK 4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 0x40

/* A queue as the driver configures it through the modern interface;
 * vq holds the live copy once it is enabled. */
typedef struct VirtioQueueCfg {
    uint16_t size, vector;
    bool enabled;
    uint64_t desc, avail, used;
} VirtioQueueCfg;

struct VirtioPci {
    PCIFunction fn;
    MemoryRegion legacy_bar, modern_bar;
    PCIMsix msix;
    const VirtioDevOps *ops;
    void *dev;                  /* the device using this transport */
    struct Machine *m;
    /* Properties (VIRTIO_PCI_PROPS): "on", "off" or "auto". */
    char *disable_legacy;
    bool disable_modern;
    uint32_t vectors;
    bool legacy, modern;
    uint64_t guest_features;
    uint32_t dfselect, gfselect;
    uint16_t queue_sel, config_vector;
    uint8_t status, isr, generation;
    uint8_t cfg_cap;            /* the PCI configuration access capability */
    int nqueues;
    VirtQueue vq[VIRTIO_MAX_QUEUES];
    VirtioQueueCfg qcfg[VIRTIO_MAX_QUEUES];
};

/* The transport's properties, for a device whose state is st with its
 * VirtioPci in field vp (vectors 0: queues + 1, QEMU's default). */
#define VIRTIO_PCI_PROPS(st, vp) \
    DEFINE_PROP_STR("disable-legacy", st, vp.disable_legacy, "auto"), \
    DEFINE_PROP("disable-modern", st, vp.disable_modern, PROP_BOOL, false), \
    DEFINE_PROP("vectors", st, vp.vectors, PROP_U32, 0xffffffffu)

/* Set up and plug the function; -1 after error_report (who names the
 * device in the message). */
int virtio_pci_init(VirtioPci *vp, struct Machine *m, const VirtioPciId *id,
                    const VirtioDevOps *ops, void *dev, const char *who);
void virtio_pci_reset(VirtioPci *vp);
void virtio_pci_remove(VirtioPci *vp);
/* Queue n has new used buffers (ISR bit 0; its MSI-X vector or INTx). */
void virtio_pci_notify_queue(VirtioPci *vp, int n);
/* The device configuration changed (ISR bit 1, generation bumped). */
void virtio_pci_config_changed(VirtioPci *vp);
/* The driver broke a queue: DEVICE_NEEDS_RESET (virtio 1.0, 2.1.1) and a
 * configuration change interrupt; the queue stays stopped until reset. */
void virtio_pci_needs_reset(VirtioPci *vp);
bool virtio_has_feature(const VirtioPci *vp, int bit);

/* Shared by the transport's files. */
uint64_t virtio_pci_host_features(VirtioPci *vp);
void virtio_pci_set_status(VirtioPci *vp, uint8_t status);
uint8_t virtio_pci_read_isr(VirtioPci *vp);
void virtio_pci_kick(VirtioPci *vp, uint64_t n);
uint16_t virtio_pci_vector(VirtioPci *vp, uint64_t v);
uint64_t virtio_pci_config_read(VirtioPci *vp, uint64_t off, unsigned size);
void virtio_pci_legacy_init(VirtioPci *vp);
void virtio_pci_modern_init(VirtioPci *vp);
void virtio_pci_enable_queue(VirtioPci *vp, int n);

#endif
