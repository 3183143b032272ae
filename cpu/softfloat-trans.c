/* x87 transcendentals: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FPTAN.
 *
 * Computed with this softfloat's own operations carried at 128-bit
 * significands (series after argument reduction), then rounded once to
 * the destination; the error before that rounding is far below 2^-100
 * relative, so results are within 1 ulp of the exact value — the accuracy
 * the SDM documents for these instructions (vol. 1 8.3.10).  As on Intel
 * hardware, FSIN/FCOS/FPTAN reduce their argument with a 66-bit value of
 * pi, which is what makes results far from zero match the hardware. */
#include "cpu/fpu-internal.h"

#include <stddef.h>

static FUnp k128(uint64_t hi, uint64_t lo, int32_t exp)
{
    return (FUnp){ FC_NORMAL, false, exp, ((u128)hi << 64) | lo };
}

#define C_PI    k128(0xc90fdaa22168c234ULL, 0xc4c6628b80dc1cd1ULL, 1)
#define C_LN2   k128(0xb17217f7d1cf79abULL, 0xc9e3b39803f2f6afULL, -1)
#define C_LOG2E k128(0xb8aa3b295c17f0bbULL, 0xbe87fed0691d3e88ULL, 0)
/* pi to 66 bits (0xC90FDAA22168C234C), as the x87 reduces with. */
#define C_PI66  k128(0xc90fdaa22168c234ULL, 0xc000000000000000ULL, 1)

/* Exact-ish 128-bit helpers on finite values (no NaNs arise inside). */
static _Thread_local FloatStatus scratch;   /* flags of internal steps, unused */

static FUnp add(FUnp a, FUnp b) { return sf_add(a, b, false, &scratch); }
static FUnp sub(FUnp a, FUnp b) { return sf_add(a, b, true, &scratch); }
static FUnp mul(FUnp a, FUnp b) { return sf_mul(a, b, &scratch); }
static FUnp divi(FUnp a, FUnp b) { return sf_div(a, b, &scratch); }
static FUnp num(int64_t v) { return sf_from_int(v); }

/* a / k for a small positive integer k: a two-limb long division keeps
 * the full 128 bits (the generic bitwise division is much slower). */
static FUnp div_small(FUnp a, uint32_t k)
{
    if (a.cls != FC_NORMAL)
        return a;
    u128 qh = a.sig / k, r = a.sig % k;
    uint64_t ql = (uint64_t)((r << 64) / k);
    bool sticky = ((r << 64) % k) != 0;
    int lz = __builtin_clzll((uint64_t)(qh >> 64));   /* qh >= 2^95: high half nonzero */
    u128 q = (qh << lz) | (lz ? (u128)ql >> (64 - lz) : 0);
    sticky |= lz < 64 && (ql << lz) != 0;
    return (FUnp){ FC_NORMAL, a.sign, a.exp - lz, q | sticky };
}

static FUnp scale2(FUnp a, int n)
{
    if (a.cls == FC_NORMAL)
        a.exp += n;
    return a;
}

static bool tiny(const FUnp *term, const FUnp *sum)
{
    return term->cls == FC_ZERO || (sum->cls == FC_NORMAL && term->exp < sum->exp - 130);
}

/* e^t - 1 = sum t^k / k!, for |t| < 1. */
static FUnp expm1_series(FUnp t)
{
    FUnp sum = t, term = t;
    for (int k = 2; k < 60; k++) {
        term = div_small(mul(term, t), (uint32_t)k);
        sum = add(sum, term);
        if (tiny(&term, &sum))
            break;
    }
    return sum;
}

/* atanh(z) = z + z^3/3 + z^5/5 + ..., for |z| <= 0.2. */
static FUnp atanh_series(FUnp z)
{
    FUnp z2 = mul(z, z), pw = z, sum = z;
    for (int k = 1; k < 80; k++) {
        pw = mul(pw, z2);
        FUnp term = div_small(pw, (uint32_t)(2 * k + 1));
        sum = add(sum, term);
        if (tiny(&term, &sum))
            break;
    }
    return sum;
}

/* atan(z) = z - z^3/3 + z^5/5 - ..., for |z| <= 0.27. */
static FUnp atan_series(FUnp z)
{
    FUnp z2 = mul(z, z), pw = z, sum = z;
    for (int k = 1; k < 80; k++) {
        pw = mul(pw, z2);
        FUnp term = div_small(pw, (uint32_t)(2 * k + 1));
        sum = (k & 1) ? sub(sum, term) : add(sum, term);
        if (tiny(&term, &sum))
            break;
    }
    return sum;
}

/* sin (odd=1) or cos (odd=0) series for |r| <= pi/4. */
static FUnp sincos_series(FUnp r, bool odd)
{
    FUnp r2 = mul(r, r), term = odd ? r : num(1), sum = term;
    int n = odd ? 1 : 0;
    for (int k = 1; k < 40; k++) {
        term = div_small(mul(term, r2), (uint32_t)((n + 1) * (n + 2)));
        n += 2;
        sum = (k & 1) ? sub(sum, term) : add(sum, term);
        if (tiny(&term, &sum))
            break;
    }
    return sum;
}

/* ln(x) for finite x > 0. */
static FUnp ln_pos(FUnp x)
{
    int32_t e = x.exp;
    x.exp = 0;                          /* m in [1, 2) */
    /* m > sqrt(2): use m/2 so that |z| <= 0.172. */
    if (x.sig > (((u128)0xb504f333f9de6484ULL) << 64)) {
        x.exp = -1;
        e++;
    }
    FUnp z = divi(sub(x, num(1)), add(x, num(1)));
    FUnp l = z.cls == FC_ZERO ? z : scale2(atanh_series(z), 1);
    return add(l, mul(num(e), C_LN2));
}

/* A transcendental result is irrational unless handled as exact earlier:
 * a sticky bit makes the rounding report it inexact (and tiny). */
static FUnp inexact(FUnp r)
{
    if (r.cls == FC_NORMAL)
        r.sig |= 1;
    return r;
}

static Float80 finish(FUnp r, FloatStatus *st)
{
    uint8_t prec = st->prec;
    st->prec = 64;                      /* precision control does not apply */
    Float80 out = sf_pack80(r, st);
    st->prec = prec;
    return out;
}

static bool nan_in(FUnp *a, FUnp *b, FUnp *r, FloatStatus *st)
{
    if (!sf_is_nan(a) && !(b && sf_is_nan(b)))
        return false;
    st->flags &= ~SF_DE;
    *r = sf_pick_nan(*a, b ? *b : *a, st);
    return true;
}

Float80 f80_f2xm1(Float80 fa, FloatStatus *st)
{
    FUnp a = sf_unpack80(fa, true, st), r;
    if (nan_in(&a, NULL, &r, st))
        return finish(r, st);
    if (a.cls == FC_ZERO)
        return fa;
    if (a.cls == FC_INF)
        return a.sign ? finish(sf_from_int(-1), st) : fa;
    if (a.exp >= 1 || (a.exp == 0 && a.sig != ((u128)1 << 127))) {
        /* Outside the documented domain [-1, +1] the result is undefined;
         * the reference hardware leaves the operand unchanged. */
        st->flags |= SF_PE;
        return fa;
    }
    return finish(inexact(expm1_series(mul(a, C_LN2))), st);
}

/* y * log2(x), or y * log2(x + 1) for FYL2XP1. */
Float80 f80_yl2x(Float80 fy, Float80 fx, bool plus1, FloatStatus *st)
{
    FUnp y = sf_unpack80(fy, true, st), x = sf_unpack80(fx, true, st), l;
    if (nan_in(&y, &x, &l, st))
        return finish(l, st);
    if (plus1) {
        if (x.cls == FC_ZERO || x.cls == FC_INF) {
            /* log2(1 + 0) = 0; infinite x is outside the domain */
            if (x.cls == FC_INF || y.cls == FC_INF) {
                st->flags |= SF_IE;
                return finish(sf_default_nan(), st);
            }
            return finish(sf_mul(y, x, st), st);
        }
        if (x.sign && x.exp >= 0) {          /* x <= -1 */
            st->flags |= SF_IE;
            return finish(sf_default_nan(), st);
        }
        FUnp z = divi(x, add(num(2), x));
        l = inexact(mul(scale2(atanh_series(z), 1), C_LOG2E));
    } else {
        if (x.sign && x.cls != FC_ZERO) {
            st->flags = (st->flags & ~SF_DE) | SF_IE;
            return finish(sf_default_nan(), st);
        }
        if (x.cls == FC_ZERO) {
            if (y.cls == FC_NORMAL)
                st->flags |= SF_ZE;
            l = (FUnp){ FC_INF, true, 0, 0 };
        } else if (x.cls == FC_INF) {
            l = x;
        } else {
            /* log2 of a power of two is its exponent, exactly.  A denormal
             * result is still reported as an underflow, as the reference
             * hardware does. */
            if (x.sig == ((u128)1 << 127)) {
                Float80 out = finish(sf_mul(y, num(x.exp), st), st);
                if ((out.sexp & 0x7fff) == 0 && out.mant && !st->ue_unmasked)
                    st->flags |= SF_UE | SF_PE;
                return out;
            }
            l = inexact(mul(ln_pos(x), C_LOG2E));
        }
    }
    return finish(sf_mul(y, l, st), st);
}

/* atan(z) for 0 <= z <= 1. */
static FUnp atan_unit(FUnp z)
{
    FUnp two_m_sqrt3 = k128(0x8930a2f4f66ab189ULL, 0xb517a51f0e8f88edULL, -2);
    if (z.cls == FC_ZERO || sf_compare(z, two_m_sqrt3, true, &scratch) != SF_GT)
        return z.cls == FC_ZERO ? z : atan_series(z);
    /* atan(z) = pi/6 + atan((sqrt3 z - 1) / (sqrt3 + z)) */
    FUnp s3 = k128(0xddb3d742c265539dULL, 0x92ba16b83c5c1dc4ULL, 0);   /* sqrt(3) */
    FUnp w = divi(sub(mul(s3, z), num(1)), add(s3, z));
    FUnp a = w.cls == FC_ZERO ? w : atan_series(w);
    return add(div_small(C_PI, 6), a);
}

Float80 f80_patan(Float80 fy, Float80 fx, FloatStatus *st)
{
    FUnp y = sf_unpack80(fy, true, st), x = sf_unpack80(fx, true, st), r;
    if (nan_in(&y, &x, &r, st))
        return finish(r, st);
    bool ys = y.sign, xneg = x.sign;
    FUnp pi = C_PI, half = scale2(C_PI, -1);
    if (y.cls == FC_ZERO) {
        r = xneg ? pi : (FUnp){ FC_ZERO, false, 0, 0 };
    } else if (x.cls == FC_ZERO) {
        r = half;
    } else if (y.cls == FC_INF || x.cls == FC_INF) {
        if (y.cls == FC_INF && x.cls == FC_INF)
            r = xneg ? mul(scale2(C_PI, -2), num(3)) : scale2(C_PI, -2);
        else if (y.cls == FC_INF)
            r = half;
        else
            r = xneg ? pi : (FUnp){ FC_ZERO, false, 0, 0 };
    } else {
        FUnp ay = y, ax = x;
        ay.sign = ax.sign = false;
        if (sf_compare(ay, ax, true, &scratch) == SF_GT)
            r = sub(half, atan_unit(divi(ax, ay)));
        else
            r = atan_unit(divi(ay, ax));
        if (xneg)
            r = sub(pi, r);
    }
    r.sign = ys;
    return finish(inexact(r), st);
}

bool f80_trig(Float80 fa, int which, Float80 *out, FloatStatus *st)
{
    FUnp a = sf_unpack80(fa, true, st), r;
    if (a.cls == FC_NORMAL && a.exp >= 63)
        return false;                   /* |x| >= 2^63: C2=1, unchanged */
    if (nan_in(&a, NULL, &r, st)) {
        *out = finish(r, st);
        return true;
    }
    if (a.cls == FC_INF) {
        st->flags |= SF_IE;
        *out = finish(sf_default_nan(), st);
        return true;
    }
    if (a.cls == FC_ZERO) {
        *out = which == 1 ? finish(num(1), st) : fa;
        return true;
    }
    /* k = nearest integer to x / (pi/2); r = x - k * (pi66 / 2) */
    FUnp half66 = scale2(C_PI66, -1);
    /* The quotient only picks the quadrant: 2/pi is close enough (a
     * neighbouring k leaves |r| a hair above pi/4, where the series still
     * converge); r itself is exact. */
    FUnp two_over_pi = k128(0xa2f9836e4e441529ULL, 0xfc2757d1f534ddc0ULL, -1);
    FUnp q = sf_round_int(mul(a, two_over_pi), SF_RN, &scratch);
    uint64_t k = 0;
    FUnp red = a;
    if (q.cls == FC_NORMAL) {
        k = sf_to_int(q, 64, SF_RZ, &scratch);
        red = sub(a, mul(q, half66));
    }
    bool odd = k & 1;
    switch (which) {
    case 0:
        r = sincos_series(red, !odd);
        if (k & 2)
            r.sign = !r.sign;
        break;
    case 1:
        r = sincos_series(red, odd);
        if (((k + 1) & 2) != 0)
            r.sign = !r.sign;
        break;
    default: {
        FUnp s = sincos_series(red, true), c = sincos_series(red, false);
        r = odd ? divi(c, s) : divi(s, c);
        if (odd)
            r.sign = !r.sign;
        break;
    }
    }
    *out = finish(inexact(r), st);
    return true;
}
