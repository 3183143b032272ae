/* The ISA DMA channels as a device sees them (QEMU's IsaDma interface): a
 * device (the floppy controller on channel 2) registers a transfer
 * handler, asks for service by holding DREQ, and moves data only through
 * the controller, which bounds every transfer by the count the guest
 * programmed and by guest RAM.  The controller (hw/dma/i8257.c, the
 * 8237 pair) installs itself on the machine; devices never call it
 * directly. */
#ifndef KEMU_ISA_DMA_H
#define KEMU_ISA_DMA_H

#include <stdbool.h>
#include <stdint.h>

struct Machine;

#define ISA_DMA_CHANNELS 8

/* Called by the controller while the channel is unmasked and DREQ held:
 * pos bytes of size were transferred so far; move some with
 * isa_dma_read/isa_dma_write and return the new position (at most size). */
typedef int IsaDmaHandler(void *opaque, int chan, int pos, int size);

typedef struct IsaDmaOps {
    void (*register_channel)(void *ctl, int chan, IsaDmaHandler *fn, void *opaque);
    void (*hold_dreq)(void *ctl, int chan);
    void (*release_dreq)(void *ctl, int chan);
    /* Copy len bytes at transfer position pos; returns the bytes moved
     * (fewer, or 0, when the range leaves the programmed block or RAM). */
    int (*read_memory)(void *ctl, int chan, void *buf, int pos, int len);
    int (*write_memory)(void *ctl, int chan, const void *buf, int pos, int len);
} IsaDmaOps;

/* The controller: one per machine. */
void isa_dma_set_controller(struct Machine *m, const IsaDmaOps *ops, void *ctl);

/* Device side; without a controller they do nothing (register: -1). */
int isa_dma_register(struct Machine *m, int chan, IsaDmaHandler *fn, void *opaque);
void isa_dma_hold(struct Machine *m, int chan);
void isa_dma_release(struct Machine *m, int chan);
int isa_dma_read(struct Machine *m, int chan, void *buf, int pos, int len);
int isa_dma_write(struct Machine *m, int chan, const void *buf, int pos, int len);

#endif
