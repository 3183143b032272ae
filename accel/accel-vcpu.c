/* The machine's hold on its vCPUs (MachineCpuOps, hw/core/machine.h):
 * hw/core knows neither the CPU state nor the engines, so reset, pause and
 * the A20 gate reach them through these, which drive cpu/ and the
 * machine's AccelOps. */
#include "accel/accel.h"
#include "cpu/cpu.h"
#include "hw/core/machine.h"

static void kick(Machine *m, CPUState *cpu)
{
    if (m->accel && m->accel->kick)
        m->accel->kick(cpu);
}

static void reset(Machine *m, CPUState *cpu)
{
    cpu_reset(cpu);
    if (m->accel && m->accel->sync_state)
        m->accel->sync_state(cpu, false);
}

static void reset_engine(Machine *m)
{
    if (m->accel && m->accel->reset)
        m->accel->reset(m);
}

static void set_stopped(Machine *m, CPUState *cpu, bool stopped)
{
    __atomic_store_n(&cpu->stopped, stopped, __ATOMIC_RELEASE);  /* vCPU threads poll it */
    kick(m, cpu);
}

static void set_a20(Machine *m, CPUState *cpu, bool enabled)
{
    cpu->env.a20_enabled = enabled;
    cpu->env.a20_mask = enabled ? ~0ULL : ~(1ULL << 20);
    kick(m, cpu);
}

static const MachineCpuOps vcpu_ops = {
    .reset = reset, .reset_engine = reset_engine, .set_stopped = set_stopped,
    .set_a20 = set_a20,
};

static void __attribute__((constructor)) register_vcpu_ops(void)
{
    machine_register_cpu_ops(&vcpu_ops);
}
