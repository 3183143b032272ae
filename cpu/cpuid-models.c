/* CPUID feature names and the named CPU models.
 *
 * Bit positions are from the Intel SDM vol. 2A (CPUID) and the AMD APM
 * vol. 3 (appendix E); names are spelled as QEMU's `-cpu` accepts them.
 * The models give the vendor/family/model/stepping and features of the
 * processors they are named after (public datasheets), as QEMU's models of
 * the same name do, so guests see the same CPU under either emulator. */
#include "cpu/cpuid-internal.h"

#include <string.h>

#define F(n, w, b) { n, w, b }

const CPUFeatureName cpu_feature_names[] = {
    /* CPUID.01H:EDX */
    F("fpu", FEAT_1_EDX, 0), F("vme", FEAT_1_EDX, 1), F("de", FEAT_1_EDX, 2),
    F("pse", FEAT_1_EDX, 3), F("tsc", FEAT_1_EDX, 4), F("msr", FEAT_1_EDX, 5),
    F("pae", FEAT_1_EDX, 6), F("mce", FEAT_1_EDX, 7), F("cx8", FEAT_1_EDX, 8),
    F("apic", FEAT_1_EDX, 9), F("sep", FEAT_1_EDX, 11), F("mtrr", FEAT_1_EDX, 12),
    F("pge", FEAT_1_EDX, 13), F("mca", FEAT_1_EDX, 14), F("cmov", FEAT_1_EDX, 15),
    F("pat", FEAT_1_EDX, 16), F("pse36", FEAT_1_EDX, 17), F("pn", FEAT_1_EDX, 18),
    F("clflush", FEAT_1_EDX, 19), F("ds", FEAT_1_EDX, 21), F("acpi", FEAT_1_EDX, 22),
    F("mmx", FEAT_1_EDX, 23), F("fxsr", FEAT_1_EDX, 24), F("sse", FEAT_1_EDX, 25),
    F("sse2", FEAT_1_EDX, 26), F("ss", FEAT_1_EDX, 27), F("ht", FEAT_1_EDX, 28),
    F("tm", FEAT_1_EDX, 29), F("ia64", FEAT_1_EDX, 30), F("pbe", FEAT_1_EDX, 31),
    /* CPUID.01H:ECX */
    F("pni", FEAT_1_ECX, 0), F("pclmulqdq", FEAT_1_ECX, 1), F("dtes64", FEAT_1_ECX, 2),
    F("monitor", FEAT_1_ECX, 3), F("ds-cpl", FEAT_1_ECX, 4), F("vmx", FEAT_1_ECX, 5),
    F("smx", FEAT_1_ECX, 6), F("est", FEAT_1_ECX, 7), F("tm2", FEAT_1_ECX, 8),
    F("ssse3", FEAT_1_ECX, 9), F("cid", FEAT_1_ECX, 10), F("fma", FEAT_1_ECX, 12),
    F("cx16", FEAT_1_ECX, 13), F("xtpr", FEAT_1_ECX, 14), F("pdcm", FEAT_1_ECX, 15),
    F("pcid", FEAT_1_ECX, 17), F("dca", FEAT_1_ECX, 18), F("sse4.1", FEAT_1_ECX, 19),
    F("sse4.2", FEAT_1_ECX, 20), F("x2apic", FEAT_1_ECX, 21), F("movbe", FEAT_1_ECX, 22),
    F("popcnt", FEAT_1_ECX, 23), F("tsc-deadline", FEAT_1_ECX, 24),
    F("aes", FEAT_1_ECX, 25), F("xsave", FEAT_1_ECX, 26), F("avx", FEAT_1_ECX, 28),
    F("f16c", FEAT_1_ECX, 29), F("rdrand", FEAT_1_ECX, 30),
    F("hypervisor", FEAT_1_ECX, 31),
    /* CPUID.(EAX=07H,ECX=0):EBX */
    F("fsgsbase", FEAT_7_0_EBX, 0), F("tsc-adjust", FEAT_7_0_EBX, 1),
    F("sgx", FEAT_7_0_EBX, 2), F("bmi1", FEAT_7_0_EBX, 3), F("hle", FEAT_7_0_EBX, 4),
    F("avx2", FEAT_7_0_EBX, 5), F("smep", FEAT_7_0_EBX, 7), F("bmi2", FEAT_7_0_EBX, 8),
    F("erms", FEAT_7_0_EBX, 9), F("invpcid", FEAT_7_0_EBX, 10), F("rtm", FEAT_7_0_EBX, 11),
    F("mpx", FEAT_7_0_EBX, 14), F("avx512f", FEAT_7_0_EBX, 16),
    F("avx512dq", FEAT_7_0_EBX, 17), F("rdseed", FEAT_7_0_EBX, 18),
    F("adx", FEAT_7_0_EBX, 19), F("smap", FEAT_7_0_EBX, 20),
    F("avx512ifma", FEAT_7_0_EBX, 21), F("pcommit", FEAT_7_0_EBX, 22),
    F("clflushopt", FEAT_7_0_EBX, 23), F("clwb", FEAT_7_0_EBX, 24),
    F("intel-pt", FEAT_7_0_EBX, 25), F("avx512pf", FEAT_7_0_EBX, 26),
    F("avx512er", FEAT_7_0_EBX, 27), F("avx512cd", FEAT_7_0_EBX, 28),
    F("sha-ni", FEAT_7_0_EBX, 29), F("avx512bw", FEAT_7_0_EBX, 30),
    F("avx512vl", FEAT_7_0_EBX, 31),
    /* CPUID.(EAX=07H,ECX=0):ECX */
    F("avx512vbmi", FEAT_7_0_ECX, 1), F("umip", FEAT_7_0_ECX, 2), F("pku", FEAT_7_0_ECX, 3),
    F("avx512vbmi2", FEAT_7_0_ECX, 6), F("gfni", FEAT_7_0_ECX, 8),
    F("vaes", FEAT_7_0_ECX, 9), F("vpclmulqdq", FEAT_7_0_ECX, 10),
    F("avx512vnni", FEAT_7_0_ECX, 11), F("avx512bitalg", FEAT_7_0_ECX, 12),
    F("avx512-vpopcntdq", FEAT_7_0_ECX, 14), F("la57", FEAT_7_0_ECX, 16),
    F("rdpid", FEAT_7_0_ECX, 22), F("pks", FEAT_7_0_ECX, 31),
    /* CPUID.(EAX=07H,ECX=0):EDX */
    F("avx512-4vnniw", FEAT_7_0_EDX, 2), F("avx512-4fmaps", FEAT_7_0_EDX, 3),
    F("fsrm", FEAT_7_0_EDX, 4), F("md-clear", FEAT_7_0_EDX, 10),
    F("spec-ctrl", FEAT_7_0_EDX, 26), F("stibp", FEAT_7_0_EDX, 27),
    F("arch-capabilities", FEAT_7_0_EDX, 29), F("ssbd", FEAT_7_0_EDX, 31),
    /* CPUID.80000001H:EDX (bits that mirror CPUID.01H:EDX on AMD are
     * filled in by cpu_cpuid, as QEMU does) */
    F("syscall", FEAT_8000_0001_EDX, 11), F("nx", FEAT_8000_0001_EDX, 20),
    F("mmxext", FEAT_8000_0001_EDX, 22), F("fxsr-opt", FEAT_8000_0001_EDX, 25),
    F("pdpe1gb", FEAT_8000_0001_EDX, 26), F("rdtscp", FEAT_8000_0001_EDX, 27),
    F("lm", FEAT_8000_0001_EDX, 29), F("3dnowext", FEAT_8000_0001_EDX, 30),
    F("3dnow", FEAT_8000_0001_EDX, 31),
    /* CPUID.80000001H:ECX */
    F("lahf-lm", FEAT_8000_0001_ECX, 0), F("cmp-legacy", FEAT_8000_0001_ECX, 1),
    F("svm", FEAT_8000_0001_ECX, 2), F("extapic", FEAT_8000_0001_ECX, 3),
    F("cr8legacy", FEAT_8000_0001_ECX, 4), F("abm", FEAT_8000_0001_ECX, 5),
    F("sse4a", FEAT_8000_0001_ECX, 6), F("misalignsse", FEAT_8000_0001_ECX, 7),
    F("3dnowprefetch", FEAT_8000_0001_ECX, 8), F("osvw", FEAT_8000_0001_ECX, 9),
    F("ibs", FEAT_8000_0001_ECX, 10), F("xop", FEAT_8000_0001_ECX, 11),
    F("skinit", FEAT_8000_0001_ECX, 12), F("wdt", FEAT_8000_0001_ECX, 13),
    F("lwp", FEAT_8000_0001_ECX, 15), F("fma4", FEAT_8000_0001_ECX, 16),
    F("tce", FEAT_8000_0001_ECX, 17), F("nodeid-msr", FEAT_8000_0001_ECX, 19),
    F("tbm", FEAT_8000_0001_ECX, 21), F("topoext", FEAT_8000_0001_ECX, 22),
    F("perfctr-core", FEAT_8000_0001_ECX, 23), F("perfctr-nb", FEAT_8000_0001_ECX, 24),
    /* CPUID.(EAX=0DH,ECX=1):EAX */
    F("xsaveopt", FEAT_D_1_EAX, 0), F("xsavec", FEAT_D_1_EAX, 1),
    F("xgetbv1", FEAT_D_1_EAX, 2), F("xsaves", FEAT_D_1_EAX, 3),
};
const size_t cpu_feature_count = sizeof(cpu_feature_names) / sizeof(cpu_feature_names[0]);

const CPUFeatureWordInfo cpu_feature_words[FEAT_WORDS] = {
    [FEAT_1_EDX] = { 1, 0, 3 },
    [FEAT_1_ECX] = { 1, 0, 2 },
    [FEAT_7_0_EBX] = { 7, 0, 1 },
    [FEAT_7_0_ECX] = { 7, 0, 2 },
    [FEAT_7_0_EDX] = { 7, 0, 3 },
    [FEAT_8000_0001_EDX] = { 0x80000001, 0, 3 },
    [FEAT_8000_0001_ECX] = { 0x80000001, 0, 2 },
    [FEAT_D_1_EAX] = { 0xd, 1, 0 },
};

void cpu_feature_word_info(int w, uint32_t *leaf, uint32_t *subleaf, unsigned *reg)
{
    const CPUFeatureWordInfo *fw = &cpu_feature_words[w < 0 || w >= FEAT_WORDS ? 0 : w];
    *leaf = fw->leaf;
    *subleaf = fw->subleaf;
    *reg = fw->reg;
}

const char *cpu_feature_name(int w, unsigned bit)
{
    for (size_t i = 0; i < cpu_feature_count; i++) {
        if ((int)cpu_feature_names[i].word == w && cpu_feature_names[i].bit == bit)
            return cpu_feature_names[i].name;
    }
    return NULL;
}

/* Other spellings people type: Linux's /proc/cpuinfo names and QEMU's
 * aliases.  '_' is already treated as '-'. */
static const struct { const char *alias, *name; } feature_aliases[] = {
    { "sse3", "pni" }, { "sse4-1", "sse4.1" }, { "sse4-2", "sse4.2" },
    { "tsc-deadline-timer", "tsc-deadline" }, { "cr8-legacy", "cr8legacy" },
    { "sha", "sha-ni" }, { "i64", "lm" }, { "xd", "nx" },
};

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a == '_' ? '-' : *a, cb = *b == '_' ? '-' : *b;
        if (ca != cb)
            return false;
    }
    return *a == *b;
}

const CPUFeatureName *cpu_feature_find(const char *name)
{
    for (size_t i = 0; i < sizeof(feature_aliases) / sizeof(feature_aliases[0]); i++) {
        if (same_name(name, feature_aliases[i].alias)) {
            name = feature_aliases[i].name;
            break;
        }
    }
    for (size_t i = 0; i < cpu_feature_count; i++) {
        if (same_name(name, cpu_feature_names[i].name))
            return &cpu_feature_names[i];
    }
    return NULL;
}

/* Feature sets the models build on (CPUID.01H:EDX). */
#define B(n) (1u << (n))
#define PPRO_EDX (B(0) | B(2) | B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(11) | \
                  B(13) | B(15) | B(16) | B(23) | B(24) | B(25) | B(26))
#define CORE_EDX (PPRO_EDX | B(12) | B(14) | B(17) | B(19))        /* +mtrr mca pse36 clflush */
#define MODEL_EDX (CORE_EDX | B(1))                                 /* +vme: real processors */
/* CPUID.01H:ECX */
#define E_SSE3 B(0)
#define E_PCLMUL B(1)
#define E_SSSE3 B(9)
#define E_FMA B(12)
#define E_CX16 B(13)
#define E_PCID B(17)
#define E_SSE41 B(19)
#define E_SSE42 B(20)
#define E_X2APIC B(21)
#define E_MOVBE B(22)
#define E_POPCNT B(23)
#define E_TSCDL B(24)
#define E_AES B(25)
#define E_XSAVE B(26)
#define E_AVX B(28)
#define E_F16C B(29)
#define E_RDRAND B(30)
#define NEHALEM_ECX (E_SSE3 | E_SSSE3 | E_CX16 | E_SSE41 | E_SSE42 | E_POPCNT)
#define WESTMERE_ECX (NEHALEM_ECX | E_PCLMUL | E_AES)
#define SNB_ECX (WESTMERE_ECX | E_X2APIC | E_TSCDL | E_XSAVE | E_AVX)
#define HSW_ECX (SNB_ECX | E_FMA | E_PCID | E_MOVBE | E_F16C | E_RDRAND)
/* CPUID.07H:EBX */
#define HSW_7EBX (B(0) | B(3) | B(4) | B(5) | B(7) | B(8) | B(9) | B(10) | B(11))
#define SKL_7EBX (HSW_7EBX | B(14) | B(18) | B(19) | B(20) | B(23))
/* CPUID.80000001H:EDX / ECX */
#define X_SYSCALL B(11)
#define X_NX B(20)
#define X_MMXEXT B(22)
#define X_FXSROPT B(25)
#define X_1GB B(26)
#define X_RDTSCP B(27)
#define X_LM B(29)
#define X3_LAHF B(0)
#define X3_SVM B(2)
#define X3_CR8 B(4)
#define X3_ABM B(5)
#define X3_SSE4A B(6)
#define X3_MISALIGN B(7)
#define X3_3DNOWPF B(8)
#define X3_OSVW B(9)

const struct CPUModel cpu_models[] = {
    {
        .name = "qemu64", .desc = "QEMU Virtual CPU version 2.5+",
        .vendor = "AuthenticAMD", .family = 15, .model = 107, .stepping = 1,
        .level = 0xd, .xlevel = 0x8000000a,
        .features = { [FEAT_1_EDX] = CORE_EDX, [FEAT_1_ECX] = E_SSE3 | E_CX16,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX,
                      [FEAT_8000_0001_ECX] = X3_LAHF | X3_SVM },
        .model_id = "QEMU Virtual CPU version 2.5+",
    },
    {
        .name = "qemu32", .desc = "QEMU Virtual CPU version 2.5+",
        .vendor = "GenuineIntel", .family = 6, .model = 6, .stepping = 3,
        .level = 4, .xlevel = 0x80000004,
        .features = { [FEAT_1_EDX] = PPRO_EDX, [FEAT_1_ECX] = E_SSE3 },
        .model_id = "QEMU Virtual CPU version 2.5+",
    },
    {
        .name = "kvm64", .desc = "Common KVM processor",
        .vendor = "GenuineIntel", .family = 15, .model = 6, .stepping = 1,
        .level = 0xd, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = CORE_EDX | B(1), [FEAT_1_ECX] = E_SSE3 | E_CX16,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX },
        .model_id = "Common KVM processor",
    },
    {
        .name = "kvm32", .desc = "Common 32-bit KVM processor",
        .vendor = "GenuineIntel", .family = 15, .model = 6, .stepping = 1,
        .level = 5, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = PPRO_EDX | B(1) | B(12) | B(14) | B(17) | B(19),
                      [FEAT_1_ECX] = E_SSE3 },
        .model_id = "Common 32-bit KVM processor",
    },
    {
        .name = "Conroe", .desc = "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
        .vendor = "GenuineIntel", .family = 6, .model = 15, .stepping = 3,
        .level = 10, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = E_SSE3 | E_SSSE3,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX,
                      [FEAT_8000_0001_ECX] = X3_LAHF },
        .model_id = "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
    },
    {
        .name = "Penryn", .desc = "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
        .vendor = "GenuineIntel", .family = 6, .model = 23, .stepping = 3,
        .level = 10, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX,
                      [FEAT_1_ECX] = E_SSE3 | E_SSSE3 | E_CX16 | E_SSE41,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX,
                      [FEAT_8000_0001_ECX] = X3_LAHF },
        .model_id = "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
    },
    {
        .name = "Nehalem", .desc = "Intel Core i7 9xx (Nehalem Class Core i7)",
        .vendor = "GenuineIntel", .family = 6, .model = 26, .stepping = 3,
        .level = 11, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = NEHALEM_ECX,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX,
                      [FEAT_8000_0001_ECX] = X3_LAHF },
        .model_id = "Intel Core i7 9xx (Nehalem Class Core i7)",
    },
    {
        .name = "Westmere", .desc = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
        .vendor = "GenuineIntel", .family = 6, .model = 44, .stepping = 1,
        .level = 11, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = WESTMERE_ECX,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX,
                      [FEAT_8000_0001_ECX] = X3_LAHF },
        .model_id = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
    },
    {
        .name = "SandyBridge", .desc = "Intel Xeon E312xx (Sandy Bridge)",
        .vendor = "GenuineIntel", .family = 6, .model = 42, .stepping = 1,
        .level = 0xd, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = SNB_ECX,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP,
                      [FEAT_8000_0001_ECX] = X3_LAHF, [FEAT_D_1_EAX] = B(0) },
        .model_id = "Intel Xeon E312xx (Sandy Bridge)",
    },
    {
        .name = "IvyBridge", .desc = "Intel Xeon E3-12xx v2 (Ivy Bridge)",
        .vendor = "GenuineIntel", .family = 6, .model = 58, .stepping = 9,
        .level = 0xd, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = SNB_ECX | E_F16C | E_RDRAND,
                      [FEAT_7_0_EBX] = B(0) | B(7) | B(9),   /* fsgsbase smep erms */
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP,
                      [FEAT_8000_0001_ECX] = X3_LAHF, [FEAT_D_1_EAX] = B(0) },
        .model_id = "Intel Xeon E3-12xx v2 (Ivy Bridge)",
    },
    {
        .name = "Haswell", .desc = "Intel Core Processor (Haswell)",
        .vendor = "GenuineIntel", .family = 6, .model = 60, .stepping = 4,
        .level = 0xd, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = HSW_ECX,
                      [FEAT_7_0_EBX] = HSW_7EBX,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP,
                      [FEAT_8000_0001_ECX] = X3_LAHF | X3_ABM, [FEAT_D_1_EAX] = B(0) },
        .model_id = "Intel Core Processor (Haswell)",
    },
    {
        .name = "Broadwell", .desc = "Intel Core Processor (Broadwell)",
        .vendor = "GenuineIntel", .family = 6, .model = 61, .stepping = 2,
        .level = 0xd, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = HSW_ECX,
                      [FEAT_7_0_EBX] = HSW_7EBX | B(18) | B(19) | B(20),   /* rdseed adx smap */
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP,
                      [FEAT_8000_0001_ECX] = X3_LAHF | X3_ABM | X3_3DNOWPF,
                      [FEAT_D_1_EAX] = B(0) },
        .model_id = "Intel Core Processor (Broadwell)",
    },
    {
        .name = "Skylake-Client", .desc = "Intel Core Processor (Skylake)",
        .vendor = "GenuineIntel", .family = 6, .model = 94, .stepping = 3,
        .level = 0xd, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = HSW_ECX,
                      [FEAT_7_0_EBX] = SKL_7EBX,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP,
                      [FEAT_8000_0001_ECX] = X3_LAHF | X3_ABM | X3_3DNOWPF,
                      [FEAT_D_1_EAX] = B(0) | B(1) | B(2) },
        .model_id = "Intel Core Processor (Skylake)",
    },
    {
        .name = "EPYC", .desc = "AMD EPYC Processor",
        .vendor = "AuthenticAMD", .family = 23, .model = 1, .stepping = 2,
        .level = 0xd, .xlevel = 0x8000001e,
        .features = { [FEAT_1_EDX] = MODEL_EDX,
                      [FEAT_1_ECX] = WESTMERE_ECX | E_FMA | E_MOVBE | E_XSAVE | E_AVX |
                                     E_F16C | E_RDRAND | B(3),   /* monitor */
                      [FEAT_7_0_EBX] = B(0) | B(3) | B(5) | B(7) | B(8) | B(18) | B(19) |
                                       B(20) | B(23) | B(29),
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP | X_1GB |
                                             X_FXSROPT | X_MMXEXT,
                      [FEAT_8000_0001_ECX] = X3_LAHF | X3_SVM | X3_CR8 | X3_ABM | X3_SSE4A |
                                             X3_MISALIGN | X3_3DNOWPF | X3_OSVW | B(22),
                      [FEAT_D_1_EAX] = B(0) | B(1) | B(2) },
        .model_id = "AMD EPYC Processor",
    },
    {
        /* Without KVM, "max" is what the translator implements (everything
         * but the VEX-encoded SIMD: AVX, AVX2, FMA, F16C, AVX-512); with
         * KVM, cpu_model_parse turns it into "host". */
        .name = "max", .desc = "Enables all features supported by the accelerator in the current host",
        .vendor = "AuthenticAMD", .family = 15, .model = 107, .stepping = 1,
        .level = 0xd, .xlevel = 0x8000000a,
        .features = { [FEAT_1_EDX] = CORE_EDX | B(1),
                      [FEAT_1_ECX] = WESTMERE_ECX | E_MOVBE | E_XSAVE | E_RDRAND,
                      [FEAT_7_0_EBX] = B(0) | B(3) | B(7) | B(8) | B(19) | B(20) |
                                       B(1),                   /* tsc-adjust */
                      [FEAT_7_0_ECX] = B(22) | B(3) | B(31),   /* rdpid pku pks */
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX | X_RDTSCP | X_1GB,
                      [FEAT_8000_0001_ECX] = X3_LAHF | X3_ABM, [FEAT_D_1_EAX] = B(0) },
        .model_id = "QEMU TCG CPU version 2.5+",
    },
    /* Older AMD models that test suites name. */
    {
        .name = "Opteron_G1", .desc = "AMD Opteron 240 (Gen 1 Class Opteron)",
        .vendor = "AuthenticAMD", .family = 15, .model = 6, .stepping = 1,
        .level = 5, .xlevel = 0x80000008,
        .features = { [FEAT_1_EDX] = MODEL_EDX, [FEAT_1_ECX] = E_SSE3,
                      [FEAT_8000_0001_EDX] = X_LM | X_SYSCALL | X_NX },
        .model_id = "AMD Opteron 240 (Gen 1 Class Opteron)",
    },
};
const size_t cpu_model_count = sizeof(cpu_models) / sizeof(cpu_models[0]);
