/* Intel 8254 programmable interval timer ("i8254"): three counters at ports
 * 0x40-0x42, control word at 0x43, and the PC's port 0x61 (counter 2 gate,
 * speaker enable, counter 2 output, refresh toggle).  Counter 0's output is
 * IRQ 0 (m->gsi[0]).  Counters tick at 1.193182 MHz of virtual time. */
#ifndef KEMU_I8254_H
#define KEMU_I8254_H

#include <stdint.h>

#include "hw/core/device.h"

#define PIT_FREQ 1193182

/* The OUT pin and the counting element (1..65536; 0 reads as 65536 in
 * binary mode) of counter ch at the current virtual time. */
int i8254_get_out(Device *pit, int ch);
uint32_t i8254_get_count(Device *pit, int ch);

#endif
