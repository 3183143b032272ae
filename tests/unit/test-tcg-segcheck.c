/* Segment limit and access-rights checks of data accesses outside 64-bit
 * mode (SDM vol. 3 5.3-5.5, vol. 1 3.4.5) on the TCG engine: read-only and
 * code segments, execute-only reads, accesses straddling the limit,
 * expand-down segments, real mode (64 KiB limits, unreal mode, #SS for
 * SS), REP string instructions faulting at the right element, and no
 * check at all emitted for flat segments. */
#include "tests/unit/unit.h"     /* first: later headers bring <stdnoreturn.h> */

#include "accel/tcg.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "cpu/seg.h"
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
    CHECK_EQ(seg_check_calls(tb_find(cpu, f)), 0);

    /* A DS limit below 4 GiB: the two DS accesses are checked, the stack
     * ones are not. */
    cpu->env.seg[SEG_DS].limit = 0xfffff;
    f = tb_flags(cpu);
    CHECK_EQ(f & TBF_SEGNF_MASK, TBF_SEGNF(SEG_CS) | TBF_SEGNF(SEG_DS));
    CHECK_EQ(seg_check_calls(tb_find(cpu, f)), 2);     /* the load and the store */
    CHECK_EQ(tt_run(cpu), -1);

    cpu = tt_cpu(64);
    CHECK_EQ(tb_flags(cpu) & TBF_SEGNF_MASK, 0);
}
