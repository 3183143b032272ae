/* pit-irq: real-mode firmware taking PIT interrupts through the 8259 PIC.
 * Like firmware, it first routes the PIC's INTR through the local APIC's
 * LINT0 (ExtINT).  It programs both PICs (master vectors 0x08-0x0f, only IRQ0 unmasked),
 * PIT channel 0 at 100 Hz (mode 2), installs an IRQ0 handler that counts
 * and sends EOI, and waits with HLT for 10 ticks.  It also checks the PIC's
 * IMR reads back and that ISR is clear after EOI.  Exits 0 on success. */
#include "tests/guest/guest.h"

#define TICKS      VARS
#define WANT_TICKS 10
#define PIT_100HZ  11932              /* 1193182 Hz / 100 */
#define IRQ0_VEC   0x08

    BIOS_START16
    PUTS16 m_start
    movw $0, TICKS
    LAPIC_PIC_MODE16
    movw $irq0, IRQ0_VEC * 4        /* real-mode IVT entry: offset, segment */
    movw $0xf000, IRQ0_VEC * 4 + 2

    PIC_INIT16 IRQ0_VEC, 0x70, 0xfe, 0xff   /* only IRQ0 */
    in $PIC1_DATA, %al
    cmp $0xfe, %al
    jne f_imr

    mov $0x34, %al                  /* channel 0, lobyte/hibyte, mode 2 */
    out %al, $PIT_MODE
    mov $PIT_100HZ & 0xff, %al
    out %al, $PIT_CH0
    mov $PIT_100HZ >> 8, %al
    out %al, $PIT_CH0

    sti
1:  hlt
    cmpw $WANT_TICKS, TICKS
    jb 1b
    cli
    mov $0x0b, %al                  /* OCW3: read ISR */
    out %al, $PIC1_CMD
    in $PIC1_CMD, %al
    test $0x01, %al
    jnz f_isr
    PUTS16 m_ticks
    mov TICKS, %ax
    call putdec16
    PUTS16 m_nl
    PUTS16 m_pass
    EXIT16 EXIT_PASS

irq0:
    push %ax
    incw %ss:TICKS
    mov $0x20, %al                  /* non-specific EOI */
    out %al, $PIC1_CMD
    pop %ax
    iret

f_imr:
    PUTS16 m_imr
    EXIT16 2
f_isr:
    PUTS16 m_isr
    EXIT16 3

    SERIAL16_FUNCS
    UNREAL_GDT

m_start: .asciz "pit-irq: start\r\n"
m_ticks: .asciz "ticks: "
m_nl:    .asciz "\r\n"
m_pass:  .asciz "pit-irq: PASS\r\n"
m_imr:   .asciz "FAIL: PIC IMR does not read back\r\n"
m_isr:   .asciz "FAIL: IRQ0 still in service after EOI\r\n"

    RESET_VECTOR _start
