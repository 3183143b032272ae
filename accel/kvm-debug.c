/* Breakpoints and single-step under KVM (KVM API, KVM_SET_GUEST_DEBUG).
 *
 * Guest memory is never patched (no INT3 breakpoints): software and
 * hardware breakpoints alike use the four debug-address registers
 * DR0-DR3 as instruction breakpoints (DR7 type 00, length 00; SDM vol. 3,
 * 18.2), and watchpoints as data breakpoints (write or read/write, 1-8
 * aligned bytes), so at most four exist at a time.  While any is set, or a vCPU
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

typedef struct DebugReg {
    bool used;
    int type;               /* ACCEL_BP_*, ACCEL_WATCH_WRITE/ACCESS */
    uint64_t addr, len;
} DebugReg;

static DebugReg drs[NUM_DR];
static bool stepping[MAX_CPUS];
static bool stepping_over[MAX_CPUS];   /* resumed on a breakpoint: step it first */

/* DR7 R/W and LEN fields of slot i (SDM vol. 3, 18.2.4). */
static uint64_t dr7_bits(const DebugReg *d, int i)
{
    unsigned rw = d->type == ACCEL_WATCH_WRITE ? 1 : d->type == ACCEL_WATCH_ACCESS ? 3 : 0;
    unsigned len = d->len == 2 ? 1 : d->len == 4 ? 3 : d->len == 8 ? 2 : 0;
    return (2ull << (2 * i)) | ((uint64_t)rw << (16 + 4 * i)) | ((uint64_t)len << (18 + 4 * i));
}

/* Control flags this KVM accepts in KVM_SET_GUEST_DEBUG (0: the basic set). */
static uint32_t supported_flags(void)
{
    static int flags = -1;
#if defined(KVM_CAP_SET_GUEST_DEBUG2)
    if (flags < 0) {
        int r = ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
        flags = r > 0 ? r : 0;
    }
#endif
    return flags < 0 ? 0 : (uint32_t)flags;
}

static void apply_one(CPUState *cpu, void *opaque)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_guest_debug dbg;
    memset(&dbg, 0, sizeof(dbg));
    bool any = false;
    bool over = cpu->index >= 0 && cpu->index < MAX_CPUS && stepping_over[cpu->index];
    for (int i = 0; i < NUM_DR && !over; i++) {
        if (!drs[i].used)
            continue;
        dbg.arch.debugreg[i] = drs[i].addr;
        dbg.arch.debugreg[7] |= dr7_bits(&drs[i], i);
        any = true;
    }
    bool step = over || (cpu->index >= 0 && cpu->index < MAX_CPUS && stepping[cpu->index]);
    if (any)            /* bit 10 reads as one; GE (bit 9): exact data breakpoints */
        dbg.arch.debugreg[7] |= 0x600;
    if (any || step)
        dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP |
                      (step ? KVM_GUESTDBG_SINGLESTEP : 0);
#ifdef KVM_GUESTDBG_BLOCKIRQ
    /* No interrupts while stepping (as TCG), where this KVM can do it. */
    if (step && (supported_flags() & KVM_GUESTDBG_BLOCKIRQ))
        dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
#endif
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

/* What the debug registers can watch: writes or any access (x86 has no
 * read-only data breakpoint) of 1, 2, 4 or 8 aligned bytes. */
static bool supported(int type, uint64_t la, uint64_t len)
{
    if (type == ACCEL_BP_SW || type == ACCEL_BP_HW)
        return true;
    if (type != ACCEL_WATCH_WRITE && type != ACCEL_WATCH_ACCESS)
        return false;
    return (len == 1 || len == 2 || len == 4 || len == 8) && !(la & (len - 1));
}

int kvm_set_breakpoint(Machine *m, int type, uint64_t la, uint64_t len, bool insert)
{
    if (type == ACCEL_BP_SW || type == ACCEL_BP_HW)
        len = 1;
    if (!supported(type, la, len))
        return -1;
    /* KVMs that emulate the CPU in software (no VT-x/AMD-V) were seen to
     * ignore data breakpoints: refuse rather than never stop. */
    if (type != ACCEL_BP_SW && type != ACCEL_BP_HW && insert && m->accel->hw_assisted &&
        !m->accel->hw_assisted()) {
        error_report("kvm: watchpoints need KVM with hardware virtualization");
        return -1;
    }
    int free_slot = -1;
    for (int i = 0; i < NUM_DR; i++) {
        DebugReg *d = &drs[i];
        if (d->used && d->addr == la && d->type == type && d->len == len) {
            if (insert)
                return 0;
            d->used = false;
            apply_all(m);
            return 0;
        }
        if (!d->used && free_slot < 0)
            free_slot = i;
    }
    if (!insert)
        return -1;
    if (free_slot < 0) {
        error_report("kvm: breakpoint at 0x%llx: all four debug registers are in use",
                     (unsigned long long)la);
        return -1;
    }
    drs[free_slot] = (DebugReg){ true, type, la, len };
    apply_all(m);
    return 0;
}

void kvm_remove_all_breakpoints(Machine *m)
{
    memset(drs, 0, sizeof(drs));
    apply_all(m);
}

static bool insn_bp_at(uint64_t la)
{
    for (int i = 0; i < NUM_DR; i++) {
        if (drs[i].used && (drs[i].type == ACCEL_BP_SW || drs[i].type == ACCEL_BP_HW) &&
            drs[i].addr == la)
            return true;
    }
    return false;
}

/* Called for every vCPU before each resume by the debugger.  Resuming on
 * an instruction breakpoint steps over it first (with the debug registers
 * off for that vCPU), as TCG lets it run once: the debug exit of that step
 * is silent unless a step was asked for. */
void kvm_set_singlestep(CPUState *cpu, bool on)
{
    if (cpu->index < 0 || cpu->index >= MAX_CPUS || !cpu->accel)
        return;
    const CPUX86State *env = &cpu->env;
    uint64_t la = env->seg[SEG_CS].base + env->rip;
    if (!((env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L)))
        la &= 0xffffffffULL;
    bool over = insn_bp_at(la);
    if (stepping[cpu->index] == on && stepping_over[cpu->index] == over)
        return;
    stepping[cpu->index] = on;
    stepping_over[cpu->index] = over;
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
    if (cpu->index >= 0 && cpu->index < MAX_CPUS && stepping_over[cpu->index]) {
        /* Stepped over the breakpoint it resumed on: arm them again. */
        stepping_over[cpu->index] = false;
        apply_one(cpu, NULL);
        if (!stepping[cpu->index])
            return;
    }
    int reason = ACCEL_STOP_STEP;
    uint64_t addr = 0;
    for (int i = 0; i < NUM_DR && !(arch->dr6 & DR6_BS); i++) {
        if (!(arch->dr6 & (1u << i)) || !drs[i].used)
            continue;
        addr = drs[i].addr;
        reason = drs[i].type == ACCEL_WATCH_WRITE ? ACCEL_STOP_WATCH_WRITE :
                 drs[i].type == ACCEL_WATCH_ACCESS ? ACCEL_STOP_WATCH_ACCESS :
                 ACCEL_STOP_BREAKPOINT;
        break;
    }
    __atomic_store_n(&cpu->stopped, true, __ATOMIC_RELEASE);
    accel_debug_stopped(cpu, reason, addr);
}
#endif
