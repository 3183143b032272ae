/* reset-paths: every way the guest can reset the machine brings the board
 * back to its power-on state.  Four boots, the stage kept in a CMOS byte
 * (which a reset keeps): before each reset the program closes A20 and
 * leaves the 8259 masks, PIT channel 0, the RTC's interrupt enables and
 * ACPI PM1_EN changed (the PIIX4 PM block enabled at 0x600 first, as
 * firmware does); after it, it checks that port 0x92 reads A20 open,
 * that the gate still closes and opens through port 0x92 (a write above
 * 1 MiB wraps, then does not; not under KVM, which has no A20 gate), and
 * that those devices are back to their
 * reset state (the PM block no longer decoded, PM1_EN clear once enabled).  Resets: i8042 command 0xfe, port 0x92 bit 0, 0x06 to the
 * reset control register 0xcf9, a triple fault (not under KVM, where the
 * real-mode triple fault needs emulation a software-only KVM lacks).
 * Prints "reset-paths: after <path>: ok" for each; exits 0 after the last. */
#include "tests/guest/guest.h"

#define STAGE      CMOS_SCRATCH
#define STAGE_BASE 0xa0                  /* stage n is STAGE_BASE + n */
#define PM1_EN     0x602
#define LOW        0x0600                /* DS = 0: 0x00600 */
#define HIGH       0x0610                /* FS = 0xffff: 0x100600 */

    BIOS_START16
    in $0x92, %al                       /* before anything writes the gate */
    mov %al, %bl
    mov $STAGE, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    sub $STAGE_BASE, %al
    cmp $4, %al
    ja first_boot
    movzbw %al, %bp                     /* 1-4: after reset path bp-1 */
    test %bp, %bp
    jz first_boot
    test $0x02, %bl
    jz f_a20_read
    call check_devices
    call check_a20
    mov %bp, %si
    dec %si
    shl $1, %si
    mov %cs:after_msgs(%si), %si
    call puts16
    cmp $4, %bp
    je done
    jmp next_reset

first_boot:
    xor %bp, %bp
    PUTS16 m_start
next_reset:                             /* reset path bp */
    cmp $3, %bp
    jne 1f
    call under_kvm                      /* a software-only KVM cannot */
    je done                             /* emulate the real-mode triple fault */
1:  mov $STAGE, %al
    out %al, $CMOS_INDEX
    mov %bp, %ax
    add $STAGE_BASE + 1, %al
    out %al, $CMOS_DATA
    call dirty_devices
    mov %bp, %si
    shl $1, %si
    jmp *%cs:reset_paths(%si)

reset_kbc:
    call a20_off_kbc
    call kbc_wait
    mov $0xfe, %al
    out %al, $KBC_CMD
    jmp no_reset
reset_92:
    in $0x92, %al
    and $0xfc, %al                      /* A20 off, reset bit low */
    out %al, $0x92
    or $0x01, %al
    out %al, $0x92
    jmp no_reset
reset_cf9:
    call a20_off_kbc
    mov $0xcf9, %dx
    mov $0x06, %al
    out %al, %dx
    jmp no_reset
reset_triple:
    in $0x92, %al
    and $0xfc, %al
    out %al, $0x92
    lidtl %cs:null_idt                  /* no vector fits: #GP, #DF, shutdown */
    int3
no_reset:
    mov $0x4000000, %ecx
1:  dec %ecx
    jnz 1b
    PUTS16 m_noreset
    EXIT16 2

done:
    mov $STAGE, %al
    out %al, $CMOS_INDEX
    xor %al, %al
    out %al, $CMOS_DATA
    PUTS16 m_pass
    EXIT16 EXIT_PASS

f_a20_read:
    PUTS16 m_a20_read
    EXIT16 3

kbc_wait:
    mov $0xffff, %cx
1:  in $KBC_CMD, %al
    test $0x02, %al
    jz 2f
    loop 1b
2:  ret

a20_off_kbc:
    call kbc_wait
    mov $0xdd, %al
    out %al, $KBC_CMD
    call kbc_wait
    ret

/* Change what a reset must undo. */
dirty_devices:
    PIC_INIT16 0x20, 0x28, 0x5a, 0xa5
    mov $0x30, %al                      /* PIT channel 0: mode 0 */
    out %al, $PIT_MODE
    mov $0x34, %al
    out %al, $PIT_CH0
    mov $0x12, %al
    out %al, $PIT_CH0
    mov $0x0b, %al                      /* RTC: periodic and alarm interrupts */
    out %al, $CMOS_INDEX
    mov $0x62, %al
    out %al, $CMOS_DATA
    call pm_enable
    mov $PM1_EN, %dx
    mov $0x0521, %ax                    /* timer, global, power button, RTC */
    out %ax, %dx
    ret

check_devices:
    in $PIC1_DATA, %al
    mov %al, %ah
    in $PIC2_DATA, %al
    or %ah, %al
    mov $m_pic, %si
    jnz fail
    mov $0xe2, %al                      /* read-back status of channel 0 */
    out %al, $PIT_MODE
    in $PIT_CH0, %al
    and $0x3f, %al
    cmp $0x36, %al
    mov $m_pit, %si
    jne fail
    mov $0x0b, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    test $0x78, %al
    mov $m_rtc, %si
    jnz fail
    mov $PM1_EN, %dx
    in %dx, %ax
    cmp $0xffff, %ax                    /* PMREGMISC cleared: not decoded */
    mov $m_acpi_on, %si
    jne fail
    call pm_enable
    mov $PM1_EN, %dx
    in %dx, %ax
    test %ax, %ax
    mov $m_acpi, %si
    jnz fail
    ret

/* What firmware does: the PIIX4 PM function (00:01.3) decodes its block
 * at 0x600 (PMBA at 0x40, PMREGMISC bit 0 at 0x80). */
pm_enable:
    mov $0xcf8, %dx
    mov $0x80000b40, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    mov $0x601, %eax
    out %eax, %dx
    mov $0xcf8, %dx
    mov $0x80000b80, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    mov $1, %al
    out %al, %dx
    ret

/* A20 open (0x100600 is not 0x600), closed through port 0x92 (it is), open
 * again. */
check_a20:
    mov $0xffff, %ax
    mov %ax, %fs
    movl $0x11111111, (LOW)
    movl $0x22222222, %fs:(HIGH)
    cmpl $0x11111111, (LOW)
    mov $m_a20_open, %si
    jne fail
    call under_kvm                      /* KVM does not gate A20 */
    je 1f
    in $0x92, %al
    and $0xfd, %al
    out %al, $0x92
    movl $0x33333333, %fs:(HIGH)
    cmpl $0x33333333, (LOW)
    mov $m_a20_close, %si
    jne fail
    or $0x02, %al
    out %al, $0x92
    movl $0x44444444, %fs:(HIGH)
    cmpl $0x33333333, (LOW)
    mov $m_a20_open, %si
    jne fail
1:  ret

/* ZF set under KVM (its CPUID signature). */
under_kvm:
    mov $0x40000000, %eax
    cpuid
    cmp $0x4b4d564b, %ebx               /* "KVMK" */
    ret

fail:
    push %si
    PUTS16 m_fail
    mov %bp, %si
    dec %si
    shl $1, %si
    mov %cs:path_names(%si), %si
    call puts16
    PUTS16 m_colon
    pop %si
    call puts16
    PUTS16 m_crlf
    EXIT16 4

    SERIAL16_FUNCS

    .balign 2
reset_paths:
    .word reset_kbc, reset_92, reset_cf9, reset_triple
after_msgs:
    .word m_after_kbc, m_after_92, m_after_cf9, m_after_tf
path_names:
    .word n_kbc, n_92, n_cf9, n_tf
null_idt:
    .word 0
    .long 0

m_start:     .asciz "reset-paths: start\r\n"
m_after_kbc: .asciz "reset-paths: after i8042 reset: ok\r\n"
m_after_92:  .asciz "reset-paths: after port 0x92 reset: ok\r\n"
m_after_cf9: .asciz "reset-paths: after 0xcf9 reset: ok\r\n"
m_after_tf:  .asciz "reset-paths: after triple fault: ok\r\n"
n_kbc:       .asciz "i8042 reset"
n_92:        .asciz "port 0x92 reset"
n_cf9:       .asciz "0xcf9 reset"
n_tf:        .asciz "triple fault"
m_pass:      .asciz "reset-paths: PASS\r\n"
m_fail:      .asciz "FAIL: after "
m_colon:     .asciz ": "
m_crlf:      .asciz "\r\n"
m_noreset:   .asciz "FAIL: the reset did not happen\r\n"
m_a20_read:  .asciz "FAIL: port 0x92 reads A20 closed after a reset\r\n"
m_pic:       .asciz "8259 masks not clear"
m_pit:       .asciz "PIT channel 0 not back in mode 3"
m_rtc:       .asciz "RTC interrupt enables not clear"
m_acpi:      .asciz "ACPI PM1_EN not clear"
m_acpi_on:   .asciz "ACPI PM block decoded before firmware enabled it"
m_a20_open:  .asciz "A20 not open"
m_a20_close: .asciz "A20 does not close through port 0x92"

    RESET_VECTOR _start
