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

/* Scatter-gather without copies (dma-sg.c): guest ranges, checked as
 * above, mapped to the host memory behind them, for a block request to
 * read or write in place.  Host pointers stay valid while the machine
 * lives (RAM regions are never freed under it).  After a device has
 * written guest RAM through a list, dma_sg_written() tells the address
 * space's write hook, as dma_write() does, so stale translated code on
 * those pages is dropped before the device reports completion. */
struct iovec;
typedef struct DmaSg {
    AddressSpace *as;
    struct iovec *iov;
    uint64_t *addr;             /* guest address of each iov */
    int n, cap;
    uint64_t len;               /* bytes mapped */
} DmaSg;

void dma_sg_init(DmaSg *sg, AddressSpace *as);
/* Append [addr, addr+len): false, with nothing appended, unless it is all
 * RAM (ROM too when !write), or when the list would pass max entries. */
bool dma_sg_add(DmaSg *sg, uint64_t addr, uint64_t len, bool write, int max);
void dma_sg_written(const DmaSg *sg);
void dma_sg_free(DmaSg *sg);

#endif
