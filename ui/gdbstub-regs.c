/* The register file GDB sees for i386:x86-64, in the order of GDB's
 * features org.gnu.gdb.i386.core, .sse and .segments, then kemu's own
 * system registers.  Values are little-endian, as on the target. */
#include "ui/gdbstub-int.h"

#include <string.h>

/* GDB's core order rax rbx rcx rdx rsi rdi rbp rsp, r8..r15. */
static const uint8_t gpr_index[16] = {
    R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};
/* cs ss ds es fs gs */
static const uint8_t seg_index[6] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };

unsigned gdb_reg_size(int n)
{
    if (n < 0 || n >= GDB_NUM_REGS)
        return 0;
    if (n <= GDB_REG_RIP)
        return 8;
    if (n < GDB_REG_ST0)
        return 4;               /* eflags, segment selectors */
    if (n < GDB_REG_FCTRL)
        return 10;              /* 80-bit x87 */
    if (n < GDB_REG_XMM0)
        return 4;
    if (n < GDB_REG_MXCSR)
        return 16;
    if (n == GDB_REG_MXCSR)
        return 4;
    return 8;                   /* bases, control registers, EFER */
}

static void put(uint8_t *buf, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *buf, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

static unsigned fpu_top(const X87State *f)
{
    return (f->fsw >> 11) & 7;
}

/* The full two-bit-per-register tag word from FXSAVE's abridged one:
 * 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unnormal), 3 empty. */
static uint16_t full_tag_word(const X87State *f)
{
    uint16_t tw = 0;
    for (unsigned r = 0; r < 8; r++) {
        const Float80 *v = &f->st[r];
        unsigned exp = v->sexp & 0x7fff, tag;
        if (!(f->ftw & (1u << r)))
            tag = 3;
        else if (exp == 0 && v->mant == 0)
            tag = 1;
        else if (exp == 0x7fff || exp == 0 || !(v->mant >> 63))
            tag = 2;
        else
            tag = 0;
        tw |= (uint16_t)(tag << (2 * r));
    }
    return tw;
}

static uint8_t abridged_tag(uint16_t tw)
{
    uint8_t t = 0;
    for (unsigned r = 0; r < 8; r++) {
        if (((tw >> (2 * r)) & 3) != 3)
            t |= (uint8_t)(1u << r);
    }
    return t;
}

static uint64_t *sys_reg(CPUX86State *env, int n)
{
    switch (n) {
    case GDB_REG_FS_BASE: return &env->seg[SEG_FS].base;
    case GDB_REG_GS_BASE: return &env->seg[SEG_GS].base;
    case GDB_REG_K_GS_BASE: return &env->kernel_gs_base;
    case GDB_REG_CR0: return &env->cr0;
    case GDB_REG_CR0 + 1: return &env->cr2;
    case GDB_REG_CR0 + 2: return &env->cr3;
    case GDB_REG_CR0 + 3: return &env->cr4;
    case GDB_REG_CR0 + 4: return &env->cr8;
    case GDB_REG_EFER: return &env->efer;
    default: return NULL;
    }
}

static uint32_t fpu_ctl_read(const X87State *f, int i)
{
    switch (i) {
    case 0: return f->fcw;
    case 1: return f->fsw;
    case 2: return full_tag_word(f);
    case 3: return f->fcs;
    case 4: return (uint32_t)f->fip;
    case 5: return f->fds;
    case 6: return (uint32_t)f->fdp;
    default: return f->fop;
    }
}

static void fpu_ctl_write(X87State *f, int i, uint32_t v)
{
    switch (i) {
    case 0: f->fcw = (uint16_t)v; break;
    case 1: f->fsw = (uint16_t)v; break;
    case 2: f->ftw = abridged_tag((uint16_t)v); break;
    case 3: f->fcs = (uint16_t)v; break;
    case 4: f->fip = (f->fip & ~0xffffffffull) | v; break;     /* fioff: the low half */
    case 5: f->fds = (uint16_t)v; break;
    case 6: f->fdp = (f->fdp & ~0xffffffffull) | v; break;
    default: f->fop = (uint16_t)(v & 0x7ff); break;
    }
}

unsigned gdb_read_reg(CPUState *cpu, int n, uint8_t *buf)
{
    CPUX86State *env = &cpu->env;
    unsigned size = gdb_reg_size(n);
    if (!size)
        return 0;
    if (n < 16) {
        put(buf, env->regs[gpr_index[n]], 8);
    } else if (n == GDB_REG_RIP) {
        put(buf, env->rip, 8);
    } else if (n == GDB_REG_EFLAGS) {
        put(buf, env->rflags, 4);
    } else if (n < GDB_REG_ST0) {
        put(buf, env->seg[seg_index[n - GDB_REG_CS]].sel, 4);
    } else if (n < GDB_REG_FCTRL) {
        const Float80 *v = &env->fpu.st[(fpu_top(&env->fpu) + (unsigned)(n - GDB_REG_ST0)) & 7];
        put(buf, v->mant, 8);
        put(buf + 8, v->sexp, 2);
    } else if (n < GDB_REG_XMM0) {
        put(buf, fpu_ctl_read(&env->fpu, n - GDB_REG_FCTRL), 4);
    } else if (n < GDB_REG_MXCSR) {
        memcpy(buf, env->xmm[n - GDB_REG_XMM0].b, 16);
    } else if (n == GDB_REG_MXCSR) {
        put(buf, env->mxcsr, 4);
    } else {
        put(buf, *sys_reg(env, n), 8);
    }
    return size;
}

/* A selector written by the debugger: real and virtual-8086 mode derive
 * the base from it; in protected mode the descriptor cache is kept (the
 * guest's next load of that register reads its descriptor).  Writing the
 * value it has changes nothing ('G' writes every register back, and after
 * reset CS is F000 with base FFFF0000). */
static void write_selector(CPUX86State *env, int seg, uint16_t sel)
{
    if (env->seg[seg].sel == sel)
        return;
    env->seg[seg].sel = sel;
    if (!(env->cr0 & CR0_PE) || (env->rflags & FL_VM))
        env->seg[seg].base = (uint64_t)sel << 4;
}

unsigned gdb_write_reg(CPUState *cpu, int n, const uint8_t *buf)
{
    CPUX86State *env = &cpu->env;
    unsigned size = gdb_reg_size(n);
    if (!size)
        return 0;
    if (n < 16) {
        env->regs[gpr_index[n]] = get(buf, 8);
    } else if (n == GDB_REG_RIP) {
        env->rip = get(buf, 8);
    } else if (n == GDB_REG_EFLAGS) {
        /* Bit 1 always reads as one. */
        env->rflags = (get(buf, 4) & 0x3f7fd5) | 2;
    } else if (n < GDB_REG_ST0) {
        write_selector(env, seg_index[n - GDB_REG_CS], (uint16_t)get(buf, 4));
    } else if (n < GDB_REG_FCTRL) {
        Float80 *v = &env->fpu.st[(fpu_top(&env->fpu) + (unsigned)(n - GDB_REG_ST0)) & 7];
        v->mant = get(buf, 8);
        v->sexp = (uint16_t)get(buf + 8, 2);
    } else if (n < GDB_REG_XMM0) {
        fpu_ctl_write(&env->fpu, n - GDB_REG_FCTRL, (uint32_t)get(buf, 4));
    } else if (n < GDB_REG_MXCSR) {
        memcpy(env->xmm[n - GDB_REG_XMM0].b, buf, 16);
    } else if (n == GDB_REG_MXCSR) {
        env->mxcsr = (uint32_t)get(buf, 4);
    } else {
        *sys_reg(env, n) = get(buf, 8);
    }
    return size;
}
