/* Register transfer between KVM's vCPU state and cpu->env: general
 * registers, segment and control registers, x87/SSE, XCR0 and the MSRs a
 * monitor, a reset or a migration cares about.  Called with the vCPU out
 * of KVM_RUN (kvm_vcpu_exclusive or the vCPU thread itself). */
#include "accel/kvm-int.h"
#include "hw/core/error.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_CR_PAT 0x277
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103
#define MSR_MTRR_DEF_TYPE 0x2ff

static int vcpu_ioctl(CPUState *cpu, unsigned long req, void *arg, const char *what)
{
    KvmVcpu *v = cpu->accel;
    int r = kvm_ioctl(v->fd, req, arg);
    if (r < 0)
        error_report("kvm: %s for CPU %d: %s", what, cpu->index, strerror(errno));
    return r;
}

/* ---- general registers (kvm_regs order differs from the encoding order) */

static __u64 *gpr_slot(struct kvm_regs *r, int i)
{
    __u64 *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                          &r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
                          &r->r12, &r->r13, &r->r14, &r->r15 };
    return map[i];
}

static void regs_from_kvm(CPUX86State *env, struct kvm_regs *r)
{
    for (int i = 0; i < 16; i++)
        env->regs[i] = *gpr_slot(r, i);
    env->rip = r->rip;
    env->rflags = r->rflags;
}

static void regs_to_kvm(const CPUX86State *env, struct kvm_regs *r)
{
    for (int i = 0; i < 16; i++)
        *gpr_slot(r, i) = env->regs[i];
    r->rip = env->rip;
    r->rflags = env->rflags;
}

/* ---- segments: SegReg.attr is the descriptor's access-rights word */

static void seg_from_kvm(SegReg *s, const struct kvm_segment *k)
{
    s->sel = k->selector;
    s->base = k->base;
    s->limit = k->limit;
    s->attr = (uint16_t)((k->type & 0xf) | (k->s ? SEGATTR_S : 0) | ((k->dpl & 3) << 5) |
                         (k->present ? SEGATTR_P : 0) | (k->avl ? SEGATTR_AVL : 0) |
                         (k->l ? SEGATTR_L : 0) | (k->db ? SEGATTR_DB : 0) |
                         (k->g ? SEGATTR_G : 0));
    if (k->unusable)
        s->attr &= (uint16_t)~SEGATTR_P;
}

static void seg_to_kvm(struct kvm_segment *k, const SegReg *s)
{
    memset(k, 0, sizeof(*k));
    k->selector = s->sel;
    k->base = s->base;
    k->limit = s->limit;
    k->type = SEGATTR_TYPE(s->attr);
    k->s = !!(s->attr & SEGATTR_S);
    k->dpl = SEGATTR_DPL(s->attr);
    k->present = !!(s->attr & SEGATTR_P);
    k->avl = !!(s->attr & SEGATTR_AVL);
    k->l = !!(s->attr & SEGATTR_L);
    k->db = !!(s->attr & SEGATTR_DB);
    k->g = !!(s->attr & SEGATTR_G);
    k->unusable = !k->present;
    /* A loaded code/data segment is always marked accessed (the CPU sets
     * the bit when it loads the descriptor); VMX refuses to enter with a
     * usable one that is not. */
    if (k->present && k->s)
        k->type |= 1;
}

static struct kvm_segment *sreg_seg(struct kvm_sregs *s, int i)
{
    struct kvm_segment *map[SEG_COUNT] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
    return map[i];
}

static void sregs_from_kvm(CPUX86State *env, struct kvm_sregs *s)
{
    for (int i = 0; i < SEG_COUNT; i++)
        seg_from_kvm(&env->seg[i], sreg_seg(s, i));
    seg_from_kvm(&env->ldt, &s->ldt);
    seg_from_kvm(&env->tr, &s->tr);
    env->gdt = (DescTable){ s->gdt.base, s->gdt.limit };
    env->idt = (DescTable){ s->idt.base, s->idt.limit };
    env->cr0 = s->cr0;
    env->cr2 = s->cr2;
    env->cr3 = s->cr3;
    env->cr4 = s->cr4;
    env->cr8 = s->cr8;
    env->efer = s->efer;
    env->apic_base = s->apic_base;
}

static void sregs_to_kvm(const CPUX86State *env, struct kvm_sregs *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < SEG_COUNT; i++)
        seg_to_kvm(sreg_seg(s, i), &env->seg[i]);
    seg_to_kvm(&s->ldt, &env->ldt);
    seg_to_kvm(&s->tr, &env->tr);
    s->gdt.base = env->gdt.base;
    s->gdt.limit = env->gdt.limit;
    s->idt.base = env->idt.base;
    s->idt.limit = env->idt.limit;
    s->cr0 = env->cr0;
    s->cr2 = env->cr2;
    s->cr3 = env->cr3;
    s->cr4 = env->cr4;
    s->cr8 = env->cr8;
    s->efer = env->efer;
    s->apic_base = env->apic_base;
}

/* ---- x87/SSE: kvm_fpu holds ST(i) in stack order, env R0..R7 physical */

static void fpu_from_kvm(CPUX86State *env, const struct kvm_fpu *f)
{
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        Float80 *r = &env->fpu.st[(top + i) & 7];
        memcpy(&r->mant, f->fpr[i], 8);
        memcpy(&r->sexp, f->fpr[i] + 8, 2);
    }
    env->fpu.fcw = f->fcw;
    env->fpu.fsw = f->fsw;
    env->fpu.ftw = f->ftwx;
    env->fpu.fop = f->last_opcode;
    env->fpu.fip = f->last_ip;
    env->fpu.fdp = f->last_dp;
    memcpy(env->xmm, f->xmm, sizeof(env->xmm));
    env->mxcsr = f->mxcsr;
}

static void fpu_to_kvm(const CPUX86State *env, struct kvm_fpu *f)
{
    unsigned top = (env->fpu.fsw >> 11) & 7;
    memset(f, 0, sizeof(*f));
    for (unsigned i = 0; i < 8; i++) {
        const Float80 *r = &env->fpu.st[(top + i) & 7];
        memcpy(f->fpr[i], &r->mant, 8);
        memcpy(f->fpr[i] + 8, &r->sexp, 2);
    }
    f->fcw = env->fpu.fcw;
    f->fsw = env->fpu.fsw;
    f->ftwx = env->fpu.ftw;
    f->last_opcode = env->fpu.fop;
    f->last_ip = env->fpu.fip;
    f->last_dp = env->fpu.fdp;
    memcpy(f->xmm, env->xmm, sizeof(f->xmm));
    f->mxcsr = env->mxcsr;
}

/* ---- MSRs */

typedef struct MsrField {
    uint32_t index;
    size_t offset;
} MsrField;

#define MSRF(i, f) { i, offsetof(CPUX86State, f) }
static const MsrField msr_fields[] = {
    MSRF(MSR_STAR, star), MSRF(MSR_LSTAR, lstar), MSRF(MSR_CSTAR, cstar),
    MSRF(MSR_FMASK, fmask), MSRF(MSR_KERNEL_GS_BASE, kernel_gs_base),
    MSRF(MSR_IA32_SYSENTER_CS, sysenter_cs), MSRF(MSR_IA32_SYSENTER_ESP, sysenter_esp),
    MSRF(MSR_IA32_SYSENTER_EIP, sysenter_eip), MSRF(MSR_IA32_CR_PAT, pat),
    MSRF(MSR_TSC_AUX, tsc_aux), MSRF(MSR_MTRR_DEF_TYPE, mtrr_def_type),
};
/* The TSC itself is written only at reset (to 0): copying it back and
 * forth would make it jump, and guests check that it never goes back. */
#define NMSR_FIELDS (sizeof(msr_fields) / sizeof(msr_fields[0]))

static bool msr_supported(uint32_t index)
{
    for (uint32_t i = 0; i < kvm_state.nmsrs; i++) {
        if (kvm_state.msr_list[i] == index)
            return true;
    }
    return false;
}

typedef struct MsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[NMSR_FIELDS + 1];
} MsrBuf;

/* Fill buf with the supported MSRs (values from env when put). */
static void msr_prepare(MsrBuf *b, const CPUX86State *env, const MsrField **which)
{
    memset(b, 0, sizeof(*b));
    for (size_t i = 0; i < NMSR_FIELDS; i++) {
        if (!msr_supported(msr_fields[i].index))
            continue;
        which[b->hdr.nmsrs] = &msr_fields[i];
        b->e[b->hdr.nmsrs].index = msr_fields[i].index;
        memcpy(&b->e[b->hdr.nmsrs].data, (const char *)env + msr_fields[i].offset, 8);
        b->hdr.nmsrs++;
    }
}

static int msrs_get(CPUState *cpu)
{
    MsrBuf b;
    const MsrField *which[NMSR_FIELDS];
    msr_prepare(&b, &cpu->env, which);
    int n = vcpu_ioctl(cpu, KVM_GET_MSRS, &b, "KVM_GET_MSRS");
    for (int i = 0; i < n; i++)
        memcpy((char *)&cpu->env + which[i]->offset, &b.e[i].data, 8);
    return n < 0 ? -1 : 0;
}

static int msrs_put(CPUState *cpu, bool reset_tsc)
{
    MsrBuf b;
    const MsrField *which[NMSR_FIELDS];
    msr_prepare(&b, &cpu->env, which);
    if (reset_tsc)
        b.e[b.hdr.nmsrs++] = (struct kvm_msr_entry){ .index = MSR_IA32_TSC, .data = 0 };
    int n = vcpu_ioctl(cpu, KVM_SET_MSRS, &b, "KVM_SET_MSRS");
    return n < 0 ? -1 : 0;
}

/* ---- XCR0 */

static void xcr0_get(CPUState *cpu)
{
    struct kvm_xcrs x;
    if (!kvm_state.xcrs || vcpu_ioctl(cpu, KVM_GET_XCRS, &x, "KVM_GET_XCRS") < 0)
        return;
    for (uint32_t i = 0; i < x.nr_xcrs && i < KVM_MAX_XCRS; i++) {
        if (x.xcrs[i].xcr == 0)
            cpu->env.xcr0 = x.xcrs[i].value;
    }
}

static int xcr0_put(CPUState *cpu)
{
    struct kvm_xcrs x = { .nr_xcrs = 1 };
    x.xcrs[0].xcr = 0;
    x.xcrs[0].value = cpu->env.xcr0 ? cpu->env.xcr0 : 1;
    if (!kvm_state.xcrs)
        return 0;
    return vcpu_ioctl(cpu, KVM_SET_XCRS, &x, "KVM_SET_XCRS");
}

/* ---- whole state */

int kvm_regs_get(CPUState *cpu)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_fpu f;
    struct kvm_mp_state mp;
    if (vcpu_ioctl(cpu, KVM_GET_REGS, &r, "KVM_GET_REGS") < 0 ||
        vcpu_ioctl(cpu, KVM_GET_SREGS, &s, "KVM_GET_SREGS") < 0 ||
        vcpu_ioctl(cpu, KVM_GET_FPU, &f, "KVM_GET_FPU") < 0)
        return -1;
    regs_from_kvm(&cpu->env, &r);
    sregs_from_kvm(&cpu->env, &s);
    fpu_from_kvm(&cpu->env, &f);
    xcr0_get(cpu);
    if (kvm_state.irqchip && vcpu_ioctl(cpu, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE") == 0)
        cpu->env.halted = mp.mp_state != KVM_MP_STATE_RUNNABLE;
    return msrs_get(cpu);
}

static int put_common(CPUState *cpu, bool reset_tsc)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_fpu f;
    regs_to_kvm(&cpu->env, &r);
    sregs_to_kvm(&cpu->env, &s);
    fpu_to_kvm(&cpu->env, &f);
    if (vcpu_ioctl(cpu, KVM_SET_SREGS, &s, "KVM_SET_SREGS") < 0 ||
        vcpu_ioctl(cpu, KVM_SET_REGS, &r, "KVM_SET_REGS") < 0 ||
        vcpu_ioctl(cpu, KVM_SET_FPU, &f, "KVM_SET_FPU") < 0 || xcr0_put(cpu) < 0)
        return -1;
    return msrs_put(cpu, reset_tsc);
}

int kvm_regs_put(CPUState *cpu)
{
    return put_common(cpu, false);
}

/* Power-on state: registers from cpu_reset, TSC 0, a fresh local APIC
 * (LVTs masked, software-disabled) and, with the in-kernel irqchip,
 * application processors waiting for INIT/SIPI. */
int kvm_regs_reset(CPUState *cpu)
{
    if (put_common(cpu, true) < 0)
        return -1;
    if (!kvm_state.irqchip)
        return 0;
    struct kvm_lapic_state lapic;
    memset(&lapic, 0, sizeof(lapic));
    uint32_t id = (uint32_t)cpu->index << 24, dfr = 0xffffffff, svr = 0xff, masked = 1u << 16;
    memcpy(lapic.regs + 0x20, &id, 4);
    memcpy(lapic.regs + 0xe0, &dfr, 4);
    memcpy(lapic.regs + 0xf0, &svr, 4);
    for (int off = 0x320; off <= 0x370; off += 0x10)
        memcpy(lapic.regs + off, &masked, 4);
    if (cpu->index == 0) {
        uint32_t extint = 0x700;   /* BSP's LINT0 takes the PIC's INTR */
        memcpy(lapic.regs + 0x350, &extint, 4);
    }
    if (vcpu_ioctl(cpu, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC") < 0)
        return -1;
    struct kvm_mp_state mp = {
        .mp_state = cpu->index == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
    };
    return vcpu_ioctl(cpu, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
}
