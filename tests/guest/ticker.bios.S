/* ticker: a real-mode firmware that prints "BOOT", then "tick N" lines
 * forever, the first at once and then one every TICK_LOOPS iterations of a
 * delay loop.  Used by monitor tests (stop/cont stop and resume the ticks,
 * system_reset prints BOOT again). */
#include "tests/guest/guest.h"

#define TICK_LOOPS 300000
#define TICKS VARS

    BIOS_START16
    PUTS16 msg_boot
    movw $0, TICKS
tick:
    PUTS16 msg_tick
    mov TICKS, %ax
    call putdec16
    PUTS16 msg_nl
    incw TICKS
    mov $TICK_LOOPS, %ecx
1:  dec %ecx
    jnz 1b
    jmp tick

    SERIAL16_FUNCS

msg_boot: .asciz "BOOT\r\n"
msg_tick: .asciz "tick "
msg_nl:   .asciz "\r\n"

    RESET_VECTOR _start
