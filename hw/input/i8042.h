/* The 8042 keyboard controller ("i8042"): data port 0x60, status/command
 * port 0x64, the keyboard on IRQ 1 and the PS/2 mouse on IRQ 12.  Its output
 * port drives the CPU reset line and the A20 gate. */
#ifndef KEMU_I8042_H
#define KEMU_I8042_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/device.h"

/* Bytes from the keyboard (scan codes in the set the guest selected, and
 * unchanged by the controller's set-2-to-set-1 translation, which kemu
 * leaves to the caller) or from the mouse (movement packets).  Each call is
 * one event (a key's scan codes, a packet): dropped whole while the device
 * has reporting disabled or when its 16-byte queue cannot take all of it,
 * so the guest never sees half a packet. */
/* i8042_queue_kbd returns false when the event did not fit (try it again
 * after the guest has read), true when it was queued or deliberately
 * dropped (scanning off). */
bool i8042_queue_kbd(Device *dev, const uint8_t *bytes, size_t n);
void i8042_queue_aux(Device *dev, const uint8_t *bytes, size_t n);
/* The scan code set the guest expects to read from port 0x60: 1 when the
 * command byte asks the controller to translate (and the keyboard is in
 * set 2), else the keyboard's set (1-3).  A host keyboard front end
 * encodes its keys in this set before i8042_queue_kbd(). */
int i8042_guest_scancode_set(Device *dev);

#endif
