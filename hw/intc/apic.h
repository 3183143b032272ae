/* The userspace local APIC ("apic", one per vCPU) used by TCG and by KVM
 * with kernel-irqchip=off: xAPIC registers at APIC_BASE (0xfee00000), the
 * LVT timer on the virtual clock, IPIs (fixed, lowest priority, NMI, INIT,
 * SIPI, shorthands), LINT0/LINT1 inputs.
 *
 * Board wiring (hw/pc, when !m->kernel_irqchip):
 *   for each cpu i: device_create_fatal(m, "apic", "cpu=i")   (sets cpu->lapic)
 *   irq_connect(i8259_intr(pic), apic_lint_irq, m->cpus[0], 0)  -- PIC INTR ->
 *       BSP LINT0 (ExtINT: at reset the BSP's LINT0 is unmasked ExtINT, as
 *       firmware's virtual-wire setup leaves it)
 *   m->irq_ack = a function that calls apic_get_interrupt(cpu) and, when
 *       it returns APIC_EXTINT, returns i8259_ack(pic) instead.
 * GSIs go to both the i8259 and the "ioapic" (see ioapic.h).
 *
 * Locking: each APIC has its own mutex.  Register access (MMIO) runs
 * under the machine lock like every device access; apic_set_base and
 * apic_set_tsc_deadline (WRMSR) take the machine lock themselves, so call
 * them without it; the rest may be called from any thread either way. */
#ifndef KEMU_APIC_H
#define KEMU_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"          /* APIC_BASE_* of IA32_APIC_BASE */

struct CPUState;
struct Machine;

/* apic_get_interrupt's answer when the interrupt must come from the 8259
 * (LINT0 in ExtINT mode): the board's irq_ack runs the PIC's INTA. */
#define APIC_EXTINT (-2)

/* Delivery modes (ICR and redirection entries bits 10:8). */
enum { APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
       APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7 };

/* Whether cpu's APIC has an interrupt to deliver now (IRR above the
 * processor priority, or ExtINT on LINT0). */
bool apic_has_interrupt(struct CPUState *cpu);
/* Accept the highest such interrupt: moves it from IRR to ISR (and records
 * level-triggered ones in TMR) and returns its vector; APIC_EXTINT for the
 * PIC; -1 if nothing is deliverable (e.g. the TPR rose meanwhile). */
int apic_get_interrupt(struct CPUState *cpu);
/* Send an interrupt message on the APIC bus, as the IOAPIC and MSIs do:
 * dest (8-bit APIC ID or logical mask), dest_logical, delivery mode,
 * vector, level (for INIT level de-assert) and trigger (1 = level). */
void apic_deliver(struct Machine *m, uint8_t dest, bool dest_logical, int mode,
                  uint8_t vector, int level, int trigger);

/* LINT0 (n = 0) and LINT1 (n = 1) input pins; an IrqHandler, opaque = the
 * CPUState * whose APIC owns the pins. */
void apic_lint_irq(void *opaque, int n, int level);

/* CPU side (cpu/ calls them through cpu->lapic_ops): IA32_APIC_BASE writes
 * (relocation is not supported: the base stays at 0xfee00000), CR8 (TPR
 * bits 7:4), IA32_TSC_DEADLINE. */
void apic_set_base(struct CPUState *cpu, uint64_t val);
uint8_t apic_get_tpr(struct CPUState *cpu);
void apic_set_tpr(struct CPUState *cpu, uint8_t tpr);
uint64_t apic_get_tsc_deadline(struct CPUState *cpu);
void apic_set_tsc_deadline(struct CPUState *cpu, uint64_t tsc);

/* Register access (offset within the 4 KiB page), for tests and x2APIC-less
 * MSR paths; the MMIO region calls these. */
uint32_t apic_reg_read(struct CPUState *cpu, uint32_t off);
/* x2APIC mode: RDMSR/WRMSR of 800H-8FFH.  false (#GP) outside x2APIC mode,
 * for registers that do not exist or not in that direction, and for
 * reserved bits.  The write takes the machine lock: call it without. */
bool apic_msr_read(struct CPUState *cpu, uint32_t idx, uint64_t *val);
bool apic_msr_write(struct CPUState *cpu, uint32_t idx, uint64_t val);
void apic_reg_write(struct CPUState *cpu, uint32_t off, uint32_t val);

/* Set cpu->env.interrupt_request bits and kick the vCPU. */
void cpu_interrupt(struct CPUState *cpu, uint32_t bits);

#endif
