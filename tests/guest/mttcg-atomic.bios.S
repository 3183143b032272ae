/* mttcg-atomic: every CPU of the machine (its count from CMOS 0x5f) hammers
 * shared counters at once, ITER times each:
 *   CNT_ADD   LOCK ADD
 *   CNT_XADD  LOCK XADD
 *   CNT_CAS   a LOCK CMPXCHG retry loop
 *   CNT_INC   LOCK INC
 *   CNT_BTS   a LOCK BTS / LOCK BTR bit lock around a plain INC of it
 *   CNT_PLAIN a plain INC inside a spinlock taken with XCHG and released
 *             with a plain MOV (a lost release hangs the test; a lost
 *             update shows in the count)
 * and each must end at exactly CPUs * ITER.  With vCPUs on threads of
 * their own (-accel tcg,thread=multi) a locked instruction that is not
 * atomic with respect to another CPU's loses updates.  Prints the counts;
 * exits 0 on success.  Run with -smp 2 or more. */
#include "tests/guest/guest.h"

#define NCPUS     (VARS + 0)
#define CNT_ADD   (VARS + 4)
#define CNT_XADD  (VARS + 8)
#define CNT_CAS   (VARS + 12)
#define CNT_INC   (VARS + 16)
#define CNT_PLAIN (VARS + 20)
#define SPIN      (VARS + 24)
#define UP        (VARS + 28)
#define GO        (VARS + 32)
#define DONE      (VARS + 36)
#define CNT_BTS   (VARS + 40)
#define BITLOCK   (VARS + 44)
#define ITER      100000

/* The hammering loop (each CPU; no stack needed). */
.macro WORK
    mov $ITER, %ecx
1:  lock addl $1, CNT_ADD
    mov $1, %eax
    lock xaddl %eax, CNT_XADD
    mov CNT_CAS, %eax
2:  mov %eax, %edx
    inc %edx
    lock cmpxchgl %edx, CNT_CAS     /* EAX reloaded on failure */
    jnz 2b
    lock incl CNT_INC
3:  mov $1, %al
    xchg %al, SPIN                  /* implicitly locked */
    test %al, %al
    jz 4f
    pause
    jmp 3b
4:  incl CNT_PLAIN
    movb $0, SPIN                   /* release: a plain store */
5:  lock btsl $3, BITLOCK
    jnc 6f
    pause
    jmp 5b
6:  incl CNT_BTS
    lock btrl $3, BITLOCK
    dec %ecx
    jnz 1b
    lock incl DONE
.endm

    BIOS_START16
    PUTS16 m_start
    CMOS_NCPUS16 NCPUS
    xor %eax, %eax
    mov $VARS + 4, %di
    mov $11, %cx
    rep stosl                       /* counters, locks and flags */
    SMP_START16 NCPUS, UP, aps_up, m_noap, one_cpu

aps_up:
    PUTS16 m_cpus
    mov NCPUS, %eax
    call putdec32
    PUTS16 m_nl
    movl $1, GO
    WORK
    WAIT_DONE16 NCPUS, DONE, all_done, m_notdone

all_done:
    EXPECT_ALL16 NCPUS, ITER
    mov $CNT_ADD, %di
    mov $m_add, %si
    call check
    mov $CNT_XADD, %di
    mov $m_xadd, %si
    call check
    mov $CNT_CAS, %di
    mov $m_cas, %si
    call check
    mov $CNT_INC, %di
    mov $m_inc, %si
    call check
    mov $CNT_PLAIN, %di
    mov $m_plain, %si
    call check
    mov $CNT_BTS, %di
    mov $m_bts, %si
    call check
    VERDICT16 m_pass, m_wrong
one_cpu:
    PUTS16 m_one
    EXIT16 5

/* Print "name=value" for the counter at DI (name at CS:SI); BP++ if it is
 * not EBX. */
check:
    call puts16
    mov (%di), %eax
    call putdec32
    PUTS16 m_nl
    cmp (%di), %ebx
    je 1f
    inc %bp
1:  ret

DELAY_FUNC16

PUTDEC32_FUNC16

/* ---- the APs ---- */

ap_main:
    cli
    xor %ax, %ax
    mov %ax, %ds
    lock incl UP
1:  cmpl $0, GO
    jne 2f
    pause
    jmp 1b
2:  WORK
3:  cli
    hlt
    jmp 3b

/* Copied to 0x8000; runs on each AP at 0800:0000. */
ap_tramp:
    ljmp $0xf000, $ap_main
ap_tramp_end:

    SERIAL16_FUNCS
    UNREAL_GDT

m_start:   .asciz "mttcg-atomic: starting the APs\r\n"
m_cpus:    .asciz "mttcg-atomic: CPUs up: "
m_add:     .asciz "mttcg-atomic: lock add "
m_xadd:    .asciz "mttcg-atomic: lock xadd "
m_cas:     .asciz "mttcg-atomic: lock cmpxchg "
m_inc:     .asciz "mttcg-atomic: lock inc "
m_plain:   .asciz "mttcg-atomic: xchg spinlock "
m_bts:     .asciz "mttcg-atomic: bts bit lock "
m_nl:      .asciz "\r\n"
m_pass:    .asciz "mttcg-atomic: PASS\r\n"
m_wrong:   .asciz "FAIL: a counter is not CPUs * iterations\r\n"
m_noap:    .asciz "FAIL: not every AP started\r\n"
m_notdone: .asciz "FAIL: not every CPU finished\r\n"
m_one:     .asciz "FAIL: run with -smp 2 or more\r\n"

    RESET_VECTOR _start
