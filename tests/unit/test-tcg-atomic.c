/* Locked instructions as translated for thread=multi (translate_parallel:
 * between the atomic lock's helpers, stores by host compare-and-exchange,
 * CMPXCHG/8B/16B by host CAS): the same results as the plain translation,
 * both when the comparison succeeds and when it fails. */
#include "tests/unit/unit.h"

#include "cpu/excp.h"
#include "tests/unit/tcg-harness.h"
#include "translate/atomic.h"
#include "translate/tb.h"

/* A 64-bit CPU on a fresh board (memory cleared) with RSI = TT_DATA. */
static CPUState *cpu64(void)
{
    CPUState *cpu = tt_cpu(64);
    cpu->env.regs[R_ESI] = TT_DATA;
    return cpu;
}

/* Run code translated for parallel vCPUs. */
static int run_parallel(CPUState *cpu, const uint8_t *code, size_t n)
{
    tt_load(code, n);
    translate_set_parallel(true);
    tb_flush_all(cpu);
    int v = tt_run(cpu);
    translate_set_parallel(false);
    tb_flush_all(cpu);
    return v;
}

TEST(tcg_atomic, lock_cmpxchg16b_equal_and_not)
{
    static const uint8_t code[] = { 0xf0, 0x48, 0x0f, 0xc7, 0x0e, 0xf4 };
    CPUState *cpu = cpu64();
    tt_wr(TT_DATA, 0x1111, 8);
    tt_wr(TT_DATA + 8, 0x2222, 8);
    cpu->env.regs[R_EAX] = 0x1111;
    cpu->env.regs[R_EDX] = 0x2222;
    cpu->env.regs[R_EBX] = 0x3333;
    cpu->env.regs[R_ECX] = 0x4444;
    CHECK_EQ(run_parallel(cpu, code, sizeof(code)), -1);
    CHECK_EQ(tt_rd(TT_DATA, 8), 0x3333);
    CHECK_EQ(tt_rd(TT_DATA + 8, 8), 0x4444);
    CHECK(tt_flags(cpu) & FL_ZF);

    cpu = cpu64();                          /* a fresh board: memory anew */
    tt_wr(TT_DATA, 0x3333, 8);
    tt_wr(TT_DATA + 8, 0x4444, 8);
    cpu->env.regs[R_EAX] = 0x1111;
    cpu->env.regs[R_EDX] = 0x2222;
    cpu->env.regs[R_EBX] = 0x5555;
    cpu->env.regs[R_ECX] = 0x6666;
    CHECK_EQ(run_parallel(cpu, code, sizeof(code)), -1);
    CHECK_EQ(cpu->env.regs[R_EAX], 0x3333);
    CHECK_EQ(cpu->env.regs[R_EDX], 0x4444);
    CHECK_EQ(tt_rd(TT_DATA, 8), 0x3333);
    CHECK(!(tt_flags(cpu) & FL_ZF));
}

TEST(tcg_atomic, lock_cmpxchg8b_and_cmpxchg)
{
    /* lock cmpxchg8b [rsi]; lock cmpxchg [rsi+8], ecx */
    static const uint8_t c8b[] = { 0xf0, 0x0f, 0xc7, 0x0e, 0xf4 };
    static const uint8_t cx[] = { 0xf0, 0x0f, 0xb1, 0x4e, 0x08, 0xf4 };
    CPUState *cpu = cpu64();
    tt_wr(TT_DATA, 0x0000000200000001ULL, 8);
    cpu->env.regs[R_EAX] = 1;
    cpu->env.regs[R_EDX] = 2;
    cpu->env.regs[R_EBX] = 7;
    cpu->env.regs[R_ECX] = 8;
    CHECK_EQ(run_parallel(cpu, c8b, sizeof(c8b)), -1);
    CHECK_EQ(tt_rd(TT_DATA, 8), 0x0000000800000007ULL);
    CHECK(tt_flags(cpu) & FL_ZF);

    cpu = cpu64();
    tt_wr(TT_DATA + 8, 10, 4);
    cpu->env.regs[R_EAX] = 9;               /* not equal: EAX gets 10 */
    cpu->env.regs[R_ECX] = 99;
    CHECK_EQ(run_parallel(cpu, cx, sizeof(cx)), -1);
    CHECK_EQ(cpu->env.regs[R_EAX], 10);
    CHECK_EQ(tt_rd(TT_DATA + 8, 4), 10);
    CHECK(!(tt_flags(cpu) & FL_ZF));
    cpu = cpu64();
    tt_wr(TT_DATA + 8, 10, 4);
    cpu->env.regs[R_EAX] = 10;              /* equal: memory gets ECX */
    cpu->env.regs[R_ECX] = 99;
    CHECK_EQ(run_parallel(cpu, cx, sizeof(cx)), -1);
    CHECK_EQ(tt_rd(TT_DATA + 8, 4), 99);
    CHECK(tt_flags(cpu) & FL_ZF);
}

/* LOCK XADD, LOCK ADD, XCHG and LOCK BTS: the compare-and-exchange store
 * finds memory unchanged, so each behaves as its plain translation. */
TEST(tcg_atomic, locked_rmw_results)
{
    static const uint8_t code[] = {
        0xf0, 0x0f, 0xc1, 0x06,             /* lock xadd [rsi], eax */
        0xf0, 0x83, 0x46, 0x04, 0x05,       /* lock add dword [rsi+4], 5 */
        0x87, 0x5e, 0x08,                   /* xchg [rsi+8], ebx */
        0xf0, 0x0f, 0xba, 0x6e, 0x0c, 0x03, /* lock bts dword [rsi+12], 3 */
        0xf4,
    };
    CPUState *cpu = cpu64();
    tt_wr(TT_DATA, 5, 4);
    tt_wr(TT_DATA + 4, 100, 4);
    tt_wr(TT_DATA + 8, 0xaaaa, 4);
    tt_wr(TT_DATA + 12, 0x1, 4);
    cpu->env.regs[R_EAX] = 3;
    cpu->env.regs[R_EBX] = 0xbbbb;
    CHECK_EQ(run_parallel(cpu, code, sizeof(code)), -1);
    CHECK_EQ(tt_rd(TT_DATA, 4), 8);
    CHECK_EQ(cpu->env.regs[R_EAX], 5);
    CHECK_EQ(tt_rd(TT_DATA + 4, 4), 105);
    CHECK_EQ(tt_rd(TT_DATA + 8, 4), 0xbbbb);
    CHECK_EQ(cpu->env.regs[R_EBX], 0xaaaa);
    CHECK_EQ(tt_rd(TT_DATA + 12, 4), 0x9);
    CHECK(!(tt_flags(cpu) & FL_CF));        /* bit 3 was clear */
}
