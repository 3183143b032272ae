/* selftime: a real-mode guest program that times its own workload, for
 * kemu-compare's tests (a ready marker, then seconds the guest measured).
 *
 * Prints "selftime: ready", calibrates the TSC against the PIT (channel 2
 * counting 50 ms in mode 0, its OUT2 read on port 0x61, as firmware and
 * Linux do), runs a fixed integer workload between two RDTSCs and prints
 * "selftime: work S.UUUUUU s checksum XXXXXXXX", then exits through
 * isa-debug-exit with 0 (emulator exit status 1).  The TSC is used for the
 * interval because it does not wrap: polling a PIT counter would lose
 * whole periods whenever the host deschedules the emulator.
 * The checksum is the same on every engine. */
#include "tests/guest/guest.h"

#define WORK_LOOPS      2000000
#define CAL_COUNT       59659           /* 50 ms of the 1.193182 MHz PIT */
#define CAL_US          50000
#define CAL_TSC         (VARS + 0)      /* TSC ticks in 50 ms (32 bits) */
#define T0_LO           (VARS + 4)
#define T0_HI           (VARS + 8)
#define TABLE           0x1000          /* 4 KiB the workload writes */

    BIOS_START16
    PUTS16 msg_ready
    call calibrate
    rdtsc
    mov %eax, T0_LO
    mov %edx, T0_HI
    call workload
    push %ebx                       /* the checksum */
    rdtsc
    sub T0_LO, %eax
    sbb T0_HI, %edx
    call tsc_to_us                  /* EAX = microseconds */
    PUTS16 msg_work
    call put_seconds
    PUTS16 msg_sum
    pop %eax
    call puthex32
    PUTS16 msg_nl
    EXIT16 EXIT_PASS

/* CAL_TSC = TSC ticks while PIT channel 2 counts CAL_COUNT down. */
calibrate:
    in $PORT_61, %al
    and $0xfc, %al                  /* speaker off, gate low */
    out %al, $PORT_61
    mov $0xb0, %al                  /* channel 2, lo/hi byte, mode 0 */
    out %al, $PIT_MODE
    mov $(CAL_COUNT & 0xff), %al
    out %al, $PIT_CH2
    mov $(CAL_COUNT >> 8), %al
    out %al, $PIT_CH2
    in $PORT_61, %al
    or $0x01, %al                   /* gate high: the count starts */
    out %al, $PORT_61
    rdtsc
    mov %eax, %ebx
1:  in $PORT_61, %al
    test $0x20, %al                 /* OUT2 goes high at zero */
    jz 1b
    rdtsc
    sub %ebx, %eax
    jnz 2f
    inc %eax                        /* never divide by zero below */
2:  mov %eax, CAL_TSC
    ret

/* EBX = checksum of WORK_LOOPS rounds of xorshift32 with table stores. */
workload:
    mov $0x2545f491, %ebx
    mov $WORK_LOOPS, %ecx
    xor %esi, %esi
1:  mov %ebx, %eax
    shl $13, %eax
    xor %eax, %ebx
    mov %ebx, %eax
    shr $17, %eax
    xor %eax, %ebx
    mov %ebx, %eax
    shl $5, %eax
    xor %eax, %ebx
    mov %bx, %si
    and $0xffc, %si
    add TABLE(%si), %ebx
    mov %ebx, TABLE(%si)
    dec %ecx
    jnz 1b
    ret

/* EDX:EAX TSC ticks -> EAX microseconds (ticks * CAL_US / CAL_TSC). */
tsc_to_us:
    mov %edx, %ecx                  /* high half of the ticks */
    mov $CAL_US, %ebx
    mul %ebx
    mov %eax, %esi                  /* low product */
    mov %edx, %edi
    mov %ecx, %eax
    mul %ebx
    add %edi, %eax                  /* EAX = high product (fits: < 2^32) */
    xor %edx, %edx
    mov CAL_TSC, %ebx
    div %ebx                        /* high quotient (0), remainder in EDX */
    mov %esi, %eax
    div %ebx
    ret

/* Print EAX microseconds as seconds with six decimals. */
put_seconds:
    xor %edx, %edx
    mov $1000000, %ebx
    div %ebx
    push %edx
    call putdec32
    mov $'.', %al
    call putc16
    pop %eax
    mov $100000, %ebx
1:  xor %edx, %edx
    div %ebx
    add $'0', %al
    call putc16
    mov %edx, %eax
    push %eax
    mov %ebx, %eax
    xor %edx, %edx
    mov $10, %ecx
    div %ecx
    mov %eax, %ebx
    pop %eax
    test %ebx, %ebx
    jnz 1b
    ret

/* Print EAX in decimal. */
putdec32:
    mov $10, %ebx
    xor %cx, %cx
1:  xor %edx, %edx
    div %ebx
    push %dx
    inc %cx
    test %eax, %eax
    jnz 1b
2:  pop %ax
    add $'0', %al
    call putc16
    loop 2b
    ret

    PUTHEX_FUNC putc16, %cx

    SERIAL16_FUNCS

msg_ready: .asciz "selftime: ready\r\n"
msg_work:  .asciz "selftime: work "
msg_sum:   .asciz " s checksum "
msg_nl:    .asciz "\r\n"

    RESET_VECTOR _start
