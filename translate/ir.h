/* kemu's intermediate representation for translated x86 code.
 *
 * A translation block (TB) is a straight list of IROp.  Values live in
 * virtual temporaries t0..tN (64-bit integers, each assigned exactly once:
 * the IR is in SSA form; every op that cares about
 * width carries it in `w`, in bytes 1/2/4/8, and produces a result
 * zero-extended from that width).  Temporaries are written once per use
 * site by the translator, which keeps liveness simple for a later register
 * allocator.  The translator emits get_reg/set_reg (CPUX86State) for every
 * guest register access; the optimizer then forwards a register's value
 * from the temp that holds it and drops stores a later one replaces before
 * anything can see them (translate/opt.c), so guest state is exact wherever
 * it can be observed: faults, helpers that read it, exit checks, exits.
 *
 * Ops (d = destination temp, a/b/c = source temps, imm = constant; in the
 * binary arithmetic ops and setcond, b may be IR_NONE: imm is then the
 * second operand, which the optimizer makes of constant temps):
 *   movi      d = imm
 *   mov       d = a
 *   add sub and or xor mul   d = a OP b           (width w)
 *   mulh      d = the high 64 bits of the 128-bit product a * b, of
 *             unsigned (aux 0) or signed (aux 1) 64-bit operands (w 8)
 *   divu remu d = quotient, remainder of the unsigned 2w-byte dividend a:b
 *             (a the high half) by c, all three w-byte values; 0 when the
 *             quotient does not fit w bytes (c <= a, c = 0 included): the
 *             translator tests that first and raises #DE
 *   shl shr sar   d = a OP b, count b in 0..63 (the translator masks it as
 *             x86 does); a is a zero-extended w-byte value, sar sign-extends
 *             it from w first; the result is truncated to w
 *   rotl rotr d = a rotated by b modulo 8w bits within width w
 *   neg not   d = OP a                            (width w)
 *   ctz clz   d = trailing / leading zero bits of a within w bytes (8w
 *             when a is 0)
 *   popcnt    d = bits set in a (width w)
 *   bswap     d = a's w bytes in reverse order (w 4 or 8; w 2 gives 0, as
 *             the processors' 16-bit BSWAP does)
 *   sext      d = sign-extend a from width w to 64
 *   setcond   d = (a CMP b) ? 1 : 0; aux = IR_EQ/IR_NE/IR_LTU (width w)
 *   get_reg   d = register aux (0..15; aux | IR_HIGH8 = AH..BH) (width w)
 *   set_reg   register aux = a: w=4 zero-extends to 64 bits, 1 and 2 merge
 *   ld_env    d = the w-byte field at byte offset aux of CPUX86State
 *   st_env    field at offset aux = a (w bytes)
 *   ld        d = guest memory[w bytes at linear address a] (may fault)
 *   ld_w      ld of a read-modify-write destination: the access is checked
 *             as a write (a fault reports a write, as on the CPU)
 *   st        guest memory[w bytes at linear address a] = b (may fault)
 *   set_cc    cc_op = aux, cc_dst = a, cc_src = b, cc_src2 = c
 *             (a/b/c may be IR_NONE: that field is left as is)
 *   cond      d = x86 condition aux (0..15) of the lazy flags; aux
 *             IR_COND_FLAGS: d = the six arithmetic flags as RFLAGS bits
 *             (for instructions that change some and keep the others)
 *   call      d = fn(cpu, a, b, c, imm); aux = IR_CALL_* properties
 *   insn_start  env->rip = imm: the guest instruction at imm begins; an
 *             instruction faults with rip exact because of this
 *   brcond    if a != 0 jump to label aux (forward, inside the TB)
 *   label     label aux is here
 *   goto_tb   env->rip = imm, leave through chaining slot aux (0 or 1): the
 *             loop may link this slot to the TB at imm directly
 *   exit_tb   leave; env->rip was already set (indirect jump, helper);
 *             aux = 1 when the CPU mode cannot have changed (indirect
 *             jumps), 0 after helpers that may change it
 *
 * Backends: translate/interp.c runs the list; a host-code backend would
 * allocate temps to registers (they are dense and single-assignment per
 * instruction) and patch goto_tb slots into direct jumps. */
#ifndef KEMU_TRANSLATE_IR_H
#define KEMU_TRANSLATE_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct CPUState;

typedef enum IROpc {
    IR_NOP, IR_MOVI, IR_MOV,
    IR_ADD, IR_SUB, IR_AND, IR_OR, IR_XOR, IR_MUL,
    IR_SHL, IR_SHR, IR_SAR, IR_ROTL, IR_ROTR,
    IR_NEG, IR_NOT, IR_SEXT, IR_SETCOND,
    IR_GET_REG, IR_SET_REG, IR_LD_ENV, IR_ST_ENV,
    IR_LD, IR_ST, IR_SET_CC, IR_COND, IR_CALL,
    IR_INSN_START, IR_BRCOND, IR_LABEL, IR_GOTO_TB, IR_EXIT_TB,
    IR_LD_W, IR_MULH, IR_DIVU, IR_REMU, IR_CTZ, IR_CLZ, IR_POPCNT,
    IR_BSWAP,
    IR_NUM_OPS
} IROpc;

enum { IR_EQ, IR_NE, IR_LTU, IR_LTS };

#define IR_NONE 0xffff      /* "no temp" in an operand slot */
#define IR_HIGH8 0x10       /* get_reg/set_reg aux: AH, CH, DH, BH */
#define IR_COND_FLAGS 16    /* cond aux: all six arithmetic flags */

/* IR_CALL properties (aux): what the helper may see and change, for the
 * optimizer and the native backend (translate/helper-effects.c declares
 * them per helper).  A helper that may fault sees everything a fault
 * handler does: the flags, the guest registers and env->rip. */
#define IR_CALL_READS_CC    1u  /* reads the lazy flags */
#define IR_CALL_WRITES_CC   2u  /* writes cc_op/cc_* (or RFLAGS) */
#define IR_CALL_MAY_FAULT   4u  /* may raise an exception */
#define IR_CALL_READS_REGS  8u  /* reads guest registers in CPUX86State */
#define IR_CALL_WRITES_REGS 16u /* writes them */
#define IR_CALL_READS_MEM   32u /* loads from guest memory */
#define IR_CALL_WRITES_MEM  64u /* stores to guest memory */
#define IR_CALL_SYSTEM      128u /* reads or changes anything else: rip,
                                    modes, devices, exit requests */
#define IR_CALL_ALL         255u

typedef uint64_t (*IRHelper)(struct CPUState *cpu, uint64_t a, uint64_t b,
                             uint64_t c, uint64_t imm);

typedef uint16_t IRTemp;

typedef struct IROp {
    uint8_t opc;
    uint8_t w;
    IRTemp d, a, b, c;
    uint32_t aux;
    uint64_t imm;
    IRHelper fn;
} IROp;

#define IR_MAX_OPS 8192
#define IR_MAX_TEMPS 4096

/* A block under construction. */
typedef struct IRBlock {
    IROp ops[IR_MAX_OPS];
    unsigned nops;
    unsigned ntemps;
    unsigned nlabels;
} IRBlock;

void ir_init(IRBlock *b);
/* Room for roughly one more guest instruction? */
bool ir_has_room(const IRBlock *b);

IRTemp ir_temp(IRBlock *b);
IRTemp ir_movi(IRBlock *b, uint64_t imm);
IRTemp ir_mov(IRBlock *b, IRTemp a);
IRTemp ir_binop(IRBlock *b, IROpc op, unsigned w, IRTemp a, IRTemp c);
IRTemp ir_binopi(IRBlock *b, IROpc op, unsigned w, IRTemp a, uint64_t imm);
IRTemp ir_unop(IRBlock *b, IROpc op, unsigned w, IRTemp a);
IRTemp ir_setcond(IRBlock *b, unsigned cmp, unsigned w, IRTemp a, IRTemp c);
IRTemp ir_mulh(IRBlock *b, bool sign, IRTemp a, IRTemp c);
/* divu/remu (opc) of the dividend hi:lo by v, w bytes each. */
IRTemp ir_div(IRBlock *b, IROpc opc, unsigned w, IRTemp hi, IRTemp lo, IRTemp v);
IRTemp ir_get_reg(IRBlock *b, unsigned w, unsigned reg);
void ir_set_reg(IRBlock *b, unsigned w, unsigned reg, IRTemp a);
IRTemp ir_ld_env(IRBlock *b, unsigned w, unsigned offset);
void ir_st_env(IRBlock *b, unsigned w, unsigned offset, IRTemp a);
IRTemp ir_ld(IRBlock *b, unsigned w, IRTemp la);
IRTemp ir_ld_w(IRBlock *b, unsigned w, IRTemp la);
void ir_st(IRBlock *b, unsigned w, IRTemp la, IRTemp v);
void ir_set_cc(IRBlock *b, unsigned cc_op, IRTemp dst, IRTemp src, IRTemp src2);
IRTemp ir_cond(IRBlock *b, unsigned cc);
IRTemp ir_call(IRBlock *b, IRHelper fn, unsigned props, IRTemp a, IRTemp c,
               IRTemp d, uint64_t imm);
void ir_insn_start(IRBlock *b, uint64_t pc);
unsigned ir_new_label(IRBlock *b);
void ir_brcond(IRBlock *b, IRTemp a, unsigned label);
void ir_label(IRBlock *b, unsigned label);
void ir_goto_tb(IRBlock *b, unsigned slot, uint64_t pc);
void ir_exit_tb(IRBlock *b);
/* exit_tb after an indirect jump: the mode flags stay valid. */
void ir_exit_tb_jump(IRBlock *b);

/* Whether an op reads its a/b/c/d fields as temps. */
unsigned ir_op_inputs(const IROp *op, IRTemp in[3]);
bool ir_op_has_output(const IROp *op);
/* -d op: print ops to f. */
void ir_dump(FILE *f, const IROp *ops, unsigned n);

/* translate/opt.c: constant folding, copy propagation, dead flag and dead
 * temp elimination in place.  Returns the new op count. */
unsigned ir_optimize(IROp *ops, unsigned n, unsigned ntemps);

#endif
