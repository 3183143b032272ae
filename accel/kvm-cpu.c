/* The KVM accelerator, vCPU side: one host thread per vCPU runs KVM_RUN
 * and dispatches each exit to a small handler (port I/O and MMIO go to the
 * machine's address spaces under the big lock).  Kicks are a signal plus
 * kvm_run.immediate_exit, so a vCPU leaves guest mode whether it is inside
 * KVM_RUN or about to enter it. */
#include "accel/kvm-int.h"
#include "accel/kvm-debug.h"
#include "cpu/sys.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define SIG_KICK SIGUSR1

static void sig_kick(int sig)
{
    /* Nothing to do: the signal's only job is to interrupt KVM_RUN. */
}

void kvm_signal_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sig_kick;
    /* KVM_RUN returns EINTR whatever the flags; SA_RESTART keeps the
     * syscalls devices make on a vCPU thread (chardev writes) from seeing
     * EINTR when a kick lands. */
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIG_KICK, &sa, NULL);
}

int kvm_vcpu_create(CPUState *cpu)
{
    KvmVcpu *v = xzalloc(sizeof(*v));
    v->cpu = cpu;
    v->fd = ioctl(kvm_state.vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->index);
    if (v->fd < 0) {
        error_report("kvm: cannot create vCPU %d: %s", cpu->index, strerror(errno));
        free(v);
        return -1;
    }
    v->run = mmap(NULL, (size_t)kvm_state.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  v->fd, 0);
    if (v->run == MAP_FAILED) {
        error_report("kvm: cannot map vCPU %d: %s", cpu->index, strerror(errno));
        return -1;
    }
    pthread_mutex_init(&v->lock, NULL);
    pthread_mutex_init(&v->wait_lock, NULL);
    pthread_cond_init(&v->wait_cond, NULL);
    cpu->accel = v;
    /* Without the in-kernel irqchip, application processors wait for
     * INIT/SIPI here (with it, KVM keeps them waiting). */
    atomic_store(&v->wait_sipi, !kvm_state.irqchip && cpu->index != 0);
    if (kvm_cpuid_setup(cpu) < 0 || kvm_regs_reset(cpu) < 0)
        return -1;
    cpu->created = true;
    return 0;
}

static void wake(KvmVcpu *v)
{
    pthread_mutex_lock(&v->wait_lock);
    pthread_cond_broadcast(&v->wait_cond);
    pthread_mutex_unlock(&v->wait_lock);
}

void kvm_vcpu_kick(CPUState *cpu)
{
    KvmVcpu *v = cpu->accel;
    if (!v)
        return;
    wake(v);
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v->thread_started, __ATOMIC_ACQUIRE) &&
        !pthread_equal(pthread_self(), v->thread))
        pthread_kill(v->thread, SIG_KICK);
}

void kvm_vcpu_exclusive(CPUState *cpu, void (*fn)(CPUState *cpu, void *opaque), void *opaque)
{
    KvmVcpu *v = cpu->accel;
    if (__atomic_load_n(&v->thread_started, __ATOMIC_ACQUIRE) &&
        pthread_equal(pthread_self(), v->thread)) {
        fn(cpu, opaque);   /* the vCPU thread itself, between exits */
        return;
    }
    atomic_fetch_add(&v->waiters, 1);
    kvm_vcpu_kick(cpu);
    pthread_mutex_lock(&v->lock);
    fn(cpu, opaque);
    atomic_fetch_sub(&v->waiters, 1);
    pthread_mutex_unlock(&v->lock);
    wake(v);
}

void kvm_vcpus_hold(Machine *m, bool hold)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        KvmVcpu *v = m->cpus[i] ? m->cpus[i]->accel : NULL;
        if (!v)
            continue;
        if (hold) {
            atomic_fetch_add(&v->waiters, 1);
            kvm_vcpu_kick(m->cpus[i]);
        } else {
            atomic_fetch_sub(&v->waiters, 1);
            pthread_mutex_unlock(&v->lock);
            wake(v);
        }
    }
    for (unsigned i = 0; hold && i < m->ncpus; i++) {
        KvmVcpu *v = m->cpus[i] ? m->cpus[i]->accel : NULL;
        if (v)
            pthread_mutex_lock(&v->lock);
    }
}

/* ---- waiting ------------------------------------------------------------ */

/* Userspace irqchip: may a halted vCPU (HLT, or waiting for SIPI) go on? */
static bool wakes_up(const KvmVcpu *v)
{
    const CPUState *cpu = v->cpu;
    uint32_t req = atomic_load(&cpu->env.interrupt_request);
    if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI))
        return true;
    if (atomic_load(&v->wait_sipi))
        return false;
    /* HLT ends on an NMI, or on an interrupt the guest accepts (IF as
     * KVM reported it when the HLT exited). */
    return (req & CPU_INTERRUPT_NMI) || ((req & CPU_INTERRUPT_HARD) && v->run->if_flag);
}

static bool must_wait(KvmVcpu *v)
{
    CPUState *cpu = v->cpu;
    if (atomic_load(&kvm_state.quitting))
        return false;
    if (atomic_load(&v->waiters) || atomic_load(&v->wait_reset) || atomic_load(&v->failed) ||
        __atomic_load_n(&cpu->stopped, __ATOMIC_ACQUIRE))
        return true;
    /* With the in-kernel irqchip, HLT and INIT/SIPI waits happen in KVM. */
    return !kvm_state.irqchip && cpu->env.halted && !wakes_up(v);
}

/* Called with v->lock held; sleeps without it while the vCPU may not run. */
static void wait_runnable(KvmVcpu *v)
{
    while (must_wait(v)) {
        pthread_mutex_unlock(&v->lock);
        pthread_mutex_lock(&v->wait_lock);
        while (must_wait(v))
            pthread_cond_wait(&v->wait_cond, &v->wait_lock);
        pthread_mutex_unlock(&v->wait_lock);
        pthread_mutex_lock(&v->lock);
    }
}

/* Device access from a vCPU: drop the vCPU lock (so the monitor can reach
 * the registers meanwhile) and take the machine lock. */
static void enter_devices(KvmVcpu *v)
{
    pthread_mutex_unlock(&v->lock);
    big_lock();
    if (atomic_load(&kvm_state.quitting)) {
        /* kemu is exiting: devices may be going away under us. */
        big_unlock();
        pthread_exit(NULL);
    }
}

static void leave_devices(KvmVcpu *v)
{
    big_unlock();
    pthread_mutex_lock(&v->lock);
}

/* ---- userspace interrupt controller (kernel-irqchip=off) ---------------- */

/* INIT: the power-on state (APIC base kept), then wait for a SIPI.  A SIPI
 * that came right behind the INIT stays pending. */
static void do_init(KvmVcpu *v)
{
    CPUState *cpu = v->cpu;
    uint64_t apic_base = cpu->env.apic_base;
    uint32_t keep = atomic_load(&cpu->env.interrupt_request) & CPU_INTERRUPT_SIPI;
    uint32_t vector = cpu->env.sipi_vector;
    cpu_reset(cpu);
    cpu->env.apic_base = apic_base;
    cpu->env.sipi_vector = vector;
    atomic_fetch_or(&cpu->env.interrupt_request, keep);
    cpu->env.halted = true;
    atomic_store(&v->wait_sipi, true);
    kvm_regs_put(cpu);
}

/* SIPI: a waiting CPU starts in real mode at vector * 4 KiB. */
static void do_sipi(KvmVcpu *v)
{
    CPUState *cpu = v->cpu;
    uint32_t vec = cpu->env.sipi_vector & 0xff;
    if (!atomic_load(&v->wait_sipi))
        return;
    atomic_store(&v->wait_sipi, false);
    cpu->env.seg[SEG_CS].sel = (uint16_t)(vec << 8);
    cpu->env.seg[SEG_CS].base = (uint64_t)vec << 12;
    cpu->env.rip = 0;
    cpu->env.halted = false;
    kvm_regs_put(cpu);
}

static void do_nmi(KvmVcpu *v)
{
    if (kvm_ioctl(v->fd, KVM_NMI, NULL) < 0)
        error_report("kvm: KVM_NMI on CPU %d: %s", v->cpu->index, strerror(errno));
    v->cpu->env.halted = false;
}

/* Give the guest the highest pending external interrupt if it can take
 * one now, else ask KVM to exit when it can (interrupt window). */
static void do_external(KvmVcpu *v)
{
    CPUState *cpu = v->cpu;
    Machine *m = kvm_state.m;
    struct kvm_run *run = v->run;
    if (!run->ready_for_interrupt_injection || !run->if_flag) {
        run->request_interrupt_window = 1;
        return;
    }
    enter_devices(v);
    int vec = m->irq_ack(m, cpu);
    leave_devices(v);
    if (vec < 0) {
        atomic_fetch_and(&cpu->env.interrupt_request, ~(uint32_t)CPU_INTERRUPT_HARD);
    } else {
        struct kvm_interrupt irq = { .irq = (uint32_t)vec };
        if (kvm_ioctl(v->fd, KVM_INTERRUPT, &irq) < 0)
            error_report("kvm: KVM_INTERRUPT %d: %s", vec, strerror(errno));
        run->ready_for_interrupt_injection = 0;   /* one per entry */
        cpu->env.halted = false;
    }
    uint32_t req = atomic_load(&cpu->env.interrupt_request);
    run->request_interrupt_window = !!(req & CPU_INTERRUPT_HARD);
}

/* Userspace irqchip: act on what the PIC/APIC models requested. */
static void inject_irq(KvmVcpu *v)
{
    CPUState *cpu = v->cpu;
    _Atomic uint32_t *req = &cpu->env.interrupt_request;
    v->run->request_interrupt_window = 0;
    if (atomic_load(req) & CPU_INTERRUPT_INIT) {
        atomic_fetch_and(req, ~(uint32_t)CPU_INTERRUPT_INIT);
        do_init(v);
    }
    if (atomic_load(req) & CPU_INTERRUPT_SIPI) {
        atomic_fetch_and(req, ~(uint32_t)CPU_INTERRUPT_SIPI);
        do_sipi(v);
    }
    if (atomic_load(&v->wait_sipi))
        return;
    if (atomic_load(req) & CPU_INTERRUPT_NMI) {
        atomic_fetch_and(req, ~(uint32_t)CPU_INTERRUPT_NMI);
        do_nmi(v);
    }
    if ((atomic_load(req) & CPU_INTERRUPT_HARD) && kvm_state.m->irq_ack)
        do_external(v);
}

/* ---- exits --------------------------------------------------------------- */

static void exit_io(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    unsigned size = run->io.size;
    uint64_t bytes = (uint64_t)size * run->io.count;
    if (size == 0 || size > 4 || run->io.data_offset + bytes > (uint64_t)kvm_state.run_size)
        return;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    AddressSpace *io = &kvm_state.m->io;
    enter_devices(v);
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t val = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&val, data, size);
            as_st(io, run->io.port, val, size);
        } else {
            val = as_ld(io, run->io.port, size);
            memcpy(data, &val, size);
        }
    }
    leave_devices(v);
}

static void exit_mmio(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    unsigned len = run->mmio.len;
    AddressSpace *mem = &kvm_state.m->mem;
    if (len == 0 || len > 8)
        return;
    enter_devices(v);
    if (len == 1 || len == 2 || len == 4 || len == 8) {
        uint64_t val = 0;
        if (run->mmio.is_write) {
            memcpy(&val, run->mmio.data, len);
            as_st(mem, run->mmio.phys_addr, val, len);
        } else {
            val = as_ld(mem, run->mmio.phys_addr, len);
            memcpy(run->mmio.data, &val, len);
        }
    } else if (run->mmio.is_write) {
        as_write(mem, run->mmio.phys_addr, run->mmio.data, len);
    } else {
        as_read(mem, run->mmio.phys_addr, run->mmio.data, len);
    }
    leave_devices(v);
}

static void exit_hlt(KvmVcpu *v)
{
    v->cpu->env.halted = true;
}

/* Triple fault: the board resets; this vCPU waits for its new state. */
static void exit_shutdown(KvmVcpu *v)
{
    atomic_store(&v->wait_reset, true);
    machine_request_reset(kvm_state.m);
}

static void exit_system_event(KvmVcpu *v)
{
    if (v->run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
        exit_shutdown(v);
        return;
    }
    atomic_store(&v->wait_reset, true);
    machine_request_shutdown(kvm_state.m, 0);
}

/* The guest cannot go on: report where it stopped and pause the machine
 * (as QEMU does), so the monitor can still look at it. */
static void vcpu_fail(KvmVcpu *v, const char *what)
{
    CPUState *cpu = v->cpu;
    kvm_regs_get(cpu);
    error_report("%s on CPU %d at %04x:%016llx (CR0=%08llx)", what, cpu->index,
                 cpu->env.seg[SEG_CS].sel, (unsigned long long)cpu->env.rip,
                 (unsigned long long)cpu->env.cr0);
    atomic_store(&v->failed, true);
    enter_devices(v);
    machine_pause(kvm_state.m);
    leave_devices(v);
}

static void exit_internal_error(KvmVcpu *v)
{
    char what[96];
    uint32_t sub = v->run->internal.suberror;
    snprintf(what, sizeof(what), "KVM internal error, suberror %u%s", sub,
             sub == KVM_INTERNAL_ERROR_EMULATION ? " (emulation failure)" : "");
    vcpu_fail(v, what);
}

static void exit_fail_entry(KvmVcpu *v)
{
    char what[96];
    snprintf(what, sizeof(what), "KVM entry failed, hardware error 0x%llx",
             (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
    vcpu_fail(v, what);
}

static void handle_exit(KvmVcpu *v)
{
    switch (v->run->exit_reason) {
    case KVM_EXIT_IO: exit_io(v); break;
    case KVM_EXIT_MMIO: exit_mmio(v); break;
    case KVM_EXIT_HLT: exit_hlt(v); break;
    case KVM_EXIT_IRQ_WINDOW_OPEN: break;      /* inject_irq runs next */
    case KVM_EXIT_INTR: break;
    case KVM_EXIT_SHUTDOWN: exit_shutdown(v); break;
    case KVM_EXIT_SYSTEM_EVENT: exit_system_event(v); break;
    case KVM_EXIT_INTERNAL_ERROR: exit_internal_error(v); break;
    case KVM_EXIT_FAIL_ENTRY: exit_fail_entry(v); break;
    case KVM_EXIT_DEBUG: kvm_debug_exit(v->cpu, &v->run->debug.arch); break;   /* gdbstub */
    default: {
        char what[64];
        snprintf(what, sizeof(what), "unhandled KVM exit reason %u", v->run->exit_reason);
        vcpu_fail(v, what);
        break;
    }
    }
}

static void *vcpu_thread(void *opaque)
{
    KvmVcpu *v = opaque;
    current_cpu = v->cpu;     /* per-CPU MMIO: the userspace local APIC page */
    v->cpu->thread_id = (int)gettid();
    pthread_mutex_lock(&v->lock);
    while (!atomic_load(&kvm_state.quitting)) {
        wait_runnable(v);
        if (atomic_load(&kvm_state.quitting))
            break;
        if (!kvm_state.irqchip)
            inject_irq(v);
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
                continue;
            }
            char what[96];
            snprintf(what, sizeof(what), "KVM_RUN failed: %s", strerror(errno));
            vcpu_fail(v, what);
            continue;
        }
        handle_exit(v);
    }
    pthread_mutex_unlock(&v->lock);
    return NULL;
}

void kvm_vcpu_start(CPUState *cpu)
{
    KvmVcpu *v = cpu->accel;
    sigset_t set, old;
    if (!v || v->thread_started)
        return;
    /* The thread starts with SIG_KICK unblocked whatever the caller has. */
    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_UNBLOCK, &set, &old);
    if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0)
        fatal("kvm: cannot start the thread of CPU %d", cpu->index);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    __atomic_store_n(&v->thread_started, true, __ATOMIC_RELEASE);
}
