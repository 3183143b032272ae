/* Boot devices by bootindex=: devices with a bootindex register the
 * Open Firmware-style path the firmware knows them by (QEMU's form, which
 * SeaBIOS matches); the board hands the sorted list to the firmware. */
#ifndef KEMU_HW_CORE_BOOTDEV_H
#define KEMU_HW_CORE_BOOTDEV_H

#include <stdint.h>

#define BOOTINDEX_NONE UINT32_MAX

void bootdev_register(uint32_t bootindex, const char *path);
/* The paths by ascending bootindex, one per line ("" when none; caller
 * frees). */
char *bootdev_list(void);

#endif
