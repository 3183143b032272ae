/* Debugging support of the "tcg" accelerator (accel/tcg-debug.c):
 * breakpoints, single-step and acknowledged stops for the gdbstub.  The
 * hooks below are called by the execution loop and the translator only
 * while tcg_debug_active is set, so they cost one load otherwise. */
#ifndef KEMU_ACCEL_TCG_DEBUG_H
#define KEMU_ACCEL_TCG_DEBUG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "translate/debug-hooks.h"

struct Machine;

/* Execution loop, before each translation block: true means leave the
 * block loop now (the vCPU stopped at a breakpoint or after a step and the
 * machine is paused, or translated code was dropped). */
bool tcg_debug_before_tb(CPUState *cpu);
/* Execution loop: the pending events (CPU_INTERRUPT_*) to take now;
 * external interrupts and NMIs wait while the vCPU single-steps. */
uint32_t tcg_debug_filter_requests(CPUState *cpu, uint32_t req);
/* vCPU thread, at the start of each round over the vCPUs (no guest code
 * runs at that point): lets wait_stopped see that a pause took effect. */
void tcg_debug_round(void);

/* The debugger wrote guest memory (AccelOps memory_written): translated
 * code is dropped before the next block (on the vCPU thread, which owns
 * the TB cache). */
void tcg_debug_memory_written(struct Machine *m);

/* The AccelOps debug entries of "tcg". */
int tcg_set_breakpoint(struct Machine *m, int type, uint64_t la, uint64_t len, bool insert);
void tcg_remove_all_breakpoints(struct Machine *m);
void tcg_set_singlestep(CPUState *cpu, bool on);
void tcg_wait_stopped(struct Machine *m);

#endif
