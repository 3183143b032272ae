/* x87 errors with CR0.NE=0 (SDM vol. 1 8.7.2 and D.2.1): the CPU asserts
 * FERR# and freezes before the waiting instruction; the board's latch
 * turns FERR# into IRQ 13 and a write to port 0xF0 into IGNNE#, with which
 * the restarted instruction goes on.  FNCLEX drops FERR# and IGNNE#. */
#include "tests/unit/unit.h"

#include "cpu/fpu.h"
#include "tests/unit/cpu-harness.h"

#define FSW_PENDING_ZE 0x8084   /* B, ES, ZE */
#define TOP(cpu) (((cpu)->env.fpu.fsw >> 11) & 7)

static void call(CPUState *cpu, uint64_t *args)
{
    fpu_exec(cpu, (const FpuInsn *)(uintptr_t)args[0]);
}

static int x87(CPUState *cpu, uint8_t op, uint8_t modrm)
{
    FpuInsn in = { .map = 0, .opcode = op, .modrm = modrm, .reg = (modrm >> 3) & 7,
                   .rm = modrm & 7, .opsize = 4 };
    uint64_t args[1] = { (uintptr_t)&in };
    return cpu_try(cpu, call, args);
}

#define FLD1(cpu)   x87(cpu, 0xd9, 0xe8)
#define FNCLEX(cpu) x87(cpu, 0xdb, 0xe2)
#define FWAIT(cpu)  x87(cpu, 0x9b, 0x00)

static CPUState *setup(void)
{
    CPUState *cpu = tcpu_setup(1);
    harness_device("ferr-latch", NULL);
    cpu->env.cr0 &= ~(uint64_t)CR0_NE;
    cpu->env.fpu.fsw |= FSW_PENDING_ZE;
    cpu->env.rip = 0x1234;
    return cpu;
}

TEST(ferr, waiting_instruction_freezes_and_raises_irq13)
{
    CPUState *cpu = setup();
    unsigned top = TOP(cpu);
    CHECK_EQ(FLD1(cpu), -1);                /* no exception vector */
    CHECK(cpu->env.halted);                 /* waits for the interrupt */
    CHECK_EQ(cpu->env.rip, 0x1234);         /* at the instruction */
    CHECK_EQ(TOP(cpu), top);                /* which did not run */
    CHECK_EQ(gsi_level(13), 1);
}

TEST(ferr, port_f0_clears_irq13_and_asserts_ignne)
{
    CPUState *cpu = setup();
    unsigned top = TOP(cpu);
    CHECK_EQ(FLD1(cpu), -1);
    cpu->env.halted = false;                /* the IRQ 13 handler runs... */
    outb(0xf0, 0);
    CHECK_EQ(gsi_level(13), 0);
    CHECK(harness_machine()->ignne);
    CHECK_EQ(FLD1(cpu), -1);                /* ...and IRETs: it goes on */
    CHECK(!cpu->env.halted);
    CHECK_EQ(TOP(cpu), (top - 1) & 7);
    CHECK(cpu->env.fpu.fsw & 0x80);         /* the error stays pending */
    CHECK_EQ(FWAIT(cpu), -1);
    CHECK(!cpu->env.halted);
    CHECK_EQ(gsi_level(13), 0);
    CHECK_EQ(inb(0xf0), 0xff);
}

TEST(ferr, fnclex_drops_ferr_and_ignne)
{
    CPUState *cpu = setup();
    CHECK_EQ(FWAIT(cpu), -1);
    CHECK_EQ(gsi_level(13), 1);
    CHECK_EQ(FNCLEX(cpu), -1);              /* non-waiting: the handler's way */
    CHECK_EQ(gsi_level(13), 0);
    cpu->env.halted = false;
    CHECK_EQ(FWAIT(cpu), -1);
    CHECK(!cpu->env.halted);
    outb(0xf0, 0);                          /* the latch idle: no IGNNE# */
    CHECK(!harness_machine()->ignne);
    cpu->env.fpu.fsw |= FSW_PENDING_ZE;     /* a new error freezes again */
    CHECK_EQ(FWAIT(cpu), -1);
    CHECK(cpu->env.halted);
    CHECK_EQ(gsi_level(13), 1);
    outb(0xf0, 0);
    CHECK(harness_machine()->ignne);
    CHECK_EQ(FNCLEX(cpu), -1);
    CHECK(!harness_machine()->ignne);       /* IGNNE# falls with FERR# */
}

TEST(ferr, native_mode_raises_mf_without_ferr)
{
    CPUState *cpu = setup();
    cpu->env.cr0 |= CR0_NE;
    CHECK_EQ(FLD1(cpu), EXC_MF);
    CHECK(!cpu->env.halted);
    CHECK_EQ(gsi_level(13), 0);
}
