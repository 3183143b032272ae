/* The CPUID table of a KVM vCPU: every leaf from cpu_cpuid() (the -cpu
 * model), with feature bits limited to what the kernel can virtualize
 * (KVM_GET_SUPPORTED_CPUID), plus KVM's own paravirtual leaves. */
#include "accel/kvm-int.h"
#include "cpu/cpuid.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MAX_ENTRIES 256
#define KVM_CPUID_SIGNATURE 0x40000000u
#define KVM_CPUID_FEATURES 0x40000001u
/* Paravirtual features offered: kvmclock (both MSR sets), no I/O delay
 * needed, and the stable-clock bit. */
#define KVM_PV_FEATURES ((1u << 0) | (1u << 1) | (1u << 3) | (1u << 24))

int kvm_cpuid_load_supported(void)
{
    struct kvm_cpuid2 *c = xzalloc(sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
    c->nent = MAX_ENTRIES;
    if (kvm_ioctl(kvm_state.fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
        error_report("-accel kvm: KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        free(c);
        return -1;
    }
    kvm_state.supported = c;
    return 0;
}

static const struct kvm_cpuid_entry2 *supported_entry(uint32_t leaf, uint32_t sub)
{
    const struct kvm_cpuid2 *c = kvm_state.supported;
    for (uint32_t i = 0; c && i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == leaf &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == sub))
            return e;
    }
    return NULL;
}

/* Feature registers are masked with the kernel's; identification and
 * topology leaves pass through. */
/* On Intel hosts KVM reports leaf 0x80000001 the Intel way, without the
 * bits AMD repeats from leaf 1; an AMD-vendor model may still have them. */
static uint32_t amd_aliases(void)
{
    const struct kvm_cpuid_entry2 *s1 = supported_entry(1, 0);
    return s1 ? s1->edx & 0x0183f3ffu : 0;
}

static void mask_features(struct kvm_cpuid_entry2 *e, bool host)
{
    const struct kvm_cpuid_entry2 *s = supported_entry(e->function, e->index);
    uint32_t l = e->function;
    if (l == 1) {
        uint32_t keep = (1u << 27);   /* OSXSAVE is the kernel's to track */
        e->ecx &= (s ? s->ecx : 0) | (1u << 31) | keep;
        e->edx &= s ? s->edx : 0;
        /* With the in-kernel LAPIC, x2APIC mode costs nothing: offer it,
         * as QEMU does under KVM. */
        if (kvm_state.irqchip && s)
            e->ecx |= s->ecx & (1u << 21);
    } else if ((l == 7 && e->index == 0) || l == 0x80000001 || (l == 0xd && e->index == 1)) {
        if (l == 7 || l == 0xd)
            e->eax &= s ? s->eax : 0;
        e->ebx &= s ? s->ebx : 0;
        e->ecx &= s ? s->ecx : 0;
        e->edx &= (s ? s->edx : 0) | (l == 0x80000001 ? amd_aliases() : 0);
    } else if (l == 0xd && e->index == 0) {
        e->eax &= s ? s->eax : 0;
        e->edx &= s ? s->edx : 0;
    } else if (l == 0x80000008 && s && (s->eax & 0xff)) {
        /* Guest physical addresses must fit the host's (EPT/NPT); "host"
         * gets exactly the host's width. */
        uint32_t host_bits = s->eax & 0xff, bits = e->eax & 0xff;
        if (bits > host_bits || host)
            e->eax = (e->eax & ~0xffu) | host_bits;
    }
}

static void add_entry(struct kvm_cpuid2 *c, const CPUState *cpu, uint32_t leaf,
                      uint32_t sub, bool indexed)
{
    if (c->nent >= MAX_ENTRIES)
        return;
    struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
    memset(e, 0, sizeof(*e));
    e->function = leaf;
    e->index = sub;
    e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
    cpu_cpuid(cpu, leaf, sub, &e->eax, &e->ebx, &e->ecx, &e->edx);
    mask_features(e, cpu->model && !strcmp(cpu->model->name, "host"));
}

/* Leaves with subleaves: how many to list. */
static uint32_t subleaf_count(uint32_t leaf)
{
    switch (leaf) {
    case 4: return 5;
    case 7: return 1;
    case 0xb: return 3;
    case 0xd: return 10;
    case 0x8000001d: return 5;
    default: return 0;
    }
}

static void add_range(struct kvm_cpuid2 *c, const CPUState *cpu, uint32_t first, uint32_t last)
{
    for (uint32_t leaf = first; leaf <= last && c->nent < MAX_ENTRIES; leaf++) {
        uint32_t subs = subleaf_count(leaf);
        if (!subs) {
            add_entry(c, cpu, leaf, 0, false);
            continue;
        }
        for (uint32_t s = 0; s < subs; s++)
            add_entry(c, cpu, leaf, s, true);
    }
}

static void add_kvm_leaves(struct kvm_cpuid2 *c)
{
    const struct kvm_cpuid_entry2 *s = supported_entry(KVM_CPUID_FEATURES, 0);
    struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
    memset(e, 0, sizeof(*e));
    e->function = KVM_CPUID_SIGNATURE;
    e->eax = KVM_CPUID_FEATURES;
    memcpy(&e->ebx, "KVMK", 4);
    memcpy(&e->ecx, "VMKV", 4);
    memcpy(&e->edx, "M\0\0\0", 4);
    e = &c->entries[c->nent++];
    memset(e, 0, sizeof(*e));
    e->function = KVM_CPUID_FEATURES;
    e->eax = KVM_PV_FEATURES & (s ? s->eax : 0);
}

/* What KVM can give the guest in feature word w. */
static uint32_t supported_word(int w)
{
    uint32_t leaf, sub, regs[4] = { 0 };
    unsigned reg;
    cpu_feature_word_info(w, &leaf, &sub, &reg);
    const struct kvm_cpuid_entry2 *s = supported_entry(leaf, sub);
    if (s) {
        regs[0] = s->eax;
        regs[1] = s->ebx;
        regs[2] = s->ecx;
        regs[3] = s->edx;
    }
    if (w == FEAT_1_ECX)
        regs[2] |= 1u << 31;                  /* hypervisor: ours to say */
    if (w == FEAT_8000_0001_EDX)
        regs[3] |= amd_aliases();
    return regs[reg];
}

/* Drop from the vCPU's features what KVM cannot virtualize, as QEMU does:
 * a named model also loses svm, monitor and acpi (QEMU's KVM defaults), and
 * anything else missing is named in a warning (once, for CPU 0). */
static void filter_features(CPUState *cpu)
{
    bool host = cpu->model && !strcmp(cpu->model->name, "host");
    if (!host) {
        cpu->features[FEAT_8000_0001_ECX] &= ~(1u << 2);   /* svm */
        cpu->features[FEAT_1_ECX] &= ~(1u << 3);           /* monitor */
        cpu->features[FEAT_1_EDX] &= ~(1u << 22);          /* acpi */
    }
    for (int w = 0; w < FEAT_WORDS; w++) {
        uint32_t ok = supported_word(w), missing = cpu->features[w] & ~ok;
        cpu->features[w] &= ok;
        for (unsigned bit = 0; missing && !host && cpu->index == 0 && bit < 32; bit++) {
            const char *name = cpu_feature_name(w, bit);
            uint32_t leaf, sub;
            unsigned reg;
            if (!(missing & (1u << bit)) || !name)
                continue;
            cpu_feature_word_info(w, &leaf, &sub, &reg);
            warn_report("host doesn't support requested feature: CPUID.%02XH:%s.%s [bit %u]",
                        leaf, (const char *[]){ "EAX", "EBX", "ECX", "EDX" }[reg & 3], name, bit);
        }
    }
}

/* Under KVM the guest sees the host's vendor whatever the model (as QEMU
 * does): SYSENTER and SYSCALL in compatibility mode then work as the real
 * processor does them. */
static void use_host_vendor(CPUState *cpu)
{
    static struct CPUModel model;
    static char vendor[13];
    const struct kvm_cpuid_entry2 *s = supported_entry(0, 0);
    if (!cpu->model || cpu->model == &model || !s)
        return;
    memcpy(vendor, &s->ebx, 4);
    memcpy(vendor + 4, &s->edx, 4);
    memcpy(vendor + 8, &s->ecx, 4);
    model = *cpu->model;
    model.vendor = vendor;
    cpu->model = &model;
}

int kvm_cpuid_setup(CPUState *cpu)
{
    KvmVcpu *v = cpu->accel;
    use_host_vendor(cpu);
    filter_features(cpu);
    struct kvm_cpuid2 *c = xzalloc(sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
    uint32_t level, xlevel, b, cx, d;
    cpu_cpuid(cpu, 0, 0, &level, &b, &cx, &d);
    cpu_cpuid(cpu, 0x80000000, 0, &xlevel, &b, &cx, &d);
    add_range(c, cpu, 0, MIN(level, 0x3f));
    add_kvm_leaves(c);
    if (xlevel >= 0x80000000)
        add_range(c, cpu, 0x80000000, MIN(xlevel, 0x8000003f));
    int ret = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
    if (ret < 0)
        error_report("kvm: KVM_SET_CPUID2 for CPU %d: %s", cpu->index, strerror(errno));
    free(c);
    return ret;
}
