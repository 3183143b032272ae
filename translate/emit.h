/* Shared by the translator's files: the per-instruction context and the
 * operand helpers that turn ModRM operands, registers and the stack into
 * IR (translate/translate.c), and the emitters for each instruction group
 * (translate/emit-*.c). */
#ifndef KEMU_TRANSLATE_EMIT_H
#define KEMU_TRANSLATE_EMIT_H

#include <stddef.h>

#include "cpu/cpu.h"
#include "translate/decode.h"
#include "translate/flags.h"
#include "translate/ir.h"
#include "translate/tb.h"

typedef struct Dc {
    CPUState *cpu;
    IRBlock *b;
    Insn *in;
    uint32_t flags;         /* TBF_* */
    CpuMode mode;
    uint64_t next_pc;       /* rip after this instruction */
    bool end;               /* the block ends after this instruction */
    bool jumped;            /* the emitter already left the block (goto/exit) */
    /* The last segment check emitted by gen_linear_w (for gen_st_mem). */
    IRTemp chk_la, chk_ea;
    unsigned chk_seg, chk_w;
    bool chk_write;
    /* thread=multi, a locked instruction: the read-modify-write operand's
     * linear address and loaded value; its store compares-and-exchanges
     * (translate/helpers-atomic.c). */
    bool atomic;
    IRTemp atomic_la, atomic_old;
} Dc;

#define ENV_OFF(field) ((unsigned)offsetof(CPUX86State, field))
#define SEG_BASE_OFF(s) ((unsigned)(offsetof(CPUX86State, seg) + (s) * sizeof(SegReg) + \
                                    offsetof(SegReg, base)))

/* Registers and operands. */
unsigned reg_aux(const Dc *dc, unsigned reg, unsigned w);
IRTemp gen_get(Dc *dc, unsigned w, unsigned reg);
void gen_set(Dc *dc, unsigned w, unsigned reg, IRTemp v);
IRTemp gen_ea(Dc *dc);                       /* effective address (offset) */
IRTemp gen_linear(Dc *dc, IRTemp ea, unsigned seg);
IRTemp gen_mem_la(Dc *dc);                   /* linear address of ModRM memory */
/* ld_w of a read-modify-write operand at la (noted for a locked store). */
IRTemp gen_ld_atomic_w(Dc *dc, unsigned w, IRTemp la);
/* The same for an access of w bytes (a write if write): checks the segment
 * limit and rights outside 64-bit mode when the segment is not flat. */
IRTemp gen_linear_w(Dc *dc, IRTemp ea, unsigned seg, unsigned w, bool write);
IRTemp gen_mem_la_w(Dc *dc, unsigned w, bool write);
void gen_seg_check(Dc *dc, IRTemp ea, unsigned seg, unsigned size, bool write);
/* Store to la; a write through the segment of the last gen_linear_w
 * address is checked for write permission. */
void gen_st_mem(Dc *dc, unsigned w, IRTemp la, IRTemp v);
/* Linear address of a stack access at offset sp (checked against SS). */
IRTemp gen_stack_la(Dc *dc, IRTemp sp, unsigned w);
unsigned insn_seg(const Dc *dc, unsigned def);  /* override or default */
IRTemp gen_ld_rm(Dc *dc, unsigned w, IRTemp *la);  /* la: IR_NONE for registers */
/* The same for a read-modify-write destination (checked for writing). */
IRTemp gen_ld_rm_w(Dc *dc, unsigned w, IRTemp *la);
void gen_st_rm(Dc *dc, unsigned w, IRTemp la, IRTemp v);
IRTemp gen_imm(Dc *dc, uint64_t v);
uint64_t size_mask(unsigned w);

/* translate/emit-mul.c: MUL/IMUL of the accumulator by v (w bytes), and
 * IMUL's 64-bit product of a and v (setting the flags; returns the low
 * half). */
void gen_mul_acc(Dc *dc, unsigned w, bool sign, IRTemp v);
IRTemp gen_imul64(Dc *dc, IRTemp a, IRTemp v);
/* translate/emit-shift.c: SHL/SHR/SAR (grp2 op 4..7) of v by CL, stored
 * to the ModRM destination (la for memory). */
void gen_shift_cl(Dc *dc, unsigned w, unsigned op, IRTemp v, IRTemp la);
/* translate/emit-rotate.c: ROL/ROR of v by a constant count (not 0 once
 * masked) or by CL, stored to the ModRM destination; and the flags in mask
 * replaced by bits (RFLAGS positions), the others kept, only where when
 * (a 0/1 temp) is 1 unless it is IR_NONE. */
void gen_rotate(Dc *dc, unsigned w, bool right, IRTemp v, IRTemp la, unsigned count);
void gen_rotate_cl(Dc *dc, unsigned w, bool right, IRTemp v, IRTemp la);
void gen_update_flags(Dc *dc, uint32_t mask, IRTemp bits, IRTemp when);
/* translate/emit-div.c: DIV and IDIV of the accumulator by v (w bytes),
 * #DE. */
void gen_div_acc(Dc *dc, unsigned w, IRTemp v);
void gen_idiv_acc(Dc *dc, unsigned w, IRTemp v);
/* translate/emit-cmpxchg.c: CMPXCHG where no host compare-and-exchange
 * is needed (not a locked one under thread=multi). */
void gen_cmpxchg(Dc *dc);

/* Stack. */
unsigned stack_size(const Dc *dc);
void gen_push(Dc *dc, unsigned w, IRTemp v);
IRTemp gen_pop_peek(Dc *dc, unsigned w, unsigned offset);  /* load at SP+offset */
void gen_sp_add(Dc *dc, int64_t delta);

/* Control flow. */
void gen_jmp_to(Dc *dc, uint64_t target);         /* goto_tb slot 0 */
void gen_branch(Dc *dc, IRTemp cond, uint64_t target);
void gen_jmp_reg(Dc *dc, IRTemp target);          /* rip = target, exit */
void gen_exit_next(Dc *dc);                       /* rip = next, exit */
void gen_raise(Dc *dc, int vector);               /* #vector (no error code) */
void gen_raise_gp0(Dc *dc);
/* Call a helper with the standard "barrier" properties. */
IRTemp gen_helper(Dc *dc, IRHelper fn, IRTemp a, IRTemp b, IRTemp c, uint64_t imm);
IRTemp gen_select(Dc *dc, IRTemp cond, IRTemp t, IRTemp f);

/* INC/DEC of the ModRM operand (also FF /0 /1). */
void gen_incdec(Dc *dc, unsigned w, bool dec);
/* A near branch target masked to the operand size. */
uint64_t near_target(const Dc *dc, uint64_t target);

/* Instruction groups: 1 = emitted, 0 = not this group's kind, -1 = an
 * invalid encoding (#UD). */
int emit_alu(Dc *dc);
int emit_ctrl(Dc *dc);
int emit_sys(Dc *dc);
/* XBEGIN (C7 F8) and XABORT (C6 F8): RTM, see emit-sys.c. */
int emit_rtm_begin_abort(Dc *dc);

#endif
