/* Shared between the x87, MMX and SSE helper files (cpu/fpu*.c,
 * cpu/sse*.c); not for use outside them. */
#ifndef KEMU_CPU_FPU_INTERNAL_H
#define KEMU_CPU_FPU_INTERNAL_H

#include <stdnoreturn.h>

#include "cpu/fpu.h"
#include "cpu/softfloat.h"

/* FSW bits */
#define FSW_IE  0x0001
#define FSW_SF  0x0040
#define FSW_ES  0x0080
#define FSW_C0  0x0100
#define FSW_C1  0x0200
#define FSW_C2  0x0400
#define FSW_C3  0x4000
#define FSW_B   0x8000
#define FSW_TOP_SHIFT 11
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* MXCSR bits */
#define MXCSR_DAZ  0x0040
#define MXCSR_MASKS 0x1f80
#define MXCSR_FTZ  0x8000
#define MXCSR_VALID 0xffff  /* writable bits (MXCSR_MASK reported by FXSAVE) */

/* Memory operands through the CPU's linear-address helpers. */
bool fpu_user(const CPUState *cpu);
uint64_t fpu_ld(CPUState *cpu, uint64_t la, unsigned size);
void fpu_st(CPUState *cpu, uint64_t la, uint64_t v, unsigned size);
void fpu_ld_bytes(CPUState *cpu, uint64_t la, void *buf, unsigned n);
/* Stores n bytes with no partial effect: a store that would fault on its
 * last page faults before its first byte is written. */
void fpu_st_bytes(CPUState *cpu, uint64_t la, const void *buf, unsigned n);
/* #PF now, before anything is stored, if a page of [la, la + n) is not writable. */
void fpu_probe_write(CPUState *cpu, uint64_t la, unsigned n);
noreturn void fpu_fault(CPUState *cpu, int vector);
/* Segment limit and rights of size bytes at offset off into the memory
 * operand (in->ea through in->seg; nothing when in->seg_flat or in->seg is
 * FPU_SEG_NONE):
 * #GP(0), or #SS(0) through SS (SDM vol. 3 5.3-5.5).  Called after the
 * #UD/#NM checks and before the operand or any state is touched. */
void fpu_seg_check(CPUState *cpu, const FpuInsn *in, uint64_t off, unsigned size, bool write);
/* #AC(0) for a misaligned word/dword/qword operand when alignment checking
 * is on (CR0.AM, EFLAGS.AC, CPL 3); 128-bit operands get #GP instead. */
void fpu_check_ac(CPUState *cpu, uint64_t la, unsigned align);
/* #GP(0) unless la is aligned to `align` bytes (16-byte SSE rules). */
void fpu_check_align(CPUState *cpu, uint64_t la, unsigned align);

/* Device-not-available / undefined checks of SDM vol. 3 table 2-1(2). */
void fpu_check_x87(CPUState *cpu);     /* EM or TS: #NM */
void fpu_check_mmx(CPUState *cpu);     /* EM: #UD; TS: #NM; pending x87 error: #MF */
void fpu_check_sse(CPUState *cpu);     /* EM or !OSFXSR: #UD; TS: #NM */
/* A pending unmasked x87 exception (FSW.ES): #MF with CR0.NE, else FERR#. */
void fpu_check_pending(CPUState *cpu);
/* FNCLEX/FNINIT: FERR# goes inactive. */
void fpu_ferr_clear(CPUState *cpu);
/* After FLDENV/FRSTOR/FXRSTOR/XRSTOR loaded FSW: with ES clear no error is
 * pending any more, and FERR# goes inactive (SDM vol. 1 D.2.1.3). */
void fpu_ferr_after_load(CPUState *cpu);

/* x87 stack access */
static inline int fpu_top(const CPUState *cpu)
{
    return (cpu->env.fpu.fsw >> FSW_TOP_SHIFT) & 7;
}

static inline void fpu_set_top(CPUState *cpu, int top)
{
    cpu->env.fpu.fsw = (uint16_t)((cpu->env.fpu.fsw & ~(7u << FSW_TOP_SHIFT)) |
                                  ((unsigned)(top & 7) << FSW_TOP_SHIFT));
}

static inline int fpu_phys(const CPUState *cpu, int i)
{
    return (fpu_top(cpu) + i) & 7;
}

static inline bool fpu_empty(const CPUState *cpu, int i)
{
    return !((cpu->env.fpu.ftw >> fpu_phys(cpu, i)) & 1);
}

/* Full 2-bit tag of physical register r (FSTENV/FSAVE form). */
unsigned fpu_full_tag(const CPUState *cpu, int r);
uint16_t fpu_full_tag_word(const CPUState *cpu);
uint8_t fpu_abridged_tags(uint16_t full);

/* The x87 status for softfloat from FCW; and merging the flags back into
 * FSW (sets ES/B when an unmasked exception occurred). */
void fpu_x87_status(const CPUState *cpu, FloatStatus *st);
/* Returns false when an unmasked invalid, denormal or zero-divide
 * exception means the destination must not be written. */
bool fpu_x87_merge(CPUState *cpu, const FloatStatus *st);

/* MXCSR -> FloatStatus, and the #XM / #UD decision after an SSE op:
 * raises when an unmasked exception occurred (nothing is written then). */
void sse_status(const CPUState *cpu, FloatStatus *st);
void sse_merge(CPUState *cpu, const FloatStatus *st);

/* x87 register stack helpers (fpu-x87.c). */
#define F80_INDEFINITE ((Float80){ 0xc000000000000000ULL, 0xffff })
Float80 x87_get(const CPUState *cpu, int i);
void x87_set(CPUState *cpu, int i, Float80 v);
void x87_pop(CPUState *cpu);
/* Stack underflow (an empty operand): IE|SF, C1=0.  Returns true when IE
 * is masked (the caller goes on with the indefinite). */
bool x87_underflow(CPUState *cpu);
/* Before a push: 1 = room; 0 = overflow, masked, indefinite pushed;
 * -1 = overflow, unmasked, nothing changed. */
int x87_push_check(CPUState *cpu);
void x87_push(CPUState *cpu, Float80 v);
/* FIP/FCS/FOP/FDP/FDS of the last non-control instruction (SDM vol. 1
 * 8.1.8); fsw_before is FSW before it ran (for FDP_EXCPTN_ONLY models). */
void x87_note_insn(CPUState *cpu, const FpuInsn *in, uint16_t fsw_before);
/* Drop DE hidden by IE/ZE/NaN (exception priority), then merge. */
bool x87_finish(CPUState *cpu, FloatStatus *st, const FUnp *result);
void x87_set_cc(CPUState *cpu, uint16_t cc);  /* C3/C2/C1/C0 */

/* Register-form handlers of fpu-x87-math.c, indexed as the x87 decoder
 * needs them: arithmetic by the /r operation (0 add, 1 mul, 2 com,
 * 3 comp, 4 sub, 5 subr, 6 div, 7 divr). */
void x87_arith(CPUState *cpu, int op, int dst, FUnp x, FUnp y, bool pop, FloatStatus *st);
void x87_compare(CPUState *cpu, FUnp x, FUnp y, bool quiet, int pops, bool eflags,
                 FloatStatus *st);
/* D8-DF with a register operand (ModRM.mod = 3). */
void x87_reg_exec(CPUState *cpu, const FpuInsn *in);
/* D9 E0-FF (FCHS..FCOS), by modrm - 0xe0; false: undefined opcode. */
bool x87_d9_special(CPUState *cpu, int idx);

/* The three instruction families. */
void x87_exec(CPUState *cpu, const FpuInsn *in);
void x87_env_exec(CPUState *cpu, const FpuInsn *in);  /* FLDENV/FSTENV/FSAVE/FRSTOR */
void sse_exec(CPUState *cpu, const FpuInsn *in);
bool sse_handles(uint8_t map, uint8_t opcode, uint8_t prefix, bool *has_imm8);
/* The legacy (FXSAVE) image and its parts, for XSAVE/XRSTOR. */
void fpu_image_store(const CPUState *cpu, uint8_t img[512], bool w64, int nxmm);
void fpu_image_load_x87(CPUState *cpu, const uint8_t img[512], bool w64);
void fpu_image_load_xmm(CPUState *cpu, const uint8_t img[512], int nxmm);
bool fpu_code64(const CPUState *cpu);
/* 0F AE /4 /5 /6 with a memory operand. */
void fpu_xsave_insn(CPUState *cpu, const FpuInsn *in, bool restore);
/* 0F AE group: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, fences, CLFLUSH. */
void fpu_group_ae(CPUState *cpu, const FpuInsn *in);

/* x87 arithmetic beyond the basic operations (softfloat-x87.c). */
Float80 f80_prem(Float80 a, Float80 b, bool ieee, uint16_t *cc, FloatStatus *st);
Float80 f80_scale(Float80 a, Float80 b, FloatStatus *st);
void f80_xtract(Float80 a, Float80 *exp, Float80 *sig, FloatStatus *st);
Float80 f80_from_bcd(const uint8_t bcd[10]);
bool f80_to_bcd(Float80 a, uint8_t bcd[10], FloatStatus *st);
/* Transcendentals (softfloat-trans.c); cc receives C2 for the range check. */
Float80 f80_f2xm1(Float80 a, FloatStatus *st);
Float80 f80_yl2x(Float80 y, Float80 x, bool plus1, FloatStatus *st);
Float80 f80_patan(Float80 y, Float80 x, FloatStatus *st);
/* which: 0 sin, 1 cos, 2 tan; returns false (C2=1) when |a| >= 2^63. */
bool f80_trig(Float80 a, int which, Float80 *r, FloatStatus *st);

#endif
