/* x87 environment and state images: FLDENV/FNSTENV/FRSTOR/FNSAVE in their
 * 16- and 32-bit, real- and protected-mode layouts (SDM vol. 1 figures
 * 8-9 to 8-12), the 512-byte FXSAVE image (vol. 2 FXSAVE, tables 3-53 and
 * 3-56) and the 0F AE group (FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, fences). */
#include "cpu/fpu-internal.h"

#include <string.h>

#include "cpu/excp.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | ((uint64_t)get32(p + 4) << 32);
}

static bool real_or_v86(const CPUState *cpu)
{
    return !(cpu->env.cr0 & CR0_PE) || (cpu->env.rflags & FL_VM);
}

bool fpu_code64(const CPUState *cpu)
{
    return (cpu->env.efer & EFER_LMA) && (cpu->env.seg[SEG_CS].attr & SEGATTR_L);
}

/* Write the environment (14 or 28 bytes) into buf; returns its size.
 * FIP/FDP are offsets with their selectors FCS/FDS (SDM vol. 1 8.1.8);
 * the protected-mode layouts (figures 8-9, 8-11) store them so, the
 * real-address and virtual-8086 layouts (figures 8-10, 8-12) store the
 * linear addresses selector * 16 + offset, 32 bits (20 in the 16-bit
 * layout) split as bits 15:0 and 31:16 (19:16) beside FOP. */
static unsigned env_store(const CPUState *cpu, bool o32, uint8_t *buf)
{
    const X87State *f = &cpu->env.fpu;
    uint16_t tw = fpu_full_tag_word(cpu);
    uint32_t fip = (uint32_t)f->fip, fdp = (uint32_t)f->fdp;
    if (real_or_v86(cpu)) {
        fip += (uint32_t)f->fcs << 4;
        fdp += (uint32_t)f->fds << 4;
    }
    unsigned w = o32 ? 4 : 2;
    uint8_t *p = buf;
    memset(buf, 0, 28);
    uint16_t first[3] = { f->fcw, f->fsw, tw };
    for (int i = 0; i < 3; i++, p += w) {
        put16(p, first[i]);
        if (o32)
            put16(p + 2, 0xffff);
    }
    if (real_or_v86(cpu)) {
        put16(p, (uint16_t)fip);
        put16(p + w, (uint16_t)((f->fop & 0x7ff) | ((fip >> 16) << 12)));
        if (o32)
            put32(p + w, (f->fop & 0x7ff) | ((fip >> 16) << 12));
        put16(p + 2 * w, (uint16_t)fdp);
        if (o32)
            put32(p + 3 * w, (fdp >> 16) << 12);
        else
            put16(p + 3 * w, (uint16_t)((fdp >> 16) << 12));
    } else if (o32) {
        put32(p, fip);
        put32(p + 4, f->fcs | ((uint32_t)(f->fop & 0x7ff) << 16));
        put32(p + 8, fdp);
        put16(p + 12, f->fds);
    } else {
        put16(p, (uint16_t)fip);
        put16(p + 2, f->fcs);
        put16(p + 4, (uint16_t)fdp);
        put16(p + 6, f->fds);
    }
    return o32 ? 28 : 14;
}

/* The inverse of env_store; a real-mode image holds linear addresses,
 * which become offsets with null selectors (and store back unchanged). */
static void env_load(CPUState *cpu, bool o32, const uint8_t *buf)
{
    X87State *f = &cpu->env.fpu;
    unsigned w = o32 ? 4 : 2;
    const uint8_t *p = buf + 3 * w;
    f->fcw = get16(buf) | 0x40;
    f->fsw = get16(buf + w);
    f->ftw = fpu_abridged_tags(get16(buf + 2 * w));
    if (real_or_v86(cpu)) {
        uint32_t hi = o32 ? get32(p + w) : get16(p + w);
        f->fip = get16(p) | (((hi >> 12) & 0xffff) << 16);
        f->fop = hi & 0x7ff;
        hi = o32 ? get32(p + 3 * w) : get16(p + 3 * w);
        f->fdp = get16(p + 2 * w) | (((hi >> 12) & 0xffff) << 16);
        f->fcs = f->fds = 0;
    } else if (o32) {
        f->fip = get32(p);
        f->fcs = get16(p + 4);
        f->fop = get16(p + 6) & 0x7ff;
        f->fdp = get32(p + 8);
        f->fds = get16(p + 12);
    } else {
        f->fip = get16(p);
        f->fcs = get16(p + 2);
        f->fdp = get16(p + 4);
        f->fds = get16(p + 6);
    }
    if (f->fsw & ~f->fcw & 0x3f)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

static void put_f80(uint8_t *p, Float80 v)
{
    put64(p, v.mant);
    put16(p + 8, v.sexp);
}

static Float80 get_f80(const uint8_t *p)
{
    return (Float80){ get64(p), get16(p + 8) };
}

/* D9 /4 FLDENV, D9 /6 FNSTENV, DD /4 FRSTOR, DD /6 FNSAVE. */
void x87_env_exec(CPUState *cpu, const FpuInsn *in)
{
    bool o32 = in->opsize != 2;
    bool save = ((in->modrm >> 3) & 7) == 6, regs = in->opcode == 0xdd;
    uint8_t buf[28 + 80];
    unsigned n = o32 ? 28 : 14;
    if (save) {
        env_store(cpu, o32, buf);
        for (int i = 0; regs && i < 8; i++)
            put_f80(buf + n + 10 * i, x87_get(cpu, i));
        fpu_st_bytes(cpu, in->la, buf, n + (regs ? 80 : 0));
        if (regs) {
            X87State *f = &cpu->env.fpu;
            *f = (X87State){ .fcw = 0x37f };
            fpu_ferr_clear(cpu);
        } else {
            cpu->env.fpu.fcw |= 0x3f;   /* FNSTENV masks all exceptions */
        }
        return;
    }
    fpu_ld_bytes(cpu, in->la, buf, n + (regs ? 80 : 0));
    env_load(cpu, o32, buf);
    for (int i = 0; regs && i < 8; i++)
        cpu->env.fpu.st[fpu_phys(cpu, i)] = get_f80(buf + n + 10 * i);
    fpu_ferr_after_load(cpu);
}

static void fxsave_image(const CPUState *cpu, uint8_t img[512], bool w64, int nxmm)
{
    const X87State *f = &cpu->env.fpu;
    memset(img, 0, 160);
    put16(img, f->fcw);
    put16(img + 2, f->fsw);
    img[4] = f->ftw;
    put16(img + 6, f->fop);
    if (w64) {
        put64(img + 8, f->fip);
        put64(img + 16, f->fdp);
    } else {
        put32(img + 8, (uint32_t)f->fip);
        put16(img + 12, f->fcs);
        put32(img + 16, (uint32_t)f->fdp);
        put16(img + 20, f->fds);
    }
    put32(img + 24, cpu->env.mxcsr);
    put32(img + 28, MXCSR_VALID);
    for (int i = 0; i < 8; i++)
        put_f80(img + 32 + 16 * i, x87_get(cpu, i));
    for (int i = 0; i < nxmm; i++)
        memcpy(img + 160 + 16 * i, cpu->env.xmm[i].b, 16);
}

void fpu_image_load_x87(CPUState *cpu, const uint8_t img[512], bool w64)
{
    X87State *f = &cpu->env.fpu;
    f->fcw = get16(img);
    f->fsw = get16(img + 2);
    f->ftw = img[4];
    f->fop = get16(img + 6) & 0x7ff;
    if (w64) {
        f->fip = get64(img + 8);
        f->fdp = get64(img + 16);
    } else {
        f->fip = get32(img + 8);
        f->fcs = get16(img + 12);
        f->fdp = get32(img + 16);
        f->fds = get16(img + 20);
    }
    for (int i = 0; i < 8; i++)
        f->st[fpu_phys(cpu, i)] = get_f80(img + 32 + 16 * i);
}

void fpu_image_load_xmm(CPUState *cpu, const uint8_t img[512], int nxmm)
{
    for (int i = 0; i < nxmm; i++)
        memcpy(cpu->env.xmm[i].b, img + 160 + 16 * i, 16);
}

void fpu_image_store(const CPUState *cpu, uint8_t img[512], bool w64, int nxmm)
{
    fxsave_image(cpu, img, w64, nxmm);
}

static void fxrstor_image(CPUState *cpu, const uint8_t img[512], bool w64, int nxmm)
{
    fpu_image_load_x87(cpu, img, w64);
    cpu->env.mxcsr = get32(img + 24) & MXCSR_VALID;
    fpu_image_load_xmm(cpu, img, nxmm);
}

void fpu_fxsave(const CPUState *cpu, uint8_t img[512])
{
    memset(img, 0, 512);
    fxsave_image(cpu, img, true, 16);
}

void fpu_fxrstor(CPUState *cpu, const uint8_t img[512])
{
    fxrstor_image(cpu, img, true, 16);
}

static void fxsave_insn(CPUState *cpu, const FpuInsn *in, bool restore)
{
    uint8_t img[512];
    int nxmm = fpu_code64(cpu) ? 16 : 8;
    if (cpu->env.cr0 & (CR0_EM | CR0_TS))
        fpu_fault(cpu, EXC_NM);
    fpu_seg_check(cpu, in, 0, 512, !restore);
    fpu_check_align(cpu, in->la, 16);
    if (!restore) {
        /* Bytes 464-511 are left to software: read them back unchanged. */
        fpu_ld_bytes(cpu, in->la + 160, img + 160, 512 - 160);
        fxsave_image(cpu, img, in->rex_w, nxmm);
        fpu_st_bytes(cpu, in->la, img, 512);
        return;
    }
    fpu_ld_bytes(cpu, in->la, img, 512);
    if (get32(img + 24) & ~(uint32_t)MXCSR_VALID)
        fpu_fault(cpu, EXC_GP);
    fxrstor_image(cpu, img, in->rex_w, nxmm);
    fpu_ferr_after_load(cpu);
}

static void mxcsr_insn(CPUState *cpu, const FpuInsn *in, bool load)
{
    fpu_check_sse(cpu);
    fpu_seg_check(cpu, in, 0, 4, !load);
    fpu_check_ac(cpu, in->la, 4);
    if (!load) {
        fpu_st(cpu, in->la, cpu->env.mxcsr, 4);
        return;
    }
    uint32_t v = (uint32_t)fpu_ld(cpu, in->la, 4);
    if (v & ~(uint32_t)MXCSR_VALID)
        fpu_fault(cpu, EXC_GP);
    cpu->env.mxcsr = v;
}

void fpu_group_ae(CPUState *cpu, const FpuInsn *in)
{
    int reg = (in->modrm >> 3) & 7;
    if (!in->has_mem) {
        if (reg >= 5)
            return;                     /* LFENCE, MFENCE, SFENCE */
        fpu_fault(cpu, EXC_UD);
    }
    switch (reg) {
    case 0: fxsave_insn(cpu, in, false); break;
    case 1: fxsave_insn(cpu, in, true); break;
    case 2: mxcsr_insn(cpu, in, true); break;
    case 3: mxcsr_insn(cpu, in, false); break;
    case 7:
        /* CLFLUSH: caches are not modelled; the access still checks the
         * address like a byte load. */
        fpu_seg_check(cpu, in, 0, 1, false);
        fpu_ld(cpu, in->la, 1);
        break;
    default:
        fpu_xsave_insn(cpu, in, reg == 5);  /* XSAVE, XRSTOR, XSAVEOPT */
        break;
    }
}
