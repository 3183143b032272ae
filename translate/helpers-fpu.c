/* The x87/MMX/SSE hand-off: the packed instruction fields (with the
 * memory operand's segment in bits 43-45, 7 for none, and bit 46 set when
 * that segment needs no check) become an FpuInsn for cpu/fpu.c.  MMX/SSE
 * instructions the translator resolved to a row (SSE_PACK_ROW_SHIFT) run
 * it directly: no table look-up, no form or CPUID check at run time. */
#include "translate/helpers.h"

#include "cpu/excp.h"
#include "cpu/fpu.h"
#include "translate/flags.h"
#include "translate/tlb.h"

static void fpu_unpack(uint64_t p, uint64_t la, uint64_t next, FpuInsn *fi)
{
    unsigned seg = (p >> 43) & 7;
    static const uint8_t pfx[4] = { 0, 0x66, 0xf2, 0xf3 };
    fi->map = p & 3;
    fi->opcode = (p >> 2) & 0xff;
    fi->prefix = pfx[(p >> 10) & 3];
    fi->modrm = (p >> 12) & 0xff;
    fi->rex_w = (p >> 20) & 1;
    fi->reg = (p >> 21) & 15;
    fi->rm = (p >> 25) & 15;
    fi->has_mem = (p >> 29) & 1;
    fi->la = la;
    fi->seg = seg < SEG_COUNT ? (int8_t)seg : FPU_SEG_NONE;
    fi->seg_flat = (p >> 46) & 1;
    fi->imm8 = (p >> 30) & 0xff;
    fi->opsize = (int)((p >> 38) & 15);
    fi->rex = (p >> 42) & 1;
    fi->next_rip = next;
}

HELPER(helper_fpu)
{
    FpuInsn fi = { 0 };
    fpu_unpack(imm, a, b, &fi);
    fi.ea = c;
    cpu_sync_flags(cpu);      /* FCOMI/COMISS write ZF, PF, CF */
    fpu_exec(cpu, &fi);
    cpu_load_flags(cpu, cpu->env.rflags);
    return 0;
}

static int sse_row_of(uint64_t imm)
{
    return (int)((imm >> SSE_PACK_ROW_SHIFT) & (SSE_MAX_ROWS - 1));
}

/* Rows that leave EFLAGS alone: the flags stay lazy across the call. */
HELPER(helper_sse)
{
    FpuInsn fi = { 0 };
    fpu_unpack(imm, a, 0, &fi);
    fi.ea = c;
    sse_exec_row(cpu, sse_row_of(imm), &fi);
    return 0;
}

/* cpu/ accesses guest memory by its own page walk, which fills no soft
 * TLB entry: a page only SSE instructions touch would miss inline for
 * ever.  The row has just accessed the page without a fault, so the walk
 * that fills its entry cannot fault either. */
HELPER(helper_sse_fill)
{
    helper_sse(cpu, a, b, c, imm);
    unsigned shape = (sse_row_traits(sse_row_of(imm)) >> SSE_T_SHAPE_SHIFT) & 15;
    if (shape == SSE_SHAPE_ST || shape == SSE_SHAPE_GXS)
        tcg_probe_write(cpu, a, 1);
    else
        tcg_probe_read(cpu, a);
    return 0;
}

/* COMISS/UCOMISS/COMISD/UCOMISD, PTEST, PCMPxSTRx write ZF/PF/CF/OF/SF/AF. */
HELPER(helper_sse_eflags)
{
    FpuInsn fi = { 0 };
    fpu_unpack(imm, a, 0, &fi);
    fi.ea = c;
    cpu_sync_flags(cpu);
    sse_exec_row(cpu, sse_row_of(imm), &fi);
    cpu_load_flags(cpu, cpu->env.rflags);
    return 0;
}

HELPER(helper_wait)
{
    bool imm8;
    if (fpu_handles(0, 0x9b, 0, &imm8))
        return helper_fpu(cpu, 0, a, 0, imm);
    if ((cpu->env.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_raise_exception(cpu, EXC_NM, NO_ERROR_CODE);
    return 0;
}
