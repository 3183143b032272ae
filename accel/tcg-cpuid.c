/* CPU model features the translator and the x87/SSE helpers do not
 * implement are dropped when a vCPU is created under TCG, with QEMU's
 * warning ("TCG doesn't support requested feature: ..."), so a model such
 * as Haswell boots: the guest never sees AVX and never executes it. */
#include <stdio.h>

#include "accel/tcg.h"
#include "cpu/cpuid.h"
#include "hw/core/error.h"

#define B(n) (1u << (n))

/* Per feature word: what TCG lacks (instruction sets: VEX/EVEX beyond
 * BMI1/BMI2, XOP, 3DNow!, TSX, SHA, RDSEED, INVPCID, CLWB; and machine
 * features with no model: VMX, SGX, MPX, 5-level paging, compacted/supervisor XSAVE). */
static const uint32_t tcg_missing[FEAT_WORDS] = {
    [FEAT_1_ECX] = B(5) | B(6) | B(12) | B(28) | B(29),         /* vmx smx fma avx f16c */
    [FEAT_7_0_EBX] = B(2) | B(4) | B(5) | B(10) | B(11) | B(14) | B(16) | B(17) |
                     B(18) | B(21) | B(22) | B(24) | B(25) | B(26) | B(27) | B(28) |
                     B(29) | B(30) | B(31),
    [FEAT_7_0_ECX] = B(1) | B(6) | B(8) | B(9) | B(10) | B(11) | B(12) | B(14) |
                     B(16),
    [FEAT_7_0_EDX] = B(2) | B(3),                               /* avx512-4vnniw/4fmaps */
    [FEAT_8000_0001_EDX] = B(30) | B(31),                       /* 3dnowext 3dnow */
    /* sse4a xop skinit lwp fma4 tbm */
    [FEAT_8000_0001_ECX] = B(6) | B(11) | B(12) | B(15) | B(16) | B(21),
    [FEAT_D_1_EAX] = B(1) | B(2) | B(3),                        /* xsavec xgetbv1 xsaves */
};

/* Features the models carry by default that TCG does not implement either,
 * dropped without a warning (as QEMU turns svm off for KVM by default):
 * SVM (qemu64 lists it; kemu has no nested virtualization, so a guest must
 * not see it and try VMRUN).  VME, which the named models list, is
 * implemented (cpu/v86.c) and stays. */
static const uint32_t tcg_quietly_missing[FEAT_WORDS] = {
    [FEAT_8000_0001_ECX] = B(2),                                /* svm */
};

/* QEMU's naming of a feature word: "CPUID.07H:EBX" (no subleaf). */
static void word_desc(int w, char *buf, size_t len)
{
    static const char *const regs[4] = { "EAX", "EBX", "ECX", "EDX" };
    uint32_t leaf, sub;
    unsigned reg;
    cpu_feature_word_info(w, &leaf, &sub, &reg);
    snprintf(buf, len, "CPUID.%02XH:%s", leaf, regs[reg & 3]);
}

void tcg_filter_features(CPUState *cpu)
{
    /* warn about what a -cpu model asked for (test CPUs without a model
     * set every bit: those are dropped silently) */
    bool warn = cpu->index == 0 && cpu->model;
    for (int w = 0; w < FEAT_WORDS; w++) {
        uint32_t drop = cpu->features[w] & tcg_missing[w];
        cpu->features[w] &= ~(tcg_missing[w] | tcg_quietly_missing[w]);
        for (unsigned bit = 0; drop && warn && bit < 32; bit++) {
            const char *name = cpu_feature_name(w, bit);
            if (!(drop & B(bit)) || !name)
                continue;
            char desc[48];
            word_desc(w, desc, sizeof(desc));
            warn_report("TCG doesn't support requested feature: %s.%s [bit %u]", desc, name,
                        bit);
        }
    }
}
