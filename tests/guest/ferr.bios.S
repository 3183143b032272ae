/* ferr: x87 errors in MS-DOS compatibility mode (CR0.NE=0, the reset
 * value), SDM vol. 1 8.7.2 and D.2.  An unmasked divide-by-zero leaves
 * FSW.ES set; the next waiting x87 instruction must not execute: the CPU
 * asserts FERR#, which the PC routes to IRQ 13 (INT 75h through the slave
 * PIC), and freezes until that interrupt.  The handler writes port 0xF0
 * (IGNNE#), and the restarted instruction then goes on, ignoring the
 * error, as do later ones until FNCLEX drops FERR#.  A second error is
 * handled the other way: the handler clears it with FNCLEX.
 * Exits 0 on success; 2..8 name the failed step. */
#include "tests/guest/guest.h"

#define IRQ13S     VARS            /* IRQ 13 count */
#define TOPSEEN    (VARS + 2)      /* FSW at the first interrupt */
#define FSWTMP     (VARS + 4)
#define CWTMP      (VARS + 6)
#define IRQ13_VEC  0x75

    BIOS_START16
    PUTS16 m_start
    movw $0, IRQ13S
    LAPIC_PIC_MODE16
    movw $irq13_ignne, IRQ13_VEC * 4
    movw $0xf000, IRQ13_VEC * 4 + 2

    PIC_INIT16 0x08, 0x70, 0xfb, 0xdf       /* the cascade and IRQ 13 only */

    mov %cr0, %eax                  /* NE clear, MP set (FWAIT checks) */
    and $~0x2c, %eax                /* NE, TS, EM */
    or $0x02, %eax
    mov %eax, %cr0
    fninit
    movw $0x037b, CWTMP             /* ZM unmasked */
    fldcw CWTMP
    sti

    /* Step 1: 1/0 sets ZE and ES; no interrupt yet. */
    fld1
    fldz
    .byte 0xde, 0xf9                /* FDIVP ST(1),ST: 1 / 0, unmasked: no pop */
    fnstsw FSWTMP
    testw $0x80, FSWTMP
    jz f_noes
    cmpw $0, IRQ13S
    jne f_early

    /* Step 2: FLD1 freezes, IRQ 13 comes first, then FLD1 runs. */
    fld1
    cmpw $1, IRQ13S
    jne f_noirq
    mov TOPSEEN, %ax                /* TOP when the handler ran: still 6 */
    shr $11, %ax
    and $7, %ax
    cmp $6, %ax
    jne f_ran
    fnstsw %ax                      /* after the FLD1: TOP 5 */
    shr $11, %ax
    and $7, %ax
    cmp $5, %ax
    jne f_notrun

    /* Step 3: IGNNE# stays asserted while ES is: no further interrupt. */
    fld1
    fwait
    cmpw $1, IRQ13S
    jne f_again

    /* Step 4: FNCLEX drops FERR# and IGNNE#; a new error freezes FWAIT
     * until a handler that clears it with FNCLEX. */
    fnclex
    movw $irq13_fnclex, IRQ13_VEC * 4
    fninit
    fldcw CWTMP
    fld1
    fldz
    .byte 0xde, 0xf9
    fwait
    cmpw $2, IRQ13S
    jne f_second
    fnstsw %ax
    test $0x80, %al
    jnz f_second

    cli
    PUTS16 m_pass
    EXIT16 EXIT_PASS

irq13_ignne:
    push %ax
    incw %ss:IRQ13S
    fnstsw %ss:TOPSEEN
    xor %al, %al
    out %al, $0xf0                  /* clear the latch: IGNNE# */
    mov $0x20, %al
    out %al, $PIC2_CMD
    out %al, $PIC1_CMD
    pop %ax
    iret

irq13_fnclex:
    push %ax
    incw %ss:IRQ13S
    fnclex
    mov $0x20, %al
    out %al, $PIC2_CMD
    out %al, $PIC1_CMD
    pop %ax
    iret

f_noes:   PUTS16 m_noes
          EXIT16 2
f_early:  PUTS16 m_early
          EXIT16 3
f_noirq:  PUTS16 m_noirq
          EXIT16 4
f_ran:    PUTS16 m_ran
          EXIT16 5
f_notrun: PUTS16 m_notrun
          EXIT16 6
f_again:  PUTS16 m_again
          EXIT16 7
f_second: PUTS16 m_second
          EXIT16 8

    SERIAL16_FUNCS
    UNREAL_GDT

m_start:  .asciz "ferr: start\r\n"
m_pass:   .asciz "ferr: PASS\r\n"
m_noes:   .asciz "FAIL: unmasked #Z did not set FSW.ES\r\n"
m_early:  .asciz "FAIL: IRQ 13 before a waiting instruction\r\n"
m_noirq:  .asciz "FAIL: no IRQ 13 at the waiting instruction\r\n"
m_ran:    .asciz "FAIL: the frozen instruction ran before IRQ 13\r\n"
m_notrun: .asciz "FAIL: the instruction did not run after IGNNE#\r\n"
m_again:  .asciz "FAIL: IRQ 13 again while IGNNE# is asserted\r\n"
m_second: .asciz "FAIL: FNCLEX handler case\r\n"

    RESET_VECTOR _start
