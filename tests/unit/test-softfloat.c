/* Softfloat against the host's own x87 and SSE units (the oracle): random
 * and edge-case operands through every rounding mode and precision
 * control, comparing result bits, exception flags and C1. */
#include "tests/unit/unit.h"

#include "cpu/fpu-internal.h"
#include "cpu/softfloat.h"

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_HOST_X87 1
#endif

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_RNDINT, OP_COUNT };

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic operands for reproducible failures. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* An operand biased towards the edges: zeros, denormals, the extremes of
 * the exponent range, infinities, NaNs, and short or full significands. */
static Float80 rnd_f80(void)
{
    uint64_t r = rnd(), m = rnd();
    uint16_t s = (r & 1) ? 0x8000 : 0;
    int kind = (r >> 1) % 16;
    if ((r >> 8) & 1)
        m &= ~0ULL << ((r >> 9) % 64);  /* short significand: exact cases */
    switch (kind) {
    case 0:
        return (Float80){ 0, s };
    case 1:
        return (Float80){ m >> 1, s };                       /* denormal */
    case 2:
        return (Float80){ 1ULL << 63, s | 0x7fff };          /* infinity */
    case 3:
        return (Float80){ (3ULL << 62) | (m >> 2), s | 0x7fff }; /* QNaN */
    case 4:
        return (Float80){ (1ULL << 63) | ((m >> 2) | 1), s | 0x7fff }; /* SNaN */
    case 5:
        return (Float80){ m | (1ULL << 63), s | (uint16_t)(1 + (r >> 16) % 70) };
    case 6:
        return (Float80){ m | (1ULL << 63), s | (uint16_t)(0x7ffe - (r >> 16) % 70) };
    case 7:
        /* Near binary32/binary64 limits, for the precision and store paths. */
        return (Float80){ m | (1ULL << 63),
                          s | (uint16_t)(((r >> 20) & 1 ? 0x3fff + 127 : 0x3fff - 126) +
                                         (int)((r >> 16) % 8) - 4) };
    default:
        return (Float80){ m | (1ULL << 63), s | (uint16_t)(0x3fff - 40 + (r >> 16) % 80) };
    }
}

#ifdef HAVE_HOST_X87
/* Run op on the host x87 with all exceptions masked. */
static Float80 host_x87(int op, Float80 a, Float80 b, uint16_t cw, uint16_t *sw)
{
    struct { uint64_t m; uint16_t e; } __attribute__((packed)) x = { a.mant, a.sexp },
        y = { b.mant, b.sexp }, r;
    uint16_t s;
    switch (op) {
    case OP_ADD:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; faddp; fnstsw %1; fstpt %0"
                         : "=m"(r), "=m"(s) : "m"(x), "m"(y), "m"(cw));
        break;
    case OP_SUB:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; fsubp %%st, %%st(1); fnstsw %1; fstpt %0"
                         : "=m"(r), "=m"(s) : "m"(x), "m"(y), "m"(cw));
        break;
    case OP_MUL:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; fmulp; fnstsw %1; fstpt %0"
                         : "=m"(r), "=m"(s) : "m"(x), "m"(y), "m"(cw));
        break;
    case OP_DIV:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; fdivp %%st, %%st(1); fnstsw %1; fstpt %0"
                         : "=m"(r), "=m"(s) : "m"(x), "m"(y), "m"(cw));
        break;
    case OP_SQRT:
        __asm__ volatile("fninit; fldcw %3; fldt %2; fsqrt; fnstsw %1; fstpt %0"
                         : "=m"(r), "=m"(s) : "m"(x), "m"(cw));
        break;
    default:
        __asm__ volatile("fninit; fldcw %3; fldt %2; frndint; fnstsw %1; fstpt %0"
                         : "=m"(r), "=m"(s) : "m"(x), "m"(cw));
        break;
    }
    __asm__ volatile("" ::: "memory");
    *sw = s;
    return (Float80){ r.m, r.e };
}
#endif

static Float80 soft_x87(int op, Float80 a, Float80 b, uint16_t cw, uint16_t *sw)
{
    static const uint8_t pcs[4] = { 24, 64, 53, 64 };
    FloatStatus st = { .round = (cw >> 10) & 3, .prec = pcs[(cw >> 8) & 3], .x87 = true };
    Float80 r;
    switch (op) {
    case OP_ADD: r = f80_add(a, b, &st); break;
    case OP_SUB: r = f80_sub(a, b, &st); break;
    case OP_MUL: r = f80_mul(a, b, &st); break;
    case OP_DIV: r = f80_div(a, b, &st); break;
    case OP_SQRT: r = f80_sqrt(a, &st); break;
    default: r = f80_round_int(a, &st); break;
    }
    *sw = st.flags | (st.c1_up && (st.flags & SF_PE) ? 0x200 : 0);
    return r;
}

static const char *const op_names[OP_COUNT] = { "fadd", "fsub", "fmul", "fdiv", "fsqrt",
                                                "frndint" };

static int x87_differential(int op, int n)
{
#ifdef HAVE_HOST_X87
    int bad = 0;
    for (int i = 0; i < n && bad < 5; i++) {
        Float80 a = rnd_f80(), b = rnd_f80();
        uint16_t cw = 0x037f & ~0x300;
        cw |= (uint16_t)((rnd() % 4) << 10);
        cw |= (uint16_t)(((const uint8_t[]){ 0, 2, 3 })[rnd() % 3] << 8);
        uint16_t hsw, ssw;
        Float80 h = host_x87(op, a, b, cw, &hsw), s = soft_x87(op, a, b, cw, &ssw);
        hsw &= 0x23f;
        if (h.mant != s.mant || h.sexp != s.sexp || hsw != ssw) {
            bad++;
            unit_fail(__FILE__, __LINE__,
                      "%s cw=%04x a=%04x:%016" PRIx64 " b=%04x:%016" PRIx64
                      " host=%04x:%016" PRIx64 " sw=%03x soft=%04x:%016" PRIx64 " sw=%03x",
                      op_names[op], cw, a.sexp, a.mant, b.sexp, b.mant, h.sexp, h.mant, hsw,
                      s.sexp, s.mant, ssw);
        }
    }
    return bad;
#else
    (void)op; (void)n;
    SKIP("host has no x87 to compare with");
#endif
}

TEST(softfloat, x87_add_vs_host) { x87_differential(OP_ADD, 3000); }
TEST(softfloat, x87_sub_vs_host) { x87_differential(OP_SUB, 3000); }
TEST(softfloat, x87_mul_vs_host) { x87_differential(OP_MUL, 3000); }
TEST(softfloat, x87_div_vs_host) { x87_differential(OP_DIV, 3000); }
TEST(softfloat, x87_sqrt_vs_host) { x87_differential(OP_SQRT, 3000); }
TEST(softfloat, x87_frndint_vs_host) { x87_differential(OP_RNDINT, 3000); }

/* ---- conversions and the partial remainder against the host x87 ---- */

#ifdef HAVE_HOST_X87
typedef struct __attribute__((packed)) HostF80 {
    uint64_t m;
    uint16_t e;
} HostF80;

static uint64_t host_store(Float80 a, int kind, uint16_t cw, uint16_t *sw)
{
    HostF80 x = { a.mant, a.sexp };
    uint64_t r = 0;
    uint32_t r32 = 0;
    uint16_t s, r16 = 0;
    switch (kind) {
    case 0:
        __asm__ volatile("fninit; fldcw %2; fldt %3; fstps %0; fnstsw %1"
                         : "=m"(r32), "=m"(s) : "m"(cw), "m"(x));
        r = r32;
        break;
    case 1:
        __asm__ volatile("fninit; fldcw %2; fldt %3; fstpl %0; fnstsw %1"
                         : "=m"(r), "=m"(s) : "m"(cw), "m"(x));
        break;
    case 2:
        __asm__ volatile("fninit; fldcw %2; fldt %3; fistps %0; fnstsw %1"
                         : "=m"(r16), "=m"(s) : "m"(cw), "m"(x));
        r = r16;
        break;
    case 3:
        __asm__ volatile("fninit; fldcw %2; fldt %3; fistpl %0; fnstsw %1"
                         : "=m"(r32), "=m"(s) : "m"(cw), "m"(x));
        r = r32;
        break;
    default:
        __asm__ volatile("fninit; fldcw %2; fldt %3; fistpll %0; fnstsw %1"
                         : "=m"(r), "=m"(s) : "m"(cw), "m"(x));
        break;
    }
    *sw = s;
    return r;
}
#endif

static uint64_t soft_store(Float80 a, int kind, uint16_t cw, uint16_t *sw)
{
    FloatStatus st = { .round = (cw >> 10) & 3, .prec = 64, .x87 = true };
    FUnp v = sf_unpack80(a, false, &st);
    uint64_t r;
    if (kind < 2) {
        if (v.cls == FC_SNAN || v.cls == FC_BAD)
            st.flags |= SF_IE;
        r = sf_pack(kind == 0 ? SF_F32 : SF_F64, v, &st);
    } else {
        static const int bits[3] = { 16, 32, 64 };
        r = sf_to_int(v, bits[kind - 2], st.round, &st);
    }
    *sw = st.flags | (st.c1_up && (st.flags & SF_PE) ? 0x200 : 0);
    return r;
}

TEST(softfloat, stores_and_integer_conversions_vs_host)
{
#ifdef HAVE_HOST_X87
    static const char *const names[5] = { "fstps", "fstpl", "fistps", "fistpl", "fistpll" };
    int bad = 0;
    for (int i = 0; i < 15000 && bad < 5; i++) {
        Float80 a = rnd_f80();
        if (i % 3 == 0)     /* integers near the int16/32/64 limits */
            a.sexp = (uint16_t)((a.sexp & 0x8000) | (0x3fff + 13 + (int)(rnd() % 52)));
        int kind = (int)(rnd() % 5);
        uint16_t cw = (uint16_t)(0x037f | ((rnd() % 4) << 10)), hsw, ssw;
        uint64_t h = host_store(a, kind, cw, &hsw), s = soft_store(a, kind, cw, &ssw);
        hsw &= 0x23f;
        if (h != s || hsw != ssw) {
            bad++;
            unit_fail(__FILE__, __LINE__, "%s cw=%04x a=%04x:%016" PRIx64 " host=%" PRIx64
                      " sw=%03x soft=%" PRIx64 " sw=%03x", names[kind], cw, a.sexp, a.mant,
                      h, hsw, s, ssw);
        }
    }
#else
    SKIP("host has no x87 to compare with");
#endif
}

TEST(softfloat, partial_remainder_vs_host)
{
#ifdef HAVE_HOST_X87
    int bad = 0;
    for (int i = 0; i < 4000 && bad < 5; i++) {
        bool ieee = i & 1;
        Float80 a = { rnd() | (1ULL << 63), (uint16_t)(0x3fff + rnd() % 400) };
        Float80 b = { rnd() | (1ULL << 63), (uint16_t)(0x3fff - 20 + rnd() % 40) };
        if (rnd() & 1)
            a.sexp |= 0x8000;
        if (rnd() & 1)
            b.sexp |= 0x8000;
        HostF80 x = { a.mant, a.sexp }, y = { b.mant, b.sexp }, r;
        uint16_t hsw, cc = 0;
        if (ieee)
            __asm__ volatile("fninit; fldt %3; fldt %2; fprem1; fnstsw %1; fstpt %0; fstp %%st(0)"
                             : "=m"(r), "=m"(hsw) : "m"(x), "m"(y));
        else
            __asm__ volatile("fninit; fldt %3; fldt %2; fprem; fnstsw %1; fstpt %0; fstp %%st(0)"
                             : "=m"(r), "=m"(hsw) : "m"(x), "m"(y));
        FloatStatus st = { .prec = 64, .x87 = true };
        Float80 s = f80_prem(a, b, ieee, &cc, &st);
        uint16_t want = hsw & 0x4700, got = (uint16_t)(cc | (st.flags & 0x3f));
        want |= hsw & 0x3f;
        if ((hsw & 0x400) == 0x400)     /* C2=1: C0/C1/C3 are undefined */
            want &= ~0x4300, got &= ~0x4300;
        if (r.m != s.mant || r.e != s.sexp || want != got) {
            bad++;
            unit_fail(__FILE__, __LINE__, "%s a=%04x:%016" PRIx64 " b=%04x:%016" PRIx64
                      " host=%04x:%016" PRIx64 " sw=%04x soft=%04x:%016" PRIx64 " sw=%04x",
                      ieee ? "fprem1" : "fprem", a.sexp, a.mant, b.sexp, b.mant, r.e, r.m,
                      want, s.sexp, s.mant, got);
        }
    }
#else
    SKIP("host has no x87 to compare with");
#endif
}

/* Hand-picked boundaries, every pair through every operation, rounding
 * mode and precision control: the smallest normal and largest denormal,
 * the largest finite value, halfway cases at 24/53/64 bits, signed zeros,
 * infinities, QNaN/SNaN pairs with equal and different payloads, and
 * unsupported encodings (unnormal, pseudo-infinity). */
static const Float80 edge[] = {
    { 0x8000000000000000ULL, 0x0001 }, { 0x7fffffffffffffffULL, 0x0000 },
    { 0x0000000000000001ULL, 0x0000 }, { 0x8000000000000000ULL, 0x0000 },
    { 0xffffffffffffffffULL, 0x7ffe }, { 0xffffffffffffffffULL, 0xfffe },
    { 0x8000008000000000ULL, 0x3fff }, { 0x8000000000000400ULL, 0x3fff },
    { 0x8000000000000001ULL, 0x3fff }, { 0xffffff8000000000ULL, 0x3fff },
    { 0xfffffffffffff800ULL, 0x3fff }, { 0x8000000000000000ULL, 0xbfff },
    { 0, 0 }, { 0, 0x8000 }, { 0x8000000000000000ULL, 0x7fff },
    { 0x8000000000000000ULL, 0xffff }, { 0xc000000000000001ULL, 0x7fff },
    { 0xc000000000000002ULL, 0xffff }, { 0x8000000000000001ULL, 0x7fff },
    { 0x8000000000000002ULL, 0xffff }, { 0x4000000000000000ULL, 0x3fff },
    { 0x0000000000000000ULL, 0x7fff }, { 0xc000000000000000ULL, 0x3f81 },
    { 0xc000000000000000ULL, 0x3c01 }, { 0x8000000000000000ULL, 0x407e },
    { 0x8000000000000000ULL, 0x43fe },
};

TEST(softfloat, edge_cases_vs_host)
{
#ifdef HAVE_HOST_X87
    int n = (int)(sizeof(edge) / sizeof(edge[0])), bad = 0;
    static const uint16_t pcs[3] = { 0x000, 0x200, 0x300 };
    for (int op = 0; op < OP_COUNT; op++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int m = 0; m < 12 && bad < 5; m++) {
                    uint16_t cw = (uint16_t)(0x007f | pcs[m % 3] | ((m / 3) << 10)), hsw, ssw;
                    Float80 h = host_x87(op, edge[i], edge[j], cw, &hsw);
                    Float80 s = soft_x87(op, edge[i], edge[j], cw, &ssw);
                    hsw &= 0x23f;
                    if (h.mant != s.mant || h.sexp != s.sexp || hsw != ssw) {
                        bad++;
                        unit_fail(__FILE__, __LINE__,
                                  "%s cw=%04x a=%04x:%016" PRIx64 " b=%04x:%016" PRIx64
                                  " host=%04x:%016" PRIx64 " sw=%03x soft=%04x:%016" PRIx64
                                  " sw=%03x", op_names[op], cw, edge[i].sexp, edge[i].mant,
                                  edge[j].sexp, edge[j].mant, h.sexp, h.mant, hsw, s.sexp,
                                  s.mant, ssw);
                    }
                }
#else
    SKIP("host has no x87 to compare with");
#endif
}
