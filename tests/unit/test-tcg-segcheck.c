/* Segment limit and access-rights checks of data accesses outside 64-bit
 * mode (SDM vol. 3 5.3-5.5, vol. 1 3.4.5) on the TCG engine: read-only and
 * code segments, execute-only reads, accesses straddling the limit,
 * expand-down segments, real mode (64 KiB limits, unreal mode, #SS for
 * SS), REP string instructions faulting at the right element, and no
 * check at all emitted for flat segments. */
#include "tests/unit/unit.h"     /* first: later headers bring <stdnoreturn.h> */

#include <string.h>

#include "accel/tcg.h"
#include "cpu/cpuid.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "cpu/seg.h"
#include "translate/backend-native.h"
#include "translate/flags.h"
#include "translate/helpers.h"
#include "translate/tb.h"

#define REG(r) (cpu->env.regs[r])
/* Code at TT_CODE; tests running several snippets drop the blocks
 * translated for the previous one (pokes bypass code invalidation). */
#define LOAD(a) (tt_load(a, sizeof(a)), tb_flush_all(cpu))
#define GDT_DS30(d) tt_wr(0x600 + 0x30, (d), 8)

/* mov ax, 0x30; mov ds, ax; mov eax, [0x10]; mov [0x10], eax; hlt */
static const uint8_t pm_ro_write[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xa1, 0x10, 0x00, 0x00, 0x00, 0xa3,
    0x10, 0x00, 0x00, 0x00, 0xf4,
};
/* mov eax, cs:[0x2000]; hlt */
static const uint8_t pm_cs_read[] = { 0x2e, 0xa1, 0x00, 0x20, 0x00, 0x00, 0xf4 };
/* mov cs:[0x2000], eax; hlt */
static const uint8_t pm_cs_write[] = { 0x2e, 0xa3, 0x00, 0x20, 0x00, 0x00, 0xf4 };
/* mov ax, 0x30; mov ds, ax; movzx eax, byte [0xfff]; movzx ebx, word [0xffe];
 * mov cx, [0xfff]; hlt */
static const uint8_t pm_at_limit[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0x0f, 0xb6, 0x05, 0xff, 0x0f, 0x00,
    0x00, 0x0f, 0xb7, 0x1d, 0xfe, 0x0f, 0x00, 0x00, 0x66, 0x8b, 0x0d, 0xff,
    0x0f, 0x00, 0x00, 0xf4,
};
/* mov ax, 0x30; mov ds, ax; mov eax, [0x1000]; mov [0xfffffffc], eax;
 * mov ebx, [esi]; hlt */
static const uint8_t pm_expdown[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xa1, 0x00, 0x10, 0x00, 0x00, 0xa3,
    0xfc, 0xff, 0xff, 0xff, 0x8b, 0x1e, 0xf4,
};
/* xor eax, eax; mov ds, ax; mov ebx, [0x10]; hlt */
static const uint8_t pm_null_ds[] = {
    0x31, 0xc0, 0x8e, 0xd8, 0x8b, 0x1d, 0x10, 0x00, 0x00, 0x00, 0xf4,
};
/* mov ax, 0x30; mov ds, ax; fld tbyte [0xff6]; fstp dword [0x10]; hlt */
static const uint8_t pm_x87[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xdb, 0x2d, 0xf6, 0x0f, 0x00, 0x00,
    0xd9, 0x1d, 0x10, 0x00, 0x00, 0x00, 0xf4,
};
/* mov ax, 0x30; mov ds, ax; ldmxcsr [0x10]; stmxcsr [0x10]; hlt */
static const uint8_t pm_mxcsr[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0x0f, 0xae, 0x15, 0x10, 0x00, 0x00,
    0x00, 0x0f, 0xae, 0x1d, 0x10, 0x00, 0x00, 0x00, 0xf4,
};
/* mov ax, 0x30; mov ds, ax; mov eax, [0x10]; inc eax; cmpxchg [0x10], ebx; hlt */
static const uint8_t pm_cmpxchg[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xa1, 0x10, 0x00, 0x00, 0x00, 0x40,
    0x0f, 0xb1, 0x1d, 0x10, 0x00, 0x00, 0x00, 0xf4,
};
/* mov ax, 0x2000; mov ds, ax; mov al, [0xffff]; mov bx, [0xffff]; hlt */
static const uint8_t real_word_ffff[] = {
    0xb8, 0x00, 0x20, 0x8e, 0xd8, 0xa0, 0xff, 0xff, 0x8b, 0x1e, 0xff, 0xff, 0xf4,
};
/* mov bp, 0xffff; mov al, [bp]; mov bx, [bp]; hlt */
static const uint8_t real_ss_ffff[] = {
    0xbd, 0xff, 0xff, 0x8a, 0x46, 0x00, 0x8b, 0x5e, 0x00, 0xf4,
};
/* xor ax, ax; mov ds, ax; mov ebx, 0x10000; mov dword [ebx], 0x55667788;
 * mov ecx, [ebx]; mov ebx, 0x100000; mov edx, [ebx]; hlt */
static const uint8_t real_unreal[] = {
    0x31, 0xc0, 0x8e, 0xd8, 0x66, 0xbb, 0x00, 0x00, 0x01, 0x00, 0x67, 0x66,
    0xc7, 0x03, 0x88, 0x77, 0x66, 0x55, 0x67, 0x66, 0x8b, 0x0b, 0x66, 0xbb,
    0x00, 0x00, 0x10, 0x00, 0x67, 0x66, 0x8b, 0x13, 0xf4,
};
/* cld; mov ax, 0x2000; mov es, ax; mov esi, 0x4000; mov edi, 0xfffc;
 * mov ecx, 8; a32 rep movsb; hlt */
static const uint8_t real_rep_movsb[] = {
    0xfc, 0xb8, 0x00, 0x20, 0x8e, 0xc0, 0x66, 0xbe, 0x00, 0x40, 0x00, 0x00,
    0x66, 0xbf, 0xfc, 0xff, 0x00, 0x00, 0x66, 0xb9, 0x08, 0x00, 0x00, 0x00,
    0x67, 0xf3, 0xa4, 0xf4,
};
/* xor sp, sp; push ax; mov cs:[0x3000], ax; hlt */
static const uint8_t real_push_wrap[] = {
    0x31, 0xe4, 0x50, 0x2e, 0xa3, 0x00, 0x30, 0xf4,
};
/* mov eax, [ebx]; mov [ebx+4], eax; push eax; pop ecx; hlt */
static const uint8_t flat_access[] = { 0x8b, 0x03, 0x89, 0x43, 0x04, 0x50, 0x59, 0xf4 };

TEST(tcg_seg, write_to_read_only_data_is_gp)
{
    CPUState *cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x1, 0, SEGATTR_DB));  /* read-only data */
    tt_wr(0x20010, 0xcafef00d, 4);
    LOAD(pm_ro_write);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 11);       /* the store, after the load */
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK_EQ(REG(R_EAX), 0xcafef00d);
}

TEST(tcg_seg, read_through_execute_only_cs_is_gp)
{
    CPUState *cpu = tt_cpu(32);
    tt_wr(0x2000, 0x12345678, 4);
    LOAD(pm_cs_read);
    cpu->env.seg[SEG_CS].attr &= ~0x2u;         /* execute-only code */
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE);
    CHECK_EQ(cpu->env.error_code, 0);

    cpu = tt_cpu(32);                           /* readable code: fine */
    tt_wr(0x2000, 0x12345678, 4);
    LOAD(pm_cs_read);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX), 0x12345678);
}

TEST(tcg_seg, write_through_code_segment_is_gp)
{
    CPUState *cpu = tt_cpu(32);
    LOAD(pm_cs_write);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE);
    CHECK_EQ(tt_rd(0x2000, 4), 0);
}

TEST(tcg_seg, access_straddling_the_limit_is_gp)
{
    CPUState *cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x3, 0, SEGATTR_DB));
    tt_wr(0x20ffe, 0xbbaa, 2);
    LOAD(pm_at_limit);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 20);       /* the word at the limit */
    CHECK_EQ(REG(R_EAX), 0xbb);                 /* the byte at the limit fits */
    CHECK_EQ(REG(R_EBX), 0xbbaa);               /* the word at limit-1 fits */
}

TEST(tcg_seg, expand_down_segment_offsets)
{
    /* Expand-down, B=1: valid offsets 0x1000..0xffffffff. */
    CPUState *cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x7, 0, SEGATTR_DB));
    tt_wr(0x21000, 0x600df00d, 4);
    LOAD(pm_expdown);
    cpu->env.regs[R_ESI] = 0xfff;               /* at the limit: invalid */
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 16);
    CHECK_EQ(tt_rd(0x1fffc, 4), 0x600df00d);    /* offset 0xfffffffc was valid */

    /* B=0: the upper bound is 0xffff, so offset 0xfffffffc is invalid. */
    cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x7, 0, 0));
    tt_wr(0x21000, 0x600df00d, 4);
    LOAD(pm_expdown);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 11);
    CHECK_EQ(REG(R_EAX), 0x600df00d);

    /* Read-only expand-down: the store faults. */
    cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x5, 0, SEGATTR_DB));
    LOAD(pm_expdown);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 11);
}

TEST(tcg_seg, access_through_null_selector_is_gp)
{
    CPUState *cpu = tt_cpu(32);
    LOAD(pm_null_ds);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 4);
    CHECK_EQ(cpu->env.error_code, 0);
}

TEST(tcg_seg, x87_operands_are_checked_by_their_size_and_direction)
{
    /* Read-only data: the 10-byte load ending at the limit is fine, the
     * store faults. */
    CPUState *cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x1, 0, SEGATTR_DB));
    LOAD(pm_x87);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 12);

    /* One byte less of limit: the 10-byte load straddles it. */
    cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xffe, 0x3, 0, SEGATTR_DB));
    LOAD(pm_x87);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 6);
}

TEST(tcg_seg, stmxcsr_to_read_only_data_is_gp)
{
    CPUState *cpu = tt_cpu(32);
    cpu->env.cr4 |= CR4_OSFXSR;
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x1, 0, SEGATTR_DB));
    tt_wr(0x20010, 0x1f80, 4);
    LOAD(pm_mxcsr);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 13);       /* LDMXCSR read it */
}

TEST(tcg_seg, failing_cmpxchg_to_read_only_data_is_gp)
{
    /* CMPXCHG writes its destination even when the compare fails. */
    CPUState *cpu = tt_cpu(32);
    GDT_DS30(mkdesc(0x20000, 0xfff, 0x1, 0, SEGATTR_DB));
    LOAD(pm_cmpxchg);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 12);
}

TEST(tcg_seg, real_mode_word_at_ffff_faults)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_word_ffff);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 8);        /* the byte load passed */
    CHECK_EQ(cpu->env.error_code, 0);

    cpu = tt_cpu(16);
    LOAD(real_ss_ffff);
    CHECK_EQ(tt_run(cpu), EXC_SS);
    CHECK_EQ(cpu->env.rip, TT_CODE + 6);
    CHECK_EQ(cpu->env.error_code, 0);
}

TEST(tcg_seg, v86_mode_word_at_ffff_faults)
{
    CPUState *cpu = tt_cpu(32);
    LOAD(real_word_ffff);
    cpu_load_flags(cpu, FL_VM | 2);
    for (int i = 0; i < SEG_COUNT; i++)
        seg_load_v86(cpu, i, 0);
    seg_load_v86(cpu, SEG_CS, TT_CODE >> 4);
    cpu->env.rip = 0;
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, 8);                  /* the word load, not HLT */
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK_EQ(REG(R_EAX) & 0xffff, 0x2000);
}

TEST(tcg_seg, real_mode_keeps_a_cached_4g_limit)
{
    /* Without unreal mode, offset 0x10000 is beyond the 64 KiB limit. */
    CPUState *cpu = tt_cpu(16);
    LOAD(real_unreal);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 10);

    /* A 4 GiB limit cached in protected mode stays across MOV DS. */
    cpu = tt_cpu(16);
    cpu->env.seg[SEG_DS].limit = 0xffffffff;
    cpu->env.seg[SEG_DS].attr |= SEGATTR_G;
    LOAD(real_unreal);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_ECX), 0x55667788);
    CHECK_EQ(tt_rd(0x10000, 4), 0x55667788);
}

TEST(tcg_seg, rep_movsb_faults_at_the_element_crossing_es_limit)
{
    CPUState *cpu = tt_cpu(16);
    tt_wr(0x4000, 0x0807060504030201ULL, 8);
    LOAD(real_rep_movsb);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 24);
    CHECK_EQ(REG(R_ECX), 4);
    CHECK_EQ(REG(R_ESI), 0x4004);
    CHECK_EQ(REG(R_EDI), 0x10000);
    CHECK_EQ(tt_rd(0x2fffc, 4), 0x04030201);    /* the elements that fit */
}

TEST(tcg_seg, real_mode_sp_wraps_and_cs_is_writable)
{
    CPUState *cpu = tt_cpu(16);
    cpu->env.regs[R_EAX] = 0x4321;
    LOAD(real_push_wrap);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_ESP) & 0xffff, 0xfffe);
    CHECK_EQ(tt_rd(0xfffe, 2), 0x4321);
    CHECK_EQ(tt_rd(0x3000, 2), 0x4321);
}

/* The block at cpu's pc translated for the interpreter: a block compiled
 * to host code does not keep its IR.  The backend chosen before stays. */
static const TB *ir_block(CPUState *cpu, uint32_t f)
{
    const char *why, *was = tcg_backend_name();
    CHECK(tcg_backend_select("interp", &why) == 0);
    tb_flush_all(cpu);
    const TB *tb = tb_find(cpu, f);
    CHECK(tcg_backend_select(was, &why) == 0);
    return tb;
}

static unsigned seg_check_calls(const TB *tb)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tb->nops; i++) {
        if (tb->ops[i].opc == IR_CALL && tb->ops[i].fn == helper_seg_check)
            n++;
    }
    return n;
}

TEST(tcg_seg, flat_segments_emit_no_check)
{
    CPUState *cpu = tt_cpu(32);
    cpu->env.regs[R_EBX] = 0x3000;
    LOAD(flat_access);
    uint32_t f = tb_flags(cpu);
    CHECK_EQ(f & TBF_SEGNF_MASK, TBF_SEGNF(SEG_CS));   /* only the code segment */
    CHECK_EQ(seg_check_calls(ir_block(cpu, f)), 0);

    /* A DS limit below 4 GiB: the two DS accesses are checked, the stack
     * ones are not. */
    cpu->env.seg[SEG_DS].limit = 0xfffff;
    f = tb_flags(cpu);
    CHECK_EQ(f & TBF_SEGNF_MASK, TBF_SEGNF(SEG_CS) | TBF_SEGNF(SEG_DS));
    CHECK_EQ(seg_check_calls(ir_block(cpu, f)), 2);     /* the load and the store */
    CHECK_EQ(tt_run(cpu), -1);

    cpu = tt_cpu(64);
    CHECK_EQ(tb_flags(cpu) & TBF_SEGNF_MASK, 0);
}

/* ---- x87, MMX, SSE and XSAVE memory operands ----
 * The checks live in cpu/fpu*.c and cpu/sse.c (cpu_seg_check) with each
 * instruction's real size and direction (SDM vol. 2 tables of each
 * instruction, vol. 3 5.3-5.5), after its #UD/#NM checks (vol. 3 6.15,
 * table 6-2: faults decoding the instruction come before faults executing
 * it), and nothing changes when they fault. */

#define RO_DATA(limit) mkdesc(0x20000, (limit), 0x1, 0, SEGATTR_DB)
#define RW_DATA(limit) mkdesc(0x20000, (limit), 0x3, 0, SEGATTR_DB)
#define CODE(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define AT_INSN (TT_CODE + 6)

/* mov si, 0x30; mov sreg, si; the instructions under test (at AT_INSN);
 * hlt, with descriptor desc at selector 0x30. */
static int run_via(CPUState *cpu, unsigned sreg, uint64_t desc, const uint8_t *insn, size_t n)
{
    uint8_t code[64] = { 0x66, 0xbe, 0x30, 0x00, 0x8e, (uint8_t)(0xc6 | (sreg << 3)) };
    memcpy(code + 6, insn, n);
    code[6 + n] = 0xf4;
    GDT_DS30(desc);
    tt_load(code, n + 7);
    tb_flush_all(cpu);
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    return tt_run(cpu);
}

/* The same code again, from the start. */
static int rerun(CPUState *cpu)
{
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    return tt_run(cpu);
}

static CPUState *sse_cpu(void)
{
    CPUState *cpu = tt_cpu(32);
    cpu->env.cr4 |= CR4_OSFXSR;
    cpu->env.xmm[0] = (Xmm){ .q = { 0x1111111111111111ULL, 0x2222222222222222ULL } };
    return cpu;
}

/* n bytes of a recognisable pattern at pa, and whether they are intact. */
static void fill(uint64_t pa, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        tt_wr(pa + i, 0xa5 ^ i, 1);
}

static bool intact(uint64_t pa, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (tt_rd(pa + i, 1) != ((0xa5 ^ i) & 0xff))
            return false;
    return true;
}

TEST(tcg_seg_fpu, sse_store_to_read_only_data_is_gp)
{
    CPUState *cpu = sse_cpu();
    fill(0x20010, 16);
    CHECK_EQ(run_via(cpu, SEG_DS, RO_DATA(0xfff), CODE(0xf3, 0x0f, 0x7f, 0x05, 0x10, 0, 0, 0)),
             EXC_GP);                                   /* movdqu [0x10], xmm0 */
    CHECK_EQ(cpu->env.rip, AT_INSN);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK(intact(0x20010, 16));

    cpu = sse_cpu();                                    /* movaps [0x10], xmm0 */
    fill(0x20010, 16);
    CHECK_EQ(run_via(cpu, SEG_DS, RO_DATA(0xfff), CODE(0x0f, 0x29, 0x05, 0x10, 0, 0, 0)), EXC_GP);
    CHECK(intact(0x20010, 16));

    cpu = sse_cpu();                                    /* writable: stored */
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xf3, 0x0f, 0x7f, 0x05, 0x10, 0, 0, 0)),
             -1);
    CHECK_EQ(tt_rd(0x20018, 8), 0x2222222222222222ULL);
}

TEST(tcg_seg_fpu, sse_operands_crossing_the_limit_are_gp)
{
    /* movdqu xmm0, [0xff8]: 16 bytes, 8 beyond the limit. */
    CPUState *cpu = sse_cpu();
    tt_wr(0x20ff8, 0x0123456789abcdefULL, 8);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xf3, 0x0f, 0x6f, 0x05, 0xf8, 0x0f, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.rip, AT_INSN);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x1111111111111111ULL);

    /* movq xmm0, [0xff8]: 8 bytes ending at the limit. */
    cpu = sse_cpu();
    tt_wr(0x20ff8, 0x0123456789abcdefULL, 8);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xf3, 0x0f, 0x7e, 0x05, 0xf8, 0x0f, 0, 0)),
             -1);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x0123456789abcdefULL);
    CHECK_EQ(cpu->env.xmm[0].q[1], 0);

    /* cvtsi2sd xmm0, dword [0xffd]: one byte beyond. */
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xf2, 0x0f, 0x2a, 0x05, 0xfd, 0x0f, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x1111111111111111ULL);

    /* pextrd [0xffd], xmm0, 1: a 4-byte store, one byte beyond. */
    cpu = sse_cpu();
    fill(0x20ffd, 3);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff),
                     CODE(0x66, 0x0f, 0x3a, 0x16, 0x05, 0xfd, 0x0f, 0, 0, 1)), EXC_GP);
    CHECK(intact(0x20ffd, 3));
}

TEST(tcg_seg_fpu, movq_store_beyond_the_ss_limit_is_ss)
{
    /* movq [ebp+0xffc], xmm0 and movq [ebp+0xffc], mm0: SS-relative,
     * bytes 0xffc..0x1003 against a limit of 0xfff. */
    CPUState *cpu = sse_cpu();
    fill(0x20ffc, 4);
    cpu->env.regs[R_EBP] = 0;
    CHECK_EQ(run_via(cpu, SEG_SS, RW_DATA(0xfff),
                     CODE(0x66, 0x0f, 0xd6, 0x85, 0xfc, 0x0f, 0, 0)), EXC_SS);
    CHECK_EQ(cpu->env.rip, AT_INSN);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK(intact(0x20ffc, 4));

    cpu = sse_cpu();
    fill(0x20ffc, 4);
    cpu->env.regs[R_EBP] = 0;
    CHECK_EQ(run_via(cpu, SEG_SS, RW_DATA(0xfff), CODE(0x0f, 0x7f, 0x85, 0xfc, 0x0f, 0, 0)),
             EXC_SS);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK(intact(0x20ffc, 4));
    CHECK_EQ(cpu->env.fpu.ftw, 0);                      /* no MMX transition either */

    cpu = sse_cpu();                                    /* [ebp+0xff8] fits */
    cpu->env.regs[R_EBP] = 0;
    CHECK_EQ(run_via(cpu, SEG_SS, RW_DATA(0xfff),
                     CODE(0x66, 0x0f, 0xd6, 0x85, 0xf8, 0x0f, 0, 0)), -1);
    CHECK_EQ(tt_rd(0x20ff8, 8), 0x1111111111111111ULL);
}

TEST(tcg_seg_fpu, fxsave_area_is_checked_whole)
{
    /* fxsave [0xe00]: the 512 bytes end exactly at the limit. */
    CPUState *cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x0f, 0xae, 0x05, 0x00, 0x0e, 0, 0)), -1);
    CHECK_EQ(tt_rd(0x20e00, 2), 0x37f);                 /* FCW */
    CHECK_EQ(tt_rd(0x20e00 + 160, 8), 0x1111111111111111ULL);   /* XMM0 */

    /* fxsave [0xe10]: 16 bytes beyond. */
    cpu = sse_cpu();
    fill(0x20e10, 0x1f0);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x0f, 0xae, 0x05, 0x10, 0x0e, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.rip, AT_INSN);
    CHECK(intact(0x20e10, 0x1f0));

    /* fxrstor [0xe10] reads as far: #GP, the registers stay. */
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x0f, 0xae, 0x0d, 0x10, 0x0e, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x1111111111111111ULL);

    /* A read-only segment: fxrstor is fine, fxsave is not. */
    cpu = sse_cpu();
    fill(0x20e00, 0x200);
    tt_wr(0x20e00 + 24, 0x1f80, 4);                     /* a valid MXCSR */
    CHECK_EQ(run_via(cpu, SEG_DS, RO_DATA(0xfff), CODE(0x0f, 0xae, 0x0d, 0x00, 0x0e, 0, 0,
                                                       0x0f, 0xae, 0x05, 0x00, 0x0e, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.rip, AT_INSN + 7);
}

TEST(tcg_seg_fpu, xsave_area_covers_the_saved_components)
{
    /* XCR0 = x87|SSE|AVX: the standard area ends with the AVX component
     * at 576 + 256 (CPUID.(EAX=0DH,ECX=2)). */
    CPUState *cpu = sse_cpu();
    uint32_t sz, off, c, d;
    cpu->model = cpu_model_find("Haswell");
    cpu->env.cr4 |= CR4_OSXSAVE;
    cpu->env.xcr0 = 7;
    cpu_cpuid(cpu, 0xd, 2, &sz, &off, &c, &d);
    CHECK_EQ(off + sz, 832);

    /* xsave [0xd00] with EDX:EAX = 7: 832 bytes cross the 0xfff limit
     * while the legacy region and header (576) would fit. */
    cpu->env.regs[R_EAX] = 7;
    cpu->env.regs[R_EDX] = 0;
    fill(0x20d00, 0x300);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x0f, 0xae, 0x25, 0x00, 0x0d, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.rip, AT_INSN);
    CHECK(intact(0x20d00, 0x300));

    /* Without AVX in EDX:EAX the 576 bytes fit: saved, XSTATE_BV[1:0]
     * set (bit 2 is not in RFBM and keeps the pattern's value). */
    cpu->env.regs[R_EAX] = 3;
    CHECK_EQ(rerun(cpu), -1);
    CHECK_EQ(tt_rd(0x20d00, 2), 0x37f);
    CHECK_EQ(tt_rd(0x20d00 + 512, 8) & 3, 3);
    for (unsigned i = 0; i < 64; i += 8)               /* a clean header */
        tt_wr(0x20d00 + 512 + i, i ? 0 : 3, 8);

    /* xrstor [0xd00] with RFBM = 7: AVX is not in XSTATE_BV, so it is
     * initialized and its bytes are not read: fine.  With XSTATE_BV[2]
     * set they are read, across the limit: #GP, nothing restored. */
    static const uint8_t xrstor[] = { 0x0f, 0xae, 0x2d, 0x00, 0x0d, 0, 0 };
    cpu->env.regs[R_EAX] = 7;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), xrstor, sizeof(xrstor)), -1);
    tt_wr(0x20d00 + 512, 7, 8);
    cpu->env.xmm[0].q[0] = 0x3333333333333333ULL;
    CHECK_EQ(rerun(cpu), EXC_GP);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x3333333333333333ULL);

    /* xsave [0xc00]: the 832 bytes fit. */
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x0f, 0xae, 0x25, 0x00, 0x0c, 0, 0)), -1);
    CHECK_EQ(tt_rd(0x20c00 + 512, 8) & 7, 3);
}

TEST(tcg_seg_fpu, nm_and_ud_come_before_the_segment_check)
{
    /* movdqu xmm0, [0xff8] crossing the limit. */
    static const uint8_t movdqu[] = { 0xf3, 0x0f, 0x6f, 0x05, 0xf8, 0x0f, 0, 0 };
    CPUState *cpu = sse_cpu();
    cpu->env.cr0 |= CR0_TS;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), movdqu, sizeof(movdqu)), EXC_NM);
    CHECK_EQ(cpu->env.rip, AT_INSN);

    cpu = sse_cpu();
    cpu->env.cr4 &= ~(uint64_t)CR4_OSFXSR;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), movdqu, sizeof(movdqu)), EXC_UD);

    /* MMX: movq mm0, [0xffc] with CR0.EM is #UD. */
    cpu = sse_cpu();
    cpu->env.cr0 |= CR0_EM;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x0f, 0x6f, 0x05, 0xfc, 0x0f, 0, 0)),
             EXC_UD);

    /* fstp tbyte [0xff8] and fxsave [0xe10] with CR0.TS: #NM. */
    cpu = sse_cpu();
    cpu->env.cr0 |= CR0_TS;
    CHECK_EQ(run_via(cpu, SEG_DS, RO_DATA(0xfff), CODE(0xdb, 0x3d, 0xf8, 0x0f, 0, 0)), EXC_NM);
    cpu = sse_cpu();
    cpu->env.cr0 |= CR0_TS;
    CHECK_EQ(run_via(cpu, SEG_DS, RO_DATA(0xfff), CODE(0x0f, 0xae, 0x05, 0x10, 0x0e, 0, 0)),
             EXC_NM);

    /* stmxcsr [0xffe] to read-only data without CR4.OSFXSR: #UD. */
    cpu = sse_cpu();
    cpu->env.cr4 &= ~(uint64_t)CR4_OSFXSR;
    CHECK_EQ(run_via(cpu, SEG_DS, RO_DATA(0xfff), CODE(0x0f, 0xae, 0x1d, 0xfe, 0x0f, 0, 0)),
             EXC_UD);
}

TEST(tcg_seg_fpu, expand_down_segments)
{
    /* Expand-down, B=1, limit 0xfff: offsets 0x1000..0xffffffff. */
    uint64_t down = mkdesc(0x20000, 0xfff, 0x7, 0, SEGATTR_DB);
    CPUState *cpu = sse_cpu();                          /* movdqu xmm0, [0xff8] */
    CHECK_EQ(run_via(cpu, SEG_DS, down, CODE(0xf3, 0x0f, 0x6f, 0x05, 0xf8, 0x0f, 0, 0)), EXC_GP);
    cpu = sse_cpu();                                    /* movdqu [0x1000], xmm0 */
    CHECK_EQ(run_via(cpu, SEG_DS, down, CODE(0xf3, 0x0f, 0x7f, 0x05, 0x00, 0x10, 0, 0)), -1);
    CHECK_EQ(tt_rd(0x21008, 8), 0x2222222222222222ULL);

    /* B=0: the upper bound is 0xffff; movdqu xmm0, [0xfff8] crosses it. */
    static const uint8_t at_fff8[] = { 0xf3, 0x0f, 0x6f, 0x05, 0xf8, 0xff, 0, 0 };
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, mkdesc(0x20000, 0xfff, 0x7, 0, 0), at_fff8, sizeof(at_fff8)),
             EXC_GP);
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, down, at_fff8, sizeof(at_fff8)), -1);

    /* Read-only expand-down: the store faults, memory unchanged. */
    cpu = sse_cpu();
    fill(0x21000, 16);
    CHECK_EQ(run_via(cpu, SEG_DS, mkdesc(0x20000, 0xfff, 0x5, 0, SEGATTR_DB),
                     CODE(0xf3, 0x0f, 0x7f, 0x05, 0x00, 0x10, 0, 0)), EXC_GP);
    CHECK(intact(0x21000, 16));

    /* An expand-down stack segment: fld1; fstp tbyte [ebp+0xff8] starts
     * below its lower bound 0x1000: #SS(0). */
    cpu = sse_cpu();
    cpu->env.regs[R_EBP] = 0;
    CHECK_EQ(run_via(cpu, SEG_SS, down, CODE(0xd9, 0xe8, 0xdb, 0xbd, 0xf8, 0x0f, 0, 0)), EXC_SS);
    CHECK_EQ(cpu->env.rip, AT_INSN + 2);
}

TEST(tcg_seg_fpu, x87_stores_beyond_the_limit_change_nothing)
{
    /* fld1; fstp tbyte [0xff8]: bytes 0xff8..0x1001, 2 beyond the limit. */
    CPUState *cpu = sse_cpu();
    fill(0x20ff8, 8);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xd9, 0xe8, 0xdb, 0x3d, 0xf8, 0x0f, 0, 0)),
             EXC_GP);
    CHECK_EQ(cpu->env.rip, AT_INSN + 2);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK(intact(0x20ff8, 8));
    CHECK_EQ((cpu->env.fpu.fsw >> 11) & 7, 7);         /* still pushed */
    CHECK_EQ(cpu->env.fpu.ftw, 0x80);
    CHECK_EQ(cpu->env.fpu.st[7].sexp, 0x3fff);

    /* fld1; fnsave [0xf9c]: 108 bytes, 8 beyond: the x87 state is not
     * reinitialized.  fnsave [0xf94] ends at the limit. */
    cpu = sse_cpu();
    fill(0x20f9c, 0x64);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xd9, 0xe8, 0xdd, 0x35, 0x9c, 0x0f, 0, 0)),
             EXC_GP);
    CHECK(intact(0x20f9c, 0x64));
    CHECK_EQ(cpu->env.fpu.ftw, 0x80);
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0xd9, 0xe8, 0xdd, 0x35, 0x94, 0x0f, 0, 0)),
             -1);
    CHECK_EQ(cpu->env.fpu.ftw, 0);                      /* FNSAVE reinitialized */
    CHECK_EQ(tt_rd(0x20f94 + 28 + 8, 2), 0x3fff);       /* ST0 = 1.0 saved */

    /* 16-bit operand size: 94 bytes, so o16 fnsave [0xfa2] fits exactly
     * and o16 fldenv [0xff4] (14 bytes) crosses by 2. */
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x66, 0xdd, 0x35, 0xa2, 0x0f, 0, 0)), -1);
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x66, 0xd9, 0x25, 0xf4, 0x0f, 0, 0)),
             EXC_GP);
}

TEST(tcg_seg_fpu, maskmovdqu_checks_ds_edi_by_its_width)
{
    /* maskmovdqu xmm0, xmm1 stores at DS:EDI; EDI = 0xff8 puts 8 of its 16
     * bytes beyond the limit: #GP even though only low bytes are selected. */
    static const uint8_t maskmov[] = { 0x66, 0x0f, 0xf7, 0xc1 };
    CPUState *cpu = sse_cpu();
    cpu->env.xmm[1] = (Xmm){ .q = { 0x80, 0 } };
    cpu->env.regs[R_EDI] = 0xff8;
    fill(0x20ff8, 8);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), maskmov, sizeof(maskmov)), EXC_GP);
    CHECK(intact(0x20ff8, 8));

    cpu = sse_cpu();                                    /* EDI = 0xff0 fits */
    cpu->env.xmm[1] = (Xmm){ .q = { 0x80, 0 } };
    cpu->env.regs[R_EDI] = 0xff0;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), maskmov, sizeof(maskmov)), -1);
    CHECK_EQ(tt_rd(0x20ff0, 1), 0x11);

    /* An ES override takes the flat ES instead: stored at 0xff8. */
    cpu = sse_cpu();
    cpu->env.xmm[1] = (Xmm){ .q = { 0x80, 0 } };
    cpu->env.regs[R_EDI] = 0xff8;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x26, 0x66, 0x0f, 0xf7, 0xc1)), -1);
    CHECK_EQ(tt_rd(0xff8, 1), 0x11);

    /* The address size picks DI or EDI: EDI = 0x10ff0 is beyond the
     * limit, with a 67h prefix DI = 0xff0 is not. */
    cpu = sse_cpu();
    cpu->env.xmm[1] = (Xmm){ .q = { 0x80, 0 } };
    cpu->env.regs[R_EDI] = 0x10ff0;
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), maskmov, sizeof(maskmov)), EXC_GP);
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff), CODE(0x67, 0x66, 0x0f, 0xf7, 0xc1)), -1);
    CHECK_EQ(tt_rd(0x20ff0, 1), 0x11);

    /* Real mode MASKMOVQ mm0, mm1 with DI = 0xfffc: 8 bytes cross 0xffff. */
    static const uint8_t maskmovq16[] = { 0x0f, 0xf7, 0xc1, 0xf4 };
    cpu = tt_cpu(16);
    cpu->env.cr4 |= CR4_OSFXSR;
    cpu->env.fpu.st[1].mant = 0x80;
    cpu->env.regs[R_EDI] = 0xfffc;
    LOAD(maskmovq16);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    cpu->env.regs[R_EDI] = 0xfff8;
    CHECK_EQ(rerun(cpu), -1);
}

TEST(tcg_seg_fpu, fpu_operands_get_no_translator_check)
{
    /* movdqu xmm0, [ebx]; fstp tbyte [ebx]; fxsave [ebx]; hlt with a
     * non-flat DS: no helper_seg_check in the block (cpu/ checks them). */
    static const uint8_t code[] = { 0xf3, 0x0f, 0x6f, 0x03, 0xdb, 0x3b, 0x0f, 0xae, 0x03, 0xf4 };
    CPUState *cpu = sse_cpu();
    cpu->env.regs[R_EBX] = 0x3000;
    cpu->env.seg[SEG_DS].limit = 0xfffff;
    LOAD(code);
    CHECK_EQ(seg_check_calls(ir_block(cpu, tb_flags(cpu))), 0);
    CHECK_EQ(tt_run(cpu), -1);
    cpu->env.regs[R_EBX] = 0xffe00;                     /* fxsave ends at the limit */
    cpu->env.fpu = (X87State){ .fcw = 0x37f };
    CHECK_EQ(rerun(cpu), -1);
    cpu->env.regs[R_EBX] = 0xffe10;
    cpu->env.fpu = (X87State){ .fcw = 0x37f };
    CHECK_EQ(rerun(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 6);                /* the fxsave, 16 bytes beyond */
}

TEST(tcg_seg_fpu, real_mode_64k_limit_and_64_bit_mode)
{
    /* Real mode (SDM vol. 3 20.1.1): 64 KiB limits; movdqu xmm0, [0xfff8]
     * crosses 0xffff, movq xmm0, [0xfff8] ends there, movq [bp-4], xmm0
     * with BP = 0 goes through SS: #SS(0). */
    static const uint8_t ld16[] = { 0xf3, 0x0f, 0x6f, 0x06, 0xf8, 0xff, 0xf4 };
    static const uint8_t ld8[] = { 0xf3, 0x0f, 0x7e, 0x06, 0xf8, 0xff, 0xf4 };
    static const uint8_t st_ss[] = { 0x66, 0x0f, 0xd6, 0x46, 0xfc, 0xf4 };
    CPUState *cpu = tt_cpu(16);
    cpu->env.cr4 |= CR4_OSFXSR;
    LOAD(ld16);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE);
    cpu = tt_cpu(16);
    cpu->env.cr4 |= CR4_OSFXSR;
    tt_wr(0xfff8, 0x8877665544332211ULL, 8);
    LOAD(ld8);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.xmm[0].q[0], 0x8877665544332211ULL);
    cpu = tt_cpu(16);
    cpu->env.cr4 |= CR4_OSFXSR;
    cpu->env.regs[R_EBP] = 0;
    fill(0xfffc, 4);
    LOAD(st_ss);
    CHECK_EQ(tt_run(cpu), EXC_SS);
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK(intact(0xfffc, 4));

    /* 64-bit mode has no limit checks (SDM vol. 3 5.3.1): a small cached
     * DS limit does not matter to movdqu xmm0, [rbx] or fxsave [rbx]. */
    static const uint8_t code64[] = { 0xf3, 0x0f, 0x6f, 0x03, 0x0f, 0xae, 0x03, 0xf4 };
    cpu = tt_cpu(64);
    cpu->env.cr4 |= CR4_OSFXSR;
    cpu->env.seg[SEG_DS].limit = 0xff;
    cpu->env.regs[R_EBX] = 0x30000;
    LOAD(code64);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(tt_rd(0x30000, 2), 0x37f);
}

TEST(tcg_seg_fpu, crc32_memory_operand_sizes)
{
    /* crc32 eax, dword [0xffd] crosses the limit by one byte; crc32 eax,
     * byte [0xfff] is the last byte. */
    CPUState *cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff),
                     CODE(0xf2, 0x0f, 0x38, 0xf1, 0x05, 0xfd, 0x0f, 0, 0)), EXC_GP);
    CHECK_EQ(cpu->env.rip, AT_INSN);
    cpu = sse_cpu();
    CHECK_EQ(run_via(cpu, SEG_DS, RW_DATA(0xfff),
                     CODE(0xf2, 0x0f, 0x38, 0xf0, 0x05, 0xff, 0x0f, 0, 0)), -1);
}
