/* Delivery of a pending unmasked x87 exception (SDM vol. 1 8.7 and D.2):
 * #MF with CR0.NE; with CR0.NE clear, the MS-DOS compatibility mode of
 * the PC: the CPU asserts FERR# (the board's latch turns it into IRQ 13)
 * and freezes before the waiting instruction until an interrupt comes.
 * The IRQ 13 handler writes port 0xF0, the latch asserts IGNNE#, and the
 * instruction, restarted by the handler's IRET, then goes on and ignores
 * the error.  FNCLEX/FNINIT/FNSAVE/FRSTOR clearing ES drop FERR#. */
#include "cpu/fpu-internal.h"

#include <setjmp.h>

#include "cpu/excp.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"

static void drive_ferr(CPUState *cpu, int level)
{
    Machine *m = cpu->machine;
    if (!m || (!level && !m->ferr.level))
        return;             /* FNINIT/FNCLEX with FERR# idle: no lock */
    big_lock();         /* the line's receiver is a device */
    irq_set(&m->ferr, level);
    big_unlock();
}

/* Freeze: the instruction has not started (env->rip is at it); wait like
 * HLT for the interrupt whose handler deals with the error. */
static noreturn void freeze(CPUState *cpu)
{
    cpu->env.halted = true;
    cpu->env.exception_index = -1;
    siglongjmp(*(sigjmp_buf *)cpu->jmp_env, 1);
}

void fpu_check_pending(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (!(env->fpu.fsw & FSW_ES))
        return;
    if (env->cr0 & CR0_NE)
        fpu_fault(cpu, EXC_MF);
    if (!cpu->machine || cpu->machine->ignne)
        return;
    drive_ferr(cpu, 1);
    if (cpu->jmp_env)
        freeze(cpu);
}

void fpu_ferr_clear(CPUState *cpu)
{
    drive_ferr(cpu, 0);
}
