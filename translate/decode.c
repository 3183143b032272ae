/* The x86 decoder (SDM vol. 2 ch. 2): prefixes, REX, opcode maps, ModRM,
 * SIB, displacement and immediates.  Semantics live in the translator;
 * this file only finds the instruction's parts and its length. */
#include "translate/decode.h"

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/fpu.h"

typedef struct Cursor {
    const uint8_t *buf;
    size_t avail, pos;
    bool short_read;
} Cursor;

static uint64_t take(Cursor *c, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (c->pos >= c->avail || c->pos >= 15) {
            c->short_read = c->pos >= c->avail && c->pos < 15;
            c->pos++;
            continue;
        }
        v |= (uint64_t)c->buf[c->pos++] << (8 * i);
    }
    return v;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
    unsigned sh = 64 - 8 * bytes;
    return (int64_t)(v << sh) >> sh;
}

/* Prefixes up to the opcode; REX counts only right before it. */
static void decode_prefixes(Cursor *c, CpuMode mode, Insn *in)
{
    for (;;) {
        uint8_t b = (uint8_t)take(c, 1);
        if (c->short_read || c->pos > 15)
            return;
        switch (b) {
        case 0xf0: in->lock = true; in->rex = 0; continue;
        case 0xf2: case 0xf3: in->rep = b; in->rex = 0; continue;
        case 0x26: in->seg = SEG_ES; in->rex = 0; continue;
        case 0x2e: in->seg = SEG_CS; in->rex = 0; continue;
        case 0x36: in->seg = SEG_SS; in->rex = 0; continue;
        case 0x3e: in->seg = SEG_DS; in->rex = 0; continue;
        case 0x64: in->seg = SEG_FS; in->rex = 0; continue;
        case 0x65: in->seg = SEG_GS; in->rex = 0; continue;
        case 0x66: in->p66 = true; in->rex = 0; continue;
        case 0x67: in->p67 = true; in->rex = 0; continue;
        default:
            if (mode == MODE64 && (b & 0xf0) == 0x40) {
                in->rex = b;
                continue;
            }
            c->pos--;
            return;
        }
    }
}

static void decode_modrm16(Cursor *c, Insn *in)
{
    static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
    static const uint8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI, REG_NONE, REG_NONE,
                                        REG_NONE, REG_NONE };
    unsigned rm = in->modrm & 7;
    in->base = base16[rm];
    in->index = index16[rm];
    in->def_seg = (rm == 2 || rm == 3 || rm == 6) ? SEG_SS : SEG_DS;
    if (in->mod == 0 && rm == 6) {
        in->base = REG_NONE;
        in->def_seg = SEG_DS;
        in->disp = sext(take(c, 2), 2);
    } else if (in->mod == 1) {
        in->disp = sext(take(c, 1), 1);
    } else if (in->mod == 2) {
        in->disp = sext(take(c, 2), 2);
    }
}

static void decode_modrm32(Cursor *c, Insn *in)
{
    unsigned rm = in->modrm & 7;
    unsigned rex_b = (in->rex & 1) << 3, rex_x = (in->rex & 2) << 2;
    in->index = REG_NONE;
    if (rm == 4) {
        uint8_t sib = (uint8_t)take(c, 1);
        unsigned idx = ((sib >> 3) & 7) | rex_x;
        in->scale = sib >> 6;
        if (idx != 4)
            in->index = (uint8_t)idx;
        if ((sib & 7) == 5 && in->mod == 0) {
            in->base = REG_NONE;
            in->disp = sext(take(c, 4), 4);
        } else {
            in->base = (uint8_t)((sib & 7) | rex_b);
        }
    } else if (rm == 5 && in->mod == 0) {
        in->base = in->mode == MODE64 ? REG_RIP : REG_NONE;
        in->disp = sext(take(c, 4), 4);
    } else {
        in->base = (uint8_t)(rm | rex_b);
    }
    in->def_seg = (in->base == R_ESP || in->base == R_EBP) ? SEG_SS : SEG_DS;
    if (in->mod == 1)
        in->disp = sext(take(c, 1), 1);
    else if (in->mod == 2)
        in->disp = sext(take(c, 4), 4);
}

static void decode_modrm(Cursor *c, Insn *in, bool regonly)
{
    in->modrm = (uint8_t)take(c, 1);
    in->mod = in->modrm >> 6;
    in->reg = (uint8_t)(((in->modrm >> 3) & 7) | ((in->rex & 4) << 1));
    in->rm = (uint8_t)((in->modrm & 7) | ((in->rex & 1) << 3));
    if (regonly)
        in->mod = 3;
    in->mem = in->mod != 3;
    if (!in->mem)
        return;
    if (in->asize == 2)
        decode_modrm16(c, in);
    else
        decode_modrm32(c, in);
}

static void set_sizes(Insn *in, bool amd)
{
    uint16_t fl = in->info->flags;
    if (in->mode == MODE64) {
        in->asize = in->p67 ? 4 : 8;
        if (in->rex & 8)
            in->dsize = 8;
        else if (fl & I_F64)
            in->dsize = amd && in->p66 ? 2 : 8;
        else if (fl & I_D64)
            in->dsize = in->p66 ? 2 : 8;
        else
            in->dsize = in->p66 ? 2 : 4;
    } else {
        bool big = in->mode == MODE32;
        in->asize = (big ^ in->p67) ? 4 : 2;
        in->dsize = (big ^ in->p66) ? 4 : 2;
    }
    in->opsize = (fl & I_BYTE) ? 1 : in->dsize;
}

static void decode_imm(Cursor *c, Insn *in)
{
    unsigned z = in->dsize == 2 ? 2 : 4;
    switch (in->info->imm) {
    case IMM_B: in->imm = (uint64_t)sext(take(c, 1), 1); break;
    case IMM_W: in->imm = take(c, 2); break;
    case IMM_Z: in->imm = (uint64_t)sext(take(c, z), z); break;
    case IMM_V: in->imm = take(c, in->opsize == 1 ? 1 : in->dsize); break;
    case IMM_AP: in->imm = take(c, z); in->imm2 = take(c, 2); break;
    case IMM_O: in->imm = take(c, in->asize); break;
    case IMM_WB: in->imm = take(c, 2); in->imm2 = take(c, 1); break;
    case IMM_GRP3:
        if (((in->modrm >> 3) & 7) < 2)
            in->imm = (uint64_t)sext(take(c, in->opsize == 1 ? 1 : z), in->opsize == 1 ? 1 : z);
        break;
    }
}

static bool lock_ok(const Insn *in)
{
    unsigned r = (in->modrm >> 3) & 7;
    if (!(in->info->flags & I_LOCK) || !in->mem)
        return false;
    switch (in->info->kind) {
    case K_GRP1: return r != 7;
    case K_GRP3: return r == 2 || r == 3;
    case K_GRP4: case K_GRP5: return r < 2;
    case K_GRP8: return r >= 5;
    case K_GRP9: return r == 1;
    default: return true;
    }
}

static const OpInfo op_fpu = { K_FPU, IMM_NONE, I_MODRM, 0 };
static const OpInfo op_fpu_nomodrm = { K_FPU, IMM_NONE, 0, 0 };
static const OpInfo op_arpl = { K_ARPL, IMM_NONE, I_MODRM | I_CC_W, 0 };
static const OpInfo op_invalid = { K_INVALID, IMM_NONE, 0, 0 };

/* A VEX prefix (C4/C5, already taken as b): only the general-register
 * BMI instructions are known; any legacy/REX prefix before it is #UD. */
static const OpInfo *lookup_vex(Cursor *c, Insn *in, uint8_t b)
{
    static const uint8_t pp[4] = { 0, 0x66, 0xf3, 0xf2 };
    bool bad = in->rep || in->p66 || in->lock || in->rex;
    uint8_t b1 = (uint8_t)take(c, 1), b2 = b1, map = 1;
    unsigned r = !(b1 & 0x80), x = 0, bb = 0, w = 0;
    in->vex = true;
    if (b == 0xc4) {
        b2 = (uint8_t)take(c, 1);
        map = b1 & 0x1f;
        x = !(b1 & 0x40);
        bb = !(b1 & 0x20);
        w = (b2 >> 7) & 1;
    }
    in->rex = in->mode == MODE64 ? (uint8_t)(0x40 | w << 3 | r << 2 | x << 1 | bb) : 0;
    in->vvvv = (uint8_t)((~b2 >> 3) & (in->mode == MODE64 ? 15 : 7));
    in->vex_l = (b2 >> 2) & 1;
    in->mprefix = pp[b2 & 3];
    in->map = map;
    in->op = (uint8_t)take(c, 1);
    const OpInfo *info = bad ? NULL : decode_vex(map, in->op, in->mprefix);
    return info ? info : &op_invalid;
}

/* Find the OpInfo for the opcode; SSE/x87 opcodes go to the FPU side. */
static const OpInfo *lookup(Cursor *c, Insn *in)
{
    uint8_t b = (uint8_t)take(c, 1);
    bool imm8 = false;
    if ((b == 0xc4 || b == 0xc5) && in->mode != MODE16 &&
        (in->mode == MODE64 || (c->pos < c->avail && (c->buf[c->pos] & 0xc0) == 0xc0)))
        return lookup_vex(c, in, b);
    in->mprefix = in->rep ? in->rep : in->p66 ? 0x66 : 0;
    if (b != 0x0f) {
        in->map = 0;
        in->op = b;
        if (b == 0x63 && in->mode != MODE64)
            return &op_arpl;
        return &decode_map1[b];
    }
    b = (uint8_t)take(c, 1);
    const OpInfo *info = NULL;
    if (b == 0x38 || b == 0x3a) {
        in->map = b == 0x38 ? 2 : 3;
        in->op = (uint8_t)take(c, 1);
        if (in->map == 2)
            info = decode_map0f38(in->op, in->mprefix);
    } else {
        in->map = 1;
        in->op = b;
        info = &decode_map0f[b];
        /* POPCNT, TZCNT and LZCNT exist only with F3; others are plain. */
        if ((b == 0xb8 && in->rep != 0xf3))
            info = &op_invalid;
        if (info->kind == K_INVALID)
            info = NULL;
    }
    if (info)
        return info;
    if (!c->short_read && fpu_handles(in->map, in->op, in->mprefix, &imm8)) {
        in->imm8_fpu = imm8;
        /* EMMS and FEMMS are the only ones without a ModRM byte. */
        if (in->map == 1 && (in->op == 0x77 || in->op == 0x0e))
            return &op_fpu_nomodrm;
        return &op_fpu;
    }
    return &op_invalid;
}

int x86_decode(const uint8_t *buf, size_t avail, CpuMode mode, uint64_t pc, Insn *in)
{
    return x86_decode_vendor(buf, avail, mode, false, pc, in);
}

int x86_decode_vendor(const uint8_t *buf, size_t avail, CpuMode mode, bool amd, uint64_t pc,
                      Insn *in)
{
    Cursor c = { buf, avail, 0, false };
    memset(in, 0, sizeof(*in));
    in->pc = pc;
    in->mode = mode;
    in->seg = SEG_NONE;
    in->base = in->index = REG_NONE;
    decode_prefixes(&c, mode, in);
    if (c.pos >= 15)
        return DEC_GP;
    if (c.short_read)
        return DEC_MORE;
    in->info = lookup(&c, in);
    if (mode == MODE64 && (in->info->flags & I_NO64))
        in->info = &op_invalid;
    set_sizes(in, amd);
    if (in->vex && in->mode == MODE64)
        in->dsize = (in->rex & 8) ? 8 : 4;
    else if (in->vex)
        in->dsize = 4;
    if (in->vex)
        in->opsize = in->dsize;
    if (in->info->flags & I_MODRM)
        decode_modrm(&c, in, (in->info->flags & I_REGONLY) != 0);
    if (in->info->kind == K_FPU && in->map == 0)
        in->opsize = in->dsize;
    decode_imm(&c, in);
    if (in->imm8_fpu)
        in->imm = take(&c, 1);
    if (c.pos > 15)
        return c.short_read ? DEC_MORE : DEC_GP;
    if (c.short_read)
        return DEC_MORE;
    in->len = (uint8_t)c.pos;
    if (in->info->kind == K_INVALID)
        return DEC_UD;
    if ((in->info->flags & I_MEMONLY) && !in->mem)
        return DEC_UD;
    if (in->lock && !lock_ok(in))
        return DEC_UD;
    return DEC_OK;
}
