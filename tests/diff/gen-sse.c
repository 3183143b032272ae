/* SSE/SSE2/SSE3 cases for the differential tester: every 0F-map form
 * the x87/SSE side handles with an XMM operand (MMX forms are left out:
 * their registers are x87 state, not compared here), in register and
 * memory form, with XMM values drawn from the floating-point edge cases
 * (signed zeros, denormals, the largest finite, infinities, quiet and
 * signalling NaNs, conversion limits) and MXCSR half the time at Linux's
 * default 0x1F80 (the native backend runs those on the host's SSE unit)
 * and otherwise with other rounding modes, DAZ/FTZ, unmasked exceptions
 * (#XM) and sticky flags already set. */
#include "tests/diff/gen.h"

#include <stdio.h>
#include <string.h>

#include "cpu/fpu.h"

typedef struct SseCaseForm {
    uint8_t prefix, op;
    bool imm8;
} SseCaseForm;

static SseCaseForm forms[512];
static unsigned nforms;

/* Without a mandatory prefix these name MMX registers (or MOVNTI, a GPR). */
static bool mmx_form(uint8_t prefix, unsigned op)
{
    if (prefix == 0)
        return (op >= 0x60 && op <= 0x7f) || op == 0xc3 || op == 0xc4 || op == 0xc5 ||
               op >= 0xd0 || op == 0x2a || op == 0x2c || op == 0x2d;
    return (op == 0xd6 && prefix != 0x66) ||                 /* MOVQ2DQ, MOVDQ2Q */
           (op == 0x2a && prefix == 0x66) || ((op == 0x2c || op == 0x2d) && prefix == 0x66);
}

static void build_forms(void)
{
    static const uint8_t prefixes[4] = { 0, 0x66, 0xf3, 0xf2 };
    for (unsigned op = 0x10; op < 0x100; op++) {
        /* Fences/FXSAVE group, EMMS; RCPPS/RSQRTPS: the hardware's
         * tables are not published, kemu returns the exact value rounded
         * to 12 bits (the unit tests check the SDM's error bound). */
        if (op == 0xae || op == 0x77 || op == 0x52 || op == 0x53)
            continue;
        for (int p = 0; p < 4; p++) {
            bool imm8 = false;
            if (!fpu_handles(1, (uint8_t)op, prefixes[p], &imm8) || mmx_form(prefixes[p], op))
                continue;
            forms[nforms++] = (SseCaseForm){ prefixes[p], (uint8_t)op, imm8 };
        }
    }
}

unsigned gen_sse_forms(void)
{
    if (!nforms)
        build_forms();
    return nforms;
}

void gen_sse_name(unsigned i, char *buf, size_t n)
{
    const SseCaseForm *f = &forms[i];
    if (f->prefix)
        snprintf(buf, n, "%02x-0f%02x", f->prefix, f->op);
    else
        snprintf(buf, n, "0f%02x", f->op);
}

static uint64_t f64_edge(uint64_t *s)
{
    static const uint64_t v[] = {
        0, 0x8000000000000000ULL, 0x3ff0000000000000ULL, 0xbff8000000000000ULL,
        1, 0x000fffffffffffffULL, 0x0010000000000000ULL, 0x7fefffffffffffffULL,
        0x7ff0000000000000ULL, 0xfff0000000000000ULL, 0x7ff8000000000000ULL,
        0x7ff4000000000001ULL, 0xfff8000000000000ULL, 0x4340000000000000ULL,
        0x43e0000000000000ULL, 0x41dfffffffc00000ULL, 0xc1e0000000200000ULL,
    };
    uint64_t r = rng_next(s);
    switch (r % 4) {
    case 0: return v[(r >> 8) % (sizeof(v) / sizeof(v[0]))];
    case 1: return rng_next(s);
    default: /* an ordinary number near 1 (or its negative) */
        return (0x3fe0000000000000ULL + (rng_next(s) & 0x003fffffffffffffULL)) ^
               ((r >> 8) & 1 ? 0x8000000000000000ULL : 0);
    }
}

static uint32_t f32_edge(uint64_t *s)
{
    static const uint32_t v[] = {
        0, 0x80000000, 0x3f800000, 0xbfc00000, 1, 0x007fffff, 0x00800000, 0x7f7fffff,
        0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0xffc00000, 0x4f000000, 0xcf000001,
    };
    uint64_t r = rng_next(s);
    switch (r % 4) {
    case 0: return v[(r >> 8) % (sizeof(v) / sizeof(v[0]))];
    case 1: return (uint32_t)rng_next(s);
    default:
        return (0x3f000000u + ((uint32_t)rng_next(s) & 0x01ffffffu)) ^
               ((r >> 8) & 1 ? 0x80000000u : 0);
    }
}

static void random_xmm(uint8_t x[16], uint64_t *s)
{
    for (int h = 0; h < 2; h++) {
        uint64_t q;
        if (rng_next(s) % 2)
            q = f64_edge(s);
        else
            q = f32_edge(s) | (uint64_t)f32_edge(s) << 32;
        memcpy(x + 8 * h, &q, 8);
    }
}

/* Half the cases at 0x1F80 (sometimes with sticky flags set), the rest
 * with a random rounding mode, DAZ/FTZ and unmasked exceptions. */
static uint32_t random_mxcsr(uint64_t *s)
{
    uint64_t r = rng_next(s);
    uint32_t flags = r % 4 == 0 ? (uint32_t)(r >> 8) & 0x3f : 0;
    if ((r >> 16) % 2)
        return 0x1f80 | flags;
    uint32_t m = 0x1f80 | flags | (uint32_t)((r >> 20) & 3) << 13;
    for (int e = 0; e < 6; e++) {
        if ((r >> (24 + 3 * e)) % 8 == 0)
            m &= ~(0x80u << e);
    }
    if ((r >> 48) % 4 == 0)
        m |= 0x8000;                    /* FTZ */
    if ((r >> 50) % 4 == 0)
        m |= 0x40;                      /* DAZ */
    return m;
}

/* A memory operand [base + disp8] (ModRM mod 01, base with REX.B):
 * mostly 16-byte aligned in the data page, sometimes misaligned by 8 or by
 * any amount (#GP for the aligned forms), unmapped (#PF), or in the data
 * page's last 15 bytes (crossing into the unmapped page after it for the
 * wider operands: the native backend's inline path must leave those to
 * the slow path).  Returns the ModRM rm field. */
static unsigned mem_operand(DiffCase *c, bool rex_b, uint8_t *disp, uint64_t *s)
{
    static const int bases[] = { 0, 1, 2, 3, 5, 6, 7 };
    int base = bases[rng_next(s) % 7] | (rex_b ? 8 : 0);
    uint64_t r = rng_next(s) % 32;
    uint64_t addr = r == 0 ? 0x1000
                  : r == 2 ? DIFF_DATA_VA + DIFF_PAGE - 1 - rng_next(s) % 15
                  : DIFF_DATA_VA + 256 + (rng_next(s) % 128) * 16 +
                    (r == 1 ? 8 : r == 3 ? 1 + rng_next(s) % 15 : 0);
    *disp = (uint8_t)((rng_next(s) % 8) * 16);
    c->in.regs[base] = addr - *disp;
    return (unsigned)base & 7;
}

void gen_sse_case(unsigned i, uint64_t *s, DiffCase *c)
{
    const SseCaseForm *f = &forms[i];
    memset(c, 0, sizeof(*c));
    for (int r = 0; r < 16; r++)
        c->in.regs[r] = rng_next(s) % 4 ? (uint64_t)(int64_t)(int32_t)rng_next(s) : rng_next(s);
    c->in.regs[4] = DIFF_DATA_VA + 2048;
    c->in.regs[7] = DIFF_DATA_VA + 512 + (rng_next(s) % 32) * 16;     /* MASKMOVDQU */
    c->in.rflags = 2 | (rng_next(s) & DIFF_FLAGS_MASK);
    for (int x = 0; x < 16; x++)
        random_xmm(c->in.xmm[x], s);
    for (size_t o = 0; o < DIFF_PAGE; o += 16)
        random_xmm(c->in.data + o, s);
    c->in.mxcsr = random_mxcsr(s);

    /* REX: W, R and B at random (X has no index to extend). */
    uint8_t rex = rng_next(s) % 2 ? (uint8_t)(0x40 | (rng_next(s) & 0xd)) : 0;
    unsigned reg = rng_next(s) % 8;
    uint8_t modrm, disp = 0;
    bool mem = rng_next(s) % 3 == 0;
    if (mem)
        modrm = (uint8_t)(0x40 | reg << 3 | mem_operand(c, rex & 1, &disp, s));
    else
        modrm = (uint8_t)(0xc0 | reg << 3 | (rng_next(s) % 8));
    uint8_t *p = c->code;
    if (f->prefix)
        *p++ = f->prefix;
    if (rex)
        *p++ = rex;
    *p++ = 0x0f;
    *p++ = f->op;
    *p++ = modrm;
    if (mem)
        *p++ = disp;
    if (f->imm8)        /* CMPPS/PD/SS/SD: legacy SSE predicates 0-7 */
        *p++ = (uint8_t)(f->op == 0xc2 ? rng_next(s) % 8 : rng_next(s));
    c->len = (size_t)(p - c->code);
}
