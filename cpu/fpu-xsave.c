/* XSAVE, XRSTOR and XSAVEOPT (0F AE /4 /5 /6) in the standard (not
 * compacted) format, SDM vol. 1 ch. 13.  kemu's state components are x87
 * (0) and SSE (1); AVX and later components have no state here because
 * their instructions are not implemented, so they are always in their
 * initial configuration: XSAVE reports them so in XSTATE_BV and XRSTOR has
 * nothing to load for them. */
#include "cpu/fpu-internal.h"

#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/excp.h"

#define HDR 512                     /* XSAVE header: XSTATE_BV, XCOMP_BV */
#define AREA (HDR + 64)

static uint64_t get64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Initial configuration of a component (SDM 13.6). */
static void init_component(CPUState *cpu, int i, int nxmm)
{
    if (i == 0) {
        X87State *f = &cpu->env.fpu;
        *f = (X87State){ .fcw = 0x37f };
    } else {
        memset(cpu->env.xmm, 0, sizeof(cpu->env.xmm[0]) * (size_t)nxmm);
    }
}

/* Bytes of the standard-format area that the components in mask occupy:
 * the legacy region and header, and each extended component at the offset
 * and size CPUID leaf 0DH gives it (SDM vol. 1 13.4-13.5). */
static uint64_t area_extent(const CPUState *cpu, uint64_t mask)
{
    uint64_t end = AREA;
    uint32_t a, b, c, d;
    if (!(mask & ~3ULL))
        return end;
    cpu_cpuid(cpu, 0, 0, &a, &b, &c, &d);
    if (a < 0xd)
        return end;
    cpu_cpuid(cpu, 0xd, 0, &a, &b, &c, &d);
    mask &= ((uint64_t)d << 32) | a;            /* components the CPU has */
    for (uint32_t i = 2; i < 63; i++) {
        uint32_t size, off;
        if (!((mask >> i) & 1))
            continue;
        cpu_cpuid(cpu, 0xd, i, &size, &off, &c, &d);
        if ((uint64_t)off + size > end)
            end = (uint64_t)off + size;
    }
    return end;
}

static void xsave(CPUState *cpu, const FpuInsn *in, uint64_t rfbm, int nxmm)
{
    uint8_t img[AREA], cur[512];
    /* XSAVE saves every component in RFBM, so its whole extent is checked
     * as a write; the extended ones are in their initial configuration
     * (XSTATE_BV says so) and their bytes are left as they are. */
    fpu_seg_check(cpu, in, 0, (unsigned)area_extent(cpu, rfbm), true);
    fpu_ld_bytes(cpu, in->la, img, AREA);
    fpu_image_store(cpu, cur, in->rex_w, nxmm);
    if (rfbm & 1) {
        memcpy(img, cur, 24);
        memcpy(img + 32, cur + 32, 128);
    }
    if (rfbm & 6)
        memcpy(img + 24, cur + 24, 8);          /* MXCSR, MXCSR_MASK */
    if (rfbm & 2)
        memcpy(img + 160, cur + 160, (size_t)(16 * nxmm));
    /* Components 0 and 1 are reported in use; the others are initial. */
    uint64_t bv = (get64le(img + HDR) & ~rfbm) | (rfbm & 3);
    put64le(img + HDR, bv);
    fpu_st_bytes(cpu, in->la, img, AREA);
}

static void xrstor(CPUState *cpu, const FpuInsn *in, uint64_t rfbm, int nxmm)
{
    uint8_t img[AREA];
    fpu_seg_check(cpu, in, 0, AREA, false);
    fpu_ld_bytes(cpu, in->la, img, AREA);
    uint64_t bv = get64le(img + HDR), comp = get64le(img + HDR + 8);
    /* Components that XSTATE_BV says are saved are read from the area;
     * the others are initialized without touching it (SDM vol. 1 13.8). */
    fpu_seg_check(cpu, in, 0, (unsigned)area_extent(cpu, rfbm & bv), false);
    bool rsvd = false;
    for (int i = 16; i < 64; i++)
        rsvd |= img[HDR + i] != 0;
    /* Compacted images need XSAVEC, which is not offered. */
    if (comp || rsvd || (bv & ~cpu->env.xcr0))
        fpu_fault(cpu, EXC_GP);
    uint32_t mxcsr = (uint32_t)get64le(img + 24);
    if ((rfbm & 6) && (mxcsr & ~(uint32_t)MXCSR_VALID))
        fpu_fault(cpu, EXC_GP);
    if (rfbm & 1) {
        if (bv & 1)
            fpu_image_load_x87(cpu, img, in->rex_w);
        else
            init_component(cpu, 0, nxmm);
        fpu_ferr_after_load(cpu);
    }
    if (rfbm & 6)
        cpu->env.mxcsr = mxcsr;
    if (rfbm & 2) {
        if (bv & 2)
            fpu_image_load_xmm(cpu, img, nxmm);
        else
            init_component(cpu, 1, nxmm);
    }
}

void fpu_xsave_insn(CPUState *cpu, const FpuInsn *in, bool restore)
{
    CPUX86State *env = &cpu->env;
    if (!(env->cr4 & CR4_OSXSAVE))
        fpu_fault(cpu, EXC_UD);
    if (env->cr0 & CR0_TS)
        fpu_fault(cpu, EXC_NM);
    fpu_check_align(cpu, in->la, 64);
    uint64_t rfbm = env->xcr0 & (((env->regs[R_EDX] & 0xffffffffu) << 32) |
                                 (env->regs[R_EAX] & 0xffffffffu));
    int nxmm = fpu_code64(cpu) ? 16 : 8;
    if (restore)
        xrstor(cpu, in, rfbm, nxmm);
    else
        xsave(cpu, in, rfbm, nxmm);
}
