/* IEEE 754 add/sub/mul/div/sqrt on unpacked operands (exact or sticky
 * results), and the packed wrappers for 80-bit, binary32 and binary64. */
#include "cpu/softfloat.h"

#define TOP ((u128)1 << 127)

static u128 shr_jam(u128 x, int n)
{
    if (n <= 0)
        return x;
    if (n >= 128)
        return x != 0;
    return (x >> n) | ((x << (128 - n)) != 0);
}

static FUnp zero(bool sign)
{
    return (FUnp){ FC_ZERO, sign, 0, 0 };
}

static FUnp inf(bool sign)
{
    return (FUnp){ FC_INF, sign, 0, 0 };
}

static FUnp invalid(FloatStatus *st)
{
    st->flags |= SF_IE;
    return sf_default_nan();
}

static bool any_nan(const FUnp *a, const FUnp *b)
{
    return sf_is_nan(a) || (b && sf_is_nan(b));
}

FUnp sf_add(FUnp a, FUnp b, bool subtract, FloatStatus *st)
{
    if (any_nan(&a, &b))
        return sf_pick_nan(a, b, st);
    b.sign ^= subtract;
    if (a.cls == FC_INF || b.cls == FC_INF) {
        if (a.cls == FC_INF && b.cls == FC_INF && a.sign != b.sign)
            return invalid(st);
        return a.cls == FC_INF ? a : b;
    }
    if (a.cls == FC_ZERO && b.cls == FC_ZERO) {
        if (a.sign == b.sign)
            return a;
        return zero(st->round == SF_RD);
    }
    if (a.cls == FC_ZERO)
        return b;
    if (b.cls == FC_ZERO)
        return a;
    /* Order by magnitude so that |a| >= |b|. */
    if (b.exp > a.exp || (b.exp == a.exp && b.sig > a.sig)) {
        FUnp t = a;
        a = b;
        b = t;
    }
    /* One bit of headroom for the carry of an addition. */
    u128 x = shr_jam(a.sig, 1);
    u128 y = shr_jam(shr_jam(b.sig, 1), a.exp - b.exp);
    if (a.sign == b.sign)
        return sf_normalize(a.sign, a.exp + 1, x + y);
    if (x == y)
        return zero(st->round == SF_RD);
    return sf_normalize(a.sign, a.exp + 1, x - y);
}

/* 128x128 -> top 128 bits with sticky, and whether bit 255 was set. */
static u128 mul128(u128 a, u128 b, bool *top)
{
    uint64_t ah = a >> 64, al = (uint64_t)a, bh = b >> 64, bl = (uint64_t)b;
    u128 hh = (u128)ah * bh, hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    u128 mid = (hl & ~0ULL) + (lh & ~0ULL) + (ll >> 64);
    u128 lo = ((u128)(uint64_t)mid << 64) | (uint64_t)ll;
    u128 hi = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    *top = hi >> 127;
    if (*top)
        return hi | (lo != 0);
    return (hi << 1) | (lo >> 127) | ((lo << 1) != 0);
}

FUnp sf_mul(FUnp a, FUnp b, FloatStatus *st)
{
    bool sign = a.sign ^ b.sign, top;
    if (any_nan(&a, &b))
        return sf_pick_nan(a, b, st);
    if (a.cls == FC_INF || b.cls == FC_INF) {
        if (a.cls == FC_ZERO || b.cls == FC_ZERO)
            return invalid(st);
        return inf(sign);
    }
    if (a.cls == FC_ZERO || b.cls == FC_ZERO)
        return zero(sign);
    u128 p = mul128(a.sig, b.sig, &top);
    return (FUnp){ FC_NORMAL, sign, a.exp + b.exp + top, p };
}

/* Quotient of two normalized significands: 128 bits with sticky, and the
 * exponent adjustment (0 when a >= b, else -1). */
static u128 div128(u128 a, u128 b, int *adj)
{
    u128 q = 0, r = a;
    bool rc = false;
    *adj = 0;
    if (a < b) {
        *adj = -1;
        rc = r >> 127;
        r <<= 1;
    }
    for (int i = 0; i < 128; i++) {
        q <<= 1;
        if (rc || r >= b) {
            r -= b;
            q |= 1;
        }
        rc = r >> 127;
        r <<= 1;
    }
    return q | (r != 0 || rc);
}

/* Fast path for 64-bit significands with the host's 128/64 division. */
static u128 div64(uint64_t a, uint64_t b, int *adj)
{
    u128 r, f1, f2;
    if (a >= b) {
        *adj = 0;
        r = a - b;               /* quotient = 1 + r/b */
        f1 = (r << 64) / b;
        r = (r << 64) % b;
        f2 = (r << 64) / b;
        r = (r << 64) % b;
        return TOP | (f1 << 63) | (f2 >> 1) | ((f2 & 1) | (r != 0));
    }
    *adj = -1;
    f1 = ((u128)a << 64) / b;
    r = ((u128)a << 64) % b;
    f2 = (r << 64) / b;
    r = (r << 64) % b;
    return (f1 << 64) | f2 | (r != 0);
}

FUnp sf_div(FUnp a, FUnp b, FloatStatus *st)
{
    bool sign = a.sign ^ b.sign;
    int adj;
    u128 q;
    if (any_nan(&a, &b))
        return sf_pick_nan(a, b, st);
    if (a.cls == FC_INF)
        return b.cls == FC_INF ? invalid(st) : inf(sign);
    if (b.cls == FC_INF)
        return zero(sign);
    if (b.cls == FC_ZERO) {
        if (a.cls == FC_ZERO)
            return invalid(st);
        st->flags |= SF_ZE;
        return inf(sign);
    }
    if (a.cls == FC_ZERO)
        return zero(sign);
    if ((uint64_t)a.sig == 0 && (uint64_t)b.sig == 0)
        q = div64(a.sig >> 64, b.sig >> 64, &adj);
    else
        q = div128(a.sig, b.sig, &adj);
    return (FUnp){ FC_NORMAL, sign, a.exp - b.exp + adj, q };
}

/* Digit-by-digit square root: n (<= 124) result bits of a fixed-point
 * radicand with two integer bits, plus sticky, aligned to bit 127.  68
 * bits are enough to round any 64-bit result correctly. */
static u128 sqrt_bits(u128 w, int n)
{
    u128 root = 0, rem = 0;
    for (int i = 0; i < n; i++) {
        unsigned pair = i < 64 ? (unsigned)(w >> (126 - 2 * i)) & 3 : 0;
        rem = (rem << 2) | pair;
        u128 trial = (root << 2) | 1;
        if (rem >= trial) {
            rem -= trial;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    return (root << (128 - n)) | (rem != 0);
}

FUnp sf_sqrt(FUnp a, FloatStatus *st)
{
    if (sf_is_nan(&a))
        return sf_pick_nan(a, a, st);
    if (a.cls == FC_ZERO)
        return a;
    if (a.sign)
        return invalid(st);
    if (a.cls == FC_INF)
        return a;
    /* value = f * 2^e, f in [1,2).  Make the exponent even: f' = f or 2f
     * in [1,4) as a fixed-point number with two integer bits. */
    bool odd = a.exp & 1;
    u128 w = odd ? a.sig : shr_jam(a.sig, 1);
    int32_t e = odd ? a.exp - 1 : a.exp;
    /* Operands of the packed formats have at most 64 significant bits. */
    int n = (uint64_t)a.sig == 0 ? 68 : 124;
    return (FUnp){ FC_NORMAL, false, e / 2, sqrt_bits(w, n) };
}

/* Exception priority (SDM vol. 1 4.9.2): an invalid operation, a NaN
 * operand or a zero divide hides the denormal-operand condition. */
static void drop_hidden_de(FloatStatus *st, uint8_t before, const FUnp *r)
{
    if ((st->flags & (SF_IE | SF_ZE)) || sf_is_nan(r))
        st->flags &= ~SF_DE;
    st->flags |= before;
}

static void x80_op(FloatStatus *st, Float80 *r, FUnp v, uint8_t before)
{
    drop_hidden_de(st, before, &v);
    *r = sf_pack80(v, st);
}

Float80 f80_add(Float80 a, Float80 b, FloatStatus *st)
{
    Float80 r;
    uint8_t before = st->flags;
    st->flags = 0;
    FUnp x = sf_unpack80(a, true, st), y = sf_unpack80(b, true, st);
    x80_op(st, &r, sf_add(x, y, false, st), before);
    return r;
}

Float80 f80_sub(Float80 a, Float80 b, FloatStatus *st)
{
    Float80 r;
    uint8_t before = st->flags;
    st->flags = 0;
    FUnp x = sf_unpack80(a, true, st), y = sf_unpack80(b, true, st);
    x80_op(st, &r, sf_add(x, y, true, st), before);
    return r;
}

Float80 f80_mul(Float80 a, Float80 b, FloatStatus *st)
{
    Float80 r;
    uint8_t before = st->flags;
    st->flags = 0;
    FUnp x = sf_unpack80(a, true, st), y = sf_unpack80(b, true, st);
    x80_op(st, &r, sf_mul(x, y, st), before);
    return r;
}

Float80 f80_div(Float80 a, Float80 b, FloatStatus *st)
{
    Float80 r;
    uint8_t before = st->flags;
    st->flags = 0;
    FUnp x = sf_unpack80(a, true, st), y = sf_unpack80(b, true, st);
    x80_op(st, &r, sf_div(x, y, st), before);
    return r;
}

Float80 f80_sqrt(Float80 a, FloatStatus *st)
{
    Float80 r;
    uint8_t before = st->flags;
    st->flags = 0;
    x80_op(st, &r, sf_sqrt(sf_unpack80(a, true, st), st), before);
    return r;
}

Float80 f80_round_int(Float80 a, FloatStatus *st)
{
    FUnp x = sf_unpack80(a, true, st);
    FUnp v = sf_round_int(x, st->round, st);
    if (v.cls != FC_NORMAL)
        return sf_pack80(v, st);
    /* An integral value of at most 64 bits is exact at any precision
     * control setting the x87 applies to FRNDINT (it rounds to 64 bits). */
    uint8_t prec = st->prec;
    bool up = st->c1_up;
    st->prec = 64;
    Float80 r = sf_pack80(v, st);
    st->prec = prec;
    st->c1_up = up;
    return r;
}

uint64_t sf_arith(int fmt, int op, uint64_t a, uint64_t b, FloatStatus *st)
{
    uint8_t before = st->flags;
    st->flags = 0;
    FUnp x = sf_unpack(fmt, a, true, st), y, r;
    if (op == SF_OP_SQRT) {
        r = sf_sqrt(x, st);
        drop_hidden_de(st, before, &r);
        return sf_pack(fmt, r, st);
    }
    y = sf_unpack(fmt, b, true, st);
    switch (op) {
    case SF_OP_ADD:
        r = sf_add(x, y, false, st);
        break;
    case SF_OP_SUB:
        r = sf_add(x, y, true, st);
        break;
    case SF_OP_MUL:
        r = sf_mul(x, y, st);
        break;
    default:
        r = sf_div(x, y, st);
        break;
    }
    drop_hidden_de(st, before, &r);
    return sf_pack(fmt, r, st);
}
