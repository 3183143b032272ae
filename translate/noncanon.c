/* Which exception a non-canonical linear address raises: #SS(0) when the
 * access goes through SS (the stack, or a memory operand whose segment is
 * SS), #GP(0) otherwise (SDM vol. 3 6.15, vol. 1 3.3.7.1).  The soft TLB
 * does not know the segment of an access; this runs only on that rare
 * fault and re-decodes the faulting instruction (rip is exact there). */
#include "translate/noncanon.h"

#include "cpu/excp.h"
#include "translate/decode.h"
#include "translate/tlb.h"

/* Instructions with implicit stack accesses (64-bit mode). */
static bool uses_stack(const Insn *in)
{
    switch (in->info->kind) {
    case K_PUSH_R: case K_POP_R: case K_PUSH_SEG: case K_POP_SEG: case K_PUSH_IMM:
    case K_POP_RM: case K_PUSHF: case K_POPF: case K_RET: case K_ENTER: case K_LEAVE:
    case K_RETF: case K_CALL: case K_IRET:
        return true;
    case K_GRP5: {
        unsigned op = (in->modrm >> 3) & 7;
        return op == 2 || op == 3 || op == 6;
    }
    default:
        return false;
    }
}

/* The linear address of the ModRM memory operand (64-bit mode). */
static uint64_t modrm_la(const CPUX86State *env, const Insn *in)
{
    uint64_t ea = (uint64_t)in->disp;
    if (in->base == REG_RIP)
        ea += in->pc + in->len;
    else if (in->base != REG_NONE)
        ea += env->regs[in->base];
    if (in->index != REG_NONE)
        ea += env->regs[in->index] << in->scale;
    if (in->asize == 4)
        ea &= 0xffffffffULL;
    if (in->seg == SEG_FS || in->seg == SEG_GS)
        ea += env->seg[in->seg].base;
    return ea;
}

int noncanonical_vector(CPUState *cpu, uint64_t la)
{
    CPUX86State *env = &cpu->env;
    uint8_t buf[16];
    uint64_t pa;
    Insn in;
    if (!(env->efer & EFER_LMA))
        return EXC_GP;
    unsigned n = tcg_fetch_code(cpu, env->rip, buf, 15, &pa);
    if (x86_decode(buf, n, MODE64, env->rip, &in) != DEC_OK)
        return EXC_GP;
    if (in.mem && in.info->kind != K_LEA) {
        unsigned seg = in.seg != SEG_NONE ? in.seg : in.def_seg;
        uint64_t m = modrm_la(env, &in);
        /* the operand itself (any byte of it) faulted */
        if (la - m < 64 || !uses_stack(&in))
            return seg == SEG_SS ? EXC_SS : EXC_GP;
    }
    return uses_stack(&in) ? EXC_SS : EXC_GP;
}
