/* The translator's per-block loop and operand helpers: fetch, decode and
 * emit guest instructions into IR until a branch, a page boundary, a
 * mode-changing instruction or the block limit. */
#include "translate/atomic.h"
#include "translate/debug-hooks.h"
#include "translate/dr.h"
#include "translate/emit.h"

#include "cpu/disas.h"
#include "cpu/excp.h"
#include "hw/core/log.h"
#include "translate/helpers.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#define TB_MAX_INSNS 128

uint64_t size_mask(unsigned w)
{
    return w >= 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
}

unsigned reg_aux(const Dc *dc, unsigned reg, unsigned w)
{
    if (w == 1 && !dc->in->rex && reg >= 4 && reg < 8)
        return (reg - 4) | IR_HIGH8;
    return reg;
}

IRTemp gen_get(Dc *dc, unsigned w, unsigned reg)
{
    return ir_get_reg(dc->b, w, reg_aux(dc, reg, w));
}

void gen_set(Dc *dc, unsigned w, unsigned reg, IRTemp v)
{
    ir_set_reg(dc->b, w, reg_aux(dc, reg, w), v);
}

IRTemp gen_imm(Dc *dc, uint64_t v)
{
    return ir_movi(dc->b, v);
}

unsigned insn_seg(const Dc *dc, unsigned def)
{
    return dc->in->seg != SEG_NONE ? dc->in->seg : def;
}

IRTemp gen_ea(Dc *dc)
{
    const Insn *in = dc->in;
    IRBlock *b = dc->b;
    IRTemp ea;
    if (in->base == REG_RIP)
        return gen_imm(dc, (dc->next_pc + (uint64_t)in->disp) & size_mask(in->asize));
    if (in->base != REG_NONE) {
        ea = ir_get_reg(b, 8, in->base);
        if (in->disp)
            ea = ir_binopi(b, IR_ADD, 8, ea, (uint64_t)in->disp);
    } else {
        ea = gen_imm(dc, (uint64_t)in->disp);
    }
    if (in->index != REG_NONE) {
        IRTemp ix = ir_get_reg(b, 8, in->index);
        if (in->scale)
            ix = ir_binopi(b, IR_SHL, 8, ix, in->scale);
        ea = ir_binop(b, IR_ADD, 8, ea, ix);
    }
    if (in->asize < 8)
        ea = ir_binopi(b, IR_AND, 8, ea, size_mask(in->asize));
    return ea;
}

/* Limit and access-rights check of a data access outside 64-bit mode
 * (SDM vol. 3 5.3-5.5), through the segment's hidden descriptor cache.
 * Segments that are flat, writable data with a 4 GiB limit (tb_flags
 * leaves their TBF_SEGNF bit clear) need none, so ordinary flat code
 * emits no check at all.  The last check is remembered so that a store
 * to the same address can add the write-permission check. */
void gen_seg_check(Dc *dc, IRTemp ea, unsigned seg, unsigned size, bool write)
{
    if (dc->mode == MODE64 || !(dc->flags & TBF_SEGNF(seg)))
        return;
    ir_call(dc->b, helper_seg_check, helper_effects(helper_seg_check, 0), ea, IR_NONE, IR_NONE,
            seg | (size << 8) | ((unsigned)write << 16));
}

IRTemp gen_linear_w(Dc *dc, IRTemp ea, unsigned seg, unsigned w, bool write)
{
    IRBlock *b = dc->b;
    IRTemp la;
    gen_seg_check(dc, ea, seg, w, write);
    if (dc->mode == MODE64) {
        if (seg == SEG_FS || seg == SEG_GS)
            la = ir_binop(b, IR_ADD, 8, ea, ir_ld_env(b, 8, SEG_BASE_OFF(seg)));
        else
            la = ea;
    } else {
        la = ir_binop(b, IR_ADD, 4, ea, ir_ld_env(b, 8, SEG_BASE_OFF(seg)));
    }
    dc->chk_la = la;
    dc->chk_ea = ea;
    dc->chk_seg = seg;
    dc->chk_w = w;
    dc->chk_write = write;
    return la;
}

IRTemp gen_linear(Dc *dc, IRTemp ea, unsigned seg)
{
    return gen_linear_w(dc, ea, seg, dc->in->opsize, false);
}

IRTemp gen_mem_la_w(Dc *dc, unsigned w, bool write)
{
    return gen_linear_w(dc, gen_ea(dc), insn_seg(dc, dc->in->def_seg), w, write);
}

IRTemp gen_mem_la(Dc *dc)
{
    return gen_mem_la_w(dc, dc->in->opsize, false);
}

void gen_st_mem(Dc *dc, unsigned w, IRTemp la, IRTemp v)
{
    if (la == dc->chk_la && la != IR_NONE && !dc->chk_write)
        gen_seg_check(dc, dc->chk_ea, dc->chk_seg, w > dc->chk_w ? w : dc->chk_w, true);
    if (dc->atomic && la == dc->atomic_la && dc->atomic_old != IR_NONE) {
        ir_call(dc->b, helper_st_locked, IR_CALL_MAY_FAULT, la, v, dc->atomic_old, w);
        return;
    }
    ir_st(dc->b, w, la, v);
}

IRTemp gen_ld_atomic_w(Dc *dc, unsigned w, IRTemp la)
{
    if (dc->atomic)
        ir_call(dc->b, helper_atomic_prepare, IR_CALL_MAY_FAULT, la, IR_NONE, IR_NONE, w);
    IRTemp v = ir_ld_w(dc->b, w, la);
    if (dc->atomic) {
        dc->atomic_la = la;
        dc->atomic_old = v;
    }
    return v;
}

static IRTemp ld_rm(Dc *dc, unsigned w, IRTemp *la, bool for_write)
{
    if (!dc->in->mem) {
        if (la)
            *la = IR_NONE;
        return gen_get(dc, w, dc->in->rm);
    }
    IRTemp a = gen_mem_la_w(dc, w, for_write);
    if (la)
        *la = a;
    return for_write ? gen_ld_atomic_w(dc, w, a) : ir_ld(dc->b, w, a);
}

IRTemp gen_ld_rm(Dc *dc, unsigned w, IRTemp *la)
{
    return ld_rm(dc, w, la, false);
}

/* SDM: a read-modify-write operand is checked for write access first, so
 * a fault on it reports a write (#PF error code bit 1). */
IRTemp gen_ld_rm_w(Dc *dc, unsigned w, IRTemp *la)
{
    return ld_rm(dc, w, la, true);
}

void gen_st_rm(Dc *dc, unsigned w, IRTemp la, IRTemp v)
{
    if (!dc->in->mem) {
        gen_set(dc, w, dc->in->rm, v);
        return;
    }
    if (la == IR_NONE)
        la = gen_mem_la_w(dc, w, true);
    gen_st_mem(dc, w, la, v);
}

unsigned stack_size(const Dc *dc)
{
    if (dc->mode == MODE64)
        return 8;
    return (dc->flags & TBF_SS32) ? 4 : 2;
}

IRTemp gen_stack_la(Dc *dc, IRTemp sp, unsigned w)
{
    if (dc->mode == MODE64)
        return sp;
    gen_seg_check(dc, sp, SEG_SS, w, true);
    return ir_binop(dc->b, IR_ADD, 4, sp, ir_ld_env(dc->b, 8, SEG_BASE_OFF(SEG_SS)));
}

void gen_push(Dc *dc, unsigned w, IRTemp v)
{
    unsigned ss = stack_size(dc);
    IRTemp sp = ir_get_reg(dc->b, ss, R_ESP);
    IRTemp nsp = ir_binopi(dc->b, IR_SUB, ss, sp, w);
    ir_st(dc->b, w, gen_stack_la(dc, nsp, w), v);
    ir_set_reg(dc->b, ss, R_ESP, nsp);
}

IRTemp gen_pop_peek(Dc *dc, unsigned w, unsigned offset)
{
    unsigned ss = stack_size(dc);
    IRTemp sp = ir_get_reg(dc->b, ss, R_ESP);
    if (offset)
        sp = ir_binopi(dc->b, IR_ADD, ss, sp, offset);
    return ir_ld(dc->b, w, gen_stack_la(dc, sp, w));
}

void gen_sp_add(Dc *dc, int64_t delta)
{
    unsigned ss = stack_size(dc);
    IRTemp sp = ir_get_reg(dc->b, ss, R_ESP);
    ir_set_reg(dc->b, ss, R_ESP, ir_binopi(dc->b, IR_ADD, ss, sp, (uint64_t)delta));
}

void gen_jmp_to(Dc *dc, uint64_t target)
{
    ir_goto_tb(dc->b, 0, target);
    dc->jumped = true;
    dc->end = true;
}

void gen_branch(Dc *dc, IRTemp cond, uint64_t target)
{
    unsigned l = ir_new_label(dc->b);
    ir_brcond(dc->b, cond, l);
    ir_goto_tb(dc->b, 1, dc->next_pc);
    ir_label(dc->b, l);
    ir_goto_tb(dc->b, 0, target);
    dc->jumped = true;
    dc->end = true;
}

void gen_jmp_reg(Dc *dc, IRTemp target)
{
    ir_st_env(dc->b, 8, ENV_OFF(rip), target);
    ir_exit_tb_jump(dc->b);
    dc->jumped = true;
    dc->end = true;
}

uint64_t near_target(const Dc *dc, uint64_t target)
{
    return target & size_mask(dc->in->dsize);
}

void gen_exit_next(Dc *dc)
{
    ir_st_env(dc->b, 8, ENV_OFF(rip), gen_imm(dc, dc->next_pc));
    ir_exit_tb(dc->b);
    dc->jumped = true;
    dc->end = true;
}

IRTemp gen_helper(Dc *dc, IRHelper fn, IRTemp a, IRTemp b, IRTemp c, uint64_t imm)
{
    return ir_call(dc->b, fn, helper_effects(fn, imm), a, b, c, imm);
}

void gen_raise(Dc *dc, int vector)
{
    gen_helper(dc, helper_raise, IR_NONE, IR_NONE, IR_NONE, (uint64_t)vector);
    ir_exit_tb(dc->b);
    dc->jumped = true;
    dc->end = true;
}

void gen_raise_gp0(Dc *dc)
{
    gen_helper(dc, helper_raise, IR_NONE, IR_NONE, IR_NONE, EXC_GP | (1ULL << 32));
    ir_exit_tb(dc->b);
    dc->jumped = true;
    dc->end = true;
}

IRTemp gen_select(Dc *dc, IRTemp cond, IRTemp t, IRTemp f)
{
    /* f ^ ((t ^ f) & -cond) */
    IRBlock *b = dc->b;
    IRTemp m = ir_unop(b, IR_NEG, 8, cond);
    return ir_binop(b, IR_XOR, 8, f, ir_binop(b, IR_AND, 8, ir_binop(b, IR_XOR, 8, t, f), m));
}

static CpuMode mode_of(uint32_t flags)
{
    unsigned m = flags & TBF_MODE_MASK;
    return m == 2 ? MODE64 : m == 1 ? MODE32 : MODE16;
}

static void emit_insn(Dc *dc)
{
    int r = emit_alu(dc);
    if (r == 0)
        r = emit_ctrl(dc);
    if (r == 0)
        r = emit_sys(dc);
    if (r <= 0)
        gen_raise(dc, EXC_UD);
}

/* Fetch and decode the instruction at pc; returns DEC_*. */
static int fetch_decode(CPUState *cpu, uint64_t pc, uint64_t lin, CpuMode mode, Insn *in,
                        TB *tb, unsigned *avail_out)
{
    uint8_t buf[16];
    uint64_t pa = 0;
    unsigned avail = tcg_fetch_code(cpu, lin, buf, 15, &pa);
    *avail_out = avail;
    int r = x86_decode_vendor(buf, avail, mode, !cpu_is_intel(cpu), pc, in);
    if (r == DEC_OK && ((lin & 0xfff) + in->len > 0x1000)) {
        uint64_t pa2;
        uint32_t err;
        if (tcg_code_pa(cpu, (lin & ~0xfffULL) + 0x1000, &pa2, &err))
            tb->phys2 = pa2 & ~0xfffULL;
    }
    return r;
}

/* The first instruction cannot be fetched or decoded: raise now (rip is
 * exactly that instruction's). */
static void raise_first(CPUState *cpu, int r, uint64_t lin, unsigned avail)
{
    if (r == DEC_MORE) {
        uint64_t pa;
        uint32_t err = 0;
        if (!tcg_code_pa(cpu, lin + avail, &pa, &err))
            cpu_raise_page_fault(cpu, lin + avail, err);
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}

static void log_in_asm(CPUState *cpu, uint64_t lin, unsigned len, CpuMode mode);

unsigned translate_block(CPUState *cpu, IRBlock *b, uint32_t flags, TB *tb)
{
    Dc dc = { .cpu = cpu, .b = b, .flags = flags, .mode = mode_of(flags) };
    uint64_t pc = tb->pc;
    uint64_t lin = tb->lin;
    unsigned n = 0, max = (flags & (TBF_TF | TBF_RF | TBF_SHADOW)) ? 1 : TB_MAX_INSNS;
    /* DR data breakpoints trap after the accessing instruction */
    if ((flags & TBF_DRBP) && tcg_dr_data_mask(&cpu->env))
        max = 1;
    Insn in;
    dc.in = &in;
    while (!dc.end) {
        unsigned avail;
        int r = fetch_decode(cpu, pc, lin, dc.mode, &in, tb, &avail);
        if (r == DEC_MORE) {
            if (n == 0)
                raise_first(cpu, r, lin, avail);
            break;
        }
        ir_insn_start(b, pc);
        n++;
        if (r != DEC_OK) {
            if (r == DEC_GP)
                gen_raise_gp0(&dc);
            else
                gen_raise(&dc, EXC_UD);
            break;
        }
        dc.next_pc = pc + in.len;
        dc.chk_la = IR_NONE;
        if (dc.mode != MODE64)
            dc.next_pc &= 0xffffffffULL;
        bool locked = translate_parallel && in.mem && !in.vex &&
                      (in.lock || (in.info && in.info->kind == K_XCHG));
        dc.atomic = locked;
        dc.atomic_la = dc.atomic_old = IR_NONE;
        if (locked)
            ir_call(b, helper_lock_begin, IR_CALL_MAY_FAULT, IR_NONE, IR_NONE, IR_NONE, 0);
        emit_insn(&dc);
        if (locked)
            ir_call(b, helper_lock_end, IR_CALL_MAY_FAULT, IR_NONE, IR_NONE, IR_NONE, 0);
        pc += in.len;
        lin += in.len;
        if (n >= max || !ir_has_room(b) || ((lin ^ tb->lin) & ~0xfffULL) || tb->phys2 != ~0ULL)
            dc.end = true;
        /* gdbstub: stop before a breakpoint, one instruction per block when stepping */
        if (atomic_load_explicit(&tcg_debug_active, memory_order_relaxed) &&
            tcg_debug_hooks->end_block(cpu, lin))
            dc.end = true;
        /* the guest's DR7 instruction breakpoints, the same way */
        if ((flags & TBF_DRBP) && tcg_dr_exec_hits(cpu, lin))
            dc.end = true;
    }
    tb->size = (uint16_t)(lin - tb->lin);
    if (!dc.jumped)
        ir_goto_tb(b, 1, pc & (dc.mode == MODE64 ? ~0ULL : 0xffffffffULL));
    if (log_enabled(LOG_IN_ASM))
        log_in_asm(cpu, tb->lin, tb->size, dc.mode);
    return n;
}

static void log_in_asm(CPUState *cpu, uint64_t lin, unsigned len, CpuMode mode)
{
    uint8_t buf[4096 + 16];
    uint64_t pa;
    if (len > sizeof(buf))
        len = sizeof(buf);
    unsigned got = tcg_fetch_code(cpu, lin, buf, len, &pa);
    log_lock();
    log_printf("----------------\nIN: \n");
    disas_log(lin, buf, got, mode == MODE64 ? 64 : mode == MODE32 ? 32 : 16);
    log_printf("\n");
    log_unlock();
}
