/* mttcg-smc: code modified by one CPU while another runs it.  The first
 * AP (B) calls a routine in RAM over and over (MOV $imm32, %eax; LRET) and
 * publishes what it returned; the BSP (A) rewrites the immediate with
 * round k = 1..ROUNDS (a plain store into the code) and waits until B
 * reports k.  Translated code of the old routine that stayed in use on
 * B's side shows as a round B never answers (bounded wait: fail).  Exits
 * 0 on success.  Run with -smp 2 or more. */
#include "tests/guest/guest.h"

#define NCPUS     (VARS + 0)
#define UP        (VARS + 4)
#define SEEN      (VARS + 8)     /* what B's last call returned */
#define B_STOP    (VARS + 12)
#define ROUNDS    2000
#define FUNC      0x9000         /* the routine, at 0900:0000 */
#define IMM       (FUNC + 2)     /* its immediate: 66 B8 imm32 CB */

    BIOS_START16
    PUTS16 m_start
    CMOS_NCPUS16 NCPUS
    movl $0, UP
    movl $0, B_STOP
    movl $0, SEEN
    cmpl $2, NCPUS
    jb one_cpu
    movw $0xb866, FUNC              /* mov $0, %eax (operand-size prefix) */
    movl $0, IMM
    movb $0xcb, FUNC + 6            /* lret */

    COPY_AP_TRAMPOLINE16

    MASK_PICS16
    START_APS16 NCPUS, UP, aps_up, m_noap

aps_up:
    mov $1, %ebx
round:
    mov %ebx, IMM                   /* patch the code B runs */
    mov $0x4000000, %ecx
1:  cmp SEEN, %ebx
    je 2f
    pause
    dec %ecx
    jnz 1b
    PUTS16 m_stale
    mov %ebx, %eax
    call putdec32
    PUTS16 m_nl
    EXIT16 3
2:  inc %ebx
    cmp $ROUNDS + 1, %ebx
    jne round
    movl $1, B_STOP
    PUTS16 m_rounds
    PUTS16 m_pass
    EXIT16 EXIT_PASS
one_cpu:
    PUTS16 m_one
    EXIT16 5

DELAY_FUNC16

PUTDEC32_FUNC16

/* ---- the APs: the first is B, the others sleep ---- */

ap_main:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $1, %eax
    lock xaddl %eax, UP
    test %eax, %eax
    jnz ap_sleep
    mov $0x6000, %sp
1:  lcall $FUNC >> 4, $0
    mov %eax, SEEN
    cmpl $0, B_STOP
    je 1b
ap_sleep:
    cli
    hlt
    jmp ap_sleep

ap_tramp:
    ljmp $0xf000, $ap_main
ap_tramp_end:

    SERIAL16_FUNCS
    UNREAL_GDT

m_start:   .asciz "mttcg-smc: starting the APs\r\n"
m_rounds:  .asciz "mttcg-smc: 2000 rewrites of code another CPU runs, each seen\r\n"
m_pass:    .asciz "mttcg-smc: PASS\r\n"
m_stale:   .asciz "FAIL: the other CPU still runs the old code in round "
m_nl:      .asciz "\r\n"
m_noap:    .asciz "FAIL: not every AP started\r\n"
m_one:     .asciz "FAIL: run with -smp 2 or more\r\n"

    RESET_VECTOR _start
