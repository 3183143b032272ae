/* MMX and SSE..SSE4.2 instruction tables and operand plumbing (internal to
 * cpu/sse*.c).  Each sse-*.c file defines its instructions as SseOp rows;
 * sse.c indexes them by (map, opcode, mandatory prefix), fetches operands,
 * calls the row's function and writes the result back. */
#ifndef KEMU_CPU_SSE_H
#define KEMU_CPU_SSE_H

#include "cpu/fpu-internal.h"

/* Operand shapes. */
enum {
    K_XX,     /* reg <- op(reg, rm): MMX/XMM register or memory source */
    K_ST,     /* rm <- op(reg): register or memory destination (stores) */
    K_XG,     /* reg <- op(reg, GPR or memory) */
    K_GX,     /* GPR reg <- op(MMX/XMM rm register or memory) */
    K_GXS,    /* GPR or memory rm <- op(MMX/XMM reg) */
    K_GG,     /* GPR reg <- op(GPR reg, GPR or memory rm) (CRC32) */
    K_GST,    /* memory rm <- GPR reg (MOVNTI) */
};

/* Row flags. */
#define OPF_IMM8      0x0001  /* takes an imm8 */
#define OPF_FP        0x0002  /* SIMD floating point: MXCSR flags, #XM */
#define OPF_UNALIGNED 0x0004  /* 16-byte memory operand needs no alignment */
#define OPF_NOWB      0x0008  /* no register result (compares into EFLAGS) */
#define OPF_W         0x0010  /* REX.W doubles the GPR/memory size */
#define OPF_MMX       0x0020  /* both operands are MMX registers */
#define OPF_SRC_MMX   0x0040  /* rm register is MMX, reg is XMM */
#define OPF_DST_MMX   0x0080  /* reg is MMX, rm register is XMM */
#define OPF_REGONLY   0x0100  /* #UD with a memory operand */
#define OPF_MEMONLY   0x0200  /* #UD with a register operand */
#define OPF_GW        0x0400  /* GPR destination is 64-bit with REX.W */
#define OPF_GPRONLY   0x0800  /* no x87/SSE state: no CR0/CR4 availability checks */

typedef struct SseArgs {
    CPUState *cpu;
    const FpuInsn *in;
    Xmm d;            /* destination (and first source) */
    Xmm s;            /* second source: register, or memory zero-extended */
    uint64_t g;       /* GPR operand in/out */
    int w;            /* vector width in bytes: 8 (MMX) or 16 */
    unsigned msize;   /* memory operand size */
    uint8_t imm;
    FloatStatus st;
    bool nowb;        /* the function decided not to write a result */
} SseArgs;

typedef void (*SseFn)(SseArgs *a);

typedef struct SseOp {
    uint8_t map, opcode, prefix, kind;
    uint16_t flags;
    uint8_t msize;    /* memory operand bytes (4 with OPF_W means 4 or 8;
                         0: the operand size, for CRC32) */
    SseFn fn;
} SseOp;

typedef struct SseTable {
    const SseOp *ops;
    unsigned n;
} SseTable;

extern const SseTable sse_int_table, sse_fp_table, sse_move_table, sse_s41_table,
    sse_str_table, sse_aes_table;

/* Saturation and helpers shared by the op files. */
static inline int8_t sat_s8(int v) { return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v); }
static inline uint8_t sat_u8(int v) { return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v); }
static inline int16_t sat_s16(int v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}
static inline uint16_t sat_u16(int v) { return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v); }

/* A 64-bit-mode code segment (16 XMM registers, 64-bit addresses). */
bool sse_code64(const CPUState *cpu);

#endif
