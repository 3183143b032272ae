/* The native backend for x86-64 hosts: a TB's optimized IR -> host code.
 *
 * Code shape (the first, simple design; see translate/backend-native.h):
 *  - Every block runs inside one frame set up by a shared entry stub:
 *    rbx = the CPUState (CPUX86State is its first member), r13 = its
 *    TcgCpu, rbp = the temps' slots, an array of IR_MAX_TEMPS 64-bit
 *    words on the host stack (the interpreter keeps the same array).
 *    Temps live in host registers where the linear scan found one
 *    (translate/regalloc.h, native-operands.c), else in their slots; each
 *    op takes its operands into rax/rcx/rdx, computes and puts the result
 *    where its temp lives.  Guest registers are read from
 *    CPUX86State as the optimized IR says (translate/opt.c keeps a
 *    register's value in its temp between the points that can see it);
 *    their full-width stores wait in those temps until something can see
 *    them, or are written back on the out-of-line paths where a fault
 *    can happen (native-regs.c).  The parts: see translate/native-x86_64.h.
 *  - A block leaves by jumping to the shared exit stub with the result
 *    interp_exec would return in eax (the goto_tb slot, -1 or -2), or
 *    goes straight on: a patched goto_tb jump, or after an indirect jump
 *    the vCPU's jump cache read in generated code (emit_jump_cache).
 *  - Guest loads and stores test the soft TLB inline (the entry for
 *    the block's privilege, known from its mode flags) and call the C slow
 *    paths on a miss.
 *  - Faults: helpers and slow paths raise guest exceptions with
 *    siglongjmp to the loop, exactly as under the interpreter, which
 *    leaves this frame behind.  env->rip must then be the faulting
 *    instruction's: insn_start only records the pc at compile time, and
 *    the store to env->rip is emitted before the first op that can see it
 *    (a helper that may fault, a TLB slow path, a block exit, a branch), as the
 *    interpreter does by dropping unneeded insn_starts. */
#include "translate/atomic.h"
#include "translate/backend-native.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "translate/debug-hooks.h"
#include "cpu/disas.h"
#include "hw/core/log.h"
#include "translate/codebuf.h"
#include "translate/flags.h"
#include "translate/native-x86_64.h"
#include "translate/regalloc.h"
#include "translate/tb.h"
#include "translate/tlb.h"
#include "translate/x86-encoder.h"

#define CODE_CACHE_SIZE (256u << 20)
/* Before each block's body: where its two goto_tb exits lead and the
 * offsets (from the body) of their jump fields (-1: none) and of its two
 * chained entries (from the same page, from another page). */
typedef struct BlockHeader {
    uint64_t target[2];
    int32_t jmp_field[2];
    int32_t chain_off, page_off;
} BlockHeader;
#define HDR_BYTES ((int)sizeof(BlockHeader))
#define MAX_LABELS 256

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
static bool chain_allowed_flags(const TB *from)
{
    return !(from->flags & (TBF_TF | TBF_RF | TBF_DRBP));
}

static bool chain_allowed(const TB *from)
{
    return from->code && chain_allowed_flags(from) &&
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
    /* thread=multi: other vCPUs may be running this jump; a displacement
     * that straddles a cache line could be fetched half-written. */
    if (translate_parallel && ((uintptr_t)rx & 63) > 60)
        return;
    x86_patch_rel32(rx - codebuf_exec_delta(), chain_entry - codebuf_exec_delta());
}

/* Leave the block returning `ret` to the loop. */
static void emit_exit(Ctx *c, int32_t ret)
{
    x86_mov_ri(&c->e, X_RAX, (uint32_t)ret);
    x86_movabs(&c->e, X_RDX, (uintptr_t)c->tb);
    x86_jmp_abs(&c->e, exit_stub);
}

/* ---- control ----------------------------------------------------------- */

static void gen_insn_start(Ctx *c, const IROp *op)
{
    c->pc = op->imm;
    c->pc_pending = true;
    if (!op->aux)
        return;
    /* The block may stop here (self-modifying code, watchpoints): the
     * exit, which stores rip, is out of line after the block. */
    x86_alu_mi(&c->e, XA_CMP, 1, xmem(R_TCG, offsetof(TcgCpu, exit_request)), 0);
    uint8_t *stop = x86_jcc32(&c->e, XC_NE);
    if (c->nstops == MAX_STOPS) {
        nat_give_up(c, "too many exit checks");
        return;
    }
    c->stops[c->nstops++] = (Stop){ stop, c->pc, c->pend };
}

/* The exits of the insn_start checks. */
static void emit_stops(Ctx *c)
{
    for (unsigned i = 0; i < c->nstops && !c->e.full; i++) {
        x86_patch_rel32(c->stops[i].field, c->e.p);
        nat_regs_write_back(c, &c->stops[i].pend);
        nat_store_imm64(c, ENV(offsetof(CPUX86State, rip)), c->stops[i].pc);
        emit_exit(c, -1);
    }
}

static void gen_brcond(Ctx *c, const IROp *op)
{
    nat_flush_pc(c);            /* both paths see the same rip */
    if (c->nfix == MAX_FIXUPS) {
        nat_give_up(c, "too many branches");
        return;
    }
    unsigned cc = XC_NE;
    if (c->jcc >= 0 && op->a == c->jcc_temp) {      /* the cond set the host flags */
        cc = (unsigned)c->jcc;
    } else {
        int h = nat_treg(c, op->a);
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
    nat_flush_pc(c);
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
    nat_store_imm64(c, ENV(offsetof(CPUX86State, rip)), op->imm);
    c->pc_pending = false;
    uint8_t *to_loop[2];
    /* One compare: an exit request, an interrupt request (set by any
     * thread, with IF tested by the loop), an interrupt shadow begun in
     * this block (translate/tlb.h: stop_word); then the chaining budget. */
    x86_alu_mi(e, XA_CMP, 4, xmem(R_TCG, offsetof(TcgCpu, stop_word)), 0);
    to_loop[0] = x86_jcc32(e, XC_NE);
    x86_alu_mi(e, XA_SUB, 8, xmem(R_TMP, FRAME_LEFT), 1);
    to_loop[1] = x86_jcc32(e, XC_B);
    /* A 4-byte aligned displacement never straddles a cache line, so
     * native_link may always patch it, even with other vCPUs running it
     * (the code mapping and its writable view share their alignment). */
    while (((uintptr_t)e->p + 1) & 3)
        x86_byte(e, 0x90);
    uint8_t *link = x86_jmp32(e);
    if (link && op->aux < 2) {
        c->jmp_field[op->aux] = (int32_t)(link - c->body);
        c->jmp_target[op->aux] = op->imm;
    }
    uint8_t *unlinked = e->p;
    x86_patch_rel32(link, unlinked);
    /* the budget ran out: it was 0, not -1 */
    x86_alu_mi(e, XA_ADD, 8, xmem(R_TMP, FRAME_LEFT), 1);
    x86_patch_rel32(to_loop[1], unlinked);
    x86_patch_rel32(to_loop[0], e->p);
    emit_exit(c, (int32_t)op->aux);
}

#define MAX_JC_MISS 10

/* rax = the linear address of env->rip in the block's code segment and
 * mode (tb_find's), rcx = rip. */
static void emit_next_lin(Ctx *c)
{
    X86Enc *e = &c->e;
    const TB *tb = c->tb;
    x86_load(e, 8, X_RCX, ENV(offsetof(CPUX86State, rip)));
    x86_mov_rr(e, 8, X_RAX, X_RCX);
    if (tb->cs_base) {
        x86_mov_ri(e, X_R11, tb->cs_base);
        x86_alu_rr(e, XA_ADD, 8, X_RAX, X_R11);
    }
    if ((tb->flags & TBF_MODE_MASK) != 2)
        x86_mov_rr(e, 4, X_RAX, X_RAX);
}

/* After an indirect jump: the next block from the vCPU's jump cache in
 * generated code, as tb_find's jump-cache check finds it (same pc, code segment
 * base and mode flags), entered through its page entry, which tests what
 * else jc_valid does (the soft TLB still maps its pages where they were,
 * the block is still valid: a block invalidated by another vCPU is never
 * run; freed code is never reached, as only tb_flush_all frees it, with
 * every vCPU stopped and every jump cache cleared).  Jumps to the
 * returned fields go to the loop: an exit or interrupt request (the
 * chained exits' stop word), the budget spent, the debugger or per-block
 * logging switched on since, a miss. */
static unsigned emit_jump_cache(Ctx *c, uint8_t *miss[MAX_JC_MISS])
{
    X86Enc *e = &c->e;
    unsigned n = 0;
    x86_alu_mi(e, XA_CMP, 4, xmem(R_TCG, offsetof(TcgCpu, stop_word)), 0);
    miss[n++] = x86_jcc32(e, XC_NE);
    x86_alu_mi(e, XA_CMP, 8, xmem(R_TMP, FRAME_LEFT), 0);
    miss[n++] = x86_jcc32(e, XC_E);
    x86_movabs(e, X_RAX, (uintptr_t)&tcg_debug_active);
    x86_alu_mi(e, XA_CMP, 1, xmem(X_RAX, 0), 0);
    miss[n++] = x86_jcc32(e, XC_NE);
    x86_movabs(e, X_RAX, (uintptr_t)&log_mask);
    x86_test_mi(e, 4, xmem(X_RAX, 0), LOG_EXEC | LOG_CPU);
    miss[n++] = x86_jcc32(e, XC_NE);
    emit_next_lin(c);
    _Static_assert(JMP_CACHE_BITS < 32, "jc_hash");
    x86_mov_rr(e, 8, X_RDX, X_RAX);
    x86_shift_ri(e, XS_SHR, 8, X_RDX, JMP_CACHE_BITS);
    x86_alu_rr(e, XA_XOR, 8, X_RDX, X_RAX);
    x86_alu_ri(e, XA_AND, 4, X_RDX, JMP_CACHE_SIZE - 1);
    x86_load(e, 8, X_RDX, xmem_idx(R_TCG, X_RDX, 8, offsetof(TcgCpu, jmp_cache)));
    x86_test_rr(e, 8, X_RDX, X_RDX);
    miss[n++] = x86_jcc32(e, XC_E);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RDX, offsetof(TB, pc)));
    miss[n++] = x86_jcc32(e, XC_NE);
    x86_alu_mi(e, XA_CMP, 4, xmem(X_RDX, offsetof(TB, flags)), (int32_t)c->tb->flags);
    miss[n++] = x86_jcc32(e, XC_NE);
    x86_mov_ri(e, X_R11, c->tb->cs_base);
    x86_alu_rm(e, XA_CMP, 8, X_R11, xmem(X_RDX, offsetof(TB, cs_base)));
    miss[n++] = x86_jcc32(e, XC_NE);
    x86_load(e, 8, X_RAX, xmem(X_RDX, offsetof(TB, code)));
    x86_test_rr(e, 8, X_RAX, X_RAX);
    miss[n++] = x86_jcc32(e, XC_E);       /* runs on the interpreter */
    x86_load_sx(e, 4, X_RCX, xmem(X_RAX, -HDR_BYTES + (int32_t)offsetof(BlockHeader, page_off)));
    x86_alu_rr(e, XA_SUB, 8, X_RAX, X_RCX);
    x86_alu_mi(e, XA_SUB, 8, xmem(R_TMP, FRAME_LEFT), 1);
    x86_jmp_reg(e, X_RAX);
    return n;
}

static void gen_exit_tb(Ctx *c, const IROp *op)
{
    nat_flush_pc(c);
    if (op->aux && chain_allowed_flags(c->tb)) {
        uint8_t *miss[MAX_JC_MISS];
        unsigned n = emit_jump_cache(c, miss);
        for (unsigned i = 0; i < n; i++)
            x86_patch_rel32(miss[i], c->e.p);
        emit_exit(c, -2);
        return;
    }
    emit_exit(c, op->aux ? -2 : -1);
}

/* The block's two chained entries, before its body.  From another page
 * (page_entry): only while the soft TLB still maps this block's page to
 * the physical page it was translated from, as tb_chain_ok checks.  Then
 * (chain_entry, where jumps from the same page enter): only into a block
 * that is still valid and, when its last instruction runs into the next
 * page, while that page still maps where it did.  Otherwise back to the loop, which finds the
 * successor itself. */
/* rax = the TLB entry that may map linear page lin (the table's size
 * is known only at run time). */
static void emit_tlb_entry(Ctx *c, uint64_t lin)
{
    X86Enc *e = &c->e;
    x86_movabs(e, X_RAX, lin >> (12 - TLB_ENTRY_SHIFT));
    x86_alu_rm(e, XA_AND, 8, X_RAX, xmem(R_TCG, offsetof(TcgCpu, tlb_mask)));
    x86_alu_rm(e, XA_ADD, 8, X_RAX, xmem(R_TCG, c->tlb_off));
}

static void emit_entries(Ctx *c)
{
    X86Enc *e = &c->e;
    const TB *tb = c->tb;
    c->page_entry = e->p;
    emit_tlb_entry(c, tb->lin);
    x86_movabs(e, X_RCX, tb->lin & ~0xfffULL);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RAX, offsetof(TLBEntry, tag_x)));
    uint8_t *unmapped = x86_jcc32(e, XC_NE);
    x86_movabs(e, X_RCX, tb->phys & ~0xfffULL);
    x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RAX, offsetof(TLBEntry, pa)));
    uint8_t *remapped = x86_jcc32(e, XC_NE);
    c->chain_entry = e->p;
    uint8_t *unmapped2 = NULL, *remapped2 = NULL;
    if (tb->phys2 != ~0ULL) {   /* its last instruction's page, as tb_chain_ok */
        uint64_t lin2 = (tb->lin & ~0xfffULL) + 0x1000;
        emit_tlb_entry(c, lin2);
        x86_movabs(e, X_RCX, lin2);
        x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RAX, offsetof(TLBEntry, tag_x)));
        unmapped2 = x86_jcc32(e, XC_NE);
        x86_movabs(e, X_RCX, tb->phys2);
        x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RAX, offsetof(TLBEntry, pa)));
        remapped2 = x86_jcc32(e, XC_NE);
    }
    x86_movabs(e, X_RAX, (uintptr_t)tb);
    x86_alu_mi(e, XA_CMP, 1, xmem(X_RAX, offsetof(TB, valid)), 0);
    uint8_t *valid = x86_jcc32(e, XC_NE);
    x86_patch_rel32(unmapped, e->p);
    x86_patch_rel32(remapped, e->p);
    if (unmapped2) {
        x86_patch_rel32(unmapped2, e->p);
        x86_patch_rel32(remapped2, e->p);
    }
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
        if (nat_treg(c, op->d) != X_NOREG)
            x86_mov_ri(&c->e, nat_treg(c, op->d), op->imm);
        else if (op->d < IR_MAX_TEMPS)
            nat_store_imm64(c, T(op->d), op->imm);
        break;
    case IR_MOV: {
        int dst = nat_result_reg(c, op);
        nat_load_a(c, 8, dst, op->a);
        nat_store_result(c, op, dst);
        break;
    }
    case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR: nat_gen_alu(c, op); break;
    case IR_MUL: nat_gen_mul(c, op); break;
    case IR_MULH: nat_gen_mulh(c, op); break;
    case IR_DIVU: case IR_REMU: nat_gen_div(c, op); break;
    case IR_CTZ: case IR_CLZ: case IR_POPCNT: nat_gen_bitcount(c, op); break;
    case IR_BSWAP: nat_gen_bswap(c, op); break;
    case IR_SHL: case IR_SHR: case IR_SAR: nat_gen_shift(c, op); break;
    case IR_ROTL: case IR_ROTR: nat_gen_rotate(c, op); break;
    case IR_NEG: case IR_NOT: case IR_SEXT: nat_gen_unary(c, op); break;
    case IR_SETCOND: nat_gen_setcond(c, op); break;
    case IR_GET_REG: nat_gen_get_reg(c, op); break;
    case IR_SET_REG: nat_gen_set_reg(c, op); break;
    case IR_LD_ENV: nat_gen_ld_env(c, op); break;
    case IR_ST_ENV: nat_gen_st_env(c, op); break;
    case IR_LD: case IR_LD_W: nat_gen_ld(c, op); break;
    case IR_ST: nat_gen_st(c, op); break;
    case IR_SET_CC: nat_gen_set_cc(c, op); break;
    case IR_COND: nat_gen_cond(c, op); break;
    case IR_CALL:
        if (!nat_gen_sse(c, op))
            nat_gen_call(c, op);
        break;
    case IR_INSN_START: gen_insn_start(c, op); break;
    case IR_BRCOND: gen_brcond(c, op); break;
    case IR_LABEL: gen_label(c, op); break;
    case IR_GOTO_TB: gen_goto_tb(c, op); break;
    case IR_EXIT_TB: gen_exit_tb(c, op); break;
    default: nat_give_up(c, "unknown op"); break;
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
 * guest blocks the host time goes to.  Created anew only (never through
 * a link someone left there, never over an existing file). */
static FILE *perf_map_open(void)
{
    const char *env = getenv("KEMU_PERFMAP");
    if (!env || *env != '1')
        return NULL;
    char name[64];
    snprintf(name, sizeof(name), "/tmp/perf-%d.map", (int)getpid());
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (fd >= 0 && !f)
        close(fd);
    return f;
}

static void perf_map(const TB *tb, size_t len)
{
    static FILE *f;
    static bool tried;
    if (!tried) {
        tried = true;
        f = perf_map_open();
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
    c.tlb_off = (int32_t)(offsetof(TcgCpu, tlb) + (user ? sizeof(TLBEntry *) : 0));
    if (tb->ntemps > IR_MAX_TEMPS)
        nat_give_up(&c, "too many temps");
    emit_entries(&c);
    c.body = c.e.p;
    c.jmp_field[0] = c.jmp_field[1] = -1;
    c.cc_op = -1;
    c.in_rax = IR_NONE;
    static uint16_t uses[IR_MAX_TEMPS];
    nat_count_uses(tb->ops, tb->nops, uses);
    static RegAlloc ra;
    static int16_t flag_src[IR_MAX_OPS];
    static bool fuse_jcc[IR_MAX_OPS], defer_cc[IR_MAX_OPS];
    regalloc_ranges(&ra, tb->ops, tb->nops, tb->ntemps);
    nat_plan_flags(tb->ops, tb->nops, uses, &ra, flag_src, fuse_jcc, defer_cc);
    nat_plan_regs(tb->ops, tb->nops, &ra);
    regalloc_assign(&ra, tb->ops, tb->nops, tb->ntemps, NHOST_REGS);
    c.ra = &ra;
    c.ops = tb->ops;
    c.flag_src = flag_src;
    c.fuse_jcc = fuse_jcc;
    c.defer_cc = defer_cc;
    c.pend_cc = -1;
    c.jcc = -1;
    for (unsigned r = 0; r < NHOST_REGS; r++)
        c.holder[r] = IR_NONE;
    nat_regs_init(&c.pend);
    for (unsigned i = 0; i < tb->nops && !c.unsupported && !c.e.full; i++) {
        const IROp *op = &tb->ops[i];
        if (!nat_transparent(op)) {
            c.prev_rax = c.in_rax;
            c.in_rax = IR_NONE;
        }
        c.skip_store = nat_result_only_in_rax(tb->ops, tb->nops, i, uses);
        c.op_index = i;
        if (!nat_regs_emit_before(&c, op))
            gen_op(&c, op);
        if (ir_op_has_output(op) && nat_treg(&c, op->d) != X_NOREG)
            c.holder[ra.reg[op->d]] = op->d;
    }
    nat_emit_slow_paths(&c);
    emit_stops(&c);
    if (c.e.full)
        return false;
    for (unsigned i = 0; i < c.nfix; i++) {
        if (c.fix[i].field)
            nat_give_up(&c, "branch to a missing label");
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
