/* Software IEEE 754 arithmetic for the x87 (80-bit extended) and SSE
 * (binary32/binary64) paths, written from IEEE 754-2008 and the Intel SDM
 * (vol. 1 ch. 4 and 8, "x87 FPU" and "SIMD floating-point exceptions").
 *
 * Every operand is first unpacked into FUnp: a class, a sign and, for finite
 * values, a 128-bit significand normalized so that bit 127 is the integer
 * bit, with value = sig / 2^127 * 2^exp.  Operations compute an exact or
 * sticky-jammed result in this form (128 bits leave more than enough guard
 * bits for 64-bit significands) and a single packing step rounds it to the
 * destination format with the current rounding mode and precision, raising
 * the flags.  No host floating point is used anywhere in this file set. */
#ifndef KEMU_CPU_SOFTFLOAT_H
#define KEMU_CPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef unsigned __int128 u128;

/* Exception flags: the same bit positions as in the x87 status word and
 * in MXCSR bits 5..0. */
enum { SF_IE = 0x01, SF_DE = 0x02, SF_ZE = 0x04, SF_OE = 0x08, SF_UE = 0x10,
       SF_PE = 0x20 };
/* Rounding modes: the x86 RC encoding (FCW bits 11..10, MXCSR 14..13). */
enum { SF_RN = 0, SF_RD = 1, SF_RU = 2, SF_RZ = 3 };
/* Operand classes.  FC_BAD is an 80-bit encoding the 387 and later reject
 * (unnormal, pseudo-NaN, pseudo-infinity): an invalid operand. */
enum { FC_ZERO, FC_NORMAL, FC_INF, FC_QNAN, FC_SNAN, FC_BAD };
/* Binary formats for the generic f32/f64 entry points. */
enum { SF_F32, SF_F64 };
/* Compare results (as FCOM's C3/C2/C0 and COMISS's ZF/PF/CF order them). */
enum { SF_LT, SF_EQ, SF_GT, SF_UN };

typedef struct FloatStatus {
    uint8_t round;        /* SF_RN.. */
    uint8_t prec;         /* x87 precision control: 24, 53 or 64 bits */
    bool x87;             /* NaN selection: x87 (larger significand) or SSE (first operand) */
    bool daz;             /* SSE: denormal source operands read as zero */
    bool ftz;             /* SSE: tiny results become zero when underflow is masked */
    bool ue_unmasked;     /* underflow unmasked: UE on any tiny result */
    bool oe_unmasked;     /* x87 only: deliver the exponent-biased result */
    uint8_t flags;        /* accumulated SF_* */
    bool c1_up;           /* last rounding increased the magnitude (x87 C1) */
} FloatStatus;

typedef struct FUnp {
    uint8_t cls;
    bool sign;
    int32_t exp;          /* unbiased exponent of bit 127 */
    u128 sig;             /* NaNs: the payload with the integer bit at 127 */
} FUnp;

/* Unpacking.  arith: the operand takes part in arithmetic, so a denormal
 * raises DE (or, with daz, reads as zero). */
FUnp sf_unpack80(Float80 a, bool arith, FloatStatus *st);
FUnp sf_unpack(int fmt, uint64_t bits, bool arith, FloatStatus *st);
FUnp sf_from_int(int64_t v);
FUnp sf_from_uint(uint64_t v);

/* Rounding and packing (p = st->prec for 80-bit). */
Float80 sf_pack80(FUnp a, FloatStatus *st);
uint64_t sf_pack(int fmt, FUnp a, FloatStatus *st);
/* Round to an integer of `bits` bits (16/32/64) with rounding mode rm.
 * Out of range, NaN or infinity: IE and the integer indefinite (top bit). */
uint64_t sf_to_int(FUnp a, int bits, int rm, FloatStatus *st);
/* Round to an integral value in the same unpacked form (PE if inexact). */
FUnp sf_round_int(FUnp a, int rm, FloatStatus *st);

/* Arithmetic on unpacked values; the results are exact or sticky and
 * still to be packed.  NaN operands are propagated by the st->x87 rule. */
FUnp sf_add(FUnp a, FUnp b, bool subtract, FloatStatus *st);
FUnp sf_mul(FUnp a, FUnp b, FloatStatus *st);
FUnp sf_div(FUnp a, FUnp b, FloatStatus *st);
FUnp sf_sqrt(FUnp a, FloatStatus *st);
/* quiet: IE only for signaling NaNs (UCOM); else IE for any NaN (COM). */
int sf_compare(FUnp a, FUnp b, bool quiet, FloatStatus *st);

FUnp sf_default_nan(void);
FUnp sf_quiet(FUnp a);
bool sf_is_nan(const FUnp *a);
/* NaN operand selection with IE for signaling/invalid operands. */
FUnp sf_pick_nan(FUnp a, FUnp b, FloatStatus *st);
/* Normalize a finite nonzero significand so that bit 127 is set. */
FUnp sf_normalize(bool sign, int32_t exp, u128 sig);

/* 80-bit helpers used by the x87 and the tests. */
Float80 f80_add(Float80 a, Float80 b, FloatStatus *st);
Float80 f80_sub(Float80 a, Float80 b, FloatStatus *st);
Float80 f80_mul(Float80 a, Float80 b, FloatStatus *st);
Float80 f80_div(Float80 a, Float80 b, FloatStatus *st);
Float80 f80_sqrt(Float80 a, FloatStatus *st);
Float80 f80_round_int(Float80 a, FloatStatus *st);
bool f80_is_nan(Float80 a);

/* Binary32/64 arithmetic for SSE: op is one of the SF_OP_* values. */
enum { SF_OP_ADD, SF_OP_SUB, SF_OP_MUL, SF_OP_DIV, SF_OP_SQRT };
uint64_t sf_arith(int fmt, int op, uint64_t a, uint64_t b, FloatStatus *st);

#endif
