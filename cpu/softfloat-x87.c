/* x87-only operations with exact results: FPREM/FPREM1 (partial
 * remainder), FSCALE, FXTRACT and packed BCD (FBLD/FBSTP). */
#include "cpu/fpu-internal.h"

#include <string.h>

static Float80 pack64(FUnp v, FloatStatus *st)
{
    uint8_t prec = st->prec;
    st->prec = 64;
    Float80 r = sf_pack80(v, st);
    st->prec = prec;
    return r;
}

/* Exact remainder of A*2^d / B (A, B 64-bit significands, 0 <= d < 64):
 * returns r < B and the low 64 bits of the truncated quotient. */
static uint64_t rem_bits(uint64_t a, uint64_t b, int d, uint64_t *q)
{
    u128 r = a;
    *q = 0;
    if (r >= b) {
        r -= b;
        *q = 1;
    }
    for (int i = 0; i < d; i++) {
        r <<= 1;
        *q <<= 1;
        if (r >= b) {
            r -= b;
            *q |= 1;
        }
    }
    return (uint64_t)r;
}

Float80 f80_prem(Float80 fa, Float80 fb, bool ieee, uint16_t *cc, FloatStatus *st)
{
    FUnp a = sf_unpack80(fa, true, st), b = sf_unpack80(fb, true, st);
    *cc = 0;
    if (sf_is_nan(&a) || sf_is_nan(&b)) {
        st->flags &= ~SF_DE;
        return pack64(sf_pick_nan(a, b, st), st);
    }
    if (a.cls == FC_INF || b.cls == FC_ZERO) {
        st->flags = (st->flags & ~SF_DE) | SF_IE;
        return pack64(sf_default_nan(), st);
    }
    if (a.cls == FC_ZERO || b.cls == FC_INF)
        return pack64(a, st);
    uint64_t A = (uint64_t)(a.sig >> 64), B = (uint64_t)(b.sig >> 64), q = 0;
    int32_t d = a.exp - b.exp, eb = b.exp;
    bool sign = a.sign;
    u128 r;
    if (d >= 64) {
        /* Partial remainder: reduce the exponent difference by N in
         * [32, 63] (the AMD/Intel-documented form) and report C2=1. */
        int n = 32 + d % 32;
        eb = a.exp - n;
        r = rem_bits(A, B, n, &q);
        *cc = FSW_C2;
        return pack64(r ? sf_normalize(sign, eb + 64, r) : (FUnp){ FC_ZERO, sign, 0, 0 }, st);
    }
    if (d < 0) {
        r = A;
        eb = a.exp;          /* r is in units of a */
        if (ieee && d == -1 && A > B) {
            r = 2 * (u128)B - A;   /* |b| - |a| in units of a */
            sign = !sign;
            q = 1;
        }
    } else {
        r = rem_bits(A, B, d, &q);
        if (ieee && (2 * r > B || (2 * r == B && (q & 1)))) {
            r = B - r;
            sign = !sign;
            q++;
        }
    }
    *cc = (uint16_t)(((q & 4) ? FSW_C0 : 0) | ((q & 2) ? FSW_C3 : 0) | ((q & 1) ? FSW_C1 : 0));
    if (r == 0)
        return pack64((FUnp){ FC_ZERO, a.sign, 0, 0 }, st);
    return pack64(sf_normalize(sign, eb + 64, r), st);
}

Float80 f80_scale(Float80 fa, Float80 fb, FloatStatus *st)
{
    FUnp a = sf_unpack80(fa, true, st), b = sf_unpack80(fb, true, st);
    if (sf_is_nan(&a) || sf_is_nan(&b)) {
        st->flags &= ~SF_DE;
        return pack64(sf_pick_nan(a, b, st), st);
    }
    if (b.cls == FC_INF) {
        if ((a.cls == FC_ZERO && !b.sign) || (a.cls == FC_INF && b.sign)) {
            st->flags = (st->flags & ~SF_DE) | SF_IE;
            return pack64(sf_default_nan(), st);
        }
        if (a.cls == FC_NORMAL)
            a = (FUnp){ b.sign ? FC_ZERO : FC_INF, a.sign, 0, 0 };
        return pack64(a, st);
    }
    if (a.cls != FC_NORMAL)
        return pack64(a, st);
    int64_t n = 0;
    if (b.cls == FC_NORMAL) {
        if (b.exp > 20)
            n = b.sign ? -(1LL << 21) : (1LL << 21);
        else if (b.exp >= 0)
            n = (int64_t)(b.sig >> (127 - b.exp)) * (b.sign ? -1 : 1);
    }
    a.exp = (int32_t)(a.exp + n);
    return pack64(a, st);
}

void f80_xtract(Float80 fa, Float80 *e, Float80 *s, FloatStatus *st)
{
    FUnp a = sf_unpack80(fa, true, st);
    switch (a.cls) {
    case FC_ZERO:
        st->flags |= SF_ZE;
        *e = (Float80){ 1ULL << 63, 0xffff };
        *s = fa;
        return;
    case FC_INF:
        *e = (Float80){ 1ULL << 63, 0x7fff };
        *s = fa;
        return;
    case FC_NORMAL:
        *e = pack64(sf_from_int(a.exp), st);
        *s = (Float80){ (uint64_t)(a.sig >> 64), (uint16_t)((a.sign ? 0x8000 : 0) | 0x3fff) };
        return;
    default:
        st->flags &= ~SF_DE;
        *e = *s = pack64(sf_pick_nan(a, a, st), st);
        return;
    }
}

Float80 f80_from_bcd(const uint8_t bcd[10])
{
    uint64_t v = 0;
    FloatStatus st = { .prec = 64 };
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
    FUnp u = sf_from_uint(v);
    u.sign = bcd[9] >> 7;
    return sf_pack80(u, &st);
}

bool f80_to_bcd(Float80 fa, uint8_t bcd[10], FloatStatus *st)
{
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    FUnp a = sf_unpack80(fa, false, st);
    FloatStatus t = *st;
    uint64_t v = sf_to_int(a, 64, st->round, &t);
    bool neg = a.sign;
    if (a.cls == FC_NORMAL && !(t.flags & SF_IE) && neg)
        v = -v;
    if ((t.flags & SF_IE) || v > 999999999999999999ULL) {
        st->flags = (st->flags & ~SF_DE) | SF_IE;
        memcpy(bcd, indefinite, 10);
        return false;
    }
    st->flags = t.flags;
    st->c1_up = t.c1_up;
    for (int i = 0; i < 9; i++) {
        bcd[i] = (uint8_t)((v % 10) | ((v / 10 % 10) << 4));
        v /= 100;
    }
    bcd[9] = neg ? 0x80 : 0;
    return true;
}
