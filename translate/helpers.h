/* Helpers called from IR (IR_CALL): instructions too irregular for inline
 * IR.  All take (cpu, a, b, c, imm) and return a value; they run with
 * env->rip at the start of the instruction, may raise exceptions, and keep
 * the lazy-flags rule of translate/flags.h (sync before cpu/ code that
 * reads RFLAGS, reload after code that writes it). */
#ifndef KEMU_TRANSLATE_HELPERS_H
#define KEMU_TRANSLATE_HELPERS_H

#include "cpu/cpu.h"
#include "translate/ir.h"

#define HELPER(name) uint64_t name(CPUState *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t imm)

/* helper_flagop operations (imm low byte; AAM/AAD base in bits 8..15). */
enum { FLAGOP_CLC, FLAGOP_STC, FLAGOP_CMC, FLAGOP_SAHF, FLAGOP_LAHF,
       FLAGOP_DAA, FLAGOP_DAS, FLAGOP_AAA, FLAGOP_AAS, FLAGOP_AAM, FLAGOP_AAD,
       FLAGOP_SALC, FLAGOP_XTEST };
/* helper_sys_read (imm: op | n << 8). */
enum { SYSR_LDTR, SYSR_TR, SYSR_MSW, SYSR_CR, SYSR_DR };
/* helper_sys_write (imm: op | parameter << 8; a = value or next rip). */
enum { SYSW_LLDT, SYSW_LTR, SYSW_VERR, SYSW_VERW, SYSW_XGETBV, SYSW_LMSW,
       SYSW_SWAPGS, SYSW_RDTSCP, SYSW_INVLPG, SYSW_CR, SYSW_DR, SYSW_HLT,
       SYSW_SYSCALL, SYSW_SYSRET, SYSW_SYSENTER, SYSW_SYSEXIT, SYSW_CLTS,
       SYSW_WBINVD, SYSW_WRMSR, SYSW_RDMSR, SYSW_RDTSC, SYSW_RDPMC, SYSW_CPUID,
       SYSW_XSETBV, SYSW_CLAC, SYSW_STAC,
       SYSW_RDPKRU, SYSW_WRPKRU };

/* helpers-alu.c */
HELPER(helper_shift);       /* a = value, b = count; imm = op | w << 8 */
HELPER(helper_shd);         /* a = dst, b = src, c = count; imm = left | w << 8 */
HELPER(helper_muldiv);      /* a = operand; imm = 4 MUL 5 IMUL 6 DIV 7 IDIV | w << 8 */
HELPER(helper_cmpxchg);     /* a = la; imm = reg | rm << 8 | w << 16 | mem << 24 */
HELPER(helper_cmpxchg8b);   /* a = la; imm = 16-byte form */
HELPER(helper_adcx);        /* a + b + CF (imm & 1: OF); imm = which | w << 8 */
HELPER(helper_flagop);
HELPER(helper_rdrand);      /* imm = w */
HELPER(helper_bmi);         /* a = r/m, b = vvvv value; imm = kind | w << 8 | ... */

/* helpers-sys.c, helpers-flags.c (PUSHF/POPF/CLI/STI), helpers-io.c (IN/OUT),
 * helpers-fpu.c (x87/SSE) */
HELPER(helper_raise);       /* imm = vector | (has zero error code) << 32 */
HELPER(helper_load_seg);    /* a = selector, imm = segment */
HELPER(helper_pushf);       /* imm = w | translated in virtual-8086 mode << 8;
                               returns the value to push */
HELPER(helper_popf);        /* a = value, imm = w */
HELPER(helper_enter);
HELPER(helper_far);         /* a = sel, b = offset, c = next rip; imm = call | w << 8 */
HELPER(helper_retf);        /* imm = w | pop bytes << 8 */
HELPER(helper_iret);        /* imm = w */
HELPER(helper_int);         /* a = next rip; imm = vector | kind << 8 */
HELPER(helper_cli_sti);     /* imm = sti */
HELPER(helper_in);          /* a = port, imm = size */
HELPER(helper_out);         /* a = port, b = value, imm = size */
HELPER(helper_fpu);         /* a = la, b = next rip, c = ea, imm = packed FpuInsn */
/* A resolved MMX/SSE row (cpu/fpu.h sse_resolve): a = la, c = ea, imm =
 * packed FpuInsn with the row id from bit SSE_PACK_ROW_SHIFT; _eflags for
 * rows that write EFLAGS. */
#define SSE_PACK_ROW_SHIFT 47
HELPER(helper_sse);
HELPER(helper_sse_eflags);
/* helper_sse for the native backend's memory forms whose inline TLB test
 * failed: then the page's TLB entry is filled, so the next run hits. */
HELPER(helper_sse_fill);
HELPER(helper_wait);
HELPER(helper_sys_read);
HELPER(helper_sys_write);
HELPER(helper_dtr);         /* a = la; imm = op | dsize << 8 | long mode << 16 */
HELPER(helper_lar_lsl);
HELPER(helper_bound);
HELPER(helper_arpl);
HELPER(helper_seg_check);
HELPER(helper_fsgsbase);    /* a = value; imm = op (0 RDFS 1 RDGS 2 WRFS 3 WRGS) | w << 8 */
HELPER(helper_rdpid);
HELPER(helper_pause);       /* ends the vCPU's time slice */   /* a = offset; imm = seg | size << 8: #GP/#SS */

/* helper-effects.c: the IR_CALL_* properties of a call of fn with imm. */
unsigned helper_effects(IRHelper fn, uint64_t imm);

/* helpers-string.c */
HELPER(helper_string);      /* a = next rip; imm = op | w<<4 | asize<<8 | seg<<12 | rep<<16 */

#endif
