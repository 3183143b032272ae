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

/* virtio-pci.c: the legacy (virtio 0.9.5 / 1.0 "transitional") PCI
 * transport, one I/O BAR, INTx. */
struct Machine;
typedef struct VirtioPci VirtioPci;
typedef struct VirtioDevOps {
    uint32_t (*features)(VirtioPci *vp);
    /* The driver notified queue n. */
    void (*notify)(VirtioPci *vp, int n);
    /* Device-specific configuration (after the common registers). */
    uint32_t config_size;
    void (*config)(VirtioPci *vp, uint8_t *buf);
    /* Status 0 written (or system reset): drop everything in flight. */
    void (*reset)(VirtioPci *vp);
} VirtioDevOps;

#include "hw/core/pci.h"

#define VIRTIO_MAX_QUEUES 4

struct VirtioPci {
    PCIFunction fn;
    MemoryRegion bar;
    const VirtioDevOps *ops;
    void *dev;                  /* the device using this transport */
    struct Machine *m;
    uint32_t guest_features;
    uint16_t queue_sel;
    uint8_t status, isr;
    int nqueues;
    VirtQueue vq[VIRTIO_MAX_QUEUES];
};

int virtio_pci_init(VirtioPci *vp, struct Machine *m, uint16_t device_id, uint16_t subsys_id,
                    uint8_t class_code, uint8_t subclass, int nqueues, const VirtioDevOps *ops,
                    void *dev);
void virtio_pci_reset(VirtioPci *vp);
void virtio_pci_remove(VirtioPci *vp);
/* Queue n's interrupt (ISR bit 0, INTx). */
void virtio_pci_notify(VirtioPci *vp);
bool virtio_has_feature(const VirtioPci *vp, int bit);

#endif
