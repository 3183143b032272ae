/* The native backend for x86-64 hosts: a TB's optimized IR -> host code.
 *
 * Code shape (the first, simple design; see translate/backend-native.h):
 *  - Every block runs inside one frame set up by a shared entry stub:
 *    rbx = the CPUState (CPUX86State is its first member), r13 = its
 *    TcgCpu, rbp = the temps, an array of IR_MAX_TEMPS 64-bit slots on
 *    the host stack (the interpreter keeps the same array).  Each op loads
 *    its operands from temps into rax/rcx/rdx, computes, stores the
 *    result back.  Guest registers are read and written in CPUX86State as
 *    the IR says, so guest state is exact at every instruction boundary.
 *  - A block leaves by jumping to the shared exit stub with the result
 *    interp_exec would return in eax (the goto_tb slot, -1 or -2).
 *  - Guest loads and stores test the soft TLB inline (the entry for
 *    the block's privilege, known from its mode flags) and call the C slow
 *    paths on a miss.
 *  - Faults: helpers and slow paths raise guest exceptions with
 *    siglongjmp to the loop, exactly as under the interpreter, which
 *    leaves this frame behind.  env->rip must then be the faulting
 *    instruction's: insn_start only records the pc at compile time, and
 *    the store to env->rip is emitted before the first op that can see it
 *    (a helper call, a TLB slow path, a block exit, a branch), as the
 *    interpreter does by dropping unneeded insn_starts. */
#include "translate/backend-native.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "translate/debug-hooks.h"
#include "cpu/disas.h"
#include "hw/core/log.h"
#include "translate/codebuf.h"
#include "translate/flags.h"
#include "translate/regalloc.h"
#include "translate/tb.h"
#include "translate/tlb.h"
#include "translate/x86-encoder.h"

#define CODE_CACHE_SIZE (256u << 20)
#define FRAME_BYTES (IR_MAX_TEMPS * 8)
/* Above the temps: chained blocks still allowed, where to report. */
#define FRAME_LEFT FRAME_BYTES
#define FRAME_OUT (FRAME_BYTES + 8)
#define FRAME_ALLOC (FRAME_BYTES + 24)  /* 16 + 8: aligned after six pushes */
/* Before each block's body: where its two goto_tb exits lead and the
 * offsets (from the body) of their jump fields (-1: none) and of its two
 * chained entries (from the same page, from another page). */
typedef struct BlockHeader {
    uint64_t target[2];
    int32_t jmp_field[2];
    int32_t chain_off, page_off;
} BlockHeader;
#define HDR_BYTES ((int)sizeof(BlockHeader))
#define MAX_FIXUPS 256
#define MAX_LABELS 256

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

typedef struct NativeRun {
    TB *last;               /* the block that left */
    uint64_t left;          /* chained blocks it could still have run */
} NativeRun;

typedef int (*EntryFn)(CPUState *cpu, const void *code, uint64_t left, NativeRun *out);

static TcgBackend backend = TCG_BACKEND_NATIVE;
static bool backend_chosen;
static EntryFn entry;
static uintptr_t exit_stub;     /* executable address */
static size_t stubs_size;
static NativeStats stats;

/* ---- backend choice ---------------------------------------------------- */

static bool native_setup(void)
{
    static bool tried, ok;
    if (tried)
        return ok;
    tried = true;
    ok = codebuf_init(CODE_CACHE_SIZE);
    return ok;
}

int tcg_backend_select(const char *name, const char **why)
{
    if (!strcmp(name, "interp")) {
        backend = TCG_BACKEND_INTERP;
    } else if (!strcmp(name, "native")) {
        if (!native_setup()) {
            *why = "cannot map an executable code cache";
            return -1;
        }
        backend = TCG_BACKEND_NATIVE;
    } else {
        *why = "unknown backend (interp, native)";
        return -1;
    }
    backend_chosen = true;
    return 0;
}

TcgBackend tcg_backend(void)
{
    if (!backend_chosen) {
        /* KEMU_TCG_BACKEND picks the default (test programs that run the
         * engine directly); the interpreter is used where the host
         * refuses executable memory (a hardened kernel, seccomp). */
        const char *env = getenv("KEMU_TCG_BACKEND"), *why;
        backend_chosen = true;
        if (!env || tcg_backend_select(env, &why))
            backend = native_setup() ? TCG_BACKEND_NATIVE : TCG_BACKEND_INTERP;
    }
    return backend;
}

const char *tcg_backend_name(void)
{
    return tcg_backend() == TCG_BACKEND_NATIVE ? "native" : "interp";
}

NativeStats native_stats(void)
{
    NativeStats s = stats;
    s.code_bytes = codebuf_used() - stubs_size;
    return s;
}

/* ---- entry and exit stubs ---------------------------------------------- */

static const int saved_regs[] = { X_RBP, X_RBX, X_R12, X_R13, X_R14, X_R15 };
#define NSAVED (sizeof(saved_regs) / sizeof(saved_regs[0]))

/* entry(cpu, code, left, out): save the callee-saved registers, make the
 * frame (six pushes leave rsp 8 off 16-byte alignment: FRAME_ALLOC
 * restores it for helper calls), load the fixed registers and jump to the
 * block.  Blocks leave through the exit stub with eax = the result and
 * rdx = the block, which it reports in *out with the budget left. */
static void emit_stubs(X86Enc *e)
{
    for (unsigned i = 0; i < NSAVED; i++)
        x86_push(e, saved_regs[i]);
    x86_alu_ri(e, XA_SUB, 8, X_RSP, FRAME_ALLOC);
    x86_mov_rr(e, 8, R_CPU, X_RDI);
    x86_load(e, 8, R_TCG, xmem(X_RDI, offsetof(CPUState, accel)));
    x86_mov_rr(e, 8, R_TMP, X_RSP);
    x86_store(e, 8, xmem(R_TMP, FRAME_LEFT), X_RDX);
    x86_store(e, 8, xmem(R_TMP, FRAME_OUT), X_RCX);
    x86_jmp_reg(e, X_RSI);
    while ((x86_exec_pc(e) & 15) != 0)
        x86_byte(e, 0xcc);
    exit_stub = x86_exec_pc(e);
    x86_load(e, 8, X_RCX, xmem(R_TMP, FRAME_OUT));
    x86_store(e, 8, xmem(X_RCX, offsetof(NativeRun, last)), X_RDX);
    x86_load(e, 8, X_RDX, xmem(R_TMP, FRAME_LEFT));
    x86_store(e, 8, xmem(X_RCX, offsetof(NativeRun, left)), X_RDX);
    x86_alu_ri(e, XA_ADD, 8, X_RSP, FRAME_ALLOC);
    for (unsigned i = NSAVED; i-- > 0;)
        x86_pop(e, saved_regs[i]);
    x86_ret(e);
}

static bool stubs_ready(void)
{
    if (entry)
        return true;
    if (!native_setup())
        return false;
    size_t room;
    uint8_t *buf = codebuf_cursor(&room);
    X86Enc e;
    x86_enc_init(&e, buf, room, codebuf_exec_delta());
    emit_stubs(&e);
    if (e.full)
        return false;
    entry = (EntryFn)(uintptr_t)(buf + codebuf_exec_delta());
    codebuf_commit((size_t)(e.p - buf));
    stubs_size = codebuf_used();
    return true;
}

void native_flush(void)
{
    if (entry)
        codebuf_reset(stubs_size);
}

int native_exec(CPUState *cpu, TB **tb, unsigned max, unsigned *ran)
{
    NativeRun r;
    int slot = entry(cpu, (*tb)->code, max - 1, &r);
    *ran = max - (unsigned)r.left;
    *tb = r.last;
    return slot;
}

static BlockHeader header_of(const TB *tb)
{
    BlockHeader h;
    memcpy(&h, (const uint8_t *)tb->code - HDR_BYTES, sizeof(h));
    return h;
}

/* Whether blocks after `from` may run without the loop in between: not
 * when the loop does per-block work (single-step, RF, DR breakpoints,
 * gdbstub, -d exec/cpu). */
static bool chain_allowed(const TB *from)
{
    const uint32_t per_block = TBF_TF | TBF_RF | TBF_DRBP;
    return from->code && !(from->flags & per_block) &&
           !atomic_load_explicit(&tcg_debug_active, memory_order_relaxed) &&
           !log_enabled(LOG_EXEC | LOG_CPU);
}

void native_link(TB *from, unsigned slot, TB *to)
{
    if (!chain_allowed(from) || !to->code)
        return;
    BlockHeader h = header_of(from);
    /* The loop also links a slot to whatever ran next (an interrupt
     * handler after an event): only the slot's own target may be chained. */
    if (h.jmp_field[slot] < 0 || h.target[slot] != to->pc || to->cs_base != from->cs_base)
        return;
    int32_t field = h.jmp_field[slot];
    bool same_page = ((from->lin ^ to->lin) & ~0xfffULL) == 0 &&
                     ((from->phys ^ to->phys) & ~0xfffULL) == 0;
    BlockHeader t = header_of(to);
    const uint8_t *chain_entry = (const uint8_t *)to->code - (same_page ? t.chain_off : t.page_off);
    uint8_t *rx = (uint8_t *)from->code + field;
    x86_patch_rel32(rx - codebuf_exec_delta(), chain_entry - codebuf_exec_delta());
}

/* After an indirect jump (exit_tb that keeps the mode): the next block's
 * code if the loop would find it in the jump cache and have nothing else
 * to do first (the same tests as a chained goto_tb), else NULL. */
static const void *native_next(CPUState *cpu, const TB *from)
{
    const CPUX86State *env = &cpu->env;
    uint32_t req = atomic_load_explicit(&env->interrupt_request, memory_order_relaxed);
    if ((req & ~CPU_INTERRUPT_HARD) || (req && (env->rflags & FL_IF)) || env->inhibit_irq ||
        tcg_cpu(cpu)->exit_request || !chain_allowed(from))
        return NULL;
    TB *next = tb_lookup_cached(cpu, from->flags);
    return next ? next->code : NULL;
}

/* ---- compilation context ----------------------------------------------- */

typedef struct Fixup {
    uint8_t *field;
    uint32_t label;
} Fixup;

/* A guest access's C slow path, emitted after the block. */
typedef struct SlowPath {
    uint8_t *miss, *mmio;       /* jumps to it (mmio may be NULL) */
    uint8_t *back;              /* where it returns */
    uint64_t pc;
    bool pc_pending;            /* rip to store first */
    uint8_t opc, w;
    IRTemp value;               /* st: the value's temp */
    bool save;                  /* r9/r10 hold live temps */
} SlowPath;

#define MAX_SLOW 512

typedef struct Ctx {
    X86Enc e;
    const TB *tb;
    int32_t tlb_off;            /* offset of this privilege's TLB in TcgCpu */
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
    const RegAlloc *ra;
    const IROp *ops;
    const int16_t *flag_src;    /* per cond op: see plan_flags */
    const bool *fuse_jcc;
    int jcc;                    /* host condition a fused brcond jumps on, or -1 */
    IRTemp jcc_temp;            /* ...in place of this cond's result */
    unsigned op_index;          /* of the op being compiled */
    IRTemp holder[NHOST_REGS];  /* last temp given each register so far */
} Ctx;

static X86Mem T(IRTemp t)
{
    return xmem(R_TMP, (int32_t)t * 8);
}

static X86Mem ENV(size_t off)
{
    return xmem(R_CPU, (int32_t)off);
}

/* The host register holding temp t, or X_NOREG (its slot). */
static int treg(const Ctx *c, IRTemp t)
{
    if (t >= IR_MAX_TEMPS || c->ra->reg[t] == RA_NONE)
        return X_NOREG;
    return host_regs[c->ra->reg[t]];
}

/* reg = temp t: all 8 bytes, or (size 4) the low half zero-extended. */
static void load_temp(Ctx *c, unsigned size, int reg, IRTemp t)
{
    int h = treg(c, t);
    if (h == X_NOREG)
        x86_load(&c->e, size, reg, T(t));
    else if (h != reg || size == 4)
        x86_mov_rr(&c->e, size, reg, h);
}

/* Whether a caller-saved register holds a temp live across the current
 * op (which calls C): it is saved around the call. */
static bool caller_saved_live(const Ctx *c)
{
    for (unsigned r = FIRST_CALLER_SAVED; r < NHOST_REGS; r++) {
        if (c->holder[r] != IR_NONE && regalloc_live_across(c->ra, c->holder[r], c->op_index))
            return true;
    }
    return false;
}

/* An even number of pushes keeps the stack 16-byte aligned for the call. */
static void save_caller_saved(X86Enc *e)
{
    for (unsigned r = FIRST_CALLER_SAVED; r < NHOST_REGS; r++)
        x86_push(e, host_regs[r]);
    _Static_assert((NHOST_REGS - FIRST_CALLER_SAVED) % 2 == 0, "aligned calls");
}

static void restore_caller_saved(X86Enc *e)
{
    for (unsigned r = NHOST_REGS; r-- > FIRST_CALLER_SAVED;)
        x86_pop(e, host_regs[r]);
}

static void give_up(Ctx *c, const char *why)
{
    if (!c->unsupported) {
        c->unsupported = true;
        c->why = why;
    }
}

/* Through r11: rax may hold a cached temp. */
static void store_imm64(Ctx *c, X86Mem m, uint64_t v)
{
    if ((int64_t)v == (int32_t)v) {
        x86_store_i(&c->e, 8, m, (int32_t)v);
    } else {
        x86_mov_ri(&c->e, X_R11, v);
        x86_store(&c->e, 8, m, X_R11);
    }
}

/* env->rip = the current instruction's pc, once, before it can be seen. */
static void flush_pc(Ctx *c)
{
    if (c->pc_pending) {
        store_imm64(c, ENV(offsetof(CPUX86State, rip)), c->pc);
        c->pc_pending = false;
    }
}

/* reg = temp t, or imm when t is IR_NONE. */
static void load_operand(Ctx *c, int reg, IRTemp t, uint64_t imm)
{
    if (t == IR_NONE)
        x86_mov_ri(&c->e, reg, imm);
    else
        load_temp(c, 8, reg, t);
}

/* Zero-extend rax from w bytes (the IR's results are). */
static void zext(Ctx *c, unsigned w, int reg)
{
    if (w == 1 || w == 2 || w == 4)
        x86_movzx_rr(&c->e, w, reg, reg);
}

static void store_result(Ctx *c, const IROp *op, int reg)
{
    if (op->d >= IR_MAX_TEMPS)
        return;
    if (reg == X_RAX) {
        c->in_rax = op->d;
        if (c->skip_store)
            return;
    }
    int h = treg(c, op->d);
    if (h == X_NOREG)
        x86_store(&c->e, 8, T(op->d), reg);
    else if (h != reg)
        x86_mov_rr(&c->e, 8, h, reg);
}

/* An op's first operand: from rax when the previous op left it there
 * (size 4: zero-extended from 32 bits). */
static void load_a(Ctx *c, unsigned size, int reg, IRTemp t)
{
    if (t != c->prev_rax) {
        load_temp(c, size, reg, t);
    } else if (size == 4) {
        x86_mov_rr(&c->e, 4, reg, X_RAX);
    } else if (reg != X_RAX) {
        x86_mov_rr(&c->e, 8, reg, X_RAX);
    }
    if (reg == X_RAX)
        c->prev_rax = size == 8 ? t : IR_NONE;
}

static void load_a_sx(Ctx *c, unsigned w, int reg, IRTemp t)
{
    unsigned sw = w == 1 || w == 2 || w == 4 ? w : 8;
    int h = t == c->prev_rax ? X_RAX : treg(c, t);
    if (h != X_NOREG)
        x86_movsx_rr(&c->e, sw, reg, h);
    else
        x86_load_sx(&c->e, w, reg, T(t));
    if (reg == X_RAX)
        c->prev_rax = IR_NONE;
}

/* Ops that emit nothing touching rax on their way through. */
static bool transparent(const IROp *op)
{
    return op->opc == IR_NOP || op->opc == IR_INSN_START;
}

/* Ops whose first operand is loaded with load_a before anything else
 * uses rax or the temp's slot. */
static bool takes_a_first(const IROp *op)
{
    switch (op->opc) {
    case IR_MOV: case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR:
    case IR_MUL: case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROTL: case IR_ROTR:
    case IR_NEG: case IR_NOT: case IR_SEXT: case IR_SETCOND: case IR_SET_REG:
    case IR_ST_ENV: case IR_SET_CC: case IR_LD: case IR_LD_W: case IR_ST: case IR_CALL:
        return op->a != IR_NONE;
    default:
        return false;
    }
}

/* Whether ops[i]'s result may live only in rax: its one use is the first
 * operand of the next op that emits code. */
static bool result_only_in_rax(const IROp *ops, unsigned n, unsigned i, const uint16_t *uses)
{
    IRTemp d = ops[i].d;
    if (!ir_op_has_output(&ops[i]) || d >= IR_MAX_TEMPS || uses[d] != 1)
        return false;
    unsigned j = i + 1;
    while (j < n && transparent(&ops[j]))
        j++;
    if (j >= n)
        return false;
    if (takes_a_first(&ops[j]) && ops[j].a == d)
        return true;
    /* ...or the second operand of a binary op that takes it from rax */
    switch (ops[j].opc) {
    case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR: case IR_MUL:
    case IR_SETCOND:
        return ops[j].b == d && ops[j].a != d;
    default:
        return false;
    }
}

static void count_uses(const IROp *ops, unsigned n, uint16_t *uses)
{
    memset(uses, 0, IR_MAX_TEMPS * sizeof(*uses));
    for (unsigned i = 0; i < n; i++) {
        IRTemp in[3];
        unsigned k = ir_op_inputs(&ops[i], in);
        for (unsigned j = 0; j < k; j++) {
            if (in[j] < IR_MAX_TEMPS && uses[in[j]] < 0xffff)
                uses[in[j]]++;
        }
    }
}

/* Leave the block returning `ret` to the loop. */
static void emit_exit(Ctx *c, int32_t ret)
{
    x86_mov_ri(&c->e, X_RAX, (uint32_t)ret);
    x86_movabs(&c->e, X_RDX, (uintptr_t)c->tb);
    x86_jmp_abs(&c->e, exit_stub);
}

/* ---- arithmetic -------------------------------------------------------- */

static const uint8_t alu_of[IR_NUM_OPS] = {
    [IR_ADD] = XA_ADD, [IR_SUB] = XA_SUB, [IR_AND] = XA_AND, [IR_OR] = XA_OR,
    [IR_XOR] = XA_XOR,
};

/* Whether a binary op's second operand is in rax (and not its first). */
static bool b_in_rax(const Ctx *c, const IROp *op)
{
    return op->b != IR_NONE && op->b == c->prev_rax && op->a != op->b;
}

/* rax = first operand, rcx = second (temp or constant). */
static void load_ab(Ctx *c, const IROp *op)
{
    if (b_in_rax(c, op)) {
        x86_mov_rr(&c->e, 8, X_RCX, X_RAX);
        load_temp(c, 8, X_RAX, op->a);
        return;
    }
    load_a(c, 8, X_RAX, op->a);
    load_operand(c, X_RCX, op->b, op->imm);
}

static void gen_alu(Ctx *c, const IROp *op)
{
    unsigned size = op->w == 4 ? 4 : 8;     /* 32-bit ops zero-extend themselves */
    unsigned alu = alu_of[op->opc];
    if (b_in_rax(c, op) || (op->b == IR_NONE && (int64_t)op->imm != (int32_t)op->imm)) {
        load_ab(c, op);
        x86_alu_rr(&c->e, alu, size, X_RAX, X_RCX);
    } else {
        load_a(c, 8, X_RAX, op->a);
        if (op->b != IR_NONE && treg(c, op->b) != X_NOREG)
            x86_alu_rr(&c->e, alu, size, X_RAX, treg(c, op->b));
        else if (op->b != IR_NONE)
            x86_alu_rm(&c->e, alu, size, X_RAX, T(op->b));
        else
            x86_alu_ri(&c->e, alu, size, X_RAX, (int32_t)op->imm);
    }
    if (size != 4)
        zext(c, op->w, X_RAX);
    store_result(c, op, X_RAX);
}

static void gen_mul(Ctx *c, const IROp *op)
{
    load_ab(c, op);
    x86_imul_rr(&c->e, 8, X_RAX, X_RCX);
    zext(c, op->w, X_RAX);
    store_result(c, op, X_RAX);
}

/* shl/shr/sar: counts 0..63 (a constant may be larger: see ir_eval_shift). */
static void gen_shift(Ctx *c, const IROp *op)
{
    unsigned kind = op->opc == IR_SHL ? XS_SHL : op->opc == IR_SHR ? XS_SHR : XS_SAR;
    if (op->opc == IR_SAR)
        load_a_sx(c, op->w, X_RAX, op->a);
    else
        load_a(c, 8, X_RAX, op->a);
    if (op->opc == IR_SHR)
        zext(c, op->w, X_RAX);
    if (op->b == IR_NONE) {
        uint64_t n = op->imm;
        if (n >= 64 && op->opc != IR_SAR)
            x86_mov_ri(&c->e, X_RAX, 0);
        else if (n)
            x86_shift_ri(&c->e, kind, 8, X_RAX, (uint8_t)(n >= 64 ? 63 : n));
    } else {
        load_temp(c, 8, X_RCX, op->b);
        x86_shift_cl(&c->e, kind, 8, X_RAX);
    }
    zext(c, op->w, X_RAX);
    store_result(c, op, X_RAX);
}

/* Rotates within w bytes: the host's w-sized rotate counts modulo 32 or
 * 64, which is the same rotation modulo 8w for every w. */
static void gen_rotate(Ctx *c, const IROp *op)
{
    unsigned kind = op->opc == IR_ROTL ? XS_ROL : XS_ROR;
    unsigned w = op->w == 1 || op->w == 2 || op->w == 4 ? op->w : 8;
    load_a(c, 8, X_RAX, op->a);
    if (op->b == IR_NONE) {
        unsigned n = (unsigned)(op->imm % (8 * w));
        if (n)
            x86_shift_ri(&c->e, kind, w, X_RAX, (uint8_t)n);
    } else {
        load_temp(c, 8, X_RCX, op->b);
        x86_shift_cl(&c->e, kind, w, X_RAX);
    }
    zext(c, w, X_RAX);
    store_result(c, op, X_RAX);
}

static void gen_unary(Ctx *c, const IROp *op)
{
    if (op->opc == IR_SEXT) {
        load_a_sx(c, op->w, X_RAX, op->a);
        store_result(c, op, X_RAX);
        return;
    }
    load_a(c, 8, X_RAX, op->a);
    if (op->opc == IR_NEG)
        x86_neg(&c->e, 8, X_RAX);
    else
        x86_not(&c->e, 8, X_RAX);
    zext(c, op->w, X_RAX);
    store_result(c, op, X_RAX);
}

static void gen_setcond(Ctx *c, const IROp *op)
{
    static const uint8_t cc[] = { [IR_EQ] = XC_E, [IR_NE] = XC_NE, [IR_LTU] = XC_B,
                                  [IR_LTS] = XC_L };
    unsigned w = op->w == 1 || op->w == 2 || op->w == 4 ? op->w : 8;
    if (op->aux > IR_LTS) {
        give_up(c, "setcond: unknown comparison");
        return;
    }
    load_ab(c, op);
    x86_alu_rr(&c->e, XA_CMP, w, X_RAX, X_RCX);
    x86_setcc(&c->e, cc[op->aux], X_RAX);
    x86_movzx_rr(&c->e, 1, X_RAX, X_RAX);
    store_result(c, op, X_RAX);
}

/* ---- guest state ------------------------------------------------------- */

static size_t reg_off(unsigned aux)
{
    if (aux & IR_HIGH8)
        return offsetof(CPUX86State, regs) + (aux & 3) * 8 + 1;
    return offsetof(CPUX86State, regs) + (aux & 15) * 8;
}

static void gen_get_reg(Ctx *c, const IROp *op)
{
    unsigned w = (op->aux & IR_HIGH8) ? 1 : op->w;
    x86_load(&c->e, w >= 8 ? 8 : w, X_RAX, ENV(reg_off(op->aux)));
    store_result(c, op, X_RAX);
}

static void gen_set_reg(Ctx *c, const IROp *op)
{
    if (op->aux & IR_HIGH8) {
        load_a(c, 8, X_RAX, op->a);
        x86_store(&c->e, 1, ENV(reg_off(op->aux)), X_RAX);
    } else if (op->w == 4) {
        load_a(c, 4, X_RAX, op->a);                 /* zero-extends */
        x86_store(&c->e, 8, ENV(reg_off(op->aux)), X_RAX);
    } else {
        unsigned w = op->w == 1 || op->w == 2 ? op->w : 8;
        load_a(c, 8, X_RAX, op->a);
        x86_store(&c->e, w, ENV(reg_off(op->aux)), X_RAX);
    }
}

static unsigned env_width(unsigned w)
{
    return w == 1 || w == 2 || w == 4 ? w : 8;
}

static void gen_ld_env(Ctx *c, const IROp *op)
{
    x86_load(&c->e, env_width(op->w), X_RAX, ENV(op->aux));
    store_result(c, op, X_RAX);
}

static void gen_st_env(Ctx *c, const IROp *op)
{
    size_t rip = offsetof(CPUX86State, rip);
    load_a(c, 8, X_RAX, op->a);
    x86_store(&c->e, env_width(op->w), ENV(op->aux), X_RAX);
    /* The block set rip itself: a pending pc must not overwrite it. */
    if (op->aux < rip + 8 && op->aux + env_width(op->w) > rip)
        c->pc_pending = false;
    if (op->aux < offsetof(CPUX86State, cc_op) + 4 &&
        op->aux + env_width(op->w) > offsetof(CPUX86State, cc_op))
        c->cc_op = -1;
}

static void gen_set_cc(Ctx *c, const IROp *op)
{
    c->cc_op = (int)op->aux;
    x86_store_i(&c->e, 4, ENV(offsetof(CPUX86State, cc_op)), (int32_t)op->aux);
    const IRTemp src[3] = { op->a, op->b, op->c };
    const size_t off[3] = { offsetof(CPUX86State, cc_dst), offsetof(CPUX86State, cc_src),
                            offsetof(CPUX86State, cc_src2) };
    for (int i = 0; i < 3; i++) {
        if (src[i] == IR_NONE)
            continue;
        load_a(c, 8, X_RAX, src[i]);    /* the first may come in rax */
        x86_store(&c->e, 8, ENV(off[i]), X_RAX);
    }
}

/* Whether the host computes condition cc of cc_op with one instruction
 * (cond_flags) */
static bool cond_inline_ok(int cc_op, unsigned cc)
{
    if (cc_op < 0 || cc_op >= CC_OP_COUNT)
        return false;
    unsigned group = (unsigned)cc_op & ~3u;
    bool zs = (cc >> 1) == 2 || (cc >> 1) == 4;
    return group == CC_OP_SUB || group == CC_OP_ADD || group == CC_OP_LOGIC ||
           (zs && group != CC_OP_EFLAGS);
}

/* Whether st_env of w bytes at off overwrites part of the lazy flags. */
static bool writes_cc(unsigned off, unsigned w)
{
    return off < offsetof(CPUX86State, cc_src2) + 8 && off + w > offsetof(CPUX86State, cc_op);
}

/* For each cond op, the set_cc of this block whose temps still hold the
 * lazy flags it reads (no label, flag-writing call or store to the flags
 * in between), else -1: the cond then reads those temps rather than env,
 * and they are kept live (and counted as used) up to it.  fuse[i]: cond
 * i computes the host flags inline and its only use is the brcond right
 * after it (nothing in between emits code that changes host flags): the
 * brcond becomes one conditional jump. */
static void plan_flags(const IROp *ops, unsigned n, uint16_t *uses, RegAlloc *ra,
                       int16_t *src, bool *fuse)
{
    int last = -1;
    for (unsigned i = 0; i < n; i++) {
        const IROp *op = &ops[i];
        src[i] = -1;
        fuse[i] = false;
        if (op->opc == IR_SET_CC) {
            bool full = op->a != IR_NONE && (op->b != IR_NONE ||
                        ((op->aux & ~3u) != CC_OP_SUB && (op->aux & ~3u) != CC_OP_ADD));
            last = full ? (int)i : -1;
        } else if (op->opc == IR_LABEL || (op->opc == IR_CALL && (op->aux & IR_CALL_WRITES_CC)) ||
                   (op->opc == IR_ST_ENV && writes_cc(op->aux, env_width(op->w)))) {
            last = -1;
        } else if (op->opc == IR_COND && last >= 0 &&
                   cond_inline_ok((int)ops[last].aux, op->aux & 15)) {
            src[i] = (int16_t)last;
            IRTemp in[2] = { ops[last].a, ops[last].b };
            for (int k = 0; k < 2; k++) {
                if (in[k] < IR_MAX_TEMPS) {
                    regalloc_extend(ra, in[k], i);
                    if (uses[in[k]] < 0xffff)
                        uses[in[k]]++;
                }
            }
            unsigned j = i + 1;
            while (j < n && (ops[j].opc == IR_NOP ||
                             (ops[j].opc == IR_INSN_START && !ops[j].aux)))
                j++;
            fuse[i] = op->d < IR_MAX_TEMPS && uses[op->d] == 1 && j < n &&
                      ops[j].opc == IR_BRCOND && ops[j].a == op->d;
        }
    }
}

/* A condition of lazy flags whose cc_op this block set: the host computes
 * it with one instruction that sets the host flags exactly as the guest
 * instruction did: CMP/SUB (the first operand is result + subtrahend),
 * ADD (result - addend), TEST of the result (logic ops; ZF and SF of any
 * cc_op).  The operands come from the set_cc's temps when plan_flags found
 * them, else from env.  false: the case is left to cc_test. */
static bool gen_cond_inline(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    int from = c->flag_src[c->op_index];
    int cc_op = from >= 0 ? (int)c->ops[from].aux : c->cc_op;
    unsigned cc = op->aux & 15;
    if (!cond_inline_ok(cc_op, cc))
        return false;
    unsigned group = (unsigned)cc_op & ~3u, w = 1u << (cc_op & 3);
    if (from >= 0)
        load_temp(c, 8, X_RAX, c->ops[from].a);
    else
        x86_load(e, 8, X_RAX, ENV(offsetof(CPUX86State, cc_dst)));
    bool zs = (cc >> 1) == 2 || (cc >> 1) == 4;     /* ZF, SF: the result's */
    if (!zs && (group == CC_OP_SUB || group == CC_OP_ADD)) {
        if (from >= 0)
            load_temp(c, 8, X_RCX, c->ops[from].b);
        else
            x86_load(e, 8, X_RCX, ENV(offsetof(CPUX86State, cc_src)));
        x86_mov_rr(e, 8, X_RDX, X_RAX);
        x86_alu_rr(e, group == CC_OP_SUB ? XA_ADD : XA_SUB, 8, X_RDX, X_RCX);
        x86_alu_rr(e, group == CC_OP_SUB ? XA_CMP : XA_ADD, w, X_RDX, X_RCX);
    } else {
        x86_test_rr(e, w, X_RAX, X_RAX);
    }
    if (c->fuse_jcc[c->op_index]) {
        c->jcc = (int)cc;
        c->jcc_temp = op->d;
        return true;
    }
    x86_setcc(e, cc, X_RAX);
    x86_movzx_rr(e, 1, X_RAX, X_RAX);
    store_result(c, op, X_RAX);
    return true;
}

static void gen_cond(Ctx *c, const IROp *op)
{
    if (gen_cond_inline(c, op))
        return;
    bool save = caller_saved_live(c);
    if (save)
        save_caller_saved(&c->e);
    x86_mov_rr(&c->e, 8, X_RDI, R_CPU);
    x86_mov_ri(&c->e, X_RSI, op->aux);
    x86_call(&c->e, (const void *)cc_test);
    if (save)
        restore_caller_saved(&c->e);
    x86_movzx_rr(&c->e, 1, X_RAX, X_RAX);   /* bool: only al is defined */
    store_result(c, op, X_RAX);
}

static void gen_call(Ctx *c, const IROp *op)
{
    static const int args[] = { X_RSI, X_RDX, X_RCX };
    const IRTemp in[3] = { op->a, op->b, op->c };
    flush_pc(c);
    for (int i = 0; i < 3; i++) {
        if (i == 0 && in[0] != IR_NONE)
            load_a(c, 8, args[0], in[0]);
        else
            load_operand(c, args[i], in[i], 0);
    }
    bool save = caller_saved_live(c);
    if (save)
        save_caller_saved(&c->e);
    x86_mov_ri(&c->e, X_R8, op->imm);
    x86_mov_rr(&c->e, 8, X_RDI, R_CPU);
    x86_call(&c->e, (const void *)op->fn);
    if (save)
        restore_caller_saved(&c->e);
    if (op->aux & IR_CALL_WRITES_CC)
        c->cc_op = -1;
    store_result(c, op, X_RAX);
}

/* ---- guest memory ------------------------------------------------------ */

/* rax = the TLB entry for the address in rsi; then compare the tag of
 * the page holding the access's last byte (an access crossing a page
 * never matches: the tag of entry i only ever holds pages with index i),
 * jumping to the returned field on a miss. */
static uint8_t *tlb_lookup(Ctx *c, unsigned w, size_t tag)
{
    X86Enc *e = &c->e;
    x86_mov_rr(e, 8, X_RAX, X_RSI);
    x86_shift_ri(e, XS_SHR, 8, X_RAX, 12);
    x86_alu_ri(e, XA_AND, 4, X_RAX, TLB_SIZE - 1);
    x86_lea(e, X_RAX, xmem_idx(X_RAX, X_RAX, 4, 0));           /* * 5 */
    _Static_assert(sizeof(TLBEntry) == 40, "TLB entry of five words");
    x86_lea(e, X_RAX, xmem_idx(R_TCG, X_RAX, 8, c->tlb_off));
    x86_lea(e, X_RCX, xmem(X_RSI, (int32_t)w - 1));
    x86_alu_ri(e, XA_AND, 8, X_RCX, -4096);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RAX, (int32_t)tag));
    return x86_jcc32(e, XC_NE);
}

/* rax = host pointer to the byte at rsi (rax = the entry's host base). */
static void host_address(Ctx *c)
{
    x86_mov_rr(&c->e, 4, X_RCX, X_RSI);
    x86_alu_ri(&c->e, XA_AND, 4, X_RCX, 0xfff);
}

/* Call the C slow path of a guest access (rsi = address) whose TLB test
 * failed; the result or nothing comes back in rax. */
static void emit_slow_path(Ctx *c, const SlowPath *sp)
{
    X86Enc *e = &c->e;
    x86_patch_rel32(sp->miss, e->p);
    x86_patch_rel32(sp->mmio, e->p);
    if (sp->pc_pending)         /* the slow path may fault: rip exact */
        store_imm64(c, ENV(offsetof(CPUX86State, rip)), sp->pc);
    if (sp->save)
        save_caller_saved(e);
    if (sp->opc == IR_ST) {
        load_temp(c, 8, X_RDX, sp->value);     /* before rdi: it may be there */
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
        restore_caller_saved(e);
}

/* The slow path goes after the block's code, out of the way, and jumps
 * back; inline when there are too many. */
static void slow_path(Ctx *c, const IROp *op, uint8_t *miss, uint8_t *mmio)
{
    SlowPath sp = { miss, mmio, NULL, c->pc, c->pc_pending, op->opc,
                    (uint8_t)env_width(op->w), op->b, caller_saved_live(c) };
    if (c->nslow < MAX_SLOW) {
        sp.back = c->e.p;
        c->slow[c->nslow++] = sp;
        return;
    }
    uint8_t *done = x86_jmp32(&c->e);
    emit_slow_path(c, &sp);
    x86_patch_rel32(done, c->e.p);
}

static void emit_slow_paths(Ctx *c)
{
    for (unsigned i = 0; i < c->nslow && !c->e.full; i++) {
        emit_slow_path(c, &c->slow[i]);
        x86_patch_rel32(x86_jmp32(&c->e), c->slow[i].back);
    }
}

static void gen_ld(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    unsigned w = env_width(op->w);
    bool rmw = op->opc == IR_LD_W;
    load_a(c, 8, X_RSI, op->a);
    uint8_t *miss = tlb_lookup(c, w, rmw ? offsetof(TLBEntry, tag_w) : offsetof(TLBEntry, tag_r));
    x86_load(e, 8, X_RAX, xmem(X_RAX, offsetof(TLBEntry, host)));
    uint8_t *mmio = NULL;
    if (!rmw) {                 /* a read tag may cover MMIO (host NULL) */
        x86_test_rr(e, 8, X_RAX, X_RAX);
        mmio = x86_jcc32(e, XC_E);
    }
    host_address(c);
    x86_load(e, w, X_RAX, xmem_idx(X_RAX, X_RCX, 1, 0));
    slow_path(c, op, miss, mmio);
    store_result(c, op, X_RAX);
}

static void gen_st(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    unsigned w = env_width(op->w);
    load_a(c, 8, X_RSI, op->a);
    uint8_t *miss = tlb_lookup(c, w, offsetof(TLBEntry, tag_w));
    x86_load(e, 8, X_RAX, xmem(X_RAX, offsetof(TLBEntry, host)));
    host_address(c);
    int v = treg(c, op->b);
    if (v == X_NOREG) {
        x86_load(e, 8, X_RDX, T(op->b));
        v = X_RDX;
    }
    x86_store(e, w, xmem_idx(X_RAX, X_RCX, 1, 0), v);
    slow_path(c, op, miss, NULL);
}

/* ---- control ----------------------------------------------------------- */

static void gen_insn_start(Ctx *c, const IROp *op)
{
    c->pc = op->imm;
    c->pc_pending = true;
    if (!op->aux)
        return;
    /* The block may stop here (self-modifying code, watchpoints). */
    flush_pc(c);
    x86_alu_mi(&c->e, XA_CMP, 1, xmem(R_TCG, offsetof(TcgCpu, exit_request)), 0);
    uint8_t *go_on = x86_jcc32(&c->e, XC_E);
    emit_exit(c, -1);
    x86_patch_rel32(go_on, c->e.p);
}

static void gen_brcond(Ctx *c, const IROp *op)
{
    flush_pc(c);            /* both paths see the same rip */
    if (c->nfix == MAX_FIXUPS) {
        give_up(c, "too many branches");
        return;
    }
    unsigned cc = XC_NE;
    if (c->jcc >= 0 && op->a == c->jcc_temp) {      /* the cond set the host flags */
        cc = (unsigned)c->jcc;
    } else {
        int h = treg(c, op->a);
        if (h != X_NOREG)
            x86_test_rr(&c->e, 8, h, h);
        else
            x86_alu_mi(&c->e, XA_CMP, 8, T(op->a), 0);
    }
    c->jcc = -1;
    c->fix[c->nfix++] = (Fixup){ x86_jcc32(&c->e, cc), op->aux };
}

static void gen_label(Ctx *c, const IROp *op)
{
    flush_pc(c);
    c->cc_op = -1;          /* paths may meet with different flags */
    for (unsigned i = 0; i < c->nfix; i++) {
        if (c->fix[i].label == op->aux && c->fix[i].field) {
            x86_patch_rel32(c->fix[i].field, c->e.p);
            c->fix[i].field = NULL;
        }
    }
}

/* Leave through slot aux: a jump that native_link may point at the next
 * block, taken only when the loop would have nothing to do in between
 * (else, and while unlinked, to the loop). */
static void gen_goto_tb(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    store_imm64(c, ENV(offsetof(CPUX86State, rip)), op->imm);
    c->pc_pending = false;
    uint8_t *to_loop[5];
    /* An external interrupt that may be pending (CPU_INTERRUPT_HARD stays
     * set while IF is clear) matters only once IF is set. */
    x86_load(e, 4, X_RAX, ENV(offsetof(CPUX86State, interrupt_request)));
    x86_test_rr(e, 4, X_RAX, X_RAX);
    uint8_t *none = x86_jcc32(e, XC_E);
    x86_alu_ri(e, XA_AND, 4, X_RAX, ~(int32_t)CPU_INTERRUPT_HARD);
    to_loop[0] = x86_jcc32(e, XC_NE);
    x86_test_mi(e, 4, ENV(offsetof(CPUX86State, rflags)), FL_IF);
    to_loop[4] = x86_jcc32(e, XC_NE);
    x86_patch_rel32(none, e->p);
    x86_alu_mi(e, XA_CMP, 1, ENV(offsetof(CPUX86State, inhibit_irq)), 0);
    to_loop[1] = x86_jcc32(e, XC_NE);
    x86_alu_mi(e, XA_CMP, 1, xmem(R_TCG, offsetof(TcgCpu, exit_request)), 0);
    to_loop[2] = x86_jcc32(e, XC_NE);
    x86_alu_mi(e, XA_SUB, 8, xmem(R_TMP, FRAME_LEFT), 1);
    to_loop[3] = x86_jcc32(e, XC_B);
    uint8_t *link = x86_jmp32(e);
    if (link && op->aux < 2) {
        c->jmp_field[op->aux] = (int32_t)(link - c->body);
        c->jmp_target[op->aux] = op->imm;
    }
    uint8_t *unlinked = e->p;
    x86_patch_rel32(link, unlinked);
    /* the budget ran out: it was 0, not -1 */
    x86_alu_mi(e, XA_ADD, 8, xmem(R_TMP, FRAME_LEFT), 1);
    x86_patch_rel32(to_loop[3], unlinked);
    for (int i = 0; i < 5; i++) {
        if (i != 3)
            x86_patch_rel32(to_loop[i], e->p);
    }
    emit_exit(c, (int32_t)op->aux);
}

static void gen_exit_tb(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    flush_pc(c);
    if (!op->aux) {
        emit_exit(c, -1);
        return;
    }
    /* An indirect jump: straight on to the next block when native_next
     * finds it, within the budget. */
    x86_alu_mi(e, XA_CMP, 8, xmem(R_TMP, FRAME_LEFT), 0);
    uint8_t *spent = x86_jcc32(e, XC_E);
    x86_mov_rr(e, 8, X_RDI, R_CPU);
    x86_movabs(e, X_RSI, (uintptr_t)c->tb);
    x86_call(e, (const void *)native_next);
    x86_test_rr(e, 8, X_RAX, X_RAX);
    uint8_t *none = x86_jcc32(e, XC_E);
    x86_alu_mi(e, XA_SUB, 8, xmem(R_TMP, FRAME_LEFT), 1);
    x86_jmp_reg(e, X_RAX);
    x86_patch_rel32(spent, e->p);
    x86_patch_rel32(none, e->p);
    emit_exit(c, -2);
}

/* The block's two chained entries, before its body.  From another page
 * (page_entry): only while the soft TLB still maps this block's page to
 * the physical page it was translated from, as tb_chain_ok checks.  Then
 * (chain_entry, where jumps from the same page enter): only into a block
 * that is still valid.  Otherwise back to the loop, which finds the
 * successor itself. */
static void emit_entries(Ctx *c)
{
    X86Enc *e = &c->e;
    const TB *tb = c->tb;
    int32_t entry = c->tlb_off + (int32_t)(((tb->lin >> 12) & (TLB_SIZE - 1)) * sizeof(TLBEntry));
    c->page_entry = e->p;
    x86_movabs(e, X_RCX, tb->lin & ~0xfffULL);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(R_TCG, entry + (int32_t)offsetof(TLBEntry, tag_x)));
    uint8_t *unmapped = x86_jcc32(e, XC_NE);
    x86_movabs(e, X_RCX, tb->phys & ~0xfffULL);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(R_TCG, entry + (int32_t)offsetof(TLBEntry, pa)));
    uint8_t *remapped = x86_jcc32(e, XC_NE);
    c->chain_entry = e->p;
    x86_movabs(e, X_RAX, (uintptr_t)tb);
    x86_alu_mi(e, XA_CMP, 1, xmem(X_RAX, offsetof(TB, valid)), 0);
    uint8_t *valid = x86_jcc32(e, XC_NE);
    x86_patch_rel32(unmapped, e->p);
    x86_patch_rel32(remapped, e->p);
    emit_exit(c, -1);
    for (int i = 0; i < HDR_BYTES; i++)
        x86_byte(e, 0);
    x86_patch_rel32(valid, e->p);
}

static void gen_op(Ctx *c, const IROp *op)
{
    switch (op->opc) {
    case IR_NOP: break;
    case IR_MOVI:
        if (treg(c, op->d) != X_NOREG)
            x86_mov_ri(&c->e, treg(c, op->d), op->imm);
        else if (op->d < IR_MAX_TEMPS)
            store_imm64(c, T(op->d), op->imm);
        break;
    case IR_MOV:
        load_a(c, 8, X_RAX, op->a);
        store_result(c, op, X_RAX);
        break;
    case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR: gen_alu(c, op); break;
    case IR_MUL: gen_mul(c, op); break;
    case IR_SHL: case IR_SHR: case IR_SAR: gen_shift(c, op); break;
    case IR_ROTL: case IR_ROTR: gen_rotate(c, op); break;
    case IR_NEG: case IR_NOT: case IR_SEXT: gen_unary(c, op); break;
    case IR_SETCOND: gen_setcond(c, op); break;
    case IR_GET_REG: gen_get_reg(c, op); break;
    case IR_SET_REG: gen_set_reg(c, op); break;
    case IR_LD_ENV: gen_ld_env(c, op); break;
    case IR_ST_ENV: gen_st_env(c, op); break;
    case IR_LD: case IR_LD_W: gen_ld(c, op); break;
    case IR_ST: gen_st(c, op); break;
    case IR_SET_CC: gen_set_cc(c, op); break;
    case IR_COND: gen_cond(c, op); break;
    case IR_CALL: gen_call(c, op); break;
    case IR_INSN_START: gen_insn_start(c, op); break;
    case IR_BRCOND: gen_brcond(c, op); break;
    case IR_LABEL: gen_label(c, op); break;
    case IR_GOTO_TB: gen_goto_tb(c, op); break;
    case IR_EXIT_TB: gen_exit_tb(c, op); break;
    default: give_up(c, "unknown op"); break;
    }
}

static void log_code(const TB *tb, const uint8_t *buf, size_t len, const Ctx *c)
{
    if (!log_enabled(LOG_OUT_ASM))
        return;
    if (c->unsupported) {
        log_printf("OUT: TB %016llx runs on the interpreter: %s\n\n",
                   (unsigned long long)tb->lin, c->why);
        return;
    }
    /* the body only: the chained entry is the same in every block */
    size_t skip = (size_t)(c->body - buf);
    log_printf("OUT: TB %016llx [size=%zu]\n", (unsigned long long)tb->lin, len - skip);
    disas_log((uint64_t)(uintptr_t)tb->code, buf + skip, len - skip, 64);
    log_printf("\n");
}

/* KEMU_PERFMAP=1: name each block in /tmp/perf-PID.map, the file perf
 * reads symbols of generated code from, so `perf report` shows which
 * guest blocks the host time goes to. */
static void perf_map(const TB *tb, size_t len)
{
    static FILE *f;
    static bool tried;
    if (!tried) {
        tried = true;
        const char *env = getenv("KEMU_PERFMAP");
        if (env && *env == '1') {
            char name[64];
            snprintf(name, sizeof(name), "/tmp/perf-%d.map", (int)getpid());
            f = fopen(name, "w");
        }
    }
    if (f) {
        fprintf(f, "%lx %zx tb_%llx\n", (unsigned long)(uintptr_t)tb->code, len,
                (unsigned long long)tb->lin);
        fflush(f);
    }
}

bool native_compile(TB *tb)
{
    tb->code = NULL;
    if (tcg_backend() != TCG_BACKEND_NATIVE || !stubs_ready())
        return true;
    static Ctx c;
    memset(&c, 0, sizeof(c));
    size_t room;
    uint8_t *buf = codebuf_cursor(&room);
    x86_enc_init(&c.e, buf, room, codebuf_exec_delta());
    c.tb = tb;
    bool user = ((tb->flags & TBF_CPL_MASK) >> TBF_CPL_SHIFT) == 3;
    c.tlb_off = (int32_t)(offsetof(TcgCpu, tlb) + (user ? sizeof(((TcgCpu *)0)->tlb[0]) : 0));
    if (tb->ntemps > IR_MAX_TEMPS)
        give_up(&c, "too many temps");
    emit_entries(&c);
    c.body = c.e.p;
    c.jmp_field[0] = c.jmp_field[1] = -1;
    c.cc_op = -1;
    c.in_rax = IR_NONE;
    static uint16_t uses[IR_MAX_TEMPS];
    count_uses(tb->ops, tb->nops, uses);
    static RegAlloc ra;
    static int16_t flag_src[IR_MAX_OPS];
    static bool fuse_jcc[IR_MAX_OPS];
    regalloc_ranges(&ra, tb->ops, tb->nops, tb->ntemps);
    plan_flags(tb->ops, tb->nops, uses, &ra, flag_src, fuse_jcc);
    regalloc_assign(&ra, tb->ops, tb->nops, tb->ntemps, NHOST_REGS);
    c.ra = &ra;
    c.ops = tb->ops;
    c.flag_src = flag_src;
    c.fuse_jcc = fuse_jcc;
    c.jcc = -1;
    for (unsigned r = 0; r < NHOST_REGS; r++)
        c.holder[r] = IR_NONE;
    for (unsigned i = 0; i < tb->nops && !c.unsupported && !c.e.full; i++) {
        const IROp *op = &tb->ops[i];
        if (!transparent(op)) {
            c.prev_rax = c.in_rax;
            c.in_rax = IR_NONE;
        }
        c.skip_store = result_only_in_rax(tb->ops, tb->nops, i, uses);
        c.op_index = i;
        gen_op(&c, op);
        if (ir_op_has_output(op) && treg(&c, op->d) != X_NOREG)
            c.holder[ra.reg[op->d]] = op->d;
    }
    emit_slow_paths(&c);
    if (c.e.full)
        return false;
    for (unsigned i = 0; i < c.nfix; i++) {
        if (c.fix[i].field)
            give_up(&c, "branch to a missing label");
    }
    if (c.unsupported) {
        stats.fallbacks++;
        log_code(tb, buf, 0, &c);
        return true;
    }
    size_t len = (size_t)(c.e.p - buf);
    BlockHeader hdr = { { c.jmp_target[0], c.jmp_target[1] }, { c.jmp_field[0], c.jmp_field[1] },
                        (int32_t)(c.body - c.chain_entry), (int32_t)(c.body - c.page_entry) };
    memcpy(c.body - HDR_BYTES, &hdr, HDR_BYTES);
    tb->code = c.body + codebuf_exec_delta();
    codebuf_commit(len);
    stats.compiled++;
    log_code(tb, buf, len, &c);
    perf_map(tb, len - (size_t)(c.body - buf));
    return true;
}
