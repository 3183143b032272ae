/* The per-vCPU soft TLB and guest memory access for translated code.
 *
 * Each vCPU has two direct-mapped tables (supervisor and user accesses) of
 * a power-of-two number of entries, sized to the working set at each full
 * flush (translate/tlb-size.c); an entry caches one 4 KiB linear page: its physical
 * page, a host pointer when the page is RAM (NULL: MMIO, through the bus
 * under the big lock) and one tag per access kind (read, write, execute)
 * that equals the page's linear address when that access is known to be
 * allowed without a walk.  The read and write tags, when set, name the
 * same page, the one `addend` was made for (host - page: generated code
 * adds it to the linear address).  An entry is one 64-byte cache line, so
 * generated code indexes the table with a shift and a mask.  The write tag is set only after a walk for writing (so
 * the dirty bit is set) and never for pages holding translated code: their
 * stores take the slow path, which invalidates the TBs first; nor for
 * pages clean in a dirty log (hw/core/memory.h), whose first store the
 * slow path marks. */
#ifndef KEMU_TRANSLATE_TLB_H
#define KEMU_TRANSLATE_TLB_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mmu.h"

#define TLB_MIN_BITS 10
#define TLB_MAX_BITS 14
#define TLB_WFILTER_BITS 65536
#define TLB_INVALID (~0ULL)
/* In tag_r: the page is MMIO (host NULL).  No page address has the bit,
 * so the inline hit tests miss and the slow path does the access. */
#define TLB_MMIO 1ULL
#define JMP_CACHE_BITS 12
#define JMP_CACHE_SIZE (1u << JMP_CACHE_BITS)

typedef struct TLBEntry {
    uint64_t tag_r, tag_w, tag_x;
    uint8_t *host;          /* host address of the page, NULL for MMIO */
    uint64_t pa;            /* physical page address */
    uintptr_t addend;       /* host - the linear page of tag_r/tag_w */
    uint64_t pad[2];
} TLBEntry;
#define TLB_ENTRY_SHIFT 6

struct TB;

/* TCG's per-vCPU data (cpu->accel). */
typedef struct TcgCpu {
    TLBEntry *tlb[2];                /* [user]: the two tables */
    uint64_t tlb_mask;               /* (entries - 1) << TLB_ENTRY_SHIFT */
    unsigned tlb_bits;               /* log2 of the entries */
    unsigned tlb_fills;              /* entries filled since the last flush */
    unsigned tlb_window_max;         /* most fills of a period in this window */
    int64_t tlb_window_start;        /* host ns: the sizing window's start */
    /* A bit per physical page number modulo TLB_WFILTER_BITS, set when an
     * entry for such a page gets a write tag (cleared by a full flush):
     * tlb_protect_code scans only the tables that may have one. */
    uint64_t wfilter[TLB_WFILTER_BITS / 64];
    struct TB *jmp_cache[JMP_CACHE_SIZE];  /* by virtual pc */
    unsigned user;                   /* accesses of the running code: CPL 3 */
    /* Why chained blocks must go back to the loop: the one word the
     * native backend's block exits test (a single compare).  Setters of
     * stop_chain store it after their change to interrupt_request (see
     * tcg_cpu_stop_chain); the loop clears it before it reads that. */
    union {
        volatile uint32_t stop_word;
        struct {
            volatile bool exit_request;  /* leave the TB at the next instruction */
            volatile bool stop_chain;    /* ...at the next block boundary: an
                                            interrupt request, an STI/MOV SS shadow */
        };
    };
    sigjmp_buf jmp;                  /* cpu->jmp_env points here */
    bool wait_sipi;                  /* after INIT: only SIPI wakes */
    bool yield;                      /* PAUSE: end the time slice */
    bool dr_flush;                   /* MOV DRn changed breakpoints: drop code */
    unsigned dr_data_hits;           /* DR data breakpoints hit by this insn */
    unsigned dr_ss_hits;             /* ...by a MOV SS/POP SS: trap after the next */
    uint64_t a20_mask;               /* the mask the TLB was filled with */
    uint64_t insns;                  /* executed TBs (statistics) */
    /* Held while the tables are reallocated (own thread) and while another
     * thread scans them (tlb_protect_code): a leaf lock, taken with no
     * other lock requested inside it. */
    pthread_mutex_t size_lock;
} TcgCpu;

static inline TcgCpu *tcg_cpu(CPUState *cpu)
{
    return (TcgCpu *)cpu->accel;
}

/* After a change to cpu's interrupt_request or interrupt shadow: its
 * chained blocks stop at their next exit (any thread may call it). */
static inline void tcg_cpu_stop_chain(CPUState *cpu)
{
    if (cpu->accel)
        __atomic_store_n(&tcg_cpu(cpu)->stop_chain, true, __ATOMIC_SEQ_CST);
}

/* The entry of table [user] that may cache linear page la. */
static inline TLBEntry *tlb_entry(const TcgCpu *t, unsigned user, uint64_t la)
{
    return (TLBEntry *)((uint8_t *)t->tlb[user] +
                        ((la >> (12 - TLB_ENTRY_SHIFT)) & t->tlb_mask));
}

static inline unsigned tlb_entries(const TcgCpu *t)
{
    return 1u << t->tlb_bits;
}

/* tlb-size.c: make the tables 2^bits entries (first use: allocate them),
 * contents undefined; and pick the size for the next period at a flush. */
void tlb_set_size(TcgCpu *t, unsigned bits);
void tlb_resize(TcgCpu *t);

/* Allocate cpu->accel for TCG (tests and accel/tcg.c). */
TcgCpu *tcg_cpu_init(CPUState *cpu);

uint64_t tcg_ld_slow(CPUState *cpu, uint64_t la, unsigned size);
void tcg_st_slow(CPUState *cpu, uint64_t la, uint64_t val, unsigned size);
/* Load of a read-modify-write operand: checked for writing first. */
uint64_t tcg_ld_w_slow(CPUState *cpu, uint64_t la, unsigned size);

static inline uint64_t host_ld(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void host_st(uint8_t *p, uint64_t val, unsigned size)
{
    switch (size) {
    case 1: *p = (uint8_t)val; break;
    case 2: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); break; }
    case 4: { uint32_t v = (uint32_t)val; memcpy(p, &v, 4); break; }
    default: memcpy(p, &val, 8); break;
    }
}

/* Guest linear-address load/store of 1/2/4/8 bytes with the running
 * code's privilege; faults raise (#PF, #GP for non-canonical). */
static inline uint64_t tcg_ld(CPUState *cpu, uint64_t la, unsigned size)
{
    TcgCpu *t = tcg_cpu(cpu);
    TLBEntry *e = tlb_entry(t, t->user, la);
    if (e->tag_r == (la & ~0xfffULL) && (la & 0xfff) + size <= 0x1000 && e->host)
        return host_ld(e->host + (la & 0xfff), size);
    return tcg_ld_slow(cpu, la, size);
}

static inline void tcg_st(CPUState *cpu, uint64_t la, uint64_t val, unsigned size)
{
    TcgCpu *t = tcg_cpu(cpu);
    TLBEntry *e = tlb_entry(t, t->user, la);
    if (e->tag_w == (la & ~0xfffULL) && (la & 0xfff) + size <= 0x1000) {
        host_st(e->host + (la & 0xfff), val, size);
        return;
    }
    tcg_st_slow(cpu, la, val, size);
}

/* Check that a store of size bytes at la would succeed (walks and fills
 * the TLB, raising on a fault) without storing: instructions that write
 * several places probe first so a fault leaves no partial update. */
void tcg_probe_write(CPUState *cpu, uint64_t la, unsigned size);
/* Fill the TLB entry of la's page for reading, as a load would (raising
 * on a fault), without reading: for code that accessed the page another
 * way and wants the next access to hit inline. */
void tcg_probe_read(CPUState *cpu, uint64_t la);

/* Instruction fetch for the translator: copy up to max bytes at la into
 * buf, stopping at a page that cannot be executed.  Returns the count;
 * *pa gets the physical address of the first byte (when the count > 0).
 * No exception is raised. */
unsigned tcg_fetch_code(CPUState *cpu, uint64_t la, uint8_t *buf, unsigned max,
                        uint64_t *pa);
/* Physical address of the executable page holding la (fills the TLB);
 * false if the fetch would fault (*err = #PF error code). */
bool tcg_code_pa(CPUState *cpu, uint64_t la, uint64_t *pa, uint32_t *err);

/* Drop write tags of every vCPU's TLB entries that map physical page pa
 * (a TB was just translated from it). */
void tlb_protect_code(CPUState *any_cpu, uint64_t pa_page);
/* The same for every page of [pa, pa+len) (a display cleared their dirty
 * log: their next stores must take the slow path that marks it). */
void tlb_protect_range(CPUState *any_cpu, uint64_t pa, uint64_t len);

/* The soft TLB's side of cpu/'s flush hooks (CpuTlbHooks in cpu/mmu.h,
 * installed by tcg_cpu_init); the execution loop and the debugger call
 * them directly. */
void tlb_flush(CPUState *cpu);
void tlb_flush_page(CPUState *cpu, uint64_t la);
void tlb_code_write(CPUState *cpu, uint64_t pa, unsigned size);

#endif
