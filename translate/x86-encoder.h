/* A small x86-64 instruction encoder for the native backend: just the
 * forms it emits (integer moves, ALU, shifts, compares, jumps, calls), with
 * register-register and [base + index*scale + disp] operands.
 *
 * Bytes go to a buffer the caller owns (the writable view of the code
 * cache); `exec_delta` is what to add to a buffer address to get the
 * address the code runs at (the executable view), so pc-relative jumps and
 * calls can be encoded.  Running out of room sets `full` and stops writing
 * (the caller then throws the block away). */
#ifndef KEMU_TRANSLATE_X86_ENCODER_H
#define KEMU_TRANSLATE_X86_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    X_RAX, X_RCX, X_RDX, X_RBX, X_RSP, X_RBP, X_RSI, X_RDI,
    X_R8, X_R9, X_R10, X_R11, X_R12, X_R13, X_R14, X_R15,
    X_NOREG = -1
};

/* Condition codes (the low nibble of Jcc/SETcc). */
enum {
    XC_O, XC_NO, XC_B, XC_AE, XC_E, XC_NE, XC_BE, XC_A,
    XC_S, XC_NS, XC_P, XC_NP, XC_L, XC_GE, XC_LE, XC_G
};

/* ALU group-1 operations (the /digit of 81 /n and the 01/03 family). */
enum { XA_ADD, XA_OR, XA_ADC, XA_SBB, XA_AND, XA_SUB, XA_XOR, XA_CMP };
/* Group-2 shifts and rotates (the /digit of D3 /n, C1 /n). */
enum { XS_ROL, XS_ROR, XS_RCL, XS_RCR, XS_SHL, XS_SHR, XS_SAL, XS_SAR };

typedef struct X86Enc {
    uint8_t *p, *end;
    intptr_t exec_delta;
    bool full;
} X86Enc;

/* A memory operand [base + index*scale + disp]; index X_NOREG for none. */
typedef struct X86Mem {
    int base, index;
    unsigned scale;
    int32_t disp;
} X86Mem;

static inline X86Mem xmem(int base, int32_t disp)
{
    return (X86Mem){ base, X_NOREG, 1, disp };
}

static inline X86Mem xmem_idx(int base, int index, unsigned scale, int32_t disp)
{
    return (X86Mem){ base, index, scale, disp };
}

void x86_enc_init(X86Enc *e, uint8_t *buf, size_t size, intptr_t exec_delta);
/* Address the next byte will run at. */
static inline uintptr_t x86_exec_pc(const X86Enc *e)
{
    return (uintptr_t)e->p + (uintptr_t)e->exec_delta;
}

void x86_byte(X86Enc *e, uint8_t b);
void x86_u32(X86Enc *e, uint32_t v);

/* size is the operand size in bytes (1, 2, 4, 8) throughout. */
void x86_mov_rr(X86Enc *e, unsigned size, int dst, int src);
void x86_mov_ri(X86Enc *e, int dst, uint64_t imm);      /* shortest form */
void x86_movabs(X86Enc *e, int dst, uint64_t imm);      /* always 10 bytes */
void x86_load(X86Enc *e, unsigned size, int dst, X86Mem m);   /* zero-extends to 64 */
void x86_load_sx(X86Enc *e, unsigned size, int dst, X86Mem m); /* sign-extends to 64 */
void x86_store(X86Enc *e, unsigned size, X86Mem m, int src);
/* Store a sign-extended 32-bit immediate (size 8), or a size-byte one. */
void x86_store_i(X86Enc *e, unsigned size, X86Mem m, int32_t imm);
void x86_lea(X86Enc *e, int dst, X86Mem m);
/* dst = zero/sign extension of the low `size` bytes of src (64-bit). */
void x86_movzx_rr(X86Enc *e, unsigned size, int dst, int src);
void x86_movsx_rr(X86Enc *e, unsigned size, int dst, int src);

void x86_alu_rr(X86Enc *e, unsigned op, unsigned size, int dst, int src);
void x86_alu_ri(X86Enc *e, unsigned op, unsigned size, int dst, int32_t imm);
void x86_alu_rm(X86Enc *e, unsigned op, unsigned size, int dst, X86Mem m);
void x86_alu_mi(X86Enc *e, unsigned op, unsigned size, X86Mem m, int32_t imm);
void x86_test_rr(X86Enc *e, unsigned size, int a, int b);
void x86_test_mi(X86Enc *e, unsigned size, X86Mem m, int32_t imm);
void x86_imul_rr(X86Enc *e, unsigned size, int dst, int src);
void x86_shift_cl(X86Enc *e, unsigned op, unsigned size, int dst);
void x86_shift_ri(X86Enc *e, unsigned op, unsigned size, int dst, uint8_t count);
void x86_neg(X86Enc *e, unsigned size, int r);
void x86_not(X86Enc *e, unsigned size, int r);
void x86_mul_wide(X86Enc *e, bool sign, unsigned size, int r);
/* DIV r: rdx:rax / r, quotient in rax, remainder in rdx */
void x86_div_wide(X86Enc *e, unsigned size, int r);
/* BSF/BSR/POPCNT dst, src and CMOVcc dst, src (16, 32 or 64 bits) */
void x86_bitscan_rr(X86Enc *e, uint8_t opc, unsigned size, int dst, int src);
void x86_popcnt_rr(X86Enc *e, unsigned size, int dst, int src);
void x86_cmov_rr(X86Enc *e, unsigned cc, unsigned size, int dst, int src);
void x86_bswap(X86Enc *e, unsigned size, int r);      /* 32 or 64 bits */
void x86_setcc(X86Enc *e, unsigned cc, int r);

void x86_push(X86Enc *e, int r);
void x86_pop(X86Enc *e, int r);
void x86_ret(X86Enc *e);
/* SSE instructions: prefix 0, 0x66, 0xF2 or 0xF3; map 1 (0F), 2 (0F 38) or
 * 3 (0F 3A); reg and rm are xmm or GPR numbers as the opcode reads them.
 * An imm8, when the opcode takes one, follows with x86_byte. */
void x86_sse_rr(X86Enc *e, uint8_t pfx, bool w, unsigned map, uint8_t opc, int reg, int rm);
void x86_sse_rm(X86Enc *e, uint8_t pfx, bool w, unsigned map, uint8_t opc, int reg, X86Mem m);

/* Call or jump to an absolute address: rel32 when in reach, else through
 * rax/r11 (calls clobber rax-free scratch r11 only when far). */
void x86_call(X86Enc *e, const void *fn);
void x86_jmp_abs(X86Enc *e, uintptr_t target);
void x86_jmp_reg(X86Enc *e, int r);
/* Jumps with a 32-bit displacement to be patched: return the address of
 * the displacement field (in the buffer). */
uint8_t *x86_jmp32(X86Enc *e);
uint8_t *x86_jcc32(X86Enc *e, unsigned cc);
/* Point the rel32 field at `field` (buffer address) to buffer address to. */
void x86_patch_rel32(uint8_t *field, const uint8_t *to);

#endif
