/* Generate differential-test cases from the decoder's own tables.
 *
 * For an opcode the tables know, a case is built as prefixes (66, F2/F3
 * for string ops, a random REX), the opcode, a ModRM (register form, or a
 * memory form whose base register is set so the address lands in the data
 * page, or, one time in eight, on an unmapped or non-canonical address),
 * and random immediates.  Registers and flags mix edge values with random
 * ones.  Opcodes whose result depends on more than user-visible state are
 * left out; gen_excluded() says which and why (see ALLOWLIST.md). */
#include "tests/diff/gen.h"
#include "tests/diff/host-model.h"

#include <string.h>

#include "translate/decode.h"

uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: fast and good enough for test inputs. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t edge_value(uint64_t *s)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
        0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
        0x8000000000000000ULL, ~0ULL, ~1ULL, 31, 32, 63, 64,
    };
    uint64_t r = rng_next(s);
    switch (r % 4) {
    case 0:
        return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
    case 1:
        return (r >> 8) & 0xff;
    default:
        return rng_next(s);
    }
}

uint64_t gen_edge_value(uint64_t *s)
{
    return edge_value(s);
}

/* Why an opcode is not generated (NULL: it is).  These are not differences
 * of kemu's: their results depend on state the two runs cannot share. */
const char *gen_excluded(int map, int op, int reg)
{
    if (map == 0) {
        switch (op) {
        case 0x62: case 0xc4: case 0xc5: return "EVEX/VEX prefix in 64-bit mode";
        case 0x70 ... 0x7f: case 0xe0 ... 0xe3: case 0xe8: case 0xe9: case 0xeb:
        case 0xc2: case 0xc3: case 0xca: case 0xcb: case 0xcf: case 0x9a: case 0xea:
            return "control transfer (leaves the case)";
        case 0xcc: return "INT3 terminates every case";
        case 0xcd: return "INT n is a system call on the host";
        case 0xf1: return "INT1 is a debug trap the host kernel handles";
        case 0x9d: return "POPF can set TF/AC, which the host kernel acts on";
        case 0xd8 ... 0xdf: case 0x9b: return "x87: compared by the FPU's own differential test";
        case 0x8e: case 0x07: case 0x17: case 0x1f: return "segment load: the GDTs differ";
        case 0xff: if (reg >= 2 && reg <= 5) return "indirect control transfer"; break;
        case 0xc6: case 0xc7:
            if (reg == 7 && host_is_intel())
                return "XABORT/XBEGIN on an Intel host: TSX state the test cannot see";
            break;
        case 0x90: return NULL;
        }
        return NULL;
    }
    if (map == 1) {
        switch (op) {
        case 0x00: case 0x01: return "descriptor-table instructions: UMIP emulation by the host kernel";
        case 0x05: case 0x07: case 0x34: case 0x35: return "system call instructions";
        case 0x02: case 0x03: return "LAR/LSL read the host kernel's GDT";
        case 0x31: case 0x33: case 0xa2: return "TSC/PMC/CPUID values differ by design";
        case 0x80 ... 0x8f: return "control transfer (leaves the case)";
        case 0xa1: case 0xa9: case 0xb2: case 0xb4: case 0xb5: return "segment load: the GDTs differ";
        case 0xae: return "FXSAVE/fences: compared by the FPU's own tests";
        case 0xc7:
            if (reg == 6 || reg == 7)
                return "RDRAND/RDSEED/RDPID: random or host values";
            if (reg >= 3 && reg <= 5)
                return "XRSTORS/XSAVEC/XSAVES: not in kemu's CPU models";
            break;
        case 0x0b: return NULL;
        case 0x0d: case 0x18 ... 0x1f: return NULL;
        }
        return NULL;
    }
    return NULL;
}

static bool is_string_op(int map, int op)
{
    return map == 0 && ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
                        (op >= 0x6c && op <= 0x6f));
}

static const OpInfo *info_of(int map, int op, uint8_t prefix)
{
    if (map == 0)
        return &decode_map1[op];
    if (map == 1)
        return &decode_map0f[op];
    return decode_map0f38((uint8_t)op, prefix);
}

bool gen_opcode_valid(int map, int op)
{
    if (map == 2)
        return decode_map0f38((uint8_t)op, 0) || decode_map0f38((uint8_t)op, 0x66) ||
               decode_map0f38((uint8_t)op, 0xf3);
    const OpInfo *i = info_of(map, op, 0);
    if (!i || i->kind == K_INVALID)
        return false;
    /* Prefix bytes are decoded as prefixes, not opcodes. */
    if (map == 0 && (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e ||
                     (op >= 0x40 && op <= 0x4f) || op == 0x64 || op == 0x65 ||
                     op == 0x66 || op == 0x67 || op == 0xf0 || op == 0xf2 || op == 0xf3 ||
                     op == 0x0f))
        return false;
    /* x87/SSE are handed to the FPU helpers; they have their own tests. */
    if (i->kind == K_FPU)
        return false;
    return true;
}

/* A register usable as a memory base without a SIB byte or RIP form. */
static int pick_base(uint64_t *s)
{
    static const int bases[] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15 };
    return bases[rng_next(s) % (sizeof(bases) / sizeof(bases[0]))];
}

static size_t put_imm(uint8_t *p, unsigned bytes, uint64_t *s)
{
    uint64_t v = edge_value(s);
    memcpy(p, &v, bytes);
    return bytes;
}

static unsigned imm_bytes(const OpInfo *info, int reg, unsigned dsize, bool byte_op)
{
    switch (info->imm) {
    case IMM_B: return 1;
    case IMM_W: return 2;
    case IMM_Z: return dsize == 2 ? 2 : 4;
    case IMM_V: return dsize;
    case IMM_WB: return 3;
    case IMM_O: return 8;
    case IMM_GRP3: return reg <= 1 ? (byte_op ? 1 : dsize == 2 ? 2 : 4) : 0;
    default: return 0;
    }
}

/* Initial state: random registers, RSP in the middle of the data page
 * (so pushes are compared), RSI/RDI/RCX set for string instructions. */
static void init_state(DiffCase *c, uint64_t *s)
{
    for (int r = 0; r < 16; r++)
        c->in.regs[r] = edge_value(s);
    c->in.regs[4] = DIFF_DATA_VA + 2048 + (rng_next(s) % 64) * 8;
    c->in.rflags = 2 | (rng_next(s) & (DIFF_FLAGS_MASK | (rng_next(s) % 8 == 0 ? 0x400 : 0)));
    c->in.mxcsr = 0x1f80;
    for (size_t i = 0; i < DIFF_PAGE; i += 8) {
        uint64_t v = edge_value(s);
        memcpy(c->in.data + i, &v, 8);
    }
}

static void string_regs(DiffCase *c, uint64_t *s)
{
    c->in.regs[6] = DIFF_DATA_VA + 1024 + rng_next(s) % 512;   /* RSI */
    c->in.regs[7] = DIFF_DATA_VA + 2560 + rng_next(s) % 512;   /* RDI */
    c->in.regs[1] = rng_next(s) % 9;                          /* RCX */
    /* Let REP string ops compare some equal bytes. */
    if (rng_next(s) % 2)
        memcpy(c->in.data + 2560, c->in.data + 1024, 512);
}

/* Where a memory operand's base points: mostly inside the data page. */
static uint64_t mem_target(uint64_t *s)
{
    switch (rng_next(s) % 16) {
    case 0: return 0x1000;                         /* unmapped: #PF */
    case 1: return 0x8000000000001000ULL;          /* non-canonical: #GP */
    case 2: return DIFF_DATA_VA + DIFF_PAGE - 2;   /* crosses into an unmapped page */
    default: return DIFF_DATA_VA + 16 + rng_next(s) % (DIFF_PAGE - 64);
    }
}

bool gen_case(int map, int op, uint64_t *s, DiffCase *c)
{
    memset(c, 0, sizeof(*c));
    init_state(c, s);
    uint8_t *p = c->code;
    uint8_t mprefix = 0;

    /* Prefixes: operand size, REP for string ops, mandatory prefixes of
     * the 0F38 integer opcodes, then REX. */
    if (map == 2) {
        static const uint8_t pfx[] = { 0, 0x66, 0xf3 };
        mprefix = pfx[rng_next(s) % 3];
        if (!decode_map0f38((uint8_t)op, mprefix))
            return false;
        if (mprefix)
            *p++ = mprefix;
    } else if (rng_next(s) % 4 == 0) {
        *p++ = 0x66;
    }
    if (is_string_op(map, op)) {
        string_regs(c, s);
        if (rng_next(s) % 2)
            *p++ = rng_next(s) % 2 ? 0xf3 : 0xf2;
    }
    if (map == 1 && (op == 0xb8 || op == 0xbc || op == 0xbd) && rng_next(s) % 2)
        *p++ = 0xf3;   /* POPCNT, TZCNT, LZCNT (the host has ABM/BMI1) */
    uint8_t rex = 0;
    if (rng_next(s) % 2)
        rex = 0x40 | (rng_next(s) & 0xf);
    const OpInfo *info = info_of(map, op, mprefix);
    int reg = (int)(rng_next(s) % 8);
    if (gen_excluded(map, op, reg))
        return false;
    if (info->flags & I_MODRM) {
        /* REX.X is meaningless without a SIB byte; keep it clear. */
        rex &= ~2;
    }
    if (rex)
        *p++ = rex;
    if (map >= 1)
        *p++ = 0x0f;
    if (map == 2)
        *p++ = 0x38;
    *p++ = (uint8_t)op;

    bool byte_op = info->flags & I_BYTE;
    unsigned dsize = (rex & 8) ? 8 : (c->code[0] == 0x66 ? 2 : 4);
    if (info->flags & I_MODRM) {
        bool mem = !(info->flags & I_REGONLY) &&
                   ((info->flags & I_MEMONLY) || rng_next(s) % 2);
        if (mem) {
            int base = pick_base(s);
            int mod = 1 + (int)(rng_next(s) % 2);
            *p++ = (uint8_t)((mod << 6) | (reg << 3) | (base & 7));
            int32_t disp = (int32_t)(rng_next(s) % 64) - 32;
            if (mod == 1) {
                *p++ = (uint8_t)(int8_t)disp;
            } else {
                memcpy(p, &disp, 4);
                p += 4;
            }
            if (rex & 1)
                base |= 8;
            else
                base &= 7;
            if (!(rex & 1) && base >= 8)
                base &= 7;
            c->in.regs[base] = mem_target(s) - (uint64_t)(int64_t)disp;
        } else {
            *p++ = (uint8_t)(0xc0 | (reg << 3) | (rng_next(s) % 8));
        }
    }
    p += put_imm(p, imm_bytes(info, reg, dsize, byte_op), s);
    c->len = (size_t)(p - c->code);
    /* Shift/rotate counts: mostly small, sometimes the edge cases. */
    if (map == 0 && (op == 0xd2 || op == 0xd3))
        c->in.regs[1] = (c->in.regs[1] & ~0xffULL) | (rng_next(s) % 4 ? rng_next(s) % 34 : rng_next(s) & 0xff);
    if (map == 1 && (op == 0xa5 || op == 0xad))
        c->in.regs[1] = (c->in.regs[1] & ~0xffULL) | (rng_next(s) % 70);
    return true;
}
