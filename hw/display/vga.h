/* The std VGA as the rest of the emulator sees it (the monitor's
 * screendump). */
#ifndef KEMU_HW_DISPLAY_VGA_H
#define KEMU_HW_DISPLAY_VGA_H

#include <stdint.h>

#include "hw/core/device.h"

/* The visible picture of a "VGA" device as 0x00RRGGBB pixels, w x h
 * (caller frees *out).  -1 if the display is off or not a VGA. */
int vga_get_picture(Device *dev, uint32_t **out, int *w, int *h);

#endif
