/* Integer forms for the differential tester, beyond the per-opcode draws
 * of gen.c: the instructions the native backend computes inline (MUL and
 * IMUL of every width, 64-bit IMUL, DIV/IDIV up to #DE, shifts and
 * rotates by CL, the bit scans, CMPXCHG) with the edge values that pick
 * their corner cases (count 0 and counts at and past the width, a zero
 * source, a zero divisor and a quotient that overflows), and short
 * sequences that write one register several times around an access that
 * may fault, where the registers must still be exact at the fault. */
#include "tests/diff/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct IntForm {
    const char *name;
    uint8_t len;
    uint8_t code[24];
} IntForm;

#define F(n, ...) { n, sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

static const IntForm forms[] = {
    F("mul8", 0xf6, 0xe3), F("imul8", 0xf6, 0xeb),
    F("mul16", 0x66, 0xf7, 0xe3), F("imul16", 0x66, 0xf7, 0xeb),
    F("mul32", 0xf7, 0xe3), F("imul32", 0xf7, 0xeb),
    F("mul64", 0x48, 0xf7, 0xe3), F("imul64", 0x48, 0xf7, 0xeb),
    F("mul64-mem", 0x48, 0xf7, 0x26), F("imul8-mem", 0xf6, 0x2e),
    F("imul16-rr", 0x66, 0x0f, 0xaf, 0xc3), F("imul32-rr", 0x0f, 0xaf, 0xc3),
    F("imul64-rr", 0x48, 0x0f, 0xaf, 0xc3), F("imul64-rri", 0x48, 0x69, 0xc3, 0x01, 0x00, 0x00, 0x80),
    F("imul64-rri8", 0x48, 0x6b, 0xc3, 0xfd), F("imul64-mem", 0x48, 0x0f, 0xaf, 0x06),
    F("div8", 0xf6, 0xf3), F("idiv8", 0xf6, 0xfb), F("div16", 0x66, 0xf7, 0xf3),
    F("idiv16", 0x66, 0xf7, 0xfb), F("div32", 0xf7, 0xf3), F("idiv32", 0xf7, 0xfb),
    F("div64", 0x48, 0xf7, 0xf3), F("idiv64", 0x48, 0xf7, 0xfb),
    F("shl8-cl", 0xd2, 0xe3), F("shr8-cl", 0xd2, 0xeb), F("sar8-cl", 0xd2, 0xfb),
    F("rol8-cl", 0xd2, 0xc3), F("ror8-cl", 0xd2, 0xcb),
    F("shl16-cl", 0x66, 0xd3, 0xe3), F("shr16-cl", 0x66, 0xd3, 0xeb), F("sar16-cl", 0x66, 0xd3, 0xfb),
    F("shl32-cl", 0xd3, 0xe3), F("shr32-cl", 0xd3, 0xeb), F("sar32-cl", 0xd3, 0xfb),
    F("rol32-cl", 0xd3, 0xc3), F("ror32-cl", 0xd3, 0xcb),
    F("shl64-cl", 0x48, 0xd3, 0xe3), F("shr64-cl", 0x48, 0xd3, 0xeb), F("sar64-cl", 0x48, 0xd3, 0xfb),
    F("rol64-cl", 0x48, 0xd3, 0xc3), F("ror64-cl", 0x48, 0xd3, 0xcb),
    F("shl32-cl-mem", 0xd3, 0x26), F("sar64-cl-mem", 0x48, 0xd3, 0x3e),
    F("rol16-cl", 0x66, 0xd3, 0xc3), F("ror16-cl", 0x66, 0xd3, 0xcb),
    F("rol32-cl-mem", 0xd3, 0x06), F("ror8-cl-mem", 0xd2, 0x0e),
    /* rotates by a constant: 1, below, at and past the width */
    F("rol8-1", 0xd0, 0xc3), F("ror8-i8", 0xc0, 0xcb, 0x08), F("rol8-i17", 0xc0, 0xc3, 0x11),
    F("ror16-i9", 0x66, 0xc1, 0xcb, 0x09), F("rol16-i16", 0x66, 0xc1, 0xc3, 0x10),
    F("rol32-i7", 0xc1, 0xc3, 0x07), F("ror32-1", 0xd1, 0xcb), F("ror32-i13", 0xc1, 0xcb, 0x0d),
    F("rol32-i32", 0xc1, 0xc3, 0x20), F("rol64-i33", 0x48, 0xc1, 0xc3, 0x21),
    F("ror64-1", 0x48, 0xd1, 0xcb), F("ror64-i63", 0x48, 0xc1, 0xcb, 0x3f),
    F("rol32-i5-mem", 0xc1, 0x06, 0x05),
    /* BT/BTS/BTR/BTC: register offsets, immediates, memory */
    F("bt32", 0x0f, 0xa3, 0xd8), F("bts64", 0x48, 0x0f, 0xab, 0xd8),
    F("btr16", 0x66, 0x0f, 0xb3, 0xd8), F("btc32", 0x0f, 0xbb, 0xd8),
    F("bt32-i", 0x0f, 0xba, 0xe0, 0x25), F("btc64-i", 0x48, 0x0f, 0xba, 0xf8, 0x3f),
    F("bts32-i-mem", 0x0f, 0xba, 0x2e, 0x13), F("btr64-mem", 0x48, 0x0f, 0xb3, 0x1e),
    F("div8-mem", 0xf6, 0x36), F("div32-mem", 0xf7, 0x36),
    F("idiv16-mem", 0x66, 0xf7, 0x3e), F("idiv64-mem", 0x48, 0xf7, 0x3e),
    /* idiv ebx; add eax,edx (the quotient and remainder read at once) */
    F("idiv32-add", 0xf7, 0xfb, 0x01, 0xd0),
    F("bswap32", 0x0f, 0xcb), F("bswap64", 0x48, 0x0f, 0xcb), F("bswap16", 0x66, 0x0f, 0xcb),
    F("bswap64-r9", 0x49, 0x0f, 0xc9), F("movbe32-ld", 0x0f, 0x38, 0xf0, 0x1e),
    F("movbe64-st", 0x48, 0x0f, 0x38, 0xf1, 0x1e), F("movbe16-ld", 0x66, 0x0f, 0x38, 0xf0, 0x1e),
    F("bsf32", 0x0f, 0xbc, 0xc3), F("bsr32", 0x0f, 0xbd, 0xc3),
    F("bsf64", 0x48, 0x0f, 0xbc, 0xc3), F("bsr64", 0x48, 0x0f, 0xbd, 0xc3),
    F("bsf16", 0x66, 0x0f, 0xbc, 0xc3),
    F("tzcnt32", 0xf3, 0x0f, 0xbc, 0xc3), F("lzcnt32", 0xf3, 0x0f, 0xbd, 0xc3),
    F("tzcnt64", 0xf3, 0x48, 0x0f, 0xbc, 0xc3), F("lzcnt64", 0xf3, 0x48, 0x0f, 0xbd, 0xc3),
    F("popcnt32", 0xf3, 0x0f, 0xb8, 0xc3), F("popcnt64", 0xf3, 0x48, 0x0f, 0xb8, 0xc3),
    F("bsr16", 0x66, 0x0f, 0xbd, 0xc3), F("tzcnt16", 0x66, 0xf3, 0x0f, 0xbc, 0xc3),
    F("lzcnt16", 0x66, 0xf3, 0x0f, 0xbd, 0xc3), F("popcnt16", 0x66, 0xf3, 0x0f, 0xb8, 0xc3),
    F("bsf64-mem", 0x48, 0x0f, 0xbc, 0x06), F("lzcnt32-mem", 0xf3, 0x0f, 0xbd, 0x06),
    /* the defined flags of a bit scan read by the next instruction, then
     * all flags set again (the scans leave others undefined): bsr ecx,edx;
     * setz al; add ebx,eax; and tzcnt ecx,edx; setc al; setz ah; add ebx,eax */
    F("seq-bsr-setz", 0x0f, 0xbd, 0xca, 0x0f, 0x94, 0xc0, 0x01, 0xc3),
    F("seq-tzcnt-setcz", 0xf3, 0x0f, 0xbc, 0xca, 0x0f, 0x92, 0xc0, 0x0f, 0x94, 0xc4, 0x01, 0xc3),
    F("cmpxchg8", 0x0f, 0xb0, 0xd9), F("cmpxchg32", 0x0f, 0xb1, 0xd9),
    F("cmpxchg64", 0x48, 0x0f, 0xb1, 0xd9), F("cmpxchg32-mem", 0x0f, 0xb1, 0x1e),
    F("cmpxchg16", 0x66, 0x0f, 0xb1, 0xd9), F("cmpxchg8-ah", 0x0f, 0xb0, 0xcc),
    F("cmpxchg32-eax", 0x0f, 0xb1, 0xc8), F("cmpxchg64-r9", 0x4c, 0x0f, 0xb1, 0xc9),
    F("cmpxchg8-mem", 0x0f, 0xb0, 0x1e), F("cmpxchg16-mem", 0x66, 0x0f, 0xb1, 0x1e),
    F("cmpxchg64-mem", 0x48, 0x0f, 0xb1, 0x1e), F("lock-cmpxchg32-mem", 0xf0, 0x0f, 0xb1, 0x1e),
    /* cmpxchg [rsi],ecx; setz al; cmpxchg edx,ebx; adc eax,ebx */
    F("seq-cmpxchg-setz", 0x0f, 0xb1, 0x0e, 0x0f, 0x94, 0xc0, 0x0f, 0xb1, 0xda, 0x11, 0xd8),
    /* add rax,rbx; imul rax,rcx; add rbx,rax; mov rdx,[rsi]; add rax,5;
     * mov ebx,eax (flags fully defined before the access that may fault) */
    F("seq-fault", 0x48, 0x01, 0xd8, 0x48, 0x0f, 0xaf, 0xc1, 0x48, 0x01, 0xc3,
      0x48, 0x8b, 0x16, 0x48, 0x83, 0xc0, 0x05, 0x89, 0xc3),
    /* mov eax,ebx; add ax,cx; shl rax,3; add rdx,rax; mov [rsi],al;
     * xor eax,edx; sub rax,rcx */
    F("seq-partial", 0x89, 0xd8, 0x66, 0x01, 0xc8, 0x48, 0xc1, 0xe0, 0x03, 0x48, 0x01, 0xc2,
      0x88, 0x06, 0x31, 0xd0, 0x48, 0x29, 0xc8),
    /* sub eax,ebx; rol ecx,5 (SF ZF AF PF of the SUB kept); bt edx,ecx;
     * adc eax,ebx (BT's CF read; its undefined flags replaced); sub eax,ebx;
     * ror cl,cl (by 0: all of SUB's kept) */
    F("seq-sub-rol", 0x29, 0xd8, 0xc1, 0xc1, 0x05),
    F("seq-bt-adc", 0x0f, 0xa3, 0xca, 0x11, 0xd8),
    F("seq-sub-ror-cl", 0x29, 0xd8, 0xd2, 0xc9),
    /* rol ecx,3; add eax,ebx (the rotate's flags dead); div ecx; rol eax,1 */
    F("seq-rol-add", 0xc1, 0xc1, 0x03, 0x01, 0xd8),
    F("seq-div-rol", 0xf7, 0xf1, 0xd1, 0xc0),
    /* mul rbx; mov [rsi],rdx; div rcx; add rax,rdx */
    F("seq-muldiv", 0x48, 0xf7, 0xe3, 0x48, 0x89, 0x16, 0x48, 0xf7, 0xf1, 0x48, 0x01, 0xd0),
};

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

unsigned gen_int_forms(void)
{
    return NFORMS;
}

const char *gen_int_name(unsigned form)
{
    return forms[form].name;
}

static uint64_t count_edge(uint64_t *s)
{
    static const uint8_t counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255 };
    uint64_t r = rng_next(s);
    return r % 4 ? counts[(r >> 8) % sizeof(counts)] : (r >> 8) & 0xff;
}

/* The dividend's high half: mostly below the divisor (a quotient that
 * fits), sometimes anything (#DE for overflow). */
static void divide_regs(DiffCase *c, uint64_t *s)
{
    uint64_t r = rng_next(s);
    if (r % 8 == 0)
        c->in.regs[3] = 0;                              /* #DE: by zero */
    if (r % 8 < 5)
        c->in.regs[2] = c->in.regs[3] ? (rng_next(s) % c->in.regs[3]) >> (r % 3 * 8) : 0;
    if (r % 16 == 7)                                    /* INT_MIN / -1 */
        c->in.regs[3] = ~0ULL;
}

/* IDIV of w bytes: the signed corners.  The most negative dividend by -1
 * (#DE) and by 1, a quotient of exactly -2^(8w-1) (fits) and 2^(8w-1)
 * (#DE), and small dividends of either sign (the high half the low half's
 * sign extension), for negative quotients and remainders. */
static void signed_divide_regs(DiffCase *c, uint64_t *s, unsigned w)
{
    uint64_t r = rng_next(s), min = 1ULL << (8 * w - 1);
    uint64_t *hi = &c->in.regs[w == 1 ? 0 : 2], *lo = &c->in.regs[0];
    switch (r % 8) {
    case 0: case 1:                 /* INT_MIN of the dividend by -1 or 1 */
        c->in.regs[3] = r % 8 ? 1 : ~0ULL;
        break;
    case 2: case 3:                 /* -2^(8w-1) or 2^(8w-1) by 2 or -2 */
        c->in.regs[3] = r % 8 == 2 ? 2 : -2ULL;
        break;
    case 4: case 5: case 6: {
        uint64_t v = rng_next(s) >> (r % 4 * 16);
        if (r & 8)
            v = -v;
        c->in.regs[3] = (r >> 4) % 5 ? c->in.regs[3] : (r & 16 ? -3ULL : 3);
        uint64_t ext = (int64_t)(v << (64 - 8 * w)) < 0 ? ~0ULL : 0;
        if (w == 1)
            *lo = (*lo & ~0xffffULL) | (ext & 0xff00) | (v & 0xff);
        else
            *lo = v, *hi = ext;
        return;
    }
    default:
        return;
    }
    /* cases 0..3: the dividend is -2^(16w-1) (by -1 or 1) or -2^(8w)
     * (quotient -2^(8w-1) by 2, 2^(8w-1) by -2) */
    if (w == 1) {
        *lo = (*lo & ~0xffffULL) | (r % 8 < 2 ? 0x8000 : 0xff00);
        return;
    }
    *hi = r % 8 < 2 ? min : ~0ULL;
    *lo = 0;
}

void gen_int_case(unsigned form, uint64_t *s, DiffCase *c)
{
    const IntForm *f = &forms[form];
    memset(c, 0, sizeof(*c));
    for (int r = 0; r < 16; r++)
        c->in.regs[r] = gen_edge_value(s);
    c->in.regs[4] = DIFF_DATA_VA + 2048;
    c->in.rflags = 2 | (rng_next(s) & DIFF_FLAGS_MASK);
    c->in.mxcsr = 0x1f80;
    for (size_t i = 0; i < DIFF_PAGE; i += 8) {
        uint64_t v = gen_edge_value(s);
        memcpy(c->in.data + i, &v, 8);
    }
    c->in.regs[1] = (c->in.regs[1] & ~0xffULL) | count_edge(s);
    if (rng_next(s) % 3 == 0)
        c->in.regs[3] = 0;                              /* a zero source */
    if (strncmp(f->name, "idiv", 4) == 0 && rng_next(s) % 8)
        signed_divide_regs(c, s, (unsigned)atoi(f->name + 4) / 8);
    else if (strstr(f->name, "div"))
        divide_regs(c, s);
    if (rng_next(s) % 2 && strncmp(f->name, "idiv", 4))   /* CMPXCHG: equal */
        c->in.regs[0] = c->in.regs[1];
    /* rsi and rdi: in the data page, or one time in eight unmapped */
    uint64_t r = rng_next(s);
    c->in.regs[6] = r % 8 ? DIFF_DATA_VA + 64 + (r >> 8) % 2048 : 0x1000;
    c->in.regs[7] = DIFF_DATA_VA + 3072;
    if (strstr(f->name, "cmpxchg") && r % 2)        /* memory equal to rAX */
        memcpy(c->in.data + (c->in.regs[6] - DIFF_DATA_VA), &c->in.regs[0], 8);
    memcpy(c->code, f->code, f->len);
    c->len = f->len;
}
