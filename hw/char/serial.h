/* 16550A UART ("isa-serial", props iobase=0x3f8, irq=4, chardev=ID). */
#ifndef KEMU_SERIAL_H
#define KEMU_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "hw/core/device.h"

/* The receive side as the chardev frontend sees it: room in the receiver
 * (FIFO space; 0 in loopback mode) and bytes arriving on the serial line. */
size_t serial_can_receive(Device *uart);
void serial_receive(Device *uart, const uint8_t *buf, size_t len);

#endif
