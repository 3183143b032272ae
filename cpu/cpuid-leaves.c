/* The CPUID instruction's answers for one vCPU (Intel SDM vol. 2A,
 * "CPUID"; AMD APM vol. 3, appendix E): identification from the model,
 * features from the vCPU's feature words, topology from -smp, a fixed cache
 * hierarchy, and XSAVE sizes for the state components the features imply. */
#include "cpu/cpuid-internal.h"
#include "cpu/cpu.h"
#include "hw/core/machine.h"

#include <string.h>

typedef struct Regs {
    uint32_t a, b, c, d;
} Regs;

/* Threads per core and cores per package from -smp (1 when unset). */
static void topology(const CPUState *cpu, unsigned *threads, unsigned *cores)
{
    const Machine *m = cpu->machine;
    *threads = m && m->cfg.threads ? m->cfg.threads : 1;
    *cores = m && m->cfg.cores ? m->cfg.cores : 1;
    if (m && m->cfg.dies > 1)
        *cores *= m->cfg.dies;
}

/* Bits needed to number n items: ceil(log2(n)). */
static unsigned id_bits(unsigned n)
{
    unsigned b = 0;
    while ((1u << b) < n)
        b++;
    return b;
}

static bool is_amd(const struct CPUModel *m)
{
    return !strcmp(m->vendor, "AuthenticAMD");
}

static void vendor_regs(const struct CPUModel *m, uint32_t *b, uint32_t *c, uint32_t *d)
{
    char v[12] = { 0 };
    memcpy(v, m->vendor, strnlen(m->vendor, 12));
    memcpy(b, v, 4);
    memcpy(d, v + 4, 4);
    memcpy(c, v + 8, 4);
}

/* Family/model/stepping in the leaf-1 EAX encoding. */
static uint32_t signature(const struct CPUModel *m)
{
    uint32_t fam = m->family > 0xf ? 0xf : m->family;
    uint32_t extfam = m->family > 0xf ? m->family - 0xf : 0;
    return (m->stepping & 0xf) | ((m->model & 0xf) << 4) | (fam << 8) |
           (((m->model >> 4) & 0xf) << 16) | ((extfam & 0xff) << 20);
}

static void leaf_1(const CPUState *cpu, Regs *r)
{
    unsigned threads, cores;
    topology(cpu, &threads, &cores);
    unsigned logical = threads * cores;
    r->a = signature(cpu->model);
    /* CLFLUSH line size in 8-byte units, logical processors, APIC ID. */
    r->b = (8u << 8) | ((logical & 0xff) << 16) | ((uint32_t)cpu->index << 24);
    r->c = cpu->features[FEAT_1_ECX] | (1u << 31);   /* hypervisor present */
    r->d = cpu->features[FEAT_1_EDX];
    if (logical > 1)
        r->d |= 1u << 28;                             /* HTT: ebx[23:16] valid */
    if ((cpu->features[FEAT_1_ECX] & (1u << 26)) && (cpu->env.cr4 & CR4_OSXSAVE))
        r->c |= 1u << 27;                             /* OSXSAVE mirrors CR4 */
    if (!(cpu->env.apic_base & (1u << 11)))
        r->d &= ~(1u << 9);                           /* APIC globally disabled */
}

/* The cache hierarchy both vendors' deterministic leaves describe: 32 KiB
 * 8-way L1d and L1i, 4 MiB 16-way L2 per core, 16 MiB 16-way L3 per
 * package, 64-byte lines. */
static const struct { unsigned type, level, ways, sets, shared_pkg; } caches[] = {
    { 1, 1, 8, 64, 0 }, { 2, 1, 8, 64, 0 }, { 3, 2, 16, 4096, 0 }, { 3, 3, 16, 16384, 1 },
};

/* Leaf 4 (Intel) and 0x8000001d (AMD) share this layout but for the
 * core count in EAX[31:26], which only Intel has. */
static void cache_leaf(const CPUState *cpu, uint32_t sub, Regs *r, bool intel)
{
    unsigned threads, cores;
    if (sub >= sizeof(caches) / sizeof(caches[0]))
        return;
    topology(cpu, &threads, &cores);
    unsigned sharing = caches[sub].shared_pkg ? threads * cores : threads;
    r->a = caches[sub].type | (caches[sub].level << 5) | (1u << 8) |
           (((sharing - 1) & 0xfff) << 14);
    if (intel)
        r->a |= ((cores - 1) & 0x3f) << 26;
    r->b = 63 | ((caches[sub].ways - 1) << 22);
    r->c = caches[sub].sets - 1;
    r->d = intel && caches[sub].level == 3 ? 1u << 1 : 0;   /* Intel's L3 is inclusive */
}

static void leaf_4(const CPUState *cpu, uint32_t sub, Regs *r)
{
    if (!is_amd(cpu->model))
        cache_leaf(cpu, sub, r, true);
}

/* AMD topology extensions (with topoext): cache properties and the
 * extended APIC ID, core and node of this vCPU. */
static void leaf_topoext(const CPUState *cpu, uint32_t leaf, uint32_t sub, Regs *r)
{
    unsigned threads, cores;
    if (!is_amd(cpu->model) || !(cpu->features[FEAT_8000_0001_ECX] & (1u << 22)))
        return;
    if (leaf == 0x8000001d) {
        cache_leaf(cpu, sub, r, false);
        return;
    }
    topology(cpu, &threads, &cores);
    r->a = (uint32_t)cpu->index;
    r->b = (((uint32_t)cpu->index / threads) % cores & 0xff) | ((threads - 1) << 8);
    r->c = 0;                                         /* node 0 of 1 */
}

static void leaf_7(const CPUState *cpu, uint32_t sub, Regs *r)
{
    if (sub != 0)
        return;
    r->a = 0;
    r->b = cpu->features[FEAT_7_0_EBX];
    r->c = cpu->features[FEAT_7_0_ECX];
    r->d = cpu->features[FEAT_7_0_EDX];
    if ((r->c & (1u << 3)) && (cpu->env.cr4 & (1u << 22)))
        r->c |= 1u << 4;                              /* OSPKE mirrors CR4.PKE */
}

/* Leaf 0xb: x2APIC topology, SMT level then core level. */
static void leaf_b(const CPUState *cpu, uint32_t sub, Regs *r)
{
    unsigned threads, cores;
    topology(cpu, &threads, &cores);
    r->d = (uint32_t)cpu->index;
    r->c = sub & 0xff;
    if (sub == 0) {
        r->a = id_bits(threads);
        r->b = threads;
        r->c |= 1u << 8;
    } else if (sub == 1) {
        r->a = id_bits(threads) + id_bits(cores);
        r->b = threads * cores;
        r->c |= 2u << 8;
    }
}

/* XSAVE state components: (size, offset) in the standard format. */
static const struct { uint32_t size, offset; } xsave_area[10] = {
    [2] = { 256, 576 },     /* AVX YMM_Hi128 */
    [3] = { 64, 960 },      /* MPX BNDREGS */
    [4] = { 64, 1024 },     /* MPX BNDCSR */
    [5] = { 64, 1088 },     /* AVX-512 opmask */
    [6] = { 512, 1152 },    /* AVX-512 ZMM_Hi256 */
    [7] = { 1024, 1664 },   /* AVX-512 Hi16_ZMM */
    [9] = { 8, 2688 },      /* PKRU */
};

static uint64_t xsave_components(const CPUState *cpu)
{
    uint64_t mask = 3;                                /* x87, SSE */
    if (!(cpu->features[FEAT_1_ECX] & (1u << 26)))
        return 0;
    if (cpu->features[FEAT_1_ECX] & (1u << 28))
        mask |= 1u << 2;
    if (cpu->features[FEAT_7_0_EBX] & (1u << 14))
        mask |= 3u << 3;
    if (cpu->features[FEAT_7_0_EBX] & (1u << 16))
        mask |= 7u << 5;
    if (cpu->features[FEAT_7_0_ECX] & (1u << 3))
        mask |= 1u << 9;
    return mask;
}

static uint32_t xsave_size(uint64_t mask)
{
    uint32_t size = 576;                              /* legacy area + header */
    for (int i = 2; i < 10; i++) {
        if ((mask & (1u << i)) && xsave_area[i].offset + xsave_area[i].size > size)
            size = xsave_area[i].offset + xsave_area[i].size;
    }
    return size;
}

static void leaf_d(const CPUState *cpu, uint32_t sub, Regs *r)
{
    uint64_t mask = xsave_components(cpu);
    if (!mask)
        return;
    if (sub == 0) {
        r->a = (uint32_t)mask;
        r->b = xsave_size(cpu->env.xcr0 & mask);
        r->c = xsave_size(mask);
        r->d = (uint32_t)(mask >> 32);
    } else if (sub == 1) {
        r->a = cpu->features[FEAT_D_1_EAX];
    } else if (sub < 10 && (mask & (1u << sub))) {
        r->a = xsave_area[sub].size;
        r->b = xsave_area[sub].offset;
    }
}

static void leaf_brand(const CPUState *cpu, uint32_t leaf, Regs *r)
{
    char brand[48] = { 0 };
    const char *id = cpu->model->model_id ? cpu->model->model_id : "";
    memcpy(brand, id, strnlen(id, 47));
    memcpy(r, brand + 16 * (leaf - 0x80000002), 16);
}

static void leaf_ext1(const CPUState *cpu, Regs *r)
{
    r->a = signature(cpu->model);
    r->c = cpu->features[FEAT_8000_0001_ECX];
    r->d = cpu->features[FEAT_8000_0001_EDX];
    /* AMD repeats most CPUID.01H:EDX bits here (APM: "same as 1.EDX"). */
    if (is_amd(cpu->model))
        r->d |= cpu->features[FEAT_1_EDX] & 0x0183f3ffu;
}

/* AMD L1 (0x80000005) and L2/L3 (0x80000006) descriptions, same caches as
 * leaf 4: size in KiB, associativity, lines per tag, line size. */
static void leaf_amd_cache(const CPUState *cpu, uint32_t leaf, Regs *r)
{
    if (leaf == 0x80000005) {
        if (!is_amd(cpu->model))
            return;
        r->a = 0x01ff01ff;                            /* 2M/4M TLBs */
        r->b = 0x01ff01ff;                            /* 4K TLBs */
        r->c = (32u << 24) | (8u << 16) | (1u << 8) | 64;
        r->d = r->c;
        return;
    }
    /* L2 4 MiB 16-way (code 8); L3 16 MiB in 512 KiB units, 16-way. */
    r->c = (4096u << 16) | (8u << 12) | (1u << 8) | 64;
    if (is_amd(cpu->model))
        r->d = (32u << 18) | (8u << 12) | (1u << 8) | 64;
}

static void leaf_ext8(const CPUState *cpu, Regs *r)
{
    unsigned threads, cores;
    bool la57 = cpu->features[FEAT_7_0_ECX] & (1u << 16);
    bool lm = cpu->features[FEAT_8000_0001_EDX] & (1u << 29);
    topology(cpu, &threads, &cores);
    /* Physical address bits 40 (QEMU's default), linear 48 or 57. */
    r->a = (lm ? 40 : 36) | ((la57 ? 57u : 48u) << 8);
    if (is_amd(cpu->model)) {
        unsigned n = threads * cores;
        r->c = ((n - 1) & 0xff) | (id_bits(n) << 12);
    }
}

/* Leaves past the maximum answer as the highest basic leaf (Intel SDM). */
static uint32_t clamp_leaf(const struct CPUModel *m, uint32_t leaf)
{
    if (leaf >= 0x80000000) {
        if (leaf > m->xlevel)
            return m->level;
    } else if (leaf > m->level) {
        return m->level;
    }
    return leaf;
}

static void extended_leaf(const CPUState *cpu, uint32_t leaf, uint32_t subleaf, Regs *r)
{
    switch (leaf) {
    case 0x80000000:
        r->a = cpu->model->xlevel;
        if (is_amd(cpu->model))
            vendor_regs(cpu->model, &r->b, &r->c, &r->d);
        break;
    case 0x80000001: leaf_ext1(cpu, r); break;
    case 0x80000002: case 0x80000003: case 0x80000004: leaf_brand(cpu, leaf, r); break;
    case 0x80000005: case 0x80000006: leaf_amd_cache(cpu, leaf, r); break;
    case 0x80000008: leaf_ext8(cpu, r); break;
    case 0x8000001d: case 0x8000001e: leaf_topoext(cpu, leaf, subleaf, r); break;
    case 0x8000000a:
        if (cpu->features[FEAT_8000_0001_ECX] & (1u << 2)) {
            r->a = 1;                                 /* SVM revision */
            r->b = 16;                                /* ASIDs */
        }
        break;
    default: break;
    }
}

void cpu_cpuid(const struct CPUState *cpu, uint32_t leaf, uint32_t subleaf,
               uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    Regs r = { 0, 0, 0, 0 };
    CPUState fallback;
    if (!cpu->model) {
        /* A CPU created without a parsed -cpu behaves as the default model. */
        fallback = *cpu;
        fallback.model = cpu_model_find("qemu64");
        memcpy(fallback.features, fallback.model->features, sizeof(fallback.model->features));
        cpu = &fallback;
    }
    leaf = clamp_leaf(cpu->model, leaf);
    switch (leaf) {
    case 0:
        r.a = cpu->model->level;
        vendor_regs(cpu->model, &r.b, &r.c, &r.d);
        break;
    case 1: leaf_1(cpu, &r); break;
    case 2:
        /* One iteration; descriptor 0xff: "use leaf 4". */
        if (!is_amd(cpu->model))
            r.a = 0x0000ff01;
        break;
    case 4: leaf_4(cpu, subleaf, &r); break;
    case 7: leaf_7(cpu, subleaf, &r); break;
    case 0xb: leaf_b(cpu, subleaf, &r); break;
    case 0xd: leaf_d(cpu, subleaf, &r); break;
    default:
        if (leaf >= 0x80000000)
            extended_leaf(cpu, leaf, subleaf, &r);
        break;
    }
    *eax = r.a;
    *ebx = r.b;
    *ecx = r.c;
    *edx = r.d;
}
