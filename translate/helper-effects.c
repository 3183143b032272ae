/* What each IR helper may read and change (the IR_CALL_* properties of
 * translate/ir.h), from what its code in helpers-*.c does.  The optimizer
 * keeps flags, forwarded registers and exit checks live only where a
 * helper can see or change them, and the native backend stores rip and
 * reloads the lazy-flags state only around helpers that need it.  A
 * helper missing from this list is assumed to do everything. */
#include "translate/helpers.h"

#define CC (IR_CALL_READS_CC | IR_CALL_WRITES_CC)
#define REGS (IR_CALL_READS_REGS | IR_CALL_WRITES_REGS)
#define MEM (IR_CALL_READS_MEM | IR_CALL_WRITES_MEM)

/* helper_muldiv: MUL and IMUL (op 4, 5) set the flags; DIV and IDIV
 * leave them and raise #DE. */
static unsigned muldiv_effects(uint64_t imm)
{
    return (imm & 7) < 6 ? IR_CALL_WRITES_CC | REGS : IR_CALL_MAY_FAULT | REGS;
}

/* helper_flagop: CLC/STC/CMC change CF only; the others move flags to or
 * from AH/AL (AAM's base 0 raises #DE). */
static unsigned flagop_effects(uint64_t imm)
{
    switch (imm & 0xff) {
    case FLAGOP_CLC: case FLAGOP_STC: case FLAGOP_CMC:
        return CC;
    case FLAGOP_XTEST:
        return IR_CALL_WRITES_CC;
    case FLAGOP_AAM:
        return CC | REGS | IR_CALL_MAY_FAULT;
    default:
        return CC | REGS;
    }
}

/* helper_cmpxchg: the register form cannot fault. */
static unsigned cmpxchg_effects(uint64_t imm)
{
    unsigned e = IR_CALL_WRITES_CC | REGS;
    return (imm >> 24) & 1 ? e | MEM | IR_CALL_MAY_FAULT : e;
}

/* helper_sys_write, the rows that only read and write registers (and
 * CR4, CPL, XCR0 or the clock): CPUID cannot fault; RDTSC/RDTSCP (#GP
 * under CR4.TSD, #UD without RDTSCP), XGETBV (#UD, #GP) and WBINVD (#GP
 * outside ring 0) can.  The others change modes, descriptor tables, MSRs
 * or devices, or end the block. */
static unsigned sys_write_effects(uint64_t imm)
{
    switch (imm & 0xff) {
    case SYSW_CPUID:
        return REGS;
    case SYSW_RDTSC: case SYSW_RDTSCP: case SYSW_XGETBV:
        return REGS | IR_CALL_MAY_FAULT;
    case SYSW_WBINVD:
        return IR_CALL_MAY_FAULT;
    default:
        return IR_CALL_ALL;
    }
}

unsigned helper_effects(IRHelper fn, uint64_t imm)
{
    /* shifts and rotates by 0 leave the flags, rotates keep SF/ZF/PF */
    if (fn == helper_shift || fn == helper_shd)
        return CC;
    if (fn == helper_muldiv)
        return muldiv_effects(imm);
    if (fn == helper_flagop)
        return flagop_effects(imm);
    if (fn == helper_cmpxchg)
        return cmpxchg_effects(imm);
    if (fn == helper_sys_write)
        return sys_write_effects(imm);
    if (fn == helper_cmpxchg8b)
        return CC | REGS | MEM | IR_CALL_MAY_FAULT;
    /* #UD when the CPU model lacks the feature */
    if (fn == helper_adcx)
        return CC | IR_CALL_MAY_FAULT;
    if (fn == helper_rdrand)
        return IR_CALL_WRITES_CC | IR_CALL_MAY_FAULT;
    if (fn == helper_bmi)
        return CC | REGS | IR_CALL_MAY_FAULT;
    /* segment limit and rights: reads only the descriptor caches */
    if (fn == helper_seg_check)
        return IR_CALL_MAY_FAULT;
    /* PUSHF syncs the lazy flags into RFLAGS (cc_op becomes EFLAGS); #GP
     * only in virtual-8086 mode (imm bit 8: the block was translated
     * there, which the TB's flags key) */
    if (fn == helper_pushf)
        return (imm >> 8) & 1 ? CC | IR_CALL_MAY_FAULT : CC;
    /* ARPL: ZF, read-modify-write; BOUND: the bounds pair in memory, #BR;
     * RDPID: #UD without the feature */
    if (fn == helper_arpl)
        return CC;
    if (fn == helper_bound)
        return IR_CALL_READS_MEM | IR_CALL_MAY_FAULT;
    if (fn == helper_rdpid)
        return IR_CALL_MAY_FAULT;
    /* PAUSE asks the loop for a round of the scheduler */
    if (fn == helper_pause)
        return IR_CALL_SYSTEM;
    return IR_CALL_ALL;
}
