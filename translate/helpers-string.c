/* String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with
 * REP/REPE/REPNE in 16-, 32- and 64-bit address sizes.  Every iteration
 * updates the registers after its memory accesses, so a fault leaves the
 * state exact for a restart; a long REP runs in slices so interrupts are
 * taken within bounded time (rip stays on the instruction until done).
 * A DR7 data or I/O breakpoint hit ends a REP after the iteration that
 * made the access: the #DB trap reports it with rip still on the
 * instruction and the registers of that iteration (SDM 17.3.1.2).  A
 * gdbstub watchpoint hit stops it the same way (it sets exit_request). */
#include "translate/helpers.h"

#include "translate/debug-hooks.h"
#include "translate/dr.h"

#include "cpu/excp.h"
#include "cpu/sys.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"
#include "translate/flags.h"
#include "translate/regs.h"
#include "translate/tlb.h"

#define REP_SLICE 4096

enum { STR_INS, STR_OUTS, STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

typedef struct StrOp {
    unsigned op, w, asize, seg, rep;
    bool m64;
    int64_t delta;
} StrOp;

static uint64_t amask(unsigned asize)
{
    return asize == 8 ? ~0ULL : asize == 4 ? 0xffffffffULL : 0xffff;
}

/* Linear address of this element; outside 64-bit mode its segment limit
 * and rights are checked first (write: a store through it). */
static uint64_t str_la(CPUState *cpu, const StrOp *s, unsigned seg, unsigned reg, bool write)
{
    CPUX86State *env = &cpu->env;
    uint64_t off = env->regs[reg] & amask(s->asize);
    if (s->m64)
        return (seg == SEG_FS || seg == SEG_GS) ? off + env->seg[seg].base : off;
    helper_seg_check(cpu, off, 0, 0, seg | (s->w << 8) | ((unsigned)write << 16));
    return (env->seg[seg].base + off) & 0xffffffffULL;
}

static void str_step(CPUX86State *env, const StrOp *s, unsigned reg)
{
    uint64_t m = amask(s->asize);
    uint64_t v = (env->regs[reg] + (uint64_t)s->delta) & m;
    reg_write(env, reg, s->asize, v);
}

static void set_cmp_flags(CPUX86State *env, unsigned w, uint64_t a, uint64_t b)
{
    env->cc_op = cc_op_sized(CC_OP_SUB, w);
    env->cc_dst = a - b;
    env->cc_src = b;
}

/* One iteration. */
static void str_once(CPUState *cpu, const StrOp *s)
{
    CPUX86State *env = &cpu->env;
    unsigned w = s->w;
    uint64_t v, d;
    uint16_t port = (uint16_t)env->regs[R_EDX];
    switch (s->op) {
    case STR_INS:
        cpu_check_io(cpu, port, w);
        d = str_la(cpu, s, SEG_ES, R_EDI, true);
        tcg_probe_write(cpu, d, w);
        big_lock();
        v = as_ld(&cpu->machine->io, port, w);
        big_unlock();
        if (env->dr[7] & 0xff)
            tcg_dr_io_access(cpu, port, w);
        tcg_st(cpu, d, v, w);
        str_step(env, s, R_EDI);
        break;
    case STR_OUTS:
        cpu_check_io(cpu, port, w);
        v = tcg_ld(cpu, str_la(cpu, s, s->seg, R_ESI, false), w);
        big_lock();
        as_st(&cpu->machine->io, port, v, w);
        big_unlock();
        if (env->dr[7] & 0xff)
            tcg_dr_io_access(cpu, port, w);
        str_step(env, s, R_ESI);
        break;
    case STR_MOVS:
        v = tcg_ld(cpu, str_la(cpu, s, s->seg, R_ESI, false), w);
        tcg_st(cpu, str_la(cpu, s, SEG_ES, R_EDI, true), v, w);
        str_step(env, s, R_ESI);
        str_step(env, s, R_EDI);
        break;
    case STR_CMPS:
        v = tcg_ld(cpu, str_la(cpu, s, s->seg, R_ESI, false), w);
        d = tcg_ld(cpu, str_la(cpu, s, SEG_ES, R_EDI, false), w);
        str_step(env, s, R_ESI);
        str_step(env, s, R_EDI);
        set_cmp_flags(env, w, v, d);
        break;
    case STR_STOS:
        tcg_st(cpu, str_la(cpu, s, SEG_ES, R_EDI, true), reg_read(env, R_EAX, w), w);
        str_step(env, s, R_EDI);
        break;
    case STR_LODS:
        v = tcg_ld(cpu, str_la(cpu, s, s->seg, R_ESI, false), w);
        reg_write(env, R_EAX, w, v);
        str_step(env, s, R_ESI);
        break;
    default:
        d = tcg_ld(cpu, str_la(cpu, s, SEG_ES, R_EDI, false), w);
        str_step(env, s, R_EDI);
        set_cmp_flags(env, w, reg_read(env, R_EAX, w), d);
        break;
    }
}

/* Host address of the w-byte element at la when the soft TLB already
 * allows the access without a walk (RAM, no code, no watchpoint on the
 * page: those keep their tags clear), else NULL. */
static uint8_t *str_host(CPUState *cpu, uint64_t la, bool write)
{
    TcgCpu *t = tcg_cpu(cpu);
    const TLBEntry *e = tlb_entry(t, t->user, la);
    uint64_t tag = write ? e->tag_w : e->tag_r;
    if (tag != (la & ~0xfffULL) || !e->host)
        return NULL;
    return e->host + (la & 0xfff);
}

/* REP MOVS/STOS forward in 64-bit mode: the elements left on the current
 * pages in one go when the TLB already maps them (the common memset and
 * memcpy).  Returns how many were done (0: take one step the slow way).
 * A forward copy overlapping its source repeats the pattern, element by
 * element, as the CPU does. */
static uint64_t str_bulk(CPUState *cpu, const StrOp *s, uint64_t cx)
{
    CPUX86State *env = &cpu->env;
    if ((s->op != STR_MOVS && s->op != STR_STOS) || !s->m64 || s->delta < 0 ||
        (env->dr[7] & 0xff) || atomic_load_explicit(&tcg_debug_active, memory_order_relaxed))
        return 0;
    unsigned w = s->w;
    uint64_t d = str_la(cpu, s, SEG_ES, R_EDI, true);
    uint64_t n = (0x1000 - (d & 0xfff)) / w;
    uint8_t *dst = str_host(cpu, d, true), *src = NULL;
    if (s->op == STR_MOVS) {
        uint64_t a = str_la(cpu, s, s->seg, R_ESI, false);
        uint64_t ns = (0x1000 - (a & 0xfff)) / w;
        n = ns < n ? ns : n;
        src = str_host(cpu, a, false);
        if (!src)
            return 0;
    }
    n = cx < n ? cx : n;
    if (!dst || n == 0)
        return 0;
    size_t len = (size_t)(n * w);
    if (s->op == STR_STOS && w == 1) {
        memset(dst, (int)env->regs[R_EAX], len);
    } else if (s->op == STR_STOS) {
        uint64_t v = reg_read(env, R_EAX, w);
        for (size_t i = 0; i < len; i += w)
            memcpy(dst + i, &v, w);
    } else if (dst >= src + len || src >= dst + len) {
        memcpy(dst, src, len);
    } else {
        for (size_t i = 0; i < len; i++)     /* forward, overlapping */
            dst[i] = src[i];
    }
    uint64_t m = amask(s->asize);
    reg_write(env, R_EDI, s->asize, (env->regs[R_EDI] + len) & m);
    if (s->op == STR_MOVS)
        reg_write(env, R_ESI, s->asize, (env->regs[R_ESI] + len) & m);
    reg_write(env, R_ECX, s->asize, (cx - n) & m);
    return n;
}

HELPER(helper_string)
{
    CPUX86State *env = &cpu->env;
    StrOp s = { .op = imm & 15, .w = (imm >> 4) & 15, .asize = (imm >> 8) & 15,
                .seg = (imm >> 12) & 15, .rep = (imm >> 16) & 3 };
    s.m64 = (env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L);
    s.delta = (env->rflags & FL_DF) ? -(int64_t)s.w : (int64_t)s.w;
    if (!s.rep) {
        str_once(cpu, &s);
        return 0;
    }
    uint64_t m = amask(s.asize);
    bool cond = s.op == STR_CMPS || s.op == STR_SCAS;
    /* The I/O permission check comes before the count: REP INS/OUTS with
     * rCX = 0 still faults without I/O privilege (as the CPU does). */
    if (s.op == STR_INS || s.op == STR_OUTS)
        cpu_check_io(cpu, (uint16_t)env->regs[R_EDX], s.w);
    for (unsigned n = 0; n < REP_SLICE; n++) {
        uint64_t cx = env->regs[R_ECX] & m;
        if (cx == 0) {
            env->rip = a;
            return 0;
        }
        uint64_t bulk = str_bulk(cpu, &s, cx);
        if (bulk) {
            n += (unsigned)(bulk < REP_SLICE ? bulk : REP_SLICE) - 1;
        } else {
            str_once(cpu, &s);
            reg_write(env, R_ECX, s.asize, (cx - 1) & m);
        }
        if (cond) {
            bool zf = cc_test(env, 4);
            if ((s.rep == 3 && !zf) || (s.rep == 2 && zf)) {
                env->rip = a;
                return 0;
            }
        }
        if (tcg_cpu(cpu)->exit_request || tcg_cpu(cpu)->dr_data_hits)
            break;
    }
    if ((env->regs[R_ECX] & m) == 0)
        env->rip = a;
    return 0;
}
