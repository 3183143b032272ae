/* Delivery of a pending unmasked x87 exception: #MF with CR0.NE, else
 * the PC's FERR# line to IRQ 13 (SDM vol. 1 8.7 and appendix D). */
#include "cpu/fpu-internal.h"

#include "cpu/excp.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"

void fpu_check_pending(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (!(env->fpu.fsw & FSW_ES))
        return;
    if (env->cr0 & CR0_NE)
        fpu_fault(cpu, EXC_MF);
    /* CR0.NE=0: the PC way.  FERR# drives IRQ 13 through the interrupt
     * controller and the instruction goes on (the chipset's IGNNE#
     * latch, cleared by a write to port 0xF0, is not modelled). */
    if (cpu->machine) {
        big_lock();         /* the line's receivers are devices */
        irq_raise(&cpu->machine->gsi[13]);
        big_unlock();
    }
}

void fpu_ferr_clear(CPUState *cpu)
{
    if (cpu->machine) {
        big_lock();
        irq_lower(&cpu->machine->gsi[13]);
        big_unlock();
    }
}
