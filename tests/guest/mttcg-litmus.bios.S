/* mttcg-litmus: x86-TSO litmus tests between two CPUs running at once
 * (the BSP and the first AP; any others sleep), ROUNDS rounds each, the
 * CPUs kept in step by publishing their round and waiting for the other:
 *   MP  message passing: A stores DATA = k then FLAG = k; B loads FLAG
 *       then DATA.  Stores are not reordered with stores nor loads with
 *       loads, so B never sees FLAG = k with DATA < k.
 *   LB  load buffering: A loads X then stores Y = k; B loads Y then
 *       stores X = k.  Loads are not reordered with later stores, so
 *       both loads never see the other's round-k store.
 *   SB  store buffering: A stores X2 = k then loads Y2; B stores Y2 = k
 *       then loads X2.  Both seeing the old value is allowed (store
 *       buffers); it is only counted.
 * Prints the forbidden-outcome counts (must be 0) and the SB count;
 * exits 0 on success.  Run with -smp 2 or more. */
#include "tests/guest/guest.h"

#define NCPUS     (VARS + 0)
#define UP        (VARS + 4)
#define RA        (VARS + 8)     /* A's round */
#define RB        (VARS + 12)    /* B's round */
#define FLAG      (VARS + 16)
#define DATA      (VARS + 80)    /* another cache line */
#define X         (VARS + 144)
#define Y         (VARS + 208)
#define X2        (VARS + 272)
#define Y2        (VARS + 336)
#define BAD_MP    (VARS + 404)
#define BAD_LB    (VARS + 408)
#define SB_SEEN   (VARS + 412)
#define B_DONE    (VARS + 416)
/* What each CPU's loads saw, by round modulo 4; B checks round k - 2 in
 * round k (both are done with it: A has started round k). */
#define LB_A      (VARS + 448)
#define LB_B      (VARS + 464)
#define SB_A      (VARS + 480)
#define SB_B      (VARS + 496)
#define ROUNDS    200000

/* Publish round EBX in \mine, wait until the other CPU reached it too. */
.macro STEP mine, other
    mov %ebx, \mine
1:  cmp \other, %ebx
    jbe 2f
    pause
    jmp 1b
2:
.endm

    BIOS_START16
    PUTS16 m_start
    CMOS_NCPUS16 NCPUS
    xor %eax, %eax
    mov $VARS + 4, %di
    mov $110, %cx
    rep stosl
    SMP_START16 NCPUS, UP, aps_up, m_noap, one_cpu

/* A: the BSP. */
aps_up:
    mov $1, %ebx
a_round:
    STEP RA, RB
    mov %ebx, DATA                  /* MP */
    mov %ebx, FLAG
    mov %ebx, %esi
    and $3, %esi
    mov X, %eax                     /* LB */
    mov %ebx, Y
    mov %eax, LB_A(,%esi,4)
    mov %ebx, X2                    /* SB */
    mov Y2, %eax
    mov %eax, SB_A(,%esi,4)
    inc %ebx
    cmp $ROUNDS + 1, %ebx
    jne a_round
    mov %ebx, RA                    /* past the last round */
    WAIT_DONE16 $1, B_DONE, report, m_notdone

report:
    PUTS16 m_mp
    mov BAD_MP, %eax
    call putdec32
    PUTS16 m_lb
    mov BAD_LB, %eax
    call putdec32
    PUTS16 m_sb
    mov SB_SEEN, %eax
    call putdec32
    PUTS16 m_rounds
    cmpl $0, BAD_MP
    jne forbidden
    cmpl $0, BAD_LB
    jne forbidden
    PUTS16 m_pass
    EXIT16 EXIT_PASS
forbidden:
    PUTS16 m_forbidden
    EXIT16 4
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
    mov $1, %eax
    lock xaddl %eax, UP
    test %eax, %eax
    jnz ap_sleep
    mov $1, %ebx
b_round:
    STEP RB, RA
    mov FLAG, %eax                  /* MP: FLAG then DATA */
    mov DATA, %edx
    cmp %eax, %edx
    jae 1f
    incl BAD_MP
1:  mov %ebx, %esi
    and $3, %esi
    mov Y, %eax                     /* LB */
    mov %ebx, X
    mov %eax, LB_B(,%esi,4)
    mov %ebx, Y2                    /* SB */
    mov X2, %eax
    mov %eax, SB_B(,%esi,4)
    cmp $3, %ebx
    jb 3f
    lea -2(%ebx), %edx              /* round k - 2 */
    mov %edx, %esi
    and $3, %esi
    cmp LB_A(,%esi,4), %edx
    jne 2f
    cmp LB_B(,%esi,4), %edx
    jne 2f
    incl BAD_LB                     /* both loads saw the later stores */
2:  cmp SB_A(,%esi,4), %edx
    jbe 3f
    cmp SB_B(,%esi,4), %edx
    jbe 3f
    incl SB_SEEN                    /* both loads saw older values */
3:    inc %ebx
    cmp $ROUNDS + 1, %ebx
    jne b_round
    movl $1, B_DONE
ap_sleep:
    cli
    hlt
    jmp ap_sleep

ap_tramp:
    ljmp $0xf000, $ap_main
ap_tramp_end:

    SERIAL16_FUNCS
    UNREAL_GDT

m_start:     .asciz "mttcg-litmus: starting the APs\r\n"
m_mp:        .asciz "mttcg-litmus: MP forbidden "
m_lb:        .asciz ", LB forbidden "
m_sb:        .asciz ", SB relaxed "
m_rounds:    .asciz " in 200000 rounds\r\n"
m_pass:      .asciz "mttcg-litmus: PASS\r\n"
m_forbidden: .asciz "FAIL: a forbidden x86-TSO outcome was seen\r\n"
m_noap:      .asciz "FAIL: not every AP started\r\n"
m_notdone:   .asciz "FAIL: B did not finish\r\n"
m_one:       .asciz "FAIL: run with -smp 2 or more\r\n"

    RESET_VECTOR _start
