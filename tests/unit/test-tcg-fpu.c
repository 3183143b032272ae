/* The hand-off of x87 and SSE instructions to fpu_exec(): operands,
 * memory addresses and immediates reach the FPU side intact. */
#include "tests/unit/unit.h"

#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/excp.h"
#include "cpu/fpu.h"
#include "tests/diff/host-model.h"
#include "tests/unit/cpu-harness.h"
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
    REQUIRE(fpu_handles(1, 0x58, 0xf2, &imm8), "the x87/SSE side does not claim ADDSD");
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
    REQUIRE(fpu_handles(2, 0xf0, 0xf2, &imm8), "the x87/SSE side does not claim CRC32");
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

/* ---- x87 instruction and data pointers (SDM vol. 1 8.1.8, 8.1.10) ----
 * A non-control x87 instruction records FCS:FIP (the CS selector and its
 * offset in CS) and FOP; one with a memory operand also FDS:FDP, the
 * selector of the segment it used (override or default: SS for EBP/ESP
 * bases) and the operand's offset there.  Control instructions (FLDCW,
 * FNSTCW, FNSTSW, FNCLEX, FNINIT, FLDENV, FNSTENV, FRSTOR, FNSAVE) leave
 * them alone.  Figures 8-9 to 8-12 and FXSAVE (10.5.1) show them. */

#define GDT32 0x600                     /* tt_cpu(32)'s GDT */
#define SEL_B64K 0x30                   /* data, base 0x10000 */
/* CPUID.(EAX=07H,ECX=0):EBX: FDP_EXCPTN_ONLY, FCS/FDS deprecated.  No
 * TCG model sets them; the test board turns every feature on. */
#define CPUID7_FDP_EXCPTN_ONLY (1u << 6)
#define CPUID7_NO_FCS_FDS (1u << 13)

static void x87_ready(CPUState *cpu)
{
    cpu->env.cr0 = (cpu->env.cr0 & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    cpu->env.cr4 |= CR4_OSFXSR;
    cpu->features[FEAT_7_0_EBX] &= ~(CPUID7_FDP_EXCPTN_ONLY | CPUID7_NO_FCS_FDS);
}

/* An x87-ready 32-bit protected-mode CPU with SEL_B64K in the GDT. */
static CPUState *pm_cpu(void)
{
    CPUState *cpu = tt_cpu(32);
    x87_ready(cpu);
    tt_wr(GDT32 + SEL_B64K, mkdesc(0x10000, 0xfffff, 0x3, 0, SEGATTR_DB), 8);
    return cpu;
}

static int run_code(CPUState *cpu, const uint8_t *code, size_t n)
{
    tt_load(code, n);
    tb_flush_all(cpu);
    return tt_run(cpu);
}

/* The 32-bit protected-mode FNSTENV image at linear address la. */
typedef struct Env32 {
    uint32_t fip, fdp;
    uint16_t fcs, fop, fds;
} Env32;

static Env32 env32_at(uint64_t la)
{
    return (Env32){ .fip = (uint32_t)tt_rd(la + 12, 4), .fcs = (uint16_t)tt_rd(la + 16, 2),
                    .fop = (uint16_t)tt_rd(la + 18, 2), .fdp = (uint32_t)tt_rd(la + 20, 4),
                    .fds = (uint16_t)tt_rd(la + 24, 2) };
}

TEST(tcg_fpu, fdp_is_the_offset_and_fds_the_selector_used)
{
    /* mov ax, 0x30; mov ds, ax            (DS base 0x10000)
     * fld dword [0x100]                   @ +6:  DS, offset 0x100
     * fnstenv [0x200]                     DS:0x200 = linear 0x10200
     * mov ebp, 0x3000; fld dword [ebp+4]  @ +20: SS (0x10) by default
     * fnstenv [0x240]
     * mov fs, ax; fs fld dword [0x104]    @ +37: the override's FS
     * fnstenv [0x280]; hlt */
    static const uint8_t code[] = {
        0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8,
        0xd9, 0x05, 0x00, 0x01, 0x00, 0x00,
        0xd9, 0x35, 0x00, 0x02, 0x00, 0x00,
        0xbd, 0x00, 0x30, 0x00, 0x00, 0xd9, 0x45, 0x04,
        0xd9, 0x35, 0x40, 0x02, 0x00, 0x00,
        0x8e, 0xe0, 0x64, 0xd9, 0x05, 0x04, 0x01, 0x00, 0x00,
        0xd9, 0x35, 0x80, 0x02, 0x00, 0x00, 0xf4,
    };
    CPUState *cpu = pm_cpu();
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
    Env32 e = env32_at(0x10200);
    CHECK_EQ(e.fip, TT_CODE + 6);
    CHECK_EQ(e.fcs, 0x08);
    CHECK_EQ(e.fop, 0x105);                         /* D9 05: (1 << 8) | ModRM */
    CHECK_EQ(e.fdp, 0x100);                         /* not the linear 0x10100 */
    CHECK_EQ(e.fds, SEL_B64K);
    e = env32_at(0x10240);
    CHECK_EQ(e.fip, TT_CODE + 23);
    CHECK_EQ(e.fop, 0x145);
    CHECK_EQ(e.fdp, 0x3004);
    CHECK_EQ(e.fds, 0x10);                          /* SS, not DS */
    e = env32_at(0x10280);
    CHECK_EQ(e.fip, TT_CODE + 34);                  /* the prefix starts it */
    CHECK_EQ(e.fdp, 0x104);
    CHECK_EQ(e.fds, SEL_B64K);                      /* FS */
    CHECK_EQ(cpu->env.fpu.fdp, 0x104);              /* FXSAVE's view */
    CHECK_EQ(cpu->env.fpu.fds, SEL_B64K);
}

TEST(tcg_fpu, control_instructions_keep_the_pointers)
{
    /* mov ax, 0x30; mov ds, ax; fld dword [0x100]      @ +6
     * fnstcw [0x300]; fldcw [0x300]; fnstsw [0x304]; fnclex;
     * fnstenv [0x200]; fldenv [0x200]; fnsave [0x340]; frstor [0x340]
     * fnstenv [0x240]: the fld's pointers throughout
     * fld st(0)                                        @ +58: FIP/FOP only
     * fnstenv [0x280]; hlt */
    static const uint8_t code[] = {
        0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xd9, 0x05, 0x00, 0x01, 0x00, 0x00,
        0xd9, 0x3d, 0x00, 0x03, 0x00, 0x00, 0xd9, 0x2d, 0x00, 0x03, 0x00, 0x00,
        0xdd, 0x3d, 0x04, 0x03, 0x00, 0x00, 0xdb, 0xe2,
        0xd9, 0x35, 0x00, 0x02, 0x00, 0x00, 0xd9, 0x25, 0x00, 0x02, 0x00, 0x00,
        0xdd, 0x35, 0x40, 0x03, 0x00, 0x00, 0xdd, 0x25, 0x40, 0x03, 0x00, 0x00,
        0xd9, 0x35, 0x40, 0x02, 0x00, 0x00,
        0xd9, 0xc0, 0xd9, 0x35, 0x80, 0x02, 0x00, 0x00, 0xf4,
    };
    CPUState *cpu = pm_cpu();
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
    Env32 e = env32_at(0x10240);
    CHECK_EQ(e.fip, TT_CODE + 6);
    CHECK_EQ(e.fop, 0x105);
    CHECK_EQ(e.fdp, 0x100);
    CHECK_EQ(e.fds, SEL_B64K);
    e = env32_at(0x10280);
    CHECK_EQ(e.fip, TT_CODE + 62);
    CHECK_EQ(e.fop, 0x1c0);
    CHECK_EQ(e.fdp, 0x100);                         /* no memory operand */
    CHECK_EQ(e.fds, SEL_B64K);
}

TEST(tcg_fpu, protected_mode_16_bit_image_and_fxsave)
{
    /* mov ax, 0x30; mov ds, ax; mov ebp, 0x3000; fld dword [ebp+8]  @ +11
     * o16 fnstenv [0x200] (figure 8-11); fxsave [0x400] (table 10-2); hlt */
    static const uint8_t code[] = {
        0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xbd, 0x00, 0x30, 0x00, 0x00,
        0xd9, 0x45, 0x08, 0x66, 0xd9, 0x35, 0x00, 0x02, 0x00, 0x00,
        0x0f, 0xae, 0x05, 0x00, 0x04, 0x00, 0x00, 0xf4,
    };
    CPUState *cpu = pm_cpu();
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
    CHECK_EQ(tt_rd(0x10200 + 6, 2), TT_CODE + 11);  /* FIP offset */
    CHECK_EQ(tt_rd(0x10200 + 8, 2), 0x08);          /* FCS */
    CHECK_EQ(tt_rd(0x10200 + 10, 2), 0x3008);       /* FDP offset */
    CHECK_EQ(tt_rd(0x10200 + 12, 2), 0x10);         /* FDS: SS */
    CHECK_EQ(tt_rd(0x10400 + 6, 2), 0x145);         /* FOP */
    CHECK_EQ(tt_rd(0x10400 + 8, 4), TT_CODE + 11);
    CHECK_EQ(tt_rd(0x10400 + 12, 2), 0x08);
    CHECK_EQ(tt_rd(0x10400 + 16, 4), 0x3008);
    CHECK_EQ(tt_rd(0x10400 + 20, 2), 0x10);
}

/* Real-address mode (figures 8-10 and 8-12): the images hold 20-bit (or
 * 32-bit) linear addresses, selector * 16 + offset, split into bits 15:0
 * and the high bits at 15:12 (27:12) beside FOP. */
TEST(tcg_fpu, real_mode_images_hold_linear_pointers)
{
    /* at CS = 0x1000, IP = 0x0100 (linear 0x10100):
     * mov ax, 0x2345; mov ds, ax; fld dword [0x10]     @ IP 0x105
     * fnstenv [0x40] (14 bytes); o32 fnstenv [0x80] (28 bytes); hlt */
    static const uint8_t code[] = {
        0xb8, 0x45, 0x23, 0x8e, 0xd8, 0xd9, 0x06, 0x10, 0x00,
        0xd9, 0x36, 0x40, 0x00, 0x66, 0xd9, 0x36, 0x80, 0x00, 0xf4,
    };
    CPUState *cpu = tt_cpu(16);
    x87_ready(cpu);
    for (size_t i = 0; i < sizeof(code); i++)
        tt_wr(0x10100 + i, code[i], 1);
    cpu->env.seg[SEG_CS].sel = 0x1000;
    cpu->env.seg[SEG_CS].base = 0x10000;
    cpu->env.rip = 0x100;
    tb_flush_all(cpu);
    CHECK_EQ(tt_run(cpu), -1);
    uint64_t e16 = 0x23450 + 0x40, e32 = 0x23450 + 0x80;
    const uint32_t fip = 0x10105, fdp = 0x23460, fop = 0x106;   /* D9 06 */
    CHECK_EQ(tt_rd(e16 + 6, 2), fip & 0xffff);
    CHECK_EQ(tt_rd(e16 + 8, 2), ((fip >> 16) << 12) | fop);
    CHECK_EQ(tt_rd(e16 + 10, 2), fdp & 0xffff);
    CHECK_EQ(tt_rd(e16 + 12, 2), (fdp >> 16) << 12);
    CHECK_EQ(tt_rd(e32 + 12, 4) & 0xffff, fip & 0xffff);
    CHECK_EQ(tt_rd(e32 + 16, 4), ((fip >> 16) << 12) | fop);
    CHECK_EQ(tt_rd(e32 + 20, 4) & 0xffff, fdp & 0xffff);
    CHECK_EQ(tt_rd(e32 + 24, 4), (fdp >> 16) << 12);
    /* FXSAVE has no real-mode form: offsets and selectors */
    CHECK_EQ(cpu->env.fpu.fip, 0x105);
    CHECK_EQ(cpu->env.fpu.fcs, 0x1000);
    CHECK_EQ(cpu->env.fpu.fdp, 0x10);
    CHECK_EQ(cpu->env.fpu.fds, 0x2345);
}

/* 64-bit mode (SDM vol. 1 10.5.1, table 10-2 and 10-3): FXSAVE with REX.W
 * stores 64-bit FIP/FDP offsets and no selectors; without REX.W, 32-bit
 * offsets with FCS and FDS.  FDP is the offset also through FS/GS, whose
 * bases are not part of it. */
TEST(tcg_fpu, fxsave64_and_fxsave_pointers_in_64_bit_mode)
{
    /* mov rbx, 0x100000003000; fs fld qword [rbx+8]     @ +10
     * fxsave64 [rdi]; fxsave [rsi]; hlt  (FS base 2^64 - 2^44 + 0x40000:
     * the operand is at linear 0x43008) */
    static const uint8_t code[] = {
        0x48, 0xbb, 0x00, 0x30, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
        0x64, 0xdd, 0x43, 0x08, 0x48, 0x0f, 0xae, 0x07, 0x0f, 0xae, 0x06, 0xf4,
    };
    CPUState *cpu = tt_cpu(64);
    x87_ready(cpu);
    cpu->env.seg[SEG_FS].base = 0xfffff00000040000ULL;
    cpu->env.seg[SEG_FS].sel = 0x18;
    cpu->env.regs[R_EDI] = 0x20000;
    cpu->env.regs[R_ESI] = 0x20200;
    tt_wr(0x43008, 0x3ff8000000000000ULL, 8);              /* 1.5 */
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
    CHECK_EQ(tt_rd(0x20000 + 6, 2), 0x543);                 /* FOP: DD 43 */
    CHECK_EQ(tt_rd(0x20000 + 8, 8), TT_CODE + 10);
    CHECK_EQ(tt_rd(0x20000 + 16, 8), 0x100000003008ULL);
    CHECK_EQ(tt_rd(0x20200 + 8, 4), TT_CODE + 10);
    CHECK_EQ(tt_rd(0x20200 + 12, 2), 0x08);                 /* FCS */
    CHECK_EQ(tt_rd(0x20200 + 16, 4), 0x3008);               /* FDP 31:0 */
    CHECK_EQ(tt_rd(0x20200 + 20, 2), 0x18);                 /* FDS: FS */
}

/* Models with CPUID.(EAX=07H,ECX=0):EBX[13] store FCS and FDS as zero; with
 * EBX[6] (FDP_EXCPTN_ONLY) only an instruction with an unmasked exception
 * updates FDP (SDM vol. 1 8.1.8). */
/* In 32-bit protected mode: mov ax, 0x30; mov ds, ax; fld dword [0x100]
 * (1.0); fnstenv [0x200]; fldcw [0x108] (ZE unmasked); fdiv dword [0x104]
 * @ +24 (1 / 0, the unmasked #Z); fnstenv [0x240]; hlt. */
static void run_fld_then_unmasked_fdiv(CPUState *cpu)
{
    static const uint8_t code[] = {
        0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xd9, 0x05, 0x00, 0x01, 0x00, 0x00,
        0xd9, 0x35, 0x00, 0x02, 0x00, 0x00, 0xd9, 0x2d, 0x08, 0x01, 0x00, 0x00,
        0xd8, 0x35, 0x04, 0x01, 0x00, 0x00, 0xd9, 0x35, 0x40, 0x02, 0x00, 0x00, 0xf4,
    };
    tt_wr(0x10100, 0x3f800000, 4);                          /* 1.0f */
    tt_wr(0x10104, 0, 4);                                   /* 0.0f */
    tt_wr(0x10108, 0x037b, 2);
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
}

TEST(tcg_fpu, cpuid_deprecations_of_fcs_fds_and_fdp)
{
    CPUState *cpu = pm_cpu();
    cpu->features[FEAT_7_0_EBX] |= CPUID7_FDP_EXCPTN_ONLY | CPUID7_NO_FCS_FDS;
    cpu->env.fpu.fcw = 0x037b;
    cpu->env.fpu.fdp = 0x5555;
    run_fld_then_unmasked_fdiv(cpu);
    Env32 e = env32_at(0x10200);
    CHECK_EQ(e.fip, TT_CODE + 6);
    CHECK_EQ(e.fcs, 0);
    CHECK_EQ(e.fdp, 0x5555);                                /* no exception: kept */
    e = env32_at(0x10240);
    CHECK_EQ(e.fip, TT_CODE + 24);
    CHECK_EQ(e.fdp, 0x104);                                 /* the faulting operand */
    CHECK_EQ(e.fds, 0);
    CHECK_EQ(e.fop, 0x035);
}

/* FOP follows the model's vendor: AMD stores the opcode of the last
 * non-control instruction (APM vol. 1, "Last x87 Opcode"); Intel's parts
 * only that of the last one with an unmasked exception (SDM vol. 1
 * 8.1.9.1, fopcode compatibility sub-mode off).  FIP is kept by both. */
static void fop_by_vendor(const char *model, uint16_t want_after_fld)
{
    CPUState *cpu = pm_cpu();
    cpu->model = cpu_model_find(model);
    CHECK(cpu->model != NULL);
    cpu->env.fpu.fop = 0x123;
    run_fld_then_unmasked_fdiv(cpu);
    Env32 e = env32_at(0x10200);
    CHECK_EQ(e.fop, want_after_fld);
    CHECK_EQ(e.fip, TT_CODE + 6);
    e = env32_at(0x10240);
    CHECK_EQ(e.fop, 0x035);                                 /* the unmasked #Z */
    CHECK_EQ(e.fip, TT_CODE + 24);
}

TEST(tcg_fpu, fop_of_every_instruction_on_amd_models)
{
    fop_by_vendor("EPYC", 0x105);
    fop_by_vendor("qemu64", 0x105);
}

TEST(tcg_fpu, fop_only_on_unmasked_exceptions_on_intel_models)
{
    fop_by_vendor("Haswell", 0x123);
    fop_by_vendor("Nehalem", 0x123);
}

/* FLD m32 of a denormal with the denormal-operand exception unmasked: DE
 * and ES are set on both vendors; AMD's parts still push the value, Intel's
 * leave TOP and the stack alone as for any unmasked pre-computation
 * exception (SDM vol. 1 8.5.2). */
static uint16_t fld_denormal_unmasked(const char *model)
{
    /* mov ax, 0x30; mov ds, ax; fldcw [0x108]; fld dword [0x100]; hlt */
    static const uint8_t code[] = {
        0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xd9, 0x2d, 0x08, 0x01, 0x00, 0x00,
        0xd9, 0x05, 0x00, 0x01, 0x00, 0x00, 0xf4,
    };
    CPUState *cpu = pm_cpu();
    cpu->model = cpu_model_find(model);
    tt_wr(0x10100, 1, 4);                                   /* smallest denormal */
    tt_wr(0x10108, 0x037d, 2);                              /* DM clear */
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
    uint16_t fsw = cpu->env.fpu.fsw;
    CHECK_EQ(fsw & 0xbf, 0x82);                            /* ES and DE only */
    return (uint16_t)((fsw >> 11) & 7);
}

TEST(tcg_fpu, fld_of_a_denormal_with_de_unmasked_by_vendor)
{
    CHECK_EQ(fld_denormal_unmasked("EPYC"), 7);             /* pushed */
    CHECK_EQ(fld_denormal_unmasked("Haswell"), 0);          /* TOP unchanged */
}

/* The host's own FNSTENV after fld qword [rbx] in 64-bit user mode (the
 * 32-bit protected-mode layout): the same bytes run by kemu's 64-bit
 * guest, with a model of the host's vendor, give the same FCW/FSW/FTW and
 * FOP (AMD: fld's; Intel: the FNINIT's 0), and FIP, FCS, FDP, FDS follow
 * the same rule on both, each with its own code and data addresses:
 * offsets and the CS/DS selectors (or what the host's CPUID says). */
TEST(tcg_fpu, fnstenv_pointers_follow_the_hosts_rules)
{
#if defined(__x86_64__)
    static const double one_and_half = 1.5;
    uint8_t host[28];
    uint64_t host_fip;
    uint16_t host_cs, host_ds;
    uint32_t a, b7, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b7), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a >= 7)
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b7), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    else
        b7 = 0;
    uint8_t saved[512] __attribute__((aligned(16)));
    __asm__ volatile("fxsave %0" : "=m"(saved));
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1" : "=r"(host_cs), "=r"(host_ds));
    __asm__ volatile("fninit\n\tlea 1f(%%rip), %0\n1:\tfldl (%%rbx)\n\tfnstenv (%%rdi)"
                     : "=&r"(host_fip) : "b"(&one_and_half), "D"(host) : "memory");
    __asm__ volatile("fxrstor %0" : : "m"(saved));
    /* fninit; fld qword [rbx]; fnstenv [rdi]; hlt */
    static const uint8_t code[] = { 0xdb, 0xe3, 0xdd, 0x03, 0xd9, 0x37, 0xf4 };
    CPUState *cpu = tt_cpu(64);
    host_model_apply(cpu);                  /* FOP's rule is the vendor's */
    x87_ready(cpu);
    cpu->features[FEAT_7_0_EBX] |= b7 & (CPUID7_FDP_EXCPTN_ONLY | CPUID7_NO_FCS_FDS);
    cpu->env.regs[R_EBX] = 0x20100;
    cpu->env.regs[R_EDI] = 0x20200;
    tt_wr(0x20100, 0x3ff8000000000000ULL, 8);
    CHECK_EQ(run_code(cpu, code, sizeof(code)), -1);
    uint8_t kemu[28];
    for (int i = 0; i < 28; i++)
        kemu[i] = (uint8_t)tt_rd(0x20200 + (uint64_t)i, 1);
    CHECK_EQ(memcmp(host, kemu, 12), 0);                    /* FCW, FSW, FTW */
    uint32_t h[7], k[7];
    memcpy(h, host, 28);
    memcpy(k, kemu, 28);
    CHECK_EQ(h[4] >> 16, k[4] >> 16);                       /* FOP */
    bool sels = !(b7 & CPUID7_NO_FCS_FDS), fdp = !(b7 & CPUID7_FDP_EXCPTN_ONLY);
    CHECK_EQ(h[3], (uint32_t)host_fip);
    CHECK_EQ(k[3], TT_CODE + 2);
    CHECK_EQ(h[4] & 0xffff, sels ? host_cs : 0);
    CHECK_EQ(k[4] & 0xffff, sels ? cpu->env.seg[SEG_CS].sel : 0);
    CHECK_EQ(h[5], fdp ? (uint32_t)(uintptr_t)&one_and_half : 0);
    CHECK_EQ(k[5], fdp ? 0x20100 : 0);
    CHECK_EQ(h[6] & 0xffff, sels && fdp ? host_ds : 0);
    CHECK_EQ(k[6] & 0xffff, sels && fdp ? cpu->env.seg[SEG_DS].sel : 0);
#else
    SKIP("not an x86-64 host");
#endif
}
