/* Lazy condition codes: computing RFLAGS from (cc_op, cc_dst, cc_src,
 * cc_src2).  Formulas from the SDM's flag definitions (vol. 1 appendix A). */
#include "translate/flags.h"

static const uint8_t parity_table[16] = {
    1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1
};

uint32_t cc_parity(uint8_t v)
{
    return (parity_table[v & 15] ^ parity_table[v >> 4] ^ 1) ? FL_PF : 0;
}

static uint64_t size_mask(unsigned shift)
{
    return shift == 3 ? ~0ULL : (1ULL << (8u << shift)) - 1;
}

static uint64_t sign_bit(unsigned shift)
{
    return 1ULL << ((8u << shift) - 1);
}

/* ZF, SF and PF of a result. */
static uint32_t szp(uint64_t res, unsigned shift)
{
    uint32_t f = cc_parity((uint8_t)res);
    res &= size_mask(shift);
    if (!res)
        f |= FL_ZF;
    if (res & sign_bit(shift))
        f |= FL_SF;
    return f;
}

static uint32_t flags_add(uint64_t dst, uint64_t src, uint64_t cin, unsigned shift)
{
    uint64_t m = size_mask(shift), sb = sign_bit(shift);
    uint64_t res = dst & m, b = src & m, a = (res - b - cin) & m;
    uint32_t f = szp(res, shift);
    if (cin ? res <= a : res < a)
        f |= FL_CF;
    if ((a ^ b ^ res) & 0x10)
        f |= FL_AF;
    if (((a ^ res) & (b ^ res)) & sb)
        f |= FL_OF;
    return f;
}

static uint32_t flags_sub(uint64_t dst, uint64_t src, uint64_t bin, unsigned shift)
{
    uint64_t m = size_mask(shift), sb = sign_bit(shift);
    uint64_t res = dst & m, b = src & m, a = (res + b + bin) & m;
    uint32_t f = szp(res, shift);
    if (bin ? a <= b : a < b)
        f |= FL_CF;
    if ((a ^ b ^ res) & 0x10)
        f |= FL_AF;
    if (((a ^ b) & (a ^ res)) & sb)
        f |= FL_OF;
    return f;
}

static uint32_t flags_incdec(const CPUX86State *env, unsigned shift, bool inc)
{
    uint64_t m = size_mask(shift), sb = sign_bit(shift);
    uint64_t res = env->cc_dst & m;
    uint32_t f = szp(res, shift) | (env->cc_src2 ? FL_CF : 0);
    if (inc ? (res & 0xf) == 0 : (res & 0xf) == 0xf)
        f |= FL_AF;
    if (inc ? res == sb : res == sb - 1)
        f |= FL_OF;
    return f;
}

static uint32_t flags_shift(const CPUX86State *env, unsigned base, unsigned shift)
{
    uint64_t sb = sign_bit(shift);
    uint32_t f = szp(env->cc_dst, shift);
    bool cf;
    if (base == CC_OP_SHL) {
        cf = (env->cc_src & sb) != 0;
        if (cf != ((env->cc_dst & sb) != 0))
            f |= FL_OF;
    } else {
        cf = env->cc_src & 1;
        if (base == CC_OP_SHR && (env->cc_src2 & sb))
            f |= FL_OF;
    }
    return f | (cf ? FL_CF : 0);
}

uint32_t cc_compute_all(const CPUX86State *env)
{
    unsigned op = env->cc_op, base = op & ~3u, shift = op & 3;
    switch (base) {
    case CC_OP_EFLAGS:
        return (uint32_t)env->cc_src & FL_ARITH;
    case CC_OP_ADD:
        return flags_add(env->cc_dst, env->cc_src, 0, shift);
    case CC_OP_ADC:
        return flags_add(env->cc_dst, env->cc_src, env->cc_src2 & 1, shift);
    case CC_OP_SUB:
        return flags_sub(env->cc_dst, env->cc_src, 0, shift);
    case CC_OP_SBB:
        return flags_sub(env->cc_dst, env->cc_src, env->cc_src2 & 1, shift);
    case CC_OP_LOGIC:
        return szp(env->cc_dst, shift);
    case CC_OP_INC:
    case CC_OP_DEC:
        return flags_incdec(env, shift, base == CC_OP_INC);
    case CC_OP_SHL:
    case CC_OP_SHR:
    case CC_OP_SAR:
        return flags_shift(env, base, shift);
    case CC_OP_MUL:
        return szp(env->cc_dst, shift) | (env->cc_src ? FL_CF | FL_OF : 0);
    case CC_OP_NEG:
        /* NEG is 0 - operand, and operand = -result. */
        return flags_sub(env->cc_dst, 0 - env->cc_dst, 0, shift);
    }
    return 0;
}

bool cc_compute_cf(const CPUX86State *env)
{
    unsigned op = env->cc_op, base = op & ~3u, shift = op & 3;
    uint64_t m = size_mask(shift);
    switch (base) {
    case CC_OP_EFLAGS:
        return env->cc_src & FL_CF;
    case CC_OP_ADD:
        return (env->cc_dst & m) < (env->cc_src & m);
    case CC_OP_SUB:
        return ((env->cc_dst + env->cc_src) & m) < (env->cc_src & m);
    case CC_OP_LOGIC:
        return false;
    case CC_OP_INC:
    case CC_OP_DEC:
        return env->cc_src2 != 0;
    case CC_OP_NEG:
        return (env->cc_dst & m) != 0;
    default:
        return cc_compute_all(env) & FL_CF;
    }
}

/* Conditions 0..15 in pairs (even = true form, odd = negated). */
bool cc_test(const CPUX86State *env, unsigned cc)
{
    unsigned op = env->cc_op, shift = op & 3;
    bool r;
    if ((op & ~3u) == CC_OP_SUB && (cc >> 1) != 0 && (cc >> 1) != 3 && (cc >> 1) != 5) {
        /* Compare: decide from the operands directly (the hot path). */
        uint64_t m = size_mask(shift), sb = sign_bit(shift);
        uint64_t b = env->cc_src & m, res = env->cc_dst & m, a = (res + b) & m;
        int64_t sa = (int64_t)((a ^ sb) - sb), sbb = (int64_t)((b ^ sb) - sb);
        switch (cc >> 1) {
        case 1: r = a < b; break;               /* B */
        case 2: r = a == b; break;              /* Z */
        case 4: r = (res & sb) != 0; break;     /* S */
        case 6: r = sa < sbb; break;            /* L */
        default: r = sa <= sbb; break;          /* LE */
        }
        return r ^ (cc & 1);
    }
    if (((cc >> 1) == 2 || (cc >> 1) == 4) && (op & ~3u) != CC_OP_EFLAGS) {
        /* ZF and SF are properties of the result for every other cc_op. */
        uint64_t res = env->cc_dst & size_mask(shift);
        r = (cc >> 1) == 2 ? res == 0 : (res & sign_bit(shift)) != 0;
        return r ^ (cc & 1);
    }
    uint32_t f = cc_compute_all(env);
    switch (cc >> 1) {
    case 0: r = f & FL_OF; break;
    case 1: r = f & FL_CF; break;
    case 2: r = f & FL_ZF; break;
    case 3: r = f & (FL_CF | FL_ZF); break;
    case 4: r = f & FL_SF; break;
    case 5: r = f & FL_PF; break;
    case 6: r = !(f & FL_SF) != !(f & FL_OF); break;
    default: r = (f & FL_ZF) || (!(f & FL_SF) != !(f & FL_OF)); break;
    }
    return r ^ (cc & 1);
}

void cpu_sync_flags(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint32_t f = cc_compute_all(env);
    env->rflags = (env->rflags & ~(uint64_t)FL_ARITH) | f | 2;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = f;
}

void cpu_load_flags(CPUState *cpu, uint64_t v)
{
    CPUX86State *env = &cpu->env;
    env->rflags = v | 2;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = v & FL_ARITH;
}
