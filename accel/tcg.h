/* The "tcg" accelerator's entry points used by tests and the log. */
#ifndef KEMU_ACCEL_TCG_H
#define KEMU_ACCEL_TCG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "hw/core/machine.h"

/* Why tcg_exec_slice stopped. */
typedef enum {
    TCG_EXIT_BUDGET,     /* ran max_tbs blocks */
    TCG_EXIT_HALTED,     /* HLT, or waiting for SIPI */
    TCG_EXIT_REQUEST,    /* kicked, or a reset is pending */
} TcgExit;

/* Run cpu for up to max_tbs translation blocks on the calling thread,
 * taking pending interrupts and delivering exceptions between blocks.
 * cpu->accel must have been set up (tcg_cpu_init or vcpu_init). */
TcgExit tcg_exec_slice(CPUState *cpu, unsigned max_tbs);

/* Tests: like tcg_exec_slice, but stop before delivering an exception
 * (env->exception_index says which; rip is the faulting instruction). */
TcgExit tcg_exec_until_exception(CPUState *cpu, unsigned max_tbs);

/* Device writes to m's RAM (as_write, dma_write) drop the translated code
 * of the pages they write (accel/tcg-dma.c).  Installed by the accelerator's
 * init; tests call it on their board. */
void tcg_watch_ram_writes(Machine *m);
/* On a vCPU thread between slices: apply invalidations that other
 * threads queued. */
void tcg_apply_ram_writes(Machine *m);
/* Whether the caller is a thread that runs vCPUs (or none runs yet). */
bool tcg_on_vcpu_thread(void);

/* Generation counters the vCPU threads compare between slices: memory-map
 * commits (flush TLBs and code) and state reloads (sync_state(false):
 * tcg_reload_cpu on each vCPU, then flush). */
unsigned tcg_map_generation(void);
unsigned tcg_reload_generation(void);
void tcg_reload_cpu(CPUState *cpu);

/* Drop the CPU model features TCG does not implement (AVX, AVX-512, FMA,
 * XSAVEC...), warning about each as QEMU does (for CPU 0 only). */
void tcg_filter_features(CPUState *cpu);

/* -d cpu: the register state, QEMU's layout. */
void tcg_log_cpu_state(CPUState *cpu);

#endif
