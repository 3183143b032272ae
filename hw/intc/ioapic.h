/* The I/O APIC ("ioapic") at 0xfec00000: 24 input pins, each with a
 * redirection entry (vector, delivery mode, destination, edge/level,
 * mask) that turns a pin change into a message to the local APICs.
 *
 * Board wiring (hw/pc, when !m->kernel_irqchip): create it once with
 * device_create_fatal(m, "ioapic", NULL) and drive both controllers from
 * each GSI: ISA IRQ n (n < 16) goes to i8259 pin n and to IOAPIC pin n,
 * except IRQ 0 (the PIT), which goes to IOAPIC pin 2 as the MADT's
 * interrupt source override says; GSIs 16-23 go to the IOAPIC only.
 * ioapic_set_irq is an IrqHandler: opaque = the Device *, n = the pin. */
#ifndef KEMU_IOAPIC_H
#define KEMU_IOAPIC_H

#include <stdint.h>

#include "hw/core/device.h"

struct Machine;

#define IOAPIC_BASE 0xfec00000ULL
#define IOAPIC_NUM_PINS 24

void ioapic_set_irq(void *opaque, int pin, int level);
/* A local APIC retired a level-triggered vector: clear Remote IRR of the
 * entries with that vector (and re-send if the pin is still asserted). */
void ioapic_eoi_broadcast(struct Machine *m, uint8_t vector);
/* Redirection entry of pin (tests, `info`). */
uint64_t ioapic_get_entry(Device *dev, int pin);

#endif
