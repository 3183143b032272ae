/* The x87/MMX/SSE rules a single-instruction differential run does not
 * show: #NM/#UD/#MF/#GP conditions, pending exceptions and FWAIT (FERR#:
 * test-ferr.c), the FSTENV/FSAVE/FXSAVE layouts and round trips, MASKMOVDQU,
 * and the table fpu_handles() answers the decoder from. */
#include "tests/unit/unit.h"

#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/fpu.h"
#include "tests/diff/host-model.h"
#include "tests/unit/cpu-harness.h"

#define BUF 0x9000          /* guest memory for operands */

static CPUState *setup(void)
{
    CPUState *cpu = tcpu_setup(1);
    cpu->env.cr0 |= CR0_NE | CR0_MP;
    cpu->env.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    return cpu;
}

static void call(CPUState *cpu, uint64_t *args)
{
    fpu_exec(cpu, (const FpuInsn *)(uintptr_t)args[0]);
}

/* Run one instruction: map 0 = x87 (op D8-DF), else 0F maps. */
static int run(CPUState *cpu, uint8_t map, uint8_t prefix, uint8_t op, uint8_t modrm,
               uint8_t imm)
{
    bool mem = (modrm >> 6) != 3;
    FpuInsn in = { .map = map, .opcode = op, .prefix = prefix, .modrm = modrm,
                   .reg = (modrm >> 3) & 7, .rm = modrm & 7, .has_mem = mem,
                   .la = BUF, .imm8 = imm, .opsize = 4 };
    uint64_t args[1] = { (uintptr_t)&in };
    return cpu_try(cpu, call, args);
}

static int run_at(CPUState *cpu, uint8_t map, uint8_t prefix, uint8_t op, uint8_t reg,
                  uint64_t la, int opsize)
{
    FpuInsn in = { .map = map, .opcode = op, .prefix = prefix, .modrm = (uint8_t)(reg << 3),
                   .reg = reg, .has_mem = true, .la = la, .opsize = opsize };
    uint64_t args[1] = { (uintptr_t)&in };
    return cpu_try(cpu, call, args);
}

#define FLD1(cpu) run(cpu, 0, 0, 0xd9, 0xe8, 0)
#define FLDZ(cpu) run(cpu, 0, 0, 0xd9, 0xee, 0)

TEST(fpu_rules, x87_nm_when_ts_or_em)
{
    CPUState *cpu = setup();
    cpu->env.cr0 |= CR0_TS;
    CHECK_EQ(FLD1(cpu), EXC_NM);
    cpu->env.cr0 = (cpu->env.cr0 & ~(uint64_t)CR0_TS) | CR0_EM;
    CHECK_EQ(FLD1(cpu), EXC_NM);
    cpu->env.cr0 &= ~(uint64_t)CR0_EM;
    CHECK_EQ(FLD1(cpu), -1);
    CHECK_EQ(cpu->env.fpu.st[7].sexp, 0x3fff);      /* pushed to R7 */
}

TEST(fpu_rules, sse_and_mmx_availability)
{
    CPUState *cpu = setup();
    CHECK_EQ(run(cpu, 1, 0x66, 0xef, 0xc1, 0), -1);          /* PXOR xmm0, xmm1 */
    cpu->env.cr4 &= ~(uint64_t)CR4_OSFXSR;
    CHECK_EQ(run(cpu, 1, 0x66, 0xef, 0xc1, 0), EXC_UD);
    CHECK_EQ(run(cpu, 1, 0, 0xef, 0xc1, 0), -1);             /* MMX needs no OSFXSR */
    cpu->env.cr4 |= CR4_OSFXSR;
    cpu->env.cr0 |= CR0_TS;
    CHECK_EQ(run(cpu, 1, 0x66, 0xef, 0xc1, 0), EXC_NM);
    CHECK_EQ(run(cpu, 1, 0, 0xef, 0xc1, 0), EXC_NM);
    cpu->env.cr0 |= CR0_EM;
    CHECK_EQ(run(cpu, 1, 0x66, 0xef, 0xc1, 0), EXC_UD);
    CHECK_EQ(run(cpu, 1, 0, 0xef, 0xc1, 0), EXC_UD);
    CHECK_EQ(run(cpu, 1, 0, 0x0b, 0xc1, 0), EXC_UD);         /* not ours at all */
}

TEST(fpu_rules, mmx_aliases_x87_and_emms_empties)
{
    CPUState *cpu = setup();
    cpu->env.fpu.fsw = 5 << 11;                               /* TOP = 5 */
    cpu->env.fpu.st[2].mant = 0x1111111111111111ULL;
    cpu->env.fpu.st[3].mant = 0x2222222222222222ULL;
    CHECK_EQ(run(cpu, 1, 0, 0xfc, 0xd3, 0), -1);             /* PADDB mm2, mm3 */
    CHECK_EQ(cpu->env.fpu.st[2].mant, 0x3333333333333333ULL);
    CHECK_EQ(cpu->env.fpu.st[2].sexp, 0xffff);
    CHECK_EQ((cpu->env.fpu.fsw >> 11) & 7, 0);
    CHECK_EQ(cpu->env.fpu.ftw, 0xff);
    CHECK_EQ(run(cpu, 1, 0, 0x77, 0xc0, 0), -1);             /* EMMS */
    CHECK_EQ(cpu->env.fpu.ftw, 0);
}

TEST(fpu_rules, pending_exception_raises_mf_on_next_waiting_insn)
{
    CPUState *cpu = setup();
    cpu->env.fpu.fcw = 0x037b;                                /* ZE unmasked */
    CHECK_EQ(FLD1(cpu), -1);
    CHECK_EQ(FLDZ(cpu), -1);
    CHECK_EQ(run(cpu, 0, 0, 0xde, 0xf9, 0), -1);              /* FDIVP: 1/0 */
    CHECK(cpu->env.fpu.fsw & 0x0080);                         /* ES */
    CHECK(cpu->env.fpu.fsw & 0x0004);                         /* ZE */
    CHECK_EQ((cpu->env.fpu.fsw >> 11) & 7, 6);                /* no pop */
    CHECK_EQ(FLD1(cpu), EXC_MF);
    CHECK_EQ((cpu->env.fpu.fsw >> 11) & 7, 6);                /* nothing done */
    CHECK_EQ(run(cpu, 0, 0, 0xdf, 0xe0, 0), -1);              /* FNSTSW AX */
    CHECK_EQ(cpu->env.regs[R_EAX] & 0xffff, cpu->env.fpu.fsw);
    CHECK_EQ(run(cpu, 0, 0, 0xdb, 0xe2, 0), -1);              /* FNCLEX */
    CHECK_EQ(cpu->env.fpu.fsw & 0x80ff, 0);
    CHECK_EQ(FLD1(cpu), -1);
}

TEST(fpu_rules, fwait_nm_and_mf)
{
    CPUState *cpu = setup();
    cpu->env.cr0 |= CR0_TS;
    CHECK_EQ(run(cpu, 0, 0, 0x9b, 0, 0), EXC_NM);
    cpu->env.cr0 &= ~(uint64_t)CR0_MP;
    CHECK_EQ(run(cpu, 0, 0, 0x9b, 0, 0), -1);                 /* TS alone: no #NM */
    cpu->env.cr0 &= ~(uint64_t)CR0_TS;
    cpu->env.fpu.fsw |= 0x8081;
    CHECK_EQ(run(cpu, 0, 0, 0x9b, 0, 0), EXC_MF);
}

TEST(fpu_rules, stack_overflow_and_underflow)
{
    CPUState *cpu = setup();
    for (int i = 0; i < 8; i++)
        CHECK_EQ(FLD1(cpu), -1);
    CHECK_EQ(FLDZ(cpu), -1);                                  /* masked overflow */
    CHECK_EQ(cpu->env.fpu.fsw & 0x0241, 0x0241);              /* C1, SF, IE */
    Float80 top = cpu->env.fpu.st[(cpu->env.fpu.fsw >> 11) & 7];
    CHECK_EQ(top.sexp, 0xffff);
    CHECK_EQ(top.mant, 0xc000000000000000ULL);                /* the indefinite */
    CHECK_EQ(run(cpu, 0, 0, 0xdb, 0xe3, 0), -1);              /* FNINIT */
    CHECK_EQ(run(cpu, 0, 0, 0xd8, 0xc1, 0), -1);              /* FADD st, st(1): empty */
    CHECK_EQ(cpu->env.fpu.fsw & 0x0241, 0x0041);              /* C1=0: underflow */
}

/* FNSTENV in 32-bit protected mode, checked against the host's own. */
TEST(fpu_rules, fnstenv_matches_host_layout)
{
#if defined(__x86_64__)
    CPUState *cpu = setup();
    host_model_apply(cpu);      /* where the vendors differ, as the host */
    tcpu_protected(cpu, 0x1000, 0x2000, 0x3000, 0);
    uint8_t img[512] __attribute__((aligned(16))) = { 0 }, saved[512] __attribute__((aligned(16)));
    uint8_t host_env[28];
    uint16_t fcw = 0x027f, fsw = 0x2000 | 0x0021;
    memcpy(img, &fcw, 2);
    memcpy(img + 2, &fsw, 2);
    img[4] = 0xa5;
    uint32_t mxcsr = 0x1f80;
    memcpy(img + 24, &mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        uint64_t m = i == 3 ? 0 : (0x8000000000000000ULL | (uint64_t)i);
        uint16_t e = i == 5 ? 0x7fff : i == 3 ? 0 : 0x3fff;
        memcpy(img + 32 + 16 * i, &m, 8);
        memcpy(img + 40 + 16 * i, &e, 2);
    }
    __asm__ volatile("fxsave %0" : "=m"(saved));
    __asm__ volatile("fxrstor %1; fnstenv %0" : "=m"(host_env) : "m"(img));
    __asm__ volatile("fxrstor %0" : : "m"(saved));
    fpu_fxrstor(cpu, img);
    CHECK_EQ(run_at(cpu, 0, 0, 0xd9, 6, BUF, 4), -1);
    for (int i = 0; i < 12; i++)
        CHECK_EQ(pr32(BUF + (uint64_t)(i & ~3)) >> (8 * (i & 3)) & 0xff, host_env[i]);
    CHECK_EQ(cpu->env.fpu.fcw, 0x027f | 0x3f);               /* FNSTENV masks all */
#else
    SKIP("not an x86-64 host");
#endif
}

static void fill_state(CPUState *cpu)
{
    X87State *f = &cpu->env.fpu;
    f->fcw = 0x0a7f;
    f->fsw = (3 << 11) | 0x0004 | 0x4100;
    f->ftw = 0x3c;
    for (int i = 0; i < 8; i++)
        f->st[i] = (Float80){ 0x8000000000000000ULL | ((uint64_t)i << 40), (uint16_t)(0x3ff0 + i) };
    f->fip = 0x1234;
    f->fop = 0x5d9;
    f->fdp = 0x5678;
}

/* FNSAVE then FRSTOR in each layout restores what was saved, and FNSAVE
 * leaves the FNINIT state behind. */
TEST(fpu_rules, fsave_frstor_round_trip_all_layouts)
{
    CPUState *cpu = setup();
    for (int mode = 0; mode < 4; mode++) {
        int opsize = (mode & 1) ? 4 : 2;
        if (mode == 2)
            tcpu_protected(cpu, 0x1000, 0x2000, 0x3000, 0);
        fill_state(cpu);
        uint8_t before[512], after[512];
        fpu_fxsave(cpu, before);
        CHECK_EQ(run_at(cpu, 0, 0, 0xdd, 6, BUF, opsize), -1);      /* FNSAVE */
        CHECK_EQ(cpu->env.fpu.fcw, 0x37f);
        CHECK_EQ(cpu->env.fpu.ftw, 0);
        CHECK_EQ(cpu->env.fpu.fsw, 0);
        CHECK_EQ(run_at(cpu, 0, 0, 0xdd, 4, BUF, opsize), -1);      /* FRSTOR */
        fpu_fxsave(cpu, after);
        CHECK(!memcmp(before, after, 6));                         /* FCW FSW FTW */
        CHECK(!memcmp(before + 32, after + 32, 128));             /* registers */
        if (mode != 2)                  /* the 16-bit protected form has no FOP */
            CHECK_EQ(cpu->env.fpu.fop, 0x5d9);
        CHECK_EQ(cpu->env.fpu.fip & 0xffff, 0x1234);
        CHECK_EQ(cpu->env.fpu.fdp & 0xffff, 0x5678);
    }
}

/* Real-address mode images (SDM vol. 1 figures 8-10 and 8-12) hold linear
 * pointers, selector * 16 + offset: 32 bits in the 32-bit layout (bits
 * 31:16 at 27:12 beside FOP), 20 in the 16-bit one (19:16 at 15:12).
 * FLDENV takes them back as offsets with null selectors, so the same image
 * is stored again. */
TEST(fpu_rules, real_mode_env_holds_linear_pointers)
{
    CPUState *cpu = setup();
    X87State *f = &cpu->env.fpu;
    f->fop = 0x5d9;
    f->fcs = 0xffff;
    f->fip = 0xfff0;                                  /* linear 0x10ffe0 */
    f->fds = 0x2000;
    f->fdp = 0x0020;                                  /* linear 0x20020 */
    CHECK_EQ(run_at(cpu, 0, 0, 0xd9, 6, BUF, 4), -1);           /* FNSTENV, 28 bytes */
    CHECK_EQ(pr32(BUF + 12) & 0xffff, 0xffe0);
    CHECK_EQ(pr32(BUF + 16), (0x10u << 12) | 0x5d9);
    CHECK_EQ(pr32(BUF + 20) & 0xffff, 0x0020);
    CHECK_EQ(pr32(BUF + 24), 0x2u << 12);
    CHECK_EQ(run_at(cpu, 0, 0, 0xd9, 6, BUF + 0x40, 2), -1);    /* 14 bytes */
    CHECK_EQ(pr32(BUF + 0x40 + 6) & 0xffff, 0xffe0);
    CHECK_EQ(pr32(BUF + 0x40 + 8) & 0xffff, 0x05d9);            /* 19:16 of 0x10ffe0 */
    CHECK_EQ(pr32(BUF + 0x40 + 10) & 0xffff, 0x0020);
    CHECK_EQ(pr32(BUF + 0x40 + 12) & 0xffff, 0x2000);
    CHECK_EQ(run_at(cpu, 0, 0, 0xd9, 4, BUF, 4), -1);           /* FLDENV */
    CHECK_EQ(f->fip, 0x10ffe0);
    CHECK_EQ(f->fcs, 0);
    CHECK_EQ(f->fdp, 0x20020);
    CHECK_EQ(f->fds, 0);
    CHECK_EQ(f->fop, 0x5d9);
    CHECK_EQ(run_at(cpu, 0, 0, 0xd9, 6, BUF + 0x80, 4), -1);
    for (unsigned i = 12; i < 28; i += 4)
        CHECK_EQ(pr32(BUF + 0x80 + i), pr32(BUF + i));
    /* virtual-8086 mode uses the same layout */
    f->fcs = 0x1000;
    f->fip = 0x0004;
    cpu->env.cr0 |= CR0_PE;
    cpu->env.rflags |= FL_VM;
    CHECK_EQ(run_at(cpu, 0, 0, 0xd9, 6, BUF + 0xc0, 4), -1);
    CHECK_EQ(pr32(BUF + 0xc0 + 12) & 0xffff, 0x0004);
    CHECK_EQ(pr32(BUF + 0xc0 + 16), (0x1u << 12) | 0x5d9);
}

TEST(fpu_rules, fxsave_image_layout_and_checks)
{
    CPUState *cpu = setup();
    fill_state(cpu);
    cpu->env.mxcsr = 0x9fc0;
    cpu->env.xmm[0].q[0] = 0x0123456789abcdefULL;
    cpu->env.xmm[7].q[1] = 0xfedcba9876543210ULL;
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 0, BUF + 8, 4), EXC_GP);      /* misaligned */
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 0, BUF, 4), -1);               /* FXSAVE */
    CHECK_EQ(pr32(BUF) & 0xffff, 0x0a7f);
    CHECK_EQ(pr32(BUF) >> 16, cpu->env.fpu.fsw);
    CHECK_EQ(pr32(BUF + 4) & 0xff, 0x3c);
    CHECK_EQ(pr32(BUF + 24), 0x9fc0);
    CHECK_EQ(pr32(BUF + 28), 0xffff);                               /* MXCSR_MASK */
    CHECK_EQ(pr64(BUF + 32), cpu->env.fpu.st[3].mant);              /* ST0 = R3 */
    CHECK_EQ(pr64(BUF + 160), 0x0123456789abcdefULL);
    CHECK_EQ(pr64(BUF + 160 + 7 * 16 + 8), 0xfedcba9876543210ULL);
    /* FXRSTOR: reserved MXCSR bits fault before anything changes. */
    pw32(BUF + 24, 0x10000);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 1, BUF, 4), EXC_GP);
    pw32(BUF + 24, 0x1f80);
    fpu_reset(cpu);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 1, BUF, 4), -1);
    CHECK_EQ(cpu->env.fpu.fcw, 0x0a7f);
    CHECK_EQ(cpu->env.mxcsr, 0x1f80);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x0123456789abcdefULL);
    /* LDMXCSR / STMXCSR */
    pw32(BUF, 0x12345);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 2, BUF, 4), EXC_GP);
    pw32(BUF, 0x7f80 | 0x8000);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 2, BUF, 4), -1);
    CHECK_EQ(cpu->env.mxcsr, 0xff80);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 3, BUF + 4, 4), -1);
    CHECK_EQ(pr32(BUF + 4), 0xff80);
}

TEST(fpu_rules, sse_alignment)
{
    CPUState *cpu = setup();
    CHECK_EQ(run_at(cpu, 1, 0, 0x28, 0, BUF + 4, 4), EXC_GP);      /* MOVAPS */
    CHECK_EQ(run_at(cpu, 1, 0, 0x10, 0, BUF + 4, 4), -1);          /* MOVUPS */
    CHECK_EQ(run_at(cpu, 1, 0x66, 0xfe, 0, BUF + 4, 4), EXC_GP);   /* PADDD m128 */
    CHECK_EQ(run_at(cpu, 1, 0xf3, 0x58, 0, BUF + 4, 4), -1);       /* ADDSS m32 */
    CHECK_EQ(run_at(cpu, 3, 0x66, 0x63, 0, BUF + 4, 4), -1);       /* PCMPISTRI */
}

TEST(fpu_rules, unmasked_simd_exception_writes_nothing)
{
    CPUState *cpu = setup();
    cpu->env.mxcsr = 0x1f80 & ~0x0200;                             /* ZE unmasked */
    cpu->env.xmm[0] = (Xmm){ .d = { 0x3f800000, 0x3f800000, 0, 0 } };
    cpu->env.xmm[1] = (Xmm){ .d = { 0x3f800000, 0, 0x3f800000, 0x3f800000 } };
    CHECK_EQ(run(cpu, 1, 0, 0x5e, 0xc1, 0), EXC_XM);              /* DIVPS */
    CHECK_EQ(cpu->env.xmm[0].d[0], 0x3f800000);
    CHECK(cpu->env.mxcsr & 0x04);
    cpu->env.cr4 &= ~(uint64_t)CR4_OSXMMEXCPT;
    CHECK_EQ(run(cpu, 1, 0, 0x5e, 0xc1, 0), EXC_UD);
}

TEST(fpu_rules, maskmovdqu_stores_selected_bytes)
{
    CPUState *cpu = setup();
    for (int i = 0; i < 16; i++) {
        cpu->env.xmm[2].b[i] = (uint8_t)(0xa0 + i);
        cpu->env.xmm[3].b[i] = (i & 1) ? 0x80 : 0x7f;
        pw8(BUF + (uint64_t)i, 0x11);
    }
    cpu->env.regs[R_EDI] = BUF;
    CHECK_EQ(run(cpu, 1, 0x66, 0xf7, 0xd3, 0), -1);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(pr32(BUF + (uint64_t)(i & ~3)) >> (8 * (i & 3)) & 0xff,
                 (i & 1) ? 0xa0 + i : 0x11);
}

TEST(fpu_rules, handles_table_for_the_decoder)
{
    bool imm;
    CHECK(fpu_handles(0, 0xd9, 0, &imm) && !imm);
    CHECK(fpu_handles(0, 0x9b, 0, &imm));
    CHECK(!fpu_handles(0, 0x90, 0, &imm));
    CHECK(fpu_handles(1, 0xc2, 0x66, &imm) && imm);                /* CMPPD */
    CHECK(fpu_handles(1, 0x70, 0, &imm) && imm);                   /* PSHUFW */
    CHECK(fpu_handles(3, 0x0f, 0, &imm) && imm);                   /* PALIGNR mm */
    CHECK(fpu_handles(2, 0xf0, 0xf2, &imm) && !imm);               /* CRC32 */
    CHECK(!fpu_handles(2, 0xf0, 0, &imm));                         /* MOVBE: not ours */
    CHECK(fpu_handles(1, 0x77, 0, &imm));                          /* EMMS */
    CHECK(fpu_handles(1, 0xae, 0, &imm));                          /* FXSAVE group */
    CHECK(!fpu_handles(1, 0xb8, 0xf3, &imm));                      /* POPCNT */
    CHECK(!fpu_handles(1, 0x0b, 0, &imm));
}

TEST(fpu_rules, fbld_fbstp_round_trip)
{
    CPUState *cpu = setup();
    static const uint8_t bcd[10] = { 0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0x65, 0x87, 0x80 };
    for (int i = 0; i < 10; i++)
        pw8(BUF + (uint64_t)i, bcd[i]);
    CHECK_EQ(run_at(cpu, 0, 0, 0xdf, 4, BUF, 4), -1);             /* FBLD */
    CHECK_EQ(run_at(cpu, 0, 0, 0xdf, 6, BUF + 16, 4), -1);        /* FBSTP */
    for (int i = 0; i < 10; i++)
        CHECK_EQ(pr32(BUF + 16 + (uint64_t)(i & ~3)) >> (8 * (i & 3)) & 0xff, bcd[i]);
}

TEST(fpu_rules, cpuid_model_gates_extensions)
{
    CPUState *cpu = setup();
    cpu->features[FEAT_1_ECX] &= ~(1u << 20);                      /* no SSE4.2 */
    CHECK_EQ(run(cpu, 3, 0x66, 0x63, 0xc1, 0), EXC_UD);            /* PCMPISTRI */
    CHECK_EQ(run(cpu, 2, 0xf2, 0xf1, 0xc1, 0), EXC_UD);            /* CRC32 */
    CHECK_EQ(run(cpu, 2, 0x66, 0x38, 0xc1, 0), -1);                /* PMINSB: SSE4.1 */
    cpu->features[FEAT_1_ECX] &= ~(1u << 9);                       /* no SSSE3 */
    CHECK_EQ(run(cpu, 2, 0x66, 0x00, 0xc1, 0), EXC_UD);            /* PSHUFB */
    CHECK_EQ(run(cpu, 3, 0, 0x0f, 0xc1, 0), EXC_UD);               /* PALIGNR mm */
    cpu->features[FEAT_1_EDX] &= ~(1u << 26);                      /* no SSE2 */
    CHECK_EQ(run(cpu, 1, 0x66, 0xfe, 0xc1, 0), EXC_UD);            /* PADDD xmm */
    CHECK_EQ(run(cpu, 1, 0, 0xd4, 0xc1, 0), EXC_UD);               /* PADDQ mm */
    CHECK_EQ(run(cpu, 1, 0, 0x58, 0xc1, 0), -1);                   /* ADDPS: SSE */
    CHECK_EQ(run(cpu, 1, 0, 0xfe, 0xc1, 0), -1);                   /* PADDD mm: MMX */
}

/* A store that faults on its second page leaves the first untouched, so the
 * exception is precise (the instruction can be restarted). */
TEST(fpu_rules, page_crossing_store_faults_before_writing)
{
    CPUState *cpu = setup();
    pw32(0x1000, 0x2000 | 3);                   /* PDE: present, writable */
    pw32(0x2000 + 0x10 * 4, 0x10000 | 3);       /* 0x10000: writable */
    pw32(0x2000 + 0x11 * 4, 0x11000 | 1);       /* 0x11000: read-only */
    cpu->env.cr3 = 0x1000;
    cpu->env.cr0 |= CR0_PE | CR0_PG | CR0_WP;
    for (int i = 0; i < 16; i++)
        pw8(0x10ff0 + (uint64_t)i, 0x5a);
    cpu->env.xmm[1] = (Xmm){ .q = { ~0ULL, ~0ULL } };
    CHECK_EQ(run_at(cpu, 1, 0, 0x11, 1, 0x10ff8, 4), EXC_PF);      /* MOVUPS store */
    CHECK_EQ(cpu->env.cr2, 0x11000);
    CHECK_EQ(pr64(0x10ff8), 0x5a5a5a5a5a5a5a5aULL);
    CHECK_EQ(FLD1(cpu), -1);
    CHECK_EQ(run_at(cpu, 0, 0, 0xdb, 7, 0x10ffa, 4), EXC_PF);      /* FSTP m80 */
    CHECK_EQ(pr64(0x10ff8), 0x5a5a5a5a5a5a5a5aULL);
    CHECK_EQ((cpu->env.fpu.fsw >> 11) & 7, 7);                    /* not popped */
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 0, 0x10f00, 4), EXC_PF);      /* FXSAVE */
    CHECK_EQ(pr64(0x10f00), 0);
    CHECK_EQ(run_at(cpu, 1, 0, 0x11, 1, 0x10fe0, 4), -1);          /* same page: fine */
    CHECK_EQ(pr64(0x10fe8), ~0ULL);
    /* MASKMOVDQU's byte stores: all bytes selected, the last 8 on the
     * read-only page; nothing of the first 8 may be written. */
    cpu->env.xmm[2] = (Xmm){ .q = { 0x0102030405060708ULL, 0x1112131415161718ULL } };
    cpu->env.xmm[3] = (Xmm){ .q = { ~0ULL, ~0ULL } };
    FpuInsn mm = { .map = 1, .opcode = 0xf7, .prefix = 0x66, .modrm = 0xd3, .reg = 2,
                   .rm = 3, .la = 0x10ff8, .ea = 0x10ff8, .seg = SEG_DS, .seg_flat = true };
    uint64_t args[1] = { (uintptr_t)&mm };
    cpu->env.cr2 = 0;
    CHECK_EQ(cpu_try(cpu, call, args), EXC_PF);
    CHECK_EQ(cpu->env.cr2, 0x11000);
    CHECK_EQ(pr64(0x10ff8), 0x5a5a5a5a5a5a5a5aULL);
}

TEST(fpu_rules, xsave_xrstor_standard_format)
{
    CPUState *cpu = setup();
    fill_state(cpu);
    cpu->env.xmm[1].q[0] = 0x1111222233334444ULL;
    cpu->env.mxcsr = 0x1fa0;
    cpu->env.regs[R_EAX] = ~0u;
    cpu->env.regs[R_EDX] = ~0u;
    cpu->env.xcr0 = 3;
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 4, BUF, 4), EXC_UD);          /* no CR4.OSXSAVE */
    cpu->env.cr4 |= CR4_OSXSAVE;
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 4, BUF + 16, 4), EXC_GP);     /* not 64-aligned */
    pw64(BUF + 512, 0x80);                                         /* stale XSTATE_BV */
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 4, BUF, 4), -1);              /* XSAVE */
    CHECK_EQ(pr64(BUF + 512), 0x83);                               /* x87, SSE in use */
    CHECK_EQ(pr32(BUF + 24), 0x1fa0);
    CHECK_EQ(pr64(BUF + 160 + 16), 0x1111222233334444ULL);
    uint8_t before[512], after[512];
    fpu_fxsave(cpu, before);
    fpu_reset(cpu);
    pw64(BUF + 512, 0x3);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 5, BUF, 4), -1);              /* XRSTOR */
    fpu_fxsave(cpu, after);
    CHECK(!memcmp(before, after, 32));
    CHECK(!memcmp(before + 32, after + 32, 128 + 16 * 8));
    /* XSTATE_BV clear: the components come back in their initial state. */
    pw64(BUF + 512, 0);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 5, BUF, 4), -1);
    CHECK_EQ(cpu->env.fpu.fcw, 0x37f);
    CHECK_EQ(cpu->env.fpu.ftw, 0);
    CHECK_EQ(cpu->env.xmm[1].q[0], 0);
    CHECK_EQ(cpu->env.mxcsr, 0x1fa0);                              /* MXCSR always loaded */
    /* Reserved header bytes, compacted form, components outside XCR0. */
    pw64(BUF + 512 + 16, 1);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 5, BUF, 4), EXC_GP);
    pw64(BUF + 512 + 16, 0);
    pw64(BUF + 512 + 8, 1ULL << 63);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 5, BUF, 4), EXC_GP);
    pw64(BUF + 512 + 8, 0);
    pw64(BUF + 512, 4);
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 5, BUF, 4), EXC_GP);
    /* RFBM from EDX:EAX: only x87 requested leaves the XMM registers. */
    pw64(BUF + 512, 3);
    cpu->env.xmm[1].q[0] = 5;
    cpu->env.regs[R_EAX] = 1;
    CHECK_EQ(run_at(cpu, 1, 0, 0xae, 5, BUF, 4), -1);
    CHECK_EQ(cpu->env.xmm[1].q[0], 5);
    CHECK_EQ(cpu->env.fpu.fcw, 0x0a7f);
}

TEST(fpu_rules, x87_extensions_follow_cpuid)
{
    CPUState *cpu = setup();
    cpu->features[FEAT_1_ECX] &= ~1u;                              /* no SSE3 */
    cpu->features[FEAT_1_EDX] &= ~(1u << 15);                      /* no CMOV */
    CHECK_EQ(FLD1(cpu), -1);
    CHECK_EQ(run_at(cpu, 0, 0, 0xdb, 1, BUF, 4), EXC_UD);         /* FISTTP m32 */
    CHECK_EQ(run_at(cpu, 0, 0, 0xdc, 1, BUF, 4), -1);             /* FMUL m64 */
    CHECK_EQ(run(cpu, 0, 0, 0xda, 0xc1, 0), EXC_UD);              /* FCMOVB */
    CHECK_EQ(run(cpu, 0, 0, 0xdb, 0xf1, 0), EXC_UD);              /* FCOMI */
    CHECK_EQ(run(cpu, 0, 0, 0xdf, 0xe9, 0), EXC_UD);              /* FUCOMIP */
    CHECK_EQ(run(cpu, 0, 0, 0xda, 0xe9, 0), -1);                  /* FUCOMPP */
}

TEST(fpu_rules, alignment_check_at_cpl3)
{
    CPUState *cpu = setup();
    tcpu_protected(cpu, 0x1000, 0x2000, 0x3000, 3);
    cpu->env.cr0 |= CR0_AM;
    cpu->env.rflags |= FL_AC;
    CHECK_EQ(run_at(cpu, 0, 0, 0xdd, 0, BUF + 4, 4), EXC_AC);     /* FLD m64 */
    CHECK_EQ(run_at(cpu, 0, 0, 0xdd, 0, BUF + 8, 4), -1);
    CHECK_EQ(run_at(cpu, 1, 0xf3, 0x10, 0, BUF + 2, 4), EXC_AC);  /* MOVSS m32 */
    CHECK_EQ(run_at(cpu, 1, 0, 0x10, 0, BUF + 2, 4), -1);         /* MOVUPS: no #AC */
    CHECK_EQ(run_at(cpu, 1, 0, 0x28, 0, BUF + 2, 4), EXC_GP);     /* MOVAPS: #GP */
    cpu->env.rflags &= ~(uint64_t)FL_AC;
    CHECK_EQ(run_at(cpu, 0, 0, 0xdd, 0, BUF + 4, 4), -1);
}
