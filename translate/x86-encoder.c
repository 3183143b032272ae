/* x86-64 encoding (Intel SDM vol. 2, chapter 2: prefixes, REX, ModRM,
 * SIB, displacement, immediate).  See translate/x86-encoder.h. */
#include "translate/x86-encoder.h"

#include <string.h>

/* Which operands are byte registers (they need a REX prefix to mean
 * SPL/BPL/SIL/DIL rather than AH/CH/DH/BH). */
#define BYTE_REG 1u
#define BYTE_RM  2u

void x86_enc_init(X86Enc *e, uint8_t *buf, size_t size, intptr_t exec_delta)
{
    e->p = buf;
    e->end = buf + size;
    e->exec_delta = exec_delta;
    e->full = false;
}

void x86_byte(X86Enc *e, uint8_t b)
{
    if (e->p >= e->end) {
        e->full = true;
        return;
    }
    *e->p++ = b;
}

void x86_u32(X86Enc *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        x86_byte(e, (uint8_t)(v >> (8 * i)));
}

static void u64(X86Enc *e, uint64_t v)
{
    x86_u32(e, (uint32_t)v);
    x86_u32(e, (uint32_t)(v >> 32));
}

/* Operand-size prefix and REX.  rm_or_base and index may be X_NOREG. */
static void prefixes(X86Enc *e, unsigned size, unsigned bytes, int reg, int index, int rm)
{
    if (size == 2)
        x86_byte(e, 0x66);
    uint8_t rex = 0x40;
    if (size == 8)
        rex |= 8;
    if (reg >= 8)
        rex |= 4;
    if (index >= 8)
        rex |= 2;
    if (rm >= 8)
        rex |= 1;
    bool force = ((bytes & BYTE_REG) && reg >= 4 && reg < 8) ||
                 ((bytes & BYTE_RM) && rm >= 4 && rm < 8);
    if (rex != 0x40 || force)
        x86_byte(e, rex);
}

static void opcode(X86Enc *e, const uint8_t *opc, int n)
{
    for (int i = 0; i < n; i++)
        x86_byte(e, opc[i]);
}

static void modrm_mem(X86Enc *e, int reg, X86Mem m)
{
    unsigned mod = 2;
    if (m.disp == 0 && (m.base & 7) != X_RBP)
        mod = 0;
    else if (m.disp >= -128 && m.disp <= 127)
        mod = 1;
    if (m.index == X_NOREG && (m.base & 7) != X_RSP) {
        x86_byte(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | (m.base & 7)));
    } else {
        unsigned ss = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
        unsigned idx = m.index == X_NOREG ? 4 : (unsigned)(m.index & 7);
        x86_byte(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
        x86_byte(e, (uint8_t)(ss << 6 | idx << 3 | (m.base & 7)));
    }
    if (mod == 1)
        x86_byte(e, (uint8_t)m.disp);
    else if (mod == 2)
        x86_u32(e, (uint32_t)m.disp);
}

static void op_mem(X86Enc *e, unsigned size, unsigned bytes, const uint8_t *opc, int n,
                   int reg, X86Mem m)
{
    prefixes(e, size, bytes, reg, m.index, m.base);
    opcode(e, opc, n);
    modrm_mem(e, reg, m);
}

static void op_rr(X86Enc *e, unsigned size, unsigned bytes, const uint8_t *opc, int n,
                  int reg, int rm)
{
    prefixes(e, size, bytes, reg, X_NOREG, rm);
    opcode(e, opc, n);
    x86_byte(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* Byte forms of the classic opcodes are the word form minus one. */
static uint8_t sized(uint8_t op_word, unsigned size)
{
    return size == 1 ? (uint8_t)(op_word - 1) : op_word;
}

static unsigned byte_flags(unsigned size)
{
    return size == 1 ? BYTE_REG | BYTE_RM : 0;
}

void x86_mov_rr(X86Enc *e, unsigned size, int dst, int src)
{
    uint8_t op = sized(0x89, size);
    op_rr(e, size, byte_flags(size), &op, 1, src, dst);
}

void x86_mov_ri(X86Enc *e, int dst, uint64_t imm)
{
    if (imm == 0) {
        x86_alu_rr(e, XA_XOR, 4, dst, dst);
    } else if (imm <= 0xffffffffULL) {
        prefixes(e, 4, 0, X_NOREG, X_NOREG, dst);
        x86_byte(e, (uint8_t)(0xb8 + (dst & 7)));
        x86_u32(e, (uint32_t)imm);
    } else if ((int64_t)imm == (int32_t)imm) {
        uint8_t op = 0xc7;
        op_rr(e, 8, 0, &op, 1, 0, dst);
        x86_u32(e, (uint32_t)imm);
    } else {
        x86_movabs(e, dst, imm);
    }
}

void x86_movabs(X86Enc *e, int dst, uint64_t imm)
{
    prefixes(e, 8, 0, X_NOREG, X_NOREG, dst);
    x86_byte(e, (uint8_t)(0xb8 + (dst & 7)));
    u64(e, imm);
}

void x86_load(X86Enc *e, unsigned size, int dst, X86Mem m)
{
    static const uint8_t movzb[] = { 0x0f, 0xb6 }, movzw[] = { 0x0f, 0xb7 };
    static const uint8_t mov = 0x8b;
    if (size == 1)
        op_mem(e, 4, 0, movzb, 2, dst, m);
    else if (size == 2)
        op_mem(e, 4, 0, movzw, 2, dst, m);
    else
        op_mem(e, size, 0, &mov, 1, dst, m);
}

void x86_load_sx(X86Enc *e, unsigned size, int dst, X86Mem m)
{
    static const uint8_t movsb[] = { 0x0f, 0xbe }, movsw[] = { 0x0f, 0xbf };
    static const uint8_t movsxd = 0x63, mov = 0x8b;
    if (size == 1)
        op_mem(e, 8, 0, movsb, 2, dst, m);
    else if (size == 2)
        op_mem(e, 8, 0, movsw, 2, dst, m);
    else if (size == 4)
        op_mem(e, 8, 0, &movsxd, 1, dst, m);
    else
        op_mem(e, 8, 0, &mov, 1, dst, m);
}

void x86_store(X86Enc *e, unsigned size, X86Mem m, int src)
{
    uint8_t op = sized(0x89, size);
    op_mem(e, size, size == 1 ? BYTE_REG : 0, &op, 1, src, m);
}

/* An immediate of the operand size (8-byte operations take 4). */
static void imm_sized(X86Enc *e, unsigned size, int32_t imm)
{
    if (size == 1) {
        x86_byte(e, (uint8_t)imm);
    } else if (size == 2) {
        x86_byte(e, (uint8_t)imm);
        x86_byte(e, (uint8_t)(imm >> 8));
    } else {
        x86_u32(e, (uint32_t)imm);
    }
}

void x86_store_i(X86Enc *e, unsigned size, X86Mem m, int32_t imm)
{
    uint8_t op = sized(0xc7, size);
    op_mem(e, size, 0, &op, 1, 0, m);
    imm_sized(e, size, imm);
}

void x86_lea(X86Enc *e, int dst, X86Mem m)
{
    uint8_t op = 0x8d;
    op_mem(e, 8, 0, &op, 1, dst, m);
}

void x86_movzx_rr(X86Enc *e, unsigned size, int dst, int src)
{
    static const uint8_t movzb[] = { 0x0f, 0xb6 }, movzw[] = { 0x0f, 0xb7 };
    if (size == 1)
        op_rr(e, 4, BYTE_RM, movzb, 2, dst, src);
    else if (size == 2)
        op_rr(e, 4, 0, movzw, 2, dst, src);
    else if (size == 4)
        x86_mov_rr(e, 4, dst, src);
    else if (dst != src)
        x86_mov_rr(e, 8, dst, src);
}

void x86_movsx_rr(X86Enc *e, unsigned size, int dst, int src)
{
    static const uint8_t movsb[] = { 0x0f, 0xbe }, movsw[] = { 0x0f, 0xbf };
    static const uint8_t movsxd = 0x63;
    if (size == 1)
        op_rr(e, 8, BYTE_RM, movsb, 2, dst, src);
    else if (size == 2)
        op_rr(e, 8, 0, movsw, 2, dst, src);
    else if (size == 4)
        op_rr(e, 8, 0, &movsxd, 1, dst, src);
    else if (dst != src)
        x86_mov_rr(e, 8, dst, src);
}

void x86_alu_rr(X86Enc *e, unsigned op, unsigned size, int dst, int src)
{
    uint8_t opc = sized((uint8_t)(op << 3 | 1), size);
    op_rr(e, size, byte_flags(size), &opc, 1, src, dst);
}

void x86_alu_ri(X86Enc *e, unsigned op, unsigned size, int dst, int32_t imm)
{
    bool short_imm = size != 1 && imm >= -128 && imm <= 127;
    if (dst == X_RAX && !short_imm) {   /* the accumulator's own opcodes */
        prefixes(e, size, 0, X_NOREG, X_NOREG, X_NOREG);
        x86_byte(e, (uint8_t)(op << 3 | (size == 1 ? 4 : 5)));
        imm_sized(e, size, imm);
    } else if (size == 1) {
        uint8_t opc = 0x80;
        op_rr(e, 1, BYTE_RM, &opc, 1, (int)op, dst);
        x86_byte(e, (uint8_t)imm);
    } else if (short_imm) {
        uint8_t opc = 0x83;
        op_rr(e, size, 0, &opc, 1, (int)op, dst);
        x86_byte(e, (uint8_t)imm);
    } else {
        uint8_t opc = 0x81;
        op_rr(e, size, 0, &opc, 1, (int)op, dst);
        imm_sized(e, size, imm);
    }
}

void x86_alu_rm(X86Enc *e, unsigned op, unsigned size, int dst, X86Mem m)
{
    uint8_t opc = sized((uint8_t)(op << 3 | 3), size);
    op_mem(e, size, size == 1 ? BYTE_REG : 0, &opc, 1, dst, m);
}

void x86_alu_mi(X86Enc *e, unsigned op, unsigned size, X86Mem m, int32_t imm)
{
    bool short_imm = size != 1 && imm >= -128 && imm <= 127;
    uint8_t opc = size == 1 ? 0x80 : short_imm ? 0x83 : 0x81;
    op_mem(e, size, 0, &opc, 1, (int)op, m);
    imm_sized(e, short_imm ? 1 : size, imm);
}

void x86_test_rr(X86Enc *e, unsigned size, int a, int b)
{
    uint8_t opc = sized(0x85, size);
    op_rr(e, size, byte_flags(size), &opc, 1, b, a);
}

void x86_test_mi(X86Enc *e, unsigned size, X86Mem m, int32_t imm)
{
    uint8_t opc = sized(0xf7, size);
    op_mem(e, size, 0, &opc, 1, 0, m);
    imm_sized(e, size, imm);
}

void x86_imul_rr(X86Enc *e, unsigned size, int dst, int src)
{
    static const uint8_t opc[] = { 0x0f, 0xaf };
    op_rr(e, size < 4 ? 4 : size, 0, opc, 2, dst, src);
}

void x86_shift_cl(X86Enc *e, unsigned op, unsigned size, int dst)
{
    uint8_t opc = sized(0xd3, size);
    op_rr(e, size, size == 1 ? BYTE_RM : 0, &opc, 1, (int)op, dst);
}

void x86_shift_ri(X86Enc *e, unsigned op, unsigned size, int dst, uint8_t count)
{
    uint8_t opc = sized(count == 1 ? 0xd1 : 0xc1, size);
    op_rr(e, size, size == 1 ? BYTE_RM : 0, &opc, 1, (int)op, dst);
    if (count != 1)
        x86_byte(e, count);
}

void x86_neg(X86Enc *e, unsigned size, int r)
{
    uint8_t opc = sized(0xf7, size);
    op_rr(e, size, size == 1 ? BYTE_RM : 0, &opc, 1, 3, r);
}

/* rdx:rax = rax * r, unsigned (MUL) or signed (IMUL, one operand). */
void x86_mul_wide(X86Enc *e, bool sign, unsigned size, int r)
{
    uint8_t opc = sized(0xf7, size);
    op_rr(e, size, size == 1 ? BYTE_RM : 0, &opc, 1, sign ? 5 : 4, r);
}

void x86_div_wide(X86Enc *e, unsigned size, int r)
{
    uint8_t opc = sized(0xf7, size);
    op_rr(e, size, size == 1 ? BYTE_RM : 0, &opc, 1, 6, r);
}

void x86_bitscan_rr(X86Enc *e, uint8_t opc, unsigned size, int dst, int src)
{
    const uint8_t o[] = { 0x0f, opc };
    op_rr(e, size, 0, o, 2, dst, src);
}

void x86_popcnt_rr(X86Enc *e, unsigned size, int dst, int src)
{
    x86_byte(e, 0xf3);              /* mandatory prefix, before REX */
    x86_bitscan_rr(e, 0xb8, size, dst, src);
}

void x86_cmov_rr(X86Enc *e, unsigned cc, unsigned size, int dst, int src)
{
    x86_bitscan_rr(e, (uint8_t)(0x40 | cc), size, dst, src);
}

void x86_bswap(X86Enc *e, unsigned size, int r)
{
    prefixes(e, size, 0, X_NOREG, X_NOREG, r);
    x86_byte(e, 0x0f);
    x86_byte(e, (uint8_t)(0xc8 + (r & 7)));
}

void x86_not(X86Enc *e, unsigned size, int r)
{
    uint8_t opc = sized(0xf7, size);
    op_rr(e, size, size == 1 ? BYTE_RM : 0, &opc, 1, 2, r);
}

void x86_setcc(X86Enc *e, unsigned cc, int r)
{
    uint8_t opc[] = { 0x0f, (uint8_t)(0x90 | cc) };
    op_rr(e, 1, BYTE_RM, opc, 2, 0, r);
}

void x86_push(X86Enc *e, int r)
{
    if (r >= 8)
        x86_byte(e, 0x41);
    x86_byte(e, (uint8_t)(0x50 + (r & 7)));
}

void x86_pop(X86Enc *e, int r)
{
    if (r >= 8)
        x86_byte(e, 0x41);
    x86_byte(e, (uint8_t)(0x58 + (r & 7)));
}

void x86_ret(X86Enc *e)
{
    x86_byte(e, 0xc3);
}

/* rel32 from the end of an instruction of `len` bytes starting here. */
static bool rel32_of(const X86Enc *e, unsigned len, uintptr_t target, int32_t *rel)
{
    int64_t d = (int64_t)(target - (x86_exec_pc(e) + len));
    if (d != (int32_t)d)
        return false;
    *rel = (int32_t)d;
    return true;
}

void x86_call(X86Enc *e, const void *fn)
{
    int32_t rel;
    if (rel32_of(e, 5, (uintptr_t)fn, &rel)) {
        x86_byte(e, 0xe8);
        x86_u32(e, (uint32_t)rel);
        return;
    }
    static const uint8_t call = 0xff;
    x86_mov_ri(e, X_R11, (uintptr_t)fn);
    op_rr(e, 4, 0, &call, 1, 2, X_R11);
}

void x86_jmp_abs(X86Enc *e, uintptr_t target)
{
    int32_t rel;
    if (rel32_of(e, 5, target, &rel)) {
        x86_byte(e, 0xe9);
        x86_u32(e, (uint32_t)rel);
        return;
    }
    x86_mov_ri(e, X_R11, target);
    x86_jmp_reg(e, X_R11);
}

void x86_jmp_reg(X86Enc *e, int r)
{
    static const uint8_t jmp = 0xff;
    op_rr(e, 4, 0, &jmp, 1, 4, r);
}

uint8_t *x86_jmp32(X86Enc *e)
{
    x86_byte(e, 0xe9);
    uint8_t *field = e->p;
    x86_u32(e, 0);
    return e->full ? NULL : field;
}

uint8_t *x86_jcc32(X86Enc *e, unsigned cc)
{
    x86_byte(e, 0x0f);
    x86_byte(e, (uint8_t)(0x80 | cc));
    uint8_t *field = e->p;
    x86_u32(e, 0);
    return e->full ? NULL : field;
}

void x86_patch_rel32(uint8_t *field, const uint8_t *to)
{
    if (!field)
        return;
    int32_t rel = (int32_t)(to - (field + 4));
    memcpy(field, &rel, 4);
}

/* SSE forms: the mandatory prefix goes before REX, then 0F (and 38 or 3A
 * for maps 2 and 3) and the opcode; xmm registers number as the GPRs. */
static void sse_head(X86Enc *e, uint8_t pfx, bool w, unsigned map, uint8_t opc, int reg,
                     int index, int rm)
{
    if (pfx)
        x86_byte(e, pfx);
    prefixes(e, w ? 8 : 4, 0, reg, index, rm);
    x86_byte(e, 0x0f);
    if (map == 2 || map == 3)
        x86_byte(e, map == 2 ? 0x38 : 0x3a);
    x86_byte(e, opc);
}

void x86_sse_rr(X86Enc *e, uint8_t pfx, bool w, unsigned map, uint8_t opc, int reg, int rm)
{
    sse_head(e, pfx, w, map, opc, reg, X_NOREG, rm);
    x86_byte(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

void x86_sse_rm(X86Enc *e, uint8_t pfx, bool w, unsigned map, uint8_t opc, int reg, X86Mem m)
{
    sse_head(e, pfx, w, map, opc, reg, m.index, m.base);
    modrm_mem(e, reg, m);
}
