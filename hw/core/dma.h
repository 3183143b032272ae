/* DMA: how devices read and write guest memory.  A transfer must lie
 * wholly in RAM (ROM too for reads) and must not wrap around the address
 * space; otherwise nothing is transferred and the call returns false, so a
 * guest-programmed descriptor can never make a device touch MMIO (itself
 * included), unassigned space, or host memory outside the guest's RAM. */
#ifndef KEMU_DMA_H
#define KEMU_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/memory.h"

/* Whether [addr, addr+len) is entirely RAM (and ROM, when !write). */
bool dma_range_ok(AddressSpace *as, uint64_t addr, uint64_t len, bool write);
bool dma_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len);
bool dma_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);

#endif
