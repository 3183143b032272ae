/* Lazy condition codes.
 *
 * Translated code does not compute RFLAGS' arithmetic bits (OF SF ZF AF PF
 * CF) as it goes: an instruction that sets them records what it did in
 * env->cc_op and the operands/results it used in cc_dst, cc_src and
 * cc_src2; the flags are computed only when something reads them (Jcc,
 * SETcc, ADC, PUSHF...).  CC_OP_EFLAGS (0, so a zeroed env is consistent)
 * means cc_src holds the six flags themselves.
 *
 * THE RULE: env->rflags' arithmetic bits are stale while translated code
 * runs.  Its other bits (DF, IF, TF, IOPL, VM, AC, ID...) are always exact.
 *  - Before code outside translate/ reads RFLAGS (interrupt and exception
 *    delivery, IRET, far calls through gates, SYSCALL, the monitor,
 *    gdbstub, -d cpu), call cpu_sync_flags(): it stores the computed flags
 *    into env->rflags and switches cc_op to CC_OP_EFLAGS.
 *  - After such code writes env->rflags, call cpu_load_flags(cpu,
 *    env->rflags) so the lazy state matches again.
 * The TCG loop does both around every cpu/ helper that touches RFLAGS;
 * cpu/ code itself needs no change. */
#ifndef KEMU_TRANSLATE_FLAGS_H
#define KEMU_TRANSLATE_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* cc_op values.  Sized ops come in groups of four: B, W, L, Q (add the
 * log2 of the operand size in bytes to the base). */
enum {
    CC_OP_EFLAGS = 0,   /* cc_src = flags */
    CC_OP_ADD = 4,      /* dst = result, src = second operand */
    CC_OP_ADC = 8,      /* dst = result, src = second operand, src2 = carry in */
    CC_OP_SUB = 12,     /* dst = result, src = subtrahend (CMP too) */
    CC_OP_SBB = 16,     /* dst = result, src = subtrahend, src2 = borrow in */
    CC_OP_LOGIC = 20,   /* dst = result; CF = OF = 0 */
    CC_OP_INC = 24,     /* dst = result, src2 = CF before */
    CC_OP_DEC = 28,     /* dst = result, src2 = CF before */
    CC_OP_SHL = 32,     /* dst = result, src = operand << (count - 1) */
    CC_OP_SHR = 36,     /* dst = result, src = operand >> (count - 1), src2 = operand */
    CC_OP_SAR = 40,     /* dst = result, src = operand >> (count - 1) (arith.) */
    CC_OP_MUL = 44,     /* dst = low result, src = nonzero iff CF = OF = 1 */
    CC_OP_NEG = 48,     /* dst = result (src = 0 - dst) */
    CC_OP_COUNT = 52
};

static inline uint32_t cc_op_sized(uint32_t base, unsigned size_bytes)
{
    return base + (size_bytes == 1 ? 0 : size_bytes == 2 ? 1 : size_bytes == 4 ? 2 : 3);
}

/* The six arithmetic flags from the lazy state. */
uint32_t cc_compute_all(const CPUX86State *env);
/* CF alone (cheaper: INC/DEC, ADC/SBB, RCL). */
bool cc_compute_cf(const CPUX86State *env);
/* x86 condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
bool cc_test(const CPUX86State *env, unsigned cc);
/* Parity flag of a byte (PF set when an even number of bits are set). */
uint32_t cc_parity(uint8_t v);

/* Make env->rflags exact (see the rule above). */
void cpu_sync_flags(CPUState *cpu);
/* Set env->rflags to v (all bits) and reset the lazy state from it. */
void cpu_load_flags(CPUState *cpu, uint64_t v);

#endif
