/* Integer helpers: shifts and rotates with flags, multiply and divide,
 * compare-exchange, BCD and the flag instructions (formulas
 * from the SDM's instruction pages). */
#include "translate/helpers.h"
#include "translate/atomic.h"

#include <sys/random.h>

#include "cpu/cpuid.h"
#include "cpu/excp.h"
#include "translate/decode.h"
#include "translate/flags.h"
#include "translate/regs.h"
#include "translate/tlb.h"

static uint64_t mask_of(unsigned w)
{
    return w >= 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
}

static uint64_t msb_of(unsigned w)
{
    return 1ULL << (8 * w - 1);
}

static int64_t sext_w(uint64_t v, unsigned w)
{
    unsigned sh = 64 - 8 * w;
    return (int64_t)(v << sh) >> sh;
}

static void set_flags(CPUX86State *env, uint32_t f)
{
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = f & FL_ARITH;
}

static uint32_t szp(uint64_t r, unsigned w)
{
    uint32_t f = cc_parity((uint8_t)r);
    r &= mask_of(w);
    if (!r)
        f |= FL_ZF;
    if (r & msb_of(w))
        f |= FL_SF;
    return f;
}

static uint32_t with(uint32_t f, uint32_t bit, bool on)
{
    return on ? f | bit : f & ~bit;
}


static uint64_t do_rotate(CPUX86State *env, unsigned op, uint64_t v, unsigned count, unsigned w)
{
    unsigned bits = 8 * w;
    uint64_t m = mask_of(w), r = v;
    uint32_t f = cc_compute_all(env);
    bool cf = f & FL_CF;
    if (op == 0 || op == 1) {
        unsigned c = count % bits;
        if (c)
            r = op == 0 ? ((v << c) | (v >> (bits - c))) & m : ((v >> c) | (v << (bits - c))) & m;
        if (op == 0) {
            cf = r & 1;
            f = with(f, FL_OF, ((r & msb_of(w)) != 0) != cf);
        } else {
            cf = (r & msb_of(w)) != 0;
            f = with(f, FL_OF, cf != ((r & (msb_of(w) >> 1)) != 0));
        }
        return set_flags(env, with(f, FL_CF, cf)), r;
    }
    unsigned c = count % (bits + 1);
    if (c == 0)
        return v;
    for (unsigned i = 0; i < c; i++) {          /* at most 64 steps */
        if (op == 2) {
            bool out = (r & msb_of(w)) != 0;
            r = ((r << 1) | cf) & m;
            cf = out;
        } else {
            bool out = r & 1;
            r = (r >> 1) | (cf ? msb_of(w) : 0);
            cf = out;
        }
    }
    if (op == 2)
        f = with(f, FL_OF, ((r & msb_of(w)) != 0) != cf);
    else
        f = with(f, FL_OF, ((r & msb_of(w)) != 0) != ((r & (msb_of(w) >> 1)) != 0));
    set_flags(env, with(f, FL_CF, cf));
    return r;
}

HELPER(helper_shift)
{
    CPUX86State *env = &cpu->env;
    unsigned op = imm & 7, w = (imm >> 8) & 15;
    unsigned count = (unsigned)b & (w == 8 ? 63 : 31);
    uint64_t v = a & mask_of(w), r;
    if (count == 0)
        return v;
    if (op < 4)
        return do_rotate(env, op, v, count, w);
    bool cf, of;
    unsigned bits = 8 * w;
    if (op == 5) {
        r = count < 64 ? v >> count : 0;
        cf = count <= 64 && ((v >> (count - 1)) & 1);
        of = (v & msb_of(w)) != 0;
    } else if (op == 7) {
        int64_t s = sext_w(v, w);
        r = (uint64_t)(s >> (count < 64 ? count : 63)) & mask_of(w);
        cf = (s >> (count - 1 < 64 ? count - 1 : 63)) & 1;
        of = false;
    } else {
        r = count < 64 ? (v << count) & mask_of(w) : 0;
        cf = count <= bits && ((v >> (bits - count)) & 1);
        of = ((r & msb_of(w)) != 0) != cf;
    }
    uint32_t f = szp(r, w) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
    set_flags(env, f);
    return r;
}

HELPER(helper_shd)
{
    CPUX86State *env = &cpu->env;
    bool left = imm & 1;
    unsigned w = (imm >> 8) & 15, bits = 8 * w;
    unsigned count = (unsigned)c & (w == 8 ? 63 : 31);
    uint64_t dst = a & mask_of(w), src = b & mask_of(w), r;
    bool cf;
    if (count == 0)
        return dst;
    if (left) {
        /* CF: the last bit shifted out, bit (2 * bits - count) of dst:src
         * (count < 2 * bits; the 128-bit shift must not overflow) */
        unsigned __int128 x = ((unsigned __int128)dst << bits) | src;
        cf = (uint64_t)(x >> (2 * bits - count)) & 1;
        x <<= count;
        r = (uint64_t)(x >> bits) & mask_of(w);
    } else {
        unsigned __int128 x = ((unsigned __int128)src << bits) | dst;
        cf = (uint64_t)(x >> (count - 1)) & 1;
        r = (uint64_t)(x >> count) & mask_of(w);
    }
    uint32_t f = szp(r, w) | (cf ? FL_CF : 0);
    if (((r ^ dst) & msb_of(w)) != 0)
        f |= FL_OF;
    set_flags(env, f);
    return r;
}

static void set_mul_flags(CPUX86State *env, unsigned w, uint64_t low, bool ovf)
{
    env->cc_op = cc_op_sized(CC_OP_MUL, w);
    env->cc_dst = low;
    env->cc_src = ovf;
}

static void do_mul(CPUState *cpu, uint64_t v, unsigned w, bool sign)
{
    CPUX86State *env = &cpu->env;
    uint64_t a = reg_read(env, R_EAX, w), lo, hi;
    if (w == 8) {
        unsigned __int128 p = sign ? (unsigned __int128)((__int128)(int64_t)a * (int64_t)v)
                                   : (unsigned __int128)a * v;
        lo = (uint64_t)p;
        hi = (uint64_t)(p >> 64);
    } else {
        uint64_t p = sign ? (uint64_t)(sext_w(a, w) * sext_w(v, w)) : a * v;
        lo = p & mask_of(w);
        hi = (p >> (8 * w)) & mask_of(w);
    }
    bool ovf = sign ? hi != ((lo & msb_of(w)) ? mask_of(w) : 0) : hi != 0;
    if (w == 1) {
        reg_write(env, R_EAX, 2, lo | (hi << 8));
    } else {
        reg_write(env, R_EAX, w, lo);
        reg_write(env, R_EDX, w, hi);
    }
    set_mul_flags(env, w, lo, ovf);
}

static void do_div(CPUState *cpu, uint64_t v, unsigned w, bool sign)
{
    CPUX86State *env = &cpu->env;
    unsigned bits = 8 * w;
    unsigned __int128 n;
    if (w == 1)
        n = reg_read(env, R_EAX, 2);
    else
        n = ((unsigned __int128)reg_read(env, R_EDX, w) << bits) | reg_read(env, R_EAX, w);
    v &= mask_of(w);
    if (v == 0)
        cpu_raise_exception(cpu, EXC_DE, NO_ERROR_CODE);
    uint64_t q, r;
    if (!sign) {
        unsigned __int128 qq = n / v;
        if (qq > mask_of(w))
            cpu_raise_exception(cpu, EXC_DE, NO_ERROR_CODE);
        q = (uint64_t)qq;
        r = (uint64_t)(n % v);
    } else {
        /* Sign-extend the 2w-bit dividend. */
        __int128 sn = (__int128)(n << (128 - 2 * bits)) >> (128 - 2 * bits);
        __int128 sd = sext_w(v, w);
        __int128 qq = sn / sd, rr = sn % sd;
        __int128 lim = (__int128)1 << (bits - 1);
        if (qq >= lim || qq < -lim)
            cpu_raise_exception(cpu, EXC_DE, NO_ERROR_CODE);
        q = (uint64_t)qq & mask_of(w);
        r = (uint64_t)rr & mask_of(w);
    }
    if (w == 1) {
        reg_write(env, R_EAX, 2, q | (r << 8));
    } else {
        reg_write(env, R_EAX, w, q);
        reg_write(env, R_EDX, w, r);
    }
}

HELPER(helper_muldiv)
{
    unsigned op = imm & 7, w = (imm >> 8) & 15;
    if (op < 6)
        do_mul(cpu, a & mask_of(w), w, op == 5);
    else
        do_div(cpu, a, w, op == 7);
    return 0;
}

/* After a host compare-and-exchange: EAX and the flags (the memory
 * operand was not rewritten on a mismatch, which no one can tell on RAM). */
static void cmpxchg_done(CPUX86State *env, uint64_t acc, uint64_t v, unsigned w)
{
    if (acc != v)
        reg_write(env, R_EAX, w, v);
    env->cc_op = cc_op_sized(CC_OP_SUB, w);
    env->cc_dst = (acc - v) & mask_of(w);
    env->cc_src = v;
}

HELPER(helper_cmpxchg)
{
    CPUX86State *env = &cpu->env;
    unsigned reg = imm & 0xff, rm = (imm >> 8) & 0xff, w = (imm >> 16) & 15;
    bool mem = (imm >> 24) & 1;
    uint64_t acc = reg_read(env, R_EAX, w), v;
    if (mem) {
        tcg_probe_write(cpu, a, w);
        if (tcg_atomic_cmpxchg(cpu, a, w, acc, reg_read(env, reg, w), &v)) {
            cmpxchg_done(env, acc, v, w);
            return 0;
        }
        tcg_atomic_need_exclusive(cpu);
        v = tcg_ld(cpu, a, w);
    } else {
        v = reg_read(env, rm, w);
    }
    bool eq = acc == v;
    if (eq) {
        uint64_t src = reg_read(env, reg, w);
        if (mem)
            tcg_st(cpu, a, src, w);
        else
            reg_write(env, rm, w, src);
    } else {
        if (mem)
            tcg_st(cpu, a, v, w);
        reg_write(env, R_EAX, w, v);
    }
    env->cc_op = cc_op_sized(CC_OP_SUB, w);
    env->cc_dst = (acc - v) & mask_of(w);
    env->cc_src = v;
    return 0;
}

HELPER(helper_cmpxchg8b)
{
    CPUX86State *env = &cpu->env;
    bool wide = imm & 1;
    uint32_t f = cc_compute_all(env);
    if (!wide) {
        tcg_probe_write(cpu, a, 8);
        uint64_t cur = (reg_read(env, R_EDX, 4) << 32) | reg_read(env, R_EAX, 4);
        uint64_t want = (reg_read(env, R_ECX, 4) << 32) | reg_read(env, R_EBX, 4), found;
        if (tcg_atomic_cmpxchg(cpu, a, 8, cur, want, &found)) {
            if (found != cur) {
                reg_write(env, R_EAX, 4, (uint32_t)found);
                reg_write(env, R_EDX, 4, found >> 32);
            }
            set_flags(env, found == cur ? f | FL_ZF : f & ~FL_ZF);
            return 0;
        }
        tcg_atomic_need_exclusive(cpu);
        uint64_t m = tcg_ld(cpu, a, 8);
        if (m == cur) {
            tcg_st(cpu, a, (reg_read(env, R_ECX, 4) << 32) | reg_read(env, R_EBX, 4), 8);
            set_flags(env, f | FL_ZF);
        } else {
            tcg_st(cpu, a, m, 8);
            reg_write(env, R_EAX, 4, (uint32_t)m);
            reg_write(env, R_EDX, 4, m >> 32);
            set_flags(env, f & ~FL_ZF);
        }
        return 0;
    }
    if (a & 15)
        cpu_raise_exception(cpu, EXC_GP, 0);
    tcg_probe_write(cpu, a, 16);
    uint64_t flo = env->regs[R_EAX], fhi = env->regs[R_EDX];
    if (tcg_atomic_cmpxchg16(cpu, a, &flo, &fhi, env->regs[R_EBX], env->regs[R_ECX])) {
        bool eq = flo == env->regs[R_EAX] && fhi == env->regs[R_EDX];
        env->regs[R_EAX] = flo;
        env->regs[R_EDX] = fhi;
        set_flags(env, eq ? f | FL_ZF : f & ~FL_ZF);
        return 0;
    }
    tcg_atomic_need_exclusive(cpu);
    uint64_t lo = tcg_ld(cpu, a, 8), hi = tcg_ld(cpu, a + 8, 8);
    if (lo == env->regs[R_EAX] && hi == env->regs[R_EDX]) {
        tcg_st(cpu, a, env->regs[R_EBX], 8);
        tcg_st(cpu, a + 8, env->regs[R_ECX], 8);
        set_flags(env, f | FL_ZF);
    } else {
        tcg_st(cpu, a, lo, 8);
        tcg_st(cpu, a + 8, hi, 8);
        env->regs[R_EAX] = lo;
        env->regs[R_EDX] = hi;
        set_flags(env, f & ~FL_ZF);
    }
    return 0;
}

HELPER(helper_adcx)
{
    CPUX86State *env = &cpu->env;
    if (!(cpu->features[FEAT_7_0_EBX] & (1u << 19)))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    unsigned which = imm & 1, w = (imm >> 8) & 15;
    uint32_t f = cc_compute_all(env), bit = which ? FL_OF : FL_CF;
    uint64_t in = (f & bit) ? 1 : 0, m = mask_of(w);
    uint64_t r = (a + b + in) & m;
    bool out = in ? r <= (a & m) : r < (a & m);
    set_flags(env, with(f, bit, out));
    return r;
}

static void bcd_adjust(CPUX86State *env, unsigned op, uint32_t f)
{
    uint8_t al = (uint8_t)env->regs[R_EAX], old = al;
    bool cf = f & FL_CF, af = f & FL_AF;
    f &= ~(FL_CF | FL_AF);
    if (op == FLAGOP_DAA || op == FLAGOP_DAS) {
        bool ncf = false;
        if ((al & 0xf) > 9 || af) {
            ncf = cf || (op == FLAGOP_DAA ? al > 0xf9 : al < 6);
            al = op == FLAGOP_DAA ? al + 6 : al - 6;
            f |= FL_AF;
        }
        if (old > 0x99 || cf) {
            al = op == FLAGOP_DAA ? al + 0x60 : al - 0x60;
            ncf = true;
        } else if (op == FLAGOP_DAA) {
            ncf = false;
        }
        reg_write(env, R_EAX, 1, al);
        f = (f & ~(FL_SF | FL_ZF | FL_PF | FL_OF)) | szp(al, 1) | (ncf ? FL_CF : 0);
    } else {
        uint16_t ax = (uint16_t)env->regs[R_EAX];
        if ((al & 0xf) > 9 || af) {
            if (op == FLAGOP_AAA)
                ax += 0x106;
            else
                ax = (uint16_t)(((ax - 6) & 0xff) | ((((ax >> 8) - 1u) & 0xff) << 8));
            f |= FL_AF | FL_CF;
        }
        ax &= 0xff0f;
        reg_write(env, R_EAX, 2, ax);
    }
    set_flags(env, f);
}

HELPER(helper_flagop)
{
    CPUX86State *env = &cpu->env;
    unsigned op = imm & 0xff, base = (imm >> 8) & 0xff;
    uint32_t f = cc_compute_all(env);
    uint8_t al = (uint8_t)env->regs[R_EAX];
    switch (op) {
    case FLAGOP_CLC: set_flags(env, f & ~FL_CF); break;
    case FLAGOP_STC: set_flags(env, f | FL_CF); break;
    case FLAGOP_CMC: set_flags(env, f ^ FL_CF); break;
    case FLAGOP_SAHF: {
        uint32_t m = FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF;
        set_flags(env, (f & ~m) | (reg_read(env, IR_HIGH8 | R_EAX, 1) & m));
        break;
    }
    case FLAGOP_LAHF: reg_write(env, IR_HIGH8 | R_EAX, 1, (f & 0xd5) | 2); break;
    case FLAGOP_AAM:
        if (base == 0)
            cpu_raise_exception(cpu, EXC_DE, NO_ERROR_CODE);
        reg_write(env, R_EAX, 2, (uint16_t)(((al / base) << 8) | (al % base)));
        set_flags(env, szp(al % base, 1));
        break;
    case FLAGOP_AAD: {
        uint8_t r = (uint8_t)(al + reg_read(env, IR_HIGH8 | R_EAX, 1) * base);
        reg_write(env, R_EAX, 2, r);
        set_flags(env, szp(r, 1));
        break;
    }
    case FLAGOP_SALC: reg_write(env, R_EAX, 1, (f & FL_CF) ? 0xff : 0); break;
    case FLAGOP_XTEST: set_flags(env, FL_ZF); break;    /* not transactional */
    default: bcd_adjust(env, op, f); break;
    }
    return 0;
}

HELPER(helper_rdrand)
{
    if (!(cpu->features[FEAT_1_ECX] & (1u << 30)))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    uint64_t v = 0;
    bool ok = getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v);
    set_flags(&cpu->env, ok ? FL_CF : 0);
    return ok ? v & mask_of(imm & 15) : 0;
}

static uint64_t pdep(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & -mask;
        if (src & bit)
            r |= low;
        mask &= mask - 1;
    }
    return r;
}

static uint64_t pext(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & -mask;
        if (src & low)
            r |= bit;
        mask &= mask - 1;
    }
    return r;
}

/* Flags of the BMI1 logic group: SF, ZF from the result, OF = 0, CF given. */
static void bmi_flags(CPUX86State *env, uint64_t r, unsigned w, bool cf)
{
    set_flags(env, (szp(r, w) & (FL_SF | FL_ZF)) | (cf ? FL_CF : 0));
}

/* BMI1/BMI2: a = the r/m operand, b = the VEX.vvvv register's value;
 * imm = kind | w << 8 | group-17 op << 16 | reg << 24 | vvvv << 28 | imm8 << 32. */
HELPER(helper_bmi)
{
    CPUX86State *env = &cpu->env;
    unsigned kind = imm & 0xff, w = (imm >> 8) & 15, bits = 8 * w;
    unsigned g = (imm >> 16) & 7, reg = (imm >> 24) & 15, vvvv = (imm >> 28) & 15;
    uint64_t m = mask_of(w), src = a & m, v = b & m, r;
    bool bmi2 = kind != BMI_ANDN && kind != BMI_GRP17 && kind != BMI_BEXTR;
    if (!(cpu->features[FEAT_7_0_EBX] & (1u << (bmi2 ? 8 : 3))))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    switch (kind) {
    case BMI_ANDN: r = ~v & src & m; bmi_flags(env, r, w, false); return r;
    case BMI_GRP17:
        if (g == 1) r = src & (src - 1);
        else if (g == 2) r = (src ^ (src - 1)) & m;
        else if (g == 3) r = src & (0 - src);
        else cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
        r &= m;
        bmi_flags(env, r, w, g == 3 ? src != 0 : src == 0);
        if (g == 2)
            set_flags(env, cc_compute_all(env) & ~FL_ZF);
        return r;
    case BMI_BZHI: {
        unsigned n = v & 0xff;
        r = n < bits ? src & ((1ULL << n) - 1) : src;
        bmi_flags(env, r, w, n > bits - 1);
        return r;
    }
    case BMI_PEXT: return pext(v, src);
    case BMI_PDEP: return pdep(v, src);
    case BMI_MULX: {
        uint64_t d = reg_read(env, R_EDX, w), lo, hi;
        if (w == 8) {
            unsigned __int128 p = (unsigned __int128)d * src;
            lo = (uint64_t)p;
            hi = (uint64_t)(p >> 64);
        } else {
            uint64_t p = d * src;
            lo = p & m;
            hi = p >> 32;
        }
        reg_write(env, vvvv, w, lo);
        reg_write(env, reg, w, hi);
        return hi;
    }
    case BMI_BEXTR: {
        unsigned start = v & 0xff, len = (v >> 8) & 0xff;
        r = start < bits ? src >> start : 0;
        if (len < 64)
            r &= (1ULL << len) - 1;
        r &= m;
        bmi_flags(env, r, w, false);
        return r;
    }
    case BMI_SHLX: return (src << (v & (bits - 1))) & m;
    case BMI_SHRX: return src >> (v & (bits - 1));
    case BMI_SARX: return (uint64_t)(sext_w(src, w) >> (v & (bits - 1))) & m;
    default: {  /* RORX */
        unsigned n = (unsigned)(imm >> 32) & (bits - 1);
        return n ? ((src >> n) | (src << (bits - n))) & m : src;
    }
    }
}
