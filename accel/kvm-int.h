/* Shared by the KVM accelerator's files (accel/kvm*.c): the VM-wide state
 * and the per-vCPU state.  Nothing outside accel/ includes this. */
#ifndef KEMU_KVM_INT_H
#define KEMU_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "hw/core/machine.h"

#define KVM_SLOTS_MAX 64

typedef struct KvmSlot {
    bool used;
    uint64_t gpa, size;
    uint8_t *host;
    bool readonly;
    bool log;                  /* KVM_MEM_LOG_DIRTY_PAGES: mr has a dirty log */
    MemoryRegion *mr;          /* the region, and the slot's offset in it */
    uint64_t mr_off;
} KvmSlot;

typedef struct KvmState {
    int fd, vm_fd;
    int run_size;              /* mmap size of struct kvm_run */
    bool readonly_mem, immediate_exit, xcrs;
    bool irqchip;              /* in-kernel PIC/IOAPIC/LAPIC and PIT */
    Machine *m;
    KvmSlot slots[KVM_SLOTS_MAX];
    uint32_t *msr_list;        /* MSRs the kernel saves/restores */
    uint32_t nmsrs;
    struct kvm_cpuid2 *supported;
    _Atomic bool quitting;
} KvmState;

extern KvmState kvm_state;

/* Per-vCPU data (CPUState.accel).
 *
 * Locking: the vCPU thread holds `lock` while it is inside KVM_RUN or
 * touching the kernel's vCPU state, and releases it while it waits (paused,
 * halted) or takes the big lock for a device access.  Another thread that
 * needs the registers (monitor, reset) raises `waiters`, kicks, and then
 * takes `lock`: from then on the vCPU is out of KVM_RUN and stays out until
 * `waiters` drops, so the caller may use the vCPU ioctls directly. */
typedef struct KvmVcpu {
    CPUState *cpu;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_mutex_t wait_lock; /* with wait_cond: sleeping vCPU thread */
    pthread_cond_t wait_cond;
    _Atomic int waiters;
    _Atomic bool wait_reset;   /* after a triple fault, until the reset */
    _Atomic bool failed;       /* internal error: never run again */
    _Atomic bool wait_sipi;    /* userspace irqchip: an AP before its SIPI */
} KvmVcpu;

/* accel/kvm-cpu.c */
int kvm_vcpu_create(CPUState *cpu);
void kvm_vcpu_start(CPUState *cpu);
void kvm_vcpu_kick(CPUState *cpu);
/* Run fn(cpu) with the vCPU out of KVM_RUN (see KvmVcpu). */
void kvm_vcpu_exclusive(CPUState *cpu, void (*fn)(CPUState *cpu, void *opaque), void *opaque);
/* Bring every vCPU out of KVM_RUN and keep it out (hold) or let them go. */
void kvm_vcpus_hold(Machine *m, bool hold);
void kvm_signal_init(void);

/* accel/kvm-regs.c: copy between the kernel and cpu->env (vCPU out of
 * KVM_RUN).  0 or -1 after error_report. */
int kvm_regs_get(CPUState *cpu);
int kvm_regs_put(CPUState *cpu);
/* Power-on state of the vCPU (after cpu_reset): also TSC, LAPIC, MP state. */
int kvm_regs_reset(CPUState *cpu);
/* accel/kvm-cpuid.c: build and install the vCPU's CPUID table. */
int kvm_cpuid_setup(CPUState *cpu);
int kvm_cpuid_load_supported(void);

/* An ioctl retried on EINTR/EAGAIN (never KVM_RUN). */
int kvm_ioctl(int fd, unsigned long req, void *arg);

#endif
