/* Debugging under KVM (accel/kvm-debug.c): breakpoints in the debug
 * registers DR0-DR3 and single-step through KVM_SET_GUEST_DEBUG.  Only
 * for accel/kvm*.c (needs <linux/kvm.h>). */
#ifndef KEMU_ACCEL_KVM_DEBUG_H
#define KEMU_ACCEL_KVM_DEBUG_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "hw/core/machine.h"

/* The AccelOps debug entries of "kvm". */
int kvm_set_breakpoint(Machine *m, int type, uint64_t la, uint64_t len, bool insert);
void kvm_remove_all_breakpoints(Machine *m);
void kvm_set_singlestep(CPUState *cpu, bool on);
void kvm_wait_stopped(Machine *m);
/* KVM_EXIT_DEBUG on the vCPU thread: the vCPU stops and the debugger is told. */
void kvm_debug_exit(CPUState *cpu, const struct kvm_debug_exit_arch *arch);

#endif
