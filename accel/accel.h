/* The interface both engines implement.  The machine, the monitor and the
 * gdbstub use only this table and the CPU state struct. */
#ifndef KEMU_ACCEL_H
#define KEMU_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct Machine;
struct CPUState;

typedef struct AccelOps {
    const char *name;
    const char *desc;
    /* Can this accelerator run here?  If not, *why says why in words a user
     * understands (e.g. "/dev/kvm: No such file or directory"). */
    bool (*available)(const char **why);
    /* Whether it runs at hardware speed (KVM with VT-x/AMD-V). */
    bool (*hw_assisted)(void);
    /* Create the VM; memory listeners go on m->mem. 0, or -1 after error_report. */
    int (*init)(struct Machine *m);
    int (*vcpu_init)(struct CPUState *cpu);
    /* Start running every vCPU (threads or a round-robin loop). */
    void (*start)(struct Machine *m);
    /* Make a vCPU leave guest mode soon (to see requests/pause). */
    void (*kick)(struct CPUState *cpu);
    /* Copy state between the engine and cpu->env: to_env true reads the
     * engine's state into env (before the monitor looks), false writes it. */
    void (*sync_state)(struct CPUState *cpu, bool to_env);
    /* Drive a GSI when the engine owns the interrupt controllers
     * (KVM's in-kernel irqchip). NULL: userspace PIC/IOAPIC are used. */
    void (*set_gsi)(struct Machine *m, int gsi, int level);
    /* Stop all vCPUs and release engine resources. */
    void (*shutdown)(struct Machine *m);
    /* Called by machine_reset after devices and CPUs were reset: put the
     * engine's own state (KVM's in-kernel irqchip, TSC, vCPU MP states)
     * back to power-on.  NULL if there is none. */
    void (*reset)(struct Machine *m);
    /* Free-form lines for `info kvm` and -d. */
    void (*info)(struct Machine *m, char *buf, size_t len);
    struct AccelOps *next;
} AccelOps;

void accel_register(AccelOps *ops);
#define ACCEL_REGISTER(ops) \
    static void __attribute__((constructor)) register_##ops(void) \
    { accel_register(&(ops)); }
const AccelOps *accel_find(const char *name);
void accel_foreach(void (*fn)(const AccelOps *ops, void *opaque), void *opaque);

/* Choose and initialize the accelerator (accel/accel-select.c).  list is
 * "kvm:tcg"-style in order of preference, from origin ("-accel",
 * "-machine accel=", "-enable-kvm"), or NULL for the default: KVM where the host has
 * hardware virtualization and /dev/kvm opens, TCG otherwise (KVM without
 * hardware assistance when TCG is not built).  Sets m->accel and
 * m->accel_why; returns 0, or -1 after error_report. */
int accel_select(struct Machine *m, const char *list, const char *origin);

#endif
