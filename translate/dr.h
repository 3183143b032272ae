/* The guest's own debug registers under TCG (SDM vol. 3 ch. 17):
 * instruction, data and I/O breakpoints from DR0-DR3/DR7
 * (translate/dr.c). */
#ifndef KEMU_TRANSLATE_DR_H
#define KEMU_TRANSLATE_DR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Bit n set: DRn is an enabled (Ln or Gn) instruction breakpoint. */
unsigned tcg_dr_exec_mask(const CPUX86State *env);
/* The enabled instruction breakpoints at linear address la (a mask). */
unsigned tcg_dr_exec_hits(const CPUState *cpu, uint64_t la);
/* Execution loop, before a block: raise #DB (a fault: rip stays at the
 * instruction) with DR6.Bn for each breakpoint at the next instruction,
 * unless RFLAGS.RF or a MOV SS shadow suppresses it. */
void tcg_dr_check_insn(CPUState *cpu);
/* MOV to DRn (n as decoded, before DR4/DR5 aliasing) is about to write
 * val: whether translated code must be dropped (the set of instruction
 * breakpoint addresses changes). */
bool tcg_dr_write_changes_code(const CPUState *cpu, int n, uint64_t val);

/* TBs are shared by all vCPUs but end before this vCPU's instruction
 * breakpoints and hold one instruction while it has data breakpoints:
 * the key (1..TCG_DR_KEYS) of its current set, the same for vCPUs whose
 * sets translate alike.  Only between TBs: when the keys run out, all
 * TBs are dropped and numbering starts again. */
#define TCG_DR_KEYS 127
unsigned tcg_dr_tb_key(CPUState *cpu);

/* Bit n set: DRn is an enabled data breakpoint (R/W 01 or 11). */
unsigned tcg_dr_data_mask(const CPUX86State *env);
/* Soft TLB: data accesses to this linear page must take the slow path. */
bool tcg_dr_data_page(const CPUState *cpu, uint64_t page);
/* The data breakpoints a size-byte access at la triggers (a mask). */
unsigned tcg_dr_data_hits(const CPUState *cpu, uint64_t la, unsigned size, bool write);

/* Bit n set: DRn is an enabled I/O breakpoint (R/W 10 with CR4.DE). */
unsigned tcg_dr_io_mask(const CPUX86State *env);
/* The I/O breakpoints a size-byte access to port triggers (a mask). */
unsigned tcg_dr_io_hits(const CPUState *cpu, uint16_t port, unsigned size);
/* IN, OUT, INS, OUTS made a size-byte access to port: the hits wait in
 * dr_data_hits for the #DB trap after the instruction (or after the
 * iteration of a REP INS/OUTS).  Call only while DR7 enables any. */
void tcg_dr_io_access(CPUState *cpu, uint16_t port, unsigned size);

#endif
