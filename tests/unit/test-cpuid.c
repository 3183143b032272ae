/* Unit tests of CPU models, -cpu parsing and the CPUID leaves. */
#include "tests/unit/unit.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "hw/core/machine.h"
#include "tests/diff/host-model.h"

#include <stdlib.h>
#include <unistd.h>

typedef struct R {
    uint32_t a, b, c, d;
} R;

static Machine machine;

/* A vCPU of `spec` on a machine with the given topology. */
static CPUState *make_cpu(const char *spec, int index, unsigned cores, unsigned threads)
{
    const struct CPUModel *model = NULL;
    uint32_t feat[8] = { 0 };
    machine.cfg.cores = cores;
    machine.cfg.threads = threads;
    machine.cfg.smp_cpus = cores * threads;
    if (cpu_model_parse(spec, false, &model, feat) < 0)
        return NULL;
    return cpu_create(&machine, index, model, feat);
}

static R q(const CPUState *cpu, uint32_t leaf, uint32_t sub)
{
    R r;
    cpu_cpuid(cpu, leaf, sub, &r.a, &r.b, &r.c, &r.d);
    return r;
}

static void vendor_of(const CPUState *cpu, char out[13])
{
    R r = q(cpu, 0, 0);
    memcpy(out, &r.b, 4);
    memcpy(out + 4, &r.d, 4);
    memcpy(out + 8, &r.c, 4);
    out[12] = 0;
}

TEST(cpuid, qemu64_identity)
{
    CPUState *cpu = make_cpu("qemu64", 0, 1, 1);
    char v[13];
    CHECK(cpu);
    vendor_of(cpu, v);
    CHECK_STR(v, "AuthenticAMD");
    CHECK_EQ(q(cpu, 0, 0).a, 0xd);
    CHECK_EQ(q(cpu, 1, 0).a, 0x00060fb1);   /* family 15, model 107, stepping 1 */
    CHECK_EQ(q(cpu, 0x80000000, 0).a, 0x8000000a);
    R e = q(cpu, 0x80000001, 0);
    CHECK(e.d & (1u << 29));                   /* lm */
    CHECK(e.d & (1u << 20));                   /* nx */
    CHECK(e.d & (1u << 11));                   /* syscall */
    CHECK(e.d & (1u << 0));                    /* fpu mirrored on AMD */
    CHECK(e.c & (1u << 0));                    /* lahf_lm */
}

TEST(cpuid, model_signatures)
{
    static const struct { const char *name, *vendor; uint32_t sig; } want[] = {
        { "qemu32", "GenuineIntel", 0x00000663 }, { "kvm64", "GenuineIntel", 0x00000f61 },
        { "Nehalem", "GenuineIntel", 0x000106a3 }, { "Westmere", "GenuineIntel", 0x000206c1 },
        { "SandyBridge", "GenuineIntel", 0x000206a1 }, { "Haswell", "GenuineIntel", 0x000306c4 },
        { "Skylake-Client", "GenuineIntel", 0x000506e3 }, { "EPYC", "AuthenticAMD", 0x00800f12 },
        { "Conroe", "GenuineIntel", 0x000006f3 }, { "Penryn", "GenuineIntel", 0x00010673 },
        { "IvyBridge", "GenuineIntel", 0x000306a9 }, { "Broadwell", "GenuineIntel", 0x000306d2 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        CPUState *cpu = make_cpu(want[i].name, 0, 1, 1);
        char v[13];
        CHECK(cpu);
        if (!cpu)
            continue;
        vendor_of(cpu, v);
        CHECK_STR(v, want[i].vendor);
        CHECK_EQ(q(cpu, 1, 0).a, want[i].sig);
        free(cpu);
    }
}

TEST(cpuid, feature_bits_of_models)
{
    CPUState *nhm = make_cpu("Nehalem", 0, 1, 1), *hsw = make_cpu("Haswell", 0, 1, 1);
    CHECK(q(nhm, 1, 0).c & (1u << 20));                  /* sse4.2 */
    CHECK(q(nhm, 1, 0).c & (1u << 23));                  /* popcnt */
    CHECK(!(q(nhm, 1, 0).c & (1u << 28)));               /* no avx */
    CHECK(q(hsw, 1, 0).c & (1u << 28));                  /* avx */
    CHECK(q(hsw, 7, 0).b & (1u << 5));                   /* avx2 */
    CHECK(q(hsw, 1, 0).c & (1u << 31));                  /* hypervisor */
    CHECK_EQ(q(hsw, 7, 1).b, 0);                         /* only subleaf 0 */
}

TEST(cpuid, brand_string)
{
    CPUState *cpu = make_cpu("qemu64", 0, 1, 1);
    char brand[49];
    for (uint32_t i = 0; i < 3; i++) {
        R r = q(cpu, 0x80000002 + i, 0);
        memcpy(brand + 16 * i, &r, 16);
    }
    brand[48] = 0;
    CHECK_STR(brand, "QEMU Virtual CPU version 2.5+");
}

TEST(cpuid, apic_id_and_topology)
{
    CPUState *cpu = make_cpu("Haswell", 3, 4, 2);
    R r = q(cpu, 1, 0);
    CHECK_EQ(r.b >> 24, 3);                      /* initial APIC ID */
    CHECK_EQ((r.b >> 16) & 0xff, 8);             /* logical processors */
    CHECK(r.d & (1u << 28));                     /* HTT */
    r = q(cpu, 0xb, 0);
    CHECK_EQ(r.a, 1);
    CHECK_EQ(r.b, 2);
    CHECK_EQ(r.c, 0x100);
    CHECK_EQ(r.d, 3);
    r = q(cpu, 0xb, 1);
    CHECK_EQ(r.a, 3);
    CHECK_EQ(r.b, 8);
    CHECK_EQ(r.c, 0x201);
    r = q(cpu, 0xb, 2);
    CHECK_EQ(r.b, 0);
    CHECK_EQ(r.c, 2);
    r = q(cpu, 4, 0);                             /* L1d: type 1, level 1 */
    CHECK_EQ(r.a & 0xff, 0x21);
    CHECK_EQ(r.a >> 26, 3);                       /* 4 cores per package */
    CHECK_EQ((r.b & 0xfff) + 1, 64);              /* line size */
    CHECK_EQ(q(cpu, 4, 4).a, 0);                  /* no more caches */
    CPUState *one = make_cpu("Haswell", 0, 1, 1);
    CHECK(!(q(one, 1, 0).d & (1u << 28)));
}

TEST(cpuid, address_sizes)
{
    CPUState *cpu = make_cpu("qemu64", 0, 1, 1);
    CHECK_EQ(q(cpu, 0x80000008, 0).a, 0x3028);   /* 40 physical, 48 linear */
    CPUState *big = make_cpu("qemu64,+la57", 0, 1, 1);
    CHECK_EQ(q(big, 0x80000008, 0).a, 0x3928);
}

TEST(cpuid, xsave_sizes)
{
    CPUState *cpu = make_cpu("Haswell", 0, 1, 1);
    R r = q(cpu, 0xd, 0);
    CHECK_EQ(r.a, 7);                             /* x87 | SSE | AVX */
    CHECK_EQ(r.c, 832);
    CHECK_EQ(r.b, 576);                           /* XCR0 = x87 only */
    cpu->env.xcr0 = 7;
    CHECK_EQ(q(cpu, 0xd, 0).b, 832);
    r = q(cpu, 0xd, 2);
    CHECK_EQ(r.a, 256);
    CHECK_EQ(r.b, 576);
    CHECK_EQ(q(cpu, 0xd, 1).a, 1);                /* xsaveopt */
    CPUState *none = make_cpu("qemu64", 0, 1, 1);
    CHECK_EQ(q(none, 0xd, 0).a, 0);               /* no xsave, no leaf */
}

TEST(cpuid, leaves_past_maximum)
{
    CPUState *cpu = make_cpu("qemu32", 0, 1, 1);  /* level 4 */
    R hi = q(cpu, 4, 0), past = q(cpu, 7, 0);
    CHECK_EQ(past.a, hi.a);
    CHECK_EQ(past.b, hi.b);
    CHECK_EQ(q(cpu, 0x80000008, 0).a, hi.a);      /* xlevel 0x80000004 */
}

TEST(cpu_parse, features_on_off)
{
    const struct CPUModel *m = NULL;
    uint32_t f[8] = { 0 };
    CHECK_EQ(cpu_model_parse("qemu64,+sse4.2,-nx,popcnt=on,syscall=off,x2apic", false, &m, f), 0);
    CHECK_STR(m->name, "qemu64");
    CHECK(f[FEAT_1_ECX] & (1u << 20));
    CHECK(f[FEAT_1_ECX] & (1u << 23));
    CHECK(f[FEAT_1_ECX] & (1u << 21));
    CHECK(!(f[FEAT_8000_0001_EDX] & (1u << 20)));
    CHECK(!(f[FEAT_8000_0001_EDX] & (1u << 11)));
    CHECK(f[FEAT_8000_0001_EDX] & (1u << 29));
}

TEST(cpu_parse, minus_wins_and_spellings)
{
    const struct CPUModel *m = NULL;
    uint32_t f[8] = { 0 };
    CHECK_EQ(cpu_model_parse("Nehalem,-popcnt,+popcnt,sse4_1=off,+pdpe1gb,+lahf_lm", false, &m, f), 0);
    CHECK(!(f[FEAT_1_ECX] & (1u << 23)));
    CHECK(!(f[FEAT_1_ECX] & (1u << 19)));
    CHECK(f[FEAT_8000_0001_EDX] & (1u << 26));
    CHECK_EQ(cpu_model_parse("qemu64,sse3=off", false, &m, f), 0);
    CHECK(!(f[FEAT_1_ECX] & 1));
}

TEST(cpu_parse, errors)
{
    const struct CPUModel *m = NULL;
    uint32_t f[8] = { 0 };
    CHECK_EQ(cpu_model_parse("foo", false, &m, f), -1);
    CHECK_EQ(cpu_model_parse("qemu64,+bogus", false, &m, f), -1);
    CHECK_EQ(cpu_model_parse("qemu64,x2apic=maybe", false, &m, f), -1);
    CHECK_EQ(cpu_model_parse("host", false, &m, f), -1);
    CHECK(m == NULL);
    CHECK(cpu_model_find("Skylake-Client") != NULL);
    CHECK(cpu_model_find("skylake") == NULL);
}

TEST(cpu_parse, host_under_kvm)
{
    const struct CPUModel *m = NULL;
    uint32_t f[8] = { 0 };
#if defined(__x86_64__) || defined(__i386__)
    CHECK_EQ(cpu_model_parse("host,-x2apic", true, &m, f), 0);
    CHECK_STR(m->name, "host");
    CHECK(!(f[FEAT_1_ECX] & (1u << 21)));
    CHECK(f[FEAT_1_EDX] & 1);                     /* every x86 host has an FPU */
    CHECK_EQ(cpu_model_parse("max", true, &m, f), 0);
    CHECK_STR(m->name, "host");
#else
    SKIP("host model needs an x86 host");
#endif
}

/* `-cpu help` prints QEMU's layout: "x86 NAME(20)  DESC", then the flags. */
TEST(cpu_parse, help_listing)
{
    char path[] = "/tmp/kemu-cpuhelp-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    cpu_model_list();
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char buf[8192] = { 0 };
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    unlink(path);
    CHECK(n > 0);
    CHECK(!strncmp(buf, "Available CPUs:\n", 16));
    CHECK(strstr(buf, "\nx86 qemu64                QEMU Virtual CPU version 2.5+\n"));
    CHECK(strstr(buf, "\nx86 host                  processor with all supported host features\n"));
    CHECK(strstr(buf, "\n\nRecognized CPUID flags:\n  3dnow 3dnowext 3dnowprefetch"));
    CHECK(strstr(buf, " sse4.2 ") || strstr(buf, " sse4.2\n"));     /* wherever it wraps */
    CHECK(strstr(buf, " pdpe1gb ") || strstr(buf, " pdpe1gb\n"));
}

/* AMD's own leaves: vendor in 0x80000000, caches in 0x80000005/6, core
 * count in 0x80000008; Intel models leave 0x80000005 empty. */
TEST(cpuid, amd_extended_leaves)
{
    CPUState *epyc = make_cpu("EPYC", 0, 4, 2);
    R r = q(epyc, 0x80000000, 0);
    char v[13];
    memcpy(v, &r.b, 4);
    memcpy(v + 4, &r.d, 4);
    memcpy(v + 8, &r.c, 4);
    v[12] = 0;
    CHECK_STR(v, "AuthenticAMD");
    CHECK_EQ(r.a, 0x8000001e);
    CHECK_EQ(q(epyc, 0x80000005, 0).c >> 24, 32);        /* 32 KiB L1d */
    CHECK_EQ(q(epyc, 0x80000006, 0).c >> 16, 4096);      /* 4 MiB L2 */
    CHECK_EQ(q(epyc, 0x80000008, 0).c & 0xff, 7);        /* 8 threads - 1 */
    CHECK_EQ(q(epyc, 4, 0).a, 0);                        /* leaf 4 is Intel's */
    r = q(epyc, 0x8000001d, 3);                          /* topoext: L3, 8 sharing */
    CHECK_EQ(r.a & 0xff, 0x63);
    CHECK_EQ(((r.a >> 14) & 0xfff) + 1, 8);
    CHECK_EQ(r.a >> 26, 0);
    CHECK_EQ(q(epyc, 0x8000001d, 4).a, 0);
    epyc->index = 5;                                     /* core 2, thread 1 */
    r = q(epyc, 0x8000001e, 0);
    CHECK_EQ(r.a, 5);
    CHECK_EQ(r.b, 0x102);
    CPUState *hsw = make_cpu("Haswell", 0, 1, 1);       /* (resets the topology) */
    CHECK_EQ(q(hsw, 0x80000005, 0).c, 0);
    CHECK_EQ(q(hsw, 0x80000000, 0).b, 0);
    CHECK_EQ(q(hsw, 2, 0).a, 0xff01);                    /* "see leaf 4" */
}

/* Vendor-specific behaviour is a property of the model: the vendor its
 * CPUID reports, never the host's.  A CPU without a model stands for the
 * default qemu64 (AMD). */
TEST(cpuid, behaviour_vendor_is_the_models)
{
    static const char *const intel[] = { "qemu32", "kvm64", "Nehalem", "Haswell",
                                         "Skylake-Client" };
    static const char *const amd[] = { "qemu64", "EPYC", "max" };
    char v[13];
    for (size_t i = 0; i < sizeof(intel) / sizeof(intel[0]); i++) {
        CPUState *cpu = make_cpu(intel[i], 0, 1, 1);
        CHECK(cpu && cpu_is_intel(cpu));
        vendor_of(cpu, v);
        CHECK_STR(v, "GenuineIntel");
    }
    for (size_t i = 0; i < sizeof(amd) / sizeof(amd[0]); i++) {
        CPUState *cpu = make_cpu(amd[i], 0, 1, 1);
        CHECK(cpu && !cpu_is_intel(cpu));
        vendor_of(cpu, v);
        CHECK_STR(v, "AuthenticAMD");
    }
    CPUState *bare = cpu_create(&machine, 0, NULL, NULL);
    CHECK(!cpu_is_intel(bare));
}

/* The host-comparison tests pick a model of the host's vendor: the host's
 * CPUID leaf 0 unless KEMU_TEST_HOST_VENDOR forces the decision (which
 * here checks the Intel path on any host). */
TEST(cpuid, host_comparisons_use_a_model_of_the_hosts_vendor)
{
    const char *saved = getenv("KEMU_TEST_HOST_VENDOR");
    char *keep = saved ? strdup(saved) : NULL;
    unsetenv("KEMU_TEST_HOST_VENDOR");
#if defined(__x86_64__)
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    char v[13] = { 0 };
    memcpy(v, &b, 4);
    memcpy(v + 4, &d, 4);
    memcpy(v + 8, &c, 4);
    CHECK_STR(host_vendor(), v);
    CHECK_STR(host_model_name(), strcmp(v, "GenuineIntel") ? "qemu64" : "Nehalem");
#endif
    setenv("KEMU_TEST_HOST_VENDOR", "GenuineIntel", 1);
    CHECK_STR(host_model_name(), "Nehalem");
    CPUState *cpu = make_cpu("qemu64", 0, 1, 1);
    if (host_model_apply(cpu)) {
        CHECK(cpu_is_intel(cpu));
        CHECK_STR(cpu->model->name, "Nehalem");
        CHECK_EQ(cpu->features[FEAT_1_ECX], cpu_model_find("host")->features[FEAT_1_ECX]);
    }
    setenv("KEMU_TEST_HOST_VENDOR", "AuthenticAMD", 1);
    CHECK_STR(host_model_name(), "qemu64");
    if (host_model_apply(cpu))
        CHECK(!cpu_is_intel(cpu));
    if (keep)
        setenv("KEMU_TEST_HOST_VENDOR", keep, 1);
    else
        unsetenv("KEMU_TEST_HOST_VENDOR");
    free(keep);
}
