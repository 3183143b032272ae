/* AMD performance counters (APM vol. 2, 13.2): the four legacy pairs every
 * AMD64 processor has (PerfEvtSel0-3 at C001_0000h, PerfCtr0-3 at
 * C001_0004h) and, with CPUID Fn8000_0001 ECX[PerfCtrExtCore], the six
 * core pairs at C001_0200h (CTL at even, CTR at odd indices; the first
 * four alias the legacy ones).  Intel models advertise no architectural
 * PMU (CPUID leaf 0AH is zero), so they have none of these.
 *
 * Events are not modelled one by one: an enabled counter (EN, bit 22)
 * advances by one per virtual nanosecond -- a cycle of the 1 GHz core,
 * and about one instruction of the translator's throughput -- so software
 * sees counters that move while enabled and stand still while disabled.
 * Counters are 48 bits wide; overflow interrupts are not raised. */
#include "cpu/sys.h"
#include "hw/core/clock.h"

#include <string.h>

#define K7_EVNTSEL0   0xc0010000u
#define K7_PERFCTR0   0xc0010004u
#define F15H_PERF_CTL 0xc0010200u
#define NUM_LEGACY    4
#define NUM_CORE      6
#define CTR_MASK      ((1ULL << 48) - 1)
#define EVTSEL_EN     (1ULL << 22)
/* Reserved bits of PerfEvtSel: 31:24 hold CntMask, 35:32 EventSelect[11:8],
 * 41:40 HG_ONLY; 39:36 and 63:42 are reserved, as is bit 21. */
#define EVTSEL_RSVD   ((0xfULL << 36) | (~0ULL << 42) | (1ULL << 21))
#define PERFCTR_CORE  (1u << 23)     /* CPUID Fn8000_0001 ECX */

static bool is_amd(const CPUState *cpu)
{
    return cpu->model && cpu->model->vendor && !strcmp(cpu->model->vendor, "AuthenticAMD");
}

/* Counter number for idx and whether it is the control (select) MSR; -1 if
 * idx is not a counter MSR of this vCPU. */
static int pmu_index(const CPUState *cpu, uint32_t idx, bool *ctl)
{
    if (!is_amd(cpu))
        return -1;
    if (idx >= K7_EVNTSEL0 && idx < K7_EVNTSEL0 + 2 * NUM_LEGACY) {
        *ctl = idx < K7_PERFCTR0;
        return (int)((idx - K7_EVNTSEL0) % NUM_LEGACY);
    }
    if ((cpu->features[FEAT_8000_0001_ECX] & PERFCTR_CORE) &&
        idx >= F15H_PERF_CTL && idx < F15H_PERF_CTL + 2 * NUM_CORE) {
        *ctl = !(idx & 1);
        return (int)((idx - F15H_PERF_CTL) / 2);
    }
    return -1;
}

static uint64_t counter_now(const CPUX86State *env, int n)
{
    uint64_t v = env->pmu_count[n];
    if (env->pmu_evtsel[n] & EVTSEL_EN)
        v += (uint64_t)(clock_ns() - env->pmu_since[n]);
    return v & CTR_MASK;
}

bool cpu_pmu_msr_read(CPUState *cpu, uint32_t idx, uint64_t *val)
{
    bool ctl;
    int n = pmu_index(cpu, idx, &ctl);
    if (n < 0)
        return false;
    *val = ctl ? cpu->env.pmu_evtsel[n] : counter_now(&cpu->env, n);
    return true;
}

bool cpu_pmu_rdpmc(CPUState *cpu, uint32_t idx, uint64_t *val)
{
    unsigned n = (cpu->features[FEAT_8000_0001_ECX] & PERFCTR_CORE) ? NUM_CORE : NUM_LEGACY;
    if (!is_amd(cpu) || idx >= n)
        return false;
    *val = counter_now(&cpu->env, (int)idx);
    return true;
}

bool cpu_pmu_msr_write(CPUState *cpu, uint32_t idx, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    bool ctl;
    int n = pmu_index(cpu, idx, &ctl);
    if (n < 0)
        return false;
    if (ctl) {
        if (val & EVTSEL_RSVD)
            return false;
        env->pmu_count[n] = counter_now(env, n);    /* fold in what ran so far */
        env->pmu_evtsel[n] = val;
    } else {
        env->pmu_count[n] = val & CTR_MASK;
    }
    env->pmu_since[n] = clock_ns();
    return true;
}
