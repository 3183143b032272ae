/* smp: real-mode firmware on the bootstrap processor starts the second CPU
 * the way firmware does: INIT, then two STARTUP IPIs (vector 0x08, so the AP
 * starts in real mode at 0800:0000) through the local APIC's interrupt
 * command register.  The AP's trampoline stores its APIC ID (CPUID leaf 1)
 * and a flag; the BSP waits for the flag and checks the ID is 1.  Run with
 * -smp 2; exits 0 on success. */
#include "tests/guest/guest.h"

#define AP_FLAG   (VARS + 0)
#define AP_ID     (VARS + 1)
#define TRAMPOLINE 0x8000
#define SIPI_VEC  (TRAMPOLINE >> 12)
#define ICR_LO    0x300
#define ICR_HI    0x310
#define ALL_BUT_SELF (3 << 18)
#define ICR_INIT  (ALL_BUT_SELF | 0x4500)   /* INIT, level assert */
#define ICR_SIPI  (ALL_BUT_SELF | 0x4600 | SIPI_VEC)

    BIOS_START16
    PUTS16 m_start
    movb $0, AP_FLAG
    movb $0xff, AP_ID

    COPY_AP_TRAMPOLINE16

    ENTER_UNREAL
    LAPIC_WRITE16 0xf0, 0x1ff       /* software-enable the BSP's APIC */
    LAPIC_WRITE16 ICR_HI, 0
    LAPIC_WRITE16 ICR_LO, ICR_INIT
    call delay
    LAPIC_WRITE16 ICR_LO, ICR_SIPI
    call delay
    cmpb $1, AP_FLAG
    je 1f
    LAPIC_WRITE16 ICR_LO, ICR_SIPI  /* the second SIPI, if the first was lost */
1:  mov $0x4000000, %ecx
2:  cmpb $1, AP_FLAG
    je ap_up
    dec %ecx
    jnz 2b
    PUTS16 m_noap
    EXIT16 2

ap_up:
    PUTS16 m_apid
    xor %ah, %ah
    mov AP_ID, %al
    call putdec16
    PUTS16 m_nl
    cmpb $1, AP_ID
    jne f_id
    PUTS16 m_pass
    EXIT16 EXIT_PASS
f_id:
    PUTS16 m_badid
    EXIT16 3

DELAY_FUNC16

/* Copied to 0x8000; runs on the AP at 0800:0000, position independent. */
ap_tramp:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov $1, %eax
    cpuid
    shr $24, %ebx
    mov %bl, AP_ID
    movb $1, AP_FLAG
1:  cli
    hlt
    jmp 1b
ap_tramp_end:

    SERIAL16_FUNCS
    UNREAL_GDT

m_start: .asciz "smp: starting the AP\r\n"
m_apid:  .asciz "smp: AP up, APIC ID "
m_nl:    .asciz "\r\n"
m_pass:  .asciz "smp: PASS\r\n"
m_noap:  .asciz "FAIL: the AP did not start\r\n"
m_badid: .asciz "FAIL: the AP's APIC ID is not 1\r\n"

    RESET_VECTOR _start
