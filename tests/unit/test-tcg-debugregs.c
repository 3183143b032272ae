/* The x86 debug facilities under TCG (SDM vol. 3 ch. 17): RFLAGS.RF in
 * fault frames and its one-instruction lifetime after IRET. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"

#include "accel/tcg.h"

#define IDT 0x800       /* tt_cpu(32)'s IDT */
#define HANDLER 0x2000  /* HLT */

/* Run with exceptions delivered through the IDT until HLT. */
static bool run_to_hlt(CPUState *cpu)
{
    for (int i = 0; i < 1000; i++) {
        if (tcg_exec_slice(cpu, 100000) == TCG_EXIT_HALTED)
            return true;
    }
    return false;
}

static CPUState *cpu32_with_gate(int vec)
{
    CPUState *cpu = tt_cpu(32);
    pw64(IDT + (uint64_t)vec * 8, mkgate(0x08, HANDLER, 0xe, 0, 0));
    pw8(HANDLER, 0xf4);
    return cpu;
}

TEST(tcg_debugregs, fault_frame_has_rf)
{
    CPUState *cpu = cpu32_with_gate(EXC_UD);
    static const uint8_t code[] = { 0x0f, 0x0b };          /* ud2 */
    tt_load(code, sizeof(code));
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 12);
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE);                /* the faulting eip */
    CHECK_EQ(pr32(TT_STACK - 8) & 0xffff, 0x08);
    CHECK(pr32(TT_STACK - 4) & FL_RF);                     /* RF in the image */
    CHECK_EQ(cpu->env.rflags & FL_RF, 0);                  /* cleared for the handler */
}

TEST(tcg_debugregs, soft_int_frame_has_no_rf)
{
    CPUState *cpu = cpu32_with_gate(0x30);
    static const uint8_t code[] = { 0xcd, 0x30 };          /* int 0x30 */
    tt_load(code, sizeof(code));
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE + 2);
    CHECK_EQ(pr32(TT_STACK - 4) & FL_RF, 0);
}

TEST(tcg_debugregs, iret_rf_lasts_one_instruction)
{
    CPUState *cpu = cpu32_with_gate(0x30);
    /* iret to 0x1100 with RF=1; there: nop; int 0x30 */
    static const uint8_t code[] = { 0xcf };
    tt_load(code, sizeof(code));
    pw8(0x1100, 0x90);
    pw8(0x1101, 0xcd);
    pw8(0x1102, 0x30);
    pw32(TT_STACK, 0x1100);
    pw32(TT_STACK + 4, 0x08);
    pw32(TT_STACK + 8, 0x2 | FL_RF);
    CHECK(run_to_hlt(cpu));
    /* int's frame sits where the IRET frame ended */
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
    CHECK_EQ(pr32(TT_STACK), 0x1103);
    CHECK_EQ(pr32(TT_STACK + 8) & FL_RF, 0);               /* nop completed: RF gone */
}
