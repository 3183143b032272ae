/* x87/MMX/SSE entry points: the availability checks of SDM vol. 3 table
 * 2-2 (CR0.EM/TS/MP, CR4.OSFXSR/OSXMMEXCPT), memory operands through the
 * CPU's linear-address helpers, x87 status/exception bookkeeping, and the
 * dispatch to the instruction families. */
#include "cpu/fpu-internal.h"

#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/sys.h"

bool fpu_user(const CPUState *cpu)
{
    const CPUX86State *env = &cpu->env;
    if (!(env->cr0 & CR0_PE))
        return false;
    if (env->rflags & FL_VM)
        return true;
    return (env->seg[SEG_CS].sel & 3) == 3;
}

noreturn void fpu_fault(CPUState *cpu, int vector)
{
    bool has_code = vector == EXC_GP || vector == EXC_AC;
    cpu_raise_exception(cpu, vector, has_code ? 0 : NO_ERROR_CODE);
}

uint64_t fpu_ld(CPUState *cpu, uint64_t la, unsigned size)
{
    return cpu_lin_ld(cpu, la, size, fpu_user(cpu));
}

void fpu_st(CPUState *cpu, uint64_t la, uint64_t v, unsigned size)
{
    cpu_lin_st(cpu, la, v, size, fpu_user(cpu));
}

static uint64_t lin_wrap(const CPUState *cpu, uint64_t la)
{
    return (cpu->env.efer & EFER_LMA) ? la : (la & 0xffffffffULL);
}

/* The physical address of la for acc, or #PF (CR2 = la). */
static uint64_t translate_or_fault(CPUState *cpu, uint64_t la, MMUAccess acc)
{
    MMUResult r;
    uint32_t ec;
    if (!mmu_translate(cpu, la, acc, fpu_user(cpu), &r, &ec))
        cpu_raise_page_fault(cpu, la, ec);
    return r.pa;
}

/* A multi-byte operand inside one page is translated once (the page walk
 * dominates the cost of a 16-byte or 512-byte access): true with its
 * physical address; false when it spans pages (or is a single byte).
 * The callers report the access with cpu_lin_accessed, as cpu_lin_ld/st
 * would: data breakpoints and watchpoints see FSAVE, FXSAVE and m80
 * operands too (SDM vol. 3 17.3.1.2). */
static bool one_page(CPUState *cpu, uint64_t *la, unsigned n, MMUAccess acc, uint64_t *pa)
{
    *la = lin_wrap(cpu, *la);
    if (n < 2 || (*la & 0xfff) + n > 0x1000)
        return false;
    *pa = translate_or_fault(cpu, *la, acc);
    return true;
}

/* Check write access to every page of [la, la + n) before a store that
 * is done piecewise, so that a #PF on a later page (CR2: that page's first
 * byte) leaves memory untouched and the exception precise.  Translation
 * only: nothing is read or written, so no device or other vCPU sees it. */
void fpu_probe_write(CPUState *cpu, uint64_t la, unsigned n)
{
    la = lin_wrap(cpu, la);
    for (uint64_t pg = la; n && pg <= la + n - 1; pg = (pg | 0xfff) + 1)
        translate_or_fault(cpu, lin_wrap(cpu, pg), MMU_WRITE);
}

void fpu_ld_bytes(CPUState *cpu, uint64_t la, void *buf, unsigned n)
{
    uint8_t *p = buf;
    uint64_t pa;
    if (one_page(cpu, &la, n, MMU_READ, &pa)) {
        cpu_lin_accessed(cpu, la, n, false);
        for (unsigned off = 0; off < n;) {
            unsigned c = n - off >= 8 ? 8 : n - off >= 4 ? 4 : n - off >= 2 ? 2 : 1;
            uint64_t v = cpu_phys_ld(cpu, pa + off, c);
            for (unsigned i = 0; i < c; i++)
                p[off + i] = (uint8_t)(v >> (8 * i));
            off += c;
        }
        return;
    }
    while (n) {
        unsigned c = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
        uint64_t v = fpu_ld(cpu, la, c);
        for (unsigned i = 0; i < c; i++)
            p[i] = (uint8_t)(v >> (8 * i));
        p += c;
        la += c;
        n -= c;
    }
}

void fpu_st_bytes(CPUState *cpu, uint64_t la, const void *buf, unsigned n)
{
    const uint8_t *p = buf;
    uint64_t pa;
    if (one_page(cpu, &la, n, MMU_WRITE, &pa)) {
        cpu_lin_accessed(cpu, la, n, true);
        for (unsigned off = 0; off < n;) {
            unsigned c = n - off >= 8 ? 8 : n - off >= 4 ? 4 : n - off >= 2 ? 2 : 1;
            uint64_t v = 0;
            for (unsigned i = 0; i < c; i++)
                v |= (uint64_t)p[off + i] << (8 * i);
            cpu_phys_st(cpu, pa + off, v, c);
            off += c;
        }
        return;
    }
    fpu_probe_write(cpu, la, n);
    while (n) {
        unsigned c = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
        uint64_t v = 0;
        for (unsigned i = 0; i < c; i++)
            v |= (uint64_t)p[i] << (8 * i);
        fpu_st(cpu, la, v, c);
        p += c;
        la += c;
        n -= c;
    }
}

void fpu_seg_check(CPUState *cpu, const FpuInsn *in, uint64_t off, unsigned size, bool write)
{
    if (!in->seg_flat && in->seg >= 0 && in->seg < SEG_COUNT && size)
        cpu_seg_check(cpu, in->seg, in->ea + off, size, write);
}

void fpu_ferr_after_load(CPUState *cpu)
{
    if (!(cpu->env.fpu.fsw & FSW_ES))
        fpu_ferr_clear(cpu);
}

void fpu_check_ac(CPUState *cpu, uint64_t la, unsigned align)
{
    const CPUX86State *env = &cpu->env;
    if (align > 1 && (la & (align - 1)) && (env->cr0 & CR0_AM) && (env->rflags & FL_AC) &&
        fpu_user(cpu))
        fpu_fault(cpu, EXC_AC);
}

void fpu_check_align(CPUState *cpu, uint64_t la, unsigned align)
{
    if (la & (align - 1))
        fpu_fault(cpu, EXC_GP);
}

void fpu_check_x87(CPUState *cpu)
{
    if (cpu->env.cr0 & (CR0_EM | CR0_TS))
        fpu_fault(cpu, EXC_NM);
}

void fpu_check_mmx(CPUState *cpu)
{
    if (cpu->env.cr0 & CR0_EM)
        fpu_fault(cpu, EXC_UD);
    if (cpu->env.cr0 & CR0_TS)
        fpu_fault(cpu, EXC_NM);
    fpu_check_pending(cpu);
}

void fpu_check_sse(CPUState *cpu)
{
    if ((cpu->env.cr0 & CR0_EM) || !(cpu->env.cr4 & CR4_OSFXSR))
        fpu_fault(cpu, EXC_UD);
    if (cpu->env.cr0 & CR0_TS)
        fpu_fault(cpu, EXC_NM);
}

unsigned fpu_full_tag(const CPUState *cpu, int r)
{
    const Float80 *v = &cpu->env.fpu.st[r];
    unsigned e = v->sexp & 0x7fff;
    if (!((cpu->env.fpu.ftw >> r) & 1))
        return 3;
    if (e == 0 && v->mant == 0)
        return 1;
    if (e == 0 || e == 0x7fff || !(v->mant >> 63))
        return 2;
    return 0;
}

uint16_t fpu_full_tag_word(const CPUState *cpu)
{
    uint16_t t = 0;
    for (int r = 0; r < 8; r++)
        t |= (uint16_t)(fpu_full_tag(cpu, r) << (2 * r));
    return t;
}

uint8_t fpu_abridged_tags(uint16_t full)
{
    uint8_t t = 0;
    for (int r = 0; r < 8; r++)
        if (((full >> (2 * r)) & 3) != 3)
            t |= (uint8_t)(1u << r);
    return t;
}

void fpu_x87_status(const CPUState *cpu, FloatStatus *st)
{
    static const uint8_t prec[4] = { 24, 64, 53, 64 };  /* PC=01 is reserved */
    uint16_t cw = cpu->env.fpu.fcw;
    *st = (FloatStatus){
        .round = (cw >> 10) & 3,
        .prec = prec[(cw >> 8) & 3],
        .x87 = true,
        .ue_unmasked = !(cw & SF_UE),
        .oe_unmasked = !(cw & SF_OE),
    };
}

bool fpu_x87_merge(CPUState *cpu, const FloatStatus *st)
{
    X87State *f = &cpu->env.fpu;
    uint8_t flags = st->flags & 0x3f;
    uint8_t unmasked = flags & ~f->fcw & 0x3f;
    /* An unmasked pre-computation exception (I, D, Z) stops the
     * instruction before its result exists: no O/U/P, C1 clear. */
    if (unmasked & (SF_IE | SF_DE | SF_ZE))
        flags &= SF_IE | SF_DE | SF_ZE;
    f->fsw |= flags;
    f->fsw &= ~FSW_C1;
    if ((flags & SF_PE) && st->c1_up)
        f->fsw |= FSW_C1;
    if (unmasked)
        f->fsw |= FSW_ES | FSW_B;
    return !(unmasked & (SF_IE | SF_DE | SF_ZE));
}

void sse_status(const CPUState *cpu, FloatStatus *st)
{
    uint32_t m = cpu->env.mxcsr;
    *st = (FloatStatus){
        .round = (m >> 13) & 3,
        .prec = 64,
        .daz = m & MXCSR_DAZ,
        .ftz = m & MXCSR_FTZ,
        .ue_unmasked = !(m & (SF_UE << 7)),
    };
}

/* An unmasked pre-computation exception (invalid, denormal, divide by
 * zero) stops the instruction before its results are rounded: only those
 * flags are set, not the overflow/underflow/precision of other lanes
 * (SDM vol. 1 11.5.1). */
void sse_merge(CPUState *cpu, const FloatStatus *st)
{
    CPUX86State *env = &cpu->env;
    uint8_t flags = st->flags & 0x3f, pre = flags & (SF_IE | SF_DE | SF_ZE);
    if (pre & ~(env->mxcsr >> 7))
        flags = pre;
    uint8_t unmasked = flags & ~(env->mxcsr >> 7) & 0x3f;
    env->mxcsr |= flags;
    if (unmasked)
        fpu_fault(cpu, (env->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD);
}

void fpu_reset(CPUState *cpu)
{
    X87State *f = &cpu->env.fpu;
    *f = (X87State){ .fcw = 0x37f };
    cpu->env.mxcsr = 0x1f80;
    for (int i = 0; i < 16; i++)
        cpu->env.xmm[i] = (Xmm){ .q = { 0, 0 } };
}

void fpu_exec(CPUState *cpu, const FpuInsn *in)
{
    if (in->map == 0 && in->opcode == 0x9b)
        fpu_fwait(cpu);
    else if (in->map == 0)
        x87_exec(cpu, in);
    else if (in->map == 1 && in->opcode == 0xae && in->prefix == 0)
        fpu_group_ae(cpu, in);
    else
        sse_exec(cpu, in);
}

bool fpu_handles(uint8_t map, uint8_t opcode, uint8_t prefix, bool *has_imm8)
{
    *has_imm8 = false;
    if (map == 0)
        return (opcode >= 0xd8 && opcode <= 0xdf) || opcode == 0x9b;  /* x87, FWAIT */
    if (map == 1 && opcode == 0xae && prefix == 0)
        return true;
    return sse_handles(map, opcode, prefix, has_imm8);
}
