/* rtc-pit-uart: a real-mode firmware that checks the 16550A UART (scratch
 * and line-control registers, loopback data and modem lines), the CMOS RTC
 * (divider, valid-RAM bit, CMOS RAM, the update-ended flag and the seconds
 * moving) and the PIT (channel 0 and 2 counters count down, OUT2 toggles on
 * port 0x61); the UART's result line goes out with REP OUTSB.  Exits with
 * 0 when all pass, else with the failing check's code after printing
 * "FAIL: <what>". */
#include "tests/guest/guest.h"

#define POLL_LIMIT 0x4000000

    BIOS_START16
    PUTS16 m_start

/* ---- UART ---- */
    mov $UART_SCR, %dx
    mov $0x5a, %al
    out %al, %dx
    in %dx, %al
    cmp $0x5a, %al
    jne f_scr
    mov $0xa5, %al
    out %al, %dx
    in %dx, %al
    cmp $0xa5, %al
    jne f_scr

    mov $UART_LCR, %dx
    mov $0x1b, %al              /* 8 bits, 2 stop, even parity */
    out %al, %dx
    in %dx, %al
    cmp $0x1b, %al
    jne f_lcr
    mov $0x03, %al
    out %al, %dx

    mov $UART_LSR, %dx
    in %dx, %al
    and $0x60, %al              /* THRE and TEMT after init */
    cmp $0x60, %al
    jne f_lsr

    mov $UART_MCR, %dx
    mov $0x1f, %al              /* loopback, OUT2, OUT1, RTS, DTR */
    out %al, %dx
    mov $UART_MSR, %dx
    in %dx, %al
    and $0xf0, %al              /* DCD, RI, DSR, CTS follow OUT2, OUT1, DTR, RTS */
    cmp $0xf0, %al
    jne f_msr
    mov $UART_THR, %dx
    mov $0x42, %al
    out %al, %dx
    mov $POLL_LIMIT, %ecx
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x01, %al             /* data ready */
    jnz 2f
    dec %ecx
    jnz 1b
    jmp f_loop
2:  mov $UART_RBR, %dx
    in %dx, %al
    cmp $0x42, %al
    jne f_loop
    mov $UART_MCR, %dx
    mov $0x03, %al
    out %al, %dx
    /* "uart: ok" as one string output (REP OUTSB: the accelerator's
     * repeated port I/O); 10 bytes fit the transmit FIFO. */
    mov $m_uart, %si
    mov $m_uart_end - m_uart - 1, %cx
    mov $UART_THR, %dx
    rep outsb %cs:(%si), (%dx)

/* ---- RTC ---- */
    mov $0x0a, %al
    call cmos_read
    and $0x70, %al
    cmp $0x20, %al              /* 32.768 kHz time base */
    jne f_rtca
    mov $0x0d, %al
    call cmos_read
    test $0x80, %al             /* valid RAM and time */
    jz f_rtcd
    mov $CMOS_SCRATCH, %al
    mov $0x3c, %ah
    call cmos_write
    mov $CMOS_SCRATCH, %al
    call cmos_read
    cmp $0x3c, %al
    jne f_cmos
    mov $CMOS_SCRATCH, %al
    xor %ah, %ah
    call cmos_write

    mov $0x0c, %al
    call cmos_read              /* reading C clears its flags */
    call rtc_seconds
    mov %al, %bl
    mov $POLL_LIMIT, %ecx
1:  mov $0x0c, %al
    call cmos_read
    test $0x10, %al             /* UF: an update cycle ended */
    jnz 2f
    dec %ecx
    jnz 1b
    jmp f_uf
2:  call rtc_seconds
    cmp %al, %bl
    je f_sec
    PUTS16 m_rtc

/* ---- PIT ---- */
    in $PORT_61, %al
    and $0xfc, %al
    or $0x01, %al               /* gate channel 2 on, speaker off */
    out %al, $PORT_61
    mov $0xb6, %al              /* channel 2, lobyte/hibyte, mode 3 */
    out %al, $PIT_MODE
    mov $0xff, %al
    out %al, $PIT_CH2
    out %al, $PIT_CH2
    mov $0x80, %bl              /* latch command for channel 2 */
    mov $PIT_CH2, %dx
    call pit_moves
    jc f_ch2

    in $PORT_61, %al
    and $0x20, %al              /* OUT2 */
    mov %al, %bl
    mov $POLL_LIMIT, %ecx
1:  in $PORT_61, %al
    and $0x20, %al
    cmp %al, %bl
    jne 2f
    dec %ecx
    jnz 1b
    jmp f_out2
2:
    mov $0x34, %al              /* channel 0, lobyte/hibyte, mode 2 */
    out %al, $PIT_MODE
    xor %al, %al
    out %al, $PIT_CH0
    out %al, $PIT_CH0
    mov $0x00, %bl              /* latch command for channel 0 */
    mov $PIT_CH0, %dx
    call pit_moves
    jc f_ch0
    PUTS16 m_pit

    PUTS16 m_pass
    EXIT16 EXIT_PASS

/* AL = CMOS register -> AL = value (NMI stays enabled). */
cmos_read:
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    ret

/* AL = register, AH = value. */
cmos_write:
    out %al, $CMOS_INDEX
    mov %ah, %al
    out %al, $CMOS_DATA
    ret

rtc_seconds:
    xor %al, %al
    jmp cmos_read

/* Latch (command BL) and read the counter at port DX twice with a delay
 * between; carry set if it did not change. */
pit_moves:
    call pit_latch_read
    mov %ax, %di
    mov $20000, %ecx
1:  dec %ecx
    jnz 1b
    call pit_latch_read
    cmp %ax, %di
    je 2f
    clc
    ret
2:  stc
    ret

pit_latch_read:
    mov %bl, %al
    out %al, $PIT_MODE
    in %dx, %al
    mov %al, %ah
    in %dx, %al
    xchg %al, %ah
    ret

/* Print "FAIL: " and the message at SI, exit with code BL. */
fail:
    push %si
    PUTS16 m_fail
    pop %si
    call puts16
    PUTS16 m_nl
    mov %bl, %al
    out %al, $DEBUG_EXIT
1:  cli
    hlt
    jmp 1b

.macro FAILURE label, code, text
\label:
    mov $\code, %bl
    mov $9f, %si
    jmp fail
    .section .rodata
9:  .asciz "\text"
    .text
.endm

    FAILURE f_scr, 2, "UART scratch register"
    FAILURE f_lcr, 3, "UART line control register"
    FAILURE f_lsr, 4, "UART line status after init"
    FAILURE f_msr, 5, "UART loopback modem status"
    FAILURE f_loop, 6, "UART loopback data"
    FAILURE f_rtca, 7, "RTC register A divider"
    FAILURE f_rtcd, 8, "RTC register D valid bit"
    FAILURE f_cmos, 9, "CMOS RAM read back"
    FAILURE f_uf, 10, "RTC update-ended flag never set"
    FAILURE f_sec, 11, "RTC seconds did not advance"
    FAILURE f_ch2, 12, "PIT channel 2 counter does not move"
    FAILURE f_out2, 13, "PIT OUT2 on port 0x61 does not toggle"
    FAILURE f_ch0, 14, "PIT channel 0 counter does not move"

    SERIAL16_FUNCS

m_start: .asciz "rtc-pit-uart: start\r\n"
m_uart:  .asciz "uart: ok\r\n"
m_uart_end:
m_rtc:   .asciz "rtc: ok\r\n"
m_pit:   .asciz "pit: ok\r\n"
m_pass:  .asciz "rtc-pit-uart: PASS\r\n"
m_fail:  .asciz "FAIL: "
m_nl:    .asciz "\r\n"

    RESET_VECTOR _start
