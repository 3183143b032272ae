/* Linear -> physical translation (SDM vol. 3 ch. 4): paging off, 32-bit
 * (with PSE 4 MiB pages), PAE, 4-level; NX, global pages, CR0.WP, U/S,
 * SMEP/SMAP, accessed/dirty updates; and guest memory access helpers used by
 * the CPU's system code (descriptor tables, stacks, TSS). */
#ifndef KEMU_CPU_MMU_H
#define KEMU_CPU_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"

/* MAXPHYADDR of kemu's TCG CPU, as CPUID 0x80000008 reports it: 40 bits
 * (QEMU's default phys-bits) for long-mode models, 36 for the others.
 * Paging-entry, CR3, MTRR and APIC-base bits above it are reserved. */
#define MMU_PHYS_BITS 40
static inline unsigned cpu_phys_bits(const CPUState *cpu)
{
    return (cpu->features[FEAT_8000_0001_EDX] & (1u << 29)) ? MMU_PHYS_BITS : 36;
}

typedef enum { MMU_READ = 0, MMU_WRITE = 1, MMU_EXEC = 2 } MMUAccess;

#define PROT_R 1
#define PROT_W 2
#define PROT_X 4

typedef struct MMUResult {
    uint64_t pa;          /* physical address of la (A20 applied) */
    uint64_t page_size;   /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
    unsigned prot;        /* PROT_* allowed for this privilege */
    bool global;
} MMUResult;

/* Walk the page tables for la with the given access and privilege
 * (user = CPL 3, or an implicit supervisor access when false).  Sets the
 * accessed (and, for writes, dirty) bits.  Returns true on success; on a
 * fault returns false with *pf_error holding the #PF error code (the caller
 * raises, so the soft TLB fill and system code share this). */
bool mmu_translate(CPUState *cpu, uint64_t la, MMUAccess acc, bool user,
                   MMUResult *r, uint32_t *pf_error);

/* The debugger's and monitor's view (gdbstub, `x`): the physical address
 * of la whatever the permissions, without setting accessed/dirty bits.
 * false if not mapped. */
bool mmu_translate_debug(CPUState *cpu, uint64_t la, MMUResult *r);

/* Physical access through the machine's memory bus with the A20 mask. */
uint64_t cpu_phys_ld(CPUState *cpu, uint64_t pa, unsigned size);
void cpu_phys_st(CPUState *cpu, uint64_t pa, uint64_t val, unsigned size);

/* Linear-address access for system code: translates (raising #PF on fault)
 * and splits page-crossing accesses.  user selects CPL-3 permission checks.
 * Each access is reported to cpu->lin_access_hook when one is set. */
uint64_t cpu_lin_ld(CPUState *cpu, uint64_t la, unsigned size, bool user);
void cpu_lin_st(CPUState *cpu, uint64_t la, uint64_t val, unsigned size, bool user);
/* One byte of an instruction at la for system code that looks at the
 * instruction being executed: an instruction fetch (execute permission),
 * not a data access, so nothing is reported to lin_access_hook. */
uint8_t cpu_lin_fetch(CPUState *cpu, uint64_t la, bool user);
/* For system code that translated la itself and accessed it through
 * cpu_phys_ld/st: reports the access as cpu_lin_ld/st do (data
 * breakpoints, watchpoints). */
void cpu_lin_accessed(CPUState *cpu, uint64_t la, unsigned size, bool write);

/* Flush hooks: implemented by the engine that caches translations (TCG's
 * soft TLB in translate/), which sets cpu->tlb_hooks; cpu/ calls them on
 * CR0/CR3/CR4/EFER writes, INVLPG and A20 changes.  code_write: cpu/ code
 * stored size bytes at physical pa (stack pushes of interrupt delivery,
 * descriptor updates), which lets the engine drop translated code there. */
typedef struct CpuTlbHooks {
    void (*flush)(CPUState *cpu);
    void (*flush_page)(CPUState *cpu, uint64_t la);
    void (*code_write)(CPUState *cpu, uint64_t pa, unsigned size);
} CpuTlbHooks;

static inline void cpu_tlb_flush(CPUState *cpu)
{
    if (cpu->tlb_hooks)
        cpu->tlb_hooks->flush(cpu);
}

static inline void cpu_tlb_flush_page(CPUState *cpu, uint64_t la)
{
    if (cpu->tlb_hooks)
        cpu->tlb_hooks->flush_page(cpu, la);
}

static inline void cpu_tlb_code_write(CPUState *cpu, uint64_t pa, unsigned size)
{
    if (cpu->tlb_hooks)
        cpu->tlb_hooks->code_write(cpu, pa, size);
}

#endif
