/* The hand-off of x87 and SSE instructions to fpu_exec(): operands,
 * memory addresses and immediates reach the FPU side intact. */
#include "tests/unit/unit.h"

#include "cpu/excp.h"
#include "cpu/fpu.h"
#include "tests/unit/tcg-harness.h"
#include "translate/tb.h"

/*
    mov edi, 0x20000
    fld1
    fadd st(0), st(0)
    fld1
    faddp st(1), st(0)
    fistp dword ptr [edi]
    mov dword ptr [edi+16], 5
    cvtsi2sd xmm0, dword ptr [edi+16]
    addsd xmm0, xmm0
    cvttsd2si eax, xmm0
    movd xmm1, eax
    pshufd xmm2, xmm1, 0
    movdqu [edi+32], xmm2
    fnstsw ax
    fwait
    hlt
 */
static const uint8_t fpu_code[] = {
    0xbf, 0x00, 0x00, 0x02, 0x00, 0xd9, 0xe8, 0xd8, 0xc0, 0xd9, 0xe8, 0xde,
    0xc1, 0xdb, 0x1f, 0xc7, 0x47, 0x10, 0x05, 0x00, 0x00, 0x00, 0xf2, 0x0f,
    0x2a, 0x47, 0x10, 0xf2, 0x0f, 0x58, 0xc0, 0xf2, 0x0f, 0x2c, 0xc0, 0x66,
    0x0f, 0x6e, 0xc8, 0x66, 0x0f, 0x70, 0xd1, 0x00, 0xf3, 0x0f, 0x7f, 0x57,
    0x20, 0xdf, 0xe0, 0x9b, 0xf4,
};


TEST(tcg_fpu, x87_and_sse_through_fpu_exec)
{
    bool imm8;
    if (!fpu_handles(1, 0x58, 0xf2, &imm8))
        SKIP("the x87/SSE side does not claim ADDSD");
    CPUState *cpu = tt_cpu(32);
    cpu->env.cr0 = (cpu->env.cr0 & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    cpu->env.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    tt_load(fpu_code, sizeof(fpu_code));
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(tt_rd(0x20000, 4), 3);                 /* 1 + 1 + 1 */
    CHECK_EQ(tt_rd(0x20020, 4), 10);                /* (double)5 * 2 */
    CHECK_EQ(tt_rd(0x2002c, 4), 10);                /* PSHUFD broadcast */
    CHECK_EQ(cpu->env.regs[R_EAX] & 0x3800, 0);     /* FNSTSW: TOP back to 0 */
}

/* CRC32C of one byte, bit by bit (reflected polynomial 0x82F63B78). */
static uint32_t crc32c_byte(uint32_t crc, uint8_t b)
{
    crc ^= b;
    for (int i = 0; i < 8; i++)
        crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
    return crc;
}

/*
    mov esi, 0x41
    mov edx, 0x7700
    xor eax, eax
    xor ecx, ecx
    crc32 eax, sil      (F2 REX 0F 38 F0 /r: with a REX prefix, rm 6 is SIL)
    crc32 ecx, dh       (no REX: rm 6 is DH)
    hlt
 */
static const uint8_t crc_rex_code[] = {
    0xbe, 0x41, 0x00, 0x00, 0x00, 0xba, 0x00, 0x77, 0x00, 0x00, 0x31, 0xc0,
    0x31, 0xc9, 0xf2, 0x40, 0x0f, 0x38, 0xf0, 0xc6, 0xf2, 0x0f, 0x38, 0xf0,
    0xce, 0xf4,
};

TEST(tcg_fpu, crc32_byte_register_follows_rex)
{
    bool imm8;
    if (!fpu_handles(2, 0xf0, 0xf2, &imm8))
        SKIP("the x87/SSE side does not claim CRC32");
    CPUState *cpu = tt_cpu(64);
    tt_load(crc_rex_code, sizeof(crc_rex_code));
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.regs[R_EAX], crc32c_byte(0, 0x41));
    CHECK_EQ(cpu->env.regs[R_ECX], crc32c_byte(0, 0x77));
}

/* ---- data breakpoints on FPU state images (SDM vol. 3 17.3.1.2) ----
 * FXSAVE, FXRSTOR and m80 operands within one page are translated once
 * and accessed physically; the access is still reported, so a DR data
 * breakpoint on any byte inside traps after the instruction (B0 in DR6). */

#define DR7_L0(rw, len) (0x400 | 1 | ((uint64_t)(rw) << 16) | ((uint64_t)(len) << 18))

/* mov edi, 0x20000; the instruction (3 bytes: op [edi]); inc ebx; hlt */
static int run_bp(CPUState *cpu, uint8_t b0, uint8_t b1, uint8_t b2, uint64_t dr0,
                  uint64_t dr7)
{
    const uint8_t code[] = { 0xbf, 0x00, 0x00, 0x02, 0x00, b0, b1, b2, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    tb_flush_all(cpu);                  /* pokes bypass code invalidation */
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    cpu->env.regs[R_EBX] = 0;
    cpu->env.dr[0] = dr0;
    cpu->env.dr[6] = 0xffff0ff0;
    cpu->env.dr[7] = dr7;
    return tt_run(cpu);
}

TEST(tcg_fpu, data_breakpoint_inside_fxsave_area)
{
    CPUState *cpu = tt_cpu(32);
    cpu->env.cr4 |= CR4_OSFXSR;
    /* fxsave [edi]: a write breakpoint on one byte of the XMM3 slot */
    CHECK_EQ(run_bp(cpu, 0x0f, 0xae, 0x07, 0x20000 + 160 + 3 * 16 + 5, DR7_L0(1, 0)), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 8);                /* a trap: after fxsave */
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
    CHECK_EQ(tt_rd(0x20000, 2), 0x37f);                 /* the image is there */
    /* fxrstor [edi] reads it: a write-only breakpoint stays silent, a
     * read/write one on the MXCSR dword fires */
    CHECK_EQ(run_bp(cpu, 0x0f, 0xae, 0x0f, 0x20000 + 24, DR7_L0(1, 3)), -1);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0);
    CHECK_EQ(run_bp(cpu, 0x0f, 0xae, 0x0f, 0x20000 + 24, DR7_L0(3, 3)), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 8);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

TEST(tcg_fpu, data_breakpoint_on_m80_operand)
{
    CPUState *cpu = tt_cpu(32);
    tt_wr(0x20000, 0x8000000000000000ULL, 8);           /* 1.0 as m80 */
    tt_wr(0x20008, 0x3fff, 2);
    /* fld tbyte [edi]: a read/write breakpoint on its exponent word */
    CHECK_EQ(run_bp(cpu, 0xdb, 0x2f, 0x90, 0x20008, DR7_L0(3, 1)), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);                /* after the fld (2 bytes) */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
    /* fstp tbyte [edi]: a write breakpoint on its first byte */
    CHECK_EQ(run_bp(cpu, 0xdb, 0x3f, 0x90, 0x20000, DR7_L0(1, 0)), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
    CHECK_EQ(tt_rd(0x20008, 2), 0x3fff);
}
