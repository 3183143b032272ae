/* Test helpers for the CPU system side: a RAM-only board (the CPU-less
 * harness with vCPUs added), physical memory pokes, descriptor builders,
 * and CPU_TRY, which runs a helper with a jump buffer and yields the
 * exception it raised (-1 when it returned or delivered INT n itself). */
#ifndef KEMU_TEST_CPU_HARNESS_H
#define KEMU_TEST_CPU_HARNESS_H

#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/sys.h"
#include "tests/unit/harness.h"

/* Board with 1 MiB of RAM and ncpus CPUs (reset state, all features on). */
CPUState *tcpu_setup(unsigned ncpus);
CPUState *tcpu(unsigned i);

void pw8(uint64_t pa, uint8_t v);
void pw16(uint64_t pa, uint16_t v);
void pw32(uint64_t pa, uint32_t v);
void pw64(uint64_t pa, uint64_t v);
uint32_t pr32(uint64_t pa);
uint64_t pr64(uint64_t pa);

/* A code/data descriptor: type is the 4-bit type, flags the G/DB/L bits
 * as SEGATTR_* (shifted like SegReg.attr bits 11..8). */
uint64_t mkdesc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, unsigned flags);
/* A system descriptor (S=0): LDT, TSS, gates use their own helpers. */
uint64_t mksys(uint32_t base, uint32_t limit, unsigned type, unsigned dpl);
/* A 32-bit or 16-bit gate (call/int/trap/task) with DPL. */
uint64_t mkgate(uint16_t sel, uint32_t off, unsigned type, unsigned dpl, unsigned params);

/* Put the CPU in 32-bit protected mode at CPL cpl with a flat GDT at gdt:
 * 0x08 code0, 0x10 data0, 0x18 code3, 0x20 data3 (selectors |3 for CPL 3),
 * 0x28 a 32-bit TSS at tss (limit 0x67), IDT base idt limit 0x7ff. */
void tcpu_protected(CPUState *cpu, uint64_t gdt, uint64_t tss, uint64_t idt, int cpl);

/* Run fn(cpu, args) with a jump buffer around it; returns the exception it
 * raised, or -1 when it returned (or delivered an INT n itself).  A
 * function of its own, so tests' locals are never live across longjmp. */
typedef void (*TryFn)(CPUState *cpu, uint64_t *args);
int cpu_try(CPUState *cpu, TryFn fn, uint64_t *args);

#endif
