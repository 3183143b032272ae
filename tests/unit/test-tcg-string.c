/* REP MOVS/STOS in 64-bit mode, which copy or fill whole pages at a time
 * when the soft TLB maps them: across page ends, with element sizes 1 and
 * 8, a forward copy overlapping its source (the pattern repeats, as
 * element-by-element on the CPU), and registers left as the SDM says. */
#include <stdlib.h>

#include "tests/unit/unit.h"     /* first: cpu/excp.h defines noreturn */
#include "tests/unit/tcg-harness.h"
#include "translate/tb.h"

#define SRC 0x30ff0     /* 16 bytes before a page end */
#define DST 0x40ffd

static void run(CPUState *cpu, const uint8_t *code, size_t n, uint64_t rsi, uint64_t rdi,
                uint64_t rcx, uint64_t rax)
{
    tb_flush_all(cpu);          /* the code changed behind the TLB's back */
    tt_load(code, n);
    CPUX86State *env = &cpu->env;
    env->rip = TT_CODE;
    env->halted = false;
    env->regs[R_ESI] = rsi;
    env->regs[R_EDI] = rdi;
    env->regs[R_ECX] = rcx;
    env->regs[R_EAX] = rax;
    CHECK_EQ(tt_run(cpu), -1);
}

static void fill_src(void)
{
    for (unsigned i = 0; i < 0x3000; i++)
        tt_wr(SRC + i, (uint8_t)(i * 7 + 3), 1);
}

TEST(tcg_string, rep_movsb_across_pages)
{
    CPUState *cpu = tt_cpu(64);
    static const uint8_t code[] = { 0xf3, 0xa4, 0xf4 };     /* rep movsb; hlt */
    fill_src();
    run(cpu, code, sizeof(code), SRC, DST, 0x2345, 0);
    for (unsigned i = 0; i < 0x2345; i++) {
        if (tt_rd(DST + i, 1) != (uint8_t)(i * 7 + 3)) {
            CHECK_EQ(tt_rd(DST + i, 1), (uint8_t)(i * 7 + 3));
            return;
        }
    }
    CHECK_EQ(cpu->env.regs[R_ECX], 0);
    CHECK_EQ(cpu->env.regs[R_ESI], SRC + 0x2345);
    CHECK_EQ(cpu->env.regs[R_EDI], DST + 0x2345);
}

TEST(tcg_string, rep_movsb_overlapping_forward_repeats)
{
    CPUState *cpu = tt_cpu(64);
    static const uint8_t code[] = { 0xf3, 0xa4, 0xf4 };
    tt_wr(SRC, 0xab, 1);
    tt_wr(SRC + 1, 0xcd, 1);
    run(cpu, code, sizeof(code), SRC, SRC + 2, 0x1800, 0);
    for (unsigned i = 0; i < 0x1802; i++) {
        uint8_t want = i & 1 ? 0xcd : 0xab;
        if (tt_rd(SRC + i, 1) != want) {
            CHECK_EQ(tt_rd(SRC + i, 1), want);
            return;
        }
    }
}

TEST(tcg_string, rep_stosq_and_stosb)
{
    CPUState *cpu = tt_cpu(64);
    static const uint8_t stosq[] = { 0xf3, 0x48, 0xab, 0xf4 };
    static const uint8_t stosb[] = { 0xf3, 0xaa, 0xf4 };
    run(cpu, stosq, sizeof(stosq), 0, DST, 0x401, 0x1122334455667788ULL);
    for (unsigned i = 0; i < 0x401; i++) {
        if (tt_rd(DST + 8 * i, 8) != 0x1122334455667788ULL) {
            CHECK_EQ(tt_rd(DST + 8 * i, 8), 0x1122334455667788ULL);
            return;
        }
    }
    CHECK_EQ(cpu->env.regs[R_EDI], DST + 8 * 0x401);
    tt_wr(DST + 0x1001, 0x5a, 1);
    run(cpu, stosb, sizeof(stosb), 0, DST, 0x1001, 0x77);
    CHECK_EQ(tt_rd(DST, 1), 0x77);
    CHECK_EQ(tt_rd(DST + 0x1000, 1), 0x77);
    CHECK_EQ(tt_rd(DST + 0x1001, 1), 0x5a);   /* one past the count: untouched */
    CHECK_EQ(cpu->env.regs[R_ECX], 0);
}
