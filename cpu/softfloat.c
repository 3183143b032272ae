/* IEEE 754 core: unpacking, rounding/packing, NaN rules, conversions.
 * See softfloat.h for the representation. */
#include "cpu/softfloat.h"

#define TOP ((u128)1 << 127)
#define QBIT ((u128)1 << 126)

typedef struct SfFmt {
    int32_t bias, emax;   /* emax: the all-ones biased exponent */
    int fbits;            /* stored fraction bits */
} SfFmt;

static const SfFmt fmt32 = { 127, 255, 23 };
static const SfFmt fmt64 = { 1023, 2047, 52 };

static const SfFmt *fmt_of(int fmt)
{
    return fmt == SF_F32 ? &fmt32 : &fmt64;
}

static int clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    if (hi)
        return __builtin_clzll(hi);
    return 64 + __builtin_clzll((uint64_t)x);
}

/* Shift right keeping a sticky bit in bit 0 for everything shifted out. */
static u128 shr_jam(u128 x, int n)
{
    if (n <= 0)
        return x;
    if (n >= 128)
        return x != 0;
    return (x >> n) | ((x << (128 - n)) != 0);
}

FUnp sf_normalize(bool sign, int32_t exp, u128 sig)
{
    int s = clz128(sig);
    return (FUnp){ FC_NORMAL, sign, exp - s, sig << s };
}

FUnp sf_default_nan(void)
{
    return (FUnp){ FC_QNAN, true, 0, TOP | QBIT };
}

FUnp sf_quiet(FUnp a)
{
    if (a.cls == FC_BAD)
        return sf_default_nan();
    a.cls = FC_QNAN;
    a.sig |= TOP | QBIT;
    return a;
}

bool sf_is_nan(const FUnp *a)
{
    return a->cls == FC_QNAN || a->cls == FC_SNAN || a->cls == FC_BAD;
}

FUnp sf_unpack80(Float80 a, bool arith, FloatStatus *st)
{
    bool sign = a.sexp >> 15;
    int32_t e = a.sexp & 0x7fff;
    uint64_t m = a.mant;
    bool j = m >> 63;
    if (e == 0) {
        if (m == 0)
            return (FUnp){ FC_ZERO, sign, 0, 0 };
        /* Denormal or pseudo-denormal (J=1): both have exponent 1-bias. */
        if (arith)
            st->flags |= SF_DE;
        return sf_normalize(sign, 1 - 16383 + 0, (u128)m << 64);
    }
    if (!j)
        return (FUnp){ FC_BAD, sign, 0, (u128)m << 64 };
    if (e == 0x7fff) {
        if ((m << 1) == 0)
            return (FUnp){ FC_INF, sign, 0, 0 };
        return (FUnp){ (m >> 62) & 1 ? FC_QNAN : FC_SNAN, sign, 0, (u128)m << 64 };
    }
    return (FUnp){ FC_NORMAL, sign, e - 16383, (u128)m << 64 };
}

FUnp sf_unpack(int fmt, uint64_t bits, bool arith, FloatStatus *st)
{
    const SfFmt *f = fmt_of(fmt);
    int width = f->fbits + (fmt == SF_F32 ? 9 : 12);
    bool sign = (bits >> (width - 1)) & 1;
    int32_t e = (bits >> f->fbits) & f->emax;
    uint64_t frac = bits & ((1ULL << f->fbits) - 1);
    u128 fsig = (u128)frac << (127 - f->fbits);
    if (e == 0) {
        if (frac == 0)
            return (FUnp){ FC_ZERO, sign, 0, 0 };
        if (arith && st->daz)
            return (FUnp){ FC_ZERO, sign, 0, 0 };
        if (arith)
            st->flags |= SF_DE;
        return sf_normalize(sign, 1 - f->bias, fsig);
    }
    if (e == f->emax) {
        if (frac == 0)
            return (FUnp){ FC_INF, sign, 0, 0 };
        return (FUnp){ (fsig & QBIT) ? FC_QNAN : FC_SNAN, sign, 0, TOP | fsig };
    }
    return (FUnp){ FC_NORMAL, sign, e - f->bias, TOP | fsig };
}

FUnp sf_from_uint(uint64_t v)
{
    if (v == 0)
        return (FUnp){ FC_ZERO, false, 0, 0 };
    return sf_normalize(false, 127, (u128)v);
}

FUnp sf_from_int(int64_t v)
{
    FUnp r = sf_from_uint(v < 0 ? -(uint64_t)v : (uint64_t)v);
    r.sign = v < 0;
    return r;
}

/* Round sig to its top p bits.  Returns the kept bits and whether anything
 * was discarded and whether rounding carried out of p bits (then the
 * result is 2^(p-1), to be read with the exponent plus one). */
static uint64_t round_bits(u128 sig, int p, bool sign, int rm, bool *inexact,
                           bool *carry)
{
    uint64_t keep = (uint64_t)(sig >> (128 - p));
    u128 rest = sig << p;
    bool inc = false;
    *inexact = rest != 0;
    switch (rm) {
    case SF_RN:
        inc = rest > TOP || (rest == TOP && (keep & 1));
        break;
    case SF_RD:
        inc = sign && rest;
        break;
    case SF_RU:
        inc = !sign && rest;
        break;
    default:
        break;
    }
    u128 r = (u128)keep + inc;
    *carry = (r >> p) != 0;
    return *carry ? 1ULL << (p - 1) : (uint64_t)r;
}

/* The rounding of a finite nonzero value to p significant bits in an
 * exponent range [1, emax-1] (biased): returns the biased exponent (0 for
 * denormals, emax for infinity) and the p-bit significand with the integer
 * bit at p-1.  x80: the 80-bit format, whose unmasked O/U deliver the
 * result with the exponent rebiased by 0x6000 (SDM 8.5.3/8.5.4). */
static int32_t round_pack(const FUnp *a, int32_t bias, int32_t emax, int p, bool x80,
                          FloatStatus *st, uint64_t *pm)
{
    int32_t e = a->exp + bias;
    u128 sig = a->sig;
    bool inexact, carry, tiny = false;
    uint64_t m;

    st->c1_up = false;
    if (e < 1) {
        /* Tininess after rounding: would the result, rounded with an
         * unbounded exponent, still be below the smallest normal? */
        round_bits(sig, p, a->sign, st->round, &inexact, &carry);
        tiny = !(e == 0 && carry);
        if (tiny && st->ftz && !st->ue_unmasked) {
            st->flags |= SF_UE | SF_PE;
            *pm = 0;
            return 0;
        }
        if (x80 && tiny && st->ue_unmasked && e + 0x6000 < 1) {
            /* Unmasked, and too small even for the rebiased result (only
             * FSCALE gets here): a signed zero (SDM 8.5.4). */
            st->flags |= SF_UE | SF_PE;
            *pm = 0;
            return 0;
        }
        if (x80 && tiny && st->ue_unmasked) {
            e += 0x6000;
        } else {
            sig = shr_jam(sig, 1 - e);
            e = 0;
        }
    }
    m = round_bits(sig, p, a->sign, st->round, &inexact, &carry);
    st->c1_up = carry || m > (uint64_t)(sig >> (128 - p));
    if (carry)
        e++;
    else if (e == 0 && (m >> (p - 1)))
        e = 1;
    if (e >= emax) {
        /* Unmasked: rebias, unless even that cannot represent it (FSCALE
         * can get there); then infinity (SDM 8.5.3). */
        if (x80 && st->oe_unmasked && e - 0x6000 >= emax) {
            st->flags |= SF_OE | SF_PE;
            st->c1_up = true;
            *pm = 0;
            return emax;
        }
        if (x80 && st->oe_unmasked) {
            e -= 0x6000;
            st->flags |= SF_OE | (inexact ? SF_PE : 0);
            *pm = m;
            return e;
        }
        st->flags |= SF_OE | SF_PE;
        bool to_inf = st->round == SF_RN || (st->round == SF_RU && !a->sign) ||
                      (st->round == SF_RD && a->sign);
        st->c1_up = to_inf;
        if (to_inf) {
            *pm = 0;
            return emax;
        }
        *pm = p == 64 ? ~0ULL : (1ULL << p) - 1;
        return emax - 1;
    }
    if (tiny && (inexact || st->ue_unmasked))
        st->flags |= SF_UE;
    if (inexact)
        st->flags |= SF_PE;
    *pm = m;
    return e;
}

Float80 sf_pack80(FUnp a, FloatStatus *st)
{
    uint16_t s = a.sign ? 0x8000 : 0;
    uint64_t m;
    int32_t e;
    switch (a.cls) {
    case FC_ZERO:
        return (Float80){ 0, s };
    case FC_INF:
        return (Float80){ 1ULL << 63, s | 0x7fff };
    case FC_QNAN:
    case FC_SNAN:
    case FC_BAD:
        a = sf_quiet(a);
        return (Float80){ (uint64_t)(a.sig >> 64), (a.sign ? 0x8000 : 0) | 0x7fff };
    default:
        break;
    }
    int p = st->prec ? st->prec : 64;
    e = round_pack(&a, 16383, 0x7fff, p, true, st, &m);
    if (e == 0x7fff)
        return (Float80){ 1ULL << 63, s | 0x7fff };
    return (Float80){ m << (64 - p), (uint16_t)(s | (e & 0x7fff)) };
}

uint64_t sf_pack(int fmt, FUnp a, FloatStatus *st)
{
    const SfFmt *f = fmt_of(fmt);
    int width = f->fbits + (fmt == SF_F32 ? 9 : 12);
    uint64_t s = (uint64_t)a.sign << (width - 1);
    uint64_t m;
    int32_t e;
    switch (a.cls) {
    case FC_ZERO:
        return s;
    case FC_INF:
        return s | ((uint64_t)f->emax << f->fbits);
    case FC_QNAN:
    case FC_SNAN:
    case FC_BAD:
        a = sf_quiet(a);
        return ((uint64_t)a.sign << (width - 1)) | ((uint64_t)f->emax << f->fbits) |
               ((uint64_t)(a.sig >> (127 - f->fbits)) & ((1ULL << f->fbits) - 1));
    default:
        break;
    }
    e = round_pack(&a, f->bias, f->emax, f->fbits + 1, false, st, &m);
    return s | ((uint64_t)e << f->fbits) | (m & ((1ULL << f->fbits) - 1));
}

/* Split a finite value into integer part and the discarded fraction
 * (as a 128-bit binary fraction with sticky), then round by rm. */
static u128 int_part(const FUnp *a, int rm, bool *inexact, bool *overflow, bool *up)
{
    int32_t shift = 127 - a->exp;
    u128 ip, frac;
    *overflow = false;
    *up = false;
    if (shift <= 0) {
        *inexact = false;
        *overflow = a->exp > 127;
        return a->sig << (a->exp > 127 ? 0 : -shift);
    }
    if (shift >= 128) {
        ip = 0;
        frac = shift == 128 ? a->sig : shr_jam(a->sig, shift - 128);
    } else {
        ip = a->sig >> shift;
        frac = a->sig << (128 - shift);
    }
    *inexact = frac != 0;
    bool inc = false;
    switch (rm) {
    case SF_RN:
        inc = frac > TOP || (frac == TOP && (ip & 1));
        break;
    case SF_RD:
        inc = a->sign && frac;
        break;
    case SF_RU:
        inc = !a->sign && frac;
        break;
    default:
        break;
    }
    *up = inc;
    return ip + inc;
}

uint64_t sf_to_int(FUnp a, int bits, int rm, FloatStatus *st)
{
    uint64_t indef = 1ULL << (bits - 1);
    bool inexact, ovf;
    st->c1_up = false;
    if (a.cls == FC_ZERO)
        return 0;
    if (a.cls != FC_NORMAL) {
        st->flags |= SF_IE;
        return indef;
    }
    u128 v = int_part(&a, rm, &inexact, &ovf, &st->c1_up);
    if (ovf || v > (u128)indef || (!a.sign && v == (u128)indef)) {
        st->flags |= SF_IE;
        return indef;
    }
    if (inexact)
        st->flags |= SF_PE;
    uint64_t r = a.sign ? -(uint64_t)v : (uint64_t)v;
    return bits == 64 ? r : r & ((1ULL << bits) - 1);
}

FUnp sf_round_int(FUnp a, int rm, FloatStatus *st)
{
    bool inexact, ovf;
    st->c1_up = false;
    if (a.cls != FC_NORMAL) {
        if (a.cls == FC_SNAN || a.cls == FC_BAD)
            st->flags |= SF_IE;
        return sf_is_nan(&a) ? sf_quiet(a) : a;
    }
    if (a.exp >= 127)
        return a;
    u128 v = int_part(&a, rm, &inexact, &ovf, &st->c1_up);
    if (inexact)
        st->flags |= SF_PE;
    if (v == 0)
        return (FUnp){ FC_ZERO, a.sign, 0, 0 };
    FUnp r = sf_normalize(a.sign, 127, v);
    return r;
}

FUnp sf_pick_nan(FUnp a, FUnp b, FloatStatus *st)
{
    bool an = sf_is_nan(&a), bn = sf_is_nan(&b);
    if (a.cls == FC_SNAN || b.cls == FC_SNAN || a.cls == FC_BAD || b.cls == FC_BAD)
        st->flags |= SF_IE;
    if (a.cls == FC_BAD || b.cls == FC_BAD)
        return sf_default_nan();
    if (!st->x87)
        return sf_quiet(an ? a : b);
    if (an && bn) {
        /* x87: a QNaN wins over an SNaN; between two of a kind the larger
         * significand wins (SDM vol. 1 table 4-7). */
        if (a.cls != b.cls)
            return sf_quiet(a.cls == FC_QNAN ? a : b);
        u128 ma = a.sig | QBIT, mb = b.sig | QBIT;
        if (ma != mb)
            return sf_quiet(ma > mb ? a : b);
        return sf_quiet(a.sign ? b : a);
    }
    return sf_quiet(an ? a : b);
}

int sf_compare(FUnp a, FUnp b, bool quiet, FloatStatus *st)
{
    if (sf_is_nan(&a) || sf_is_nan(&b)) {
        if (!quiet || a.cls == FC_SNAN || b.cls == FC_SNAN || a.cls == FC_BAD ||
            b.cls == FC_BAD)
            st->flags |= SF_IE;
        return SF_UN;
    }
    if (a.cls == FC_ZERO && b.cls == FC_ZERO)
        return SF_EQ;
    if (a.cls == FC_ZERO)
        return b.sign ? SF_GT : SF_LT;
    if (b.cls == FC_ZERO)
        return a.sign ? SF_LT : SF_GT;
    if (a.sign != b.sign)
        return a.sign ? SF_LT : SF_GT;
    int mag;  /* |a| vs |b| */
    if (a.cls == FC_INF || b.cls == FC_INF)
        mag = (a.cls == FC_INF) - (b.cls == FC_INF);
    else if (a.exp != b.exp)
        mag = a.exp > b.exp ? 1 : -1;
    else
        mag = a.sig == b.sig ? 0 : (a.sig > b.sig ? 1 : -1);
    if (mag == 0)
        return SF_EQ;
    return (mag > 0) != a.sign ? SF_GT : SF_LT;
}

bool f80_is_nan(Float80 a)
{
    return (a.sexp & 0x7fff) == 0x7fff && (a.mant << 1) != 0;
}
