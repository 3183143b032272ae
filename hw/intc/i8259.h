/* The PC's pair of 8259A interrupt controllers ("i8259"): master at
 * 0x20-0x21, slave at 0xa0-0xa1 cascaded on the master's IR2, and the
 * edge/level control registers (ELCR) at 0x4d0-0x4d1. */
#ifndef KEMU_I8259_H
#define KEMU_I8259_H

#include "hw/core/device.h"
#include "hw/core/irq.h"

/* Input pin irq (0-15) of the pair; an IrqHandler, opaque = the Device *. */
void i8259_set_irq(void *pic, int irq, int level);
/* The master's INTR output: high while an unmasked request outranks what is
 * in service.  The board connects it to the CPU side. */
IrqLine *i8259_intr(Device *pic);
/* Interrupt acknowledge (the two INTA cycles): returns the vector and moves
 * the request to in-service.  A request that went away gives the spurious
 * vector of IR7 (master) or IR15 (slave) without setting in-service. */
int i8259_ack(Device *pic);

#endif
