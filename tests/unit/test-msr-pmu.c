/* AMD performance counters (cpu/msr-pmu.c) and IA32_TSC_ADJUST through
 * cpu_msr_read/write, on the CPU test board. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/harness.h"
#include "cpu/sys.h"

TEST(msr_pmu, amd_counters_count_while_enabled)
{
    CPUState *cpu = tcpu_setup(1);
    cpu->model = cpu_model_find("qemu64");                  /* AuthenticAMD */
    uint64_t v = 0;
    CHECK(cpu_msr_write(cpu, 0xc0010004, 5));                /* PerfCtr0 */
    clock_advance(1000);
    CHECK(cpu_msr_read(cpu, 0xc0010004, &v) && v == 5);     /* disabled: still */
    CHECK(cpu_msr_write(cpu, 0xc0010000, (1ULL << 22) | 0x76));
    clock_advance(1000);
    CHECK(cpu_msr_read(cpu, 0xc0010004, &v) && v >= 1005);
    CHECK(cpu_msr_read(cpu, 0xc0010000, &v) && v == ((1ULL << 22) | 0x76));
    CHECK(!cpu_msr_write(cpu, 0xc0010000, 1ULL << 21));     /* reserved */
    CHECK(cpu_pmu_rdpmc(cpu, 0, &v) && v >= 1005);
    CHECK(cpu_msr_write(cpu, 0xc0010004, 1ULL << 48));      /* 48 bits wide */
    CHECK(cpu_msr_read(cpu, 0xc0010005, &v) && v == 0);
    /* With PerfCtrExtCore the core MSRs alias the legacy four, plus two. */
    cpu->features[FEAT_8000_0001_ECX] |= 1u << 23;
    CHECK(cpu_msr_write(cpu, 0xc0010203, 77));
    CHECK(cpu_msr_read(cpu, 0xc0010005, &v) && v == 77);
    CHECK(cpu_msr_write(cpu, 0xc001020b, 9));
    CHECK(cpu_pmu_rdpmc(cpu, 5, &v) && v == 9);
    CHECK(!cpu_pmu_rdpmc(cpu, 6, &v));
    cpu->features[FEAT_8000_0001_ECX] &= ~(1u << 23);
    CHECK(!cpu_msr_read(cpu, 0xc0010203, &v));
    CHECK(!cpu_pmu_rdpmc(cpu, 4, &v));
    cpu->model = cpu_model_find("Haswell");                  /* Intel: none */
    CHECK(!cpu_msr_read(cpu, 0xc0010004, &v));
}

TEST(msr_pmu, tsc_adjust_follows_tsc_writes)
{
    CPUState *cpu = tcpu_setup(1);
    uint64_t a = 0, t0 = 0, t1 = 0;
    CHECK(cpu_msr_read(cpu, 0x3b, &a) && a == 0);
    cpu_msr_read(cpu, 0x10, &t0);
    CHECK(cpu_msr_write(cpu, 0x3b, 1000000));
    cpu_msr_read(cpu, 0x10, &t1);
    CHECK(t1 - t0 >= 1000000);
    CHECK(cpu_msr_write(cpu, 0x10, t1 + 5000));              /* TSC moves by 5000... */
    CHECK(cpu_msr_read(cpu, 0x3b, &a) && a == 1005000);      /* ...and the adjust with it */
}
