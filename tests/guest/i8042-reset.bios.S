/* i8042-reset: real-mode firmware that resets the machine through the
 * keyboard controller (command 0xfe pulses the CPU reset line) and proves
 * the second boot happened with a CMOS byte, which survives the reset:
 * first boot sets it and resets; second boot sees it, clears it and exits 0.
 * If the reset never comes, it exits 2. */
#include "tests/guest/guest.h"

#define MAGIC 0xa5

    BIOS_START16
    mov $CMOS_SCRATCH, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    cmp $MAGIC, %al
    je second_boot

    PUTS16 m_boot1
    mov $CMOS_SCRATCH, %al
    out %al, $CMOS_INDEX
    mov $MAGIC, %al
    out %al, $CMOS_DATA
    mov $0xffff, %cx                /* wait for the input buffer to drain */
1:  in $KBC_CMD, %al
    test $0x02, %al
    jz 2f
    loop 1b
2:  mov $0xfe, %al                  /* pulse output port bit 0: reset */
    out %al, $KBC_CMD
    mov $0x4000000, %ecx            /* the reset should end this loop */
3:  dec %ecx
    jnz 3b
    PUTS16 m_noreset
    EXIT16 2

second_boot:
    PUTS16 m_boot2
    mov $CMOS_SCRATCH, %al
    out %al, $CMOS_INDEX
    xor %al, %al
    out %al, $CMOS_DATA
    PUTS16 m_pass
    EXIT16 EXIT_PASS

    SERIAL16_FUNCS

m_boot1:   .asciz "i8042-reset: first boot, resetting\r\n"
m_boot2:   .asciz "i8042-reset: second boot\r\n"
m_pass:    .asciz "i8042-reset: PASS\r\n"
m_noreset: .asciz "FAIL: no reset after i8042 command 0xfe\r\n"

    RESET_VECTOR _start
