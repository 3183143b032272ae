/* Guest registers held in host registers across a block: the native
 * backend defers each full-width guest-register store (set_reg of 4 or 8
 * bytes) and keeps the value in the temp that holds it (a host register
 * from the linear scan, or its frame slot) until something can see
 * CPUX86State's copy.
 *
 * The optimizer (translate/opt.c) already forwards a register's value
 * from temp to temp, so reads come from host registers; what the IR
 * keeps are the stores it must make exact for the interpreter at every
 * point a fault can happen: before each guest memory access.  A guest
 * access faults only on its out-of-line slow path (the inline TLB hit
 * path cannot), so the native backend writes the pending registers back
 * there, and on the out-of-line exit of an instruction boundary's exit
 * check, instead of on the hot path.  That costs nothing when the access
 * hits, and keeps the fault path simple: CPUX86State is exact when the C
 * code runs, with no host-pc map of where each register lives to consult
 * when unwinding.  Everything else that can see the register file gets
 * the pending stores before it: a partial set_reg of that register (a
 * get_reg of it reads the pending temp instead), a helper declared as
 * reading, writing or faulting (translate/helper-effects.c), branches,
 * labels and block exits (chained or not: the next block reads
 * CPUX86State). */
#include "translate/native-x86_64.h"

#include <string.h>

void nat_regs_init(PendingRegs *p)
{
    for (unsigned r = 0; r < 16; r++)
        p->t[r] = IR_NONE;
    p->live = 0;
}

/* The register a get_reg/set_reg names (AH..BH are in RAX..RBX). */
static unsigned reg_of(const IROp *op)
{
    return (op->aux & IR_HIGH8) ? (op->aux & 3) : (op->aux & 15);
}

static bool deferrable(const IROp *op)
{
    return op->opc == IR_SET_REG && !(op->aux & IR_HIGH8) && (op->w == 4 || op->w == 8) &&
           op->a != IR_NONE && op->a < IR_MAX_TEMPS;
}

bool nat_regs_deferrable(const IROp *op)
{
    return deferrable(op);
}

/* Ops that see the whole register file, or after which the code may
 * take another path (a fault is an out-of-line path: see below). */
static bool sees_all(const IROp *op)
{
    switch (op->opc) {
    case IR_CALL:
        return (op->aux & (IR_CALL_READS_REGS | IR_CALL_WRITES_REGS |
                           IR_CALL_MAY_FAULT | IR_CALL_SYSTEM)) != 0;
    case IR_BRCOND: case IR_LABEL: case IR_GOTO_TB: case IR_EXIT_TB:
        return true;
    case IR_NOP: case IR_MOVI: case IR_MOV: case IR_ADD: case IR_SUB: case IR_AND:
    case IR_OR: case IR_XOR: case IR_MUL: case IR_MULH: case IR_SHL: case IR_SHR:
    case IR_SAR: case IR_ROTL: case IR_ROTR: case IR_NEG: case IR_NOT: case IR_SEXT:
    case IR_SETCOND: case IR_LD_ENV: case IR_ST_ENV: case IR_SET_CC: case IR_COND:
    case IR_GET_REG: case IR_SET_REG: case IR_LD: case IR_LD_W: case IR_ST:
    case IR_INSN_START:
        return false;
    default:
        return true;        /* not known to be blind to it */
    }
}

/* A read of a register whose store is pending (not of AH..BH): its
 * value comes from the pending temp, and the store stays pending. */
static bool forwardable(const PendingRegs *p, const IROp *op)
{
    return op->opc == IR_GET_REG && !(op->aux & IR_HIGH8) && p->t[reg_of(op)] != IR_NONE &&
           op->d < IR_MAX_TEMPS;
}

/* Ops whose out-of-line path (a TLB miss's C call, an exit check's exit)
 * writes the pending registers back, which stay pending after. */
static bool reads_on_slow_path(const IROp *op)
{
    return op->opc == IR_LD || op->opc == IR_LD_W || op->opc == IR_ST ||
           (op->opc == IR_INSN_START && op->aux);
}

static void flush_one(PendingRegs *p, unsigned r, RegsVisit flush, void *arg)
{
    if (p->t[r] == IR_NONE)
        return;
    flush(arg, r, p->t[r], p->w[r]);
    p->t[r] = IR_NONE;
    p->live &= (uint16_t)~(1u << r);
}

static void flush_if_holds(PendingRegs *p, IRTemp t, RegsVisit flush, void *arg)
{
    for (unsigned r = 0; r < 16; r++) {
        if (p->t[r] == t)
            flush_one(p, r, flush, arg);
    }
}

bool nat_regs_before(PendingRegs *p, const IROp *op, RegsVisit flush, RegsVisit keep, void *arg)
{
    if (deferrable(op)) {
        unsigned r = reg_of(op);
        p->t[r] = op->a;    /* a pending store it replaces is never seen */
        p->w[r] = op->w;
        p->live |= (uint16_t)(1u << r);
        return true;
    }
    if (!p->live)
        return false;
    if (sees_all(op)) {
        for (unsigned r = 0; r < 16; r++)
            flush_one(p, r, flush, arg);
        return false;
    }
    /* A temp written again (rare) no longer holds the pending value. */
    if (op->d != IR_NONE)
        flush_if_holds(p, op->d, flush, arg);
    if (forwardable(p, op)) {
        unsigned r = reg_of(op);
        keep(arg, r, p->t[r], p->w[r]);
        return true;
    }
    if (op->opc == IR_GET_REG || op->opc == IR_SET_REG) {   /* not deferrable */
        flush_one(p, reg_of(op), flush, arg);
        return false;
    }
    if (reads_on_slow_path(op)) {
        for (unsigned r = 0; r < 16; r++) {
            if (p->t[r] != IR_NONE)
                keep(arg, r, p->t[r], p->w[r]);
        }
    }
    return false;
}

/* Planning, before the linear scan: a pending temp lives until each op
 * that writes it back. */
static void extend(void *arg, unsigned r, IRTemp t, unsigned w)
{
    (void)r;
    (void)w;
    const unsigned *i = ((void **)arg)[1];
    regalloc_extend(((void **)arg)[0], t, *i);
}

void nat_plan_regs(const IROp *ops, unsigned n, RegAlloc *ra)
{
    PendingRegs p;
    nat_regs_init(&p);
    unsigned i;
    void *arg[2] = { ra, &i };
    for (i = 0; i < n; i++)
        nat_regs_before(&p, &ops[i], extend, extend, arg);
}

/* env->regs[r] = temp t (w 4: zero-extended), through r11: rax may hold
 * a cached temp and rsi a guest address. */
void nat_regs_store(Ctx *c, unsigned r, IRTemp t, unsigned w)
{
    X86Enc *e = &c->e;
    X86Mem dst = ENV(offsetof(CPUX86State, regs) + r * 8);
    int h = nat_treg(c, t);
    if (h != X_NOREG && w == 8) {
        x86_store(e, 8, dst, h);
        return;
    }
    if (h != X_NOREG)
        x86_mov_rr(e, 4, X_R11, h);
    else
        x86_load(e, w == 4 ? 4 : 8, X_R11, T(t));
    x86_store(e, 8, dst, X_R11);
}

static void store_visit(void *arg, unsigned r, IRTemp t, unsigned w)
{
    nat_regs_store(arg, r, t, w);
}

static void no_visit(void *arg, unsigned r, IRTemp t, unsigned w)
{
    (void)arg;
    (void)r;
    (void)t;
    (void)w;
}

/* get_reg of a pending register: the low w bytes of its pending temp
 * (a 4-byte store's value is zero-extended from 32 bits). */
static void forward(Ctx *c, const IROp *op)
{
    unsigned r = reg_of(op);
    IRTemp t = c->pend.t[r];
    unsigned w = op->w >= 8 ? 8 : op->w;
    if (c->pend.w[r] == 4 && w == 8)
        w = 4;
    int h = nat_treg(c, op->d);
    int dst = h != X_NOREG && !c->skip_store ? h : X_RAX;
    int src = nat_treg(c, t);
    if (src == X_NOREG)
        x86_load(&c->e, w, dst, T(t));
    else if (w >= 4)
        x86_mov_rr(&c->e, w, dst, src);
    else
        x86_movzx_rr(&c->e, w, dst, src);
    if (dst == X_RAX)
        nat_store_result(c, op, X_RAX);
}

bool nat_regs_emit_before(Ctx *c, const IROp *op)
{
    if (c->pend.live && forwardable(&c->pend, op)) {
        forward(c, op);
        return true;
    }
    return nat_regs_before(&c->pend, op, store_visit, no_visit, c);
}

void nat_regs_write_back(Ctx *c, const PendingRegs *p)
{
    for (unsigned r = 0; r < 16; r++) {
        if (p->t[r] != IR_NONE)
            nat_regs_store(c, r, p->t[r], p->w[r]);
    }
}
