/* x86 instruction decoder: bytes -> Insn.  Table-driven: each opcode of
 * the one-byte, 0F, 0F38 and 0F3A maps has an OpInfo (translate/
 * decode-tables.c) saying how it is encoded (ModRM, immediate form), its
 * operand size rules, which modes accept it, whether LOCK may prefix it and
 * whether it reads or writes the arithmetic flags; `kind` names the
 * translator routine that emits its IR.  The same tables drive the
 * instruction-length tests and can drive a differential tester. */
#ifndef KEMU_TRANSLATE_DECODE_H
#define KEMU_TRANSLATE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Immediate forms. */
enum {
    IMM_NONE, IMM_B, IMM_W, IMM_Z,  /* Iz: 16 or 32 bits (sign-extended in 64) */
    IMM_V,                          /* Iv: 16/32/64 (MOV r, imm) */
    IMM_AP,                         /* far pointer: offset (16/32) + selector */
    IMM_O,                          /* moffs: address-size offset */
    IMM_WB,                         /* ENTER: Iw then Ib */
    IMM_GRP3,                       /* F6/F7: Ib/Iz only for /0 and /1 */
};

/* OpInfo.flags */
#define I_MODRM  0x0001   /* has a ModRM byte */
#define I_BYTE   0x0002   /* operand size is 8 bits */
#define I_DIR    0x0004   /* ModRM.reg is the destination */
#define I_LOCK   0x0008   /* LOCK allowed (with a memory destination) */
#define I_NO64   0x0010   /* invalid in 64-bit mode */
#define I_D64    0x0020   /* operand size defaults to 64 in 64-bit mode */
#define I_F64    0x0040   /* operand size is 64 in 64-bit mode (near branches) */
#define I_CC_R   0x0080   /* reads arithmetic flags */
#define I_CC_W   0x0100   /* writes arithmetic flags */
#define I_REGONLY 0x0200  /* ModRM is always a register (MOV CR/DR) */
#define I_MEMONLY 0x0400  /* a register ModRM is #UD (LEA, LDS, CMPXCHG8B) */

/* Translator routines (translate/translate*.c switch on these). */
enum {
    K_INVALID, K_ALU, K_ALU_IMM, K_GRP1, K_INCDEC_R, K_PUSH_R, K_POP_R,
    K_PUSH_SEG, K_POP_SEG, K_BCD, K_PUSHA, K_POPA, K_BOUND, K_ARPL,
    K_MOVSXD, K_PUSH_IMM, K_IMUL3, K_STRING, K_JCC, K_TEST, K_XCHG,
    K_MOV, K_MOV_IMM, K_MOV_SREG_RM, K_MOV_RM_SREG, K_LEA, K_POP_RM,
    K_NOP, K_XCHG_ACC, K_CBW, K_CWD, K_CALLF_AP, K_WAIT, K_PUSHF,
    K_POPF, K_SAHF, K_LAHF, K_MOV_MOFFS, K_MOV_R_IMM, K_GRP2,
    K_RET, K_LXS, K_ENTER, K_LEAVE, K_RETF, K_INT3, K_INT, K_INTO,
    K_IRET, K_AAM, K_AAD, K_SALC, K_XLAT, K_FPU, K_LOOP, K_JCXZ, K_IN,
    K_OUT, K_CALL, K_JMP, K_JMPF_AP, K_INT1, K_HLT, K_CMC, K_GRP3,
    K_FLAGOP, K_GRP4, K_GRP5,
    /* 0F map */
    K_GRP6, K_GRP7, K_LAR, K_LSL, K_SYSCALL, K_CLTS, K_SYSRET, K_WBINVD,
    K_UD, K_MOV_CR, K_MOV_DR, K_WRMSR, K_RDTSC, K_RDMSR, K_RDPMC,
    K_SYSENTER, K_SYSEXIT, K_CMOV, K_SETCC, K_CPUID, K_BT, K_SHLD,
    K_SHRD, K_GRP15, K_IMUL2, K_CMPXCHG, K_MOVZX, K_MOVSX, K_POPCNT,
    K_GRP8, K_BSF, K_BSR, K_XADD, K_GRP9, K_BSWAP, K_MOVBE, K_ADCX,
    K_BMI,      /* VEX-encoded BMI1/BMI2 general-register instructions */
    K_COUNT
};

/* K_BMI sub-kinds (SDM vol. 2, VEX.LZ.0F38/0F3A). */
enum { BMI_ANDN, BMI_GRP17, BMI_BZHI, BMI_PEXT, BMI_PDEP, BMI_MULX, BMI_BEXTR,
       BMI_SHLX, BMI_SARX, BMI_SHRX, BMI_RORX };

typedef struct OpInfo {
    uint8_t kind;
    uint8_t imm;
    uint16_t flags;
    uint8_t sub;        /* kind-specific: ALU op, condition, string op... */
} OpInfo;

/* Decode tables: index by opcode byte. */
extern const OpInfo decode_map1[256];
extern const OpInfo decode_map0f[256];
/* The maps 0F38/0F3A have few integer opcodes; looked up by function. */
const OpInfo *decode_map0f38(uint8_t op, uint8_t prefix);
/* VEX-encoded general-register instructions (BMI1/BMI2): map 2 or 3,
 * opcode, implied prefix; NULL if kemu has no such instruction. */
const OpInfo *decode_vex(uint8_t map, uint8_t op, uint8_t prefix);

typedef enum { MODE16, MODE32, MODE64 } CpuMode;

#define SEG_NONE 0xff
#define REG_RIP 16      /* Insn.base for RIP-relative addressing */
#define REG_NONE 0xff

typedef struct Insn {
    uint64_t pc;
    uint8_t len;
    uint8_t map;        /* 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A */
    uint8_t op;
    uint8_t rep;        /* 0, 0xF2 or 0xF3 (the last one given) */
    uint8_t seg;        /* segment override, or SEG_NONE */
    bool lock, p66, p67;
    uint8_t rex;        /* the REX byte (0 if none) */
    uint8_t mprefix;    /* SSE mandatory prefix: 0, 0x66, 0xF2, 0xF3 */
    uint8_t opsize;     /* 1, 2, 4 or 8 (1 when I_BYTE) */
    uint8_t dsize;      /* operand size ignoring I_BYTE (2, 4, 8) */
    uint8_t asize;      /* 2, 4 or 8 */
    CpuMode mode;
    uint8_t modrm, mod, reg, rm;   /* reg and rm include REX.R / REX.B */
    bool mem;           /* ModRM names memory */
    uint8_t base, index, scale;    /* REG_NONE/REG_RIP; scale 0..3 */
    uint8_t def_seg;    /* SEG_DS or SEG_SS (BP/SP based) */
    int64_t disp;
    uint64_t imm, imm2;
    bool imm8_fpu;      /* FPU insn with imm8 */
    bool vex;           /* VEX-encoded (C4/C5) */
    uint8_t vvvv;       /* VEX.vvvv register (un-inverted) */
    bool vex_l;
    const OpInfo *info;
} Insn;

/* Decode errors (positive returns of x86_decode). */
enum { DEC_OK = 0, DEC_UD = 1, DEC_GP = 2, DEC_MORE = 3 };

/* Decode the instruction at buf[0..avail) (avail may be < 15 near the end
 * of mapped memory).  Returns DEC_OK, DEC_UD (invalid encoding or LOCK
 * misuse), DEC_GP (longer than 15 bytes) or DEC_MORE (ran out of bytes:
 * the fetch of buf[avail] would fault). */
int x86_decode(const uint8_t *buf, size_t avail, CpuMode mode, uint64_t pc, Insn *in);
/* The same for a vendor: in 64-bit mode Intel's parts ignore a 66 prefix
 * on near branches (JMP, CALL, RET, Jcc, LOOPcc, JrCXZ: 64-bit operand
 * size, SDM vol. 2), AMD's honour it (16-bit operand size: rel16, IP
 * truncated, 2-byte return addresses; APM vol. 3 "Near Branches in 64-Bit
 * Mode").  x86_decode decodes as Intel's. */
int x86_decode_vendor(const uint8_t *buf, size_t avail, CpuMode mode, bool amd, uint64_t pc,
                      Insn *in);

#endif
