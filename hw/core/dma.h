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

/* The bus lock of a locked instruction the CPU cannot do atomically by
 * itself (TCG's exclusive step of a split lock): between dma_hold_off and
 * dma_resume no dma_read or dma_write copies anything (they wait), as
 * the LOCK# signal holds off every other bus agent.  It is the machine
 * lock, so the caller must hold no lock that device code waits for
 * (TCG takes it after parking the other vCPUs); device accesses inside
 * take it again.  Transfers through a DmaSg list (in-place block I/O
 * from pool threads) are held off too: the hold-off waits for those in
 * flight to end, and new ones wait in dma_inplace_begin until
 * dma_resume (a whole request is the boundary: a split lock may wait for
 * one host read or write).
 *
 * Locked operations the host does with its own compare-and-exchange need
 * no hold-off: a DMA store between their load and their CAS makes the CAS
 * fail and the instruction run again; one after it simply comes later.
 * Either way neither the instruction's result nor any DMA byte is lost,
 * whatever the size of the host stores the copy is made of.  Plain guest
 * loads see an aligned word of a DMA transfer whole in practice (glibc's
 * x86-64 memcpy writes 8 to 64 aligned-or-overlapping bytes per store,
 * and fast string stores go by cache line), though x86 guarantees
 * atomicity only for single accesses up to 8 bytes. */
void dma_hold_off(void);
/* Without waiting: false if the machine lock is busy (a thread that waits
 * for the caller while holding it must not be waited for). */
bool dma_try_hold_off(void);
void dma_resume(void);

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
/* Around each host read or write straight into or out of guest RAM
 * through a list (the block pool's vectored requests): waits while a
 * locked instruction holds DMA off.  Never called with the machine lock
 * held, and nothing between them may wait for that lock. */
void dma_inplace_begin(void);
/* Without waiting, for a thread that may hold the machine lock (or be
 * the one holding DMA off): false when the gate is closed. */
bool dma_inplace_try_begin(void);
void dma_inplace_end(void);
void dma_sg_free(DmaSg *sg);

#endif
