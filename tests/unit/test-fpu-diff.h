/* Differential testing of fpu_exec against the host CPU: one instruction
 * is assembled into an executable buffer between FXRSTOR and FXSAVE and
 * run in-process on the host, and the same instruction runs through
 * fpu_exec on a RAM-only test machine from the same FXSAVE image, memory
 * operand, EFLAGS and RAX/RCX/RDX.  The images, memory, flags and those
 * registers are compared, minus what the SDM leaves undefined. */
/* Allow-list: what the comparison deliberately leaves out, and why.
 *  - FIP/FCS/FOP/FDP/FDS (FXSAVE bytes 6-23): host addresses differ from the
 *    guest's, and kemu keeps the linear address in FDP.
 *  - C0/C2/C3 after arithmetic, loads and stores (DC_CC_UNDEF): undefined
 *    in the SDM.
 *  - F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FPTAN, FSINCOS (DC_APPROX):
 *    results within 1 ulp; C1 and PE (with the ES it raises when PE is
 *    unmasked) not compared, the hardware's inexact reporting for exact
 *    cases such as log2 of a power of two varies; the SDM documents these
 *    to about 1 ulp, not bit-exactly.  F2XM1 and FYL2XP1 run inside their
 *    documented domains |x| <= 1 and |x| < 1 - sqrt(2)/2 (outside, the
 *    result is undefined; kemu returns F2XM1's operand as AMD does), and the
 *    trigonometric ones with |x| < 2^32 (beyond, the hardware's own
 *    argument reduction differs from ours by a few ulps).
 *  - RCPPS/RSQRTPS/RCPSS/RSQRTSS (DC_RCP): 12-bit estimates whose exact
 *    tables are not published; compared within the documented 1.5*2^-12.
 *  - kemu runs with a model of the host's vendor (tests/diff/host-model.h):
 *    DPPS/DPPD's NaN selection, x87 FOP and FLD m32/m64 of a denormal with
 *    DE unmasked (AMD loads it, Intel does not) follow the vendor.
 *  - The reference is the host CPU, an AMD one where this was written.  One
 *    behaviour kemu follows from it on both vendors' models may differ on
 *    Intel: FYL2X with a denormal exact result (x a power of two) reports UE
 *    and PE (no manual says, so no vendor split).
 *  - MASKMOVQ/MASKMOVDQU: they store through RDI, the runner's own buffer
 *    pointer; covered by fpu_rules.maskmovdqu_stores_selected_bytes. */
#ifndef KEMU_TEST_FPU_DIFF_H
#define KEMU_TEST_FPU_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef struct DiffCase {
    const char *name;
    uint8_t prefix;       /* 0, 0x66, 0xf2, 0xf3 */
    uint8_t map;          /* 0: x87 (opcode D8-DF), 1: 0F, 2: 0F 38, 3: 0F 3A */
    uint8_t opcode;
    uint8_t modrm;        /* register forms: fixed modrm when reg_fixed */
    uint16_t flags;
} DiffCase;

#define DC_MEM        0x0001  /* memory operand at [rsi] (mod=00 rm=110), reg from modrm */
#define DC_IMM        0x0002  /* random imm8 */
#define DC_FIXED      0x0004  /* use modrm as given (register form) */
#define DC_CC_UNDEF   0x0008  /* C0, C2, C3 undefined */
#define DC_APPROX     0x0010  /* results within 1 ulp (transcendentals): C1, values */
#define DC_GPR_REG    0x0020  /* ModRM.reg is a general register: 0..2 only */
#define DC_GPR_RM     0x0040  /* ModRM.rm (register form) is a GPR: 0..2 only */
#define DC_X87        0x0080  /* x87 operands: random stack contents */
#define DC_NOMEMCMP   0x0100  /* memory is not a result */
#define DC_IMM_LOW    0x0200  /* imm8 limited to 0..7 (CMPPS predicates) */
#define DC_RCP        0x0400  /* RCPxS/RSQRTxS: 12-bit estimates */
#define DC_TRIG_ST0   0x1000  /* keep |ST(0)| < 2^32: beyond, the host's own argument
                               * reduction differs from ours by a few ulps */
#define DC_REX        0x2000  /* random REX prefix: W, and R/B on vector operands
                               * (XMM8-15; ignored for MMX) */
#define DC_SMALL_ST0  0x0800  /* keep |ST(0)| < 0.25: FYL2XP1's documented domain
                               * (outside it the result is undefined) */
#define DC_UNIT_ST0   0x4000  /* keep |ST(0)| <= 1: F2XM1's documented domain */

/* Runs n random cases of c; returns the number of mismatches (each one
 * reported through unit_fail).  Deterministic for a given seed. */
int fpu_diff_run(const DiffCase *c, int n, uint64_t seed);
bool fpu_diff_available(void);

#endif
