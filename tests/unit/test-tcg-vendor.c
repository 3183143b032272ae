/* Where Intel's and AMD's processors differ, the translator follows the
 * vendor of the vCPU's model (cpu_is_intel), whatever the host: each test
 * runs the same bytes with an Intel and an AMD model and checks what that
 * vendor's manual (or, where the manual leaves it undefined, its parts)
 * gives. */
#include "tests/unit/unit.h"

#include "cpu/cpuid.h"
#include "cpu/excp.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "translate/tb.h"

/* A 64-bit CPU with the model name and its feature words. */
static CPUState *model_cpu(const char *name)
{
    CPUState *cpu = tt_cpu(64);
    cpu->model = cpu_model_find(name);
    CHECK(cpu->model != NULL);
    if (cpu->model)
        memcpy(cpu->features, cpu->model->features, sizeof(cpu->model->features));
    return cpu;
}

static int run(CPUState *cpu, const uint8_t *code, size_t n)
{
    tt_load(code, n);
    tb_flush_all(cpu);
    return tt_run(cpu);
}

/* MOVSXD ax, word [rbx] (66 63 03) with the word 2 bytes before an
 * unmapped page: the SDM's r/m16 source is read by Intel's parts; AMD's
 * read 32 bits and fault on the next page (the value written, the low 16
 * bits, is the same). */
static int movsxd16_at_page_end(const char *model, uint64_t *rax)
{
    static const uint8_t code[] = { 0x66, 0x63, 0x03, 0xf4 };
    CPUState *cpu = model_cpu(model);
    tt_wr(TT_PT + 0x21 * 8, 0, 8);                  /* 0x21000 not present */
    tt_wr(0x20ffe, 0xbeef, 2);
    cpu->env.regs[R_EBX] = 0x20ffe;
    cpu->env.regs[R_EAX] = 0x1111222233334444ULL;
    int v = run(cpu, code, sizeof(code));
    *rax = cpu->env.regs[R_EAX];
    if (v == EXC_PF)
        CHECK_EQ(cpu->env.cr2, 0x21000);
    return v;
}

TEST(tcg_vendor, movsxd16_reads_a_word_on_intel_a_dword_on_amd)
{
    uint64_t rax;
    CHECK_EQ(movsxd16_at_page_end("Haswell", &rax), -1);
    CHECK_EQ(rax, 0x111122223333beefULL);
    CHECK_EQ(movsxd16_at_page_end("EPYC", &rax), EXC_PF);
    CHECK_EQ(rax, 0x1111222233334444ULL);
    CHECK_EQ(movsxd16_at_page_end("qemu64", &rax), EXC_PF);
}

/* BSF/BSR of a zero source (ZF=1): AMD leaves the destination alone, a
 * 32-bit one whole (APM vol. 3 BSF/BSR); Intel documents it as undefined
 * and its parts write the old low 32 bits back, zero-extended.  The 16-
 * and 64-bit forms keep the register on both. */
static uint64_t bitscan_zero(const char *model, uint8_t op, bool osize16)
{
    uint8_t code[] = { 0x66, 0x0f, op, 0xc1, 0xf4 };
    CPUState *cpu = model_cpu(model);
    cpu->env.regs[R_ECX] = 0;
    cpu->env.regs[R_EAX] = 0xdeadbeef12345678ULL;
    CHECK_EQ(run(cpu, osize16 ? code : code + 1, osize16 ? 5 : 4), -1);
    CHECK(tt_flags(cpu) & FL_ZF);
    return cpu->env.regs[R_EAX];
}

TEST(tcg_vendor, bsf_bsr_of_zero_keep_or_zero_extend_by_vendor)
{
    for (uint8_t op = 0xbc; op <= 0xbd; op++) {
        CHECK_EQ(bitscan_zero("EPYC", op, false), 0xdeadbeef12345678ULL);
        CHECK_EQ(bitscan_zero("Skylake-Client", op, false), 0x12345678ULL);
        CHECK_EQ(bitscan_zero("EPYC", op, true), 0xdeadbeef12345678ULL);
        CHECK_EQ(bitscan_zero("Skylake-Client", op, true), 0xdeadbeef12345678ULL);
    }
}

/* XBEGIN rel32 (C7 F8) to a fallback 0x10 bytes on, whose HLT ends the
 * run: an RTM model (Intel's Haswell) aborts at once, EAX = 0, and goes
 * on at the fallback; without RTM (AMD's parts, and Intel's before
 * Haswell) it is #UD (SDM vol. 2 XBEGIN; APM has no RTM). */
TEST(tcg_vendor, xbegin_aborts_on_rtm_models_and_is_ud_elsewhere)
{
    static const uint8_t code[] = {
        0xc7, 0xf8, 0x10, 0x00, 0x00, 0x00,                 /* xbegin +0x10 */
        0xb9, 0x01, 0x00, 0x00, 0x00, 0xf4,                 /* mov ecx, 1; hlt */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
        0xf4,                                               /* fallback: hlt */
    };
    CPUState *cpu = model_cpu("Haswell");
    cpu->env.regs[R_EAX] = 0xffffffffffffffffULL;
    CHECK_EQ(run(cpu, code, sizeof(code)), -1);
    CHECK_EQ(cpu->env.regs[R_EAX], 0);
    CHECK_EQ(cpu->env.regs[R_ECX], 0);
    CHECK_EQ(cpu->env.rip, TT_CODE + 6 + 0x10 + 1);
    const char *no_rtm[] = { "EPYC", "qemu64", "Nehalem" };
    for (int i = 0; i < 3; i++) {
        cpu = model_cpu(no_rtm[i]);
        CHECK_EQ(run(cpu, code, sizeof(code)), EXC_UD);
        CHECK_EQ(cpu->env.rip, TT_CODE);
    }
}

/* Outside a transaction: XTEST sets ZF and clears CF, OF, SF, PF, AF;
 * XABORT is a NOP; XEND raises #GP(0).  Without RTM (and HLE) all #UD. */
TEST(tcg_vendor, xtest_xabort_xend_outside_a_transaction)
{
    static const uint8_t xtest[] = { 0xf9, 0x0f, 0x01, 0xd6, 0xc6, 0xf8, 0x05, 0xf4 };
    static const uint8_t xend[] = { 0x0f, 0x01, 0xd5, 0xf4 };
    CPUState *cpu = model_cpu("Broadwell");
    CHECK_EQ(run(cpu, xtest, sizeof(xtest)), -1);  /* stc; xtest; xabort 5; hlt */
    CHECK_EQ(tt_flags(cpu) & 0x8d5, FL_ZF);
    cpu = model_cpu("Broadwell");
    CHECK_EQ(run(cpu, xend, sizeof(xend)), EXC_GP);
    CHECK_EQ(cpu->env.error_code, 0);
    cpu = model_cpu("EPYC");
    CHECK_EQ(run(cpu, xtest, sizeof(xtest)), EXC_UD);
    CHECK_EQ(cpu->env.rip, TT_CODE + 1);
    cpu = model_cpu("EPYC");
    CHECK_EQ(run(cpu, xtest + 4, 4), EXC_UD);                 /* xabort */
    cpu = model_cpu("EPYC");
    CHECK_EQ(run(cpu, xend, sizeof(xend)), EXC_UD);
}

/* ---- SYSCALL/SYSRET, SYSENTER/SYSEXIT (see cpu/sys.c) ---- */

static CPUState *fast_call_cpu(const char *model)
{
    CPUState *cpu = model_cpu(model);
    CPUX86State *env = &cpu->env;
    env->efer |= EFER_SCE;
    env->star = (0x23ULL << 48) | (0x10ULL << 32);
    env->lstar = 0x3000;
    env->cstar = 0x3100;
    env->sysenter_cs = 0x10;
    env->sysenter_eip = 0x3200;
    env->sysenter_esp = 0x7000;
    return cpu;
}

/* mov rcx, 0x0000800000000000; sysretq.  Intel checks RCX before leaving
 * CPL 0: #GP(0) on the SYSRET.  AMD does not: CS becomes STAR[63:48]+16|3
 * and the fetch at the non-canonical RIP faults at CPL 3. */
TEST(tcg_vendor, sysret_to_a_non_canonical_rip)
{
    static const uint8_t code[] = {
        0x48, 0xb9, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x48, 0x0f, 0x07, 0xf4,
    };
    CPUState *cpu = fast_call_cpu("Haswell");
    CHECK_EQ(run(cpu, code, sizeof(code)), EXC_GP);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK_EQ(cpu->env.rip, TT_CODE + 10);
    CHECK_EQ(cpu_cpl(cpu), 0);
    cpu = fast_call_cpu("EPYC");
    CHECK_EQ(run(cpu, code, sizeof(code)), EXC_GP);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK_EQ(cpu->env.rip, 0x0000800000000000ULL);
    CHECK_EQ(cpu->env.seg[SEG_CS].sel, 0x33);
    CHECK_EQ(cpu_cpl(cpu), 3);
}

/* SYSCALL (0F 05) in compatibility mode: #UD on Intel (64-bit mode only),
 * to CSTAR on AMD. */
TEST(tcg_vendor, syscall_in_compatibility_mode)
{
    static const uint8_t code[] = { 0x0f, 0x05, 0xf4 };
    const char *models[] = { "Nehalem", "EPYC" };
    for (int i = 0; i < 2; i++) {
        CPUState *cpu = fast_call_cpu(models[i]);
        SegReg *cs = &cpu->env.seg[SEG_CS];
        cs->attr = (cs->attr & ~SEGATTR_L) | SEGATTR_DB;
        tt_wr(0x3100, 0xf4, 1);
        int v = run(cpu, code, sizeof(code));
        if (i == 0) {
            CHECK_EQ(v, EXC_UD);
            CHECK_EQ(cpu->env.rip, TT_CODE);
        } else {
            CHECK_EQ(v, -1);
            CHECK_EQ(cpu->env.rip, 0x3101);
            CHECK_EQ(cpu->env.regs[R_ECX], TT_CODE + 2);
        }
    }
}

/* SYSENTER (0F 34) in 64-bit mode: Intel enters at SYSENTER_EIP; AMD
 * raises #UD (legacy mode only). */
TEST(tcg_vendor, sysenter_in_long_mode)
{
    static const uint8_t code[] = { 0x0f, 0x34, 0xf4 };
    CPUState *cpu = fast_call_cpu("Skylake-Client");
    tt_wr(0x3200, 0xf4, 1);
    CHECK_EQ(run(cpu, code, sizeof(code)), -1);
    CHECK_EQ(cpu->env.rip, 0x3201);
    CHECK_EQ(cpu->env.regs[R_ESP], 0x7000);
    cpu = fast_call_cpu("EPYC");
    CHECK_EQ(run(cpu, code, sizeof(code)), EXC_UD);
    CHECK_EQ(cpu->env.rip, TT_CODE);
}

/* ---- near branches with a 66 prefix in 64-bit mode ---- */

/* 66 E8 at TT_CODE: AMD reads rel16 (0x000a), pushes a 2-byte return
 * address and goes to 0x100e; Intel ignores the prefix, reads rel32 and
 * pushes 8 bytes.  A HLT waits at either target. */
TEST(tcg_vendor, call_with_66_in_64bit_mode)
{
    uint8_t code[17] = { 0x66, 0xe8, 0x0a, 0x00, 0x00, 0x00 };
    for (int i = 6; i < 14; i++)
        code[i] = 0x90;
    code[14] = code[15] = code[16] = 0xf4;
    CPUState *cpu = model_cpu("EPYC");
    CHECK_EQ(run(cpu, code, sizeof(code)), -1);
    CHECK_EQ(cpu->env.rip, 0x100f);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 2);
    CHECK_EQ(tt_rd(TT_STACK - 2, 2), 0x1004);
    cpu = model_cpu("Haswell");
    CHECK_EQ(run(cpu, code, sizeof(code)), -1);
    CHECK_EQ(cpu->env.rip, 0x1011);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 8);
    CHECK_EQ(tt_rd(TT_STACK - 8, 8), 0x1006);
}

/* 66 E9 fc ef 00 00: AMD jumps to (0x1004 + 0xeffc) & 0xffff = 0; Intel
 * to 0x1006 + 0xeffc = 0x10002.  66 FF E0 with RAX 0x10002: AMD jumps to
 * AX (2), Intel to RAX. */
TEST(tcg_vendor, jmp_with_66_in_64bit_mode)
{
    static const uint8_t code[] = { 0x66, 0xe9, 0xfc, 0xef, 0x00, 0x00 };
    static const uint8_t ind[] = { 0x66, 0xff, 0xe0 };
    const char *models[] = { "qemu64", "Skylake-Client" };
    for (int i = 0; i < 2; i++) {
        CPUState *cpu = model_cpu(models[i]);
        tt_wr(0, 0xf4, 1);
        tt_wr(0x10002, 0xf4, 1);
        CHECK_EQ(run(cpu, code, sizeof(code)), -1);
        CHECK_EQ(cpu->env.rip, i == 0 ? 1 : 0x10003);
        cpu = model_cpu(models[i]);
        tt_wr(2, 0xf4, 1);
        tt_wr(0x10002, 0xf4, 1);
        cpu->env.regs[R_EAX] = 0x10002;
        CHECK_EQ(run(cpu, ind, sizeof(ind)), -1);
        CHECK_EQ(cpu->env.rip, i == 0 ? 3 : 0x10003);
    }
}
