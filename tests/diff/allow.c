/* The allow-list: what both the Intel SDM and the AMD APM leave undefined.
 * A difference in an undefined flag is not a bug (Intel and AMD hosts
 * themselves disagree); everything else must match exactly, including
 * what the vendors define differently, since kemu runs a model of the
 * host's vendor.  ALLOWLIST.md lists the entries with vendor and manual. */
#include "tests/diff/gen.h"

#include "translate/decode.h"

#define F_CF 0x001
#define F_PF 0x004
#define F_AF 0x010
#define F_ZF 0x040
#define F_SF 0x080
#define F_OF 0x800
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

static unsigned shift_count(const DiffCase *c, const Insn *in)
{
    unsigned mask = in->opsize == 8 ? 63 : 31;
    if (in->map == 0 && (in->op == 0xd0 || in->op == 0xd1))
        return 1;
    if (in->map == 0 && (in->op == 0xd2 || in->op == 0xd3))
        return (unsigned)(c->in.regs[1] & mask);
    if (in->map == 1 && (in->op == 0xa5 || in->op == 0xad))
        return (unsigned)(c->in.regs[1] & mask);
    return (unsigned)(in->imm & mask);
}

static uint64_t grp2_undefined(const DiffCase *c, const Insn *in)
{
    unsigned n = shift_count(c, in);
    if (n == 0)
        return 0;
    int r = in->reg & 7;
    uint64_t u = n == 1 ? 0 : F_OF;
    if (r >= 4)                   /* SHL/SHR/SAL/SAR: AF undefined */
        u |= F_AF;
    if (r == 2 || r == 3) {       /* RCL/RCR: count taken modulo size+1 */
        unsigned bits = in->opsize * 8;
        if (bits < 32 && n % (bits + 1) == 0)
            u |= F_OF;
    }
    if (r < 4 && in->opsize < 4 && n % (in->opsize * 8) == 0)
        u |= F_OF;
    /* SHL/SHR of a byte/word by a count >= the width: CF undefined. */
    if (r >= 4 && in->opsize < 4 && n >= in->opsize * 8u)
        u |= F_CF | F_OF;
    return u;
}

static uint64_t shxd_undefined(const DiffCase *c, const Insn *in, bool *dest)
{
    unsigned n = shift_count(c, in);
    if (n == 0)
        return 0;
    uint64_t u = F_AF | (n == 1 ? 0 : F_OF);
    if (n > in->opsize * 8u) {    /* count beyond the operand: all undefined */
        *dest = true;
        u |= F_ALL;
    }
    return u;
}

static uint64_t map1_undefined(const DiffCase *c, const Insn *in, bool *dest)
{
    switch (in->op) {
    case 0x08 ... 0x0b: case 0x20 ... 0x23: case 0x30 ... 0x33:
    case 0x0c: case 0x0d: case 0x24: case 0x25: case 0x34: case 0x35:
    case 0x84: case 0x85: case 0xa8: case 0xa9:
        return F_AF;              /* OR/AND/XOR/TEST */
    case 0x80 ... 0x83:
        return (in->reg & 7) == 1 || (in->reg & 7) == 4 || (in->reg & 7) == 6 ? F_AF : 0;
    case 0x69: case 0x6b:
        return F_SF | F_ZF | F_AF | F_PF;
    case 0xc0: case 0xc1: case 0xd0 ... 0xd3:
        return grp2_undefined(c, in);
    case 0xf6: case 0xf7:
        switch (in->reg & 7) {
        case 0: case 1: return F_AF;                       /* TEST */
        case 4: case 5: return F_SF | F_ZF | F_AF | F_PF;  /* MUL/IMUL */
        case 6: case 7: return F_ALL;                      /* DIV/IDIV */
        }
        return 0;
    }
    (void)dest;
    return 0;
}

static uint64_t map2_undefined(const DiffCase *c, const Insn *in, bool *dest)
{
    switch (in->op) {
    case 0xaf: return F_SF | F_ZF | F_AF | F_PF;             /* IMUL */
    case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba:
        return F_OF | F_SF | F_AF | F_PF;                    /* BT* */
    case 0xbc: case 0xbd:
        if (in->rep == 0xf3)
            return F_OF | F_SF | F_AF | F_PF;                /* TZCNT/LZCNT */
        return F_CF | F_OF | F_SF | F_AF | F_PF;             /* BSF/BSR */
    case 0xa4: case 0xa5: case 0xac: case 0xad:
        return shxd_undefined(c, in, dest);
    }
    return 0;
}

uint64_t allow_undefined_flags(const DiffCase *c, bool *dest_undefined)
{
    Insn in;
    *dest_undefined = false;
    if (x86_decode(c->code, c->len, MODE64, DIFF_CODE_VA, &in) != DEC_OK)
        return 0;
    if (in.map == 0)
        return map1_undefined(c, &in, dest_undefined);
    if (in.map == 1)
        return map2_undefined(c, &in, dest_undefined);
    return 0;
}
