/* x87, MMX and SSE (through SSE4.2, plus AES-NI and PCLMULQDQ) execution,
 * one entry for the engines.  The translator decodes prefixes, the opcode
 * map and ModRM/SIB; these helpers do the rest.  All floating point (x87,
 * binary32/64) is this tree's own softfloat (cpu/softfloat*.c), never the
 * host's.
 *
 * Layout: fpu.c (availability checks, memory operands, status/#MF/#XM),
 * fpu-x87*.c (D8-DF, tables by escape and ModRM.reg), fpu-env.c (FSTENV/
 * FSAVE layouts, FXSAVE, 0F AE), fpu-xsave.c, sse.c (row index, operand
 * plumbing, CPUID gating) and the row tables sse-int/fp/move/s41/str/aes.c.
 *
 * Behaviour worth knowing:
 *  - Unmasked x87 exceptions set FSW.ES and are delivered at the next
 *    waiting x87 instruction or FWAIT: #MF with CR0.NE; otherwise (MS-DOS
 *    compatibility, fpu-ferr.c) the CPU asserts FERR# and freezes before
 *    the waiting instruction until an interrupt.  The board's ferr-latch
 *    (hw/misc/ferr-latch.c) turns FERR# into IRQ 13; the handler's write
 *    to port 0xF0 asserts IGNNE#, with which the restarted instruction
 *    goes on.  FERR# (and with it IGNNE#) falls when ES is cleared:
 *    FNCLEX, FNINIT, FNSAVE, and FLDENV/FRSTOR/FXRSTOR/XRSTOR loading an
 *    FSW with ES clear.
 *  - Non-control x87 instructions record FCS:FIP (env->rip, the offset in
 *    CS) and FOP; those with a memory operand also FDS:FDP, the selector of
 *    the segment used (override or default, SS for rBP/rSP bases) and the
 *    operand's offset (SDM vol. 1 8.1.8).  FXSAVE and the protected-mode
 *    FSTENV/FSAVE layouts store them as such (FXSAVE64: 64-bit offsets);
 *    the real/v86-mode layouts store linear selector * 16 + offset.
 *    Models with CPUID.7.0:EBX[13] store FCS/FDS as 0, with EBX[6] FDP
 *    changes only with an unmasked exception.
 *  - Transcendentals are within 1 ulp (see softfloat-trans.c); RCPPS and
 *    RSQRTPS return the exact value rounded to 12 bits (Intel's tables are
 *    not published), within the documented 1.5 * 2^-12.
 *  - Instructions the -cpu model's CPUID does not offer raise #UD.
 *  - Memory operands outside 64-bit mode are checked against their
 *    segment's limit and rights here (cpu_seg_check, SDM vol. 3 5.3-5.5)
 *    with their real size and direction: the whole FSAVE/FXSAVE image and
 *    the XSAVE area of every component saved or restored, after the #UD/#NM
 *    checks (vol. 3 table 6-2 priorities) and before anything changes.
 *  - Stores are all-or-nothing: later pages are probed first, so a #PF
 *    leaves memory unchanged.  #AC (CR0.AM, EFLAGS.AC, CPL 3) applies to
 *    misaligned word/dword/qword operands; 128-bit ones get #GP or nothing. */
#ifndef KEMU_CPU_FPU_H
#define KEMU_CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef struct FpuInsn {
    uint8_t map;          /* 0: one-byte (x87 D8-DF), 1: 0F, 2: 0F38, 3: 0F3A */
    uint8_t opcode;
    uint8_t prefix;       /* mandatory prefix: 0, 0x66, 0xF2 or 0xF3 */
    uint8_t modrm;
    bool rex_w;
    bool rex;             /* any REX prefix: byte registers 4-7 are SPL..DIL, not AH..BH */
    uint8_t reg;          /* ModRM.reg with REX.R */
    uint8_t rm;           /* ModRM.rm with REX.B (register form) */
    bool has_mem;         /* memory operand: la is its linear address */
    uint64_t la;          /* also the implicit DS:rDI of MASKMOVQ/MASKMOVDQU */
    uint64_t ea;          /* the operand's offset in its segment (FDP) */
    int8_t seg;           /* the operand's segment, override or default
                             (SEG_ES..SEG_GS: FDS), FPU_SEG_NONE: no operand */
    bool seg_flat;        /* no limit/rights check for seg: 64-bit mode or a
                             flat segment (the translator knows) */
    uint8_t imm8;         /* for opcodes that take one */
    int opsize;           /* current operand size (for x87 env/save forms) */
    uint64_t next_rip;    /* for FIP/FOP bookkeeping */
} FpuInsn;

#define FPU_SEG_NONE (-1)

/* Execute one x87/MMX/SSE instruction.
 * EFLAGS: env->rflags must hold exact arithmetic flags on entry (FCMOVcc
 * reads them), and FCOMI/FUCOMI(P), COMISS/UCOMISS/COMISD/UCOMISD, PTEST
 * and PCMPxSTRx write ZF/PF/CF/OF/SF/AF into env->rflags directly: the
 * engine treats the flags as materialized after this call.  Faults (#UD, #NM, #MF, #XM, #GP,
 * #PF) are raised with cpu_raise_exception().  Returns normally when done. */
void fpu_exec(CPUState *cpu, const FpuInsn *insn);
/* Whether (map, opcode, prefix) is an x87/MMX/SSE instruction fpu_exec
 * handles, and whether it has an imm8 (for the decoder's length).  Map 0
 * covers D8-DF and 9B (FWAIT, no ModRM: fpu_exec runs fpu_fwait). */
bool fpu_handles(uint8_t map, uint8_t opcode, uint8_t prefix, bool *has_imm8);
/* MMX/SSE decoded at translate time (cpu/sse.c).  sse_resolve gives the
 * row id of (map, opcode, mandatory prefix) in the register or memory
 * form, or -1 when the instruction must take fpu_exec (it raises #UD in
 * that form or on this CPU model, EMMS, the 0F AE group).  sse_exec_row
 * runs a resolved row: fpu_exec without the decode, for the same FpuInsn
 * (map/opcode/prefix are not looked at again). */
#define SSE_MAX_ROWS 1024
int sse_resolve(const CPUState *cpu, uint8_t map, uint8_t opcode, uint8_t prefix, bool has_mem);
void sse_exec_row(CPUState *cpu, int id, const FpuInsn *insn);
/* What a row touches besides its vector registers, for the engines. */
#define SSE_T_EFLAGS 1u      /* writes ZF/PF/CF/OF/SF/AF (COMIS, PTEST, PCMPxSTRx) */
#define SSE_T_MXCSR  2u      /* SIMD floating point: rounding, MXCSR flags, #XM */
#define SSE_T_MMX    4u      /* an operand is an MMX register */
#define SSE_T_REXW   8u      /* REX.W widens the GPR/memory operand */
#define SSE_T_SHAPE_SHIFT 8  /* bits 8-11: the operand shape, SSE_SHAPE_* */
#define SSE_SHAPE_XX  0u     /* reg <- op(reg, rm) */
#define SSE_SHAPE_ST  1u     /* rm <- op(reg) */
#define SSE_SHAPE_XG  2u     /* reg <- op(reg, GPR or memory) */
#define SSE_SHAPE_GX  3u     /* GPR reg <- op(rm) */
#define SSE_SHAPE_GXS 4u     /* GPR or memory rm <- op(reg) */
#define SSE_SHAPE_GG  5u
#define SSE_SHAPE_GST 6u
#define SSE_T_ALIGN16 (1u << 4)     /* a 16-byte memory operand must be aligned (#GP) */
#define SSE_T_MSIZE_SHIFT 12        /* bits 12-16: memory operand bytes (8 with
                                       SSE_T_REXW and REX.W; 0: the operand size) */
unsigned sse_row_traits(int id);
/* FWAIT/WAIT (9B): #NM when CR0.MP and CR0.TS, then a pending unmasked
 * x87 exception is delivered (#MF, or FERR# with CR0.NE clear). */
void fpu_fwait(CPUState *cpu);
/* FXSAVE/FXRSTOR images (512 bytes) for the instructions and for KVM sync. */
void fpu_fxsave(const CPUState *cpu, uint8_t img[512]);
void fpu_fxrstor(CPUState *cpu, const uint8_t img[512]);
void fpu_reset(CPUState *cpu);

#endif
