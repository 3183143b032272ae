#include "hw/core/machine.h"
#include "hw/core/clock.h"
#include "hw/core/loop.h"

#include <string.h>

static const MachineCpuOps *cpu_ops;

void machine_register_cpu_ops(const MachineCpuOps *ops)
{
    cpu_ops = ops;
}

void machine_request_reset(Machine *m)
{
    m->reset_requested = 1;
    loop_notify();
}

void machine_request_shutdown(Machine *m, int exit_code)
{
    m->exit_code = exit_code;
    m->shutdown_requested = 1;
    loop_notify();
}

/* The A20 gate is open at power-on.  cpu_reset opens each CPU's copy; the
 * board's flag must follow, or a reset taken with A20 closed leaves it
 * "off" while the CPUs are on, and a later write closing the gate through
 * port 0x92 or the i8042 would be ignored as no change. */
static void reset_a20(Machine *m)
{
    machine_set_a20(m, true);
}

void machine_reset(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next) {
        if (d->cls->reset)
            d->cls->reset(d);
    }
    for (unsigned i = 0; i < m->ncpus; i++)
        cpu_ops->reset(m, m->cpus[i]);
    reset_a20(m);
    if (m->board_reset)
        m->board_reset(m);
    if (cpu_ops)
        cpu_ops->reset_engine(m);
}

void machine_pause(Machine *m)
{
    if (m->state != RUN_STATE_RUNNING)
        return;
    __atomic_store_n(&m->state, RUN_STATE_PAUSED, __ATOMIC_RELEASE);    /* vCPU threads poll it */
    clock_pause();
    for (unsigned i = 0; i < m->ncpus; i++)
        cpu_ops->set_stopped(m, m->cpus[i], true);
}

void machine_resume(Machine *m)
{
    if (m->state != RUN_STATE_PAUSED && m->state != RUN_STATE_PRELAUNCH)
        return;
    __atomic_store_n(&m->state, RUN_STATE_RUNNING, __ATOMIC_RELEASE);
    clock_resume();
    for (unsigned i = 0; i < m->ncpus; i++)
        cpu_ops->set_stopped(m, m->cpus[i], false);
}

Device *machine_find_device(Machine *m, const char *name)
{
    for (Device *d = m->devices; d; d = d->next) {
        if (!strcmp(d->cls->name, name) || (d->id && !strcmp(d->id, name)))
            return d;
    }
    return NULL;
}

void machine_set_a20(Machine *m, bool enabled)
{
    m->a20 = enabled;
    for (unsigned i = 0; i < m->ncpus; i++)
        cpu_ops->set_a20(m, m->cpus[i], enabled);
}
