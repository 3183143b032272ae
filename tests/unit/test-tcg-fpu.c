/* The hand-off of x87 and SSE instructions to fpu_exec(): operands,
 * memory addresses and immediates reach the FPU side intact. */
#include "tests/unit/unit.h"

#include "cpu/fpu.h"
#include "tests/unit/tcg-harness.h"

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
