/* MC146818 real-time clock and CMOS RAM ("mc146818rtc"): index port 0x70
 * (bit 7 = NMI disable), data port 0x71, IRQ 8. */
#ifndef KEMU_MC146818RTC_H
#define KEMU_MC146818RTC_H

#include <stdint.h>

#include "hw/core/device.h"

/* CMOS register numbers the board and firmware use. */
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

/* Store a byte of CMOS RAM (0..127; others ignored), e.g. the memory sizes
 * the firmware reads at 0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5b-0x5d. */
void rtc_set_cmos(Device *rtc, int addr, uint8_t v);
uint8_t rtc_get_cmos(Device *rtc, int addr);

#endif
