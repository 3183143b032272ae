/* smp-wake: two CPUs that sleep in HLT and wake each other thousands of
 * times, the way an SMP kernel's idle loop does (cli; check; sti; hlt).
 *
 * The BSP starts the AP (INIT, SIPI), then for round i = 1..ROUNDS writes
 * PING = i, sends the AP a fixed IPI (vector 0x40) and sleeps until PONG
 * is i.  The AP sleeps in HLT; its IPI handler answers an even round at
 * once (an IPI, vector 0x41, to the BSP) and an odd one from its local
 * APIC timer (one-shot, vector 0x42), armed by the IPI handler: then both
 * CPUs sleep until the virtual-clock timer fires.  Half of those counts
 * are 20 us, half 1 ns (a count that is over before the write that loads
 * it completes, as the shortest counts of Linux's lapic clockevent can
 * be once a host thread is preempted: it must still interrupt).  The BSP's own APIC
 * timer ticks periodically (vector 0x43) as background noise.  A wakeup
 * that is lost or noticed late shows as a round trip that takes long:
 * the BSP measures each with RDTSC, prints the longest, and fails if one
 * took more than LIMIT_MS (or, with wakeups lost for good, never ends:
 * the test's timeout).  Run with -smp 2; exits 0 on success. */
#include "tests/guest/guest.h"

#define PING      (VARS + 0)
#define PONG      (VARS + 4)
#define AP_UP     (VARS + 8)
#define AP_TICKS  (VARS + 12)
#define BSP_TICKS (VARS + 16)
#define PENDING   (VARS + 20)         /* the round the AP's timer answers */
#define MAX_NS    (VARS + 24)
#define ROUNDS    4000
#define LIMIT_MS  2000
#define TRAMPOLINE 0x8000
#define SIPI_VEC  (TRAMPOLINE >> 12)
#define AP_STACK  0x6000

#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define ICR_LO      0x300
#define ICR_HI      0x310
#define LVT_TIMER   0x320
#define TIMER_INIT  0x380
#define TIMER_DIV   0x3e0
#define ALL_BUT_SELF (3 << 18)
#define ICR_INIT  (ALL_BUT_SELF | 0x4500)   /* INIT, level assert */
#define ICR_SIPI  (ALL_BUT_SELF | 0x4600 | SIPI_VEC)

#define VEC_TO_AP     0x40
#define VEC_TO_BSP    0x41
#define VEC_AP_TIMER  0x42
#define VEC_BSP_TIMER 0x43
#define VEC_SPURIOUS  0xff

/* Real-mode IVT entry: vector \vec runs \handler in the F000 segment. */
.macro SET_VEC vec, handler
    movw $\handler, \vec * 4
    movw $0xf000, \vec * 4 + 2
.endm

    BIOS_START16
    PUTS16 m_start
    xor %eax, %eax
    mov %eax, PING
    mov %eax, PONG
    mov %eax, AP_TICKS
    mov %eax, BSP_TICKS
    mov %eax, PENDING
    mov %eax, MAX_NS
    movb $0, AP_UP
    SET_VEC VEC_TO_AP, ap_ipi
    SET_VEC VEC_TO_BSP, bsp_ipi
    SET_VEC VEC_AP_TIMER, ap_timer
    SET_VEC VEC_BSP_TIMER, bsp_timer
    SET_VEC VEC_SPURIOUS, spurious

    COPY_AP_TRAMPOLINE16

    MASK_PICS16
    ENTER_UNREAL
    LAPIC_WRITE16 LAPIC_SVR, 0x1ff  /* software-enable, spurious 0xff */
    LAPIC_WRITE16 0x350, 0x10700    /* LINT0 (the 8259's INTR) masked */
    LAPIC_WRITE16 ICR_HI, 0
    LAPIC_WRITE16 ICR_LO, ICR_INIT
    call delay
    LAPIC_WRITE16 ICR_LO, ICR_SIPI
    mov $0x4000000, %ecx
1:  cmpb $1, AP_UP
    je ap_started
    dec %ecx
    jnz 1b
    PUTS16 m_noap
    EXIT16 2

ap_started:
    PUTS16 m_apup
    /* background: the BSP's timer, periodic, every 300 us */
    LAPIC_WRITE16 TIMER_DIV, 0xb                    /* divide by 1 */
    LAPIC_WRITE16 LVT_TIMER, (1 << 17) | VEC_BSP_TIMER
    LAPIC_WRITE16 TIMER_INIT, 300000
    mov $1, %ebx
round:
    mov %ebx, PING
    rdtsc
    mov %eax, %esi                  /* the round's start, low 32 bits of ns */
    LAPIC_WRITE16 ICR_HI, (1 << 24)
    LAPIC_WRITE16 ICR_LO, VEC_TO_AP
wait:
    cli
    cmp %ebx, PONG
    je answered
    sti                             /* the shadow covers HLT: no wakeup lost */
    hlt
    jmp wait
answered:
    sti
    rdtsc
    sub %esi, %eax
    cmp MAX_NS, %eax
    jbe 1f
    mov %eax, MAX_NS
1:  inc %ebx
    cmp $ROUNDS + 1, %ebx
    jne round

    LAPIC_WRITE16 LVT_TIMER, 0x10000                /* masked */
    PUTS16 m_rounds
    mov $ROUNDS, %eax
    call putdec32
    PUTS16 m_max
    mov MAX_NS, %eax
    xor %edx, %edx
    mov $1000, %ecx
    div %ecx
    call putdec32
    PUTS16 m_us
    mov AP_TICKS, %eax
    call putdec32
    PUTS16 m_bsp_ticks
    mov BSP_TICKS, %eax
    call putdec32
    PUTS16 m_nl
    cmpl $LIMIT_MS * 1000000, MAX_NS
    ja slow
    PUTS16 m_pass
    EXIT16 EXIT_PASS
slow:
    PUTS16 m_slow
    EXIT16 3

DELAY_FUNC16

PUTDEC32_FUNC16

/* ---- the AP ---- */

ap_main:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $AP_STACK, %sp
    ENTER_UNREAL
    LAPIC_WRITE16 LAPIC_SVR, 0x1ff
    LAPIC_WRITE16 TIMER_DIV, 0xb
    LAPIC_WRITE16 LVT_TIMER, VEC_AP_TIMER           /* one-shot */
    movb $1, AP_UP
1:  sti
    hlt
    jmp 1b

/* Send vector 0x41 to the BSP (APIC ID 0). */
reply_to_bsp:
    LAPIC_WRITE16 ICR_HI, 0
    LAPIC_WRITE16 ICR_LO, VEC_TO_BSP
    ret

ap_ipi:
    push %eax
    push %edi
    mov PING, %eax
    test $1, %al
    jnz 1f
    mov %eax, PONG                  /* even round: answer now */
    call reply_to_bsp
    jmp 2f
1:  mov %eax, PENDING               /* odd round: answer from the timer */
    test $2, %al
    jnz 3f
    LAPIC_WRITE16 TIMER_INIT, 1     /* 1 ns: over before the write ends */
    jmp 2f
3:  LAPIC_WRITE16 TIMER_INIT, 20000 /* 20 us */
2:  LAPIC_WRITE16 LAPIC_EOI, 0
    pop %edi
    pop %eax
    iret

ap_timer:
    push %eax
    push %edi
    incl AP_TICKS
    mov PENDING, %eax
    test %eax, %eax
    jz 1f
    movl $0, PENDING
    mov %eax, PONG
    call reply_to_bsp
1:  LAPIC_WRITE16 LAPIC_EOI, 0
    pop %edi
    pop %eax
    iret

/* ---- the BSP's handlers ---- */

bsp_ipi:
    push %edi
    LAPIC_WRITE16 LAPIC_EOI, 0
    pop %edi
    iret

bsp_timer:
    push %edi
    incl BSP_TICKS
    LAPIC_WRITE16 LAPIC_EOI, 0
    pop %edi
    iret

spurious:
    iret

/* Copied to 0x8000; runs on the AP at 0800:0000. */
ap_tramp:
    ljmp $0xf000, $ap_main
ap_tramp_end:

    SERIAL16_FUNCS
    UNREAL_GDT

m_start:     .asciz "smp-wake: starting the AP\r\n"
m_apup:      .asciz "smp-wake: AP up\r\n"
m_rounds:    .asciz "smp-wake: "
m_max:       .asciz " rounds, longest "
m_us:        .asciz " us, AP timer ticks "
m_bsp_ticks: .asciz ", BSP timer ticks "
m_nl:        .asciz "\r\n"
m_pass:      .asciz "smp-wake: PASS\r\n"
m_noap:      .asciz "FAIL: the AP did not start\r\n"
m_slow:      .asciz "FAIL: a round trip took too long (a wakeup was lost or late)\r\n"

    RESET_VECTOR _start
