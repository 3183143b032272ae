/* Semantics of IR's pure arithmetic ops, shared by the interpreter and the
 * constant folder so both agree bit for bit. */
#ifndef KEMU_TRANSLATE_IR_EVAL_H
#define KEMU_TRANSLATE_IR_EVAL_H

#include "translate/ir.h"

static inline uint64_t ir_wmask(unsigned w)
{
    return w >= 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
}

static inline uint64_t ir_eval_shift(unsigned opc, unsigned w, uint64_t a, uint64_t b)
{
    unsigned bits = 8 * w;
    switch (opc) {
    case IR_SHL: return b < 64 ? a << b : 0;
    case IR_SHR: return b < 64 ? (a & ir_wmask(w)) >> b : 0;
    case IR_SAR: {
        int64_t s = (int64_t)(a << (64 - bits)) >> (64 - bits);
        return (uint64_t)(s >> (b < 64 ? b : 63));
    }
    default: {
        unsigned c = (unsigned)(b % bits);
        a &= ir_wmask(w);
        if (!c)
            return a;
        if (opc == IR_ROTR)
            c = bits - c;
        return (a << c) | (a >> (bits - c));
    }
    }
}

static inline bool ir_eval_cmp(unsigned c, unsigned w, uint64_t a, uint64_t b)
{
    uint64_t m = ir_wmask(w);
    a &= m;
    b &= m;
    switch (c) {
    case IR_EQ: return a == b;
    case IR_NE: return a != b;
    case IR_LTU: return a < b;
    default: {
        unsigned sh = 64 - 8 * w;
        return ((int64_t)(a << sh) >> sh) < ((int64_t)(b << sh) >> sh);
    }
    }
}

/* divu/remu (see ir.h): the 2w-byte dividend hi:lo by the w-byte v; 0
 * when the quotient would not fit (the guest took #DE before). */
static inline uint64_t ir_eval_div(unsigned opc, unsigned w, uint64_t hi, uint64_t lo,
                                   uint64_t v)
{
    uint64_t m = ir_wmask(w);
    hi &= m;
    lo &= m;
    v &= m;
    if (hi >= v)
        return 0;
    unsigned __int128 n = ((unsigned __int128)hi << (8 * w)) | lo;
    return (uint64_t)(opc == IR_DIVU ? n / v : n % v);
}

/* Whether opc is computed by ir_eval (no side effects, no state read). */
static inline bool ir_is_arith(unsigned opc)
{
    return (opc >= IR_MOVI && opc <= IR_SETCOND) || opc == IR_MULH ||
           (opc >= IR_CTZ && opc <= IR_BSWAP);
}

static inline uint64_t ir_eval(const IROp *op, uint64_t a, uint64_t b)
{
    uint64_t m = ir_wmask(op->w);
    switch (op->opc) {
    case IR_MOVI: return op->imm;
    case IR_MOV: return a;
    case IR_ADD: return (a + b) & m;
    case IR_SUB: return (a - b) & m;
    case IR_AND: return a & b & m;
    case IR_OR: return (a | b) & m;
    case IR_XOR: return (a ^ b) & m;
    case IR_MUL: return (a * b) & m;
    case IR_MULH:
        if (op->aux)
            return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
        return (uint64_t)(((unsigned __int128)a * b) >> 64);
    case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROTL: case IR_ROTR:
        return ir_eval_shift(op->opc, op->w, a, b) & m;
    case IR_NEG: return (0 - a) & m;
    case IR_CTZ: return a & m ? (uint64_t)__builtin_ctzll(a & m) : 8 * op->w;
    case IR_CLZ:
        return a & m ? (uint64_t)__builtin_clzll(a & m) - (64 - 8 * op->w) : 8 * op->w;
    case IR_POPCNT: return (uint64_t)__builtin_popcountll(a & m);
    case IR_BSWAP:
        return op->w == 8 ? __builtin_bswap64(a) : op->w == 4 ? __builtin_bswap32((uint32_t)a) : 0;
    case IR_NOT: return ~a & m;
    case IR_SEXT: {
        unsigned sh = 64 - 8 * op->w;
        return (uint64_t)((int64_t)(a << sh) >> sh);
    }
    default: return ir_eval_cmp(op->aux, op->w, a, b);
    }
}

#endif
