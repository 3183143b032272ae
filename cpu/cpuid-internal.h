/* Shared between the CPUID files: the feature-name table and the model
 * table.  Not for use outside cpu/cpuid*.c. */
#ifndef KEMU_CPUID_INTERNAL_H
#define KEMU_CPUID_INTERNAL_H

#include "cpu/cpuid.h"

#include <stddef.h>

typedef struct CPUFeatureName {
    const char *name;        /* as QEMU spells it ("sse4.2", "lahf-lm") */
    unsigned word, bit;
} CPUFeatureName;

extern const CPUFeatureName cpu_feature_names[];
extern const size_t cpu_feature_count;
/* Where each feature word lives: CPUID leaf, subleaf and register
 * (0 eax, 1 ebx, 2 ecx, 3 edx), for messages and KVM's supported table. */
typedef struct CPUFeatureWordInfo {
    uint32_t leaf, subleaf;
    unsigned reg;
} CPUFeatureWordInfo;
extern const CPUFeatureWordInfo cpu_feature_words[FEAT_WORDS];

extern const struct CPUModel cpu_models[];
extern const size_t cpu_model_count;

/* Look a feature up by name; QEMU's and Linux's spellings ('_' for '-',
 * "sse4_2", "sse3") are accepted.  NULL if unknown. */
const CPUFeatureName *cpu_feature_find(const char *name);

#endif
