/* mttcg-split: split locks.  Every CPU of the machine (its count from CMOS
 * 0x5f) hammers counters that straddle a 4 KiB page boundary, ITER times
 * each:
 *   SPLIT_ADD   LOCK ADD on a dword, two bytes on each page
 *   SPLIT_XADD  LOCK XADD on a dword, one byte on the first page
 *   SPLIT_C8    a LOCK CMPXCHG8B retry loop on a qword, a dword on each
 *               page (its low dword starts near 2^32: carries cross)
 *   CNT_PLAIN   a plain INC inside a spinlock whose dword straddles a
 *               page, taken with XCHG and released with a plain MOV
 * and each must end at exactly CPUs * ITER more than it started.  Then
 * the first AP stores BYTE_ITER values into the top byte of SPLIT_D (on
 * the second page) with plain MOVs, reading each back 8 times, while the
 * BSP runs LOCK ADD on SPLIT_D (at most ADD_MAX times, so its count
 * never carries into that byte), which straddles the pages: a locked
 * add writes back the byte it read, so a store of the AP's landing
 * between its load and its store is lost (the AP reads its byte back
 * changed: LOST) unless the add is atomic.  The host cannot compare-and-
 * exchange across a page: with vCPUs on threads of their own (-accel
 * tcg,thread=multi) such an instruction is only atomic if every other
 * vCPU is held off while it runs.  Prints the counts; exits 0 on success.
 * Run with -smp 2 or more. */
#include "tests/guest/guest.h"

#define NCPUS      (VARS + 0)
#define CNT_PLAIN  (VARS + 4)
#define UP         (VARS + 8)
#define GO         (VARS + 12)
#define DONE       (VARS + 16)
#define LOST       (VARS + 20)
#define BYTE_DONE  (VARS + 24)
#define SPLIT_D    0x4ffe
#define BYTE_ITER  200000
#define ADD_MAX    0xff0000         /* the BSP's adds stay in the low 3 bytes */
#define SPLIT_ADD  0x0ffe
#define SPLIT_XADD 0x1fff
#define SPLIT_C8   0x2ffc
#define SPLIT_SPIN 0x3ffd
#define BIAS       0xff00           /* dword counters start here */
#define C8_LO_BIAS 0xffffff00       /* the qword starts at 0x00000000ffffff00 */
#define ITER       3000

/* The hammering loop (each CPU; no stack needed; EBP counts). */
.macro WORK
    mov $ITER, %ebp
1:  lock addl $1, SPLIT_ADD
    mov $1, %eax
    lock xaddl %eax, SPLIT_XADD
    mov SPLIT_C8, %eax
    mov SPLIT_C8 + 4, %edx
2:  mov %eax, %ebx
    mov %edx, %ecx
    add $1, %ebx
    adc $0, %ecx
    lock cmpxchg8b SPLIT_C8         /* EDX:EAX reloaded on failure */
    jnz 2b
3:  mov $1, %eax
    xchg %eax, SPLIT_SPIN           /* implicitly locked */
    test %eax, %eax
    jz 4f
    pause
    jmp 3b
4:  incl CNT_PLAIN
    movl $0, SPLIT_SPIN             /* release: a plain store */
    dec %ebp
    jnz 1b
    lock incl DONE
.endm

    BIOS_START16
    PUTS16 m_start
    CMOS_NCPUS16 NCPUS
    movl $0, CNT_PLAIN
    movl $0, UP
    movl $0, GO
    movl $0, DONE
    movl $BIAS, SPLIT_ADD
    movl $BIAS, SPLIT_XADD
    movl $C8_LO_BIAS, SPLIT_C8
    movl $0, SPLIT_C8 + 4
    movl $0, SPLIT_SPIN
    movl $0, LOST
    movl $0, BYTE_DONE
    movl $0, SPLIT_D
    SMP_START16 NCPUS, UP, aps_up, m_noap, one_cpu

aps_up:
    PUTS16 m_cpus
    mov NCPUS, %eax
    call putdec32
    PUTS16 m_nl
    movl $1, GO
    WORK
    xor %edi, %edi                  /* LOCK ADDs on SPLIT_D */
1:  cmp $ADD_MAX, %edi              /* no carry into the AP's byte */
    jae 2f
    lock addl $1, SPLIT_D
    inc %edi
2:  cmpl $0, BYTE_DONE
    je 1b
    WAIT_DONE16 NCPUS, DONE, all_done, m_notdone

all_done:
    EXPECT_ALL16 NCPUS, ITER
    mov SPLIT_ADD, %eax
    sub $BIAS, %eax
    mov $m_add, %si
    call check
    mov SPLIT_XADD, %eax
    sub $BIAS, %eax
    mov $m_xadd, %si
    call check
    mov SPLIT_C8, %eax              /* the qword less 0xffffff00 */
    mov SPLIT_C8 + 4, %edx
    sub $C8_LO_BIAS, %eax
    sbb $0, %edx
    jz 1f
    inc %bp                         /* a high dword off (a torn carry) */
1:  mov $m_c8, %si
    call check
    mov CNT_PLAIN, %eax
    mov $m_plain, %si
    call check
    mov SPLIT_D, %eax               /* the BSP's adds, the AP's byte aside */
    and $0xffffff, %eax
    mov %edi, %ebx
    and $0xffffff, %ebx
    mov $m_d, %si
    call check
    xor %ebx, %ebx
    mov LOST, %eax
    mov $m_lost, %si
    call check
    VERDICT16 m_pass, m_wrong
one_cpu:
    PUTS16 m_one
    EXIT16 5

/* Print "name value" for the increase EAX (name at CS:SI); BP++ if it is
 * not EBX. */
check:
    push %eax
    call puts16
    pop %eax
    call putdec32
    PUTS16 m_nl
    cmp %eax, %ebx
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
    mov $1, %esi
    lock xaddl %esi, UP             /* ESI: this AP's ticket */
1:  cmpl $0, GO
    jne 2f
    pause
    jmp 1b
2:  WORK
    test %esi, %esi
    jnz 3f
    mov $1, %ecx                    /* the first AP: its byte of SPLIT_D */
    mov $BYTE_ITER, %ebp
4:  movb %cl, SPLIT_D + 3
    mov $8, %edx
5:  cmpb %cl, SPLIT_D + 3
    je 6f
    lock incl LOST
6:  dec %edx
    jnz 5b
    inc %cl
    dec %ebp
    jnz 4b
    movl $1, BYTE_DONE
3:  cli
    hlt
    jmp 3b

/* Copied to 0x8000; runs on each AP at 0800:0000. */
ap_tramp:
    ljmp $0xf000, $ap_main
ap_tramp_end:

    SERIAL16_FUNCS
    UNREAL_GDT

m_start:   .asciz "mttcg-split: starting the APs\r\n"
m_cpus:    .asciz "mttcg-split: CPUs up: "
m_add:     .asciz "mttcg-split: split lock add "
m_xadd:    .asciz "mttcg-split: split lock xadd "
m_c8:      .asciz "mttcg-split: split lock cmpxchg8b "
m_plain:   .asciz "mttcg-split: split xchg spinlock "
m_d:       .asciz "mttcg-split: BSP's split lock adds beside a plain byte store "
m_lost:    .asciz "mttcg-split: plain byte stores lost "
m_nl:      .asciz "\r\n"
m_pass:    .asciz "mttcg-split: PASS\r\n"
m_wrong:   .asciz "FAIL: a split counter is off or a plain store was lost\r\n"
m_noap:    .asciz "FAIL: not every AP started\r\n"
m_notdone: .asciz "FAIL: not every CPU finished\r\n"
m_one:     .asciz "FAIL: run with -smp 2 or more\r\n"

    RESET_VECTOR _start
