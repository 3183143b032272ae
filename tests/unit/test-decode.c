/* The decoder over a table of encodings in 16-, 32- and 64-bit mode:
 * lengths (checked against capstone too when it is built in), operand
 * parts (ModRM, SIB, displacement, immediates, prefixes) and the errors
 * (#UD encodings, LOCK misuse, over-15-byte instructions, truncation). */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/disas.h"
#include "tests/unit/unit.h"
#include "translate/decode.h"

typedef struct Enc {
    int bits;
    const char *hex;
    unsigned len;
} Enc;

static const Enc encodings[] = {
    { 64, "90", 1 }, { 64, "f390", 2 }, { 64, "4889d8", 3 },
    { 64, "488b0510000000", 7 }, { 64, "8b442408", 4 }, { 64, "8b048d00100000", 7 },
    { 64, "428b04a8", 4 }, { 64, "418b4500", 4 }, { 64, "48b88877665544332211", 10 },
    { 64, "66b83412", 4 }, { 64, "c7800001000078563412", 10 }, { 64, "f0480fb10e", 5 },
    { 64, "65488b042528000000", 9 }, { 64, "0f05", 2 }, { 64, "e800000000", 5 },
    { 64, "0f1f440000", 5 }, { 64, "660f1f840000000000", 9 }, { 64, "f348a5", 3 },
    { 64, "0f01f8", 3 }, { 64, "0fb6c0", 3 }, { 64, "4863c3", 3 }, { 64, "f6c101", 3 },
    { 64, "f7c101000000", 6 }, { 64, "f7d1", 2 }, { 64, "0fbae005", 4 },
    { 64, "c8100001", 4 }, { 64, "0fc70e", 3 }, { 64, "0f38f006", 4 }, { 64, "d9c0", 2 },
    { 64, "dd0424", 3 }, { 64, "4c8d0c5b", 4 }, { 64, "48c1e003", 4 }, { 64, "d3e0", 2 },
    { 64, "480fafc3", 4 }, { 64, "486bc0f9", 4 }, { 64, "4869c000010000", 7 },
    { 64, "ff2425e8030000", 7 }, { 64, "ff15f0ffffff", 6 }, { 64, "c3", 1 },
    { 64, "c20800", 3 }, { 64, "0f8400000000", 6 }, { 64, "7400", 2 }, { 64, "e3fe", 2 },
    { 64, "480fc7ce", 4 }, { 64, "f30fb8c3", 4 }, { 64, "0f31", 2 }, { 64, "0fa2", 2 },
    { 64, "0f22d8", 3 }, { 64, "440f20c0", 4 }, { 64, "0f32", 2 }, { 64, "48cf", 2 },
    { 16, "8b4602", 3 }, { 16, "8b870010", 4 }, { 16, "a13412", 3 },
    { 16, "66b878563412", 6 }, { 16, "678b0424", 4 }, { 16, "ea0000 00f0", 5 },
    { 16, "9a000000f0", 5 }, { 16, "cd21", 2 }, { 16, "c20400", 3 }, { 16, "8e d8", 2 },
    { 16, "26 8a 07", 3 }, { 16, "f3 a4", 2 }, { 16, "e8 fd ff", 3 }, { 16, "8b 0e 00 01", 4 },
    { 32, "8b0500100000", 6 }, { 32, "668b00", 3 }, { 32, "678b07", 3 },
    { 32, "ea000000000800", 7 }, { 32, "0f20c0", 3 }, { 32, "d40a", 2 }, { 32, "6200", 2 },
    { 32, "0f00d8", 3 }, { 32, "40", 1 }, { 32, "6a ff", 2 }, { 32, "68 00 00 00 80", 5 },
    { 32, "8d 4c 24 04", 4 }, { 32, "8d 84 00 00 00 00 00", 7 }, { 32, "c4 00", 2 },
    { 32, "0f ac c2 04", 4 }, { 32, "61", 1 }, { 32, "27", 1 },
    { 64, "0f77", 2 }, { 64, "dbe2", 2 }, { 64, "0fae0f", 3 }, { 64, "660f6fc1", 4 },
    { 64, "0f28c1", 3 }, { 64, "f30f7e0424", 5 }, { 64, "660f3a0fc108", 6 },
    { 64, "660f3800c1", 5 }, { 64, "c4e270f2c3", 5 }, { 64, "c4e3fbf0c307", 6 },

};

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        char b[3] = { s[0], s[1], 0 };
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
        s += 2;
    }
    return n;
}

static CpuMode mode_of(int bits)
{
    return bits == 64 ? MODE64 : bits == 32 ? MODE32 : MODE16;
}

TEST(decode, lengths_of_encodings)
{
    for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
        const Enc *e = &encodings[i];
        uint8_t buf[32] = { 0 };
        size_t n = unhex(e->hex, buf);
        Insn in;
        int r = x86_decode(buf, n, mode_of(e->bits), 0, &in);
        if (r != DEC_OK || in.len != e->len)
            unit_fail(__FILE__, __LINE__, "%d-bit %s: result %d length %u, expected %u",
                      e->bits, e->hex, r, in.len, e->len);
        unsigned cs = disas_insn_len(buf, n, e->bits);
        if (cs && cs != in.len)
            unit_fail(__FILE__, __LINE__, "%d-bit %s: capstone says %u bytes, we say %u",
                      e->bits, e->hex, cs, in.len);
    }
}

static void dec(int bits, const char *hex, Insn *in)
{
    uint8_t buf[32] = { 0 };
    size_t n = unhex(hex, buf);
    CHECK_EQ(x86_decode(buf, n, mode_of(bits), 0x1000, in), DEC_OK);
}

TEST(decode, operand_parts)
{
    Insn in;
    dec(64, "488b0510000000", &in);     /* mov rax, [rip+0x10] */
    CHECK_EQ(in.base, REG_RIP);
    CHECK_EQ(in.disp, 0x10);
    CHECK_EQ(in.opsize, 8);
    CHECK_EQ(in.reg, R_EAX);
    dec(64, "428b04a8", &in);           /* mov eax, [rax+r13*4] */
    CHECK_EQ(in.base, R_EAX);
    CHECK_EQ(in.index, R_R13);
    CHECK_EQ(in.scale, 2);
    CHECK_EQ(in.opsize, 4);
    dec(64, "65488b042528000000", &in); /* mov rax, gs:[0x28] */
    CHECK_EQ(in.seg, SEG_GS);
    CHECK_EQ(in.base, REG_NONE);
    CHECK_EQ(in.index, REG_NONE);
    CHECK_EQ(in.disp, 0x28);
    dec(64, "48b88877665544332211", &in);
    CHECK_EQ(in.imm, 0x1122334455667788ULL);
    dec(64, "4869c000010000", &in);     /* imul rax, rax, 0x100 */
    CHECK_EQ(in.imm, 0x100);
    dec(64, "486bc0f9", &in);           /* imul rax, rax, -7 */
    CHECK_EQ(in.imm, (uint64_t)-7);
    dec(64, "50", &in);                 /* push rax: 64-bit by default */
    CHECK_EQ(in.opsize, 8);
    dec(64, "6650", &in);
    CHECK_EQ(in.opsize, 2);
    dec(16, "8b4602", &in);             /* mov ax, [bp+2]: SS */
    CHECK_EQ(in.def_seg, SEG_SS);
    CHECK_EQ(in.base, R_EBP);
    CHECK_EQ(in.disp, 2);
    CHECK_EQ(in.asize, 2);
    dec(16, "66b878563412", &in);
    CHECK_EQ(in.opsize, 4);
    CHECK_EQ(in.imm, 0x12345678);
    dec(32, "ea000000000800", &in);     /* jmp 0x08:0 */
    CHECK_EQ(in.imm2, 8);
    dec(32, "f3a5", &in);
    CHECK_EQ(in.rep, 0xf3);
    CHECK_EQ(in.info->kind, K_STRING);
    dec(64, "f0480fb10e", &in);
    CHECK(in.lock);
    CHECK_EQ(in.info->kind, K_CMPXCHG);
    dec(32, "0f20c0", &in);             /* mov eax, cr0 */
    CHECK_EQ(in.info->kind, K_MOV_CR);
    CHECK(!in.mem);
    dec(32, "0f0b", &in);
    CHECK_EQ(in.info->kind, K_UD);
}

static int dec_err(int bits, const char *hex, size_t avail)
{
    uint8_t buf[32] = { 0 };
    size_t n = unhex(hex, buf);
    Insn in;
    return x86_decode(buf, avail ? avail : n, mode_of(bits), 0, &in);
}

TEST(decode, invalid_encodings)
{
    CHECK_EQ(dec_err(64, "f090", 0), DEC_UD);           /* LOCK NOP */
    CHECK_EQ(dec_err(64, "f001c0", 0), DEC_UD);         /* LOCK with a register */
    CHECK_EQ(dec_err(32, "f03900", 0), DEC_UD);         /* LOCK CMP */
    CHECK_EQ(dec_err(32, "f00100", 0), DEC_OK);         /* LOCK ADD [eax], eax */
    CHECK_EQ(dec_err(64, "8dc0", 0), DEC_UD);           /* LEA with a register */
    CHECK_EQ(dec_err(64, "06", 0), DEC_UD);             /* PUSH ES in 64-bit mode */
    CHECK_EQ(dec_err(64, "27", 0), DEC_UD);             /* DAA in 64-bit mode */
    CHECK_EQ(dec_err(64, "488b", 0), DEC_MORE);
    CHECK_EQ(dec_err(64, "c5f877", 0), DEC_UD);         /* VZEROUPPER: no AVX */
    CHECK_EQ(dec_err(64, "66c4e270f2c3", 0), DEC_UD);   /* a prefix before VEX */
    CHECK_EQ(dec_err(32, "0f", 0), DEC_MORE);
    /* 14 prefixes + NOP = 15 bytes is fine; one more is #GP. */
    CHECK_EQ(dec_err(32, "6666666666666666666666666666" "90", 0), DEC_OK);
    CHECK_EQ(dec_err(32, "666666666666666666666666666666" "90", 0), DEC_GP);
    CHECK_EQ(dec_err(32, "66666666666666666666666666" "b8 00000000", 0), DEC_GP);
}
