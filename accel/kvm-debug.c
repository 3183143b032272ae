/* Breakpoints and single-step under KVM (KVM API, KVM_SET_GUEST_DEBUG).
 *
 * Guest memory is never patched (no INT3 breakpoints): software and
 * hardware breakpoints alike use the four debug-address registers
 * DR0-DR3 as instruction breakpoints (DR7 type 00, length 00; SDM vol. 3,
 * 18.2), so at most four exist at a time.  While any is set, or a vCPU
 * single-steps, the guest's own use of the debug registers is suspended
 * (KVM owns them then).  The debug exit stops its vCPU and tells the
 * debugger, which pauses the others. */
#include "config.h"

#ifdef CONFIG_KVM
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/accel.h"
#include "accel/kvm-debug.h"
#include "accel/kvm-int.h"
#include "hw/core/error.h"

#define NUM_DR 4
#define DR6_BS (1u << 14)

static uint64_t dr_addr[NUM_DR];
static bool dr_used[NUM_DR];
static bool stepping[MAX_CPUS];

static void apply_one(CPUState *cpu, void *opaque)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_guest_debug dbg;
    memset(&dbg, 0, sizeof(dbg));
    bool any = false;
    for (int i = 0; i < NUM_DR; i++) {
        if (!dr_used[i])
            continue;
        dbg.arch.debugreg[i] = dr_addr[i];
        dbg.arch.debugreg[7] |= 2ull << (2 * i);    /* G<i>: enabled, exec, 1 byte */
        any = true;
    }
    bool step = cpu->index >= 0 && cpu->index < MAX_CPUS && stepping[cpu->index];
    if (any || step)
        dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP |
                      (step ? KVM_GUESTDBG_SINGLESTEP : 0);
    if (kvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
        error_report("kvm: KVM_SET_GUEST_DEBUG on CPU %d: %s", cpu->index, strerror(errno));
}

static void apply_all(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->accel)
            kvm_vcpu_exclusive(m->cpus[i], apply_one, NULL);
    }
}

int kvm_set_breakpoint(Machine *m, int type, uint64_t la, bool insert)
{
    int free_slot = -1;
    for (int i = 0; i < NUM_DR; i++) {
        if (dr_used[i] && dr_addr[i] == la) {
            if (insert)
                return 0;
            dr_used[i] = false;
            apply_all(m);
            return 0;
        }
        if (!dr_used[i] && free_slot < 0)
            free_slot = i;
    }
    if (!insert)
        return -1;
    if (free_slot < 0) {
        error_report("kvm: breakpoint at 0x%llx: all four debug registers are in use",
                     (unsigned long long)la);
        return -1;
    }
    dr_used[free_slot] = true;
    dr_addr[free_slot] = la;
    apply_all(m);
    return 0;
}

void kvm_remove_all_breakpoints(Machine *m)
{
    memset(dr_used, 0, sizeof(dr_used));
    apply_all(m);
}

void kvm_set_singlestep(CPUState *cpu, bool on)
{
    if (cpu->index < 0 || cpu->index >= MAX_CPUS || !cpu->accel)
        return;
    if (stepping[cpu->index] == on)
        return;
    stepping[cpu->index] = on;
    kvm_vcpu_exclusive(cpu, apply_one, NULL);
}

/* Each vCPU leaves KVM_RUN once (the exclusive section); being stopped,
 * it does not enter again. */
static void nothing(CPUState *cpu, void *opaque)
{
}

void kvm_wait_stopped(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->accel)
            kvm_vcpu_exclusive(m->cpus[i], nothing, NULL);
    }
}

void kvm_debug_exit(CPUState *cpu, const struct kvm_debug_exit_arch *arch)
{
    int reason = (arch->dr6 & DR6_BS) ? ACCEL_STOP_STEP : ACCEL_STOP_BREAKPOINT;
    __atomic_store_n(&cpu->stopped, true, __ATOMIC_RELEASE);
    accel_debug_stopped(cpu, reason);
}
#endif
