/* The ISA floppy disk controller ("isa-fdc", 82078 subset) and its
 * drives ("floppy"), as the board sees them: the CMOS drive types. */
#ifndef KEMU_FDC_H
#define KEMU_FDC_H

#include <stdint.h>

#include "hw/core/device.h"

/* A floppy format the drives accept, found from the image size. */
typedef struct FloppyFormat {
    uint64_t size;
    uint8_t tracks, heads, spt;
    uint8_t rate;               /* data rate code the medium needs (DSR/CCR) */
    uint8_t cmos;               /* CMOS drive type: 1 360K .. 5 2.88M */
    const char *name;
} FloppyFormat;

/* CMOS type of drive unit (0 or 1) of the controller: 0 without a drive. */
uint8_t fdc_cmos_type(Device *fdc, int unit);

#endif
