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
    /* The guest can run the host's own CPU model: "-cpu host" is allowed
     * and "max" means "host" (KVM runs guest code on the host CPU). */
    bool host_cpu;
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
    /* Deliver a message-signalled interrupt (address, data) through the
     * engine's interrupt controllers; with set_gsi. */
    void (*signal_msi)(struct Machine *m, uint64_t addr, uint32_t data);
    /* Stop all vCPUs and release engine resources. */
    void (*shutdown)(struct Machine *m);
    /* Called by machine_reset after devices and CPUs were reset: put the
     * engine's own state (KVM's in-kernel irqchip, TSC, vCPU MP states)
     * back to power-on.  NULL if there is none. */
    void (*reset)(struct Machine *m);
    /* Free-form lines for `info kvm` and -d. */
    void (*info)(struct Machine *m, char *buf, size_t len);
    /* Debugging (the gdbstub); NULL when the engine has none.  Breakpoints
     * are on linear addresses and never change guest memory: the engine
     * stops before executing the instruction there.  Watchpoints cover
     * [la, la+len) and stop after the accessing instruction.  type is
     * ACCEL_BP_* (GDB's Z packet numbers).  Returns 0, or -1 (unsupported
     * type, no room). */
    int (*set_breakpoint)(struct Machine *m, int type, uint64_t la, uint64_t len, bool insert);
    void (*remove_all_breakpoints)(struct Machine *m);
    /* While on, cpu stops after each instruction it executes (external
     * interrupts wait meanwhile).  The debugger calls it for every vCPU
     * before each resume, which also marks the resume point: an
     * instruction breakpoint where the vCPU stands is passed once (as
     * RFLAGS.RF does), so resuming does not stop at once. */
    void (*set_singlestep)(struct CPUState *cpu, bool on);
    /* After machine_pause(): return once no vCPU executes guest code any
     * more, so env can be read and written (called without the big lock). */
    void (*wait_stopped)(struct Machine *m);
    /* The debugger wrote guest memory behind the engine's back (while the
     * machine is stopped): drop what the engine derived from it
     * (translated code).  NULL when the engine keeps nothing. */
    void (*memory_written)(struct Machine *m);
    /* An -accel NAME,KEY=VALUE property of this engine, set before init:
     * 0, or -1 with *why saying what is wrong.  NULL: no properties. */
    int (*set_property)(const char *key, const char *value, const char **why);
    struct AccelOps *next;
} AccelOps;

enum { ACCEL_BP_SW = 0, ACCEL_BP_HW = 1, ACCEL_WATCH_WRITE = 2, ACCEL_WATCH_READ = 3,
       ACCEL_WATCH_ACCESS = 4 };
/* Why a vCPU stopped on its own (reported through accel_debug_stopped);
 * for the watchpoint reasons addr is the data address accessed. */
enum { ACCEL_STOP_BREAKPOINT = 1, ACCEL_STOP_STEP = 2, ACCEL_STOP_WATCH_WRITE = 3,
       ACCEL_STOP_WATCH_READ = 4, ACCEL_STOP_WATCH_ACCESS = 5 };
/* Called by an engine on its vCPU thread after it stopped at a breakpoint
 * or after a single step (with cpu->stopped set, or the whole machine
 * paused); the debugger pauses the rest of the machine on its thread.
 * It calls the handler the debugger (ui/gdbstub.c) registered; without
 * one the stop is not reported. */
void accel_debug_stopped(struct CPUState *cpu, int reason, uint64_t addr);
typedef void AccelDebugStopFn(struct CPUState *cpu, int reason, uint64_t addr);
void accel_set_debug_stop_handler(AccelDebugStopFn *fn);

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
