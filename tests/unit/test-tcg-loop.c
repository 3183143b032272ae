/* The TCG loop's events: single-step traps (TF), INIT and SIPI for an
 * application processor, external interrupts acknowledged through the
 * board's irq_ack, HLT wake-up. */
#include "tests/unit/unit.h"

#include "accel/tcg.h"
#include "hw/core/machine.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "translate/flags.h"
#include "translate/tlb.h"
#include "hw/intc/ioapic.h"
#include "tests/unit/harness.h"

/*
    mov word ptr [4], 0x1100
    mov word ptr [6], 0
    pushf
    pop ax
    or ax, 0x100
    push ax
    popf
    nop
    nop
    nop
    nop
    mov bx, 1
    hlt
 */
static const uint8_t tf_main[] = {
    0xc7, 0x06, 0x04, 0x00, 0x00, 0x11, 0xc7, 0x06, 0x06, 0x00, 0x00, 0x00,
    0x9c, 0x58, 0x0d, 0x00, 0x01, 0x50, 0x9d, 0x90, 0x90, 0x90, 0x90, 0xbb,
    0x01, 0x00, 0xf4,
};

/*
    inc word ptr [0x600]
    cmp word ptr [0x600], 3
    jne 1f
    mov bp, sp
    and word ptr [bp+4], 0xfeff
    1: iret
 */
static const uint8_t tf_handler[] = {
    0xff, 0x06, 0x00, 0x06, 0x83, 0x3e, 0x00, 0x06, 0x03, 0x75, 0x07, 0x89,
    0xe5, 0x81, 0x66, 0x04, 0xff, 0xfe, 0xcf,
};

/*
    mov ax, cs
    mov bx, 0x55
    hlt
 */
static const uint8_t ap_code[] = {
    0x8c, 0xc8, 0xbb, 0x55, 0x00, 0xf4,
};


static void put(uint64_t pa, const uint8_t *code, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tt_wr(pa + i, code[i], 1);
}

TEST(tcg_loop, single_step_traps_after_each_instruction)
{
    CPUState *cpu = tt_cpu(16);
    tt_load(tf_main, sizeof(tf_main));
    put(0x1100, tf_handler, sizeof(tf_handler));
    for (int i = 0; i < 100 && !cpu->env.halted; i++)
        tcg_exec_slice(cpu, 1000);
    CHECK(cpu->env.halted);
    CHECK_EQ(tt_rd(0x600, 2), 3);
    CHECK_EQ(cpu->env.regs[R_EBX] & 0xffff, 1);
    CHECK(!(cpu->env.rflags & FL_TF));
}

TEST(tcg_loop, init_and_sipi_start_an_application_processor)
{
    tcpu_setup(2);
    CPUState *ap = tcpu(1);
    TcgCpu *t = tcg_cpu_init(ap);
    t->wait_sipi = true;
    CHECK(ap->env.halted);
    CHECK_EQ(tcg_exec_slice(ap, 100), TCG_EXIT_HALTED);     /* nothing yet */
    put(0x9000, ap_code, sizeof(ap_code));
    ap->env.sipi_vector = 9;
    atomic_fetch_or(&ap->env.interrupt_request, CPU_INTERRUPT_SIPI);
    CHECK_EQ(tcg_exec_slice(ap, 100), TCG_EXIT_HALTED);
    CHECK_EQ(ap->env.regs[R_EAX] & 0xffff, 0x900);
    CHECK_EQ(ap->env.regs[R_EBX] & 0xffff, 0x55);
    /* INIT puts it back into wait-for-SIPI; a second SIPI restarts it. */
    atomic_fetch_or(&ap->env.interrupt_request, CPU_INTERRUPT_INIT);
    tcg_exec_slice(ap, 100);
    CHECK(t->wait_sipi);
    CHECK_EQ(ap->env.regs[R_EBX], 0);
    ap->env.sipi_vector = 9;        /* each SIPI message carries its vector */
    atomic_fetch_or(&ap->env.interrupt_request, CPU_INTERRUPT_SIPI);
    CHECK_EQ(tcg_exec_slice(ap, 100), TCG_EXIT_HALTED);
    CHECK_EQ(ap->env.regs[R_EBX] & 0xffff, 0x55);
}

static int ack_vector = -1;
static int test_irq_ack(Machine *m, CPUState *cpu)
{
    int v = ack_vector;
    ack_vector = -1;
    return v;
}

TEST(tcg_loop, external_interrupt_wakes_hlt)
{
    /* sti; hlt; mov bx, 7; hlt with the IRQ handler at 0x1100 setting dx. */
    static const uint8_t code[] = { 0xfb, 0xf4, 0xbb, 0x07, 0x00, 0xf4 };
    static const uint8_t handler[] = { 0xba, 0x34, 0x12, 0xcf };   /* mov dx, 0x1234; iret */
    CPUState *cpu = tt_cpu(16);
    cpu->machine->irq_ack = test_irq_ack;
    tt_load(code, sizeof(code));
    put(0x1100, handler, sizeof(handler));
    tt_wr(0x40 * 4, 0x1100, 2);
    tt_wr(0x40 * 4 + 2, 0, 2);
    CHECK_EQ(tcg_exec_slice(cpu, 100), TCG_EXIT_HALTED);
    CHECK_EQ(cpu->env.rip, TT_CODE + 2);
    ack_vector = 0x40;
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_HARD);
    CHECK_EQ(tcg_exec_slice(cpu, 100), TCG_EXIT_HALTED);
    CHECK_EQ(cpu->env.regs[R_EDX] & 0xffff, 0x1234);
    CHECK_EQ(cpu->env.regs[R_EBX] & 0xffff, 7);
    CHECK_EQ(cpu->env.rip, TT_CODE + 6);
    /* Nothing pending any more: the request bit was dropped. */
    CHECK(!(cpu->env.interrupt_request & CPU_INTERRUPT_HARD));
}

/*
    mov dword ptr [0xfec00000], 0x14
    mov dword ptr [0xfec00010], 0x8030
    mov dword ptr [0xfec00000], 0x15
    mov dword ptr [0xfec00010], 0x01000000
    mov dword ptr [0xfec00000], 0x14
    mov eax, dword ptr [0xfec00010]
    hlt
 */
static const uint8_t ioapic_code[] = {
    0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x14, 0x00, 0x00, 0x00, 0xc7, 0x05,
    0x10, 0x00, 0xc0, 0xfe, 0x30, 0x80, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x00,
    0xc0, 0xfe, 0x15, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe,
    0x00, 0x00, 0x00, 0x01, 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x14, 0x00,
    0x00, 0x00, 0xa1, 0x10, 0x00, 0xc0, 0xfe, 0xf4,
};


/* MMIO from translated code: an IOAPIC redirection entry written and read
 * back through IOREGSEL/IOWIN with 32-bit stores and loads. */
TEST(tcg_loop, mmio_reaches_the_device)
{
    CPUState *cpu = tt_cpu(32);
    Device *io = harness_device("ioapic", NULL);
    CHECK(io != NULL);
    tt_load(ioapic_code, sizeof(ioapic_code));
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(ioapic_get_entry(io, 2) & 0xff00000000018fffULL, 0x0100000000008030ULL);
    CHECK_EQ(cpu->env.regs[R_EAX] & 0x1ffff, 0x8030);
}
