/* CPU models and CPUID.  A model is a vendor/family/model/stepping and
 * feature words; `-cpu NAME,+feat,-feat,feat=on|off` adjusts one; `-cpu
 * help` lists them.  "host" exists only under KVM (its features come from
 * KVM_GET_SUPPORTED_CPUID, filled in by accel/kvm). */
#ifndef KEMU_CPUID_H
#define KEMU_CPUID_H

#include <stdbool.h>
#include <stdint.h>

struct CPUState;

/* Feature words (index into CPUState.features). */
enum { FEAT_1_EDX, FEAT_1_ECX, FEAT_7_0_EBX, FEAT_7_0_ECX, FEAT_7_0_EDX,
       FEAT_8000_0001_EDX, FEAT_8000_0001_ECX, FEAT_D_1_EAX, FEAT_WORDS };

struct CPUModel {
    const char *name;
    const char *desc;
    const char *vendor;        /* 12 chars: "GenuineIntel", "AuthenticAMD" */
    uint32_t family, model, stepping;
    uint32_t level, xlevel;    /* max basic / extended leaf */
    uint32_t features[FEAT_WORDS];
    const char *model_id;      /* brand string */
};

/* Where Intel's and AMD's processors differ (x87 FOP, DPPS/DPPD NaN
 * selection, MOVSXD and BSF/BSR corner cases, SYSCALL/SYSRET, RTM), a vCPU
 * behaves as its model's vendor does, never as the host's: GenuineIntel
 * models as Intel's parts, every other vendor (AuthenticAMD, and a CPU
 * without a model, which stands for the default qemu64) as AMD's. */
bool cpu_model_is_intel(const struct CPUModel *m);
bool cpu_is_intel(const struct CPUState *cpu);
/* Find a model by name (NULL if unknown). */
const struct CPUModel *cpu_model_find(const char *name);
/* Print `-cpu help` to stdout. */
void cpu_model_list(void);
/* Parse "-cpu" ("qemu64", "host,+x2apic,-sse4.2", "Skylake-Client,pdpe1gb=on")
 * into a model and feature words.  host_ok says whether "host" is allowed
 * (KVM only).  Returns 0 or -1 after error_report naming the bad part. */
int cpu_model_parse(const char *spec, bool host_ok, const struct CPUModel **model,
                    uint32_t features[FEAT_WORDS]);
/* Where feature word w lives (CPUID leaf, subleaf, register 0-3 for
 * EAX/EBX/ECX/EDX), and the name of one of its bits (NULL if unnamed):
 * for messages about features an accelerator cannot provide. */
void cpu_feature_word_info(int w, uint32_t *leaf, uint32_t *subleaf, unsigned *reg);
const char *cpu_feature_name(int w, unsigned bit);
/* Execute CPUID for a vCPU (the TCG instruction and KVM's CPUID table). */
void cpu_cpuid(const struct CPUState *cpu, uint32_t leaf, uint32_t subleaf,
               uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

#endif
