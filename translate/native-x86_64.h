/* The native x86-64 backend's compilation context, shared by its parts:
 * backend-x86_64.c (backend choice, entry/exit stubs, chaining, control
 * flow, the per-block driver), native-operands.c (where temps live: host
 * registers or frame slots, and the rax cache), native-alu.c (arithmetic,
 * guest registers and env fields, helper calls), native-flags.c (lazy
 * flags and conditions), native-mem.c (guest memory through the soft
 * TLB) and native-sse.c (SSE rows as host SSE instructions).  See backend-x86_64.c for the shape of the generated code. */
#ifndef KEMU_TRANSLATE_NATIVE_X86_64_H
#define KEMU_TRANSLATE_NATIVE_X86_64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "translate/regalloc.h"
#include "translate/tb.h"
#include "translate/x86-encoder.h"

#define FRAME_BYTES (IR_MAX_TEMPS * 8)
/* Above the temps: chained blocks still allowed, where to report. */
#define FRAME_LEFT FRAME_BYTES
#define FRAME_OUT (FRAME_BYTES + 8)
#define FRAME_ALLOC (FRAME_BYTES + 24)  /* 16 + 8: aligned after six pushes */
#define MAX_FIXUPS 256

/* Fixed registers of generated code. */
#define R_CPU X_RBX
#define R_TCG X_R13
#define R_TMP X_RBP
/* Temps in host registers (translate/regalloc.h): three the C calls
 * preserve, four they do not (saved around a call when live across it;
 * rdi and r8 are set as arguments only after the save). */
static const int host_regs[] = { X_R12, X_R14, X_R15, X_R9, X_R10, X_RDI, X_R8 };
#define NHOST_REGS 7
#define FIRST_CALLER_SAVED 3

/* Guest-register stores the block has deferred (translate/native-regs.c):
 * register r's value is temp t[r] (IR_NONE: CPUX86State has it), of a
 * set_reg of w[r] bytes (4: zero-extended). */
typedef struct PendingRegs {
    IRTemp t[16];
    uint8_t w[16];
    uint16_t live;              /* bit r: t[r] is pending */
} PendingRegs;

typedef struct Fixup {
    uint8_t *field;
    uint32_t label;
} Fixup;

/* A guest access's C slow path, emitted after the block. */
typedef struct SlowPath {
    uint8_t *miss;              /* the jump to it */
    uint8_t *back;              /* where it returns */
    uint64_t pc;
    bool pc_pending;            /* rip to store first */
    uint8_t opc, w;
    IRTemp value;               /* st: the value's temp */
    bool save;                  /* r9/r10 hold live temps */
    PendingRegs pend;           /* to write back before the call */
    int16_t cc;                 /* a deferred set_cc's op index to store too, or -1 */
    int8_t dst;                 /* ld: the register the hit path loads into */
} SlowPath;

#define MAX_SLOW 512

/* An insn_start's exit check: its jump and the instruction's rip. */
typedef struct Stop {
    uint8_t *field;
    uint64_t pc;
    PendingRegs pend;           /* to write back before leaving */
} Stop;

#define MAX_STOPS 512

typedef struct Ctx {
    X86Enc e;
    const TB *tb;
    int32_t tlb_off;            /* offset of this privilege's TLB pointer in TcgCpu */
    uint64_t pc;                /* the current instruction's rip */
    bool pc_pending;            /* ...not yet stored to env->rip */
    Fixup fix[MAX_FIXUPS];
    unsigned nfix;
    uint8_t *body;              /* where the block's code starts (buffer) */
    uint8_t *chain_entry, *page_entry;      /* see emit_entries */
    int cc_op;                  /* env->cc_op here if known at compile time, or -1 */
    /* rax caching: the temp the last op left in rax (prev_rax, as the
     * current op starts), and whether the current op's result need not be
     * stored to its slot (its one use is the next op's first operand). */
    IRTemp prev_rax, in_rax;
    bool skip_store;
    int32_t jmp_field[2];       /* goto_tb jump fields, from body; -1: none */
    uint64_t jmp_target[2];     /* ...and their pcs */
    bool unsupported;
    const char *why;
    SlowPath slow[MAX_SLOW];
    unsigned nslow;
    Stop stops[MAX_STOPS];
    unsigned nstops;
    const RegAlloc *ra;
    const IROp *ops;
    const int16_t *flag_src;    /* per cond op: see plan_flags */
    const bool *fuse_jcc;
    const bool *defer_cc;       /* per set_cc op: see nat_plan_flags */
    int pend_cc;                /* the deferred set_cc now, or -1 */
    int jcc;                    /* host condition a fused brcond jumps on, or -1 */
    IRTemp jcc_temp;            /* ...in place of this cond's result */
    unsigned op_index;          /* of the op being compiled */
    IRTemp holder[NHOST_REGS];  /* last temp given each register so far */
    PendingRegs pend;           /* guest registers not yet in CPUX86State */
} Ctx;

static inline X86Mem T(IRTemp t)
{
    return xmem(R_TMP, (int32_t)t * 8);
}

static inline X86Mem ENV(size_t off)
{
    return xmem(R_CPU, (int32_t)off);
}

/* Host access width of an IR width (w 8 or wider: 8). */
static inline unsigned env_width(unsigned w)
{
    return w == 1 || w == 2 || w == 4 ? w : 8;
}

/* native-operands.c */
/* The host register holding temp t, or X_NOREG (its slot). */
int nat_treg(const Ctx *c, IRTemp t);
/* reg = temp t: all 8 bytes, or (size 4) the low half zero-extended. */
void nat_load_temp(Ctx *c, unsigned size, int reg, IRTemp t);
/* Whether a caller-saved register holds a temp live across the current op
 * (which calls C); then save/restore them around the call. */
bool nat_caller_saved_live(const Ctx *c);
void nat_save_caller_saved(X86Enc *e);
void nat_restore_caller_saved(X86Enc *e);
/* The block runs on the interpreter instead (the first reason is kept). */
void nat_give_up(Ctx *c, const char *why);
void nat_store_imm64(Ctx *c, X86Mem m, uint64_t v);
/* env->rip = the current instruction's pc, once, before it can be seen. */
void nat_flush_pc(Ctx *c);
/* reg = temp t, or imm when t is IR_NONE. */
void nat_load_operand(Ctx *c, int reg, IRTemp t, uint64_t imm);
void nat_zext(Ctx *c, unsigned w, int reg);
/* op's result, in reg, to where its temp lives. */
void nat_store_result(Ctx *c, const IROp *op, int reg);
int nat_result_reg(const Ctx *c, const IROp *op);
int nat_temp_now(const Ctx *c, IRTemp t);
/* An op's first operand (from rax when the previous op left it there). */
void nat_load_a(Ctx *c, unsigned size, int reg, IRTemp t);
void nat_load_a_sx(Ctx *c, unsigned w, int reg, IRTemp t);
bool nat_transparent(const IROp *op);
bool nat_result_only_in_rax(const IROp *ops, unsigned n, unsigned i, const uint16_t *uses);
void nat_count_uses(const IROp *ops, unsigned n, uint16_t *uses);

/* native-alu.c */
void nat_gen_alu(Ctx *c, const IROp *op);
void nat_gen_mul(Ctx *c, const IROp *op);
void nat_gen_mulh(Ctx *c, const IROp *op);
void nat_gen_div(Ctx *c, const IROp *op);
void nat_gen_bitcount(Ctx *c, const IROp *op);
void nat_gen_bswap(Ctx *c, const IROp *op);
void nat_gen_shift(Ctx *c, const IROp *op);
void nat_gen_rotate(Ctx *c, const IROp *op);
void nat_gen_unary(Ctx *c, const IROp *op);
void nat_gen_setcond(Ctx *c, const IROp *op);
void nat_gen_get_reg(Ctx *c, const IROp *op);
void nat_gen_set_reg(Ctx *c, const IROp *op);
void nat_gen_ld_env(Ctx *c, const IROp *op);
void nat_gen_st_env(Ctx *c, const IROp *op);
void nat_gen_call(Ctx *c, const IROp *op);

/* native-flags.c */
void nat_gen_set_cc(Ctx *c, const IROp *op);
void nat_flags_write_back(Ctx *c, const IROp *op);
/* Also plans which set_cc only their slow paths need (defer). */
void nat_plan_flags(const IROp *ops, unsigned n, uint16_t *uses, RegAlloc *ra,
                    int16_t *src, bool *fuse, bool *defer);
void nat_gen_cond(Ctx *c, const IROp *op);

/* native-sse.c: a resolved SSE row as host SSE code (with the helper
 * call as its fallback); false: not such a call, nat_gen_call it. */
bool nat_gen_sse(Ctx *c, const IROp *op);

/* native-regs.c: deferred guest-register stores.  nat_regs_before
 * calls flush for each pending register that must reach CPUX86State
 * before op (it is then no longer pending) and keep for each one op's
 * out-of-line path writes back (it stays pending); returns true when op
 * is a set_reg it deferred (nothing to emit). */
typedef void (*RegsVisit)(void *arg, unsigned r, IRTemp t, unsigned w);
void nat_regs_init(PendingRegs *p);
bool nat_regs_deferrable(const IROp *op);
bool nat_regs_before(PendingRegs *p, const IROp *op, RegsVisit flush, RegsVisit keep, void *arg);
/* Before the linear scan: stretch pending temps' live ranges to where
 * they are written back. */
void nat_plan_regs(const IROp *ops, unsigned n, RegAlloc *ra);
bool nat_regs_emit_before(Ctx *c, const IROp *op);
void nat_regs_store(Ctx *c, unsigned r, IRTemp t, unsigned w);
void nat_regs_write_back(Ctx *c, const PendingRegs *p);

/* native-mem.c */
void nat_gen_ld(Ctx *c, const IROp *op);
void nat_gen_st(Ctx *c, const IROp *op);
/* rax = the TLB addend for the w bytes at guest address rsi (rax + rsi is
 * the host address; rcx clobbered), or the returned jump, to patch, taken
 * on a miss (MMIO, not writable, crossing a page, not mapped). */
uint8_t *nat_tlb_addend(Ctx *c, unsigned w, bool write);
/* The out-of-line TLB miss paths, after the block's code. */
void nat_emit_slow_paths(Ctx *c);

#endif
