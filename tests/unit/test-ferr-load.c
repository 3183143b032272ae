/* FERR# after a state load (SDM vol. 1 8.7.2, D.2.1): with CR0.NE=0 an
 * unmasked x87 error asserts FERR# (IRQ 13 through the board's latch) and
 * it stays asserted while the error is pending.  FLDENV, FRSTOR, FXRSTOR
 * and XRSTOR that load a status word with ES clear end the pending error,
 * so FERR# goes inactive: IRQ 13 falls and the latch drops IGNNE#, and the
 * next error freezes again instead of being ignored.  FXRSTOR and XRSTOR
 * are not waiting instructions (they run while FERR# is asserted);
 * FLDENV and FRSTOR are, and go on once the IRQ 13 handler's write to
 * port 0xF0 asserted IGNNE#. */
#include "tests/unit/unit.h"

#include "cpu/fpu.h"
#include "hw/core/machine.h"
#include "tests/unit/cpu-harness.h"

#define BUF 0x9000              /* the image, 64-byte aligned */
#define FSW_PENDING_ZE 0x8084   /* B, ES, ZE */
#define FCW_ZE_UNMASKED 0x037b

static void call(CPUState *cpu, uint64_t *args)
{
    fpu_exec(cpu, (const FpuInsn *)(uintptr_t)args[0]);
}

/* One instruction: map 0 (x87 escape op) or 1 (0F AE); reg is ModRM.reg
 * of a memory form at BUF, or a register form's whole ModRM byte. */
static int run(CPUState *cpu, uint8_t map, uint8_t op, uint8_t reg, bool mem)
{
    FpuInsn in = { .map = map, .opcode = op, .modrm = mem ? (uint8_t)(reg << 3) : reg,
                   .reg = mem ? reg : (reg >> 3) & 7, .rm = reg & 7, .has_mem = mem,
                   .la = BUF, .ea = BUF, .seg = FPU_SEG_NONE, .opsize = 4 };
    uint64_t args[1] = { (uintptr_t)&in };
    return cpu_try(cpu, call, args);
}

#define FLD1(cpu)    run(cpu, 0, 0xd9, 0xe8, false)
#define FLDENV(cpu)  run(cpu, 0, 0xd9, 4, true)
#define FRSTOR(cpu)  run(cpu, 0, 0xdd, 4, true)
#define FXRSTOR(cpu) run(cpu, 1, 0xae, 1, true)
#define XRSTOR(cpu)  run(cpu, 1, 0xae, 5, true)

/* A real-mode CPU whose waiting FLD1 froze on a pending zero-divide
 * error: FERR# and IRQ 13 asserted. */
static CPUState *frozen(void)
{
    CPUState *cpu = tcpu_setup(1);
    harness_device("ferr-latch", NULL);
    cpu->env.cr0 &= ~(uint64_t)(CR0_NE | CR0_EM | CR0_TS);
    cpu->env.cr4 |= CR4_OSFXSR | CR4_OSXSAVE;
    cpu->env.xcr0 = 3;
    cpu->env.fpu.fcw = FCW_ZE_UNMASKED;
    cpu->env.fpu.fsw |= FSW_PENDING_ZE;
    if (FLD1(cpu) != -1 || !cpu->env.halted || gsi_level(13) != 1)
        return NULL;
    cpu->env.halted = false;                /* IRQ 13's handler runs */
    return cpu;
}

/* The 32-bit real-mode FSTENV/FSAVE image of a clean state (figure 8-10):
 * FCW 0x037f, FSW 0 (or fsw), all registers empty. */
static void put_env(uint16_t fcw, uint16_t fsw)
{
    for (unsigned i = 0; i < 108; i += 4)
        pw32(BUF + i, 0);
    pw32(BUF, fcw);
    pw32(BUF + 4, fsw);
    pw32(BUF + 8, 0xffff);
}

TEST(ferr_load, fxrstor_of_a_clean_state_lowers_irq13)
{
    CPUState *cpu = frozen();
    CHECK(cpu);
    for (unsigned i = 0; i < 512; i += 4)
        pw32(BUF + i, 0);
    pw32(BUF, 0x037f);                      /* FCW; FSW 0 */
    pw32(BUF + 24, 0x1f80);                 /* MXCSR */
    CHECK_EQ(FXRSTOR(cpu), -1);             /* not a waiting instruction */
    CHECK_EQ(cpu->env.fpu.fsw, 0);
    CHECK_EQ(gsi_level(13), 0);
    CHECK_EQ(harness_machine()->ferr.level, 0);
    CHECK_EQ(FLD1(cpu), -1);                /* nothing pending: it runs */
    CHECK(!cpu->env.halted);
}

TEST(ferr_load, fxrstor_of_a_pending_error_keeps_ferr)
{
    CPUState *cpu = frozen();
    CHECK(cpu);
    for (unsigned i = 0; i < 512; i += 4)
        pw32(BUF + i, 0);
    pw32(BUF, FCW_ZE_UNMASKED | ((uint32_t)FSW_PENDING_ZE << 16));
    pw32(BUF + 24, 0x1f80);
    CHECK_EQ(FXRSTOR(cpu), -1);
    CHECK_EQ(gsi_level(13), 1);
    CHECK_EQ(harness_machine()->ferr.level, 1);
}

TEST(ferr_load, xrstor_of_the_initial_x87_state_lowers_irq13)
{
    CPUState *cpu = frozen();
    CHECK(cpu);
    for (unsigned i = 0; i < 576; i += 4)
        pw32(BUF + i, 0);                   /* XSTATE_BV = 0: initialize */
    cpu->env.regs[R_EAX] = 1;               /* RFBM: x87 */
    cpu->env.regs[R_EDX] = 0;
    CHECK_EQ(XRSTOR(cpu), -1);
    CHECK_EQ(cpu->env.fpu.fcw, 0x037f);
    CHECK_EQ(gsi_level(13), 0);
    CHECK_EQ(harness_machine()->ferr.level, 0);
}

/* FRSTOR is a waiting instruction: it freezes on the pending error too,
 * goes on after port 0xF0, and its clean state ends FERR#; IGNNE# falls
 * with it, so a new error freezes the next waiting instruction. */
TEST(ferr_load, frstor_of_a_clean_state_drops_ferr_and_ignne)
{
    CPUState *cpu = frozen();
    CHECK(cpu);
    put_env(0x037f, 0);
    CHECK_EQ(FRSTOR(cpu), -1);
    CHECK(cpu->env.halted);                 /* frozen in its turn */
    CHECK_EQ(cpu->env.fpu.fsw & 0x80, 0x80);
    cpu->env.halted = false;
    outb(0xf0, 0);                          /* the handler: IGNNE# */
    CHECK_EQ(gsi_level(13), 0);
    CHECK(harness_machine()->ignne);
    CHECK_EQ(FRSTOR(cpu), -1);              /* restarted: it goes on */
    CHECK(!cpu->env.halted);
    CHECK_EQ(cpu->env.fpu.fsw, 0);
    CHECK_EQ(harness_machine()->ferr.level, 0);
    CHECK(!harness_machine()->ignne);
    cpu->env.fpu.fsw |= FSW_PENDING_ZE;     /* a new error */
    cpu->env.fpu.fcw = FCW_ZE_UNMASKED;
    CHECK_EQ(FLD1(cpu), -1);
    CHECK(cpu->env.halted);
    CHECK_EQ(gsi_level(13), 1);
}

TEST(ferr_load, fldenv_of_a_clean_state_drops_ferr)
{
    CPUState *cpu = frozen();
    CHECK(cpu);
    outb(0xf0, 0);
    put_env(0x037f, 0);
    CHECK_EQ(FLDENV(cpu), -1);
    CHECK(!cpu->env.halted);
    CHECK_EQ(harness_machine()->ferr.level, 0);
    CHECK(!harness_machine()->ignne);
}

/* With the error still pending in the loaded FSW, FERR# stays. */
TEST(ferr_load, fldenv_of_a_pending_error_keeps_ferr)
{
    CPUState *cpu = frozen();
    CHECK(cpu);
    outb(0xf0, 0);
    put_env(FCW_ZE_UNMASKED, FSW_PENDING_ZE);
    CHECK_EQ(FLDENV(cpu), -1);
    CHECK_EQ(harness_machine()->ferr.level, 1);
    CHECK(harness_machine()->ignne);
}
