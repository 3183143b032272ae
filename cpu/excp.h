/* Exceptions and interrupt delivery (SDM vol. 3 ch. 6).
 *
 * Precise exceptions: an instruction that faults calls cpu_raise_exception(),
 * which records the event and siglongjmp()s to the engine's loop
 * (cpu->jmp_env); guest state (rip and registers) must then be exactly that
 * of the faulting instruction's start — engines keep env->rip at the start
 * of the current instruction while helpers run.  The loop then calls
 * cpu_deliver_pending() to go through the IDT. */
#ifndef KEMU_CPU_EXCP_H
#define KEMU_CPU_EXCP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "cpu/cpu.h"

#define NO_ERROR_CODE 0xffffffffu

/* Raise exception vector with error_code (NO_ERROR_CODE if it has none).
 * Handles #DF escalation (contributory/page-fault classes) and triple fault
 * (machine_request_reset).  Never returns. */
noreturn void cpu_raise_exception(CPUState *cpu, int vector, uint32_t error_code);
/* #PF: sets CR2 = la first. */
noreturn void cpu_raise_page_fault(CPUState *cpu, uint64_t la, uint32_t error_code);

/* Deliver a recorded exception (env->exception_index) through the IDT:
 * real mode IVT, protected-mode interrupt/trap/task gates with privilege
 * change and TSS stack switch, long-mode 64-bit gates with IST.  Clears
 * exception_index.  May itself raise (nested fault -> #DF). */
void cpu_deliver_pending(CPUState *cpu);

/* Software interrupt INT n / INT3 / INTO (DPL checks apply); next_rip is
 * the address after the instruction.  Never returns (goes through the loop
 * like an exception, but with the return address after the instruction). */
noreturn void cpu_raise_soft_interrupt(CPUState *cpu, int vector, uint64_t next_rip);

/* An external (hardware) interrupt accepted between instructions; env->rip
 * is the next instruction.  Returns normally. */
void cpu_do_external_interrupt(CPUState *cpu, int vector);

/* A non-maskable interrupt accepted between instructions (the engine
 * checks CPU_INTERRUPT_NMI and !env->nmi_blocked first).  Sets
 * env->nmi_blocked, which IRET clears.  Returns normally.  (Added by the
 * system side.) */
void cpu_do_nmi(CPUState *cpu);

/* Notes for engines: cpu_deliver_pending, cpu_do_external_interrupt and
 * cpu_do_nmi may raise (a fault while delivering), so call them inside the
 * sigsetjmp scope.  After a siglongjmp, env->exception_index may be -1:
 * cpu_raise_soft_interrupt delivers INT n itself, so just continue at
 * env->rip.  A triple fault leaves the CPU halted with IF clear and asks
 * the machine for a reset. */

/* Whether an external interrupt can be taken now (IF=1, no STI/MOV SS shadow). */
bool cpu_interrupts_enabled(const CPUState *cpu);

#endif
