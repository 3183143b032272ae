/* Native backend: guest loads and stores through the soft TLB, inline
 * hit path and out-of-line C slow paths. */
#include "translate/native-x86_64.h"

#include "translate/tlb.h"

/* A field of the TLB entry rax points to. */
static X86Mem tlb_field(size_t field)
{
    return xmem(X_RAX, (int32_t)field);
}

/* rax = the TLB entry for the address in rsi (the table's size is the
 * vCPU's current one: tlb_mask and the table pointer are read each time);
 * then compare
 * the tag of the page holding the access's last byte (an access crossing
 * a page never matches: the tag of entry i only ever holds pages with
 * index i), jumping to the returned field on a miss. */
static uint8_t *tlb_lookup(Ctx *c, unsigned w, size_t tag)
{
    X86Enc *e = &c->e;
    _Static_assert(sizeof(TLBEntry) == 1u << TLB_ENTRY_SHIFT, "TLB entry size");
    x86_mov_rr(e, 4, X_RAX, X_RSI);
    x86_shift_ri(e, XS_SHR, 4, X_RAX, 12 - TLB_ENTRY_SHIFT);
    x86_alu_rm(e, XA_AND, 8, X_RAX, xmem(R_TCG, offsetof(TcgCpu, tlb_mask)));
    x86_alu_rm(e, XA_ADD, 8, X_RAX, xmem(R_TCG, c->tlb_off));
    x86_lea(e, X_RCX, xmem(X_RSI, (int32_t)w - 1));
    x86_alu_ri(e, XA_AND, 8, X_RCX, -4096);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, tlb_field(tag));
    return x86_jcc32(e, XC_NE);
}

uint8_t *nat_tlb_addend(Ctx *c, unsigned w, bool write)
{
    uint8_t *miss = tlb_lookup(c, w, write ? offsetof(TLBEntry, tag_w) : offsetof(TLBEntry, tag_r));
    x86_load(&c->e, 8, X_RAX, tlb_field(offsetof(TLBEntry, addend)));
    return miss;
}

/* Call the C slow path of a guest access (rsi = address) whose TLB test
 * failed; the result or nothing comes back in rax. */
static void emit_slow_path(Ctx *c, const SlowPath *sp)
{
    X86Enc *e = &c->e;
    x86_patch_rel32(sp->miss, e->p);
    if (sp->pc_pending)         /* the slow path may fault: rip exact */
        nat_store_imm64(c, ENV(offsetof(CPUX86State, rip)), sp->pc);
    nat_regs_write_back(c, &sp->pend);      /* exact for a fault, MMIO, watchpoints */
    if (sp->cc >= 0)
        nat_flags_write_back(c, &c->ops[sp->cc]);
    if (sp->save)
        nat_save_caller_saved(e);
    if (sp->opc == IR_ST) {
        nat_load_temp(c, 8, X_RDX, sp->value);     /* before rdi: it may be there */
        x86_mov_ri(e, X_RCX, sp->w);
        x86_mov_rr(e, 8, X_RDI, R_CPU);
        x86_call(e, (const void *)tcg_st_slow);
    } else {
        x86_mov_rr(e, 8, X_RDI, R_CPU);
        x86_mov_ri(e, X_RDX, sp->w);
        x86_call(e, sp->opc == IR_LD_W ? (const void *)tcg_ld_w_slow
                                       : (const void *)tcg_ld_slow);
    }
    if (sp->save)
        nat_restore_caller_saved(e);
    if (sp->opc != IR_ST && sp->dst != X_RAX)
        x86_mov_rr(e, 8, sp->dst, X_RAX);
}

/* The slow path goes after the block's code, out of the way, and jumps
 * back; inline when there are too many. */
static void slow_path(Ctx *c, const IROp *op, uint8_t *miss, int dst)
{
    SlowPath sp = { miss, NULL, c->pc, c->pc_pending, op->opc,
                    (uint8_t)env_width(op->w), op->b, nat_caller_saved_live(c), c->pend,
                    (int16_t)c->pend_cc, (int8_t)dst };
    if (c->nslow < MAX_SLOW) {
        sp.back = c->e.p;
        c->slow[c->nslow++] = sp;
        return;
    }
    uint8_t *done = x86_jmp32(&c->e);
    emit_slow_path(c, &sp);
    x86_patch_rel32(done, c->e.p);
}

void nat_emit_slow_paths(Ctx *c)
{
    for (unsigned i = 0; i < c->nslow && !c->e.full; i++) {
        emit_slow_path(c, &c->slow[i]);
        x86_patch_rel32(x86_jmp32(&c->e), c->slow[i].back);
    }
}

void nat_gen_ld(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    unsigned w = env_width(op->w);
    bool rmw = op->opc == IR_LD_W;
    nat_load_a(c, 8, X_RSI, op->a);
    /* MMIO pages never match (TLB_MMIO in tag_r, no tag_w) */
    uint8_t *miss = tlb_lookup(c, w, rmw ? offsetof(TLBEntry, tag_w) : offsetof(TLBEntry, tag_r));
    x86_load(e, 8, X_RAX, tlb_field(offsetof(TLBEntry, addend)));
    int dst = nat_result_reg(c, op);    /* the slow path's result goes there too */
    x86_load(e, w, dst, xmem_idx(X_RAX, X_RSI, 1, 0));
    slow_path(c, op, miss, dst);
    nat_store_result(c, op, dst);
}

void nat_gen_st(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    unsigned w = env_width(op->w);
    nat_load_a(c, 8, X_RSI, op->a);
    uint8_t *miss = tlb_lookup(c, w, offsetof(TLBEntry, tag_w));
    x86_load(e, 8, X_RAX, tlb_field(offsetof(TLBEntry, addend)));
    int v = nat_treg(c, op->b);
    if (v == X_NOREG) {
        x86_load(e, 8, X_RDX, T(op->b));
        v = X_RDX;
    }
    x86_store(e, w, xmem_idx(X_RAX, X_RSI, 1, 0), v);
    slow_path(c, op, miss, X_RAX);
}
